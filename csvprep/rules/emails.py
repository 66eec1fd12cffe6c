"""Email values: a strict pattern clears most cells; email-validator (:mod:`csvprep.rules.emailworker`)
has the last word on the rest."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.arrowbytes import string_bytes
from csvprep.rules.base import Accept, Ok, Rule, TypeRules, byte_lengths, limit_of, np_mask, too_long
from csvprep.rules.emailworker import EmailJudge
from csvprep.schema import FieldSpec

# A strict ASCII dot-atom address. Everything it accepts, email-validator accepts too (a hypothesis test
# holds the two together); everything else goes to email-validator, which has the last word. A domain
# label here has no double hyphen (so no punycode ``xn--``), and its length limit (63) is implied by the
# address's: an address of at most SURE_EMAIL_BYTES cannot hold a longer label, nor a local part over 64.
# Label and length limits are not counted in the pattern: counted repeats make RE2 much slower.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
STRICT_EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,24}}"
SURE_EMAIL_BYTES = 68
# Accepted by the pattern, but refused by email-validator: an address at a special-use domain
# (email_validator.SPECIAL_USE_DOMAIN_NAMES, held equal by a test).
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
_SPECIAL_USE = rf"(?i)\.(?:{'|'.join(SPECIAL_USE_DOMAINS)})$"
# The last two bytes of those names, lower case: a cell that ends otherwise cannot end with one of them.
_SPECIAL_ENDS = np.zeros(1 << 16, dtype=bool)
_SPECIAL_ENDS[[(ord(d[-2]) << 8) | ord(d[-1]) for d in SPECIAL_USE_DOMAINS]] = True


def email_sure(arr: pa.Array) -> np.ndarray:
    """True where the strict pattern clears the cell; email-validator decides the others."""
    sure = byte_lengths(arr) <= SURE_EMAIL_BYTES
    sure &= np_mask(pc.match_substring_regex(arr, f"^(?:{STRICT_EMAIL})?$"))
    # The special-use pattern runs only on cells whose last two bytes could end such a name: a third of
    # the pass when it ran on every cell.
    at = np.flatnonzero(sure & _special_end(arr))
    if len(at):
        sure[at[np_mask(pc.match_substring_regex(arr.take(pa.array(at)), _SPECIAL_USE))]] = False
    return sure


def _special_end(arr: pa.Array) -> np.ndarray:
    """Cells whose last two bytes, letters lowered, end one of :data:`SPECIAL_USE_DOMAINS` (and a few
    more: ``| 0x20`` lowers letters and changes some other bytes; the pattern decides)."""
    offsets, raw = string_bytes(arr)
    ends = offsets[1:]
    two = np.diff(offsets) >= 2
    if not two.any():
        return two
    last = raw[np.where(two, ends - 1, 0)].astype(np.intp) | 0x20
    prev = raw[np.where(two, ends - 2, 0)].astype(np.intp) | 0x20
    return two & _SPECIAL_ENDS[(prev << 8) | last]


def _doubtful(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    """The positions and values of the cells the strict pattern cannot clear."""
    at = np.flatnonzero(~email_sure(arr))
    return at, arr.take(pa.array(at)).to_pylist() if len(at) else []


def email_ok(emails: EmailJudge) -> Ok:
    """True where the cell is empty or an address email-validator accepts (syntax only, no DNS)."""

    def ok(arr: pa.Array) -> np.ndarray:
        at, values = _doubtful(arr)
        out = np.ones(len(arr), dtype=bool)
        out[at] = [emails.verdict(v) is None for v in values]
        return out

    return ok


def _invalid_email(emails: EmailJudge) -> Rule:
    def prefetch(arr: pa.Array) -> None:
        emails.prefetch(_doubtful(arr)[1])

    def detail(value: str) -> Mapping[str, object]:
        reason = emails.verdict(value) or "rejected"
        return {"reason": reason[:1].lower() + reason[1:]}

    return Rule("invalid-email", email_ok(emails), detail=detail, prefetch=prefetch, start=emails.start)


def _email(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [too_long(limit_of(f)), _invalid_email(emails)]


def _accept_email(f: FieldSpec) -> Accept:
    limit = limit_of(f)

    def accept(arr: pa.Array) -> np.ndarray:
        return (byte_lengths(arr) <= limit) & email_sure(arr)

    return accept


EMAIL = TypeRules(_email, _accept_email)
