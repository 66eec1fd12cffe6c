"""Read a CSV file (or a DataFrame) as batches of string columns with spreadsheet row numbers.

Every cell stays a string from the file to the report and the ZIP: nothing is inferred, ``0012`` and a
19-digit ID come out as they went in, and ``N/A`` is a value to judge, not a missing one.

The fast path streams the file through ``pyarrow.csv.open_csv`` with ``newlines_in_values=True`` (quoted
multi-line notes are the normal case in spreadsheet exports; see ``../shared/reference/perf-anchors.md``).
Each batch is a pandas frame of Arrow-backed ``str`` columns labelled by :func:`engine.unique_keys`, whose
index is the spreadsheet row number (header = row 1, first record = row 2, counted in records).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep.errors import InputError

BLOCK_BYTES = 8 << 20


def unique_keys(header: list[str]) -> list[str]:
    """Frame labels for a header: the names themselves, made unique (``Email``, ``Email#3``...)."""
    seen: set[str] = set()
    out = []
    for i, h in enumerate(header):
        k = h if h and h not in seen else f"{h}#{i + 1}"
        seen.add(k)
        out.append(k)
    return out


@dataclass(frozen=True, slots=True)
class MalformedRow:
    """A record that could not be split into the header's columns (kept whole for the rejects file)."""

    row: int
    fields: tuple[str, ...]
    code: str
    """``field-count`` or ``unclosed-quote``."""
    details: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive records: the well-formed ones as a frame, the malformed ones aside."""

    frame: pd.DataFrame
    malformed: tuple[MalformedRow, ...] = ()
    bytes_done: int = 0
    """How far into the input this batch reaches (bytes), for progress."""

    @property
    def records(self) -> int:
        return len(self.frame) + len(self.malformed)


@dataclass
class Table:
    """An opened input: its header, how it was read, and its batches."""

    header: list[str]
    batches: Iterator[Batch]
    encoding: str = "utf-8"
    delimiter: str = ","
    size: int | None = None
    notes: list[str] = field(default_factory=list)
    name: str = ""

    @property
    def keys(self) -> list[str]:
        return unique_keys(self.header)

    def describe(self) -> dict[str, Any]:
        """How the input was read, for the report's summary."""
        d: dict[str, Any] = {"file": self.name, "encoding": self.encoding, "delimiter": self.delimiter}
        if self.notes:
            d["notes"] = list(self.notes)
        return d


def _header_end(buf: bytes, quote: int = 0x22) -> int:
    """Offset just past the first line break outside quotes (the end of the header record)."""
    in_quotes = False
    i, n = 0, len(buf)
    while i < n:
        b = buf[i]
        if b == quote:
            in_quotes = not in_quotes
        elif not in_quotes and b in (0x0A, 0x0D):
            if b == 0x0D and i + 1 < n and buf[i + 1] == 0x0A:
                return i + 2
            return i + 1
        i += 1
    return n


def _parse_header(raw: bytes, encoding: str, delimiter: str) -> list[str]:
    text = raw.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows[0] if rows else []


def frame_batches(df: pd.DataFrame, rows_per_batch: int = 65536) -> Iterator[Batch]:
    """A DataFrame as batches: every value as a string (missing → empty), rows numbered from 2."""
    keys = unique_keys([str(c) for c in df.columns])
    for start in range(0, len(df), rows_per_batch):
        part = df.iloc[start : start + rows_per_batch]
        cols = {}
        for k, (_, s) in zip(keys, part.items(), strict=True):
            if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
                s = s.where(s.notna(), "")
            else:
                s = s.astype(object).where(s.notna(), "")
            cols[k] = s.astype("str").to_numpy()
        idx = pd.RangeIndex(start + 2, start + 2 + len(part))
        yield Batch(pd.DataFrame({k: pd.array(v, dtype="str") for k, v in cols.items()}, index=idx))


def open_frame(df: pd.DataFrame, name: str = "<DataFrame>") -> Table:
    return Table(header=[str(c) for c in df.columns], batches=frame_batches(df), name=name,
                 encoding="-", delimiter="-")


def _arrow_batches(f: IO[bytes], keys: list[str], start_row: int, delimiter: str, encoding: str,
                   size: int | None, block_bytes: int) -> Iterator[Batch]:
    names = [str(i) for i in range(len(keys))]
    reader = pcsv.open_csv(
        f,
        read_options=pcsv.ReadOptions(column_names=names, block_size=block_bytes, encoding=encoding),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    row = start_row
    for rb in reader:
        n = rb.num_rows
        if not n:
            continue
        frame = rb.rename_columns(keys).to_pandas()
        frame.index = pd.RangeIndex(row, row + n)
        row += n
        yield Batch(frame, bytes_done=f.tell() if size else 0)


def open_csv(path: str | os.PathLike[str], *, encoding: str | None = None, delimiter: str | None = None,
             block_bytes: int = BLOCK_BYTES) -> Table:
    """Open a CSV file for batch reading."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p} is a directory, not a CSV file")
    try:
        f = open(p, "rb")  # noqa: SIM115 - closed by the batch generator
    except FileNotFoundError:
        raise InputError(f"file not found: {p}") from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    size = os.fstat(f.fileno()).st_size
    if size == 0:
        f.close()
        raise InputError(f"{p} is empty: a Bulk Write CSV needs a header row of field API names")
    head = f.read(1 << 20)
    enc = encoding or "utf-8"
    delim = delimiter or ","
    end = _header_end(head)
    try:
        header = _parse_header(head[:end], enc, delim)
    except UnicodeDecodeError:
        f.close()
        raise InputError(f"{p}: the header is not valid {enc}; pass --encoding") from None
    f.seek(end)

    def batches() -> Iterator[Batch]:
        try:
            if end < size:
                yield from _arrow_batches(f, unique_keys(header), 2, delim, enc, size, block_bytes)
        finally:
            f.close()

    return Table(header=header, batches=batches(), encoding=enc, delimiter=delim, size=size, name=str(p))


def open_table(source: str | os.PathLike[str] | pd.DataFrame, *, encoding: str | None = None,
               delimiter: str | None = None, sheet: str | None = None) -> Table:
    """Open any supported input: a CSV path or a pandas DataFrame."""
    if isinstance(source, pd.DataFrame):
        return open_frame(source)
    return open_csv(source, encoding=encoding, delimiter=delimiter)


def empty_frame(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.array(np.array([], dtype=object), dtype="str") for k in keys})
