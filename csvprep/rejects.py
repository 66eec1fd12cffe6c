"""Rows with errors → ``rejects.csv``, as they came in, with their row number and reasons.

The first two columns are ``_csvprep_row`` (the spreadsheet row) and ``_csvprep_errors`` (``code (column):
message`` for each error, joined by `` | ``); the input's own columns follow unchanged. The engine ignores
both columns (:data:`csvprep.engine.RESERVED_COLUMNS`), so a person can fix the file and pack it again as
it is. They come first so that a malformed row (more or fewer fields than the header) is written with its
raw fields and the two columns stay aligned.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from csvprep import codes
from csvprep.batches import EOL
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
        self.fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self.w = csv.writer(self.fh, lineterminator=EOL)
        self.w.writerow([*RESERVED_COLUMNS, *(header[i] for i in self.positions)])
        self.rows = 0

    def write(self, judged: Judged, rows: np.ndarray) -> None:
        """Write the batch's rows with these numbers (well-formed or malformed), in row order."""
        if not len(rows):
            return
        reasons = self._reasons(judged)
        frame = judged.batch.frame
        malformed = {m.row: m for m in judged.batch.malformed}
        in_frame = rows[np.isin(rows, frame.index.to_numpy())]
        values = dict(zip(in_frame.tolist(), frame.loc[in_frame, self.keys].to_numpy().tolist(), strict=True))
        out = []
        for r in rows.tolist():
            why = " | ".join([*reasons.get(r, ()), *self.file_reasons])
            if r in values:
                cells = values[r]
            else:
                fields = malformed[r].fields
                cells = [f for i, f in enumerate(fields) if i not in self.reserved]
            out.append([r, why, *cells])
        self.w.writerows(out)
        self.rows += len(out)

    @staticmethod
    def _reasons(judged: Judged) -> dict[int, list[str]]:
        issues = judged.issues
        reasons: dict[int, list[str]] = {}
        if not len(issues):
            return reasons
        sev = {c: codes.get(c).severity for c in set(issues.codes.tolist())}
        for i, (row, col, code) in enumerate(
            zip(issues.rows.tolist(), issues.columns.tolist(), issues.codes.tolist(), strict=True)
        ):
            if sev[code] == Severity.ERROR:
                reasons.setdefault(row, []).append(reason(code, col, issues.render(i)))
        return reasons

    def close(self) -> None:
        self.fh.close()
