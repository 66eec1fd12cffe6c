"""Where a CSV's bytes come from, and reads that notice when they change.

A regular file is read in place. A pipe (``csvprep check <(...)``, ``/dev/stdin``, a named FIFO) can be
read only once, front to back, while csvprep seeks: it is copied into a temporary file first. A named
FIFO is opened without waiting for a writer, so a FIFO that nothing writes to is an error, not a hang; a
pipe (or a gzip file's contents) larger than :data:`MAX_SPOOL_BYTES` (an endless ``yes a, |``, a gzip
bomb) is an error, not a full disk.
Devices and sockets are refused. Reads are positioned reads into buffers (never a memory map: a mapped
page of a file truncated meanwhile kills the process with SIGBUS); a read that comes back short, or a
file whose size or modification time moved while it was read, is :func:`changed`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeGuard

import numpy as np

from csvprep.errors import InputError, UsageError

SPOOL_CHUNK = 1 << 20
MAX_SPOOL_BYTES = 4 << 30
"""The most a pipe, a file object or a gzip file's contents may be (4 GiB, 160 of Zoho's 25 MB batches):
each is copied to a temporary file first, and an endless pipe or a gzip bomb must not fill the disk. A
larger input is read from a (decompressed) file, with no such bound."""
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""POSIX only; Windows has no FIFOs to open."""


@dataclass(frozen=True, slots=True)
class CsvData:
    """The UTF-8 bytes to parse: ``file[start:end]`` is the data after the header."""

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


@dataclass(frozen=True, slots=True)
class Opened:
    """An input opened for reading."""

    file: IO[bytes]
    signature: tuple[int, int] | None = None
    """A regular file's (size, mtime_ns) when opened, to notice a change while it is read."""
    spooled_sha256: str | None = None
    """The sha256 of a pipe's or a file object's bytes (they cannot be read again)."""
    spooled: str | None = None
    """How the bytes came to a temporary file (a pipe, a file object, a gzip file), for a note."""


def changed(name: str) -> InputError:
    """The error for an input that changed (was truncated, rewritten or grew) while csvprep read it."""
    return InputError(
        f"{name}: the input changed while it was read (another program wrote or truncated it); "
        "run again once the file is complete"
    )


def signature(f: IO[bytes]) -> tuple[int, int]:
    st = os.fstat(f.fileno())
    return st.st_size, st.st_mtime_ns


def check_unchanged(f: IO[bytes], sig: tuple[int, int] | None, name: str) -> None:
    """InputError when the file's size or modification time moved since it was opened."""
    if sig is not None and signature(f) != sig:
        raise changed(name)


def read_at(f: IO[bytes], pos: int, size: int, name: str) -> np.ndarray:
    """``size`` bytes of ``f`` from ``pos`` (a read-only array); InputError when the file is now shorter."""
    parts = []
    left = size
    while left:
        # A regular file gives all that is asked (up to 2 GiB a call) unless it ends first.
        part = _pread(f, left, pos)
        if not part:
            raise changed(name)
        parts.append(part)
        pos += len(part)
        left -= len(part)
    return np.frombuffer(parts[0] if len(parts) == 1 else b"".join(parts), dtype=np.uint8)


def _pread(f: IO[bytes], size: int, pos: int) -> bytes:
    """Up to ``size`` bytes at ``pos``: one copy from the page cache, no shared file position."""
    if hasattr(os, "pread"):
        return os.pread(f.fileno(), size, pos)
    f.seek(pos)  # Windows has no pread; the reader's thread is the only one reading this file
    return f.read(size)


def stat_input(p: Path) -> os.stat_result:
    """The status of an input file, or the one line of why it cannot be read."""
    try:
        return os.stat(p)
    except FileNotFoundError:
        raise InputError(f"file not found: {p}") from None
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None


def open_input(p: Path) -> Opened:
    """Open ``p`` for reading: a regular file as it is, a pipe copied to a temporary file."""
    name = str(p)
    mode = stat_input(p).st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{p} is a directory, not a CSV file")
    if stat.S_ISFIFO(mode):
        return _spool(p)
    if not stat.S_ISREG(mode):
        raise InputError(f"{p} is a device or socket, not a file: pass a CSV file (or pipe one in)")
    try:
        f = open(p, "rb")  # noqa: SIM115 - the caller closes it
    except OSError as e:
        raise InputError(f"cannot read {name}: {e.strerror}") from None
    return Opened(f, signature(f))


def _copy(read: Callable[[int], bytes], spool: IO[bytes], digest: Any, what: str) -> None:
    """Copy a stream into ``spool`` (and ``digest``, when given) up to :data:`MAX_SPOOL_BYTES`; beyond
    that an InputError that begins with ``what``."""
    while chunk := read(SPOOL_CHUNK):
        if digest is not None:
            digest.update(chunk)
        spool.write(chunk)
        if spool.tell() > MAX_SPOOL_BYTES:
            raise InputError(
                f"{what} more than {MAX_SPOOL_BYTES:,} bytes, the most csvprep copies into a temporary "
                "file: save the data (decompressed) to a file and pass the file"
            )


def _spool(p: Path) -> Opened:
    """A pipe's bytes in a temporary file (deleted when closed), and their sha256."""
    try:
        # O_NONBLOCK: opening a FIFO that no program writes to would otherwise wait forever.
        fd = os.open(p, os.O_RDONLY | _NONBLOCK)
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    digest = hashlib.sha256()
    spool = tempfile.TemporaryFile(prefix="csvprep-pipe-")  # noqa: SIM115 - returned to the caller
    try:
        with open(fd, "rb", buffering=0, closefd=True) as pipe:
            if _NONBLOCK:
                os.set_blocking(fd, True)  # now wait for the data of a writer that is there (EOF if none)
            _copy(pipe.read, spool, digest, f"{p} is a pipe that gave")
        if not spool.tell():
            raise InputError(
                f"{p} is a pipe that gave no data (empty, or no program writes to it): pass a CSV file, "
                "or start the program that writes the pipe first"
            )
        spool.seek(0)
    except OSError as e:
        spool.close()
        raise InputError(f"cannot read {p}: {e.strerror}") from None
    except BaseException:
        spool.close()
        raise
    return Opened(spool, None, digest.hexdigest(), "read from a pipe (copied to a temporary file first)")


GZIP_MAGIC = b"\x1f\x8b"


def is_file_object(source: object) -> TypeGuard[IO[Any]]:
    """Whether ``source`` is an open file object (anything with a ``read`` method)."""
    return callable(getattr(source, "read", None))


def _is_text_mode(f: IO[Any]) -> bool:
    if isinstance(f, io.TextIOBase):
        return True
    if isinstance(f, (io.RawIOBase, io.BufferedIOBase)):
        return False
    return isinstance(f.read(0), str)


def _gunzip(src: IO[bytes], name: str) -> IO[bytes]:
    """A gzip stream's bytes in a temporary file (deleted when closed)."""
    out = tempfile.TemporaryFile(prefix="csvprep-gz-")  # noqa: SIM115 - returned to the caller
    try:
        with gzip.GzipFile(fileobj=src, mode="rb") as z:
            _copy(z.read, out, None, f"{name} is a gzip file that inflates to")
    except InputError:
        out.close()
        raise
    except (OSError, EOFError, zlib.error) as e:
        out.close()
        raise InputError(f"{name} is not a readable gzip file: {e}") from None
    out.seek(0)
    return out


def open_gzip(p: Path) -> Opened:
    """A ``.gz`` file, decompressed into a temporary file (the file itself is hashed by who needs it)."""
    with open_input(p).file as f:
        return Opened(_gunzip(f, str(p)), None, None, "decompressed from gzip")


def open_stream(f: IO[Any], name: str) -> Opened:
    """A readable binary file object (``open(..., "rb")``, ``io.BytesIO``, ``sys.stdin.buffer``), from its
    current position, copied into a temporary file and hashed; gzip data is decompressed."""
    if _is_text_mode(f):
        raise UsageError(
            f"{name} is a text-mode file object: open it in binary mode ('rb'), csvprep finds the encoding"
        )
    digest = hashlib.sha256()
    spool = tempfile.TemporaryFile(prefix="csvprep-stream-")  # noqa: SIM115 - returned to the caller
    try:
        _copy(f.read, spool, digest, f"{name} is a file object that gave")
        spool.seek(0)
        if spool.read(len(GZIP_MAGIC)) == GZIP_MAGIC:
            spool.seek(0)
            with spool:
                return Opened(_gunzip(spool, name), None, digest.hexdigest(), "decompressed from gzip")
        spool.seek(0)
    except (OSError, ValueError) as e:  # ValueError: a closed file
        spool.close()
        raise InputError(f"cannot read {name}: {getattr(e, 'strerror', None) or e}") from None
    except BaseException:
        spool.close()
        raise
    return Opened(
        spool, None, digest.hexdigest(), "read from a file object (copied to a temporary file first)"
    )
