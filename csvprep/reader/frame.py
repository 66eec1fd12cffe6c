"""Typed inputs: a pandas DataFrame, or anything with ``__arrow_c_stream__`` (a pyarrow Table or
RecordBatchReader, a polars DataFrame or LazyFrame, a DuckDB result). Their columns stay typed until the
engine says which field each goes to; then :mod:`csvprep.reader.values` turns them into Zoho text.

The caller's frame is only read: each batch is a slice, converted column by column into new Arrow arrays.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeGuard

import numpy as np
import pyarrow as pa

from csvprep.errors import InputError, UsageError
from csvprep.reader.table import Batch, Table, unique_keys
from csvprep.reader.values import BadCells, Text, Typing, objects_to_text, to_text

if TYPE_CHECKING:
    import pandas as pd

FRAME_BATCH_ROWS = 65536
_UNTYPED = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError)
"""What pyarrow raises for a pandas column it cannot type as a whole (mixed Python objects)."""


def is_dataframe(source: object) -> TypeGuard[pd.DataFrame]:
    """Whether ``source`` is a pandas DataFrame (without importing pandas: if it is not loaded, it is not)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(source, pd.DataFrame)


def _is_lazy_polars(source: object) -> bool:
    kind = type(source)
    return kind.__module__.split(".")[0] == "polars" and kind.__name__ == "LazyFrame"


def is_arrow_stream(source: object) -> bool:
    """Whether ``source`` is read through the Arrow C stream interface (or is a polars LazyFrame)."""
    return hasattr(type(source), "__arrow_c_stream__") or _is_lazy_polars(source)


def _batch(columns: list[Text], keys: list[str], rows: np.ndarray) -> Batch:
    bad: list[BadCells] = [b for t in columns for b in t.bad]
    return Batch(pa.Table.from_arrays([t.text for t in columns], names=keys), rows, bad=tuple(bad))


def frame_batches(
    df: pd.DataFrame, typing: Typing, rows_per_batch: int = FRAME_BATCH_ROWS
) -> Iterator[Batch]:
    """A DataFrame as batches of text (see :mod:`csvprep.reader.values`), rows numbered from 2."""
    keys = unique_keys([str(c) for c in df.columns])
    for start in range(0, len(df), rows_per_batch):
        part = df.iloc[start : start + rows_per_batch]
        cols = []
        for key, (_, s) in zip(keys, part.items(), strict=True):
            kind = typing.kinds.get(key, "text")
            try:
                try:
                    cols.append(to_text(pa.Array.from_pandas(s), key, kind, typing))
                except _UNTYPED:  # mixed Python objects: each type's cells together
                    missing = s.isna().to_numpy(dtype=bool)
                    cols.append(objects_to_text(s.to_numpy(dtype=object), missing, key, kind, typing))
            except UnicodeEncodeError:
                raise InputError(_not_utf8(s, key, start)) from None
        yield _batch(cols, keys, np.arange(start + 2, start + 2 + len(part), dtype=np.int64))


def _not_utf8(values: pd.Series, column: str, start: int) -> str:
    """Where a DataFrame holds a str that is not text (a lone surrogate, e.g. from a bad decode)."""
    for i, v in enumerate(values):
        try:
            str(v).encode("utf-8")
        except UnicodeEncodeError as e:
            return (
                f"DataFrame column '{column}' row {start + i + 2} holds {str(v)[e.start : e.end]!a}, a lone "
                "surrogate, not text: decode the source with the right encoding"
            )
    return f"DataFrame column '{column}' holds a value that is not text"


def _regrouped(reader: pa.RecordBatchReader, rows_per_batch: int) -> Iterator[pa.Table]:
    """The stream's record batches (of any size) as tables of ``rows_per_batch`` rows (the last fewer)."""
    held: list[pa.RecordBatch] = []
    count = 0
    for rb in reader:
        held.append(rb)
        count += rb.num_rows
        while count >= rows_per_batch:
            table = pa.Table.from_batches(held, reader.schema)
            yield table.slice(0, rows_per_batch)
            rest = table.slice(rows_per_batch)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held, reader.schema)


def arrow_batches(
    reader: pa.RecordBatchReader, keys: list[str], typing: Typing, rows_per_batch: int = FRAME_BATCH_ROWS
) -> Iterator[Batch]:
    """An Arrow stream as batches of text, rows numbered from 2."""
    start = 0
    try:
        for table in _regrouped(reader, rows_per_batch):
            cols = [
                to_text(table.column(j), key, typing.kinds.get(key, "text"), typing)
                for j, key in enumerate(keys)
            ]
            yield _batch(cols, keys, np.arange(start + 2, start + 2 + table.num_rows, dtype=np.int64))
            start += table.num_rows
    finally:
        reader.close()


def _with_notes(table: Table, batches: Iterator[Batch], typing: Typing) -> Iterator[Batch]:
    yield from batches
    table.notes.extend(typing.notes())


def open_frame(df: pd.DataFrame, name: str = "<DataFrame>", tz: str | None = None) -> Table:
    """A pandas DataFrame as a table (read, never modified)."""
    typing = Typing(tz)
    header = [str(c) for c in df.columns]
    table = Table(header=header, batches=iter(()), name=name, encoding="-", delimiter="-", typing=typing)
    table.batches = _with_notes(table, frame_batches(df, typing), typing)
    return table


def open_arrow(source: object, tz: str | None = None) -> Table:
    """A table through the Arrow C stream interface (a polars LazyFrame is collected first)."""
    kind = type(source)
    name = f"<{kind.__module__.split('.')[0]} {kind.__name__}>"
    if _is_lazy_polars(source):
        source = source.collect()  # type: ignore[attr-defined]
    try:
        reader = pa.RecordBatchReader.from_stream(source)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as e:
        raise UsageError(f"cannot read a {kind.__name__} as a table: {e}") from None
    typing = Typing(tz)
    header = list(reader.schema.names)
    table = Table(header=header, batches=iter(()), name=name, encoding="-", delimiter="-", typing=typing)
    table.batches = _with_notes(table, arrow_batches(reader, unique_keys(header), typing), typing)
    return table
