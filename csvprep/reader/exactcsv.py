"""The exact CSV parser: every record with its spreadsheet row, malformed ones named, nothing dropped.

The reader's fast path (pyarrow) cannot say which row was ragged, stops at cells larger than its block and
at invalid UTF-8, and reads an unclosed quote at the end of the file as a normal cell. When any of that
happens the reader switches to this parser, which re-reads the same bytes with Python's ``csv`` module (the
same RFC 4180 dialect pyarrow uses: ``"`` quotes, ``""`` escapes, CRLF / LF / CR line ends, no cell size
limit), skips the records the fast path already delivered, and goes on:

- a record with more or fewer fields than the header becomes a ``field-count`` row;
- a quote still open at the end of the file, or closed by a quote that is not followed by the delimiter
  or the line end (RFC 4180; a quote left open mid-file ends at the next quote, typically one that opens a
  later cell), becomes an ``unclosed-quote`` row at the row where it opened, and reading resumes on the
  next physical line, so the rows after it are not swallowed into one cell;
- a blank line is a row of empty cells (as pyarrow reads it), so row numbers stay those of a spreadsheet;
- an undecodable byte stops the run (exit 2) with its byte offset and row, never a silent replacement.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from typing import IO

from csvprep.errors import InputError
from csvprep.reader.encoding import undecodable
from csvprep.reader.source import CsvData, changed
from csvprep.reader.table import RAW, Batch, BatchBuilder

# No cell-size limit of the reader's own (the csv default is 131,072 characters): a 5 MB note is a value
# to judge by its field's length rule. The limit is a C long: 2**31 - 1 fits one on every platform.
C_LONG_MAX = 2**31 - 1
FIELD_LIMIT = min(sys.maxsize, C_LONG_MAX)
LINE_CHUNK = 1 << 20
HEADER_SHOWN = 80
"""Characters of a broken header line shown in its error."""


class _Cursor:
    """Where a :class:`PhysicalLines` is: kept apart from it, so that its generator refers to this and
    not to the object holding the generator (that cycle would keep a huge line alive until a GC pass)."""

    __slots__ = ("eof", "pos", "row", "start")

    def __init__(self, start: int) -> None:
        self.pos = self.start = start
        self.row = 0
        self.eof = False


class PhysicalLines:
    """The physical lines (``\\r\\n``, ``\\n`` or ``\\r`` ends kept) of ``f[start:end]``, decoded as UTF-8.

    Splits bytes before decoding, so a bad byte is reported at its exact offset (CR and LF never occur
    inside a UTF-8 multi-byte sequence). ``pos`` is the byte offset after the last line handed out,
    ``start`` that of the current record (see :meth:`mark`), ``eof`` whether the input ran out.
    """

    def __init__(self, f: IO[bytes], start: int, end: int, name: str, chunk: int = LINE_CHUNK) -> None:
        self._at = _Cursor(start)
        # A generator, not a __next__ method: the csv reader pulls a million lines through it.
        self._lines = _generate(self._at, f, start, end, name, chunk)

    @property
    def pos(self) -> int:
        return self._at.pos

    @property
    def start(self) -> int:
        return self._at.start

    @property
    def row(self) -> int:
        return self._at.row

    @property
    def eof(self) -> bool:
        return self._at.eof

    def mark(self, row: int) -> None:
        """A new record (spreadsheet ``row``) starts with the next line."""
        at = self._at
        at.row, at.eof, at.start = row, False, at.pos

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def __next__(self) -> str:
        return next(self._lines)


def _generate(at: _Cursor, f: IO[bytes], start: int, end: int, name: str, chunk: int) -> Iterator[str]:
    """The lines of :class:`PhysicalLines`, ``at`` kept up to date.

    A line longer than a chunk (a 50 MB header) is gathered from its chunks once, not re-joined per chunk,
    and no line is held here once handed out.
    """
    read_pos = pos = start
    pending: list[bytes] = []  # the chunks of a line not finished yet
    while read_pos < end or pending:
        lines: list[bytes] = []
        if read_pos < end:
            f.seek(read_pos)
            data = f.read(min(chunk, end - read_pos))
            if not data:
                raise changed(name)  # the file ends before the end it had when it was opened
            read_pos += len(data)
            if read_pos < end and b"\n" not in data and b"\r" not in data[:-1]:
                pending.append(data)  # no line ends in this chunk (a CR at its end may begin a CR LF)
                continue
            pending.append(data)
            joined = b"".join(pending) if len(pending) > 1 else data
            pending.clear()
            del data
            lines = joined.splitlines(keepends=True)
            del joined
            # An unfinished line, or a CR whose LF may be the first byte of the next chunk.
            if read_pos < end and lines and not lines[-1].endswith(b"\n"):
                pending.append(lines.pop())
        else:
            lines = [b"".join(pending)]
            pending.clear()
        lines.reverse()  # handed out by pop(): the list lets go of each line as it goes
        while lines:
            line = lines.pop()
            try:
                text = [line.decode("utf-8")]
            except UnicodeDecodeError as e:
                raise undecodable(name, "UTF-8", pos + e.start, line[e.start :], at.row) from None
            pos += len(line)
            at.pos = pos
            del line
            yield text.pop()  # nothing of the line stays here while the reader works on it
    at.eof = True


def next_record(reader: Iterator[list[str]]) -> list[str] | None:
    """The next record of a ``csv.reader`` with no cell-size limit (None at the end).

    ``csv.field_size_limit`` is process-wide: it is lifted for this one read and put back, so the
    program that uses csvprep keeps its own.
    """
    old = csv.field_size_limit(FIELD_LIMIT)
    try:
        return next(reader, None)
    finally:
        csv.field_size_limit(old)


def unlimited(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    """Every record of a ``csv.reader``, with no cell-size limit (:func:`next_record`)."""
    while (fields := next_record(reader)) is not None:
        yield fields


Record = tuple[int, list[str], str | None, int, dict[str, str] | None]
"""A record: its spreadsheet row, its fields, why it is malformed (None when it is not), the byte offset
reached after it, and the malformed record's message details."""

NEVER_CLOSED = "is never closed: the file ends inside it"
RUNS_ON = "is not closed before the line ends (the next quote, lines later, would close it mid-cell)"
CLOSED_MID_CELL = (
    "closes in the middle of the cell: a closing quote must be followed by the delimiter or the line end"
)


def header(
    f: IO[bytes], start: int, end: int, *, delimiter: str, name: str, line: int
) -> tuple[list[str], int]:
    """The header record of ``f[start:end]`` (physical ``line`` of the file) and the byte offset after it.

    Read by the same rules as every record: a quote that is never closed, runs past its line or closes
    mid-cell is an InputError that names the line and what is wrong (a lenient reading would drop the
    quote, glue the text after it on, or swallow the data lines after it into one header cell).
    """
    lines = PhysicalLines(f, start, end, name)
    lines.mark(1)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    try:
        fields = next_record(reader) or []
    except csv.Error:
        first = PhysicalLines(f, start, end, name)
        text = next(first, "").rstrip("\r\n")
        how = NEVER_CLOSED if lines.eof else RUNS_ON if lines.pos > first.pos else CLOSED_MID_CELL
        shown = text if len(text) <= HEADER_SHOWN else text[:HEADER_SHOWN] + "..."
        raise InputError(
            f"{name}: a quote in the header row (row 1, line {line}: {shown!r}) {how}; a header is read by "
            "the same rules as every row: fix its quotes"
        ) from None
    return fields, lines.pos


def records(
    f: IO[bytes], start: int, end: int, *, width: int, delimiter: str, first_row: int, name: str
) -> Iterator[Record]:
    """Every record of ``f[start:end]``."""
    row, pos = first_row, start
    while pos < end:
        lines = PhysicalLines(f, pos, end, name)
        # strict: a closing quote followed by anything but the delimiter or the line end is an error (RFC
        # 4180), not glued to the cell, so a quote left open mid-file cannot silently swallow later rows.
        reader = csv.reader(
            lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=True, skipinitialspace=False
        )
        pos = end
        while True:
            lines.mark(row)
            try:
                fields = next_record(reader)
            except csv.Error:
                # The quote opened on this record's first line, which is set aside alone; reading goes on
                # with the line after it.
                first_line = PhysicalLines(f, lines.start, end, name)
                text = next(first_line, "")
                first = next_record(csv.reader([text], delimiter=delimiter, strict=False)) or []
                how = (
                    NEVER_CLOSED if lines.eof else RUNS_ON if lines.pos > first_line.pos else CLOSED_MID_CELL
                )
                # RAW: the line's text as read, for rejects.csv (the fields above are a lenient guess).
                details = {"how": how, RAW: text.rstrip("\r\n")}
                yield row, first, "unclosed-quote", first_line.pos, details
                row += 1
                pos = first_line.pos
                break
            if fields is None:
                break
            if not fields:
                fields = [""] * width
            yield row, fields, None if len(fields) == width else "field-count", lines.pos, None
            row += 1


def exact_batches(src: CsvData, skip: int, batch_rows: int, start: int | None = None) -> Iterator[Batch]:
    """Batches of ``batch_rows`` records: from ``start`` (the byte offset after ``skip`` records) when it
    is known, else from the first record with the first ``skip`` records (already delivered) skipped."""
    builder = BatchBuilder(src.keys, batch_rows)
    left = batch_rows
    first_row = 2
    if start is not None:
        first_row, skip = 2 + skip, 0
    for row, fields, code, pos, details in records(
        src.file,
        src.start if start is None else start,
        src.end,
        width=len(src.keys),
        delimiter=src.delimiter,
        first_row=first_row,
        name=src.name,
    ):
        if skip:
            skip -= 1
            continue
        builder.add(row, fields, code, details)
        left -= 1
        if not left:
            left = batch_rows
            batch = builder.take(int(pos * src.scale))
            if batch is not None:
                yield batch
    batch = builder.take(int(src.end * src.scale))
    if batch is not None:
        yield batch
