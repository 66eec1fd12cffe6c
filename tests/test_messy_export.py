"""Issue #14's done-when, on the bundled messy exports: what Zoho takes when told the format passes, and
``fix`` then ``check`` leaves only what a person must decide."""

from __future__ import annotations

import collections
import csv
import json
import zipfile
from pathlib import Path

import csvprep

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MESSY = FIXTURES / "contacts-messy.csv"
DOB = "Date_of_Birth"


def _errors(report: csvprep.Report, column: str) -> list[tuple[int | None, str]]:
    return [(i.row, i.value) for i in report.issues if i.column == column and i.severity == "error"]


def test_declared_dd_mm_yyyy_takes_the_cells_zoho_would() -> None:
    """Told dd/MM/yyyy, Zoho takes nine of the ten dates; only the dotted one stays an error."""
    default = csvprep.check(MESSY, module="Contacts")
    assert len(_errors(default, DOB)) == 10
    told = csvprep.check(MESSY, module="Contacts", date_format={DOB: "dd/MM/yyyy"})
    assert _errors(told, DOB) == [(5, "07.07.1988")]


def test_detection_declares_nothing_in_a_mixed_column_and_names_the_majority() -> None:
    report = csvprep.check(MESSY, module="Contacts", detect_formats=True)
    assert len(_errors(report, DOB)) == 10
    (note,) = [n for n in report.summary.source["notes"] if n.startswith(DOB)]
    assert "dd/MM/yyyy" in note and "9 of 10" in note


def test_a_consistent_export_is_detected_checked_and_packed_with_its_format(tmp_path: Path) -> None:
    with open(MESSY, encoding="utf-8", newline="") as f:
        rows = [(r["Last_Name"], r[DOB].replace(".", "/")) for r in csv.DictReader(f)]
    src = tmp_path / "export.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([("Last_Name", DOB), *rows])
    report = csvprep.check(src, module="Contacts", detect_formats=True)
    assert report.summary.errors == 0
    assert any(DOB in n and "dd/MM/yyyy" in n for n in report.summary.source["notes"])
    result = csvprep.pack(src, tmp_path / "out", module="Contacts", detect_formats=True)
    assert result.totals.rows_packed == len(rows) == 10
    (job_path,) = (tmp_path / "out").glob("*.job.json")
    mappings = json.loads(job_path.read_text())["resource"][0]["field_mappings"]
    assert [m.get("format") for m in mappings if m["api_name"] == DOB] == ["dd/MM/yyyy"]
    (zip_path,) = (tmp_path / "out").glob("*.zip")
    with zipfile.ZipFile(zip_path) as z:  # the cells go as they are: the format tells Zoho how to read them
        assert b"07/07/1988" in z.read(z.namelist()[0])


def test_fix_then_check_leaves_only_what_a_person_must_decide(tmp_path: Path) -> None:
    fixed = tmp_path / "fixed.csv"
    result = csvprep.fix(MESSY, fixed, module="Contacts", date_order="DMY")
    assert result.changed > 0
    after = csvprep.check(fixed, module="Contacts")
    left = collections.Counter((i.column, i.code) for i in after.issues if i.severity == "error")
    # Excel's 4.15087E+18 has lost its digits, and 'n/a' is no phone: only a person knows them.
    assert left == {("Account_Name.id", "scientific-notation"): 1, ("Phone", "invalid-phone"): 1}
