"""Hostile values: terminal escapes, spreadsheet formulas, hidden characters, invented dates (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csvprep.cli import main

# A CSI clear-screen, an OSC 52 clipboard write, an OSC retitle, a bidi override and rich markup.
HOSTILE = ("\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\x1b]0;pwned\x07", "evil\u202etxt.exe", "[bold]loud[/bold]")


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def _hostile_csv(tmp_path: Path) -> Path:
    # The header cell is unknown (a file-level message naming it); the cells fail Email's rule.
    header = "Last_Name,Email,Bad\x1b[31mCol"
    rows = [f'"Doe","{v}x",v' for v in HOSTILE]
    return _write(tmp_path / "in.csv", "\n".join([header, *rows]) + "\n")


def _assert_shown_escaped(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\x1b[2J" in out and "\\x1b]52;c;ZXZpbA==\\x07" in out and "\\u202e" in out
    assert "Bad\\x1b[31mCol" in out
    assert "[bold]loud[/bold]" in out  # shown as typed, not read as rich markup


def test_check_table_escapes_every_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _hostile_csv(tmp_path)
    assert main(["check", str(src), "-m", "Contacts"]) == 1
    _assert_shown_escaped(capsys.readouterr().out)


def test_check_table_to_a_file_escapes_too(tmp_path: Path) -> None:
    src, report = _hostile_csv(tmp_path), tmp_path / "report.txt"
    assert main(["check", str(src), "-m", "Contacts", "--output", str(report)]) == 1
    _assert_shown_escaped(report.read_text(encoding="utf-8"))


def test_pack_summary_escapes_file_level_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _hostile_csv(tmp_path)
    assert main(["pack", str(src), "-m", "Contacts", "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Bad\\x1b[31mCol" in out


def test_error_line_escapes_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "no\x1b]0;x\x07such.csv"), "-m", "Contacts"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "no\\x1b]0;x\\x07such.csv" in err


def test_machine_formats_keep_the_exact_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _hostile_csv(tmp_path)
    assert main(["check", str(src), "-m", "Contacts", "-f", "json"]) == 1
    issues = json.loads(capsys.readouterr().out)["issues"]
    assert {i["value"] for i in issues if i["column"] == "Email"} >= {f"{v}x" for v in HOSTILE}
    assert any(i["column"] == "Bad\x1b[31mCol" for i in issues)
