"""The ``flock`` locks that tell a live csvprep run's working files from a dead run's.

A run holds an exclusive lock on its working directory (``pack``, ``results``) or temporary report file
(``check --output``) for as long as it lives; the kernel drops it when the process ends, however it ends
(SIGKILL, a power cut). A later run that can take the lock knows the owner is gone and may remove what it
left. Windows has no ``flock``: there nothing is ever taken for a dead run's, and nothing is swept.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CAN_LOCK", "close", "hold", "locked", "open_dir"]

CAN_LOCK = sys.platform != "win32"
"""Whether a held lock can be seen by another process (POSIX ``flock``)."""

if CAN_LOCK:
    import fcntl

    @contextlib.contextmanager
    def locked(fd: int, wait: bool = True) -> Iterator[bool]:
        """Hold an exclusive flock on ``fd`` for the block; yields False if ``wait`` is off and it is held."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            got = True
        except BlockingIOError:
            got = False
        try:
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def hold(fd: int) -> None:
        """Take ``fd``'s lock for the life of ``fd`` (released when it closes)."""
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

else:

    @contextlib.contextmanager
    def locked(fd: int, wait: bool = True) -> Iterator[bool]:
        yield True  # no flock: one run at a time is the user's to keep

    def hold(fd: int) -> None:
        pass


def open_dir(path: Path) -> int:
    """A handle on directory ``path`` to lock (never through a symlink); -1 where there are no locks."""
    if not CAN_LOCK:
        return -1  # no flock on Windows, and no directory handles from os.open
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))


def close(fd: int) -> None:
    if fd >= 0:
        os.close(fd)
