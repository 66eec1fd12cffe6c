"""Typed values as the text Zoho takes: the one conversion for DataFrames, Arrow tables and workbook cells.

A typed column becomes text by the kind of field it goes to (:data:`Kind`, which the engine's plan knows),
column by column with pyarrow compute (Zoho's value formats:
https://www.zoho.com/crm/developer/docs/api/v8/bulk-write/create-job.html):

- missing values (None, NaN, NaT, ``pd.NA``, Arrow nulls) → empty;
- integers and whole floats → digits (``10.0`` → ``10``); other floats → the shortest digits that read
  back as the same float, in plain notation (``0.1``, ``0.0000001``; ``0.30000000000000004`` stays so: it
  is not the float 0.3, and rounding would change the data — round the frame first if you mean 0.3);
  a whole float at or past 2**53 (float64's exact integers) may have lost digits on its way through
  float64 (IDs in a column with NaN): ``float-digits-lost``, never invented digits;
- booleans → ``true`` / ``false``; decimals → their digits; categoricals by their values;
- dates → ``yyyy-MM-dd``; date-times → ``yyyy-MM-dd`` in a date field when the time is midnight (else
  ``date-has-time``), ``yyyy-MM-ddTHH:mm:ss±HH:mm`` elsewhere: a time-zone-aware value keeps its offset, a
  naive one takes the declared ``tz`` (else ``naive-datetime`` in a datetime field); fractions of a second
  are dropped (Zoho's format has none) and a note says how many;
- lists and tuples in a multi-select picklist → items joined with ``;``; anything else (a list elsewhere, a
  dict, an object) → ``unconvertible-value``, never its repr as a value to judge.

A cell that cannot be converted keeps a text to show (in its issue and in ``rejects.csv``) and is listed
in :class:`BadCells`; the engine turns those into issues and judges nothing else in those cells.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.errors import UsageError

Kind = Literal["text", "date", "datetime", "multiselect", "unchecked"]
"""What a column's field takes: ``unchecked`` columns (unknown, ignored) are converted without issues."""

EXACT_FLOAT = {16: 2**11, 32: 2**24, 64: 2**53}
"""Per float width, the first integer from which not every integer is exact."""
DATE = "%Y-%m-%d"
DATETIME = "%Y-%m-%dT%H:%M:%S"
OFFSET = "%Ez"
"""``+05:30`` (``%z`` would give ``+0530``)."""
_TZ = re.compile(r"[+-](?:0\d|1[0-4]):[0-5]\d")


def tz_option(value: str) -> str:
    """``tz=``: a fixed UTC offset such as ``+05:30`` (the offset naive date-times are taken in)."""
    if not _TZ.fullmatch(value):
        raise UsageError(f"tz= must be a UTC offset such as +05:30 or -08:00, not {value!r}")
    return value


@dataclass
class Typing:
    """How a typed input's columns become text: each column's kind (by key) and the declared ``tz``.

    The engine fills :attr:`kinds` from its plan before the first batch is read."""

    tz: str | None = None
    kinds: dict[str, Kind] = field(default_factory=dict)
    fractions: int = 0
    """Date-time cells whose fraction of a second was dropped."""

    def notes(self) -> list[str]:
        if not self.fractions:
            return []
        n = self.fractions
        cells = "cell" if n == 1 else "cells"
        return [f"fractions of a second dropped from {n} date-time {cells} (Zoho keeps seconds)"]


@dataclass(frozen=True, slots=True)
class BadCells:
    """Cells of one column that have no Zoho text: their positions in the batch, and why (an issue code)."""

    key: str
    code: str
    positions: np.ndarray
    what: str = ""
    """What the cells hold (``a list``, ``float64``), for the message."""


@dataclass(frozen=True, slots=True)
class Text:
    """A column as text (no nulls) and the cells that could not be converted."""

    text: pa.Array
    bad: tuple[BadCells, ...] = ()


def _where(mask: pa.Array) -> np.ndarray:
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def to_text(arr: pa.Array | pa.ChunkedArray, key: str, kind: Kind, typing: Typing) -> Text:
    """One typed column as the text Zoho takes (see the module's rules)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_dictionary(t):
        return to_text(arr.dictionary_decode(), key, kind, typing)
    bad: list[BadCells] = []
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        text = arr.cast(pa.string())
    elif pa.types.is_null(t):
        text = pa.nulls(len(arr), pa.string())
    elif pa.types.is_boolean(t):
        text = pc.if_else(arr, "true", "false")
    elif pa.types.is_integer(t) or pa.types.is_decimal(t):
        text = arr.cast(pa.string())
    elif pa.types.is_floating(t):
        text = _floats(arr, key, bad)
    elif pa.types.is_date(t):
        text = pc.strftime(arr.cast(pa.timestamp("s")), DATE)
    elif pa.types.is_timestamp(t):
        text = _timestamps(arr, key, kind, typing, bad)
    elif pa.types.is_time(t):
        text = arr.cast(pa.time32("s"), safe=False).cast(pa.string())
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        text = _lists(arr, key, kind, typing, bad)
    else:
        text = _shown(arr)
        bad.append(BadCells(key, "unconvertible-value", _where(arr.is_valid()), f"a {t} value"))
    text = pc.fill_null(text, "")
    return Text(text, () if kind == "unchecked" else tuple(b for b in bad if len(b.positions)))


def _shown(arr: pa.Array) -> pa.Array:
    """Cells with no Zoho text, as Python shows them (for the issue and rejects.csv, never to judge)."""
    return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())


def float_text(v: float) -> str:
    """A float's shortest round-trip digits in plain notation (``1e-07`` → ``0.0000001``)."""
    return str(np.format_float_positional(v, unique=True, trim="-"))


def _floats(arr: pa.Array, key: str, bad: list[BadCells]) -> pa.Array:
    f = arr.cast(pa.float64())
    f = pc.if_else(pc.is_nan(f), pa.scalar(None, pa.float64()), f)  # NaN is pandas' missing value
    finite = pc.is_finite(f)
    whole = pc.and_(finite, pc.equal(pc.floor(f), f))
    exact = pc.and_(whole, pc.less(pc.abs(f), float(EXACT_FLOAT[arr.type.bit_width])))
    digits = pc.if_else(exact, f, 0.0).cast(pa.int64()).cast(pa.string())
    text = pc.if_else(exact, digits, arr.cast(pa.string()))
    # Arrow writes the shortest digits too, but 1e-7 in exponent notation: rare, redone one by one.
    odd = _where(pc.and_(pc.invert(whole), pc.match_substring(text, "e")))
    if len(odd):
        values = text.to_pylist()
        for i in odd.tolist():
            values[i] = float_text(float(values[i]))
        text = pa.array(values, pa.string())
    lost = _where(pc.and_(whole, pc.invert(exact)))
    if len(lost):
        bad.append(BadCells(key, "float-digits-lost", lost, f"float{arr.type.bit_width}"))
    infinite = _where(pc.and_(pc.invert(finite), f.is_valid()))
    if len(infinite):
        bad.append(BadCells(key, "unconvertible-value", infinite, "an infinite number"))
    return pc.if_else(f.is_valid(), text, pa.scalar(None, pa.string()))


def _timestamps(arr: pa.Array, key: str, kind: Kind, typing: Typing, bad: list[BadCells]) -> pa.Array:
    tz = arr.type.tz
    seconds = pc.floor_temporal(arr, unit="second").cast(pa.timestamp("s", tz))
    fraction = _where(pc.not_equal(pc.subsecond(arr), 0))
    if kind == "date":
        midnight = pc.equal(pc.floor_temporal(arr, unit="day"), arr)
        text = pc.strftime(seconds, DATE)
        late = _where(pc.invert(midnight))
        if len(late):
            shown = pc.strftime(seconds, DATETIME + (OFFSET if tz else ""))
            bad.append(BadCells(key, "date-has-time", late, "a date-time"))
            text = pc.if_else(midnight, text, shown)
        return text
    typing.fractions += len(fraction)
    if tz is not None:
        return pc.strftime(seconds, DATETIME + OFFSET)
    if typing.tz is not None:
        return pc.strftime(pc.assume_timezone(seconds, typing.tz), DATETIME + OFFSET)
    if kind == "datetime":
        bad.append(BadCells(key, "naive-datetime", _where(arr.is_valid()), "a naive date-time"))
    return pc.strftime(seconds, DATETIME)


def _lists(arr: pa.Array, key: str, kind: Kind, typing: Typing, bad: list[BadCells]) -> pa.Array:
    """A multi-select's items joined with ``;``; a list anywhere else is shown so but has no Zoho text."""
    lengths = pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    items = to_text(arr.flatten(), key, "text" if kind == "multiselect" else "unchecked", typing)
    parents = np.repeat(np.arange(len(arr)), lengths)
    for b in items.bad:
        bad.append(BadCells(key, b.code, np.unique(parents[b.positions]), b.what))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), items.text, mask=arr.is_null())
    text = pc.binary_join(lists, ";")
    if kind != "multiselect":
        bad.append(BadCells(key, "unconvertible-value", _where(arr.is_valid()), "a list"))
    return text


def objects_to_text(
    values: Sequence[object] | np.ndarray, missing: np.ndarray | None, key: str, kind: Kind, typing: Typing
) -> Text:
    """A column of Python objects of mixed types (one Arrow cannot type as a whole): each type's cells go
    through :func:`to_text` together, so every cell follows the same rules as in a typed column."""
    out: list[str] = [""] * len(values)
    groups: dict[tuple[type, str], list[int]] = {}
    for i, v in enumerate(values):
        if v is None or (missing is not None and missing[i]):
            continue
        if type(v) is str:
            out[i] = v
            continue
        groups.setdefault((type(v), str(getattr(v, "tzinfo", ""))), []).append(i)
    bad: list[BadCells] = []
    for (kind_of, _), at in groups.items():
        cells = [values[i] for i in at]
        try:
            part = to_text(pa.array(cells), key, kind, typing)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            refused = BadCells(key, "unconvertible-value", np.arange(len(at)))
            part = Text(
                pa.array([str(v) for v in cells], pa.string()), () if kind == "unchecked" else (refused,)
            )
        idx = np.array(at, dtype=np.int64)
        for i, s in zip(at, part.text.to_pylist(), strict=True):
            out[i] = s
        what = f"a {getattr(kind_of, '__name__', 'Python')}"  # the Python type the user put there
        bad.extend(
            BadCells(key, b.code, idx[b.positions], what if b.code == "unconvertible-value" else b.what)
            for b in part.bad
        )
    return Text(pa.array(out, pa.string()), tuple(bad))
