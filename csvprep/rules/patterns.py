"""The date and date-time patterns Zoho accepts in a field mapping's ``format`` key, each with a matcher.

Date patterns: the list of Zoho's "Allowed Date Field Formats" (Java ``SimpleDateFormat`` letters), linked
from the create-job page (https://www.zoho.com/crm/developer/docs/api/v7/bulk-write/create-job.html):
https://zoho.com/sites/zweb/images/crm/allowed-formats-for-fields-in-create-bulk-write-job-api.pdf .
Date-time patterns are csvprep's own reading, since no public copy of that file shows its date/time part:
each listed date pattern followed by `` HH:mm:ss`` (the create-job page's default, ``MM/dd/yyyy HH:mm:ss``,
is one of them), and ``yyyy-MM-dd'T'HH:mm:ssXXX`` for the ISO values Kaizen #13 documents.

A matcher is strict where Java's parser is lenient: each number has exactly its pattern's digits
(``dd`` takes ``03``, not ``3``), month names are English as Java writes them (``Jul``, ``July``), and a
date must be a real calendar day (``31/02/2020`` fails; Java's lenient parser would roll it to March).
Two-digit years are read as 20yy for the calendar (Java's window puts ``00``-``45`` in 20yy and the rest
in 19yy, and 19yy and 20yy agree on leap years but for 1900, which ``00`` is not).
Everything is vectorised: one RE2 pass for the shape, and the calendar on the cells whose day is 29-31.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.errors import UsageError
from csvprep.rules.base import Accept, Rule, accept_pattern, fullmatch_or_empty, np_mask

Kind = Literal["date", "datetime"]
KINDS: tuple[Kind, ...] = ("date", "datetime")

DATE_PATTERNS: tuple[str, ...] = (
    "dd MMM yy", "yy MMM dd", "MMM/dd/yy", "dd MMM yyyy", "yyyy.MMM.dd", "dd-MMMM-yy", "yy-MMMM-dd",
    "MMMM-dd-yy", "dd.MMMM.yy", "yy.MMMM.dd", "yyyy-MMMM-dd", "dd-MMM-yyyy", "dd.MM.yyyy", "MM.dd.yyyy",
    "dd MMMM yyyy", "MMM-dd-yy", "MMM/dd/yyyy", "MMM dd yyyy", "dd/MMM/yyyy", "yyyy/MMMM/dd",
    "yyyy MMMM dd", "MMM.dd.yy", "yyyy.MM.dd", "dd-MMM-yy", "yy-MMM-dd", "MMMM-dd-yyyy", "dd.MM.yy",
    "MM.dd.yy", "yy.MM.dd", "dd/MM/yyyy", "MM/dd/yyyy", "dd MM yyyy", "MM dd yyyy", "dd-MMMM-yyyy",
    "MMM.dd.yyyy", "yyyy MM dd", "dd/MM/yy", "MM/dd/yy", "yy/MM/dd", "MMMM.dd.yyyy", "dd/MMMM/yyyy",
    "dd.MMM.yyyy", "dd/MMM/yy", "yy/MMM/dd", "yyyy/MMM/dd", "yyyy MMM dd", "dd.MMM.yy", "yy.MMM.dd",
    "yyyy.MMMM.dd", "MMMM dd yy", "MMM dd,yyyy", "MMMM dd,yyyy", "dd/MMMM/yy", "yy/MMMM/dd", "yyyy-MM-dd",
)  # fmt: skip
"""Zoho's list, in its order."""

ISO_DATE = "yyyy-MM-dd"
ISO_DATETIME = "yyyy-MM-dd'T'HH:mm:ssXXX"
TIME_SUFFIX = " HH:mm:ss"
DATETIME_PATTERNS: tuple[str, ...] = (ISO_DATETIME, *(p + TIME_SUFFIX for p in DATE_PATTERNS))
DEFAULTS: Mapping[Kind, str] = MappingProxyType({"date": ISO_DATE, "datetime": ISO_DATETIME})
"""The pattern csvprep judges a column by, and writes into its mapping, when none is declared."""
PATTERNS: Mapping[Kind, tuple[str, ...]] = MappingProxyType(
    {"date": DATE_PATTERNS, "datetime": DATETIME_PATTERNS}
)

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SHORT_MONTHS = tuple(m[:3] for m in MONTHS)
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_CENTURY = 2000
"""A two-digit year's century for the calendar (see the module's docstring)."""

# The example every message shows: 28 August 2019, 15:30:00 at +05:30 (a day above 12 leaves no doubt).
_EXAMPLE = {
    "yyyy": "2019", "yy": "19", "MMMM": "August", "MMM": "Aug", "MM": "08", "dd": "28",
    "HH": "15", "mm": "30", "ss": "00", "XXX": "+05:30",
}  # fmt: skip
_DAY, _SAFE_DAY = r"0[1-9]|[12]\d|3[01]", r"0[1-9]|1\d|2[0-8]"
_REGEX = {
    "yyyy": r"(?P<y>\d{4})",
    "yy": r"(?P<yy>\d{2})",
    "MMMM": "(?P<MMMM>" + "|".join(MONTHS) + ")",
    "MMM": "(?P<MMM>" + "|".join(SHORT_MONTHS) + ")",
    "MM": r"(?P<M>0[1-9]|1[0-2])",
    "HH": r"(?:[01]\d|2[0-3])",
    "mm": r"[0-5]\d",
    "ss": r"[0-5]\d",
    "XXX": r"[+-](?:0\d|1[0-4]):[0-5]\d",
}
_TOKEN = re.compile(r"'([^']*)'|(y+|M+|d+|H+|m+|s+|X+)|(.)")


def _translate(java: str, day: str) -> tuple[str, str]:
    """The RE2 shape (with named groups) and the example of a Java pattern; ``day`` is the day's regex."""
    regex, example = [], []
    for quoted, letters, other in _TOKEN.findall(java):
        if letters:
            if letters == "dd":
                regex.append(f"(?P<d>{day})")
            elif letters in _REGEX:
                regex.append(_REGEX[letters])
            else:
                raise ValueError(f"{java}: csvprep has no matcher for '{letters}'")
            example.append(_EXAMPLE[letters])
        else:
            literal = quoted or other
            regex.append(re.escape(literal))
            example.append(literal)
    return "".join(regex), "".join(example)


@dataclass(frozen=True, slots=True)
class Pattern:
    """One listed pattern: its Java form, its kind, a full-match shape and an example."""

    java: str
    kind: Kind
    shape: str
    """RE2, without anchors: the cell's shape, numbers in range (month 01-12, day 01-31, hour 00-23...)."""
    safe: str
    """The shape with days 01-28 only: a cell of this shape is surely a real date."""
    example: str

    @property
    def code(self) -> str:
        return "invalid-date" if self.kind == "date" else "invalid-datetime"

    def shape_ok(self, arr: pa.Array) -> np.ndarray:
        """True where the cell has the pattern's shape, or is empty."""
        return fullmatch_or_empty(self.shape)(arr)

    def calendar_ok(self, arr: pa.Array) -> np.ndarray:
        """False where a cell of the pattern's shape is no real day (31/02/2020, 29/02/2019)."""
        ok = np.ones(len(arr), dtype=bool)
        # Only a cell that has the shape but not the safe shape (days 01-28) can be no real day: the
        # parts are taken out of those alone, a regex extraction costing ten times a match.
        late = np.flatnonzero(~np_mask(pc.match_substring_regex(arr, f"^(?:{self.safe})$")))
        if not len(late):
            return ok
        parts = pc.extract_regex(arr.take(pa.array(late)), pattern=f"^(?:{self.shape})$")
        shaped = np_mask(pc.is_valid(parts))
        late, found = late[shaped], parts.filter(pa.array(shaped))
        if not len(late):
            return ok
        names = [f.name for f in found.type]
        day = _ints(found.field("d"))
        months = {"MMMM": MONTHS, "MMM": SHORT_MONTHS}
        named = next((n for n in months if n in names), None)
        if named is not None:
            month = _ints(pc.index_in(found.field(named), value_set=pa.array(months[named]))) + 1
        else:
            month = _ints(found.field("M"))
        year = _ints(found.field("y")) if "y" in names else _ints(found.field("yy")) + _CENTURY
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        last = _DAYS_IN_MONTH[month - 1] + ((month == 2) & leap)
        ok[late] = (day <= last) & (year > 0)
        return ok

    def valid(self, arr: pa.Array) -> np.ndarray:
        """True where the cell is empty or a real date (and time) of this pattern."""
        ok = self.shape_ok(arr)
        ok[ok] &= self.calendar_ok(arr.filter(pa.array(ok)))
        return ok

    def rules(self, how: str) -> list[Rule]:
        """The column's rules under this pattern: the shape (its message names the pattern, ``how`` says
        where it came from), then the calendar."""
        params = MappingProxyType({"pattern": self.java, "example": self.example, "how": how})
        return [Rule(self.code, self.shape_ok, params), Rule("impossible-date", self.calendar_ok)]

    def accept(self) -> Accept:
        """Clears the cells of the safe shape (days 01-28): the rules run on the rest."""
        return accept_pattern(self.safe)


def _ints(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


@functools.cache
def pattern(java: str, kind: Kind) -> Pattern:
    """The listed pattern ``java`` of ``kind`` (see :func:`check_pattern` for a user's)."""
    if java not in PATTERNS[kind]:
        raise KeyError(java)
    shape, example = _translate(java, _DAY)
    safe, _ = _translate(java, _SAFE_DAY)
    return Pattern(java, kind, shape, safe, example)


def check_pattern(java: object, kind: Kind, option: str) -> str:
    """``java`` when it is one of Zoho's ``kind`` patterns; else a UsageError naming ``option`` and listing
    the accepted patterns."""
    if isinstance(java, str) and java in PATTERNS[kind]:
        return java
    shown = java if isinstance(java, str) else f"a {type(java).__name__}"
    listed = ", ".join(PATTERNS[kind])
    raise UsageError(f"{option}: '{shown}' is not one of Zoho's {kind} patterns (Java letters): {listed}")


SAMPLE_CELLS = 1000
"""Cells a pattern is first tried on: only the patterns that take one of them are counted on every cell."""


def fits(arr: pa.Array, kind: Kind) -> tuple[int, dict[str, int]]:
    """How many cells of ``arr`` are not empty, and how many of those each ``kind`` pattern takes: every
    pattern that takes a cell among the first :data:`SAMPLE_CELLS` filled ones (so every pattern that
    takes them all), counted on every cell."""
    filled = arr.filter(pc.greater(pc.binary_length(arr), 0))
    sample = filled.slice(0, SAMPLE_CELLS)
    counts: dict[str, int] = {}
    for java in PATTERNS[kind]:
        p = pattern(java, kind)
        if len(sample) and p.valid(sample).any():
            counts[java] = int(p.valid(filled).sum())
    return len(filled), counts
