"""Typed inputs in the engine: each column's kind of field for the reader's conversion
(:mod:`csvprep.reader.values`), and the cells with no Zoho text as issues in place of what the rules
would say about their shown text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from csvprep import codes
from csvprep.engine.planning import Column, Plan
from csvprep.reader import Batch
from csvprep.reader.values import BadCells, Kind
from csvprep.report import IssueBatch

_KINDS: dict[str, Kind] = {"date": "date", "datetime": "datetime", "multiselectpicklist": "multiselect"}
_LIST_HINT = ": only a multi-select picklist takes a list (its items joined with ;)"
_OBJECT_HINT = ": turn it into text, a number, a date or a bool before checking"


def _kind(c: Column) -> Kind:
    if c.role in ("ignored", "invalid"):
        return "unchecked"
    f = c.target if c.role == "lookup-field" else c.field if c.role in ("value", "key") else None
    return _KINDS.get(f.data_type, "text") if f is not None else "text"


def column_kinds(plan: Plan) -> dict[str, Kind]:
    """Each column's kind of field, by its key: what its typed values become."""
    return {c.key: _kind(c) for c in plan.columns}


def _take(issues: IssueBatch, at: np.ndarray) -> IssueBatch:
    """The issues at positions ``at``, in that order."""
    index = pa.array(at)
    return IssueBatch(
        rows=issues.rows[at],
        kinds=issues.kinds[at],
        kind_columns=issues.kind_columns,
        kind_codes=issues.kind_codes,
        values=issues.values.take(index),
        render_all=lambda: issues.message_array.take(index),
    )


def _bad_issues(batch: Batch, bad: Sequence[BadCells], header: dict[str, str]) -> IssueBatch:
    rows, kinds, values, messages = [], [], [], []
    for k, b in enumerate(bad):
        hint = _LIST_HINT if b.what in ("a list", "a tuple") else _OBJECT_HINT
        column = header.get(b.key, b.key)
        messages.append(codes.get(b.code).render(column=column, value=None, what=b.what, hint=hint))
        rows.append(batch.rows[b.positions])
        kinds.append(np.full(len(b.positions), k, dtype=np.int64))
        values.append(batch.table.column(b.key).combine_chunks().take(pa.array(b.positions)))
    kind_of = np.concatenate(kinds)
    return IssueBatch(
        rows=np.concatenate(rows),
        kinds=kind_of,
        kind_columns=tuple(header.get(b.key, b.key) for b in bad),
        kind_codes=tuple(b.code for b in bad),
        values=pa.concat_arrays(values).cast(pa.string()),
        render_all=lambda: pa.DictionaryArray.from_arrays(
            pa.array(kind_of.astype(np.int32)), pa.array(messages, pa.string())
        ),
    )


def with_bad_cells(issues: IssueBatch, batch: Batch, plan: Plan) -> IssueBatch:
    """The batch's issues with its cells of no Zoho text reported as such, and nothing else on those
    cells (their shown text is no value of the user's to judge); in row order, then column order."""
    header = {c.key: c.header for c in plan.columns}
    position = {c.header: c.position for c in plan.columns}
    bad = [b for b in batch.bad if len(b.positions)]
    if not bad:
        return issues
    if len(issues):
        keep = np.ones(len(issues), dtype=bool)
        columns = issues.columns
        for b in bad:
            keep &= ~((columns == header.get(b.key, b.key)) & np.isin(issues.rows, batch.rows[b.positions]))
        issues = IssueBatch.concat([_take(issues, np.flatnonzero(keep)), _bad_issues(batch, bad, header)])
    else:
        issues = _bad_issues(batch, bad, header)
    places = np.array([position.get(c, -1) if c is not None else -1 for c in issues.kind_columns])
    order = np.lexsort((places[issues.kinds], issues.rows))
    return _take(issues, order)
