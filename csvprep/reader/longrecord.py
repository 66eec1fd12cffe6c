"""A record longer than a slice (a 100 MB note), split into its cells without copying them.

pyarrow's reader holds three copies of such a cell at once (the bytes read, its parsed values, the
converted column), so the fast path hands a record longer than its block to :func:`parse_record` instead:
the record's bytes are read once, its delimiters found by a vectorised scan in chunks, and each cell is an
Arrow string whose data is a slice of those bytes (only a quoted cell holding ``""`` is copied, to undo
the escapes). Memory stays about the size of the record.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from csvprep.reader.scan import CR, LF, QUOTE, SCAN_CHUNK

MAX_CELL_BYTES = 2**31 - 1
"""A cell of Arrow's ``string`` type (32-bit offsets) holds at most this many bytes."""


def _positions(data: np.ndarray, byte: int, chunk: int) -> np.ndarray:
    """Offsets of ``byte`` outside quotes in ``data`` (whose quotes are well placed), scanned in chunks."""
    found, odd = [], 0
    for s in range(0, len(data), chunk):
        c = data[s : s + chunk]
        at = np.flatnonzero(c == byte)
        quotes = np.flatnonzero(c == QUOTE)
        found.append(at[((np.searchsorted(quotes, at) + odd) & 1) == 0] + s)
        odd = (odd + len(quotes)) & 1
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def _holds(data: np.ndarray, byte: int, lo: int, hi: int, chunk: int) -> bool:
    """Whether ``data[lo:hi]`` holds ``byte`` (scanned in chunks: no temporary the size of a cell)."""
    return any(bool((data[s : min(s + chunk, hi)] == byte).any()) for s in range(lo, hi, chunk))


def parse_record(
    buf: pa.Buffer, lo: int, hi: int, delimiter: str, width: int, chunk: int = SCAN_CHUNK
) -> list[pa.Array]:
    """The cells of the one record in ``buf[lo:hi]`` (its line break included), as ``width`` binary arrays
    of one value each. Raises ``ArrowInvalid`` where the fast path's reader would (the exact parser then
    reads the record): another number of cells, a cell too large for Arrow's ``string``.

    The record's quotes are well placed (checked by the scan that found its end), so a quoted cell is a
    quote, its text with quotes doubled, a quote.
    """
    data = np.frombuffer(buf, dtype=np.uint8)
    end = hi
    if end > lo and data[end - 1] == LF:
        end -= 1
    if end > lo and data[end - 1] == CR:
        end -= 1
    body = data[lo:end]
    if len(_positions(body, LF, chunk)) or len(_positions(body, CR, chunk)):
        raise pa.ArrowInvalid("a long slice holds more than one record")
    seps = _positions(body, ord(delimiter), chunk) + lo
    if len(seps) + 1 != width:
        raise pa.ArrowInvalid(f"expected {width} columns, got {len(seps) + 1}")
    starts = [lo, *(seps + 1).tolist()]
    ends = [*seps.tolist(), end]
    return [_cell(buf, data, a, b, chunk) for a, b in zip(starts, ends, strict=True)]


def _cell(buf: pa.Buffer, data: np.ndarray, a: int, b: int, chunk: int) -> pa.Array:
    """One cell ``buf[a:b]`` as a binary array of one value: a slice of ``buf``, or its unescaped copy."""
    value: pa.Buffer
    if b - a >= 2 and data[a] == QUOTE:
        a, b = a + 1, b - 1
        if _holds(data, QUOTE, a, b, chunk):
            value = pa.py_buffer(data[a:b].tobytes().replace(b'""', b'"'))
        else:
            value = buf.slice(a, b - a)
    else:
        value = buf.slice(a, b - a)
    if value.size > MAX_CELL_BYTES:
        raise pa.ArrowInvalid(f"a cell of {value.size} bytes is larger than an Arrow string holds")
    offsets = pa.py_buffer(np.array([0, value.size], dtype=np.int32))
    return pa.Array.from_buffers(pa.binary(), 1, [None, offsets, value])
