"""Which rows ``pack`` would reject: one bit per row, kept however many issues the report keeps.

A row is rejected when it has an error (a cell error, a malformed row, a row too large for any batch), and
every row is when the file has a file-level error (Zoho would refuse every job). ``Report.split`` reads
these verdicts, so it partitions a frame exactly as ``pack`` partitions its rows into batches and
``rejects.csv``, even when the report kept only some of its issues.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FIRST_ROW = 2
"""The spreadsheet row of the first record (the header is row 1)."""
BITS = 8
START_BYTES = 1024


@dataclass(frozen=True, slots=True)
class RowVerdicts:
    """Per record, whether it has an error: ``bits`` packed big-endian (``numpy.packbits``), one per row."""

    rows: int
    bits: np.ndarray
    blocked: bool = False
    """A file-level error: every row is rejected."""

    def rejected(self) -> np.ndarray:
        """A bool per record, in order: True when ``pack`` would put it in ``rejects.csv``."""
        if self.blocked:
            return np.ones(self.rows, dtype=bool)
        return np.unpackbits(self.bits, count=self.rows).astype(bool)


class ErrorRows:
    """Collects the rows with errors, batch by batch, as bits: 1.25 MB for 10M rows, however many issues."""

    def __init__(self) -> None:
        self.bits = np.zeros(START_BYTES, dtype=np.uint8)
        self.blocked = False

    def add(self, rows: np.ndarray) -> None:
        """Mark these spreadsheet rows (each at least :data:`FIRST_ROW`) as having an error."""
        if not len(rows):
            return
        at = np.asarray(rows, dtype=np.int64) - FIRST_ROW
        need = int(at.max()) // BITS + 1
        if need > len(self.bits):
            grown = np.zeros(max(need, 2 * len(self.bits)), dtype=np.uint8)
            grown[: len(self.bits)] = self.bits
            self.bits = grown
        np.bitwise_or.at(self.bits, at // BITS, (0x80 >> (at % BITS)).astype(np.uint8))

    def finish(self, rows: int) -> RowVerdicts:
        size = -(-rows // BITS)
        bits = self.bits[:size].copy()
        if len(bits) < size:
            bits = np.concatenate([bits, np.zeros(size - len(bits), dtype=np.uint8)])
        return RowVerdicts(rows, bits, self.blocked)
