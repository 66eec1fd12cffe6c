"""An output directory, resolved and checked before any work: what could not be replaced safely is refused.

:func:`prepare` refuses a symlink (never followed), ``.``/``..`` or a directory holding the working
directory, a mount point (a rename cannot move it), a file, a directory holding an input, a non-empty
directory without ``force``, and with ``force`` any directory that is not exactly an earlier output of
the same kind: its marker file (``pack``'s ``manifest.json``, ``results``' ``summary.json``) must have the
shape csvprep writes, and every entry must be a file that output holds.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csvprep.errors import OutputError, UsageError
from csvprep.output.outfile import describe_os_error, same_file, stat_or_none
from csvprep.packer.batches import MANIFEST

__all__ = ["PACK", "Kind", "Target", "check_earlier", "entries", "is_file", "pack_output_files", "prepare"]

MAX_MARKER_BYTES = 256 * 1024 * 1024  # far above any real manifest; a device or a huge file is not one
MOUNTINFO = "/proc/self/mountinfo"  # https://man7.org/linux/man-pages/man5/proc_pid_mountinfo.5.html
MOUNT_FIELD = 4  # 0-based index of the mount point in each line


@dataclass(frozen=True, slots=True)
class Kind:
    """Which command writes an output directory, and how an earlier output of it is recognised."""

    command: str
    """``pack`` or ``results``: named in messages."""
    marker: str
    """The file that says a directory is an earlier output (``manifest.json``)."""
    files_of: Callable[[Path], frozenset[str] | None]
    """The names an earlier output in that directory holds (its marker included), or None if it is none."""


@dataclass(frozen=True, slots=True)
class Target:
    """The output directory: as given (for messages) and resolved (its real parent and name)."""

    shown: Path
    path: Path
    force: bool
    earlier: frozenset[str] | None
    """The entries of the directory it replaces (an empty set for an empty directory), None when new."""
    kind: Kind


def read_marker(path: Path) -> Any:
    """The JSON of a marker file, or None when it is not a regular file of a sane size holding JSON."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MARKER_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def pack_output_files(path: Path) -> frozenset[str] | None:
    """The names an earlier pack output's manifest lists (itself included), or None if it is not one."""
    names = _listed(read_marker(path / MANIFEST))
    if names is None or not all(_plain_name(n) for n in names):
        return None
    return frozenset({MANIFEST, *names})


PACK = Kind("pack", MANIFEST, pack_output_files)


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


def prepare(
    out: Path, force: bool, inputs: Iterable[str | os.PathLike[str]] = (), kind: Kind = PACK
) -> Target:
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
        return Target(out, path, force, None, kind)
    names = entries(path, out)
    if names and not force:
        raise UsageError(
            f"output directory {out} is not empty; pass force=True to replace an earlier "
            f"{kind.command} output"
        )
    if names:
        check_earlier(path, out, names, kind)
        _refuse_inputs_among(path, out, names, inputs)
    return Target(out, path, force, frozenset(names), kind)


def _refuse_inputs_among(
    path: Path, shown: Path, names: set[str], inputs: list[str | os.PathLike[str]]
) -> None:
    """An input that is one of the files to replace by another path (a bind mount, a hard link)."""
    stats = [(src, stat_or_none(src)) for src in inputs]
    for name in sorted(names):
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


def entries(path: Path, shown: Path) -> set[str]:
    """The names in output directory ``path``."""
    try:
        return set(os.listdir(path))
    except OSError as e:
        raise OutputError(f"cannot read output directory {shown}: {describe_os_error(e)}") from e


def check_earlier(path: Path, shown: Path, names: set[str], kind: Kind) -> None:
    """Refuse unless ``path`` holds exactly an earlier output of ``kind``: its own files and nothing else."""
    ours = kind.files_of(path)
    if ours is None:
        raise UsageError(
            f"csvprep {kind.command} replaces only an earlier {kind.command} output (a directory with "
            f"csvprep's {kind.marker}); {shown} has none, so it is left alone: pick another directory"
        )
    foreign = sorted(n for n in names if n not in ours or not is_file(path / n))
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise UsageError(
            f"output directory {shown} also holds {foreign[0]}{more}, which csvprep did not write; "
            "nothing was replaced (move it out, or pick another directory)"
        )


def is_file(p: Path) -> bool:
    """A regular file (never through a symlink)."""
    try:
        return stat.S_ISREG(os.lstat(p).st_mode)
    except OSError:  # gone meanwhile: not a file csvprep can vouch for
        return False
