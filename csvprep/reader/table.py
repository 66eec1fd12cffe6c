"""What the reader hands on: an opened :class:`Table` and its :class:`Batch` es of string columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from csvprep.reader.values import BadCells, Typing

if TYPE_CHECKING:
    import pandas as pd

RAW = "raw"
"""The details key of a malformed record's text as read (taken out into :attr:`MalformedRow.raw`)."""


def unique_keys(header: list[str]) -> list[str]:
    """Frame labels for a header: the names themselves, made unique (``Email``, ``Email#3``...)."""
    seen: set[str] = set()
    out = []
    for i, h in enumerate(header):
        k = h if h and h not in seen else f"{h}#{i + 1}"
        seen.add(k)
        out.append(k)
    return out


def empty_table(keys: list[str]) -> pa.Table:
    return pa.table([pa.array([], pa.string()) for _ in keys], names=keys)


@dataclass(frozen=True, slots=True)
class MalformedRow:
    """A record that could not be split into the header's columns (kept whole for the rejects file)."""

    row: int
    fields: tuple[str, ...]
    code: str
    """``field-count`` or ``unclosed-quote``."""
    details: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    raw: str | None = None
    """The record's text as read, when its fields are only a guess (``unclosed-quote``)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive records: the well-formed ones as an Arrow table, the malformed ones aside."""

    table: pa.Table
    """The well-formed records: one single-chunk string column per header cell (named by its unique key)."""
    rows: np.ndarray
    """Their spreadsheet row numbers (int64, ascending)."""
    malformed: tuple[MalformedRow, ...] = ()
    bytes_done: int = 0
    """How far into the input this batch reaches (bytes), for progress."""
    bad: tuple[BadCells, ...] = ()
    """Cells of a typed input with no Zoho text (:mod:`csvprep.reader.values`); shown as text in ``table``."""

    @property
    def records(self) -> int:
        return self.table.num_rows + len(self.malformed)

    @property
    def frame(self) -> pd.DataFrame:
        """The well-formed records as a pandas frame of ``str`` columns indexed by row number."""
        import pandas as pd

        frame = self.table.to_pandas()
        frame.index = pd.Index(self.rows, dtype="int64")
        return frame


@dataclass
class Table:
    """An opened input: its header, how it was read, and its batches.

    A context manager: :meth:`close` releases the file and the parsing threads even when the batches were
    not read to the end (reading them to the end releases them too).
    """

    header: list[str]
    batches: Iterator[Batch]
    encoding: str = "utf-8"
    delimiter: str = ","
    size: int | None = None
    notes: list[str] = field(default_factory=list)
    name: str = ""
    sha256: str | None = None
    """The bytes' sha256 when they came from a pipe (which cannot be read again to hash them)."""
    closers: list[Callable[[], object]] = field(default_factory=list, repr=False)
    """What :meth:`close` runs after closing the batches (the open file, for one)."""
    typing: Typing | None = None
    """A typed input's (a DataFrame's, an Arrow table's): its values become text by the kind of field each
    column goes to, which the engine sets in ``typing.kinds`` before reading the batches."""

    @property
    def keys(self) -> list[str]:
        return unique_keys(self.header)

    def describe(self) -> dict[str, Any]:
        """How the input was read, for the report's summary."""
        d: dict[str, Any] = {"file": self.name, "encoding": self.encoding, "delimiter": self.delimiter}
        if self.notes:
            d["notes"] = list(self.notes)
        return d

    def close(self) -> None:
        """Stop reading: join the parsing threads and close the file (idempotent)."""
        close = getattr(self.batches, "close", None)
        if close is not None:
            close()
        for closer in self.closers:
            closer()

    def __enter__(self) -> Table:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class BatchBuilder:
    """Collects records (good and malformed) into batches of at most ``size`` records."""

    def __init__(self, keys: list[str], size: int) -> None:
        self.keys, self.size = keys, size
        self.rows: list[int] = []
        self.flat: list[str] = []
        """The good records' fields, row after row (one C-level extend per record)."""
        self.bad: list[MalformedRow] = []

    def add(
        self, row: int, fields: list[str], code: str | None, details: Mapping[str, str] | None = None
    ) -> None:
        if code is None:
            self.rows.append(row)
            self.flat.extend(fields)
        else:
            info = dict(details or {})
            raw = info.pop(RAW, None)
            self.bad.append(MalformedRow(row, tuple(fields), code, MappingProxyType(info), raw))

    @property
    def full(self) -> bool:
        return len(self.rows) + len(self.bad) >= self.size

    def _table(self) -> pa.Table:
        width = len(self.keys)
        if not self.rows:
            return empty_table(self.keys)
        # One array in record order, then a gather per column: a strided slice per column reads the
        # strings out of order (cache misses).
        flat = pa.array(self.flat, type=pa.string())
        n = len(self.rows)
        return pa.table(
            [flat.take(pa.array(np.arange(j, n * width, width))) for j in range(width)], names=self.keys
        )

    def take(self, bytes_done: int) -> Batch | None:
        if not self.rows and not self.bad:
            return None
        batch = Batch(self._table(), np.array(self.rows, dtype=np.int64), tuple(self.bad), bytes_done)
        self.rows, self.flat, self.bad = [], [], []
        return batch
