"""Issue 17, output safety: a report or an output directory never destroys a user's file, is written whole
or not at all, and every failure to write is exit 2 with one line.

Case numbers are the issue's. The command runs in process (``main``) unless the case is about the process
itself (signals, ``ulimit -f``, a stdout that cannot be written), which needs a ``csvprep`` of its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csvprep.cli import main

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "fixtures" / "contacts.csv"
CHECK = ["check", "-m", "Contacts", "-q"]
CLI = [sys.executable, "-m", "csvprep.cli"]
LIMIT_BYTES = 1 << 16


def one_line_error(err: str) -> bool:
    return err.startswith("csvprep: error: ") and err.count("\n") == 1 and "Traceback" not in err


def run_cli(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=REPO, **kw)  # type: ignore[call-overload, no-any-return]


def bad_rows(path: Path, n: int) -> Path:
    """A Contacts file whose every row has a bad email: a report of about 300 bytes a row."""
    path.write_text("Last_Name,Email\n" + "".join(f"N{i},bad{i}\n" for i in range(n)), encoding="utf-8")
    return path


# --- case 2: the report is never written over the input ------------------------------------------------


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "other spelling"])
def test_check_output_that_is_the_input_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    src = tmp_path / "f.csv"
    data = EXAMPLE.read_bytes()
    src.write_bytes(data)
    out = {
        "same path": src,
        "symlink": tmp_path / "link.csv",
        "hard link": tmp_path / "hard.csv",
        "other spelling": tmp_path / "sub" / ".." / "f.csv",
    }[how]
    if how == "symlink":
        out.symlink_to(src)
    elif how == "hard link":
        os.link(src, out)
    elif how == "other spelling":
        (tmp_path / "sub").mkdir()
    assert main([*CHECK, str(src), "-f", "json", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert one_line_error(err) and "is the input file" in err
    assert src.read_bytes() == data


def test_check_output_that_is_the_schema_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": [{"api_name": "Last_Name", "data_type": "text"}]}))
    before = schema.read_bytes()
    args = ["check", str(EXAMPLE), "--schema", str(schema), "-m", "Contacts", "-f", "json"]
    assert main([*args, "--output", str(schema)]) == 2
    assert one_line_error(capsys.readouterr().err) and schema.read_bytes() == before


# --- case 6: a failed check leaves the earlier report as it was ----------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_failed_check_keeps_the_earlier_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    report = tmp_path / "report.out"
    assert main([*CHECK, str(EXAMPLE), "-f", fmt, "--output", str(report)]) == 1
    earlier = report.read_bytes()
    os.chmod(report, 0o640)
    assert earlier
    # The input cannot be read: exit 2, and the earlier report is untouched, with no temporary file.
    assert main([*CHECK, str(tmp_path / "missing.csv"), "-f", fmt, "--output", str(report)]) == 2
    assert one_line_error(capsys.readouterr().err)
    assert report.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.out"]
    # A run that succeeds replaces it whole, keeping its permissions.
    other = bad_rows(tmp_path / "other.csv", 3)
    assert main([*CHECK, str(other), "-f", fmt, "--output", str(report)]) == 1
    assert report.read_bytes() != earlier and (report.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.csv", "report.out"]


def test_report_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert main([*CHECK, str(EXAMPLE), "-f", "json", "--output", str(link)]) == 1
    assert link.is_symlink() and json.loads(real.read_text())["summary"]["rows_read"] == 10


def _temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


def test_a_killed_checks_temporary_report_is_removed_by_the_next_run(tmp_path: Path) -> None:
    src = bad_rows(tmp_path / "in.csv", 400_000)  # a report of ~120 MB: long enough to be caught writing
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        [*CLI, *CHECK, str(src), "-f", "json", "--output", str(report)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(6000):  # until the report is being written (or the run ended)
            if _temporaries(tmp_path) or proc.poll() is not None:
                break
            time.sleep(0.01)
        proc.kill()  # SIGKILL: the run cannot clean up after itself
    finally:
        proc.wait()
    left = _temporaries(tmp_path)
    assert len(left) == 1 and left[0].startswith(".report.json.tmp-"), left
    assert main([*CHECK, str(EXAMPLE), "-f", "json", "--output", str(report)]) == 1
    assert _temporaries(tmp_path) == [] and json.loads(report.read_text())["summary"]["rows_read"] == 10


def test_only_dead_runs_own_temporary_reports_are_swept(tmp_path: Path) -> None:
    import fcntl

    dead = subprocess.Popen([sys.executable, "-c", ""])
    dead.wait()  # its pid now names no process
    report = tmp_path / "r.json"
    names = {
        f".r.json.tmp-{dead.pid}-0a1b2c3d": "swept",  # its run is gone
        f".r.json.tmp-{os.getpid()}-0a1b2c3d": "kept",  # a live run's (this process)
        f".r.json.tmp-{dead.pid}-0a1b2c3e": "kept",  # locked: some run holds it
        f".other.json.tmp-{dead.pid}-0a1b2c3d": "kept",  # another report's
        ".r.json.tmp-notes": "kept",  # not a name csvprep makes
        f"r.json.tmp-{dead.pid}-0a1b2c3d": "kept",
    }
    for name in names:
        (tmp_path / name).write_text("x")
    held = os.open(tmp_path / f".r.json.tmp-{dead.pid}-0a1b2c3e", os.O_RDONLY)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        assert main([*CHECK, str(EXAMPLE), "-f", "csv", "--output", str(report)]) == 1
    finally:
        os.close(held)
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"r.json", *(n for n, fate in names.items() if fate == "kept")}


# --- case 9: write errors are one line, exit 2, nothing half-written ----------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_check_output_to_a_full_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CHECK, str(EXAMPLE), "-f", "json", "--output", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert one_line_error(err) and "/dev/full" in err
    assert Path("/dev/full").is_char_device()  # written as a stream, never replaced


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_check_to_a_stdout_that_cannot_be_written(fmt: str) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [*CLI, *CHECK, str(EXAMPLE), "-f", fmt], stdout=full, stderr=subprocess.PIPE, text=True, cwd=REPO
        )
    assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr
    assert "standard output" in proc.stderr


def _file_size_limit() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, LIMIT_BYTES))


def test_check_output_past_the_file_size_limit(tmp_path: Path) -> None:
    src = bad_rows(tmp_path / "in.csv", 1000)
    report = tmp_path / "report.json"
    report.write_text("earlier")
    proc = run_cli(*CHECK, str(src), "-f", "json", "--output", str(report), preexec_fn=_file_size_limit)
    assert proc.returncode == 2 and one_line_error(proc.stderr), proc.stderr
    assert "File too large" in proc.stderr
    assert report.read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "report.json"]


# --- case 22: usage errors are one line --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", str(EXAMPLE), "-m", "Contacts", "--bogus"],
        ["check"],
        ["chek"],
        ["check", str(EXAMPLE), "-m", "Contacts", "-f", "jsn"],
        ["pack", str(EXAMPLE), "-m", "Contacts", "--out", "x", "--max-rows", "0"],
    ],
)
def test_usage_errors_are_one_line(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert one_line_error(captured.err) and "--help" in captured.err and not captured.out


def test_help_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: csvprep check") and "--out" in out
