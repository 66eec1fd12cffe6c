"""``pack``'s output directory: checked before any work, written aside, swapped in whole, never over a
file csvprep did not write.

- :func:`prepare` resolves ``out_dir`` up front and refuses what could not be replaced safely: a symlink
  (never followed), ``.``/``..`` or a directory holding the working directory, a mount point (a rename
  cannot move it), a file, a directory holding the input, a non-empty directory without ``force``, and with
  ``force`` any directory that is not exactly an earlier pack output: its ``manifest.json`` must have the
  shape csvprep writes, and every entry must be a file that manifest lists.
- :func:`claim` makes the working directory ``.<name>.partial-<token>`` beside the output (with the
  user's umask) and holds an ``flock`` on it for the run. Claims and commits of one parent directory are
  serialised by an ``flock`` on the parent, so a second run for the same output sees the first run's locked
  working directory and stops at once, and a working directory whose lock can be taken belongs to a run
  that died (SIGKILL, a power cut): it is removed.
- :meth:`Staging.commit` swaps the working directory in: onto a path that must not exist
  (``renameat2(RENAME_NOREPLACE)`` on Linux), or, for an earlier output checked again under the lock, an
  atomic exchange (``RENAME_EXCHANGE``), after which only the files that output's manifest lists are
  removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csvprep.errors import OutputError, UsageError
from csvprep.output.outfile import describe_os_error, same_file, stat_or_none
from csvprep.packer.batches import MANIFEST

__all__ = ["Staging", "Target", "claim", "earlier_output_files", "prepare"]

PARTIAL = ".partial-"
OLD = ".old-"
_TOKEN_BYTES = 4
MAX_MANIFEST_BYTES = 256 * 1024 * 1024  # far above any real manifest; a device or a huge file is not one
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2  # linux/fs.h
_AT_FDCWD = -100
MOUNTINFO = "/proc/self/mountinfo"  # https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html
MOUNT_FIELD = 4  # 0-based index of the mount point in each line


@dataclass(frozen=True, slots=True)
class Target:
    """The output directory: as given (for messages) and resolved (its real parent and name)."""

    shown: Path
    path: Path
    force: bool
    earlier: frozenset[str] | None
    """The entries of the directory it replaces (an empty set for an empty directory), None when new."""


# --- up front -------------------------------------------------------------------------------------------


def prepare(out: Path, force: bool, inputs: Iterable[str | os.PathLike[str]] = ()) -> Target:
    """Resolve ``out`` and refuse, before any work, what cannot be written or replaced safely."""
    if out.is_symlink():
        raise UsageError(
            f"output directory {out} is a symbolic link (to {os.readlink(out)}); csvprep does not follow it, "
            "so that a replace can never reach its target: give the directory itself"
        )
    path = Path(os.path.realpath(out))
    if out.name in ("", ".", "..") or _holds_cwd(path):
        raise UsageError(
            f"output directory {out} is the current directory or holds it: name a directory for the "
            "output (e.g. batches)"
        )
    if path.exists() and not path.is_dir():
        raise UsageError(f"output directory {out} is a file, not a directory")
    if _is_mount(path):
        raise UsageError(
            f"output directory {out} is a mount point, which cannot be replaced by a rename: "
            "use a directory inside it"
        )
    inputs = list(inputs)
    for src in inputs:
        real = Path(os.path.realpath(src))
        if path == real or path in real.parents:
            raise UsageError(f"the input {src} is inside output directory {out}: pick another directory")
    if not path.is_dir():
        return Target(out, path, force, None)
    entries = _entries(path, out)
    if entries and not force:
        raise UsageError(
            f"output directory {out} is not empty; pass force=True to replace an earlier pack output"
        )
    if entries:
        _check_earlier(path, out, entries)
        _refuse_inputs_among(path, out, entries, inputs)
    return Target(out, path, force, frozenset(entries))


def _refuse_inputs_among(
    path: Path, shown: Path, entries: set[str], inputs: list[str | os.PathLike[str]]
) -> None:
    """An input that is one of the files to replace by another path (a bind mount, a hard link)."""
    stats = [(src, stat_or_none(src)) for src in inputs]
    for name in sorted(entries):
        st = stat_or_none(path / name)
        for src, s in stats:
            if same_file(st, s):
                raise UsageError(
                    f"the input {src} is {name} of output directory {shown} by another path: "
                    "pick another directory"
                )


def _holds_cwd(path: Path) -> bool:
    try:
        cwd = Path(os.path.realpath(Path.cwd()))
    except OSError:  # the working directory was removed: it cannot be inside anything
        return False
    return path == cwd or path in cwd.parents


def _is_mount(path: Path) -> bool:
    """A mount point, bind mounts of the same file system included (``os.path.ismount`` misses those)."""
    if os.path.ismount(path):
        return True
    try:
        with open(MOUNTINFO, "rb") as fh:
            lines = fh.read().splitlines()
    except OSError:  # not Linux
        return False
    target = os.fsencode(path)
    # The fifth field is the mount point, with space, tab, newline and backslash as octal escapes.
    return any(_unescape(line.split(b" ")[4]) == target for line in lines if line.count(b" ") >= MOUNT_FIELD)


def _unescape(field: bytes) -> bytes:
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), field)


def _entries(path: Path, shown: Path) -> set[str]:
    try:
        return set(os.listdir(path))
    except OSError as e:
        raise OutputError(f"cannot read output directory {shown}: {describe_os_error(e)}") from e


def earlier_output_files(path: Path) -> frozenset[str] | None:
    """The names an earlier pack output's manifest lists (itself included), or None if it is not one."""
    manifest = path / MANIFEST
    try:
        st = os.lstat(manifest)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:
            return None
        doc = json.loads(manifest.read_bytes())
    except (OSError, ValueError):
        return None
    names = _listed(doc)
    if names is None or not all(_plain_name(n) for n in names):
        return None
    return frozenset({MANIFEST, *names})


def _listed(doc: Any) -> list[str] | None:
    """The files of a manifest shaped as :func:`csvprep.pack` writes it; None for any other JSON."""
    if not (isinstance(doc, dict) and doc.get("csvprep") == "pack"):
        return None
    batches, rejects, totals = doc.get("batches"), doc.get("rejects"), doc.get("totals")
    if not (isinstance(batches, list) and isinstance(rejects, dict) and isinstance(totals, dict)):
        return None
    names: list[Any] = [rejects.get("file")]
    for b in batches:
        files = b.get("files") if isinstance(b, dict) else None
        if not isinstance(files, list) or not all(isinstance(f, dict) for f in files):
            return None
        names += [f.get(key) for f in files for key in ("zip", "job")]
    return names if all(isinstance(n, str) for n in names) else None


def _plain_name(name: str) -> bool:
    """A name inside the directory: a manifest that names ``../x`` or ``/x`` is not csvprep's."""
    return name not in ("", ".", "..") and os.sep not in name and "/" not in name and "\0" not in name


def _check_earlier(path: Path, shown: Path, entries: set[str]) -> None:
    ours = earlier_output_files(path)
    if ours is None:
        raise UsageError(
            f"force replaces only an earlier pack output (a directory with csvprep's {MANIFEST}); "
            f"{shown} has none, so it is left alone"
        )
    foreign = sorted(n for n in entries if n not in ours or not _is_file(path / n))
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise UsageError(
            f"output directory {shown} also holds {foreign[0]}{more}, which csvprep did not write; "
            "nothing was replaced (move it out, or pick another directory)"
        )


def _is_file(p: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:  # gone meanwhile: not a file csvprep can vouch for
        return False


# --- the run --------------------------------------------------------------------------------------------


if sys.platform == "win32":

    @contextlib.contextmanager
    def _locked(fd: int, wait: bool = True) -> Iterator[bool]:
        yield True  # no flock: one run at a time is the user's to keep

else:
    import fcntl

    @contextlib.contextmanager
    def _locked(fd: int, wait: bool = True) -> Iterator[bool]:
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


def _open_dir(path: Path) -> int:
    if sys.platform == "win32":
        return -1  # no flock on Windows, and no directory handles from os.open
    return os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))


@contextlib.contextmanager
def _parent_lock(target: Target) -> Iterator[None]:
    fd = _open_dir(target.path.parent)
    try:
        with _locked(fd):
            yield
    finally:
        _close(fd)


def _close(fd: int) -> None:
    if fd >= 0:
        os.close(fd)


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
                entries = self._check_unchanged()
                if not _rename(self.path, t.path, _RENAME_EXCHANGE):
                    raise OutputError(
                        f"output directory {t.shown} changed while this run was writing; left as it is"
                    )
                _remove_old(self.path, t.path.name, entries)
        self._release()

    def _check_unchanged(self) -> set[str]:
        """The output's entries, checked again under the lock as :func:`prepare` checked them."""
        t = self.target
        if t.path.is_symlink() or not t.path.is_dir():
            raise OutputError(f"output directory {t.shown} changed while this run was writing; left as it is")
        entries = _entries(t.path, t.shown)
        if entries and not t.force:
            raise OutputError(f"output directory {t.shown} is no longer empty; left as it is")
        if entries:
            _check_earlier(t.path, t.shown, entries)
        return entries

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
            fd = _open_dir(path)
            _hold(fd)
    except OSError as e:
        raise OutputError(f"cannot write output directory {target.shown}: {describe_os_error(e)}") from e
    return Staging(target, path, fd)


def _hold(fd: int) -> None:
    """Take the working directory's lock for the life of ``fd`` (released when it closes)."""
    if sys.platform != "win32":
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _sweep(target: Target) -> None:
    """Remove the working directories of dead runs for this output; stop if a live run has one."""
    if sys.platform == "win32":
        return  # without locks a dead run's directory cannot be told from a live one's
    mine = re.compile(re.escape(f".{target.path.name}{PARTIAL}") + r"[a-z0-9_]{8}")  # also mkdtemp's names
    for entry in os.scandir(target.path.parent):
        if not mine.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            fd = _open_dir(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to look into
        try:
            with _locked(fd, wait=False) as free:
                if not free:
                    raise UsageError(
                        f"another csvprep pack is writing output directory {target.shown} now "
                        f"(in {entry.name}); wait for it to finish"
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


def _remove_old(old: Path, name: str, entries: set[str]) -> None:
    """Remove the replaced output (now at ``old``): the files it held when checked, then the directory."""
    for entry in entries:
        if _is_file(old / entry):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(old / entry)
    try:
        os.rmdir(old)
    except OSError:
        # Something else was put there meanwhile: keep it, under a name no sweep removes.
        with contextlib.suppress(OSError):
            os.rename(old, old.with_name(f".{name}{OLD}{secrets.token_hex(_TOKEN_BYTES)}"))
