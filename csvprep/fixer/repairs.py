"""One small function per fix rule: a bad cell's text in, its repaired text out.

Each returns the new text, ``None`` when the rule does not apply (the cell is left for the next rule), or
a :class:`Left` naming why the cell cannot be repaired without a person (an ambiguous date, a datetime
without an offset, digits Excel has lost). A repair is only a candidate: the caller keeps it only if it
passes every rule of the cell's column (:mod:`csvprep.fixer.cells`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from dateutil import parser as dateparser
from dateutil import tz as dateutil_tz

from csvprep.options import FixOptions


@dataclass(frozen=True, slots=True)
class Left:
    """Why a cell is left as it is: a reason of :data:`csvprep.fixer.registry.LEFT`."""

    reason: str


Repaired = str | Left | None

# --- whitespace -----------------------------------------------------------------------------------------


def strip_whitespace(value: str, options: FixOptions) -> Repaired:
    """`` Smith `` → ``Smith`` (spaces, tabs, NBSP and line breaks around the value)."""
    stripped = value.strip()
    return stripped if stripped != value else None


# --- booleans -------------------------------------------------------------------------------------------

_TRUE = frozenset({"true", "yes", "y", "1", "on", "t", "checked"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "f", "unchecked"})


def boolean(value: str, options: FixOptions) -> Repaired:
    """``Yes`` / ``Y`` / ``1`` → ``true``; ``No`` / ``N`` / ``0`` → ``false`` (any case)."""
    v = value.strip().casefold()
    if v in _TRUE:
        return "true"
    if v in _FALSE:
        return "false"
    return None


# --- phones ---------------------------------------------------------------------------------------------

_PHONE = re.compile(r"\+?[\d\s().\-\u00a0\u202f]*\d[\d\s().\-\u00a0\u202f]*", re.ASCII)
_PHONE_NOISE = re.compile(r"[\s().\-\u00a0\u202f]", re.ASCII)


def phone(value: str, options: FixOptions) -> Repaired:
    """``+1 (415) 555-0100`` → ``+14155550100``: spaces, dashes, dots and parentheses go, a leading ``+``
    stays. Anything else (an extension, letters) is not a phone number this rule can repair."""
    v = value.strip()
    if not _PHONE.fullmatch(v):
        return None
    return _PHONE_NOISE.sub("", v)


# --- numbers --------------------------------------------------------------------------------------------

_CURRENCY = re.compile(r"^[$€£¥₹]\s*|\s*[$€£¥₹]$", re.ASCII)
_GROUPS = "[ ,'\u00a0\u202f]"  # thousands separators with a decimal point
_GROUPS_COMMA = "[ .'\u00a0\u202f]"  # with a decimal comma
_POINT = re.compile(rf"-?\d{{1,3}}(?:{_GROUPS}\d{{3}})+(?:\.\d+)?|-?\d+\.\d+|-?\d+", re.ASCII)
_COMMA = re.compile(rf"-?\d{{1,3}}(?:{_GROUPS_COMMA}\d{{3}})+(?:,\d+)?|-?\d+,\d+|-?\d+", re.ASCII)
_SEPARATORS = re.compile(r"[ ,.'\u00a0\u202f]", re.ASCII)


def number(value: str, options: FixOptions, currency: bool = False, percent: bool = False) -> Repaired:
    """``1,234.50`` → ``1234.50``; with ``decimal_comma``, ``1.234,50`` → ``1234.50``. Groups must be of
    three digits (``1,5`` is not read as 15). ``currency``: a leading or trailing ``$ € £ ¥ ₹`` goes;
    ``percent``: a trailing ``%`` goes."""
    v = value.strip()
    if percent and v.endswith("%"):
        v = v[:-1].rstrip()
    if currency:
        v = _CURRENCY.sub("", v)
    if options.decimal_comma:
        if not _COMMA.fullmatch(v):
            return None
        head, comma, tail = v.rpartition(",") if "," in v else (v, "", "")
        return _SEPARATORS.sub("", head) + ("." + tail if comma else "")
    if not _POINT.fullmatch(v):
        return None
    head, point, tail = v.rpartition(".") if "." in v else (v, "", "")
    return _SEPARATORS.sub("", head) + ("." + tail if point else "")


def currency_number(value: str, options: FixOptions) -> Repaired:
    return number(value, options, currency=True)


def percent_number(value: str, options: FixOptions) -> Repaired:
    return number(value, options, percent=True)


# --- Excel's record IDs ----------------------------------------------------------------------------------

_EXCEL_E = re.compile(r"\d(?:\.\d+)?[eE]\+\d+", re.ASCII)


def excel_id(value: str, options: FixOptions) -> Repaired:
    """``4.15087E+18`` cannot be repaired: Excel kept 15 digits and the rest are gone."""
    return Left("excel-id") if _EXCEL_E.fullmatch(value.strip()) else None


# --- picklists ------------------------------------------------------------------------------------------


def _fold(value: str) -> str:
    return "".join(value.split()).casefold()


def picklist_lookup(allowed: tuple[str, ...]) -> dict[str, str]:
    """The picklist's values by their text without spaces and case; values that collide are dropped."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for v in allowed:
        k = _fold(v)
        if k in seen:
            out.pop(k, None)
        else:
            out[k] = v
            seen.add(k)
    return out


def picklist(value: str, lookup: Mapping[str, str]) -> Repaired:
    """``cold call`` / `` Cold  Call `` → ``Cold Call``: the listed value equal but for case or spaces."""
    return lookup.get(_fold(value))


def multiselect(value: str, lookup: Mapping[str, str]) -> Repaired:
    """Each ``;``-separated item as :func:`picklist` does; an item of no listed value leaves the cell."""
    items = [lookup.get(_fold(item)) if item.strip() else None for item in value.split(";")]
    if any(i is None for i in items):
        return None
    return ";".join(i for i in items if i is not None)


# --- dates and datetimes --------------------------------------------------------------------------------

# Two defaults that differ in every part: a part the value lacks comes out differently (never invented).
_DEFAULTS = (datetime(2000, 1, 1, 0, 0, 0), datetime(2001, 2, 2, 1, 0, 0))
_YEAR_FIRST = re.compile(r"\d{4}", re.ASCII)
_UTC_NAMES = frozenset({"UTC", "GMT", "Z"})
MIN_YEAR = 1000
MAX_OFFSET_HOURS = 14
"""The largest UTC offset of any zone (Kiribati, +14:00)."""
MINUTES = 60
SECONDS_PER_HOUR = 3600


class _UnknownZone(ValueError):
    """A zone name (``PST``) whose offset the value does not say."""


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's ``tzinfos``: a named zone without its offset is refused (it would be dropped)."""
    if name is None and offset is None:
        return None
    if offset is not None:
        if abs(offset) > MAX_OFFSET_HOURS * SECONDS_PER_HOUR:
            raise _UnknownZone(f"no zone is {offset} s from UTC")
        return dateutil_tz.tzoffset(name, offset)
    if name in _UTC_NAMES:
        return dateutil_tz.UTC
    raise _UnknownZone(name)


@dataclass(frozen=True, slots=True)
class _Reading:
    when: datetime
    has_time: bool


def _parse(v: str, dayfirst: bool, yearfirst: bool) -> _Reading | None:
    """One reading of ``v``, or None when it is no date or lacks a year, month or day."""
    try:
        a, b = (
            dateparser.parse(v, dayfirst=dayfirst, yearfirst=yearfirst, default=d, tzinfos=_zone)
            for d in _DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    if a.date() != b.date():
        return None
    return _Reading(a, a.hour == b.hour)


_CLOCK = r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
_Y_M_D = re.compile(rf"(\d{{4}})([-/.])(\d{{1,2}})\2(\d{{1,2}}){_CLOCK}", re.ASCII)
_A_B_Y = re.compile(rf"(\d{{1,2}})([-/.])(\d{{1,2}})\2(\d{{4}}){_CLOCK}", re.ASCII)
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})", re.ASCII)


def _numeric(v: str, order: str | None) -> set[_Reading] | None:
    """dateutil's readings of the usual numeric shapes (``2024-01-31 09:00Z``, ``28/08/2019``) without
    its cost: every valid (month, day) of ``a/b/yyyy`` (the one of ``order`` when given); None for any
    other shape (or ``YMD`` of ``a/b/yyyy``), which dateutil reads. A test holds the two equal."""
    m = _Y_M_D.fullmatch(v)
    if m:
        year, a, b = m.group(1, 3, 4)
        orders = [(a, b)]
    else:
        m = _A_B_Y.fullmatch(v)
        if m is None or order == "YMD":
            return None
        a, b, year = m.group(1, 3, 4)
        orders = {None: [(a, b), (b, a)], "MDY": [(a, b)], "DMY": [(b, a)]}[order]
    if int(year) < MIN_YEAR:
        return None  # dateutil's years before 1000 overflow in their own ways
    hour, minute, second, zone = m.group(5, 6, 7, 8)
    if zone and hour is None:
        return None  # a zone without a time: dateutil's call
    zone_info: tzinfo | None = None
    if zone == "Z":
        zone_info = dateutil_tz.UTC
    elif zone:
        z = _OFFSET.fullmatch(zone)
        if z is None or int(z.group(2)) > MAX_OFFSET_HOURS or int(z.group(3)) >= MINUTES:
            return None  # dateutil's reading of an offset no zone has is its own
        sign = -1 if z.group(1) == "-" else 1
        zone_info = dateutil_tz.tzoffset(
            None, sign * (int(z.group(2)) * SECONDS_PER_HOUR + int(z.group(3)) * MINUTES)
        )
    out = set()
    for month, day in orders:
        try:
            when = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                tzinfo=zone_info,
            )  # fmt: skip
        except ValueError:
            continue
        out.add(_Reading(when, hour is not None))
    return out


def _read(v: str, options: FixOptions, fast: bool = True) -> _Reading | Left | None:
    """The one reading of a loose date: the day/month order comes from ``date_order`` only when the value
    can be read both ways. ``fast``: the usual numeric shapes without dateutil (same readings)."""
    numeric = _numeric(v, None) if fast else None
    if numeric is not None:
        if len(numeric) > 1 and options.date_order is not None:
            numeric = _numeric(v, options.date_order)
        if numeric is not None and (len(numeric) <= 1 or options.date_order is None):
            return numeric.pop() if len(numeric) == 1 else Left("ambiguous-date") if numeric else None
    yearfirst = bool(_YEAR_FIRST.match(v))
    orders = (False,) if yearfirst else (False, True)
    readings = {r for r in (_parse(v, dayfirst, yearfirst) for dayfirst in orders) if r is not None}
    if not readings:
        return None
    if any(not re.search(rf"(?<![0-9]){r.when.year:04d}(?![0-9])", v) for r in readings):
        return Left("short-year")  # 12/05/65: 1965 or 2065 is a guess
    if len(readings) == 1:
        return readings.pop()
    if options.date_order is None:
        return Left("ambiguous-date")
    return _parse(v, options.date_order == "DMY", options.date_order == "YMD")


_MIDNIGHT = (0, 0, 0, 0)


def date(value: str, options: FixOptions) -> Repaired:
    """``28/08/2019``, ``Aug 28 2019``, ``2019.08.28`` → ``2019-08-28``; ``03/04/2020`` only with
    ``date_order``. A value with a time other than midnight or with a zone is not a date."""
    got = _read(value.strip(), options)
    if not isinstance(got, _Reading):
        return got
    w = got.when
    if w.tzinfo is not None or (got.has_time and (w.hour, w.minute, w.second, w.microsecond) != _MIDNIGHT):
        return None
    return w.date().isoformat()


def _offset(delta: timedelta) -> str | None:
    seconds = int(delta.total_seconds())
    if seconds % 60 or delta.microseconds:
        return None
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def date_time(value: str, options: FixOptions) -> Repaired:
    """``2024-01-31 09:00 +0530`` → ``2024-01-31T09:00:00+05:30`` (``Z`` is ``+00:00``); without an
    offset, ``tz``'s; with neither, the cell is left. A time is needed (none is invented), and fractions
    of a second are not dropped."""
    got = _read(value.strip(), options)
    if not isinstance(got, _Reading):
        return got
    w = got.when
    if not got.has_time or w.microsecond:
        return None
    offset = w.utcoffset()
    if offset is None:
        if options.tz is None:
            return Left("no-offset")
        zone = options.tz
    else:
        shown = _offset(offset)
        if shown is None:
            return None
        zone = shown
    return w.replace(tzinfo=None).isoformat(timespec="seconds") + zone
