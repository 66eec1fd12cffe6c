"""Number values: integer, bigint, currency, double and percent (digits before and after the point from the
field's ``length`` and ``decimal_place``; Kaizen #13, https://help.zoho.com/portal/en/community/topic/kaizen-13-bulk-write-api)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.rules.base import (
    Accept,
    Detail,
    Ok,
    Rule,
    TypeRules,
    accept_digits,
    accept_pattern,
    byte_lengths,
    fullmatch_or_empty,
    limit_of,
    np_mask,
)
from csvprep.schema import FieldSpec

SCIENTIFIC = r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"
_NUMBER = r"-?\d+(?:\.\d+)?"


def _not_scientific() -> Ok:
    ok_pat = fullmatch_or_empty(SCIENTIFIC)

    def ok(arr: pa.Array) -> np.ndarray:
        return ~ok_pat(arr) | (byte_lengths(arr) == 0)

    return ok


def _int_digits_ok(limit: int) -> Ok:
    def ok(arr: pa.Array) -> np.ndarray:
        before = pc.split_pattern(pc.utf8_ltrim(arr, characters="-"), ".", max_splits=1)
        return np_mask(pc.less_equal(pc.utf8_length(pc.list_element(before, 0)), limit))

    return ok


def _decimals_ok(limit: int) -> Ok:
    return fullmatch_or_empty(rf"-?\d+(?:\.\d{{1,{limit}}})?" if limit else r"-?\d+")


def _digits_detail(where: str) -> Detail:
    def detail(value: str) -> Mapping[str, object]:
        v = value.lstrip("-")
        whole, _, frac = v.partition(".")
        return {"digits": len(frac) if where == "after" else len(whole)}

    return detail


_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_EUROPEAN = re.compile(r"-?\d{1,3}(?:[.\s\u00a0]\d{3})+,\d+")  # 1.234,50 or 1 234,50
_EUROPEAN_GROUPS = re.compile(r"[.\s\u00a0]")
_SIGNED = re.compile(r"[$€£¥₹]\s?-?[\d.,]+|-?[\d.,]+\s?[$€£¥₹%]")


def _number_hint(value: str) -> Mapping[str, object]:
    v = value.strip()
    if _THOUSANDS.fullmatch(v):
        return {"hint": f"; remove the thousands separators: {v.replace(',', '')}"}
    if _DECIMAL_COMMA.fullmatch(v):
        return {"hint": f"; use '.' as the decimal point: {v.replace(',', '.')}"}
    if _EUROPEAN.fullmatch(v):
        plain = _EUROPEAN_GROUPS.sub("", v).replace(",", ".")
        return {"hint": f"; use '.' as the decimal point and no thousands separator: {plain}"}
    if _SIGNED.fullmatch(v):
        return {"hint": "; remove the currency or percent sign"}
    return {"hint": ""}


def _number_rules(f: FieldSpec, whole: bool) -> list[Rule]:
    limit = limit_of(f)
    if whole:
        expected = f"a whole number of at most {limit} digits, e.g. {'0012345600012' if limit > 9 else '350'}"
        pattern = r"-?\d+"
    else:
        dec = f.max_decimals
        expected = (
            f"a number with at most {limit} digits before the point and {dec} after, "
            f"e.g. 250000.{'5' * min(dec, 2) if dec else ''}".rstrip(".")
        )
        pattern = _NUMBER
    rules = [
        Rule("scientific-notation", _not_scientific()),
        Rule(
            "invalid-number",
            fullmatch_or_empty(pattern),
            MappingProxyType({"expected": expected}),
            lambda v: {"expected": f"{expected}{_number_hint(v)['hint']}"},
        ),
        Rule(
            "too-many-digits",
            _int_digits_ok(limit),
            MappingProxyType({"limit": limit, "where": " before the decimal point" if not whole else ""}),
            _digits_detail("before"),
        ),
    ]
    if not whole:
        rules.append(
            Rule(
                "too-many-decimals",
                _decimals_ok(f.max_decimals),
                MappingProxyType({"limit": f.max_decimals}),
                _digits_detail("after"),
            )
        )
    return rules


def _accept_number(f: FieldSpec, whole: bool) -> Accept:
    limit = limit_of(f)
    if whole or not f.max_decimals:
        return accept_digits(limit)  # negative numbers go to the rules
    return accept_pattern(rf"-?\d{{1,{limit}}}(?:\.\d{{1,{f.max_decimals}}})?")


WHOLE = TypeRules(lambda f, emails: _number_rules(f, whole=True), lambda f: _accept_number(f, whole=True))
DECIMAL = TypeRules(lambda f, emails: _number_rules(f, whole=False), lambda f: _accept_number(f, whole=False))


# --- record IDs --------------------------------------------------------------------------------------

RECORD_ID_DIGITS = 19
RECORD_ID = rf"\d{{1,{RECORD_ID_DIGITS}}}"
"""A record ID: a bigint, up to 19 digits."""


def record_id_rules() -> list[Rule]:
    """A lookup ``X.id`` cell, an ``id`` key or a layout ID."""
    return [
        Rule("scientific-notation", _not_scientific()),
        Rule("invalid-record-id", fullmatch_or_empty(RECORD_ID)),
    ]


def accept_record_id() -> Accept:
    """Accept test of :func:`record_id_rules` (``RECORD_ID``: 1 to 19 digits)."""
    return accept_digits(RECORD_ID_DIGITS)


RECORD_IDS = TypeRules(lambda f, emails: record_id_rules(), lambda f: accept_record_id())
