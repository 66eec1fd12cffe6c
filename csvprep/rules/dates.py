"""Date and datetime values: ``yyyy-MM-dd`` and ``yyyy-MM-ddTHH:mm:ss±HH:mm`` (Kaizen #13, "Input format for
each data type", https://help.zoho.com/portal/en/community/topic/kaizen-13-bulk-write-api)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.rules.base import Rule, TypeRules, accept_pattern, fullmatch_or_empty, np_mask
from csvprep.rules.emailworker import EmailJudge
from csvprep.schema import FieldSpec

DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
OFFSET = r"[+-](?:0\d|1[0-4]):[0-5]\d"
DATETIME = rf"{DATE}T{TIME}{OFFSET}"
# Only day 29-31 can be impossible once the pattern holds (or 29 February in a non-leap year).
_LATE_DAY = r"^\d{4}-\d{2}-(?:29|30|31)"


def _calendar_ok(arr: pa.Array) -> np.ndarray:
    """False where a well-shaped date (the first 10 characters) is no real day, e.g. 2019-02-29.

    A parse-and-format round trip: ``strptime`` rolls 2019-02-29 over to 2019-03-01, so only a real day
    comes back as it went in. Years run from 0001 to 9999, as in ISO 8601's common range.
    """
    ok = np.ones(len(arr), dtype=bool)
    late = np.flatnonzero(np_mask(pc.match_substring_regex(arr, _LATE_DAY)))
    if len(late):
        days = pc.utf8_slice_codeunits(arr.take(pa.array(late)), 0, 10)
        parsed = pc.strptime(days, format="%Y-%m-%d", unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), days), False)
        ok[late] = np_mask(same) & ~np_mask(pc.starts_with(days, "0000"))
    return ok


_Y_M_D = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_M_D_Y = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def numeric_readings(v: str) -> set[date] | None:
    """What dateutil makes of ``y-a-b`` / ``a/b/y`` with either ``dayfirst``: every valid (month, day)
    of (a, b) and (b, a), without dateutil's cost; a test holds it equal to dateutil. None for any other
    shape."""
    m = _Y_M_D.fullmatch(v)
    if m:
        y, a, b = (int(x) for x in m.groups())
    else:
        m = _M_D_Y.fullmatch(v)
        if m is None:
            return None
        a, b, y = (int(x) for x in m.groups())
    out = set()
    for month, day in ((a, b), (b, a)):
        try:
            out.add(date(y, month, day))
        except ValueError:
            continue
    return out


# Two defaults that differ in year, month and day: dateutil fills a part the value lacks from the default,
# so a reading that changes with the default holds a part the value does not have (today's, or invented).
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def _date_hint(value: str) -> Mapping[str, object]:
    """Suggest the ISO form of a loose date when dateutil reads it one way only, from the value alone."""
    v = value.strip()
    readings = numeric_readings(v)
    if readings is None:
        from dateutil import parser as dateparser  # only for messages of bad dates: off the start-up path

        readings = set()
        yearfirst = bool(re.match(r"\d{4}", v))
        for dayfirst in (False, True):
            try:
                got = {
                    dateparser.parse(v, dayfirst=dayfirst, yearfirst=yearfirst, default=d).date()
                    for d in _DEFAULTS
                }
            except (ValueError, OverflowError):
                continue
            if len(got) == 1:
                readings |= got
    if len(readings) == 1:
        return {"hint": f"; this looks like {readings.pop().isoformat()}"}
    if len(readings) > 1:
        opts = " or ".join(sorted(d.isoformat() for d in readings))
        return {"hint": f"; '{v}' is ambiguous ({opts}): write it as yyyy-MM-dd"}
    return {"hint": ""}


_DATETIME_HINTS = tuple(
    (re.compile(pattern), hint)
    for pattern, hint in (
        (DATE, "; this is a date without a time"),
        (rf"{DATE}[T ]{TIME}", "; the UTC offset (e.g. +05:30) is missing"),
        (rf"{DATE}[T ]{TIME}(?:Z|[+-]\d{{4}})", "; write the offset as ±HH:mm (Z is +00:00)"),
        (rf"{DATE} {TIME}{OFFSET}", "; put a T between the date and the time"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}",
            "; an hour, minute, second or offset is out of range",
        ),
    )
)


def _datetime_hint(value: str) -> Mapping[str, object]:
    v = value.strip()
    for pattern, hint in _DATETIME_HINTS:
        if pattern.fullmatch(v):
            return {"hint": hint}
    return {"hint": ""}


# The fields of the default rules' messages (a declared pattern's rules name it: csvprep.rules.patterns).
_DATE_SAYS = MappingProxyType({"pattern": "yyyy-MM-dd", "example": "2019-08-28", "how": ""})
_DATETIME_SAYS = MappingProxyType(
    {"pattern": "yyyy-MM-ddTHH:mm:ss±HH:mm", "example": "2019-08-28T15:30:00+05:30", "how": ""}
)


def _date(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [
        Rule("invalid-date", fullmatch_or_empty(DATE), _DATE_SAYS, detail=_date_hint),
        Rule("impossible-date", _calendar_ok),
    ]


def _datetime(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [
        Rule("invalid-datetime", fullmatch_or_empty(DATETIME), _DATETIME_SAYS, detail=_datetime_hint),
        Rule("impossible-date", _calendar_ok),
    ]


# Day 29-31 cells go to the calendar rule; the pattern clears days 01-28 of any month.
_SAFE_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"

DATE_RULES = TypeRules(_date, lambda f: accept_pattern(_SAFE_DATE))
DATETIME_RULES = TypeRules(_datetime, lambda f: accept_pattern(rf"{_SAFE_DATE}T{TIME}{OFFSET}"))
