"""The parts every rule is made of: :class:`Rule`, :class:`TypeRules` and vectorised tests over a column.

Every rule sees a whole column (an Arrow string array) and returns a boolean NumPy array, True where the
cell is acceptable. **An empty cell is always acceptable to a rule**: whether a value is required is
decided by the mandatory and key rules alone. An *accept* test is one cheap pass that holds only for cells
that pass every rule of their type; it may be stricter than the rules, never looser.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.schema import DEFAULT_LENGTH, FieldSpec

if TYPE_CHECKING:
    from csvprep.rules.emailworker import EmailJudge

Ok = Callable[[pa.Array], np.ndarray]
"""A column (one Arrow string array) → True where the cell passes."""
Accept = Callable[[pa.Array], np.ndarray]
"""A column (one Arrow string array) → True where every rule of the column surely passes."""
Detail = Callable[[str], Mapping[str, object]]

EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Rule:
    """One check of a column: the code it reports, the test, and the fields of its message."""

    code: str
    ok: Ok
    params: Mapping[str, object] = field(default_factory=lambda: EMPTY)
    """Message fields fixed for the rule (a limit); ``detail`` adds per-value ones, which win."""
    detail: Detail | None = None
    """Per-value message fields, computed only for failing cells (a length, a suggested fix)."""
    prefetch: Callable[[pa.Array], None] | None = None
    """Warms the memo of an expensive judge for these (suspect) cells; run ahead, on another thread."""
    start: Callable[[], None] | None = None
    """Gets an expensive judge ready (starts its worker) before a large input is read."""


@dataclass(frozen=True, slots=True)
class TypeRules:
    """What one data type checks: its rules, in order, and the accept pass that clears cells passing all."""

    rules: Callable[[FieldSpec, EmailJudge], list[Rule]]
    accept: Callable[[FieldSpec], Accept | None]
    """None when no single pass can be built for the field: then every rule runs on every cell."""


def limit_of(f: FieldSpec) -> int:
    """The field's character or digit limit; a type with no documented default is limited as text."""
    return f.max_length or DEFAULT_LENGTH["text"]


def np_mask(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow boolean result as a NumPy bool array."""
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def byte_lengths(arr: pa.Array) -> np.ndarray:
    """UTF-8 byte length of each cell, from the offsets only."""
    return np.asarray(pc.binary_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)


def fullmatch_or_empty(pattern: str) -> Ok:
    """True where the whole cell matches ``pattern`` (RE2 syntax) or is empty."""
    regex = f"^(?:{pattern})?$"

    def ok(arr: pa.Array) -> np.ndarray:
        return np_mask(pc.match_substring_regex(arr, regex))

    return ok


def max_chars(limit: int) -> Ok:
    """At most ``limit`` characters (code points, not bytes)."""

    def ok(arr: pa.Array) -> np.ndarray:
        return np_mask(pc.less_equal(pc.utf8_length(arr), limit))

    return ok


def _length_detail(value: str) -> Mapping[str, object]:
    return {"length": len(value)}


def too_long(limit: int) -> Rule:
    """More than ``limit`` characters."""
    return Rule("too-long", max_chars(limit), MappingProxyType({"limit": limit}), _length_detail)


def in_or_empty(allowed: tuple[str, ...]) -> Ok:
    """True where the cell is one of ``allowed`` (exactly) or empty; the picklist rule and the accept test
    of picklist and boolean columns."""
    values = pa.array([*allowed, ""], pa.string())

    def ok(arr: pa.Array) -> np.ndarray:
        return np_mask(pc.is_in(arr, value_set=values))

    return ok


def accept_pattern(pattern: str, max_bytes: int | None = None) -> Accept:
    """Cells that are empty or fully match ``pattern`` (RE2) and, if given, hold at most ``max_bytes``.

    A cell of at most ``max_bytes`` bytes has at most that many characters, so the byte bound is a
    sufficient test for a character limit.
    """
    matches = fullmatch_or_empty(pattern)

    def accept(arr: pa.Array) -> np.ndarray:
        ok = matches(arr)
        if max_bytes is not None:
            ok &= byte_lengths(arr) <= max_bytes
        return ok

    return accept


def accept_max_bytes(limit: int) -> Accept:
    """Cells of at most ``limit`` bytes (so at most ``limit`` characters)."""

    def accept(arr: pa.Array) -> np.ndarray:
        return byte_lengths(arr) <= limit

    return accept


def accept_digits(max_digits: int, plus: bool = False) -> Accept:
    """Empty, or 1 to ``max_digits`` ASCII digits (after an optional leading ``+`` when ``plus``)."""

    def accept(arr: pa.Array) -> np.ndarray:
        n = byte_lengths(arr)
        body = arr
        if plus:
            signed = pc.starts_with(arr, "+")
            body = pc.if_else(signed, pc.utf8_slice_codeunits(arr, 1), arr)
        # ascii_is_decimal is far cheaper than the equivalent RE2 pattern.
        return (np_mask(pc.ascii_is_decimal(body)) & (n <= max_digits)) | (n == 0)

    return accept
