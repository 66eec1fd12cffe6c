"""Writing one output file safely: never over an input, and all or nothing.

A report is written to a temporary file beside its target and renamed over it only when complete, so a
run that fails (or is stopped) leaves an earlier report as it was and no temporary file behind. A target
that is not a regular file (``/dev/stdout``, a FIFO, a terminal) is a stream: it is written directly.

The temporary file is ``.<name>.tmp-<pid>-<token>``, locked (:mod:`csvprep.output.locks`) while it is
written. A run killed outright (SIGKILL, a power cut) cannot remove its own; the next run for the same
target removes those whose run is gone: the name is csvprep's, its process no longer exists, and its lock
is free.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from csvprep.errors import OutputError, UsageError
from csvprep.output import locks

__all__ = [
    "describe_os_error",
    "is_write_error",
    "refuse_same_file",
    "report_file",
    "same_file",
    "stat_or_none",
]

_TOKEN_BYTES = 4
TMP = ".tmp-"
# Errors that mean "the output could not be written", whatever the file.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EACCES})


def stat_or_none(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.stat`` (through symlinks), or None when there is nothing there (or it cannot be looked at)."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def same_file(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    """Whether two stats are the same file (hard links and symlinks included)."""
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def refuse_same_file(output: Path, inputs: Iterable[str | os.PathLike[str] | None], option: str) -> None:
    """Refuse an output that is one of the inputs, by any path: writing it would destroy the input."""
    out = stat_or_none(output)
    if out is None or not stat.S_ISREG(out.st_mode):
        return
    for p in inputs:
        if p is not None and same_file(out, stat_or_none(p)):
            raise UsageError(f"{option} {output} is the input file {p}: writing it would destroy the input")


def describe_os_error(e: OSError) -> str:
    """``strerror`` of an OSError, falling back to its text (a bare OSError has no strerror)."""
    return e.strerror or str(e)


@contextmanager
def report_file(output: Path) -> Iterator[IO[str]]:
    """A text stream for the report at ``output``; the file appears only when the block ends without error.

    A symlinked target keeps its link: the file it points to is the one replaced. A replaced file keeps its
    permission bits; a new one gets the user's umask, as ``open`` would give it.
    """
    target = Path(os.path.realpath(output))
    old = stat_or_none(target)
    if (old is not None and not stat.S_ISREG(old.st_mode)) or _names_a_stream(output):
        # A device or pipe cannot be renamed over (and must never be replaced): write it as a stream.
        stream = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        try:
            yield stream
            stream.close()
        finally:
            with suppress(OSError):  # closed already, or its flush failed: the first error is the one
                stream.close()
        return
    _sweep(target)
    tmp = target.with_name(f".{target.name}{TMP}{os.getpid()}-{secrets.token_hex(_TOKEN_BYTES)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise OutputError(
            f"cannot write {output}: the report is written beside it and renamed into place, and "
            f"{target.parent} does not allow that ({describe_os_error(e)})"
        ) from e
    with suppress(OSError):  # a file system without flock: the pid in the name still marks it as live
        locks.hold(fd)
    fh = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    try:
        if old is not None:
            os.chmod(fd, stat.S_IMODE(old.st_mode))
        yield fh
        fh.close()
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):  # the first error is the one to report
            fh.close()
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _sweep(target: Path) -> None:
    """Remove the temporary files that runs killed while writing ``target`` left beside it."""
    if not locks.CAN_LOCK:
        return  # without locks a dead run's file cannot be told from a live one's
    mine = re.compile(re.escape(f".{target.name}{TMP}") + rf"([0-9]+)-[0-9a-f]{{{2 * _TOKEN_BYTES}}}")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return  # nothing to sweep that can be seen; creating the file will say what is wrong
    for name in names:
        m = mine.fullmatch(name)
        if m is None or _alive(int(m.group(1))):
            continue
        path = target.parent / name
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue  # gone already, a symlink, or not ours to open
        try:
            with locks.locked(fd, wait=False) as free:
                if free and stat.S_ISREG(os.fstat(fd).st_mode):
                    os.unlink(path)
        except OSError:
            pass  # not ours to remove: leave it
        finally:
            os.close(fd)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts: it is not this run's to judge)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:  # not a pid at all
        return False
    return True


def _names_a_stream(output: Path) -> bool:
    """``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``: an open stream, whatever file it leads to."""
    parts = Path(os.path.abspath(output)).parts
    return parts[1:2] == ("dev",) or parts[1:2] == ("proc",)


def is_write_error(e: OSError) -> bool:
    """An error that says the output could not be written (full disk, file too large, read-only...)."""
    return e.errno in WRITE_ERRNOS
