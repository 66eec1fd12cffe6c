"""An output directory's working copy: claimed beside it, locked while the run lives, swapped in whole.

- :func:`claim` makes the working directory ``.<name>.partial-<token>`` beside the output (with the
  user's umask) and holds an ``flock`` on it for the run (:mod:`csvprep.output.locks`). Claims and commits
  of one parent directory are serialised by an ``flock`` on the parent, so a second run for the same
  output sees the first run's locked working directory and stops at once, and a working directory whose
  lock can be taken belongs to a run that died (SIGKILL, a power cut): it is removed.
- :meth:`Staging.commit` swaps the working directory in: onto a path that must not exist
  (``renameat2(RENAME_NOREPLACE)`` on Linux), or, for an earlier output checked again under the lock, an
  atomic exchange (``RENAME_EXCHANGE``), after which only the files that output held are removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from csvprep.errors import OutputError, UsageError
from csvprep.output import locks
from csvprep.output.outfile import describe_os_error
from csvprep.output.target import Target, check_earlier, entries, is_file

__all__ = ["OLD", "PARTIAL", "Staging", "claim"]

PARTIAL = ".partial-"
OLD = ".old-"
_TOKEN_BYTES = 4
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2  # linux/fs.h
_AT_FDCWD = -100


@contextlib.contextmanager
def _parent_lock(target: Target) -> Iterator[None]:
    fd = locks.open_dir(target.path.parent)
    try:
        with locks.locked(fd):
            yield
    finally:
        locks.close(fd)


class Staging:
    """A claimed working directory beside the output, locked for as long as the run lives."""

    def __init__(self, target: Target, path: Path, fd: int) -> None:
        self.target, self.path, self._fd = target, path, fd

    def commit(self) -> None:
        """Swap the finished directory in, or raise (and keep whatever is at the output path as it was)."""
        t = self.target
        with _parent_lock(t):
            if t.earlier is None:
                if not _rename(self.path, t.path, _RENAME_NOREPLACE):
                    raise OutputError(
                        f"output directory {t.shown} was created by someone else while this run was writing; "
                        "it was left as it is, and this run's output discarded"
                    )
            else:
                names = self._check_unchanged()
                if not _rename(self.path, t.path, _RENAME_EXCHANGE):
                    raise OutputError(
                        f"output directory {t.shown} changed while this run was writing; left as it is"
                    )
                _remove_old(self.path, t.path.name, names)
        self._release()

    def _check_unchanged(self) -> set[str]:
        """The output's entries, checked again under the lock as :func:`prepare` checked them."""
        t = self.target
        if t.path.is_symlink() or not t.path.is_dir():
            raise OutputError(f"output directory {t.shown} changed while this run was writing; left as it is")
        names = entries(t.path, t.shown)
        if names and not t.force:
            raise OutputError(f"output directory {t.shown} is no longer empty; left as it is")
        if names:
            check_earlier(t.path, t.shown, names, t.kind)
        return names

    def discard(self) -> None:
        """Remove the working directory; never raises (the run's own error is the one to report)."""
        shutil.rmtree(self.path, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


def claim(target: Target) -> Staging:
    """Make and lock this run's working directory, after removing those of runs that died."""
    parent, name = target.path.parent, target.path.name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with _parent_lock(target):
            _sweep(target)
            while True:
                path = parent / f".{name}{PARTIAL}{secrets.token_hex(_TOKEN_BYTES)}"
                try:
                    os.mkdir(path, 0o777)  # the user's umask applies, as for any directory they make
                    break
                except FileExistsError:
                    continue
            fd = locks.open_dir(path)
            locks.hold(fd)
    except OSError as e:
        raise OutputError(f"cannot write output directory {target.shown}: {describe_os_error(e)}") from e
    return Staging(target, path, fd)


def _sweep(target: Target) -> None:
    """Remove the working directories of dead runs for this output; stop if a live run has one."""
    if not locks.CAN_LOCK:
        return  # without locks a dead run's directory cannot be told from a live one's
    mine = re.compile(re.escape(f".{target.path.name}{PARTIAL}") + r"[a-z0-9_]{8}")  # also mkdtemp's names
    for entry in os.scandir(target.path.parent):
        if not mine.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            fd = locks.open_dir(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to look into
        try:
            with locks.locked(fd, wait=False) as free:
                if not free:
                    raise UsageError(
                        f"another csvprep {target.kind.command} is writing output directory {target.shown} "
                        f"now (in {entry.name}); wait for it to finish"
                    )
                shutil.rmtree(entry.path, ignore_errors=True)
        finally:
            os.close(fd)


def _rename(src: Path, dst: Path, flags: int) -> bool:
    """rename(2) with RENAME_NOREPLACE or RENAME_EXCHANGE; False when ``dst`` is not as the flag needs."""
    done = _renameat2(src, dst, flags)
    if done is not None:
        return done
    # No renameat2 (not Linux, or a file system without it): the parent lock keeps csvprep runs apart.
    if flags == _RENAME_NOREPLACE:
        if os.path.lexists(dst):
            return False
        os.rename(src, dst)
        return True
    old = dst.with_name(f".{dst.name}{OLD}{secrets.token_hex(_TOKEN_BYTES)}")
    os.rename(dst, old)
    try:
        os.rename(src, dst)
    except OSError:
        os.rename(old, dst)
        raise
    os.rename(old, src)
    return True


def _renameat2(src: Path, dst: Path, flags: int) -> bool | None:
    """True when done, False when ``dst`` exists (NOREPLACE) or not (EXCHANGE), None when unsupported."""
    if not sys.platform.startswith("linux"):
        return None
    fn = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if fn is None:
        return None
    if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return None
    if err in (errno.EEXIST, errno.ENOENT, errno.ENOTEMPTY):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def _remove_old(old: Path, name: str, names: set[str]) -> None:
    """Remove the replaced output (now at ``old``): the files it held when checked, then the directory."""
    for entry in names:
        if is_file(old / entry):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old / entry)
    try:
        os.rmdir(old)
    except OSError:
        # Something else was put there meanwhile: keep it, under a name no sweep removes.
        with contextlib.suppress(OSError):
            os.rename(old, old.with_name(f".{name}{OLD}{secrets.token_hex(_TOKEN_BYTES)}"))
