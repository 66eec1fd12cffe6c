"""Where each row first came from, carried across rounds of fix and pack again.

csvprep's own files (``rejects.csv``, a results run's ``failed.csv``) carry ``_csvprep_row`` and
``_csvprep_source``: the row's spreadsheet row in the file it first came from, and that file's name. When
such a file is packed again, those two values (not the row's place in the file being packed) are the row's
origin: the new ``rejects.csv`` repeats them, and the manifest records them per batch, so a later results
run still names the row in the first file. A row without them (a first-round input, or a row a person added
while fixing) originates where it is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROW = "_csvprep_row"
ERRORS = "_csvprep_errors"
SOURCE = "_csvprep_source"
STATUS = "_csvprep_status"
UNKNOWN = ""
"""The source of a row whose file was not recorded (a rejects.csv written before sources were)."""
_ROW_NUMBER = r"^[0-9]{1,18}$"


def _ranges(values: np.ndarray) -> list[list[int]]:
    """Runs of consecutive values, in order, as ``[first, last]``."""
    if not len(values):
        return []
    breaks = np.flatnonzero(np.diff(values) != 1)
    starts = np.r_[0, breaks + 1]
    ends = np.r_[breaks, len(values) - 1]
    return [[int(values[s]), int(values[e])] for s, e in zip(starts, ends, strict=True)]


def _runs(values: np.ndarray) -> list[list[int]]:
    """Run-length pairs ``[value, count]``, in order."""
    if not len(values):
        return []
    starts = np.r_[0, np.flatnonzero(np.diff(values) != 0) + 1]
    counts = np.diff(np.r_[starts, len(values)])
    return [[int(values[s]), int(c)] for s, c in zip(starts, counts, strict=True)]


def expand(ranges: Sequence[Sequence[int]]) -> np.ndarray:
    """The values of ``[first, last]`` ranges, in order."""
    if not ranges:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.arange(a, b + 1, dtype=np.int64) for a, b in ranges])


def expand_runs(runs: Sequence[Sequence[int]]) -> np.ndarray:
    """The values of ``[value, count]`` runs, in order."""
    if not runs:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.full(c, v, dtype=np.int64) for v, c in runs])


class Origins:
    """The origin of every row of one input: reads the carried columns, records them for the manifest."""

    def __init__(self, header: Sequence[str], keys: Sequence[str], name: str) -> None:
        self.name = name
        self.row_key = keys[list(header).index(ROW)] if ROW in header else None
        self.source_key = keys[list(header).index(SOURCE)] if SOURCE in header else None
        self.row_at = list(header).index(ROW) if ROW in header else None
        self.source_at = list(header).index(SOURCE) if SOURCE in header else None
        self.files: list[str] = [name]
        self._index: dict[str, int] = {name: 0}
        self._current: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []
        self._file: list[np.ndarray] = []

    @property
    def carried(self) -> bool:
        """Whether the input carries origins (it is one of csvprep's own files)."""
        return self.row_key is not None

    def _file_index(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self.files)
            self.files.append(name)
        return self._index[name]

    def of_table(self, table: pa.Table, rows: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        """Origin rows (int64) and source names (strings) of well-formed rows read at ``rows``."""
        n = len(rows)
        if self.row_key is None:
            return rows, pa.repeat(pa.scalar(self.name, pa.string()), n)
        carried = table.column(self.row_key).combine_chunks()
        valid = pc.fill_null(pc.match_substring_regex(carried, _ROW_NUMBER), False)
        numbers = pc.cast(pc.if_else(valid, carried, "0"), pa.int64()).to_numpy(zero_copy_only=False)
        has = valid.to_numpy(zero_copy_only=False) & (numbers > 0)
        if self.source_key is None:
            source = pa.repeat(pa.scalar(UNKNOWN, pa.string()), n)
        else:
            source = pc.fill_null(table.column(self.source_key).combine_chunks(), UNKNOWN)
        source = pc.if_else(pa.array(has), source, self.name)
        return np.where(has, numbers, rows), source

    def of_fields(self, fields: Sequence[str], row: int) -> tuple[int, str]:
        """The origin of a malformed row, from its raw fields where they reach the carried columns."""
        at, src = self.row_at, self.source_at
        carried = fields[at] if at is not None and at < len(fields) else ""
        if not (carried.isascii() and carried.isdigit() and int(carried) > 0):
            return row, self.name
        return int(carried), fields[src] if src is not None and src < len(fields) else UNKNOWN

    def add_packed(self, table: pa.Table, rows: np.ndarray) -> None:
        """Remember the origin of rows that were packed (their full batch rows, filtered)."""
        if not self.carried or not len(rows):
            return
        origin, source = self.of_table(table, rows)
        encoded = pc.dictionary_encode(source)
        lookup = np.array([self._file_index(s) for s in encoded.dictionary.to_pylist()], dtype=np.int64)
        self._current.append(np.asarray(rows, dtype=np.int64))
        self._rows.append(origin)
        self._file.append(lookup[encoded.indices.to_numpy(zero_copy_only=False)])

    def for_batch(self, source_rows: Sequence[Sequence[int]]) -> dict[str, Any] | None:
        """The manifest's ``origin`` of a batch: its rows' first files and rows, in batch order."""
        if not self.carried:
            return None
        if len(self._current) != 1:  # joined once, on the first batch asked for
            empty = np.zeros(0, dtype=np.int64)
            joined = [np.concatenate(p) if p else empty for p in (self._current, self._rows, self._file)]
            order = np.argsort(joined[0], kind="stable")
            self._current, self._rows, self._file = ([a[order]] for a in joined)
        at = np.searchsorted(self._current[0], expand(source_rows))
        rows, files = self._rows[0][at], self._file[0][at]
        used = sorted(set(files.tolist()))
        remap = np.zeros(len(self.files), dtype=np.int64)
        remap[used] = np.arange(len(used))
        return {
            "files": [self.files[i] for i in used],
            "rows": _ranges(rows),
            "file_runs": _runs(remap[files]),
        }
