"""Every input route gives the path route's report (and pack its ZIP bytes): Arrow tables and streams,
polars, DuckDB, binary file objects, ``.gz`` files and standard input; an option that does not apply to
the input is an error, never ignored."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import csvprep
from csvprep.cli import main
from tests.conftest import REPO

EXAMPLE = REPO / "fixtures" / "contacts.csv"
DATA = EXAMPLE.read_bytes()


def issues(report: csvprep.Report) -> list[tuple[Any, ...]]:
    return [(i.row, i.column, i.code, i.severity, i.value, i.message) for i in report.issues]


def expected() -> list[tuple[Any, ...]]:
    report = csvprep.check(EXAMPLE, module="Contacts")
    assert report.issues  # the example has mistakes on purpose
    return issues(report)


def arrow_table() -> pa.Table:
    frame = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    return pa.Table.from_pandas(frame, preserve_index=False)


def _polars(kind: str) -> object:
    pl = pytest.importorskip("polars")
    frame = pl.from_arrow(arrow_table())
    return frame.lazy() if kind == "lazy" else frame


def _duckdb() -> object:
    duckdb = pytest.importorskip("duckdb")
    return duckdb.from_arrow(arrow_table())


SOURCES = {
    "pyarrow Table": arrow_table,
    "RecordBatchReader": lambda: pa.RecordBatchReader.from_batches(
        arrow_table().schema, arrow_table().to_batches(max_chunksize=3)
    ),
    "polars DataFrame": lambda: _polars("eager"),
    "polars LazyFrame": lambda: _polars("lazy"),
    "DuckDB relation": _duckdb,
    "BytesIO": lambda: io.BytesIO(DATA),
    "gzip BytesIO": lambda: io.BytesIO(gzip.compress(DATA)),
}


@pytest.mark.parametrize("name", SOURCES)
def test_every_input_gives_the_path_routes_issues(name: str) -> None:
    assert issues(csvprep.check(SOURCES[name](), module="Contacts")) == expected()


def test_an_open_binary_file_and_a_gz_file(tmp_path: Path) -> None:
    with open(EXAMPLE, "rb") as f:
        report = csvprep.check(f, module="Contacts")
    assert issues(report) == expected() and report.summary.source["file"] == str(EXAMPLE)
    gz = tmp_path / "contacts.csv.gz"
    gz.write_bytes(gzip.compress(DATA))
    report = csvprep.check(gz, module="Contacts")
    assert issues(report) == expected()
    assert "decompressed from gzip" in report.summary.source["notes"]


def test_a_text_mode_file_object_is_refused() -> None:
    with open(EXAMPLE, encoding="utf-8") as f, pytest.raises(csvprep.CsvprepError) as raised:
        csvprep.check(f, module="Contacts")
    assert "text-mode file object: open it in binary mode ('rb')" in str(raised.value)
    with pytest.raises(csvprep.CsvprepError, match="text-mode"):
        csvprep.check(io.StringIO("Last_Name\nNg\n"), module="Contacts")


def test_a_broken_gz_file_is_one_line(tmp_path: Path) -> None:
    gz = tmp_path / "contacts.csv.gz"
    gz.write_bytes(gzip.compress(DATA)[:40])
    with pytest.raises(csvprep.CsvprepError, match="is not a readable gzip file"):
        csvprep.check(gz, module="Contacts")


def _zips(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in (".zip", ".json")}


def test_pack_writes_the_same_zips_from_every_route(tmp_path: Path) -> None:
    csvprep.pack(EXAMPLE, tmp_path / "path", module="Contacts")
    want = _zips(tmp_path / "path")
    manifest = json.loads(want.pop("manifest.json"))
    assert any(name.endswith(".zip") for name in want)
    gz = tmp_path / "c.csv.gz"
    gz.write_bytes(gzip.compress(DATA))
    for name, source in [("arrow", arrow_table()), ("bytes", io.BytesIO(DATA)), ("gz", gz)]:
        result = csvprep.pack(source, tmp_path / name, module="Contacts")
        got = _zips(tmp_path / name)
        theirs = json.loads(got.pop("manifest.json"))
        assert got == want, name
        assert theirs["batches"] == manifest["batches"] and theirs["totals"] == manifest["totals"]
        assert result.totals.rows_in == manifest["totals"]["rows_in"]
    streamed = json.loads((tmp_path / "bytes" / "manifest.json").read_text())["input"]
    assert streamed["sha256"] == manifest["input"]["sha256"]


def test_stdin_in_the_cli(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "csvprep.cli", *args], input=DATA, capture_output=True)

    proc = run("check", "-", "-m", "Contacts", "-f", "json", "-q")
    assert proc.returncode == 1, proc.stderr
    got = json.loads(proc.stdout)["issues"]
    assert got == csvprep.check(EXAMPLE, module="Contacts").to_dict()["issues"]
    proc = run("pack", "-", "-m", "Contacts", "--out", str(tmp_path / "stdin"), "-q")
    assert proc.returncode == 1, proc.stderr
    csvprep.pack(EXAMPLE, tmp_path / "path", module="Contacts")
    want_zips = _zips(tmp_path / "path")
    got_zips = _zips(tmp_path / "stdin")
    want_zips.pop("manifest.json"), got_zips.pop("manifest.json")
    assert got_zips == want_zips


FRAME = pd.DataFrame({"Last_Name": ["Ng"]})


@pytest.mark.parametrize(
    ("source", "option", "message"),
    [
        (lambda: FRAME, {"encoding": "cp1252"}, "^encoding= does not apply to a DataFrame"),
        (lambda: FRAME, {"delimiter": ";"}, "^delimiter= does not apply to a DataFrame"),
        (lambda: FRAME, {"sheet": "S"}, "^sheet= does not apply to a DataFrame"),
        (
            arrow_table,
            {"encoding": "utf-8", "sheet": "S"},
            "^encoding= and sheet= do not apply to a DataFrame",
        ),
        (lambda: EXAMPLE, {"sheet": "S"}, "^sheet= does not apply to a CSV file"),
        (lambda: EXAMPLE, {"tz": "+05:30"}, "^tz= does not apply to a CSV file"),
        (lambda: io.BytesIO(DATA), {"sheet": "S"}, "^sheet= does not apply to a file object"),
        (lambda: io.BytesIO(DATA), {"tz": "+01:00"}, "^tz= does not apply to a file object"),
        (lambda: 42, {}, "^source must be a file path .*, not int 42$"),
    ],
)
def test_an_option_that_does_not_apply_is_an_error(source: Any, option: dict[str, str], message: str) -> None:
    with pytest.raises(csvprep.CsvprepError, match=message) as raised:
        csvprep.check(source(), module="Contacts", **option)
    assert "\n" not in str(raised.value)


def test_xlsx_refuses_encoding(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["Last_Name"])
    wb.active.append(["Ng"])
    wb.save(tmp_path / "c.xlsx")
    with pytest.raises(csvprep.CsvprepError, match=r"^encoding= does not apply to a workbook"):
        csvprep.check(tmp_path / "c.xlsx", module="Contacts", encoding="cp1252")
    assert main(["check", str(tmp_path / "c.xlsx"), "-m", "Contacts", "--delimiter", ";", "-q"]) == 2


def test_a_closed_file_object_is_one_line() -> None:
    f = io.BytesIO(DATA)
    f.close()
    with pytest.raises(csvprep.CsvprepError, match=r"^cannot read <stream>: I/O operation on closed file"):
        csvprep.check(f, module="Contacts")
