"""Rows too large for any batch: a record that, alone with the header, makes a ZIP or a CSV over the limit.

Zoho refuses an upload over 25 MB (``FILE_TOO_LARGE``:
https://www.zoho.com/crm/developer/docs/api/v7/bulk-write/upload-file.html) and puts the same limit on the
CSV inside (https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html). Such a row is a
``row-too-large`` error on its row: ``pack`` rejects it into ``rejects.csv`` and packs the rest. ``check``
judges with Zoho's limits (``pack``'s defaults), ``pack`` with its own ``max_zip_bytes``/``max_csv_bytes``,
so at the defaults both flag the same rows; smaller pack limits can only add rows, and pack's report lists
them too (rows rejected = rows with errors in the report it returns).

The verdict is the batcher's own: a fresh one-entry ZIP (written nowhere) takes the header, then the row, and
is measured (`packer.zipstream`). Only rows whose CSV could be that large are measured: a batch whose
bytes cannot hold one costs a size lookup per column.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from csvprep import codes
from csvprep.engine import Judged, Plan
from csvprep.packer.batches import CSV_OPTIONS, ZOHO_MAX_BYTES, csv_line, entry_names
from csvprep.packer.jobspec import ColumnSet
from csvprep.packer.zipstream import ZipStream, deflate_bound, overhead
from csvprep.report import IssueBatch

CODE = "row-too-large"
DEFAULT_LEVEL = 6
"""``pack``'s default deflate level, which ``check`` measures with."""


def _csv(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, CSV_OPTIONS)
    return buf.getvalue()


class RowSizer:
    """Finds the rows of a batch that no ZIP within the limits can hold, and makes them row errors."""

    def __init__(
        self,
        plan: Plan,
        sets: Sequence[ColumnSet],
        max_zip_bytes: int | None = None,
        max_csv_bytes: int | None = None,
        level: int = DEFAULT_LEVEL,
    ) -> None:
        """The limits: ``pack``'s, or Zoho's (``None``)."""
        self.sets = tuple(s for s in sets if s.columns)
        self.zip_limit = ZOHO_MAX_BYTES if max_zip_bytes is None else max_zip_bytes
        self.csv_limit = ZOHO_MAX_BYTES if max_csv_bytes is None else max_csv_bytes
        self.level = level
        self.names = entry_names(plan.job.schema.module, 1, len(self.sets))
        self.headers = [csv_line(s.header) for s in self.sets]
        self.keys = sorted({k for s in self.sets for k in s.keys})
        # Below `room` bytes of cells a row surely fits alone: its CSV is at most 2 bytes per byte (quotes
        # doubled) + 3 per cell, and deflate writes at most ~1.13x its input (deflate_bound) + 128.
        name = max((len(n) for n in self.names), default=0) + len(".csv")
        room = (self.zip_limit - overhead("x" * name) - deflate_bound(0)) * 7 // 8
        room = min(room, self.csv_limit)
        self.room = room - max((len(h) for h in self.headers), default=0) - 3 * len(self.keys) - 2

    @functools.cached_property
    def header_fits(self) -> bool:
        """Whether each header fits alone (if not, the limits are wrong, not the rows: pack refuses)."""
        return self._fits_alone(None)

    def oversized(self, table: pa.Table, rows: np.ndarray) -> np.ndarray:
        """The row numbers (of ``rows``) whose record fits no batch, even alone."""
        if not self.sets or not table.num_rows:
            return np.zeros(0, dtype=np.int64)
        cells = table.select(self.keys)
        if 2 * cells.nbytes <= self.room:  # no row of this batch can be that large: the usual case
            return np.zeros(0, dtype=np.int64)
        size = np.zeros(cells.num_rows, dtype=np.int64)
        for col in cells.columns:
            size += pc.binary_length(col).to_numpy(zero_copy_only=False)
        suspects = np.flatnonzero(2 * size > self.room)
        if len(suspects) and not self.header_fits:
            return np.zeros(0, dtype=np.int64)
        refused = [i for i in suspects.tolist() if not self._fits_alone(cells.slice(i, 1))]
        return rows[np.array(refused, dtype=np.int64)] if refused else np.zeros(0, dtype=np.int64)

    def _fits_alone(self, row: pa.Table | None) -> bool:
        """The batcher's steps for a new batch holding this row (or none): header taken, then the row
        measured."""
        for name, header, cs in zip(self.names, self.headers, self.sets, strict=True):
            stream = ZipStream(Path(os.devnull), f"{name}.csv", self.level)
            try:
                data = header + (b"" if row is None else _csv(row.select(cs.keys)))
                if len(data) > self.csv_limit:
                    return False
                head = stream.attempt(header, self.zip_limit)
                stream.take(head)
                if not stream.fits(stream.attempt(data[len(header) :], self.zip_limit), self.zip_limit):
                    return False
            finally:
                stream.abandon()
        return True

    def judge(self, judged: Judged, table: pa.Table | None = None) -> Judged:
        """``judged`` with a ``row-too-large`` error on each of its good rows that fits no batch.

        ``table``: the good rows (default: the batch's rows without errors).
        """
        batch = judged.batch
        if table is None:
            keep = ~np.isin(batch.rows, judged.error_rows)
            table, rows = batch.table.filter(pa.array(keep)), batch.rows[keep]
        else:
            rows = batch.rows[~np.isin(batch.rows, judged.error_rows)]
        refused = self.oversized(table, rows)
        if not len(refused):
            return judged
        return Judged(
            batch,
            IssueBatch.concat([judged.issues, self._issues(refused)]),
            np.union1d(judged.error_rows, refused),
        )

    def _issues(self, rows: np.ndarray) -> IssueBatch:
        limit = f"{self.zip_limit:,} bytes of ZIP or {self.csv_limit:,} bytes of CSV"
        message = codes.get(CODE).render(column=None, value=None, limit=limit)
        return IssueBatch(
            rows=rows.astype(np.int64),
            kinds=np.zeros(len(rows), dtype=np.int64),
            kind_columns=(None,),
            kind_codes=(CODE,),
            values=pa.nulls(len(rows), pa.string()),
            render_all=lambda: pa.array([message] * len(rows), pa.string()).dictionary_encode(),
        )
