""".xlsx input: cells read as the text a person sees, dates as yyyy-MM-dd, row numbers of the sheet."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import field

from csvprep import reader
from csvprep.cli import main
from csvprep.errors import InputError, UsageError
from csvprep.packer.batches import iter_zip_rows

openpyxl = pytest.importorskip("openpyxl")

HEADER = ["Last_Name", "Phone", "Account_Id", "Ref", "Date_of_Birth", "Follow_Up", "Opt_Out", "Score"]
FIELDS = [
    field("Last_Name", "text", length=80, system_mandatory=True),
    field("Phone", "phone", length=30),
    field("Account_Id", "bigint"),
    field("Ref", "text", length=40),
    field("Date_of_Birth", "date"),
    field("Follow_Up", "datetime"),
    field("Opt_Out", "boolean"),
    field("Score", "double"),
]


def workbook(path: Path, rows: list[list[object]], title: str = "Contacts", extra: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if extra:
        wb.create_sheet("Notes").append(["Last_Name"])
        wb["Notes"].append(["from the second sheet"])
    wb.save(path)
    return path


ROWS: list[list[object]] = [
    HEADER,
    ["Smith", 4155550100, 123456789012345, "4150868000001136302", dt.date(1990, 1, 5), None, True, 0.1],
    ["Ng", "0012", 7, None, None, dt.datetime(2024, 5, 1, 13, 4, 5), False, 1e-7],
    [None, None, None, None, None, None, None, None],
    ["Lee", None, 4150868000001136302, None, None, None, None, 1234.5],
    [None, None, None, None, None, None, None, None],
]


def cells(path: Path, **kw: object) -> tuple[reader.Table, dict[int, list[str]], dict[int, tuple[str, ...]]]:
    table = reader.open_table(path, **kw)  # type: ignore[arg-type]
    rows, bad = {}, {}
    for b in table.batches:
        rows.update(
            {int(r): list(c) for r, c in zip(b.frame.index, b.frame.itertuples(index=False), strict=True)}
        )
        bad.update({m.row: m.fields for m in b.malformed})
    return table, rows, bad


def test_cells_read_as_text(tmp_path: Path) -> None:
    table, rows, bad = cells(workbook(tmp_path / "c.xlsx", ROWS))
    assert table.header == HEADER and not bad
    assert rows == {
        2: ["Smith", "4155550100", "123456789012345", "4150868000001136302", "1990-01-05", "", "true", "0.1"],
        3: ["Ng", "0012", "7", "", "", "2024-05-01T13:04:05", "false", "0.0000001"],
        4: [""] * 8,  # a blank row inside the sheet is a row of empty cells; the trailing one is no record
        5: ["Lee", "", "4.15086800000114E+18", "", "", "", "", "1234.5"],
    }
    notes = " | ".join(table.notes)
    assert "sheet 'Contacts'" in notes and "yyyy-MM-dd" in notes and "UTC offset" in notes
    assert "more than 15 digits" in notes and "C5" in notes and "Text" in notes


def test_other_sheet_and_unknown_sheet(tmp_path: Path) -> None:
    p = workbook(tmp_path / "c.xlsx", ROWS)
    table, rows, _ = cells(p, sheet="Notes")
    assert table.header == ["Last_Name"] and rows == {2: ["from the second sheet"]}
    with pytest.raises(UsageError, match="no sheet 'Nope'; its sheets are: Contacts, Notes"):
        reader.open_table(p, sheet="Nope")
    with pytest.raises(UsageError, match=r"^delimiter= does not apply to a workbook"):
        reader.open_table(p, delimiter=";")


def test_cells_beyond_the_header_are_a_ragged_row(tmp_path: Path) -> None:
    p = workbook(tmp_path / "c.xlsx", [["A", "B"], ["1", "2"], ["3", "4", "stray"], ["5", "6"]], extra=False)
    _, rows, bad = cells(p)
    assert rows == {2: ["1", "2"], 4: ["5", "6"]} and bad == {3: ("3", "4", "stray")}


def test_empty_and_header_only_sheets(tmp_path: Path) -> None:
    table, rows, _ = cells(workbook(tmp_path / "h.xlsx", [HEADER], extra=False))
    assert table.header == HEADER and rows == {}
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "e.xlsx")
    with pytest.raises(InputError, match="empty"):
        reader.open_table(tmp_path / "e.xlsx")


def test_rows_keep_the_sheets_numbers_when_the_table_starts_lower(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["C4"], ws["D5"] = "Last_Name", "Account_Id", "Ng", 1.0e19
    wb.save(tmp_path / "o.xlsx")
    table, rows, _ = cells(tmp_path / "o.xlsx")
    assert table.header == ["Last_Name", "Account_Id"]
    assert rows == {4: ["Ng", ""], 5: ["", "1E+19"]}
    assert any("first at D5" in n for n in table.notes)


def test_text_named_like_a_workbook_is_read_as_csv(tmp_path: Path) -> None:
    p = tmp_path / "export.xls"
    p.write_bytes(b"Last_Name\tEmail\r\nNg\tn@example.com\r\n")  # what some CRMs call an Excel export
    table, rows, _ = cells(p)
    assert rows == {2: ["Ng", "n@example.com"]} and "read as CSV" in table.notes[0]
    (tmp_path / "page.xls").write_bytes(b"<html><table><tr><td>Last_Name</td></tr></table></html>")
    with pytest.raises(InputError, match="web page"):
        reader.open_table(tmp_path / "page.xls")


def test_workbook_with_a_csv_name_is_read_as_a_workbook(tmp_path: Path) -> None:
    p = workbook(tmp_path / "c.xlsx", ROWS)
    shutil.copy(p, tmp_path / "renamed.csv")
    _, rows, _ = cells(tmp_path / "renamed.csv")
    assert rows[3][1] == "0012"


def test_check_and_pack_an_xlsx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = workbook(tmp_path / "c.xlsx", ROWS)
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": FIELDS}))
    base = ["--schema", str(schema), "--module", "Tests", "-q"]
    assert main(["check", str(p), *base, "-f", "json", "--output", str(tmp_path / "r.json")]) == 1
    doc = json.loads((tmp_path / "r.json").read_text())
    found = {(i["row"], i["column"], i["code"]) for i in doc["issues"]}
    assert found == {
        (3, "Follow_Up", "naive-datetime"),  # Excel keeps no UTC offset
        (4, "Last_Name", "required-empty"),
        (5, "Account_Id", "scientific-notation"),  # Excel lost the digits of a 19-digit number
    }
    assert doc["summary"]["encoding"] == "xlsx" and doc["summary"]["rows_read"] == 4
    assert "Excel dates written as yyyy-MM-dd (1 cell)" in doc["summary"]["notes"]
    assert main(["pack", str(p), *base, "--out", str(tmp_path / "out")]) == 1
    (z,) = sorted((tmp_path / "out").glob("*.zip"))
    assert list(iter_zip_rows(z)) == [
        HEADER,
        ["Smith", "4155550100", "123456789012345", "4150868000001136302", "1990-01-05", "", "true", "0.1"],
    ]
    assert main(["check", str(p), *base, "--sheet", "Nope"]) == 2
    assert "its sheets are: Contacts, Notes" in capsys.readouterr().err


def test_workbook_date_times_follow_the_field_and_tz(tmp_path: Path) -> None:
    """The conversion of typed frames: a midnight date-time in a date field is its date; a date-time
    takes tz= (Excel stores none); a row of FALSE and 0 cells is a row, not a blank one."""
    rows: list[list[object]] = [
        HEADER,
        ["Ng", None, None, None, dt.datetime(1990, 1, 5), dt.datetime(2024, 5, 1, 13, 4, 5), True, 1.5],
        ["Li", None, None, None, dt.datetime(1990, 1, 5, 9, 30), None, False, 0],
        [None, None, None, None, None, None, False, 0],
    ]
    p = workbook(tmp_path / "c.xlsx", rows, extra=False)
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": FIELDS}))
    base = ["--schema", str(schema), "--module", "Tests", "-q", "-f", "json"]

    def found(*extra: str) -> set[tuple[int, str, str]]:
        out = tmp_path / "r.json"
        main(["check", str(p), *base, *extra, "--output", str(out)])
        doc = json.loads(out.read_text())
        assert doc["summary"]["rows_read"] == 3
        return {(i["row"], i["column"], i["code"]) for i in doc["issues"]}

    assert found() == {
        (2, "Follow_Up", "naive-datetime"),
        (3, "Date_of_Birth", "date-has-time"),
        (4, "Last_Name", "required-empty"),
    }
    assert found("--tz", "+05:30") == {
        (3, "Date_of_Birth", "date-has-time"),
        (4, "Last_Name", "required-empty"),
    }
    table, cells_read, _ = cells(p, tz="+05:30")
    assert cells_read[4] == ["", "", "", "", "", "", "false", "0"]
    assert any("tz=+05:30" in n for n in table.notes)
