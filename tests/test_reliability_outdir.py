"""Issue 17, ``pack``'s output directory: ``--force`` removes only what csvprep wrote, the input is never
inside ``--out``, one run wins a race, paths that cannot be replaced are refused before any work, write
errors and stop signals leave nothing behind, and a killed run's working directory is cleaned up later.

Case numbers are the issue's. Where the case is about the process (``ulimit -f``, a signal, a mount) the
command runs as a process of its own; a race is made without timing, from ``pack``'s progress callback.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import csvprep
from csvprep.cli import main
from csvprep.errors import CsvprepError, OutputError, UsageError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "fixtures" / "contacts.csv"
CLI = [sys.executable, "-m", "csvprep.cli"]
LIMIT_BYTES = 1 << 16
SIGNAL_EXIT_BASE = 128  # the shell's convention for a process stopped by a signal
NOBODY = 65534


def one_line_error(err: str) -> bool:
    return err.startswith("csvprep: error: ") and err.count("\n") == 1 and "Traceback" not in err


def pack_cli(src: Path, out: Path | str, *extra: str) -> list[str]:
    return ["pack", str(src), "-m", "Contacts", "-q", "--out", str(out), *extra]


def listing(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def bad_rows(path: Path, n: int) -> Path:
    """A Contacts file whose every row is rejected (a bad email): about 100 bytes of rejects.csv a row."""
    path.write_text("Last_Name,Email\n" + "".join(f"N{i},bad{i}\n" for i in range(n)), encoding="utf-8")
    return path


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name)


# --- case 1: --force replaces only csvprep's own files --------------------------------------------------


def test_force_refuses_a_manifest_that_is_not_csvpreps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    (out / "notes.txt").write_text("x")
    assert main(pack_cli(EXAMPLE, out, "--force")) == 2
    assert one_line_error(capsys.readouterr().err)
    assert listing(out) == {"manifest.json": b"{}", "notes.txt": b"x"}


def test_force_refuses_an_earlier_output_holding_a_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert main(pack_cli(EXAMPLE, out)) == 1
    (out / "notes.txt").write_text("mine")
    before = listing(out)
    capsys.readouterr()
    assert main(pack_cli(EXAMPLE, out, "--force")) == 2
    err = capsys.readouterr().err
    assert one_line_error(err) and "notes.txt" in err
    assert listing(out) == before and leftovers(tmp_path) == []


def test_force_refuses_a_manifest_naming_files_outside(tmp_path: Path) -> None:
    out = tmp_path / "b"
    csvprep.pack(EXAMPLE, out, module="Contacts")
    doc = json.loads((out / "manifest.json").read_text())
    doc["rejects"]["file"] = "../victim.txt"
    (out / "manifest.json").write_text(json.dumps(doc))
    (tmp_path / "victim.txt").write_text("keep")
    with pytest.raises(UsageError, match="earlier pack output"):
        csvprep.pack(EXAMPLE, out, module="Contacts", force=True)
    assert (tmp_path / "victim.txt").read_text() == "keep"


def test_force_replaces_an_earlier_output_whole(tmp_path: Path) -> None:
    out = tmp_path / "b"
    first = csvprep.pack(bad_rows(tmp_path / "in.csv", 3), out, module="Contacts")
    assert first.totals.rows_rejected == 3
    second = csvprep.pack(EXAMPLE, out, module="Contacts", force=True, max_rows=2)
    names = {f for b in second.batches for bf in b.files for f in (bf.zip, bf.job)}
    assert set(listing(out)) == {*names, "rejects.csv", "manifest.json"}
    assert json.loads((out / "manifest.json").read_text())["totals"]["rows_in"] == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "in.csv"]


# --- case 3: the input is never inside --out -------------------------------------------------------------


@pytest.mark.parametrize("via", ["path", "symlink", "hard link"])
def test_input_inside_out_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], via: str) -> None:
    out = tmp_path / "b"
    assert main(pack_cli(EXAMPLE, out)) == 1
    fixed = out / "rejects.csv"  # the README's workflow: fix the rejects, pack them again
    data = fixed.read_bytes()
    src = fixed
    if via == "symlink":
        src = tmp_path / "fixed.csv"
        src.symlink_to(fixed)
    elif via == "hard link":  # as a bind mount would show it: the same file by another path
        src = tmp_path / "fixed.csv"
        os.link(fixed, src)
    capsys.readouterr()
    assert main(pack_cli(src, out, "--force")) == 2
    err = capsys.readouterr().err
    assert one_line_error(err) and "output directory" in err and "input" in err
    assert fixed.read_bytes() == data


# --- case 5: of two runs into one --out, one wins and the other fails clearly -------------------------------


def test_a_second_run_into_the_same_out_fails_while_the_first_runs(tmp_path: Path) -> None:
    out = tmp_path / "new"
    seen: list[BaseException] = []

    def second_run(rows: int, done: int | None) -> None:
        try:
            csvprep.pack(EXAMPLE, out, module="Contacts", force=True)
        except CsvprepError as e:
            seen.append(e)

    first = csvprep.pack(bad_rows(tmp_path / "in.csv", 3), out, module="Contacts", progress=second_run)
    assert len(seen) == 1 and "another csvprep pack is writing" in str(seen[0])
    assert first.totals.rows_rejected == 3
    assert json.loads((out / "manifest.json").read_text())["totals"]["rows_in"] == 3
    assert leftovers(tmp_path) == []


def test_an_out_made_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "new"

    def someone_else(rows: int, done: int | None) -> None:
        out.mkdir(exist_ok=True)
        (out / "theirs.txt").write_text("theirs")

    with pytest.raises(OutputError, match="created by someone else"):
        csvprep.pack(EXAMPLE, out, module="Contacts", progress=someone_else)
    assert listing(out) == {"theirs.txt": b"theirs"} and leftovers(tmp_path) == []


def test_two_processes_racing_for_one_out(tmp_path: Path) -> None:
    src = bad_rows(tmp_path / "in.csv", 2000)
    out = tmp_path / "out"
    procs = [
        subprocess.Popen(
            [*CLI, *pack_cli(src, out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = sorted((p.wait(), p.communicate()[1]) for p in procs)
    # Whatever the timing: one run wrote --out, the other was refused with one line.
    assert [code for code, _ in results] == [1, 2], results
    assert one_line_error(results[1][1])
    assert json.loads((out / "manifest.json").read_text())["totals"]["rows_in"] == 2000
    assert leftovers(tmp_path) == []


# --- case 9: write errors ---------------------------------------------------------------------------------


def _file_size_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))


def test_pack_past_the_file_size_limit_keeps_the_earlier_output(tmp_path: Path) -> None:
    out = tmp_path / "b"
    csvprep.pack(EXAMPLE, out, module="Contacts")
    before = listing(out)
    src = bad_rows(tmp_path / "in.csv", 2000)
    proc = subprocess.run(
        [*CLI, *pack_cli(src, out, "--force")], capture_output=True, text=True, preexec_fn=_file_size_limit
    )
    assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr
    assert "File too large" in proc.stderr
    assert listing(out) == before and leftovers(tmp_path) == []


def test_full_disk_whose_cleanup_fails_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack_module = sys.modules["csvprep.packer.pack"]

    class FullDisk(pack_module.Rejects):  # type: ignore[misc, name-defined]
        def write(self, *args: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self) -> None:
            super().close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pack_module, "Rejects", FullDisk)
    assert main(pack_cli(EXAMPLE, tmp_path / "o")) == 2
    err = capsys.readouterr().err
    assert one_line_error(err) and "No space left on device" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_pack_summary_to_a_full_stdout(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*CLI, *pack_cli(EXAMPLE, tmp_path / "o")], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr


# --- case 10: paths that cannot be replaced, refused before any work ----------------------------------------


@pytest.mark.parametrize("spelling", [".", "../b", "sub/..", "../b/."])
def test_current_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], spelling: str
) -> None:
    out = tmp_path / "b"
    csvprep.pack(EXAMPLE, out, module="Contacts")
    before = listing(out)
    monkeypatch.chdir(out)  # working in an earlier output, as after `cd batches`
    assert main(pack_cli(EXAMPLE, spelling, "--force")) == 2
    assert one_line_error(capsys.readouterr().err)
    assert listing(out) == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("dangling", [True, False])
def test_symlinked_out_is_refused_and_its_target_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dangling: bool
) -> None:
    real = tmp_path / "real"
    if not dangling:
        csvprep.pack(EXAMPLE, real, module="Contacts")
    before = listing(real) if real.exists() else None
    link = tmp_path / "link"
    link.symlink_to(real)
    assert main(pack_cli(EXAMPLE, link, "--force")) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert (listing(real) if real.exists() else None) == before and link.is_symlink()


def test_out_under_a_file_fails_before_any_work(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "afile").write_text("x")
    assert main(pack_cli(EXAMPLE, tmp_path / "afile" / "out")) == 2
    assert one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def as_unprivileged(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run csvprep as a user that permissions apply to: ``nobody`` when the tests run as root."""
    if os.geteuid() != 0:
        return subprocess.run([*CLI, *args], capture_output=True, text=True)
    if shutil.which("setpriv") is None:
        pytest.skip("root ignores permissions and setpriv is not here to drop them")
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    if subprocess.run([*drop, sys.executable, "-c", "import csvprep"], capture_output=True).returncode:
        pytest.skip("the unprivileged user cannot read this checkout (a 0700 directory above it)")
    return subprocess.run([*drop, *CLI, *args], capture_output=True, text=True)


@pytest.mark.parametrize("command", ["pack", "check"])
def test_output_under_a_permission_denied_parent(command: str) -> None:
    # Outside pytest's own 0700 temporary tree, so that the unprivileged user can reach it.
    base = Path(tempfile.mkdtemp(prefix="csvprep-perm-"))
    locked = base / "locked"
    try:
        base.chmod(0o755)
        locked.mkdir()
        (locked / "r.json").write_text("earlier")
        locked.chmod(0o555)
        if command == "pack":
            args = pack_cli(EXAMPLE, locked / "out")
        else:
            args = [
                "check",
                str(EXAMPLE),
                "-m",
                "Contacts",
                "-q",
                "-f",
                "json",
                "--output",
                str(locked / "r.json"),
            ]
        proc = as_unprivileged(args)
        assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr
        assert "Permission denied" in proc.stderr
        assert listing(locked) == {"r.json": b"earlier"}
    finally:
        if locked.exists():
            locked.chmod(0o755)
        shutil.rmtree(base)


def in_private_mounts(script: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a mount namespace of its own (root on Linux), so its mounts touch nothing else."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs unshare and root to make a private mount")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip("unshare -m is not permitted here")
    return subprocess.run(["unshare", "-m", "sh", "-ec", script], capture_output=True, text=True)


def test_out_on_a_read_only_file_system(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "ro").mkdir()
    cmd = " ".join([*CLI, *pack_cli(EXAMPLE, tmp_path / "ro" / "out")])
    proc = in_private_mounts(f"mount --bind -o ro {tmp_path}/src {tmp_path}/ro; {cmd} || echo rc=$?")
    assert proc.stdout.strip() == "rc=2" and one_line_error(proc.stderr), proc
    assert "Read-only file system" in proc.stderr


def test_out_that_is_a_mount_point(tmp_path: Path) -> None:
    for d in ("src", "mnt"):
        (tmp_path / d).mkdir()
    cmd = " ".join([*CLI, *pack_cli(EXAMPLE, tmp_path / "mnt")])
    proc = in_private_mounts(f"mount --bind {tmp_path}/src {tmp_path}/mnt; {cmd} || echo rc=$?")
    assert proc.stdout.strip() == "rc=2" and one_line_error(proc.stderr), proc
    assert "mount point" in proc.stderr
    assert leftovers(tmp_path) == [] and list((tmp_path / "src").iterdir()) == []


def test_out_is_made_with_the_users_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        result = csvprep.pack(EXAMPLE, tmp_path / "o", module="Contacts")
    finally:
        os.umask(old)
    assert (result.paths.out_dir.stat().st_mode & 0o777) == 0o750
    assert (result.paths.manifest.stat().st_mode & 0o777) == 0o640


# --- case 15: stop signals and killed runs -----------------------------------------------------------------


def test_a_killed_runs_working_directory_is_removed_by_the_next_run(tmp_path: Path) -> None:
    stale = tmp_path / ".out.partial-deadbeef"
    stale.mkdir()
    (stale / "rejects.csv").write_text("a killed run's rows")
    other = tmp_path / ".other.partial-deadbeef"  # another --out's: not this run's to remove
    other.mkdir()
    csvprep.pack(EXAMPLE, tmp_path / "out", module="Contacts")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.partial-deadbeef", "out"]


STOP_MIDWAY = """
import os, signal, sys
import csvprep.{module} as m
original = m.{cls}.write
def write(self, *args):
    os.kill(os.getpid(), signal.{signame})
    return original(self, *args)
m.{cls}.write = write
import csvprep.cli
sys.argv = ["csvprep", *sys.argv[1:]]
csvprep.cli.run()
"""


@pytest.mark.parametrize(
    ("module", "cls", "command"),
    [("packer.rejects", "Rejects", "pack"), ("report.files", "JsonWriter", "check")],
)
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_stop_signal_midway_leaves_nothing_behind(
    tmp_path: Path, module: str, cls: str, command: str, signame: str
) -> None:
    out = tmp_path / "o"
    args = (
        pack_cli(EXAMPLE, out)
        if command == "pack"
        else ["check", str(EXAMPLE), "-m", "Contacts", "-q", "-f", "json", "--output", str(out)]
    )
    code = STOP_MIDWAY.format(module=module, cls=cls, signame=signame)
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    assert proc.returncode == SIGNAL_EXIT_BASE + signal.Signals[signame] and one_line_error(proc.stderr)
    assert signame in proc.stderr and list(tmp_path.iterdir()) == []
