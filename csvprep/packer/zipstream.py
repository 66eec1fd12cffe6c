"""A one-entry ZIP that grows chunk by chunk and knows its exact final size before each chunk is taken.

Zoho's upload limit is on the compressed ZIP (25 MB, ``FILE_TOO_LARGE``;
https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html), and the only honest way
to know a compressed size is to compress. ``zipfile`` compresses inside ``ZipFile.open(..., "w")`` and
does not say how much output its compressor still holds, so this module deflates itself and writes the
few fixed ZIP records by hand (APPNOTE 6.3.x: local header, data, central directory, end record; no data
descriptor, no extra fields, no Zip64):

* while the ZIP is far from the limit, a chunk is *proven* to fit: deflate never writes more than
  :func:`deflate_bound` bytes for its input, so the bytes written up to the last flush point + the bound of
  everything fed since + the fixed records is an upper bound of the final size. Such a chunk is compressed
  on the stream itself, with no flush (the fast path: nearly every chunk of a typical batch).
* otherwise it is compressed on a *copy* of the compressor and ended with ``Z_SYNC_FLUSH``, so every byte
  it produces is out; the size the ZIP would have if it ended there is the bytes written + that output +
  the final block (measured on another copy) + the fixed records. If that is over the limit the copy is
  dropped and the chunk is not taken: nothing is ever guessed or undone on disk.
* the result is deterministic: fixed timestamp 1980-01-01 00:00, fixed attributes (a regular 0644 file made
  on Unix), the given deflate level, the same chunks → the same bytes. ``zipfile`` (and ``unzip``) read it.

The deflater is zlib-ng: zlib's format and API, faster at the same ratio, so ``pack`` is not bound by
deflate (numbers in docs/performance.md).
"""

from __future__ import annotations

import hashlib
import struct
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from zlib_ng import zlib_ng as zlib


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Compressor(Protocol):
    # zlib-ng's stub omits copy(), which its Compress object has (as zlib's does).
    def compress(self, data: bytes, /) -> bytes: ...
    def flush(self, mode: int = ..., /) -> bytes: ...
    def copy(self) -> _Compressor: ...


DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1
DOS_TIME_MIDNIGHT = 0
VERSION = 20  # 2.0: deflate
MADE_BY = (3 << 8) | VERSION  # 3 = Unix, so external_attr carries the mode bits
EXTERNAL_ATTR = (0o100644 & 0xFFFF) << 16
MAX_32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


def deflate_bound(n: int) -> int:
    """More than deflate can write for ``n`` bytes at any level, including its final block.

    Stored blocks cost 5 bytes per 64 KiB and fixed-Huffman literals at most 9 bits a byte (zlib-ng's
    level 1), so ``n + n/8`` plus a little is generous (zlib's own ``deflateBound`` is ``n + n/4096 + ...``).
    """
    return n + (n >> 3) + (n >> 10) + 128


def overhead(name: str) -> int:
    """Bytes of a one-entry ZIP that are not compressed data: both headers and the end record."""
    n = len(name.encode("utf-8"))
    return _LOCAL.size + n + _CENTRAL.size + n + _END.size


@dataclass(frozen=True, slots=True)
class Attempt:
    """A chunk not yet taken: proven to fit (``compressor`` None: compressed when taken), or compressed on
    a copy of the stream's state."""

    data: bytes
    out: bytes
    compressor: _Compressor | None
    final_size: int
    """The ZIP's size if the stream ended right after this chunk (an upper bound when proven)."""


class Budget:
    """Input bytes handed to deflate threads and not compressed yet: bounded, so memory is."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.queued = 0
        self.cond = threading.Condition()

    def take(self, n: int) -> None:
        with self.cond:
            while self.queued and self.queued + n > self.limit:
                self.cond.wait()
            self.queued += n

    def give(self, n: int) -> None:
        with self.cond:
            self.queued -= n
            self.cond.notify_all()


class ZipStream:
    """One ZIP file holding one deflated entry, written as chunks are accepted.

    With a :class:`Budget`, a chunk proven to fit is deflated on the stream's own thread, in order, while
    the caller goes on (zlib-ng releases the GIL): the next batch's ZIP fills while this one's backlog is
    compressed, on the second core. The bytes are the same as without.
    """

    def __init__(self, path: Path, name: str, level: int, budget: Budget | None = None) -> None:
        self.path = path
        self.name = name
        self._name = name.encode("utf-8")
        self.level = level
        self.fh: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.fh.write(b"\0" * (_LOCAL.size + len(self._name)))  # the local header, filled in by close()
        self.comp = cast(_Compressor, zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS))
        self.crc = 0
        self.raw = 0
        self.packed = 0
        self.flushed = 0
        """Bytes written up to the last point where the compressor held nothing back."""
        self.unflushed = 0
        """Input bytes fed since that point."""
        self.budget = budget
        self._lane = ThreadPoolExecutor(1, thread_name_prefix="csvprep-deflate") if budget else None
        self._pending: Future[None] | None = None

    def _drain(self) -> None:
        """Wait for the chunks handed to the stream's thread (and raise what went wrong there)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def attempt(self, data: bytes, limit: int) -> Attempt:
        """``data`` after what was taken so far, without taking it: proven to fit ``limit``, or measured."""
        bound = self.flushed + deflate_bound(self.unflushed + len(data)) + overhead(self.name)
        if bound <= limit and bound <= MAX_32:
            return Attempt(data, b"", None, bound)
        self._drain()
        c = self.comp.copy()
        out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
        tail = len(c.copy().flush(zlib.Z_FINISH))
        final = self.packed + len(out) + tail + overhead(self.name)
        return Attempt(data, out, c, final)

    def fits(self, attempt: Attempt, limit: int) -> bool:
        """Whether taking the attempt keeps the ZIP within ``limit`` bytes (and within plain ZIP's 4 GiB)."""
        return (
            attempt.final_size <= limit
            and self.raw + len(attempt.data) <= MAX_32
            and attempt.final_size <= MAX_32
        )

    def take(self, attempt: Attempt) -> None:
        data = attempt.data
        self.raw += len(data)
        if attempt.compressor is None:
            self.unflushed += len(data)
            if self._lane is None or self.budget is None:
                self._deflate(data)
            else:
                self.budget.take(len(data))
                self._pending = self._lane.submit(self._deflate, data, self.budget)
            return
        self._drain()
        self.comp = attempt.compressor
        self._write(data, attempt.out)
        self.flushed, self.unflushed = self.packed, 0

    def _deflate(self, data: bytes, budget: Budget | None = None) -> None:
        try:
            self._write(data, self.comp.compress(data))
        finally:
            if budget is not None:
                budget.give(len(data))

    def _write(self, data: bytes, out: bytes) -> None:
        self.fh.write(out)
        self.crc = zlib.crc32(data, self.crc)
        self.packed += len(out)

    def close(self) -> Future[tuple[int, int, str]]:
        """End the entry and write the ZIP's records, on the stream's thread when it has one.

        The future gives (uncompressed bytes, ZIP bytes, the ZIP's sha256).
        """
        if self._lane is None:
            done: Future[tuple[int, int, str]] = Future()
            done.set_result(self._finish())
            return done
        fut = self._lane.submit(self._finish)
        self._lane.shutdown(wait=False)  # the thread ends once the queue is done
        return fut

    def _finish(self) -> tuple[int, int, str]:
        tail = self.comp.flush(zlib.Z_FINISH)
        self.fh.write(tail)
        self.packed += len(tail)
        n = len(self._name)
        common = (
            VERSION,
            0,
            zlib.DEFLATED,
            DOS_TIME_MIDNIGHT,
            DOS_DATE_1980_01_01,
            self.crc,
            self.packed,
            self.raw,
            n,
        )
        cd_offset = _LOCAL.size + n + self.packed
        self.fh.write(_CENTRAL.pack(0x02014B50, MADE_BY, *common, 0, 0, 0, 0, EXTERNAL_ATTR, 0) + self._name)
        self.fh.write(_END.pack(0x06054B50, 0, 0, 1, 1, _CENTRAL.size + n, cd_offset, 0))
        size = self.fh.tell()
        self.fh.seek(0)
        self.fh.write(_LOCAL.pack(0x04034B50, *common, 0) + self._name)
        self.fh.close()
        return self.raw, size, sha256_file(self.path)

    def abandon(self) -> None:
        """Close the file without finishing it (the run failed; the temporary directory goes)."""
        if self._lane is not None:
            self._lane.shutdown(wait=True, cancel_futures=True)
        self.fh.close()
