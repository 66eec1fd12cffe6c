"""Cells a spreadsheet would run as a formula (CSV injection), and how ``rejects.csv`` carries them safely.

Excel, LibreOffice and Google Sheets read a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (OWASP, https://owasp.org/www-community/attacks/CSV_Injection): opening a file
can then run ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0``. ``-5`` or ``+91 98765 43210`` stay data: a ``+``
or ``-`` counts only when something other than digits, spaces and ``( ) . , / + -`` follows.

Zoho stores text as it is, so the ZIPs keep every value; only ``rejects.csv``, which people open in a
spreadsheet to fix, gets a single quote in front of such a cell (OWASP's advice). The quote is taken off
again when csvprep reads a file with its own ``_csvprep_*`` columns. The mapping is one to one: a cell that
already starts with quotes followed by a formula gets one quote more, and only a cell that starts with a
quote followed by such a cell loses one, so every value comes back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.arrowbytes import string_bytes
from csvprep.rules.base import Accept, Ok, Rule

if TYPE_CHECKING:
    from csvprep.reader import Batch

QUOTE = "'"
_FORMULA_BODY = r"(?:[=@\t\r]|[+-].*[^0-9 ().,/+\-])"
FORMULA = rf"(?s)^{_FORMULA_BODY}"
"""RE2 and Python: a cell a spreadsheet would run as a formula."""
_QUOTED = rf"(?s)^'*{_FORMULA_BODY}"
_RESTORABLE = rf"(?s)^''*{_FORMULA_BODY}"
_LEADS = np.zeros(256, dtype=bool)
_LEADS[list(b"=@+-\t\r")] = True
_QUOTE_LEAD = np.zeros(256, dtype=bool)
_QUOTE_LEAD[[*b"=@+-\t\r", ord(QUOTE)]] = True
_QUOTED_RE = re.compile(_QUOTED)
_RESTORABLE_RE = re.compile(_RESTORABLE)


def _starting_with(arr: pa.Array, leads: np.ndarray) -> np.ndarray:
    """Positions of the non-empty cells whose first byte is one of ``leads`` (from the offsets only)."""
    offsets, raw = string_bytes(arr)
    at = np.flatnonzero(np.diff(offsets) > 0)
    if arr.null_count:
        at = at[np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)[at]]
    return at[leads[raw[offsets[at]]]]


def _matching(arr: pa.Array, leads: np.ndarray, pattern: str) -> np.ndarray:
    at = _starting_with(arr, leads)
    if not len(at):
        return at
    hit = pc.match_substring_regex(arr.take(pa.array(at)), pattern)
    return at[np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)]


def could_be_formula(arr: pa.Array) -> np.ndarray:
    """True where a cell starts with a byte a formula starts with (a cheap, looser test)."""
    out = np.zeros(len(arr), dtype=bool)
    out[_starting_with(arr, _LEADS)] = True
    return out


def formula_like(arr: pa.Array) -> np.ndarray:
    """True where a spreadsheet would run the cell as a formula."""
    out = np.zeros(len(arr), dtype=bool)
    out[_matching(arr, _LEADS, FORMULA)] = True
    return out


def lead_of(value: str) -> str:
    """How a message names the character a formula-like value starts with."""
    return {"\t": "a tab", "\r": "a carriage return"}.get(value[:1], f"'{value[:1]}'")


def _rewrite(
    arr: pa.Array | pa.ChunkedArray,
    pick: Callable[[pa.Array], np.ndarray],
    fix: Callable[[pa.Array], pa.Array],
) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):  # one chunk is taken as it is: combining would copy it
        col = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    else:
        col = arr
    if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
        return col
    at = pick(col)
    if not len(at):
        return col
    mask = np.zeros(len(col), dtype=bool)
    mask[at] = True
    return pc.if_else(pa.array(mask), fix(col), col)


def neutralise(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The column with a quote in front of each formula-like cell (and of quotes followed by one)."""
    return _rewrite(
        arr,
        lambda col: _matching(col, _QUOTE_LEAD, _QUOTED),
        lambda col: pc.binary_join_element_wise(QUOTE, col, ""),
    )


def restore(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The inverse of :func:`neutralise`."""
    quote = np.zeros(256, dtype=bool)
    quote[ord(QUOTE)] = True
    return _rewrite(
        arr,
        lambda col: _matching(col, quote, _RESTORABLE),
        lambda col: pc.utf8_slice_codeunits(col, 1),
    )


def neutralise_text(value: str) -> str:
    """:func:`neutralise` of one value (the rare malformed row)."""
    return QUOTE + value if _QUOTED_RE.match(value) else value


def restore_text(value: str) -> str:
    """:func:`restore` of one value."""
    return value[1:] if _RESTORABLE_RE.match(value) else value


def restore_batch(batch: Batch, keep: Collection[int]) -> Batch:
    """A batch of a ``rejects.csv`` as it was before :func:`neutralise`; the columns at ``keep`` (csvprep's
    own) stay as they are."""
    table = batch.table
    columns = [c if i in keep else restore(c) for i, c in enumerate(table.columns)]
    malformed = tuple(
        replace(m, fields=tuple(f if i in keep else restore_text(f) for i, f in enumerate(m.fields)))
        for m in batch.malformed
    )
    return replace(batch, table=pa.Table.from_arrays(columns, names=table.column_names), malformed=malformed)


# --- the formula-like warning, a rule of every text-like column --------------------------------------


def _formula_detail(value: str) -> Mapping[str, object]:
    return {"lead": lead_of(value)}


def formula_rule(exempt: Ok | None = None) -> Rule:
    """A warning where a spreadsheet would run the cell as a formula, unless ``exempt`` (the field's own
    rule) takes the value as data."""

    def ok(arr: pa.Array) -> np.ndarray:
        bad = formula_like(arr)
        if exempt is not None and bad.any():
            at = np.flatnonzero(bad)
            bad[at[exempt(arr.take(pa.array(at)))]] = False
        return ~bad

    return Rule("formula-like", ok, detail=_formula_detail)


def accept_no_formula(arr: pa.Array) -> np.ndarray:
    """Accept test of :func:`formula_rule`: the cell starts with no byte a formula starts with."""
    return ~could_be_formula(arr)


def and_no_formula(accept: Accept) -> Accept:
    """``accept`` and :func:`accept_no_formula` in one test."""

    def both(arr: pa.Array) -> np.ndarray:
        return accept(arr) & accept_no_formula(arr)

    return both
