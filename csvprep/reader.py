"""Read a CSV file, an Excel workbook or a DataFrame as batches of string columns with spreadsheet rows.

Every cell stays a string from the file to the report and the ZIP: nothing is inferred, ``0012`` and a
19-digit ID come out as they went in, and ``N/A`` is a value to judge, not a missing one.

Opening a CSV: the encoding (:mod:`csvprep.encoding`: BOM, UTF-16, strict UTF-8, charset-normalizer;
anything not UTF-8 is transcoded to a temporary UTF-8 copy, strictly), an Excel ``sep=`` line, the
delimiter (sniffed from the header among ``,`` ``;`` tab ``|`` ``:``), the header record (quote-aware, so a
quoted line break in a header cell is fine), and trailing blank lines (not records).

Reading: the fast path cuts the bytes into slices of whole records and parses each with
``pyarrow.csv.read_csv`` and ``newlines_in_values=True`` (quoted multi-line notes are the normal case in
spreadsheet exports; ``../shared/reference/perf-anchors.md``). A slice is taken only when a vectorised scan
finds every quote in it where RFC 4180 puts it; on a misplaced quote, a ragged row, a cell larger than a
block or a byte that is not UTF-8 the exact parser (:mod:`csvprep.csvparse`) goes on from the end of the
records already delivered, so consumers see one stream. Each batch is an Arrow table of string columns
named by :func:`unique_keys` with the spreadsheet row number of each record (header = row 1, first record
= row 2, counted in records; a blank line is a row of empty cells); malformed records are set aside as
:class:`MalformedRow`.
"""

from __future__ import annotations

import codecs
import csv
import ctypes
import functools
import os
import re
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, TypeGuard

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

if TYPE_CHECKING:
    import pandas as pd

from csvprep import csvparse, xlsx
from csvprep.encoding import OLE_MAGIC, SAMPLE_BYTES, ZIP_MAGIC, detect, transcode
from csvprep.errors import InputError, UsageError
from csvprep.source import check_unchanged, open_input, read_at

BLOCK_BYTES = 16 << 20
PIECE_BYTES = 1 << 20
"""Bytes per piece parsed by one ``read_csv`` call (a piece ends on a record boundary)."""
EXACT_BATCH_ROWS = 65536
WIDE_COLUMNS = 4096
"""Past this many columns the exact parser reads the file: pyarrow's reader holds buffers per column for
each piece it parses, which outweigh the data of a very wide file."""
WIDE_BATCH_CELLS = 1 << 22
"""Cells per batch of a file wider than :data:`WIDE_COLUMNS` (its batches are cut by rows otherwise)."""


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


def is_dataframe(source: object) -> TypeGuard[pd.DataFrame]:
    """Whether ``source`` is a pandas DataFrame (without importing pandas: if it is not loaded, it is not)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(source, pd.DataFrame)


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
    sha256: str | None = None
    """The bytes' sha256 when they came from a pipe (which cannot be read again to hash them)."""

    @property
    def keys(self) -> list[str]:
        return unique_keys(self.header)

    def describe(self) -> dict[str, Any]:
        """How the input was read, for the report's summary."""
        d: dict[str, Any] = {"file": self.name, "encoding": self.encoding, "delimiter": self.delimiter}
        if self.notes:
            d["notes"] = list(self.notes)
        return d


DELIMITERS = (",", ";", "\t", "|", ":")
"""Delimiters sniffed from the header (Zoho itself takes the first, ``;``, ``|`` and ``:``)."""
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?")
_SEP_LINE = re.compile(r"sep=([^\r\n\"])")
_DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe", ":": "colon"}


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most API-name-like fields (then the most fields)."""
    best, best_score = ",", (0, 1)
    for d in DELIMITERS:
        if d not in line:
            continue
        fields = next(csv.reader([line], delimiter=d, strict=False), [])
        if len(fields) < 2:
            continue
        score = (sum(1 for f in fields if _API_NAME.fullmatch(f.strip())), len(fields))
        if score > best_score:
            best, best_score = d, score
    return best


def _sep_hint(head: bytes) -> str | None:
    """The one-byte delimiter an Excel ``sep=`` first line names, for the binary sniff: a file that says
    its delimiter is ASCII's record separator (or NUL) is made of them, and is not binary for that."""
    m = re.match(rb"(?:\xef\xbb\xbf)?sep=([^\r\n\"])\r?\n", head)
    return m.group(1).decode("ascii") if m and m.group(1).isascii() else None


def delimiter_option(value: str) -> str:
    """``--delimiter``: any one character but a quote or a line break (ASCII's unit and record separators
    too); ``tab`` or ``\\t`` for a tab."""
    d = {"tab": "\t", "\\t": "\t", "TAB": "\t"}.get(value, value)
    if len(d) != 1 or d in '\r\n"':
        raise UsageError(
            f"--delimiter must be one character other than a quote or a line break, such as , ; | : or "
            f"tab, not {value!r}"
        )
    return d


def _trimmed_end(f: IO[bytes], start: int, end: int) -> int:
    """``end`` less the blank lines at the end of the file (one line break after the last record is kept)."""
    pos = end
    while pos > start:
        step = min(1 << 16, pos - start)
        f.seek(pos - step)
        chunk = f.read(step)
        stripped = chunk.rstrip(b"\r\n")
        if stripped:
            last = pos - step + len(stripped)
            f.seek(last)
            brk = f.read(2)
            return last + (2 if brk == b"\r\n" else 1 if brk else 0)
        pos -= step
    return start


def frame_batches(df: pd.DataFrame, rows_per_batch: int = 65536) -> Iterator[Batch]:
    """A DataFrame as batches: every value as a string (missing → empty), rows numbered from 2."""
    import pandas as pd

    keys = unique_keys([str(c) for c in df.columns])
    for start in range(0, len(df), rows_per_batch):
        part = df.iloc[start : start + rows_per_batch]
        cols = []
        for _, s in part.items():
            if isinstance(s.dtype, pd.StringDtype) or s.dtype == object:
                s = s.where(s.notna(), "")
            else:
                s = s.astype(object).where(s.notna(), "")
            try:
                cols.append(pa.array(s.astype("str").to_numpy(dtype=object), type=pa.string()))
            except UnicodeEncodeError:
                raise InputError(_not_utf8(s, keys[len(cols)], start)) from None
        rows = np.arange(start + 2, start + 2 + len(part), dtype=np.int64)
        yield Batch(pa.Table.from_arrays(cols, names=keys), rows)


def _not_utf8(values: pd.Series, column: str, start: int) -> str:
    """Where a DataFrame holds a str that is not text (a lone surrogate, e.g. from a bad decode)."""
    for i, v in enumerate(values):
        try:
            str(v).encode("utf-8")
        except UnicodeEncodeError as e:
            return (
                f"DataFrame column '{column}' row {start + i + 2} holds {str(v)[e.start : e.end]!a}, a lone "
                "surrogate, not text: decode the source with the right encoding"
            )
    return f"DataFrame column '{column}' holds a value that is not text"


def open_frame(df: pd.DataFrame, name: str = "<DataFrame>") -> Table:
    return Table(
        header=[str(c) for c in df.columns], batches=frame_batches(df), name=name, encoding="-", delimiter="-"
    )


class _BatchBuilder:
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
            raw = info.pop(csvparse.RAW, None)
            self.bad.append(MalformedRow(row, tuple(fields), code, MappingProxyType(info), raw))

    @property
    def full(self) -> bool:
        return len(self.rows) + len(self.bad) >= self.size

    def _table(self) -> pa.Table:
        width = len(self.keys)
        if not self.rows:
            return empty_table(self.keys)
        # One array in record order, then a gather per column: converting each column's strided slice
        # of the list instead reads the strings out of order and is 3x slower (cache misses).
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


@dataclass(frozen=True, slots=True)
class _Source:
    """The UTF-8 bytes to parse: ``path[start:end]`` is the data after the header."""

    file: IO[bytes]
    name: str
    start: int
    end: int
    keys: list[str]
    delimiter: str
    scale: float
    """Input bytes per parsed byte (progress is reported in bytes of the user's file)."""
    signature: tuple[int, int] | None = None
    """The file's (size, mtime_ns) when opened (None for a temporary copy): a change is an error."""


class _MisplacedQuote(Exception):
    """A slice's quotes are not all where RFC 4180 puts them: the exact parser takes over."""


def _piece_ends(data: np.ndarray, target: int, fits: np.ndarray, last: bool) -> Iterator[tuple[int, int]]:
    """Record-aligned pieces (start, end) of about ``target`` bytes of ``data``, which starts on a record,
    for data whose quotes are all well placed (:func:`quotes_well_placed`); raises :class:`_MisplacedQuote`
    where one is not. ``last``: ``data`` ends where the file does; otherwise its last byte is look-ahead
    only (is a CR followed by LF?) and the pieces stop at the last record that ends inside it.

    There a line break ends a record exactly when an even number of quotes precede it. Each byte is
    scanned for quotes once: the placement check of a piece gives the quote parity at its cut, and the
    record end is looked for from there, in a window that grows only when a quoted cell spans it.
    """
    n = len(data)
    limit = n if last else n - 1
    pos = 0
    while pos < limit:
        cut = min(pos + target, limit)
        odd = quotes_well_placed(data, fits, pos, cut)
        if odd is None or (cut >= n and odd):
            raise _MisplacedQuote
        if cut >= n:
            yield pos, n
            return
        if cut >= limit:
            # The buffer's tail: up to its last record end (the rest is read again with the next slice).
            ends, _ = _record_ends(data, pos, limit, 0)
            if len(ends):
                yield pos, pos + int(ends[-1])
            return
        end = _record_end_after(data, cut, odd, limit)
        if end is None:
            if not last:
                return  # the record goes on past the buffer
            end = n
        if quotes_well_placed(data, fits, cut, end, odd) != 0:
            raise _MisplacedQuote
        yield pos, end
        pos = end


def _record_ends(data: np.ndarray, lo: int, hi: int, odd: int) -> tuple[np.ndarray, int]:
    """The offsets just after each record of ``data[lo:hi]`` that ends there (relative to ``lo``), and the
    quote parity at ``hi`` (``odd``: the parity at ``lo``), for data whose quotes are well placed.

    There every line break outside quotes ends a record (a blank line is one; a CR LF pair is one break)
    and a byte is inside quotes when an odd number of quotes precede it.
    """
    c = data[lo : hi + 1]  # one byte more: is a CR at the end followed by LF?
    body = c[: hi - lo]
    lf = body == 0x0A
    cr = body == 0x0D
    cr[:-1] &= c[1 : len(body)] != 0x0A
    if len(body) and len(c) > len(body):
        cr[-1] &= c[-1] != 0x0A
    breaks = np.flatnonzero(lf | cr)
    quotes = np.flatnonzero(body == 0x22)
    ends = breaks[((np.searchsorted(quotes, breaks) + odd) & 1) == 0] + 1
    return ends, (odd + len(quotes)) & 1


def _record_end_after(data: np.ndarray, at: int, odd: int, limit: int, window: int = 1 << 16) -> int | None:
    """Just after the first record end in ``data[at:limit]`` (``odd``: the quote parity at ``at``), looked
    for in a window that doubles while a quoted cell spans it; None when there is none."""
    look = at
    while look < limit:
        hi = min(look + window, limit)
        ends, odd = _record_ends(data, look, hi, odd)
        if len(ends):
            return look + int(ends[0])
        look, window = hi, window * 2
    return None


def _fast_tables(src: _Source, block_bytes: int) -> Iterator[tuple[pa.Table, int]]:
    """Slices of whole records parsed by pyarrow on every core: tables of string columns.

    The data is cut into pieces of about :data:`PIECE_BYTES` that end on a record boundary (exact, since
    the quotes are well placed); each piece is read by a serial ``read_csv`` as one block, the pieces of a
    slice (about ``block_bytes``) in parallel on a pool of ``pyarrow.cpu_count()`` threads, and a slice
    becomes one table. pyarrow's own threaded reader must find where its blocks end with a quote-aware scan
    of its own; the cuts made here make that scan needless: parsing the 1M-row bench file took 1.1-1.35
    CPU-s this way against 1.7-2.1 through the threaded reader (1 MB blocks in 16 MB slices). Bounded
    memory: one slice is parsed ahead of the one delivered (issue #5). Each slice is read into a buffer of
    its own (:func:`csvprep.source.read_at`), not mapped: a file truncated meanwhile is an error, not a
    SIGBUS.
    """
    names = [str(i) for i in range(len(src.keys))]
    parse = pcsv.ParseOptions(delimiter=src.delimiter, newlines_in_values=True, ignore_empty_lines=False)
    convert = pcsv.ConvertOptions(
        column_types={n: pa.binary() for n in names},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )

    def read(whole: pa.Buffer, piece: tuple[int, int]) -> pa.Table:
        lo, hi = piece
        # One block per piece (a piece may outgrow its target when a quoted cell spans the cut).
        options = pcsv.ReadOptions(column_names=names, block_size=hi - lo + 1, use_threads=False)
        raw = whole[lo:hi]
        _check_utf8(raw)
        return pcsv.read_csv(
            pa.BufferReader(raw), read_options=options, parse_options=parse, convert_options=convert
        )

    def join(pieces: list[pa.Table]) -> pa.Table | None:
        # One chunk per column (the rules read raw buffers); copying 16 MB is a few ms, done by the pool
        # thread that parsed the last piece, not by the reader's thread that every batch waits for.
        if not any(t.num_rows for t in pieces):
            return None
        table = pa.concat_tables(pieces).combine_chunks()
        return pa.table([_as_strings(c) for c in table.columns], names=src.keys)

    pool = pa.default_memory_pool()
    trim = _heap_trimmer()

    def finish(job: _SliceJob) -> Iterator[tuple[pa.Table, int]]:
        part = job.result()
        # The allocators keep freed pages for reuse; hand back what the pieces and earlier slices left.
        pool.release_unused()
        trim()
        if part is not None:
            yield part, src.start + job.end

    workers = ThreadPoolExecutor(max_workers=pa.cpu_count(), thread_name_prefix="csvprep-parse")
    try:
        # Each slice is scanned and its parse started, then the one before it is delivered: its parse
        # runs while the slice before it has its accept passes and rules run (on the reader's thread, see
        # engine.judge). Started after the delivery, the parse waited for those: x0.96 wall at 1M rows.
        pending: _SliceJob | None = None
        try:
            for begin, data, pieces in _slices(src, block_bytes, quote_fits(src.delimiter)):
                parse_piece = functools.partial(read, pa.py_buffer(data))
                job = _SliceJob.start(workers, begin, pieces, parse_piece, join)
                if pending is not None:
                    yield from finish(pending)
                pending = job
        except _MisplacedQuote:
            # The scan runs ahead of the slices delivered: the one before the quote is sound; deliver it.
            if pending is not None:
                yield from finish(pending)
            raise
        if pending is not None:
            yield from finish(pending)
    finally:
        workers.shutdown(wait=True, cancel_futures=True)


def _check_utf8(raw: pa.Buffer) -> None:
    """Raise ``ArrowInvalid`` unless ``raw`` is UTF-8: one pass over a piece's bytes.

    Every cell of a piece is a run of its bytes cut at ASCII bytes (delimiters, quotes, line breaks), which
    never fall inside a UTF-8 sequence: the piece is UTF-8 exactly when each cell is. pyarrow's reader
    checked each cell of a string column on its own: 0.36 CPU-s of the 1M-row bench file, against 0.05 s
    for the whole file this way.
    """
    offsets = pa.py_buffer(np.array([0, raw.size], dtype=np.int64))
    pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, raw]).view(pa.large_string()).validate(
        full=True
    )


def _as_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A binary column, checked as UTF-8 already (:func:`_check_utf8`), as strings: a view, no copy."""
    return pa.chunked_array([c.view(pa.string()) for c in column.chunks], pa.string())


class _SliceJob:
    """One slice's pieces, parsed on a pool; the thread that parses the last piece joins them."""

    def __init__(self, begin: int, end: int, count: int, join: Callable[[list[pa.Table]], pa.Table | None]):
        self.begin, self.end = begin, end
        self._tables: list[pa.Table | None] = [None] * count
        self._left = count
        self._join = join
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._table: pa.Table | None = None
        self._error: BaseException | None = None

    @staticmethod
    def start(
        workers: ThreadPoolExecutor,
        begin: int,
        pieces: list[tuple[int, int]],
        read: Callable[[tuple[int, int]], pa.Table],
        join: Callable[[list[pa.Table]], pa.Table | None],
    ) -> _SliceJob:
        job = _SliceJob(begin, begin + pieces[-1][1], len(pieces), join)
        for i, piece in enumerate(pieces):
            workers.submit(job._parse, i, piece, read)
        return job

    def _parse(self, i: int, piece: tuple[int, int], read: Callable[[tuple[int, int]], pa.Table]) -> None:
        try:
            table = read(piece)
        except BaseException as e:  # noqa: BLE001 - handed to the reader's thread by result()
            self._fail(e)
            return
        with self._lock:
            if self._error is not None:
                return
            self._tables[i] = table
            self._left -= 1
            last = self._left == 0
        if last:
            try:
                self._table = self._join([t for t in self._tables if t is not None])
            except BaseException as e:  # noqa: BLE001 - handed to the reader's thread by result()
                self._fail(e)
                return
            finally:
                self._tables = []
            self._done.set()

    def _fail(self, error: BaseException) -> None:
        with self._lock:
            if self._error is None:
                self._error = error
            self._tables = []
        self._done.set()

    def result(self) -> pa.Table | None:
        """The slice as one table (None when it holds no record); raises what a piece raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        table, self._table = self._table, None
        return table


def _slices(
    src: _Source, block_bytes: int, fits: np.ndarray
) -> Iterator[tuple[int, np.ndarray, list[tuple[int, int]]]]:
    """Slices of whole records of about ``block_bytes``, read from the file: each as its offset (from
    ``src.start``), its bytes and its record-aligned pieces (start, end in those bytes)."""
    target = min(PIECE_BYTES, block_bytes)
    total = src.end - src.start
    pos, want = 0, block_bytes
    while pos < total:
        size = min(want, total - pos)
        data = read_at(src.file, src.start + pos, size, src.name)
        pieces = list(_piece_ends(data, target, fits, last=pos + size >= total))
        if not pieces:
            want *= 2  # a record longer than the buffer
            continue
        yield pos, data, pieces
        pos += pieces[-1][1]
        want = block_bytes


def _heap_trimmer() -> Callable[[], object]:
    """glibc's ``malloc_trim``, or a no-op elsewhere.

    glibc keeps memory freed by one thread in that thread's arena; with the reader, the accept passes and
    the judging thread each allocating and freeing NumPy and Python objects, that kept memory grew by ~30 MB
    over 10M rows (issue #5: memory that does not grow with the file). Trimming once a slice returns it.
    """
    if sys.platform.startswith("linux"):
        try:
            malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass
        else:
            return functools.partial(malloc_trim, 0)
    return lambda: None


def quote_fits(delimiter: str) -> np.ndarray:
    """Bytes that may sit beside a quote in RFC 4180: the delimiter, a line break, a quote."""
    fits = np.zeros(256, dtype=bool)
    fits[[ord(delimiter), 0x0A, 0x0D, 0x22]] = True
    return fits


def quotes_well_placed(
    data: np.ndarray, fits: np.ndarray, lo: int, hi: int, odd: int = 0, chunk: int = 1 << 20
) -> int | None:
    """Whether every quote of ``data[lo:hi]`` sits where RFC 4180 puts it, so that pyarrow's reading is
    exact: the quote parity at ``hi`` (``odd`` is the parity at ``lo``), or None when a quote is misplaced.

    An opening quote (odd count) follows the delimiter, a line break or a quote (``""``); a closing quote
    (even count) is followed by one of them; the count is even at the end of the data. Otherwise (a quote
    closed mid-cell, a quote left open, a literal quote in an unquoted cell) the exact parser decides.
    Vectorised in cache-sized chunks; run on each slice just before it is parsed, in the reader's thread.
    """
    n = len(data)
    for s in range(lo, hi, chunk):
        q = np.flatnonzero(data[s : min(s + chunk, hi)] == 0x22) + s
        if not len(q):
            continue
        closing = (np.arange(1 + odd, 1 + odd + len(q)) & 1) == 0
        after = data[np.minimum(q + 1, n - 1)]
        before = data[np.maximum(q - 1, 0)]
        if (closing & (q + 1 < n) & ~fits[after]).any() or (~closing & (q > 0) & ~fits[before]).any():
            return None
        odd = (odd + len(q)) & 1
    return odd


def record_end(src: _Source, records: int, chunk: int = 1 << 20) -> int | None:
    """The byte offset just after the first ``records`` records, for a file whose quotes are well placed.

    The scan of :func:`_record_ends`, chunk by chunk; None when the data holds fewer records.
    """
    if records <= 0:
        return src.start
    n = src.end - src.start
    odd = seen = 0
    for s in range(0, n, chunk):
        hi = min(s + chunk, n)
        # One byte more than the chunk where the data goes on: is a CR at its end followed by LF?
        data = read_at(src.file, src.start + s, min(hi + 1, n) - s, src.name)
        ends, odd = _record_ends(data, 0, hi - s, odd)
        if seen + len(ends) >= records:
            return src.start + s + int(ends[records - seen - 1])
        seen += len(ends)
    return None


def _exact_batches(src: _Source, skip: int, batch_rows: int, start: int | None = None) -> Iterator[Batch]:
    """The exact parser: from ``start`` (the byte offset after ``skip`` records) when it is known, else
    from the first record with the first ``skip`` records (already delivered) skipped."""
    builder = _BatchBuilder(src.keys, batch_rows)
    left = batch_rows
    first_row = 2
    if start is not None:
        first_row, skip = 2 + skip, 0
    for row, fields, code, pos, details in csvparse.records(
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


def _csv_batches(src: _Source, block_bytes: int, batch_rows: int, fast: bool = True) -> Iterator[Batch]:
    """The fast path while the file is well formed, then the exact parser from where it stopped."""
    try:
        if src.end > src.start:
            if fast and fast_delimiter(src.delimiter):
                yield from _fast_then_exact(src, block_bytes, batch_rows)
            else:
                yield from _exact_batches(src, 0, batch_rows)
        # A file rewritten while it was read may have given records of two versions: say so, pack nothing.
        check_unchanged(src.file, src.signature, src.name)
    finally:
        src.file.close()


def _fast_then_exact(src: _Source, block_bytes: int, batch_rows: int) -> Iterator[Batch]:
    delivered = 0
    try:
        for part, pos in _fast_tables(src, block_bytes):
            rows = np.arange(delivered + 2, delivered + 2 + part.num_rows, dtype=np.int64)
            yield Batch(part, rows, bytes_done=int(pos * src.scale))
            delivered += part.num_rows
    except (pa.ArrowException, _MisplacedQuote):
        # A misplaced quote, a ragged row, a cell larger than a block or a byte that is not UTF-8: the
        # exact parser goes on from the end of the records delivered (found by a scan, not by parsing
        # them: the quotes before it are well placed).
        yield from _exact_batches(src, delivered, batch_rows, record_end(src, delivered))


def fast_delimiter(delimiter: str) -> bool:
    """Whether pyarrow can split on ``delimiter`` (one ASCII byte other than NUL); others take the exact
    parser, which splits on any character."""
    return delimiter.isascii() and delimiter != "\0"


def open_csv(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    batch_rows: int = EXACT_BATCH_ROWS,
    fast: bool = True,
) -> Table:
    """Open a CSV file for batch reading: detect its encoding and delimiter, read its header.

    ``fast=False`` reads with the exact parser only (slower; the fast path gives the same batches).
    """
    p = Path(path)
    name = str(p)
    delim_opt = delimiter_option(delimiter) if delimiter is not None else None
    opened = open_input(p)
    f = opened.file
    data: IO[bytes] = f
    try:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise InputError(f"{name} is empty: a Bulk Write CSV needs a header row of field API names")
        head = f.read(SAMPLE_BYTES)
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            if opened.spooled_sha256 is not None:
                raise InputError(
                    f"{name} is a workbook or ZIP file in a pipe: save it as a file and pass that"
                )
            raise _Spreadsheet
        enc = detect(head, len(head) == size, name, encoding, delim_opt or _sep_hint(head))
        if size <= enc.bom:
            raise InputError(
                f"{name} is empty (it holds only a byte-order mark): a Bulk Write CSV needs a header row "
                "of field API names"
            )
        data, start, data_size = f, enc.bom, size
        if not enc.is_utf8:
            # Parsed as UTF-8 from a temporary copy, which is deleted when it is closed.
            data = tempfile.TemporaryFile(prefix="csvprep-")  # noqa: SIM115 - closed by the batches
            f.seek(enc.bom)
            transcode(f, data, enc.name, name)
            data.flush()  # the reads below are positioned reads of the file, past Python's buffer
            data_size, start = data.tell(), 0
            f.close()
        lines = csvparse.PhysicalLines(data, start, data_size, name)
        lines.mark(1)
        first = next(lines, "").rstrip("\r\n")
        how = "--delimiter" if delim_opt else "detected from the header"
        directive = _SEP_LINE.fullmatch(first)
        if directive:
            # Excel's "sep=;" line names the delimiter and is not a row (Excel does not show it).
            start = lines.pos
            how = "--delimiter" if delim_opt else "from Excel's sep= line"
            first = next(lines, "").rstrip("\r\n")
        delim = delim_opt or (directive.group(1) if directive else sniff_delimiter(first))
        header, body = csvparse.header(
            data, start, data_size, delimiter=delim, name=name, line=2 if directive else 1
        )
        if not header:
            raise InputError(
                f"{name} has no header row (the first line is blank): a Bulk Write CSV starts "
                "with a row of field API names"
            )
        end = _trimmed_end(data, body, data_size)
    except BaseException:
        f.close()
        if data is not f:
            data.close()
        raise
    notes = [enc.note] if enc.note else []
    if delim != "," or directive:
        notes.append(f"delimiter: {_DELIMITER_NAMES.get(delim, repr(delim))} ({how})")
    if opened.spooled_sha256 is not None:
        notes.append("read from a pipe (copied to a temporary file first)")
    keys = unique_keys(header)
    sig = opened.signature if data is f else None
    src = _Source(data, name, body, end, keys, delim, size / data_size if data_size else 1.0, sig)
    if len(keys) > WIDE_COLUMNS:
        fast, batch_rows = False, max(1, min(batch_rows, WIDE_BATCH_CELLS // len(keys)))
    return Table(
        header=header,
        batches=_csv_batches(src, block_bytes, batch_rows, fast),
        encoding=enc.name,
        delimiter=delim,
        size=size,
        notes=notes,
        name=name,
        sha256=opened.spooled_sha256,
    )


class _Spreadsheet(Exception):
    """The file is a workbook (ZIP or OLE container), whatever its name."""


def _sheet_batches(sheet: xlsx.Sheet, keys: list[str], size: int, batch_rows: int) -> Iterator[Batch]:
    width = len(keys)
    builder = _BatchBuilder(keys, batch_rows)
    blank: list[int] = []
    done = 0
    for row, cells in sheet.rows:
        done += 1
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if not any(cells):
            blank.append(row)  # kept only if a non-blank row follows (trailing blank rows are no records)
            continue
        for r in blank:
            builder.add(r, [""] * width, None)
        blank = []
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        builder.add(row, cells, None if len(cells) == width else "field-count")
        if builder.full:
            batch = builder.take(int(size * done / max(sheet.height, 1)))
            if batch is not None:
                yield batch
    batch = builder.take(size)
    if batch is not None:
        yield batch


def open_spreadsheet(
    path: str | os.PathLike[str], sheet: str | None = None, batch_rows: int = EXACT_BATCH_ROWS
) -> Table:
    """Open a sheet of an Excel (or OpenDocument) workbook: cells as the text a person sees in them."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"file not found: {p}") from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        # A workbook is read by seeking in its ZIP: a pipe or device cannot be, and a FIFO would block.
        raise InputError(f"{p} is not a regular file: save the workbook as a file and pass that")
    size = st.st_size
    if size == 0:
        raise InputError(f"{p} is empty")
    sh = xlsx.open_sheet(p, sheet)
    keys = unique_keys(sh.header)
    table = Table(header=sh.header, batches=iter(()), encoding="xlsx", delimiter="-", size=size, name=str(p))

    def batches() -> Iterator[Batch]:
        yield from _sheet_batches(sh, keys, size, batch_rows)
        table.notes[:] = sh.notes()

    table.batches = batches()
    table.notes = sh.notes()
    return table


def _workbook_named_text(p: Path) -> bool:
    """A file named like a workbook that holds text (some CRMs export CSV or TSV as ``.xls``)."""
    if p.suffix.lower() not in xlsx.EXTENSIONS or not p.is_file():
        return False
    with open(p, "rb") as f:
        head = f.read(512)
    if not head or head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return False
    if re.match(rb"\s*<(?:!doctype html|html|table)", head.lstrip(codecs.BOM_UTF8), re.I):
        raise InputError(
            f"{p} is a web page (HTML) named like a workbook: open it in Excel and save it as .xlsx or CSV"
        )
    return True


def _is_spreadsheet(p: Path) -> bool:
    return p.suffix.lower() in xlsx.EXTENSIONS and not _workbook_named_text(p)


def open_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Table:
    """Open any supported input: a CSV file, an Excel workbook, or a pandas DataFrame."""
    if not isinstance(source, (str, os.PathLike)):
        if is_dataframe(source):
            return open_frame(source)
        raise UsageError(f"cannot read a {type(source).__name__}: pass a file path or a pandas DataFrame")
    p = Path(source)
    if _is_spreadsheet(p):
        if encoding or delimiter:
            raise UsageError("--encoding and --delimiter apply to CSV files, not to spreadsheets")
        return open_spreadsheet(p, sheet)
    if sheet is not None:
        raise UsageError("--sheet applies to spreadsheet files (.xlsx, .xls, .ods), not to CSV")
    try:
        table = open_csv(p, encoding=encoding, delimiter=delimiter)
        if p.suffix.lower() in xlsx.EXTENSIONS:
            table.notes.insert(0, f"{p.name} holds text, not a workbook: read as CSV")
        return table
    except _Spreadsheet:
        try:
            return open_spreadsheet(p)
        except InputError:
            raise InputError(
                f"{p} is a ZIP or Office file, not a CSV: pass the CSV inside it, or a .xlsx workbook"
            ) from None


def empty_table(keys: list[str]) -> pa.Table:
    return pa.table([pa.array([], pa.string()) for _ in keys], names=keys)
