"""Rows with errors → ``rejects.csv``, as they came in, with their row number and reasons.

The first three columns are ``_csvprep_row`` (the spreadsheet row), ``_csvprep_errors`` (``code (column):
message`` for each error, joined by `` | ``) and ``_csvprep_source`` (the file the row is from); the input's
own columns follow unchanged, but for a quote put before each cell a spreadsheet would run as a formula
(:mod:`csvprep.rules.formula`; taken off again on reading). Row and source are the row's origin
(:mod:`csvprep.packer.origin`): in a file that is itself a rejects file, the row in the first file. The engine
ignores these columns (:data:`csvprep.engine.RESERVED_COLUMNS`), so a person can fix the file and pack it
again as it is. They come first so that a malformed row (more or fewer fields than the header) is written
with its raw fields and the columns stay aligned; a row with a broken quote is its line as read, in one cell.

Well-formed rows are written by ``pyarrow.csv.write_csv`` straight from the batch's Arrow columns (RFC 4180,
quoted where needed, as the batches are); the rare malformed row by the ``csv`` module, in row order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from csvprep.engine import RESERVED_COLUMNS, Judged
from csvprep.packer.batches import CSV_OPTIONS, csv_line
from csvprep.packer.origin import ERRORS, ROW, SOURCE, Origins
from csvprep.report import Issue
from csvprep.rules.formula import neutralise, neutralise_text

LEAD = (ROW, ERRORS, SOURCE)


def reasons(code: pa.Array, column: pa.Array, message: pa.Array) -> pa.Array:
    """``code (column): message`` for each error, or ``code: message`` when it has no column."""
    return pc.if_else(
        pc.is_null(column),
        pc.binary_join_element_wise(code, ": ", message, ""),
        pc.binary_join_element_wise(code, " (", column, "): ", message, ""),
    )


class Rejects:
    """``rejects.csv``: origin row, errors, origin file, then the input's own columns, as they came."""

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        keys: Sequence[str],
        file_errors: Sequence[Issue],
        origins: Origins,
    ) -> None:
        self.origins = origins
        self.positions = [i for i, h in enumerate(header) if h not in RESERVED_COLUMNS]
        self.reserved = {i for i, h in enumerate(header) if h in RESERVED_COLUMNS}
        self.keys = [keys[i] for i in self.positions]
        self.file_reasons = reasons(
            pa.array([i.code for i in file_errors], pa.string()),
            pa.array([i.column for i in file_errors], pa.string()),
            pa.array([i.message for i in file_errors], pa.string()),
        ).to_pylist()
        self.fh = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.fh.write(csv_line([*LEAD, *(header[i] for i in self.positions)]))
        self.rows = 0

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
                # Every row of the batch (a huge record's batch of one): the table itself, not a copy.
                whole = b - a == table.num_rows and (pos[a:b] == np.arange(b - a)).all()
                part = table if whole else table.take(pa.array(pos[a:b]))
                if self.origins.carried:
                    carried = batch.table if whole else batch.table.take(pa.array(pos[a:b]))
                else:
                    carried = part
                origin, source = self.origins.of_table(carried, rows[a:b])
                lead = [pc.cast(pa.array(origin), pa.string()), why[a:b], source]
                cells = [neutralise(c) for c in part.columns]  # a quote before each formula-like cell
                out = pa.Table.from_arrays([*lead, *cells], names=[*LEAD, *self.keys])
                pcsv.write_csv(out, self.fh, CSV_OPTIONS)  # straight to the file: no copy of a huge cell
            else:
                for i in range(a, b):
                    m = malformed[int(rows[i])]
                    cells = [neutralise_text(f) for j, f in enumerate(m.fields) if j not in self.reserved]
                    if m.raw is not None and not self.reserved:
                        # The line as read, in one cell: its fields are only the parser's guess, and the
                        # line written bare could open a quote that swallows the rows after it.
                        cells = [neutralise_text(m.raw)]
                    first_row, first_file = self.origins.of_fields(m.fields, int(rows[i]))
                    self.fh.write(csv_line([first_row, why[i].as_py(), first_file, *cells]))
        self.rows += len(rows)

    def _reasons(self, judged: Judged, rows: np.ndarray) -> pa.Array:
        """``_csvprep_errors`` of each row: its errors in the order found, then the file's own.

        Built by pyarrow: each error's ``code (column): message`` text, then one list per row joined by
        `` | `` (a Python string per error and per row would be per-cell work).
        """
        issues = judged.issues
        joined = pa.array([""] * len(rows), pa.string())
        at = np.flatnonzero(issues.is_error)
        if len(at):
            at = at[np.argsort(issues.rows[at], kind="stable")]
            kinds = pa.array(issues.kinds[at])
            code = pa.array(issues.kind_codes, pa.string()).take(kinds)
            col = pa.array(issues.kind_columns, pa.string()).take(kinds)
            msg = issues.message_array.take(pa.array(at)).dictionary_decode()
            text = reasons(code, col, msg)
            r = issues.rows[at]
            starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
            offsets = pa.array(np.r_[starts, len(r)].astype(np.int32))
            per_row = pc.binary_join(pa.ListArray.from_arrays(offsets, text), " | ")
            first = r[starts]
            pos = np.minimum(np.searchsorted(first, rows), len(first) - 1)
            hit = first[pos] == rows
            joined = pc.if_else(pa.array(hit), per_row.take(pa.array(pos)), "")
        tail = " | ".join(self.file_reasons)
        if tail:
            empty = pc.equal(pc.binary_length(joined), 0)
            joined = pc.if_else(empty, tail, pc.binary_join_element_wise(joined, tail, " | "))
        return joined

    def close(self) -> None:
        self.fh.close()
