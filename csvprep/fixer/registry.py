"""The fix rules, one registry: each rule's stable name, the columns it applies to, what it does and an
example; and the reasons a bad cell is left as it is. The README's table of fix rules is generated from
here (:func:`markdown_table`) and a test keeps the two equal.

A bad cell tries ``whitespace`` first, then the rules of its column's type in this order; the first
repair that passes every rule of the column is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from csvprep.errors import UsageError
from csvprep.fixer import repairs
from csvprep.fixer.repairs import Repaired
from csvprep.options import FixOptions
from csvprep.rules import TABLE

RECORD_ID = "record-id"
"""The kind of a column holding record IDs (``Account_Name.id``, the ``id`` key): not a data type."""
TEXT_KINDS = frozenset({"text", "textarea", "autonumber"})
"""Kinds whose cells surrounding spaces never make invalid (so ``whitespace`` leaves them, and their
columns are not judged twice)."""

Repair = Callable[[str, FixOptions, Mapping[str, str]], Repaired]
"""A bad cell's text, the options and the column's picklist (by folded value) → its repair."""


@dataclass(frozen=True, slots=True)
class FixRule:
    """One fix rule: its stable name, the column kinds it applies to, what it does, an example."""

    name: str
    kinds: frozenset[str]
    what: str
    before: str
    after: str
    repair: Repair
    shown: str = ""
    """The kinds as the README's table says them (when listing them would not read well)."""


def _plain(fn: Callable[[str, FixOptions], Repaired]) -> Repair:
    return lambda value, options, lookup: fn(value, options)


_NUMBERS = frozenset({"integer", "bigint", "double"})

RULES: tuple[FixRule, ...] = (
    FixRule(
        "whitespace",
        (frozenset(TABLE) - TEXT_KINDS) | {RECORD_ID},
        "spaces, tabs, NBSP and line breaks around a value (text fields keep theirs: they are valid)",
        " jane@example.com ",
        "jane@example.com",
        _plain(repairs.strip_whitespace),
        "all but text, textarea, autonumber",
    ),
    FixRule(
        "dates",
        frozenset({"date"}),
        "a date dateutil reads one way only; day and month from `date_order` when both orders fit",
        "28/08/2019",
        "2019-08-28",
        _plain(repairs.date),
    ),
    FixRule(
        "datetimes",
        frozenset({"datetime"}),
        "a date and time with its offset (`Z` is `+00:00`), or `tz`'s offset when it has none",
        "2024-01-31 09:00 +0530",
        "2024-01-31T09:00:00+05:30",
        _plain(repairs.date_time),
    ),
    FixRule(
        "booleans",
        frozenset({"boolean"}),
        "`yes`/`y`/`1`/`on`/`t`/`checked` and `no`/`n`/`0`/`off`/`f`/`unchecked`, any case",
        "Yes",
        "true",
        _plain(repairs.boolean),
    ),
    FixRule(
        "phones",
        frozenset({"phone"}),
        "spaces, dashes, dots and parentheses removed, a leading `+` kept",
        "+1 (415) 555-0100",
        "+14155550100",
        _plain(repairs.phone),
    ),
    FixRule(
        "numbers",
        _NUMBERS,
        "thousands separators in groups of three; a decimal comma with `decimal_comma`",
        "1,234.50",
        "1234.50",
        _plain(repairs.number),
    ),
    FixRule(
        "currency",
        frozenset({"currency"}),
        "as `numbers`, and a currency symbol (`$ € £ ¥ ₹`) before or after",
        "$1,234.50",
        "1234.50",
        _plain(repairs.currency_number),
    ),
    FixRule(
        "percent",
        frozenset({"percent"}),
        "as `numbers`, and a trailing `%`",
        "12.5 %",
        "12.5",
        _plain(repairs.percent_number),
    ),
    FixRule(
        "picklists",
        frozenset({"picklist"}),
        "the listed value equal but for case and spaces (none when two listed values would be)",
        "cold  call",
        "Cold Call",
        lambda value, options, lookup: repairs.picklist(value, lookup),
    ),
    FixRule(
        "multiselect",
        frozenset({"multiselectpicklist"}),
        "each `;`-separated item as `picklists` does",
        "analytics; BIGDATA",
        "Analytics;Bigdata",
        lambda value, options, lookup: repairs.multiselect(value, lookup),
    ),
    FixRule(
        "excel-ids",
        frozenset({RECORD_ID, "bigint"}),
        "never changed: Excel kept 15 digits of the ID and the rest are gone; counted as left",
        "4.15087E+18",
        "4.15087E+18",
        _plain(repairs.excel_id),
    ),
)

BY_NAME: Mapping[str, FixRule] = MappingProxyType({r.name: r for r in RULES})

LEFT: Mapping[str, str] = MappingProxyType(
    {
        "ambiguous-date": "both day/month orders fit: say which with date_order",
        "short-year": "a two-digit year: the century would be a guess; write the year in full",
        "no-offset": "a date-time without a UTC offset: say which with tz",
        "excel-id": "Excel kept 15 digits of this number and the rest are gone: export it as text again",
    }
)
"""Why a bad cell that a rule recognised is left as it is (the summary counts each reason)."""


def rules_for(kind: str, only: tuple[str, ...] | None = None) -> tuple[FixRule, ...]:
    """The rules a bad cell of a column of ``kind`` tries, in order (``only``: just these names)."""
    return tuple(r for r in RULES if kind in r.kinds and (only is None or r.name in only))


def check_names(only: tuple[str, ...] | None) -> None:
    """Refuse a rule name the registry does not hold."""
    unknown = [n for n in only or () if n not in BY_NAME]
    if unknown:
        raise UsageError(
            f"only={', '.join(repr(n) for n in unknown)} is no fix rule: the rules are {', '.join(BY_NAME)}"
        )


def markdown_table() -> str:
    """The README's table of fix rules, generated from the registry."""
    lines = ["| rule | columns | what it repairs | before | after |", "|---|---|---|---|---|"]
    for r in RULES:
        kinds = r.shown or ", ".join(sorted(r.kinds))
        lines.append(f"| `{r.name}` | {kinds} | {r.what} | `{r.before}` | `{r.after}` |")
    return "\n".join(lines)
