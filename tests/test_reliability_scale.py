"""Issue 17, scale, schema and API-argument cases: very wide files, huge cells, rows that no ZIP can hold,
hostile schema values and workbooks, and wrong argument types through the Python API.

Complexity is tested by counting work (calls, tasks), never by timing.
"""

from __future__ import annotations

import concurrent.futures
import difflib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import csvprep
from csvprep import engine, reader
from csvprep.cli import main
from csvprep.report import Issue, ReportBuilder

# --- 16: many columns ---------------------------------------------------------------------------------


def _wide_csv(path: Path, width: int, rows: int = 1) -> Path:
    header = ",".join(f"c{i}" for i in range(width))
    body = "".join(",".join("x" for _ in range(width)) + "\n" for _ in range(rows))
    path.write_text(header + "\n" + body)
    return path


class _CountingPairs(Counter[tuple[str, str]]):
    """A Counter that counts how often its pairs are listed."""

    listed = 0

    def items(self) -> Any:
        type(self).listed += 1
        return super().items()


def test_by_column_code_is_one_pass_over_the_pairs() -> None:
    width = 500
    builder = ReportBuilder()
    builder.add_file_issues(
        [Issue(None, f"c{i}", "unknown-column", csvprep.Severity.ERROR, None, "m") for i in range(width)]
    )
    builder.by_pair = _CountingPairs(builder.by_pair)
    report = builder.finish(0, {})
    # Quadratic before: every column listed all the pairs again.
    assert _CountingPairs.listed <= 2
    assert len(report.summary.by_column_code) == width
    assert report.summary.by_column_code["c7"] == {"unknown-column": 1}


def test_wide_file_suggests_for_a_bounded_number_of_unknown_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = Counter[str]()
    real = difflib.get_close_matches

    def counting(*a: Any, **k: Any) -> Any:
        calls["n"] += 1
        return real(*a, **k)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    monkeypatch.setattr(engine, "SUGGEST_AT_MOST", 50)
    width = 400
    report = csvprep.check(_wide_csv(tmp_path / "w.csv", width), module="Contacts")
    unknown = [i for i in report.issues if i.code == "unknown-column"]
    assert len(unknown) == width
    # Two fuzzy searches at most per suggested column (names, then labels); none past the cap.
    assert calls["n"] <= 2 * 50
    assert "did you mean" not in unknown[-1].message


def test_wide_file_checks_columns_in_a_bounded_number_of_pool_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted = Counter[str]()
    real = concurrent.futures.ThreadPoolExecutor.submit

    def counting(self: concurrent.futures.ThreadPoolExecutor, *a: Any, **k: Any) -> Any:
        if self._thread_name_prefix == "csvprep-check":
            submitted["n"] += 1
        return real(self, *a, **k)

    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "submit", counting)
    width = 3000
    report = csvprep.check(_wide_csv(tmp_path / "w.csv", width), module="Contacts")
    assert report.summary.by_code["unknown-column"] == width
    # One accept pass and one rules pass, each in at most _POOL_TASKS tasks (a task per column before).
    assert 0 < submitted["n"] <= 2 * engine._POOL_TASKS


def test_very_wide_file_is_read_by_the_exact_parser_in_bounded_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.csv as pcsv

    parsed = Counter[str]()
    real = pcsv.read_csv

    def counting(*a: Any, **k: Any) -> Any:
        parsed["n"] += 1
        return real(*a, **k)

    monkeypatch.setattr(pcsv, "read_csv", counting)
    monkeypatch.setattr(reader, "WIDE_COLUMNS", 100)
    monkeypatch.setattr(reader, "WIDE_BATCH_CELLS", 1000)
    width, rows = 250, 30
    table = reader.open_table(_wide_csv(tmp_path / "w.csv", width, rows))
    batches = list(table.batches)
    assert parsed["n"] == 0
    assert sum(b.records for b in batches) == rows
    assert all(b.table.num_rows * width <= 1000 for b in batches)


def test_wide_insert_is_a_file_level_error_and_pack_rejects_every_row(tmp_path: Path) -> None:
    width = reader.WIDE_COLUMNS + 10
    src = _wide_csv(tmp_path / "w.csv", width, rows=3)
    assert (
        main(
            [
                "check",
                str(src),
                "--module",
                "Contacts",
                "--format",
                "json",
                "--output",
                str(tmp_path / "r.json"),
            ]
        )
        == 1
    )
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["by_code"]["too-many-columns"] == 1
    result = csvprep.pack(src, tmp_path / "out", module="Contacts")
    assert result.blocked and result.totals.rows_rejected == 3 and result.totals.rows_packed == 0
