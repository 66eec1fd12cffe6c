"""Writing the fixed file.

A UTF-8 CSV file is copied byte for byte — BOM, ``sep=`` line, header, every record without a change
(quotes, line ends, malformed records and trailing blank lines included) — and only a record with a
change is written anew: its fields (the changed ones replaced, the others as parsed) joined by the input's
delimiter, quoted only where needed (a delimiter, quote or line break in the field), ending with the
line end it had. Anything else (a workbook, a DataFrame, another encoding, a pipe) is written from its
cells: UTF-8, the input's delimiter (a comma for a workbook), quotes where needed, CRLF.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from csvprep.errors import InputError
from csvprep.reader import Batch, exactcsv
from csvprep.reader.fastcsv import fast_delimiter
from csvprep.reader.scan import SCAN_CHUNK, quote_fits, quotes_well_placed, record_ends
from csvprep.reader.sniff import SEP_LINE, trimmed_end
from csvprep.reader.source import read_at

COPY_CHUNK = 1 << 20
CRLF = "\r\n"


def _changed(name: str, row: int) -> InputError:
    return InputError(f"{name} changed while it was fixed (row {row} is not what was read): run fix again")


def _by_row(changes: Iterator[tuple[int, int, str, str]]) -> Iterator[tuple[int, dict[int, tuple[str, str]]]]:
    """The changes grouped by row (they come in row order)."""
    row = -1
    at: dict[int, tuple[str, str]] = {}
    for r, position, before, after in changes:
        if r != row and at:
            yield row, at
            at = {}
        row = r
        at[position] = (before, after)
    if at:
        yield row, at


def _copy(f: BinaryIO, out: BinaryIO, start: int, end: int) -> None:
    f.seek(start)
    left = end - start
    while left > 0:
        data = f.read(min(COPY_CHUNK, left))
        if not data:
            break
        out.write(data)
        left -= len(data)


def _body_start(f: BinaryIO, bom: int, size: int, delimiter: str, name: str) -> int:
    """Where the records start: after the BOM, Excel's ``sep=`` line and the header, as the reader found."""
    lines = exactcsv.PhysicalLines(f, bom, size, name)
    lines.mark(1)
    first = next(lines, "").rstrip("\r\n")
    start, line = (lines.pos, 2) if SEP_LINE.fullmatch(first) else (bom, 1)
    _, body = exactcsv.header(f, start, size, delimiter=delimiter, name=name, line=line)
    return body


def _rewritten(
    fields: list[str], at: dict[int, tuple[str, str]], raw: bytes, delimiter: str, name: str, row: int
) -> bytes:
    for position, (before, after) in at.items():
        if position >= len(fields) or fields[position] != before:
            raise _changed(name, row)
        fields[position] = after
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quotechar='"', lineterminator=CRLF).writerow(fields)
    text = buf.getvalue()[: -len(CRLF)]
    ending = b"\r\n" if raw.endswith(b"\r\n") else raw[-1:] if raw.endswith((b"\n", b"\r")) else b""
    return text.encode("utf-8") + ending


def _well_placed(f: BinaryIO, start: int, end: int, delimiter: str, name: str) -> bool:
    """Whether every quote of ``f[start:end]`` sits where RFC 4180 puts it, so that record ends can be
    found by a vectorised scan (:mod:`csvprep.reader.scan`) instead of the exact parser."""
    if not fast_delimiter(delimiter):
        return False
    fits, odd = quote_fits(delimiter), 0
    for s in range(start, end, SCAN_CHUNK):
        data = read_at(f, s, min(s + SCAN_CHUNK + 1, end) - s, name)
        got = quotes_well_placed(data, fits, 0, min(SCAN_CHUNK, end - s), odd)
        if got is None:
            return False
        odd = got
    return odd == 0


def _record_ends(f: BinaryIO, start: int, end: int, name: str) -> Iterator[tuple[int, np.ndarray]]:
    """(row of the first record ending there, the offsets just after each record) per chunk of
    ``f[start:end]``, whose quotes are well placed; the last record may end without a line break."""
    odd, row, last = 0, 2, start
    for s in range(start, end, SCAN_CHUNK):
        hi = min(s + SCAN_CHUNK, end)
        data = read_at(f, s, min(hi + 1, end) - s, name)
        ends, odd = record_ends(data, 0, hi - s, odd)
        if len(ends):
            yield row, ends + s
            row, last = row + len(ends), s + int(ends[-1])
    if last < end:
        yield row, np.array([end])


def _one_record(raw: bytes, delimiter: str, width: int) -> list[str]:
    fields = exactcsv.next_record(
        csv.reader(io.StringIO(raw.decode("utf-8"), newline=""), delimiter=delimiter)
    )
    return fields or [""] * width


def _rewrite_scanned(
    f: BinaryIO,
    out: BinaryIO,
    todo: Iterator[tuple[int, dict[int, tuple[str, str]]]],
    span: tuple[int, int],
    delimiter: str,
    width: int,
    name: str,
) -> int:
    """Write the records of ``f[span]`` with changes anew, copying what lies between; the offset copied to."""
    copied, prev = 0, span[0]
    nxt = next(todo, None)
    for first, ends in _record_ends(f, span[0], span[1], name):
        while nxt is not None and nxt[0] < first + len(ends):
            i = nxt[0] - first
            start, stop = (int(ends[i - 1]) if i else prev), int(ends[i])
            _copy(f, out, copied, start)
            f.seek(start)
            raw = f.read(stop - start)
            out.write(_rewritten(_one_record(raw, delimiter, width), nxt[1], raw, delimiter, name, nxt[0]))
            copied = stop
            nxt = next(todo, None)
        prev = int(ends[-1])
        if nxt is None:
            return copied
    if nxt is not None:
        raise _changed(name, nxt[0])
    return copied


def _rewrite_parsed(
    f: BinaryIO,
    out: BinaryIO,
    todo: Iterator[tuple[int, dict[int, tuple[str, str]]]],
    span: tuple[int, int],
    delimiter: str,
    width: int,
    name: str,
) -> int:
    """:func:`_rewrite_scanned` for data the scan cannot cut: every record found by the exact parser."""
    copied, start = 0, span[0]
    nxt = next(todo, None)
    for row, fields, _, pos, _ in exactcsv.records(
        f, span[0], span[1], width=width, delimiter=delimiter, first_row=2, name=name
    ):
        if nxt is None:
            return copied
        if row == nxt[0]:
            _copy(f, out, copied, start)
            f.seek(start)
            raw = f.read(pos - start)
            out.write(_rewritten(fields, nxt[1], raw, delimiter, name, row))
            copied = pos
            nxt = next(todo, None)
        start = pos
    if nxt is not None:
        raise _changed(name, nxt[0])
    return copied


def rewrite_csv(
    path: Path, out: BinaryIO, changes: Iterator[tuple[int, int, str, str]], delimiter: str, width: int
) -> None:
    """Copy the UTF-8 CSV ``path`` to ``out`` with ``changes`` (row, column position, before, after)."""
    name = str(path)
    # A large buffer: the changed records are near each other, and a seek inside the buffer costs no read.
    with open(path, "rb", buffering=COPY_CHUNK) as f:
        size = os.fstat(f.fileno()).st_size
        copied = 0
        todo = _by_row(changes)
        first = next(todo, None)
        if first is not None:
            bom = len(codecs.BOM_UTF8) if f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else 0
            start = _body_start(f, bom, size, delimiter, name)
            end = trimmed_end(f, start, size)
            rewrite = _rewrite_scanned if _well_placed(f, start, end, delimiter, name) else _rewrite_parsed
            copied = rewrite(f, out, itertools.chain([first], todo), (start, end), delimiter, width, name)
        _copy(f, out, copied, size)


class CellsWriter:
    """Writes a table's header and fixed batches as CSV text (see the module's docstring)."""

    def __init__(self, stream: IO[str], header: list[str], delimiter: str) -> None:
        self._stream = stream
        self._csv = csv.writer(stream, delimiter=delimiter, quotechar='"', lineterminator=CRLF)
        self._csv.writerow(header)

    def write(self, batch: Batch) -> None:
        table = batch.table
        records = zip(
            batch.rows.tolist(), zip(*(c.to_pylist() for c in table.columns), strict=True), strict=True
        )
        bad = iter(batch.malformed)
        m = next(bad, None)
        for row, fields in records:
            while m is not None and m.row < row:
                self._malformed(m.raw, m.fields)
                m = next(bad, None)
            self._csv.writerow(fields)
        while m is not None:
            self._malformed(m.raw, m.fields)
            m = next(bad, None)

    def _malformed(self, raw: str | None, fields: tuple[str, ...]) -> None:
        if raw is not None:
            self._stream.write(raw + CRLF)
        else:
            self._csv.writerow(fields)
