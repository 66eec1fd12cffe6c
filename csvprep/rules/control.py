"""Rules every column gets: no control characters, and (where Zoho requires one) a visible value."""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.arrowbytes import string_bytes
from csvprep.rules.base import Rule, np_mask

# C0 controls but tab, LF and CR; DEL and the C1 controls (U+0085 among them); the bidi embeddings,
# overrides and isolates, which reorder what a person sees; and U+FEFF (a BOM) inside a value.
_CONTROL_RANGES = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
CONTROL = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in _CONTROL_RANGES) + "]"
"""The control characters as an RE2 class."""
_CONTROL_RE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _CONTROL_RANGES) + "]"
)


def _control_ok(arr: pa.Array) -> np.ndarray:
    return ~np_mask(pc.match_substring_regex(arr, CONTROL))


def _control_detail(value: str) -> Mapping[str, object]:
    m = _CONTROL_RE.search(value)
    pos = m.start() + 1 if m else 0
    char = f"U+{ord(m.group()):04X}" if m else "?"
    return {"char": char, "position": pos, "value": value}


def control_rule() -> Rule:
    """Control and bidi characters (tab, CR and LF excepted) have no place in a CRM value."""
    return Rule("control-character", _control_ok, detail=_control_detail)


_C0_FREE = bytes(b for b in range(256) if not _CONTROL_RE.fullmatch(chr(b)) or b >= 0x80)
_C2, _E2, _EF = 0xC2, 0xE2, 0xEF


def _between(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return (x >= lo) & (x <= hi)


def _has_wide_control(raw: np.ndarray) -> bool:
    """Whether valid UTF-8 holds U+0080-U+009F (C2 80-9F), U+202A-U+202E (E2 80 AA-AE), U+2066-U+2069
    (E2 81 A6-A9) or U+FEFF (EF BB BF): only the lead bytes' neighbours are looked at."""
    c2 = np.flatnonzero(raw[:-1] == _C2)
    if len(c2) and _between(raw[c2 + 1], 0x80, 0x9F).any():
        return True
    e2 = np.flatnonzero(raw[:-2] == _E2)
    if len(e2):
        b1, b2 = raw[e2 + 1], raw[e2 + 2]
        if (((b1 == 0x80) & _between(b2, 0xAA, 0xAE)) | ((b1 == 0x81) & _between(b2, 0xA6, 0xA9))).any():
            return True
    ef = np.flatnonzero(raw[:-2] == _EF)
    return bool(len(ef)) and bool(((raw[ef + 1] == 0xBB) & (raw[ef + 2] == 0xBF)).any())


SCAN_BYTES = 1 << 22
"""Bytes of a column looked at by one step of :func:`has_control`: its temporaries stay this small
however large a cell is (a 100 MB note)."""
_LEAD_SPAN = 2
"""Bytes after a lead byte that :func:`_has_wide_control` reads: the steps overlap by that much."""


def has_control(arr: pa.Array) -> bool:
    """Whether any cell holds a control character (one pass over the column's bytes)."""
    _, raw = string_bytes(arr)
    return any(
        _bytes_have_control(raw[s : s + SCAN_BYTES + _LEAD_SPAN]) for s in range(0, len(raw), SCAN_BYTES)
    )


def _bytes_have_control(raw: np.ndarray) -> bool:
    # Most columns hold no byte below 0x20 at all; only those that do (line breaks, tabs) are scanned.
    if ((raw < 0x20).any() or (raw == 0x7F).any()) and raw.tobytes().translate(None, _C0_FREE):
        return True
    # ASCII columns are settled by one more pass; others are looked at around their lead bytes.
    if not (raw >= _C2).any():
        return False
    return _has_wide_control(raw)


# --- a mandatory value -------------------------------------------------------------------------------

# Any space (\\s, the Unicode separators such as NBSP) and the characters that show as nothing (soft
# hyphen, zero-width spaces and joiners, word joiner, BOM): a mandatory value made only of them is empty.
BLANK = r"^[\s\p{Z}\x{ad}\x{180e}\x{200b}-\x{200d}\x{2060}\x{feff}]*$"
# The first byte of such a value: ASCII whitespace, or the UTF-8 lead byte of U+0080-U+00BF (C2),
# U+1680/U+180E (E1), U+2000-U+2060 (E2), U+3000 (E3) or U+FEFF (EF).
_BLANK_LEADS = np.zeros(256, dtype=bool)
_BLANK_LEADS[[*b"\t\n\x0b\x0c\r ", 0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True


def accept_required(arr: pa.Array) -> np.ndarray:
    """Accept test of :func:`required`: the cell holds a visible character.

    Only cells that start with a space or an invisible character's lead byte meet the pattern."""
    offsets, raw = string_bytes(arr)
    ok = np.diff(offsets) > 0
    at = np.flatnonzero(ok)
    at = at[_BLANK_LEADS[raw[offsets[at]]]]
    if len(at):
        ok[at] = ~np_mask(pc.match_substring_regex(arr.take(pa.array(at)), BLANK))
    return ok


def _required_detail(value: str) -> Mapping[str, object]:
    if not value:
        return {"how": "is empty"}
    seen = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in value))
    return {"how": f"holds only spaces or invisible characters ({seen})", "value": value}


def required() -> Rule:
    """An empty cell, or one holding only spaces and invisible characters, where Zoho needs a value."""
    return Rule("required-empty", accept_required, detail=_required_detail)
