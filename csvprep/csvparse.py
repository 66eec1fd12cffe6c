"""The exact CSV parser: every record with its spreadsheet row, malformed ones named, nothing dropped.

The reader's fast path (pyarrow) cannot say which row was ragged, stops at cells larger than its block and
at invalid UTF-8, and reads an unclosed quote at the end of the file as a normal cell. When any of that
happens the reader switches to this parser, which re-reads the same bytes with Python's ``csv`` module (the
same RFC 4180 dialect pyarrow uses: ``"`` quotes, ``""`` escapes, CRLF / LF / CR line ends, no cell size
limit), skips the records the fast path already delivered, and goes on:

- a record with more or fewer fields than the header becomes a ``field-count`` row;
- a quote still open at the end of the file becomes an ``unclosed-quote`` row at the row where it opened,
  and reading resumes on the next physical line, so the rows after it are not swallowed into one cell;
- a blank line is a row of empty cells (as pyarrow reads it), so row numbers stay those of a spreadsheet;
- an undecodable byte stops the run (exit 2) with its byte offset and row, never a silent replacement.
"""

from __future__ import annotations

import csv
import sys
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from csvprep.encoding import undecodable

# No cell-size limit of the reader's own (the csv default is 131,072 characters): a 5 MB note is a value
# to judge by its field's length rule. 2**31 - 1 is the largest limit a C long takes on every platform.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
LINE_CHUNK = 1 << 20


class PhysicalLines:
    """The physical lines (``\\r\\n``, ``\\n`` or ``\\r`` ends kept) of ``f[start:end]``, decoded as UTF-8.

    Splits bytes before decoding, so a bad byte is reported at its exact offset (CR and LF never occur
    inside a UTF-8 multi-byte sequence). Tracks what the csv reader pulled for the current record.
    """

    def __init__(self, f: IO[bytes], start: int, end: int, name: str, chunk: int = LINE_CHUNK) -> None:
        self.f, self.end, self.name, self.chunk = f, end, name, chunk
        self.read_pos = start
        self.pos = start
        """Byte offset of the next line to hand out."""
        self._buf: deque[bytes] = deque()
        self._carry = b""
        self.row = 0
        self.eof = False
        self.first_end = 0
        self.first_text: str | None = None

    def mark(self, row: int) -> None:
        """A new record (spreadsheet ``row``) starts with the next line."""
        self.row, self.eof, self.first_text = row, False, None

    def _fill(self) -> None:
        while not self._buf and self.read_pos < self.end:
            self.f.seek(self.read_pos)
            data = self.f.read(min(self.chunk, self.end - self.read_pos))
            if not data:
                break
            self.read_pos += len(data)
            lines = (self._carry + data).splitlines(keepends=True)
            self._carry = b""
            if self.read_pos < self.end and lines:
                last = lines[-1]
                # An unfinished line, or a CR whose LF may be the first byte of the next chunk.
                if not last.endswith((b"\n", b"\r")) or last.endswith(b"\r"):
                    self._carry = lines.pop()
            self._buf.extend(lines)
        if not self._buf and self._carry:
            self._buf.append(self._carry)
            self._carry = b""

    def __iter__(self) -> PhysicalLines:
        return self

    def __next__(self) -> str:
        if not self._buf:
            self._fill()
            if not self._buf:
                self.eof = True
                raise StopIteration
        line = self._buf.popleft()
        offset = self.pos
        self.pos += len(line)
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            raise undecodable(self.name, "UTF-8", offset + e.start, line[e.start :], self.row) from None
        if self.first_text is None:
            self.first_text, self.first_end = text, self.pos
        return text


@dataclass(frozen=True, slots=True)
class Record:
    """One record: its spreadsheet row, its fields, and why it is malformed (None when it is not)."""

    row: int
    fields: list[str]
    code: str | None = None


def records(
    f: IO[bytes], start: int, end: int, *, width: int, delimiter: str, first_row: int, name: str
) -> Iterator[tuple[Record, int]]:
    """Every record of ``f[start:end]`` with the byte offset reached after it."""
    row, pos = first_row, start
    while pos < end:
        lines = PhysicalLines(f, pos, end, name)
        reader = csv.reader(
            lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False, skipinitialspace=False
        )
        pos = end
        while True:
            lines.mark(row)
            try:
                fields = next(reader)
            except StopIteration:
                break
            if lines.eof:
                # The reader ran out of input inside quotes: the quote opened on this record's first line.
                first = next(csv.reader([lines.first_text or ""], delimiter=delimiter, strict=False), [])
                yield Record(row, first, "unclosed-quote"), lines.first_end
                row += 1
                pos = lines.first_end
                break
            if not fields:
                fields = [""] * width
            yield Record(row, fields, None if len(fields) == width else "field-count"), lines.pos
            row += 1
