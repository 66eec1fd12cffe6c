"""Exact duplicate detection across a whole file: the values seen so far, as 64-bit hashes with the row of
their first occurrence, in memory that does not grow with the file.

Recent keys live in memory in sorted runs that are merged as they grow (a log-structured set): 12 bytes a
key, vectorised lookups. Once more than :attr:`SeenKeys.MEMORY_KEYS` are in memory, the oldest runs go to a
temporary file: the low 32 bits and the row of each key are written there, and the high 32 bits (still
sorted, so a lookup is one ``searchsorted``) to a second file, mapped run by run for each lookup and then
dropped from this process's memory. A query whose high bits match is confirmed by reading its 8-byte
record back (``os.pread``). The page cache holds both files, not this process. The answer is the same
as with everything in memory; only a 64-bit collision between two different values could make it wrong
(about 3 in a million at 10 million keys).
"""

from __future__ import annotations

import mmap
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.arrowbytes import string_bytes

_RECORD = np.dtype([("low", "<u4"), ("row", "<u4")])
_LITTLE = sys.byteorder == "little"


def _halves(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(low 32 bits as uint32, high 32 bits as int32) of int64 hashes: strided views, not shifted copies
    (a spill's temporaries set the peak of a long file). The high halves keep the hashes' order."""
    words = h.astype(np.int64, copy=False).view(np.uint32)
    low, high = (words[0::2], words[1::2]) if _LITTLE else (words[1::2], words[0::2])
    return low, high.view(np.int32)


SHORT_BYTES = 64
"""Values up to this many bytes are hashed by :func:`hash_strings`' vectorised path."""

_K = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S = np.uint64(33)


def _fmix(h: np.ndarray) -> np.ndarray:
    # murmur3's finaliser: a bijection of 64-bit words that spreads every input bit over the output
    h ^= h >> _S
    h *= _M1
    h ^= h >> _S
    h *= _M2
    h ^= h >> _S
    return h


_MASKS = np.array([0] + [(1 << (8 * k)) - 1 for k in range(1, 8)] + [(1 << 64) - 1], dtype=np.uint64)


def _short_hashes(arr: pa.Array, lengths: np.ndarray) -> np.ndarray:
    """64-bit hashes of short strings, in NumPy, 8 bytes of every value at a time: the length is mixed
    in first, then each of the value's words (the last one zero-padded) through a bijection. Two values
    of one length hash alike only if the states after some differing word collide."""
    n = len(arr)
    offsets, raw = string_bytes(arr)
    data = np.zeros(len(raw) + 8, dtype=np.uint8)  # 8 spare bytes: every 8-byte read stays inside
    data[: len(raw)] = raw
    # the little-endian 8-byte word starting at every byte (unaligned, overlapping views of ``data``)
    at_byte = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    begins = offsets[:-1]
    h = _fmix(lengths.astype(np.uint64) * _K + _K)
    for j in range(int((lengths.max() + 7) // 8) if n else 0):
        left = lengths - 8 * j
        live = left > 0
        word = at_byte[np.where(live, begins + 8 * j, 0)] & _MASKS[np.clip(left, 0, 8)]
        h = np.where(live, _fmix((h ^ word) * _K), h)
    return h.view(np.int64)


def hash_strings(arr: pa.Array) -> np.ndarray:
    """A 64-bit hash of each string (int64), the same for equal values in any batch of this process.

    Values of up to :data:`SHORT_BYTES` bytes (IDs, emails, codes: the usual unique fields) are hashed in
    NumPy; longer ones by Python's own ``hash`` (SipHash, salted per process: a SeenKeys lives in one
    process). Which function a value gets depends only on its length, so a value always hashes alike.
    """
    if not len(arr):
        return np.empty(0, dtype=np.int64)
    lengths = pc.binary_length(arr).to_numpy(zero_copy_only=False).astype(np.int64)
    short = lengths <= SHORT_BYTES
    if short.all():
        return _short_hashes(arr, lengths)
    out = np.empty(len(arr), dtype=np.int64)
    if short.any():
        out[short] = _short_hashes(arr.filter(pa.array(short)), lengths[short])
    rest = arr.filter(pa.array(~short)).to_pylist()
    out[~short] = np.fromiter(map(hash, rest), dtype=np.int64, count=len(rest))
    return out


def _stable_sort(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stable sort order of ``hashes`` (equal hashes keep their order: a group's first is the first
    occurrence), the sorted hashes, and where one equals the one before it.

    NumPy's quicksort and then a sort of the few runs of equal hashes: faster than a stable sort of all.
    """
    order = np.argsort(hashes)
    sh = hashes[order]
    repeat = np.zeros(len(sh), dtype=bool)
    repeat[1:] = sh[1:] == sh[:-1]
    if repeat.any():
        run = repeat.copy()
        run[:-1] |= repeat[1:]  # every member of a run of equal hashes
        at = np.flatnonzero(run)
        group = np.cumsum(~repeat)[at]
        order[at] = order[at][np.lexsort((order[at], group))]
    return order, sh, repeat


@dataclass(frozen=True, slots=True)
class _DiskRun:
    """A sorted run spilled to disk: its high halves mapped from one file, its (low half, row) records
    read from another on a match."""

    high: mmap.mmap
    """int32, sorted: the high 32 bits of each hash (an arithmetic shift keeps the order)."""
    keys: int
    offset: int
    """Byte offset of the run's first record in the records file."""

    def highs(self) -> np.ndarray:
        return np.frombuffer(self.high, dtype=np.int32, count=self.keys)

    def release(self) -> None:
        """Drop the mapped pages from this process's memory (the page cache keeps them for next time)."""
        if hasattr(self.high, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            self.high.madvise(mmap.MADV_DONTNEED)


class SeenKeys:
    """Membership of values seen in earlier rows, with the row of their first occurrence."""

    MAX_RUN = 1 << 19
    """Keys per in-memory run at most (merges stay a few MB)."""
    MEMORY_KEYS = 1 << 20
    """Keys kept whole in memory (12 bytes each) before the oldest runs are spilled to disk."""

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.disk: list[_DiskRun] = []
        self._file: IO[bytes] | None = None
        self._highs: IO[bytes] | None = None
        self._size = 0
        self._highs_size = 0

    @property
    def memory_keys(self) -> int:
        return sum(len(h) for h, _ in self.runs)

    def first_rows(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each value, the row where it was seen first (earlier batch or earlier in this one), or -1."""
        n = len(hashes)
        first = np.full(n, -1, dtype=np.int64)
        order, sh, repeat = _stable_sort(hashes)
        for run_h, run_r in self.runs:
            # sorted queries walk each run in order: far fewer cache misses than random ones
            pos = np.searchsorted(run_h, sh)
            pos[pos >= len(run_h)] = 0
            hit = (run_h[pos] == sh) & (first[order] < 0)
            first[order[hit]] = run_r[pos[hit]]
        if self.disk:
            self._disk_lookup(sh, order, first)
        start = np.maximum.accumulate(np.where(~repeat, np.arange(n), 0))
        dup_idx = order[repeat]
        first_in_batch = rows[order[start[repeat]]]
        first[dup_idx] = np.where(first[dup_idx] < 0, first_in_batch, first[dup_idx])
        new = order[~repeat]
        new = new[first[new] < 0]  # already in hash order
        if len(new):
            self._add(hashes[new], rows[new].astype(np.uint32))
        return first

    def _add(self, h: np.ndarray, r: np.ndarray) -> None:
        self.runs.append((h, r))
        while len(self.runs) > 1:
            (h2, r2), (h1, r1) = self.runs[-1], self.runs[-2]
            if len(h2) * 2 < len(h1) or len(h1) + len(h2) > self.MAX_RUN:
                break
            # Timsort finds the two sorted runs and merges them in one pass, faster than insertion positions.
            hh = np.concatenate([h1, h2])
            order = np.argsort(hh, kind="stable")
            self.runs[-2:] = [(hh[order], np.concatenate([r1, r2])[order])]
        while len(self.runs) > 1 and self.memory_keys > self.MEMORY_KEYS:
            self._spill(*self.runs.pop(0))

    def _spill(self, h: np.ndarray, r: np.ndarray) -> None:
        if self._file is None or self._highs is None:
            self._file = tempfile.TemporaryFile(prefix="csvprep-keys-")  # noqa: SIM115 - closed by close()
            self._highs = tempfile.TemporaryFile(prefix="csvprep-keys-")  # noqa: SIM115 - closed by close()
        low, high = _halves(h)
        rec = np.empty(len(h), dtype=_RECORD)
        rec["low"] = low
        rec["row"] = r
        self._file.seek(self._size)
        self._file.write(rec.view(np.uint8).data)
        self._file.flush()
        self._size += rec.nbytes
        # The high halves go to a file of their own, mapped and released run by run at each lookup: memory
        # that does not grow with the file.
        start = self._highs_size
        body = np.ascontiguousarray(high)
        pad = -body.nbytes % mmap.ALLOCATIONGRANULARITY  # each run's map starts on a boundary
        self._highs.seek(start)
        self._highs.write(body.data)
        self._highs.write(bytes(pad))
        self._highs.flush()
        self._highs_size = start + body.nbytes + pad
        if len(body):
            mapped = mmap.mmap(self._highs.fileno(), body.nbytes, offset=start, access=mmap.ACCESS_READ)
            self.disk.append(_DiskRun(mapped, len(body), self._size - rec.nbytes))

    def _disk_lookup(self, sh: np.ndarray, order: np.ndarray, first: np.ndarray) -> None:
        assert self._file is not None
        fd = self._file.fileno()
        ql, qh = _halves(sh)
        need = first[order] < 0
        for run in self.disk:
            high = run.highs()
            # One search per query: equal high halves are rare in a run (~30 pairs in 512k keys), so the
            # end of each match is found by stepping, for the few queries that match at all.
            lo = np.minimum(np.searchsorted(high, qh), run.keys - 1)
            hits = np.flatnonzero((high[lo] == qh) & need).tolist()
            ends = []
            for i in hits:
                b = int(lo[i]) + 1
                while b < run.keys and high[b] == qh[i]:
                    b += 1
                ends.append(b)
            del high
            run.release()
            for i, b in zip(hits, ends, strict=True):
                a = int(lo[i])
                raw = os.pread(fd, (b - a) * _RECORD.itemsize, run.offset + a * _RECORD.itemsize)
                rec = np.frombuffer(raw, dtype=_RECORD)
                match = np.flatnonzero(rec["low"] == ql[i])
                if len(match):
                    first[order[i]] = int(rec["row"][match[0]])
                    need[i] = False

    def close(self) -> None:
        """Delete the spill file (also deleted when the process ends)."""
        for run in self.disk:
            run.high.close()
        self.disk = []
        for f in (self._file, self._highs):
            if f is not None:
                f.close()
        self._file = self._highs = None
