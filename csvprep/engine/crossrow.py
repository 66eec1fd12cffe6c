"""The checks that span rows: empty and repeated keys, repeated values of unique fields. Exact across
batches through the hashes of the values seen (:class:`csvprep.engine.keyset.SeenKeys`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.engine.found import CrossRow, Found, strings
from csvprep.engine.keyset import SeenKeys, hash_strings
from csvprep.engine.planning import Column, Plan
from csvprep.reader import Batch
from csvprep.rules import byte_lengths


def single(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow array (the rules read raw buffers): a chunked column's chunks combined."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    return arr


def unique_columns(plan: Plan) -> list[tuple[Column, bool]]:
    """The key column and the unique fields' columns, each with whether its values compare ignoring case."""
    out: list[tuple[Column, bool]] = []
    for c in plan.columns:
        if c.role == "key":
            out.append((c, c.field is not None and c.field.unique and not c.field.unique_case_sensitive))
        elif c.role == "value" and c.field is not None and c.field.unique:
            out.append((c, not c.field.unique_case_sensitive))
    return out


class CrossRows:
    """The values seen so far in the key column and the unique fields' columns."""

    def __init__(self, plan: Plan, rank: dict[str, int]) -> None:
        self._unique = unique_columns(plan)
        self._seen = {c.key: SeenKeys() for c, _ in self._unique}
        self.casefold = {c.key for c, casefold in self._unique if casefold}
        self._rank = rank

    def found(self, batch: Batch) -> list[Found]:
        """The batch's empty keys and values seen before (in an earlier batch or row)."""
        return [self._column(batch, col, casefold) for col, casefold in self._unique]

    def close(self) -> None:
        """Delete the spill files of the values seen."""
        for seen in self._seen.values():
            seen.close()

    def _column(self, batch: Batch, col: Column, casefold: bool) -> Found:
        arr = single(batch.table.column(col.key))
        is_key = col.role == "key"
        empty = byte_lengths(arr) == 0
        rows = batch.rows
        rank = self._rank[col.key]
        out = []
        if is_key and empty.any():
            none = np.full(int(empty.sum()), -1)
            out.append(
                Found.crossed(
                    rows[empty], rank, CrossRow.EMPTY_KEY, strings(arr.filter(pa.array(empty))), none
                )
            )
        full = ~empty
        if full.any():
            filled = arr.filter(pa.array(full))
            hashes = hash_strings(pc.utf8_lower(filled) if casefold else filled)
            first = self._seen[col.key].first_rows(hashes, rows[full])
            dup = first >= 0
            if dup.any():
                check = CrossRow.DUPLICATE_KEY if is_key else CrossRow.DUPLICATE_VALUE
                value = strings(filled.filter(pa.array(dup)))
                out.append(Found.crossed(rows[full][dup], rank, check, value, first[dup]))
        if not out:
            return Found.empty()
        return out[0] if len(out) == 1 else Found.concat(out)
