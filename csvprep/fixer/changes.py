"""The changes log, ``FIXED.changes.csv``: one line per repaired cell (row, column, before, after, rule),
in row order, values exact (nothing escaped, nothing cut), so that it equals the diff of input and output.

Beside it, a spill of the same changes with their column positions, read back in order to rewrite the
input (:mod:`csvprep.fixer.rewrite`): the changes of a million rows never sit in memory.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from csvprep.fixer.cells import Change
from csvprep.reader.exactcsv import unlimited

LOG_HEADER = ("row", "column", "before", "after", "rule")
LOG_SUFFIX = ".changes.csv"


def log_path(out: Path) -> Path:
    """``fixed.csv`` → ``fixed.changes.csv`` (beside it)."""
    stem = out.name[: -len(".csv")] if out.name.lower().endswith(".csv") else out.name
    return out.with_name(stem + LOG_SUFFIX)


class ChangeLog:
    """Writes the log to ``stream`` and, when ``spill`` is set, the changes to replay to a temporary file."""

    def __init__(self, stream: IO[str], spill: bool) -> None:
        self._log = csv.writer(stream, lineterminator="\r\n")
        self._log.writerow(LOG_HEADER)
        self._spill: IO[str] | None = None
        if spill:
            # closed by close(), after the rewrite has read it back
            self._spill = tempfile.TemporaryFile(  # noqa: SIM115
                "w+", encoding="utf-8", newline="", prefix="csvprep-fix-"
            )
            self._replay = csv.writer(self._spill, lineterminator="\n")

    def write(self, changes: Sequence[Change]) -> None:
        self._log.writerows((c.row, c.column, c.before, c.after, c.rule) for c in changes)
        if self._spill is not None:
            self._replay.writerows((c.row, c.position, c.before, c.after) for c in changes)

    def replay(self) -> Iterator[tuple[int, int, str, str]]:
        """The changes written, in order: (row, column position, before, after)."""
        if self._spill is None:
            return
        self._spill.flush()
        self._spill.seek(0)
        for row, position, before, after in unlimited(csv.reader(self._spill)):  # a cell of any size
            yield int(row), int(position), before, after

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()


def read_log(path: Path) -> list[dict[str, str]]:
    """A changes log's lines as dicts (for tests and tools)."""
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
