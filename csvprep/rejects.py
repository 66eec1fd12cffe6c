"""Rows with errors → ``rejects.csv``, as they came in, with their row number and reasons.

The first two columns are ``_csvprep_row`` (the spreadsheet row) and ``_csvprep_errors`` (``code (column):
message`` for each error, joined by `` | ``); the input's own columns follow unchanged. The engine ignores
both columns (:data:`csvprep.engine.RESERVED_COLUMNS`), so a person can fix the file and pack it again as
it is. They come first so that a malformed row (more or fewer fields than the header) is written with its
raw fields and the two columns stay aligned.

Well-formed rows are written by ``pyarrow.csv.write_csv`` straight from the batch's Arrow columns (RFC 4180,
quoted where needed, as the batches are); the rare malformed row by the ``csv`` module, in row order.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep import codes
from csvprep.batches import CSV_OPTIONS, EOL
from csvprep.codes import Severity
from csvprep.engine import RESERVED_COLUMNS, Judged


def reason(code: str, column: str | None, message: str) -> str:
    return f"{code} ({column}): {message}" if column is not None else f"{code}: {message}"


class Rejects:
    """``rejects.csv``: ``_csvprep_row``, ``_csvprep_errors``, then the input's own columns, as they came."""

    def __init__(
        self, path: Path, header: Sequence[str], keys: Sequence[str], file_reasons: Sequence[str]
    ) -> None:
        self.positions = [i for i, h in enumerate(header) if h not in RESERVED_COLUMNS]
        self.reserved = {i for i, h in enumerate(header) if h in RESERVED_COLUMNS}
        self.keys = [keys[i] for i in self.positions]
        self.file_reasons = list(file_reasons)
        self.fh = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._line([*RESERVED_COLUMNS, *(header[i] for i in self.positions)])
        self.rows = 0

    def _line(self, cells: Sequence[object]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=EOL).writerow(cells)
        self.fh.write(buf.getvalue().encode("utf-8"))

    def write(self, judged: Judged, rows: np.ndarray) -> None:
        """Write the batch's rows with these numbers (well-formed or malformed), in row order."""
        if not len(rows):
            return
        rows = np.asarray(rows, dtype=np.int64)
        why = self._reasons(judged, rows)
        batch = judged.batch
        index = batch.rows
        pos = np.minimum(np.searchsorted(index, rows), max(len(index) - 1, 0))
        in_frame = (index[pos] == rows) if len(index) else np.zeros(len(rows), dtype=bool)
        table = batch.table.select(self.keys)
        malformed = {m.row: m for m in judged.batch.malformed}
        # Runs of rows from the frame are written as one table each; malformed rows one by one.
        cuts = np.flatnonzero(np.diff(in_frame.astype(np.int8))) + 1
        for a, b in zip([0, *cuts.tolist()], [*cuts.tolist(), len(rows)], strict=True):
            if in_frame[a]:
                part = table.take(pa.array(pos[a:b]))
                lead = [pa.array([str(r) for r in rows[a:b].tolist()]), pa.array(why[a:b], pa.string())]
                out = pa.Table.from_arrays([*lead, *part.columns], names=[*RESERVED_COLUMNS, *self.keys])
                buf = io.BytesIO()
                pcsv.write_csv(out, buf, CSV_OPTIONS)
                self.fh.write(buf.getvalue())
            else:
                for i in range(a, b):
                    fields = malformed[int(rows[i])].fields
                    cells = [f for j, f in enumerate(fields) if j not in self.reserved]
                    self._line([int(rows[i]), why[i], *cells])
        self.rows += len(rows)

    def _reasons(self, judged: Judged, rows: np.ndarray) -> list[str]:
        """``_csvprep_errors`` of each row: its errors in the order found, then the file's own."""
        issues = judged.issues
        by_row: dict[int, str] = {}
        if len(issues):
            err = {c: codes.get(c).severity == Severity.ERROR for c in set(issues.codes.tolist())}
            at = np.flatnonzero([err[c] for c in issues.codes.tolist()])
            if len(at):
                at = at[np.argsort(issues.rows[at], kind="stable")]
                msgs = issues.messages
                cols, cds = issues.columns, issues.codes
                texts = [reason(str(cds[i]), cols[i], msgs[i]) for i in at.tolist()]
                r = issues.rows[at]
                starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
                ends = [*starts[1:].tolist(), len(r)]
                by_row = {
                    int(r[s]): " | ".join(texts[s:e]) for s, e in zip(starts.tolist(), ends, strict=True)
                }
        tail = " | ".join(self.file_reasons)
        if tail:
            return [f"{by_row[r]} | {tail}" if r in by_row else tail for r in rows.tolist()]
        return [by_row.get(r, "") for r in rows.tolist()]

    def close(self) -> None:
        self.fh.close()
