"""Issue 17, scale, schema and API-argument cases: very wide files, huge cells, rows that no ZIP can hold,
hostile schema values and workbooks, and wrong argument types through the Python API.

Complexity is tested by counting work (calls, tasks), never by timing.
"""

from __future__ import annotations

import concurrent.futures
import csv
import difflib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import csvprep
from csvprep import reader
from csvprep.cli import main
from csvprep.engine import planning, validate
from csvprep.packer.batches import iter_zip_rows as _zip_rows
from csvprep.reader import csvfile
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
    monkeypatch.setattr(planning, "SUGGEST_AT_MOST", 50)
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
    # One accept pass and one rules pass, each in at most POOL_TASKS tasks (a task per column before).
    assert 0 < submitted["n"] <= 2 * validate.POOL_TASKS


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
    monkeypatch.setattr(csvfile, "WIDE_COLUMNS", 100)
    monkeypatch.setattr(csvfile, "WIDE_BATCH_CELLS", 1000)
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


# --- 13: schema values --------------------------------------------------------------------------------


def _amount_schema(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fields.json"
    path.write_text(text)
    return path


def _field_json(**attrs: object) -> str:
    f = {
        "api_name": "Amount",
        "data_type": "currency",
        "operation_type": {"api_create": True, "api_update": True},
        **attrs,
    }
    return json.dumps({"fields": [f]})


@pytest.mark.parametrize(
    ("text", "attr"),
    [
        (_field_json(length=1001), "length 1001"),
        (_field_json(decimal_place=1001), "decimal_place 1001"),
        (_field_json(decimal_place=2**31), "decimal_place 2147483648"),
        (_field_json(length="7" * 40), "length of 40 digits"),
        (_field_json(length=0).replace('"length": 0', '"length": ' + "5" * 5000), "length of 5000 digits"),
        (_field_json(length=1e300), "length of more than 30 digits"),
    ],
    ids=[
        "length-1001",
        "decimal-1001",
        "decimal-2**31",
        "length-digit-string",
        "length-5000-digits",
        "1e300",
    ],
)
def test_schema_values_out_of_range_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, attr: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text("Amount\n12.5\n")
    schema = _amount_schema(tmp_path, text)
    assert main(["check", str(src), "--module", "Deals", "--schema", str(schema)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "field 'Amount'" in err[0] and attr in err[0]


def test_schema_values_in_range_still_set_the_rules(tmp_path: Path) -> None:
    schema = csvprep.load_schema(_amount_schema(tmp_path, _field_json(length=100, decimal_place=3)), "Deals")
    df = pd.DataFrame({"Amount": ["1" * 100 + ".125", "1.1234"]}, dtype="str")
    report = csvprep.check(df, schema=schema)
    assert [(i.row, i.code) for i in report.issues] == [(3, "too-many-decimals")]


def test_deeply_nested_schema_is_a_schema_error(tmp_path: Path) -> None:
    depth = 100_000
    schema = _amount_schema(tmp_path, '{"fields": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(csvprep.CsvprepError, match="nests too deeply"):
        csvprep.load_schema(schema, "Deals")


def test_schema_read_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from csvprep.schema import jsonfile

    monkeypatch.setattr(jsonfile, "MAX_JSON_BYTES", 1 << 20)
    with pytest.raises(csvprep.CsvprepError, match="larger than 1 MB"):
        csvprep.load_schema("/dev/zero", "Deals")


# --- 21: the Python API's arguments -------------------------------------------------------------------

CONTACTS = Path(__file__).resolve().parents[1] / "fixtures" / "contacts.csv"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"schema": {}}, "schema must be"),
        ({"module": 5}, "module must be a str"),
        ({"module": "Contacts", "encoding": 5}, "encoding must be a str"),
        ({"module": "Contacts", "delimiter": 5}, "delimiter must be a str"),
        ({"module": "Contacts", "sheet": 5}, "sheet must be a str"),
        ({"module": "Contacts", "find_by": 5}, "find_by must be a str"),
        ({"module": "Contacts", "operation": 5}, "operation must be"),
        ({"module": "Contacts", "keep": -1}, "keep must be a whole number of at least 0, not -1"),
        ({"module": "Contacts", "keep": "5"}, "keep must be a whole number"),
        ({"module": "Contacts", "keep": True}, "keep must be a whole number"),
        ({"module": "Contacts", "ignore_empty": "yes"}, "ignore_empty must be True or False"),
        ({"module": "Contacts", "progress": 5}, "progress must be a function"),
        ({"module": "Contacts", "sinks": [5]}, "sinks must have write"),
    ],
)
def test_check_refuses_wrong_arguments_with_a_csvprep_error(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(csvprep.CsvprepError, match=named):
        csvprep.check(CONTACTS, **kwargs)


def test_check_refuses_a_source_that_is_neither_path_nor_frame() -> None:
    with pytest.raises(csvprep.CsvprepError, match="source must be a file path"):
        csvprep.check(5, module="Contacts")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"max_rows": "5"}, "max_rows must be a whole number"),
        ({"max_zip_bytes": 1.5}, "max_zip_bytes must be a whole number"),
        ({"compression": None}, "compression must be a whole number"),
        ({"force": 1}, "force must be True or False"),
        ({"keep": -1}, "keep must be"),
        ({"module": 5}, "module must be a str"),
    ],
)
def test_pack_refuses_wrong_arguments_and_writes_nothing(
    tmp_path: Path, kwargs: dict[str, Any], named: str
) -> None:
    args: dict[str, Any] = {"module": "Contacts", **kwargs}
    with pytest.raises(csvprep.CsvprepError, match=named):
        csvprep.pack(CONTACTS, tmp_path / "out", **args)
    assert list(tmp_path.iterdir()) == []


def test_pack_refuses_out_dir_none() -> None:
    with pytest.raises(csvprep.CsvprepError, match="out_dir must be a directory path"):
        csvprep.pack(CONTACTS, None, module="Contacts")  # type: ignore[arg-type]


def test_keep_zero_and_a_cap_keep_what_they_say() -> None:
    everything = csvprep.check(CONTACTS, module="Contacts")
    assert len(everything.issues) > 1
    assert csvprep.check(CONTACTS, module="Contacts", keep=0).issues == ()
    assert csvprep.check(CONTACTS, module="Contacts", keep=1).issues == everything.issues[:1]


def test_dataframe_bytes_values_and_names_are_refused() -> None:
    df = pd.DataFrame({"Last_Name": ["Smith", b"Jones"]}, dtype=object)
    with pytest.raises(csvprep.CsvprepError, match=r"'Last_Name'.*bytes in row 3"):
        csvprep.check(df, module="Contacts")
    with pytest.raises(csvprep.CsvprepError, match="column name b'Last_Name' is bytes"):
        csvprep.check(pd.DataFrame({b"Last_Name": ["Smith"]}), module="Contacts")


def test_dataframe_lone_surrogate_is_refused_with_its_row() -> None:
    df = pd.DataFrame({"Last_Name": ["Smith", "Ren\udce9"]}, dtype=object)
    with pytest.raises(csvprep.CsvprepError, match=r"'Last_Name' row 3 holds '\\udce9'"):
        csvprep.check(df, module="Contacts")


# --- 18: a row no batch can hold ----------------------------------------------------------------------

NOTES_FIELDS = [
    {
        "api_name": "Last_Name",
        "data_type": "text",
        "length": 80,
        "system_mandatory": True,
        "operation_type": {"api_create": True, "api_update": True},
    },
    {
        "api_name": "Notes",
        "data_type": "textarea",
        "length": 100_000,
        "operation_type": {"api_create": True, "api_update": True},
    },
]


def _notes_file(tmp_path: Path, big_row: int, rows: int = 6, size: int = 6000) -> tuple[Path, Path]:
    import random

    rng = random.Random(17)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))
    lines = ["Last_Name,Notes"]
    lines += [f"Smith{r},{noise if r == big_row else 'short note'}" for r in range(2, rows + 2)]
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + "\n")
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": NOTES_FIELDS}))
    return src, schema


def test_row_larger_than_max_zip_bytes_is_rejected_and_the_rest_packed(tmp_path: Path) -> None:
    src, schema = _notes_file(tmp_path, big_row=4)
    out = tmp_path / "out"
    result = csvprep.pack(src, out, schema=schema, module="Contacts", max_zip_bytes=3000)
    t = result.totals
    assert (t.rows_in, t.rows_packed, t.rows_rejected) == (6, 5, 1)
    assert result.exit_code == 1
    # The partition: rejected rows are exactly the report's rows with errors.
    assert result.report.summary.rows_with_errors == 1
    assert [(i.row, i.code) for i in result.report.issues] == [(4, "row-too-large")]
    with (out / "rejects.csv").open(newline="") as f:
        rejects = list(csv.reader(f))
    assert len(rejects) == 2
    assert rejects[1][:2] == ["4", rejects[1][1]] and rejects[1][1].startswith("row-too-large: ")
    packed = [row for b in result.batches for f in b.files for row in list(_zip_rows(out / f.zip))[1:]]
    assert [r[0] for r in packed] == ["Smith2", "Smith3", "Smith5", "Smith6", "Smith7"]


def test_row_over_max_csv_bytes_is_rejected(tmp_path: Path) -> None:
    src, schema = _notes_file(tmp_path, big_row=2, size=3000)
    result = csvprep.pack(src, tmp_path / "out", schema=schema, module="Contacts", max_csv_bytes=2000)
    assert (result.totals.rows_packed, result.totals.rows_rejected) == (5, 1)
    assert result.report.summary.by_code == {"row-too-large": 1}


def test_check_and_pack_flag_the_same_too_large_row_at_zohos_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from csvprep.packer import rowsize

    limit = 3000  # stands for Zoho's 25 MB, so that the test stays small
    monkeypatch.setattr(rowsize, "ZOHO_MAX_BYTES", limit)
    src, schema = _notes_file(tmp_path, big_row=5)
    checked = csvprep.check(src, schema=schema, module="Contacts")
    assert [(i.row, i.code) for i in checked.issues] == [(5, "row-too-large")]
    packed = csvprep.pack(
        src, tmp_path / "out", schema=schema, module="Contacts", max_zip_bytes=limit, max_csv_bytes=limit
    )
    assert packed.report.summary.rows_with_errors == checked.summary.rows_with_errors == 1
    assert packed.totals.rows_rejected == 1


def test_rows_that_fit_are_not_measured_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from csvprep.packer import rowsize

    measured = Counter[str]()
    real = rowsize.RowSizer._fits_alone

    def counting(self: rowsize.RowSizer, row: Any) -> bool:
        measured["n"] += 1
        return real(self, row)

    monkeypatch.setattr(rowsize.RowSizer, "_fits_alone", counting)
    src, schema = _notes_file(tmp_path, big_row=0, rows=50)
    result = csvprep.pack(src, tmp_path / "out", schema=schema, module="Contacts")
    assert result.totals.rows_packed == 50
    assert measured["n"] == 0


# --- 14: what a workbook may cost ---------------------------------------------------------------------


def _workbook(path: Path, far: str | None = None, sheets: int = 1) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Last_Name", "Email"])
    ws.append(["Smith", "smith@example.com"])
    for n in range(1, sheets):
        other = wb.create_sheet(f"Other{n}")
        other.append(["Last_Name"])
    if far is not None:
        wb[wb.sheetnames[-1]][far] = "x"
    wb.save(path)
    return path


@pytest.mark.parametrize("far", ["XFD1048576", "AZ1000000"])
def test_workbook_with_a_far_cell_is_refused_in_one_line(tmp_path: Path, far: str) -> None:
    import subprocess
    import sys

    book = _workbook(tmp_path / "far.xlsx", far)
    assert book.stat().st_size < 16_000
    run = subprocess.run(
        [sys.executable, "-m", "csvprep.cli", "check", str(book), "--module", "Contacts"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr[-500:]
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and far in lines[0] and "save the sheet as CSV" in lines[0]


def test_far_cell_on_another_sheet_does_not_block_this_one(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "two.xlsx", "XFD1048576", sheets=2)
    report = csvprep.check(book, module="Contacts", sheet="Data")
    assert report.summary.rows_read == 1
    with pytest.raises(csvprep.CsvprepError, match="sheet 'Other1' spans"):
        csvprep.check(book, module="Contacts", sheet="Other1")


def test_workbook_inflating_past_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    from csvprep.reader import sheetsize

    book = _workbook(tmp_path / "plain.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (1 << 20))
            dst.writestr(info.filename, data)
    assert bomb.stat().st_size < 16_000
    monkeypatch.setattr(sheetsize, "MAX_XML_BYTES", 1 << 20)
    with pytest.raises(csvprep.CsvprepError, match="inflates to"):
        csvprep.check(bomb, module="Contacts")
    monkeypatch.setattr(sheetsize, "MAX_XML_BYTES", 4 << 20)
    assert csvprep.check(bomb, module="Contacts").summary.rows_read == 1


# --- 17: huge cells and headers are echoed cut, kept whole as data -------------------------------------


CELL_MB = 30
MEASURE = """
import sys
from csvprep.cli import main

def peak():  # this process's peak resident memory (ru_maxrss would count the parent's, from before exec)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))

warm, huge, command, *rest = sys.argv[1:]
main([command, warm, *rest])  # the same run on a small file first: imports, thread pools, arenas
before = peak()
code = main([command, huge, *rest])
print("grew", code, peak() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
@pytest.mark.parametrize("command", ["check", "pack"])
def test_a_huge_cell_costs_a_small_multiple_of_itself(tmp_path: Path, command: str) -> None:
    """A 30 MB note (Description takes 32,000 characters): the run's peak memory grows by a few times the
    cell, not by ten (it was: a read buffer doubled past the record, pyarrow's three copies, and the
    engine's copies of the failing cell before its message was cut)."""
    size = CELL_MB << 20
    files = []
    for name, cell in [("warm.csv", "x" * 40_000), ("huge.csv", "x" * size)]:
        files.append(tmp_path / name)
        with files[-1].open("w", encoding="utf-8") as f:
            f.write("Last_Name,Email,Description\n" + "Ng,ng@example.com,ok\n" * 50)
            f.write(f'Big,big@example.com,"{cell}"\n' + "Ho,ho@example.com,ok\n" * 50)
    args = ["--module", "Contacts", "-q"]
    if command == "pack":
        args += ["--out", str(tmp_path / "out"), "--force"]
    else:
        args += ["-f", "json", "--output", str(tmp_path / "r.json")]
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, *map(str, files), command, *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, grew = map(int, proc.stdout.splitlines()[-1].split()[1:])
    assert code == 1, proc.stderr  # the huge cell is too long: its row is an error
    assert grew < 4 * size, f"peak memory grew by {grew / size:.1f}x the cell"


@pytest.mark.usefixtures("big_cells")
def test_huge_cell_is_echoed_cut_and_kept_whole_in_rejects(tmp_path: Path) -> None:
    from csvprep.clip import MAX_ECHO

    size = 300_000
    src, schema = _notes_file(tmp_path, big_row=3, size=size)
    schema.write_text(schema.read_text().replace("100000", "1000"))  # Notes takes 1,000 characters
    report_path = tmp_path / "r.json"
    args = ["check", str(src), "--module", "Contacts", "--schema", str(schema), "--format", "json"]
    assert main([*args, "--output", str(report_path)]) == 1
    assert report_path.stat().st_size < 4 * MAX_ECHO + 4000  # was the whole cell, and more
    (issue,) = json.loads(report_path.read_text())["issues"]
    assert issue["code"] == "too-long" and issue["row"] == 3
    assert issue["value"].endswith(f"…(+{size - MAX_ECHO} chars)") and len(issue["value"]) < MAX_ECHO + 30
    result = csvprep.pack(src, tmp_path / "out", schema=schema, module="Contacts")
    with (tmp_path / "out" / "rejects.csv").open(newline="") as f:
        (rejected,) = list(csv.DictReader(f))
    assert len(rejected["Notes"]) == size  # the data itself is never cut
    assert len(result.report.issues[0].message) < 2 * MAX_ECHO


@pytest.mark.usefixtures("big_cells")
def test_huge_header_is_echoed_cut_in_reports_and_manifest(tmp_path: Path) -> None:
    from csvprep.clip import MAX_ECHO

    name = "H" * 400_000
    src = tmp_path / "in.csv"
    src.write_text(f"Last_Name,{name}\nSmith,x\n")
    report = csvprep.check(src, module="Contacts")
    (unknown,) = [i for i in report.issues if i.code == "unknown-column"]
    assert unknown.column is not None and len(unknown.column) < MAX_ECHO + 30
    assert len(unknown.message) < 2 * MAX_ECHO
    assert all(len(k) < MAX_ECHO + 30 for k in report.summary.by_column)
    out = tmp_path / "out"
    csvprep.pack(src, out, module="Contacts")
    assert (out / "manifest.json").stat().st_size < 10 * MAX_ECHO + 10_000  # was 4x the header
    with (out / "rejects.csv").open(newline="") as f:
        header = next(csv.reader(f))
    assert name in header  # the header is data: rejects.csv keeps it whole to be fixed and packed again
