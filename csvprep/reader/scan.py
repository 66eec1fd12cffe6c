"""Where records end in CSV bytes, found by vectorised scans, and whether the quotes allow the fast path.

In data whose every quote sits where RFC 4180 puts it (https://www.rfc-editor.org/rfc/rfc4180), a line
break ends a record exactly when an even number of quotes precede it: NumPy finds the record ends of a
megabyte at once, so the fast path can cut the bytes into pieces of whole records without parsing them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from csvprep.reader.source import CsvData, read_at

LF, CR, QUOTE = 0x0A, 0x0D, 0x22
SCAN_CHUNK = 1 << 20
"""Bytes scanned by one vectorised step (cache-sized)."""
END_WINDOW = 1 << 16
"""Bytes first searched for a record end after a cut (doubled while a quoted cell spans it)."""
MAX_WINDOW = 4 * SCAN_CHUNK
"""The most bytes one step of that search covers (its temporaries are a few times the window)."""


class MisplacedQuote(Exception):
    """A slice's quotes are not all where RFC 4180 puts them: the exact parser takes over."""


def quote_fits(delimiter: str) -> np.ndarray:
    """Bytes that may sit beside a quote in RFC 4180: the delimiter, a line break, a quote."""
    fits = np.zeros(256, dtype=bool)
    fits[[ord(delimiter), LF, CR, QUOTE]] = True
    return fits


def quotes_well_placed(
    data: np.ndarray, fits: np.ndarray, lo: int, hi: int, odd: int = 0, chunk: int = SCAN_CHUNK
) -> int | None:
    """Whether every quote of ``data[lo:hi]`` sits where RFC 4180 puts it, so that pyarrow's reading is
    exact: the quote parity at ``hi`` (``odd`` is the parity at ``lo``), or None when a quote is misplaced.

    An opening quote (odd count) follows the delimiter, a line break or a quote (``""``); a closing quote
    (even count) is followed by one of them; the count is even at the end of the data. Otherwise (a quote
    closed mid-cell, a quote left open, a literal quote in an unquoted cell) the exact parser decides.
    """
    n = len(data)
    for s in range(lo, hi, chunk):
        q = np.flatnonzero(data[s : min(s + chunk, hi)] == QUOTE) + s
        if not len(q):
            continue
        closing = (np.arange(1 + odd, 1 + odd + len(q)) & 1) == 0
        after = data[np.minimum(q + 1, n - 1)]
        before = data[np.maximum(q - 1, 0)]
        if (closing & (q + 1 < n) & ~fits[after]).any() or (~closing & (q > 0) & ~fits[before]).any():
            return None
        odd = (odd + len(q)) & 1
    return odd


def record_ends(data: np.ndarray, lo: int, hi: int, odd: int) -> tuple[np.ndarray, int]:
    """The offsets just after each record of ``data[lo:hi]`` that ends there (relative to ``lo``), and the
    quote parity at ``hi`` (``odd``: the parity at ``lo``), for data whose quotes are well placed.

    Every line break outside quotes ends a record (a blank line is one; a CR LF pair is one break).
    """
    c = data[lo : hi + 1]  # one byte more: is a CR at the end followed by LF?
    body = c[: hi - lo]
    lf = body == LF
    cr = body == CR
    cr[:-1] &= c[1 : len(body)] != LF
    if len(body) and len(c) > len(body):
        cr[-1] &= c[-1] != LF
    breaks = np.flatnonzero(lf | cr)
    quotes = np.flatnonzero(body == QUOTE)
    ends = breaks[((np.searchsorted(quotes, breaks) + odd) & 1) == 0] + 1
    return ends, (odd + len(quotes)) & 1


def _record_end_after(data: np.ndarray, at: int, odd: int, limit: int) -> int | None:
    """Just after the first record end in ``data[at:limit]`` (``odd``: the quote parity at ``at``), looked
    for in a window that doubles while a quoted cell spans it; None when there is none."""
    look, window = at, END_WINDOW
    while look < limit:
        hi = min(look + window, limit)
        ends, odd = record_ends(data, look, hi, odd)
        if len(ends):
            return look + int(ends[0])
        look, window = hi, min(window * 2, MAX_WINDOW)
    return None


def last_record_end(data: np.ndarray, limit: int, chunk: int = SCAN_CHUNK) -> int:
    """Just after the last record that ends in ``data[:limit]`` (which starts on a record), or 0."""
    last = odd = 0
    for s in range(0, limit, chunk):
        ends, odd = record_ends(data, s, min(s + chunk, limit), odd)
        if len(ends):
            last = s + int(ends[-1])
    return last


def piece_ends(data: np.ndarray, target: int, fits: np.ndarray, last: bool) -> Iterator[tuple[int, int]]:
    """Record-aligned pieces (start, end) of about ``target`` bytes of ``data``, which starts on a record;
    raises :class:`MisplacedQuote` where a quote is misplaced. ``last``: ``data`` ends where the file
    does; otherwise its last byte is look-ahead only (is a CR followed by LF?) and the pieces stop at the
    last record that ends inside it.

    Each byte is scanned for quotes once: the placement check of a piece gives the quote parity at its
    cut, and the record end is looked for from there.
    """
    n = len(data)
    limit = n if last else n - 1
    pos = 0
    while pos < limit:
        cut = min(pos + target, limit)
        odd = quotes_well_placed(data, fits, pos, cut)
        if odd is None or (cut >= n and odd):
            raise MisplacedQuote
        if cut >= n:
            yield pos, n
            return
        if cut >= limit:
            # The buffer's tail: up to its last record end (the rest is read again with the next slice).
            ends, _ = record_ends(data, pos, limit, 0)
            if len(ends):
                yield pos, pos + int(ends[-1])
            return
        end = _record_end_after(data, cut, odd, limit)
        if end is None:
            if not last:
                return  # the record goes on past the buffer
            end = n
        if quotes_well_placed(data, fits, cut, end, odd) != 0:
            raise MisplacedQuote
        yield pos, end
        pos = end


def record_end(src: CsvData, records: int, chunk: int = SCAN_CHUNK, begin: int = 0) -> int | None:
    """The byte offset just after the first ``records`` records from ``begin`` (an offset from
    ``src.start`` where a record starts), for data whose quotes are well placed; None when the data
    holds fewer records. Memory is a chunk, whatever the records' length."""
    if records <= 0:
        return src.start + begin
    n = src.end - src.start
    odd = seen = 0
    for s in range(begin, n, chunk):
        hi = min(s + chunk, n)
        # One byte more than the chunk where the data goes on: is a CR at its end followed by LF?
        data = read_at(src.file, src.start + s, min(hi + 1, n) - s, src.name)
        ends, odd = record_ends(data, 0, hi - s, odd)
        if seen + len(ends) >= records:
            return src.start + s + int(ends[records - seen - 1])
        seen += len(ends)
    return None
