"""Text, phone and website values (the input rules of Zoho's insert-records "Sample Attributes",
https://www.zoho.com/crm/developer/docs/api/v7/insert-records.html)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from csvprep.rules.base import (
    Accept,
    Rule,
    TypeRules,
    accept_digits,
    accept_max_bytes,
    accept_pattern,
    fullmatch_or_empty,
    limit_of,
    too_long,
)
from csvprep.rules.emailworker import EmailJudge
from csvprep.rules.formula import and_no_formula, formula_rule
from csvprep.schema import FieldSpec


def _text(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [too_long(limit_of(f)), formula_rule()]


def _accept_text(f: FieldSpec) -> Accept:
    return and_no_formula(accept_max_bytes(limit_of(f)))


TEXT = TypeRules(_text, _accept_text)


# --- phone -------------------------------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"[\s().\-/]")
_PHONE_PLAIN = re.compile(r"\+?\d+")


def _phone_detail(value: str) -> Mapping[str, object]:
    cleaned = _PHONE_JUNK.sub("", value)
    if _PHONE_PLAIN.fullmatch(cleaned):
        return {"hint": f"; without spaces and punctuation this is {cleaned}"}
    return {"hint": ""}


def _phone(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [
        Rule("invalid-phone", fullmatch_or_empty(r"\+?\d+"), detail=_phone_detail),
        too_long(limit_of(f)),
    ]


PHONE = TypeRules(_phone, lambda f: accept_digits(limit_of(f), plus=True))


# --- website -----------------------------------------------------------------------------------------

# Zoho's documented URL pattern (insert-records, "Sample Attributes"), as RE2.
URL = (
    r"(?:http://www\.|https://www\.|ftp://www\.|www\.|http://|https://|ftp://|)"
    r"[^\x00-\x19\x22-\x27\x2A-\x2C\x2E-\x2F\x3A-\x3F\x5B-\x5E\x60\x7B\x7D-\x7F]+"
    r"(?:\.[^\x00-\x19\x22\x24-\x2C\x2E-\x2F\x3C\x3E\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+)+"
    r"(?:[/?].*)*"
)


def _website(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [too_long(limit_of(f)), Rule("invalid-url", fullmatch_or_empty(URL))]


WEBSITE = TypeRules(_website, lambda f: accept_pattern(URL, limit_of(f)))
