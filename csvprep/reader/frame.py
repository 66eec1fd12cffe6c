"""A pandas DataFrame as an input: every value as the string it prints as, missing values empty."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeGuard

import numpy as np
import pyarrow as pa

from csvprep.errors import InputError
from csvprep.reader.table import Batch, Table, unique_keys

if TYPE_CHECKING:
    import pandas as pd

FRAME_BATCH_ROWS = 65536


def is_dataframe(source: object) -> TypeGuard[pd.DataFrame]:
    """Whether ``source`` is a pandas DataFrame (without importing pandas: if it is not loaded, it is not)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(source, pd.DataFrame)


def frame_batches(df: pd.DataFrame, rows_per_batch: int = FRAME_BATCH_ROWS) -> Iterator[Batch]:
    """A DataFrame as batches: every value as a string (missing → empty), rows numbered from 2."""
    import pandas as pd

    keys = unique_keys([str(c) for c in df.columns])
    for start in range(0, len(df), rows_per_batch):
        part = df.iloc[start : start + rows_per_batch]
        cols = []
        for _, s in part.items():
            if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
                s = s.where(s.notna(), "")
            else:
                s = s.astype(object).where(s.notna(), "")
            try:
                cols.append(pa.array(s.astype("str").to_numpy(dtype=object), type=pa.string()))
            except UnicodeEncodeError:
                raise InputError(_not_utf8(s, keys[len(cols)], start)) from None
        rows = np.arange(start + 2, start + 2 + len(part), dtype=np.int64)
        yield Batch(pa.Table.from_arrays(cols, names=keys), rows)


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


def open_frame(df: pd.DataFrame, name: str = "<DataFrame>") -> Table:
    return Table(
        header=[str(c) for c in df.columns], batches=frame_batches(df), name=name, encoding="-", delimiter="-"
    )
