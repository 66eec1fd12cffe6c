"""The fast path: CSV bytes cut into record-aligned pieces, each parsed by pyarrow, in parallel.

A slice of about ``block_bytes`` is read from the file into a buffer of its own (positioned reads, never a
memory map: a file truncated meanwhile is an error, not a SIGBUS), its quotes are checked and its record
ends found by :mod:`csvprep.reader.scan`, and its pieces of about ``piece_bytes`` are parsed by serial
``pyarrow.csv.read_csv`` calls on a thread pool, ``newlines_in_values=True`` (quoted multi-line notes are
the normal case in spreadsheet exports). Cutting the pieces here spares pyarrow's threaded reader its own
quote-aware search for block ends. The next slice is parsed while the one before it is delivered, and
only one slice is held ahead (memory does not grow with the file). A slice that pyarrow refuses, or whose
quotes are misplaced, hands the rest of the file to the exact parser (:mod:`csvprep.reader.exactcsv`).
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor, wait

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep.reader.exactcsv import exact_batches
from csvprep.reader.longrecord import parse_record
from csvprep.reader.scan import (
    MisplacedQuote,
    last_record_end,
    piece_ends,
    quote_fits,
    quotes_well_placed,
    record_end,
)
from csvprep.reader.source import CsvData, check_unchanged, read_at
from csvprep.reader.table import Batch

BLOCK_BYTES = 16 << 20
"""Bytes per slice: the unit read, parsed ahead and delivered as one batch."""
PIECE_BYTES = 1 << 20
"""Bytes per piece parsed by one ``read_csv`` call (a piece ends on a record boundary)."""


def fast_delimiter(delimiter: str) -> bool:
    """Whether pyarrow can split on ``delimiter`` (one ASCII byte other than NUL); others take the exact
    parser, which splits on any character."""
    return delimiter.isascii() and delimiter != "\0"


def csv_batches(
    src: CsvData,
    *,
    block_bytes: int,
    piece_bytes: int,
    batch_rows: int,
    fast: bool,
    executor: Executor | None,
) -> Iterator[Batch]:
    """The fast path while the file is well formed, then the exact parser from where it stopped."""
    try:
        if src.end > src.start:
            if fast and fast_delimiter(src.delimiter):
                yield from _fast_then_exact(src, block_bytes, piece_bytes, batch_rows, executor)
            else:
                yield from exact_batches(src, 0, batch_rows)
        # A file rewritten while it was read may have given records of two versions: say so, pack nothing.
        check_unchanged(src.file, src.signature, src.name)
    finally:
        src.file.close()


def _fast_then_exact(
    src: CsvData, block_bytes: int, piece_bytes: int, batch_rows: int, executor: Executor | None
) -> Iterator[Batch]:
    delivered = 0
    try:
        for part, pos in fast_tables(src, block_bytes, piece_bytes, executor):
            rows = np.arange(delivered + 2, delivered + 2 + part.num_rows, dtype=np.int64)
            delivered += part.num_rows
            yield Batch(part, rows, bytes_done=int(pos * src.scale))
            del part, rows  # not held while the next slice is parsed
    except (pa.ArrowException, MisplacedQuote):
        # A misplaced quote, a ragged row, a cell larger than a block or a byte that is not UTF-8: the
        # exact parser goes on after the records delivered (found by a scan: their quotes are well placed).
        yield from exact_batches(src, delivered, batch_rows, record_end(src, delivered))


def slices(
    src: CsvData, block_bytes: int, piece_bytes: int, fits: np.ndarray
) -> Iterator[tuple[int, np.ndarray, list[tuple[int, int]], bool]]:
    """Slices of whole records of about ``block_bytes``, read from the file: each as its offset (from
    ``src.start``), its bytes, its record-aligned pieces (start, end in those bytes) and whether it is one
    record longer than a block (:mod:`csvprep.reader.longrecord` splits it).

    A record longer than a block is found by a scan in chunks and read once, alone: memory is about the
    record's size, never a buffer doubled past it.
    """
    target = min(piece_bytes, block_bytes)
    total = src.end - src.start
    pos = 0
    while pos < total:
        size = min(block_bytes, total - pos)
        data = read_at(src.file, src.start + pos, size, src.name)
        last = pos + size >= total
        pieces = list(piece_ends(data, target, fits, last=last))
        if pieces:
            yield pos, data, pieces, False
            pos += pieces[-1][1]
            continue
        # The block ends inside a record: deliver the records before it, then that record alone.
        before = last_record_end(data, size if last else size - 1)
        if before:
            if quotes_well_placed(data, fits, 0, before) != 0:
                raise MisplacedQuote
            yield pos, data, [(0, before)], False
            pos += before
            continue
        del data, pieces
        end = record_end(src, 1, begin=pos)
        stop = total if end is None else end - src.start
        # One byte more where the file goes on: piece_ends reads it as look-ahead (is a CR followed by LF?).
        data = read_at(src.file, src.start + pos, min(stop + 1, total) - pos, src.name)
        pieces = list(piece_ends(data, target, fits, last=stop >= total))
        if len(pieces) != 1 or pieces[0][1] != stop - pos:
            raise MisplacedQuote  # the scan and the placement check disagree: the exact parser decides
        yield pos, data, pieces, True
        pos = stop


class _Slice:
    """A slice being parsed: the futures of its pieces but the last, and of the last one joining them all."""

    def __init__(self, end: int, pieces: list[Future[pa.Table]], joined: Future[pa.Table | None]) -> None:
        self.end = end
        self.pieces = pieces
        self._joined: Future[pa.Table | None] | None = joined

    def take(self) -> pa.Table | None:
        """The slice as one table, handed over: the slice keeps no reference to it (nor to its future)."""
        joined, self._joined = self._joined, None
        return None if joined is None else joined.result()

    def cancel(self) -> None:
        """Cancel what has not started and wait for the rest (nothing runs on after the reader stops)."""
        futures = [*self.pieces, *([self._joined] if self._joined is not None else [])]
        for f in futures:
            f.cancel()
        wait(futures)


def _last_then_join(
    parse: Callable[[tuple[int, int]], pa.Table],
    last: tuple[int, int],
    others: list[Future[pa.Table]],
    join: Callable[[list[pa.Table]], pa.Table | None],
) -> pa.Table | None:
    """Parse a slice's last piece, then join all its pieces (a pool takes tasks in order: the others
    started before this one, so they are done or nearly when it gets to the join)."""
    table = parse(last)
    wait(others)  # all of them, so that none runs on when one failed
    tables = [*(f.result() for f in others), table]
    others.clear()  # the piece tables are freed once joined
    return join(tables)


def fast_tables(
    src: CsvData, block_bytes: int, piece_bytes: int, executor: Executor | None = None
) -> Iterator[tuple[pa.Table, int]]:
    """Each slice as one table of string columns (named by ``src.keys``), with the byte offset it ends at.

    ``executor``: the thread pool to parse on (the caller's, left open); by default one of
    ``pyarrow.cpu_count()`` threads that lives as long as this generator.
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
        # One chunk per column (the rules read raw buffers), copied on a pool thread, not the reader's.
        if not any(t.num_rows for t in pieces):
            return None
        table = pa.concat_tables(pieces).combine_chunks()
        return pa.table([_as_strings(c) for c in table.columns], names=src.keys)

    memory = pa.default_memory_pool()
    trim = _heap_trimmer()
    pool = executor or ThreadPoolExecutor(max_workers=pa.cpu_count(), thread_name_prefix="csvprep-parse")

    def read_long(whole: pa.Buffer, piece: tuple[int, int]) -> pa.Table:
        cells = parse_record(whole, *piece, src.delimiter, len(src.keys))
        for cell in cells:
            _check_utf8(cell.buffers()[2])
        return pa.table([c.view(pa.string()) for c in cells], names=src.keys)

    def start(begin: int, data: np.ndarray, pieces: list[tuple[int, int]], long: bool) -> _Slice:
        if long:
            (piece,) = pieces
            alone = pool.submit(read_long, pa.py_buffer(data), piece)
            return _Slice(begin + piece[1], [], alone)
        parse_piece = functools.partial(read, pa.py_buffer(data))
        futures = [pool.submit(parse_piece, piece) for piece in pieces[:-1]]
        joined = pool.submit(_last_then_join, parse_piece, pieces[-1], futures, join)
        return _Slice(begin + pieces[-1][1], futures, joined)

    def finish(job: _Slice) -> Iterator[tuple[pa.Table, int]]:
        part = job.take()
        # The allocators keep freed pages for reuse; hand back what the pieces and earlier slices left.
        memory.release_unused()
        trim()
        if part is not None:
            yield part, src.start + job.end

    pending: _Slice | None = None
    try:
        try:
            # Slice N+1 is started before slice N is delivered: it parses while N is judged downstream.
            for begin, data, pieces, long in slices(src, block_bytes, piece_bytes, quote_fits(src.delimiter)):
                job = start(begin, data, pieces, long)
                del data  # the slice's parse holds what it needs
                if pending is not None:
                    done, pending = pending, job
                    yield from finish(done)
                else:
                    pending = job
        except MisplacedQuote:
            # The scan runs ahead of the slices delivered: the one before the quote is sound; deliver it.
            if pending is not None:
                done, pending = pending, None
                yield from finish(done)
            raise
        if pending is not None:
            done, pending = pending, None
            yield from finish(done)
    finally:
        if pending is not None:
            pending.cancel()
        if executor is None:
            pool.shutdown(wait=True, cancel_futures=True)


def _check_utf8(raw: pa.Buffer) -> None:
    """Raise ``ArrowInvalid`` unless ``raw`` is UTF-8: one pass over a piece's bytes.

    Every cell of a piece is a run of its bytes cut at ASCII bytes (delimiters, quotes, line breaks), which
    never fall inside a UTF-8 sequence: the piece is UTF-8 exactly when each cell is, and one validation
    of the whole piece is much cheaper than pyarrow's check of each cell.
    """
    offsets = pa.py_buffer(np.array([0, raw.size], dtype=np.int64))
    pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, raw]).view(pa.large_string()).validate(
        full=True
    )


def _as_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A binary column, checked as UTF-8 already (:func:`_check_utf8`), as strings: a view, no copy."""
    return pa.chunked_array([c.view(pa.string()) for c in column.chunks], pa.string())


def _heap_trimmer() -> Callable[[], object]:
    """glibc's ``malloc_trim``, or a no-op elsewhere.

    glibc keeps memory freed by one thread in that thread's arena, and the parse, accept and judging
    threads each allocate and free: trimming once a slice keeps memory from growing with the file.
    """
    if sys.platform.startswith("linux"):
        try:
            malloc_trim = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            pass
        else:
            return functools.partial(malloc_trim, 0)
    return lambda: None
