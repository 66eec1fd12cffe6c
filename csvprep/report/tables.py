"""A report as tables: its issues as one Arrow or pandas row each, and a frame split as ``pack`` splits it.

The issues table has the same columns whatever the report holds: ``row`` (int64, null for file-level
issues), ``column``, ``code``, ``severity``, ``value``, ``message`` (strings, ``column`` and ``value`` null
where the issue has none) and, when the report came from a pandas DataFrame, ``index``: the frame's index
label of the issue's row (null for file-level issues).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.codes import Severity
from csvprep.errors import UsageError
from csvprep.report.verdicts import FIRST_ROW

if TYPE_CHECKING:
    import pandas as pd

    from csvprep.report import Issue, IssueBatch

INDEX = "index"
SCHEMA = pa.schema(
    [
        ("row", pa.int64()),
        ("column", pa.string()),
        ("code", pa.string()),
        ("severity", pa.string()),
        ("value", pa.string()),
        ("message", pa.string()),
    ]
)

TEXT = pa.dictionary(pa.int32(), pa.string())
REPEATED = ("column", "code", "severity", "message")
KEPT = pa.schema([(f.name, TEXT if f.name in REPEATED else f.type) for f in SCHEMA])
"""How a report holds its issues' table: repeated texts once each (a few bytes an issue, not a copy)."""

Frame = TypeVar("Frame")


def issues_table(issues: Sequence[Issue]) -> pa.Table:
    """One row per issue (see the module's docstring), built column by column from Issue objects."""
    arrays = [pa.array(list(map(attrgetter(f.name), issues)), f.type) for f in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def kept_table(issues: Sequence[Issue]) -> pa.Table:
    """:func:`issues_table` as a report holds it (:data:`KEPT`)."""
    return issues_table(issues).cast(KEPT)


def batch_table(batch: IssueBatch, n: int) -> pa.Table:
    """The first ``n`` issues of ``batch`` as a report holds them (:data:`KEPT`), without an object per
    issue: columns, codes and severities are the batch's kinds, messages its dictionary."""
    kinds = batch.kinds[:n].astype(np.int32)
    rows = batch.rows[:n]
    no_column = np.array([c is None for c in batch.kind_columns], dtype=bool)[kinds]
    severity = [str(Severity.ERROR if e else Severity.WARNING) for e in batch.kind_errors.tolist()]
    arrays = [
        pa.array(rows, pa.int64(), mask=rows < FIRST_ROW),  # an Issue's row is None below the first row
        pa.DictionaryArray.from_arrays(
            pa.array(kinds, mask=no_column), pa.array([c or "" for c in batch.kind_columns], pa.string())
        ),
        pa.DictionaryArray.from_arrays(kinds, pa.array(batch.kind_codes, pa.string())),
        pa.DictionaryArray.from_arrays(kinds, pa.array(severity, pa.string())),
        batch.values.slice(0, n).cast(pa.string()),
        batch.message_array.slice(0, n).cast(TEXT),
    ]
    return pa.Table.from_arrays(arrays, schema=KEPT)


def plain(kept: pa.Table) -> pa.Table:
    """A table a report holds (:data:`KEPT`) as :func:`issues_table` gives it: one chunk of plain strings."""
    return kept.cast(SCHEMA).combine_chunks()


def with_index(table: pa.Table, index: pd.Index | None) -> pa.Table:
    """``table`` with the ``index`` column: each issue's row labelled by ``index``."""
    if index is None:
        return table
    return table.append_column(INDEX, index_labels(index, table["row"].combine_chunks()))


def index_labels(index: pd.Index, rows: pa.Array) -> pa.Array:
    """The label of each row in ``index`` (row 2 is position 0), null where ``rows`` is null."""
    import pandas as pd

    missing = pc.is_null(rows).to_numpy(zero_copy_only=False)
    labels = index.take(pc.drop_null(rows).to_numpy() - FIRST_ROW)
    # Each issue's place among the labels taken; a null place (a file-level issue) takes a null label.
    place = pa.array(np.cumsum(~missing) - 1, mask=missing)
    if isinstance(labels, pd.MultiIndex):  # one struct field per level
        names = [str(n) if n is not None else f"level_{i}" for i, n in enumerate(labels.names)]
        levels = [_labels(labels.get_level_values(i)) for i in range(labels.nlevels)]
        return pa.StructArray.from_arrays(levels, names=names).take(place)
    return _labels(labels).take(place)


def _labels(labels: pd.Index) -> pa.Array:
    try:
        return pa.Array.from_pandas(labels)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed labels (1 and "a"): their text
        return pa.array([str(v) for v in labels], pa.string())


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """The issues table as a pandas DataFrame; integers stay integers beside nulls (``Int64``)."""
    import pandas as pd

    nullable: dict[pa.DataType, Any] = {
        pa.int8(): pd.Int8Dtype(),
        pa.int16(): pd.Int16Dtype(),
        pa.int32(): pd.Int32Dtype(),
        pa.int64(): pd.Int64Dtype(),
        pa.uint8(): pd.UInt8Dtype(),
        pa.uint16(): pd.UInt16Dtype(),
        pa.uint32(): pd.UInt32Dtype(),
        pa.uint64(): pd.UInt64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    return table.to_pandas(types_mapper=nullable.get)


def split(frame: Frame, rejected: np.ndarray) -> tuple[Frame, Frame]:
    """``frame``'s rows as (kept, rejected) by position: a pandas or polars DataFrame or a pyarrow Table."""
    import pandas as pd

    pl = sys.modules.get("polars")  # imported by the caller if the frame is one: not a dependency
    if isinstance(frame, pd.DataFrame):
        n = len(frame)
    elif isinstance(frame, pa.Table):
        n = frame.num_rows
    elif pl is not None and isinstance(frame, pl.DataFrame):
        n = frame.height
    else:
        raise UsageError(
            f"split takes a pandas or polars DataFrame or a pyarrow Table, not {type(frame).__name__}"
        )
    if n != len(rejected):
        raise UsageError(
            f"the frame has {n:,} rows and the report {len(rejected):,}: "
            "split needs the rows the report was made from"
        )
    if isinstance(frame, pd.DataFrame):
        return frame.iloc[~rejected], frame.iloc[rejected]  # type: ignore[return-value]
    if isinstance(frame, pa.Table):
        return frame.filter(pa.array(~rejected)), frame.filter(pa.array(rejected))  # type: ignore[return-value]
    return frame.filter(~rejected), frame.filter(rejected)  # type: ignore[attr-defined]
