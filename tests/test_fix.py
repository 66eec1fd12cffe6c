"""``csvprep fix`` / ``csvprep.fix``: each rule's repairs, the cells left to a person, the changes log,
the byte-for-byte copy, and fix followed by check on the messy fixtures."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import csvprep
from csvprep.cli import main
from csvprep.fixer import log_path, read_log
from csvprep.fixer.registry import RULES, markdown_table
from tests.conftest import REPO, field, schema_of

FIXTURES = REPO / "fixtures"
PICKS = [{"display_value": v, "actual_value": v} for v in ("Cold Call", "Web Download", "Partner")]
MULTI = [{"display_value": v, "actual_value": v} for v in ("Analytics", "Bigdata", "Cloud")]
FIELDS = {
    "email": field("Email", "email"),
    "date": field("Birthday", "date"),
    "datetime": field("Seen", "datetime"),
    "boolean": field("Opt_Out", "boolean"),
    "phone": field("Phone", "phone", length=30),
    "double": field("Score", "double"),
    "integer": field("Staff", "integer"),
    "currency": field("Revenue", "currency"),
    "percent": field("Share", "percent"),
    "picklist": field("Source", "picklist", pick_list_values=PICKS),
    "multiselectpicklist": field("Tags", "multiselectpicklist", pick_list_values=MULTI),
    "lookup": field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
    "text": field("Note", "text", length=255),
}


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([header, *rows])
    return path


def fix_one(tmp_path: Path, kind: str, value: str, **options: Any) -> tuple[str, dict[str, int], list[str]]:
    """(the value after fix, the cells left per reason, the rules logged) of a one-cell file."""
    f = FIELDS[kind]
    header = "Account_Name.id" if kind == "lookup" else f["api_name"]
    src = _write(tmp_path / "in.csv", [header], [[value]])
    result = csvprep.fix(src, tmp_path / "out.csv", schema=schema_of(f), **options)
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as out:
        after = list(csv.reader(out))[1][0]
    return after, dict(result.left), [c["rule"] for c in read_log(result.log)]


# kind, before, options, after (equal to before: unchanged), reason left (or None)
CASES: list[tuple[str, str, dict[str, Any], str, str | None]] = [
    ("email", " jane@example.com ", {}, "jane@example.com", None),
    ("email", "jane@@example", {}, "jane@@example", None),
    ("date", "28/08/2019", {}, "2019-08-28", None),
    ("date", "08/28/2019", {}, "2019-08-28", None),
    ("date", "Aug 28, 2019", {}, "2019-08-28", None),
    ("date", "07.07.1988", {}, "1988-07-07", None),
    ("date", " 2019/08/28 ", {}, "2019-08-28", None),
    ("date", "2019-08-28 00:00:00", {}, "2019-08-28", None),
    ("date", "03/04/2020", {}, "03/04/2020", "ambiguous-date"),
    ("date", "03/04/2020", {"date_order": "DMY"}, "2020-04-03", None),
    ("date", "03/04/2020", {"date_order": "MDY"}, "2020-03-04", None),
    ("date", "12/05/65", {"date_order": "DMY"}, "12/05/65", "short-year"),
    ("date", "2019-02-29", {}, "2019-02-29", None),
    ("date", "2019-08-28 14:30", {}, "2019-08-28 14:30", None),
    ("date", "March 2020", {}, "March 2020", None),
    ("date", "N/A", {}, "N/A", None),
    ("datetime", "2024-01-31 09:00 +0530", {}, "2024-01-31T09:00:00+05:30", None),
    ("datetime", "2024-01-31T09:00:00Z", {}, "2024-01-31T09:00:00+00:00", None),
    ("datetime", "31/01/2024 17:30:15 -0800", {}, "2024-01-31T17:30:15-08:00", None),
    ("datetime", "2024-01-31 09:00", {}, "2024-01-31 09:00", "no-offset"),
    ("datetime", "2024-01-31 09:00", {"tz": "+01:00"}, "2024-01-31T09:00:00+01:00", None),
    ("datetime", "2024-01-31T09:00:00", {"tz": "-05:00"}, "2024-01-31T09:00:00-05:00", None),
    ("datetime", "03/04/2020 09:00Z", {}, "03/04/2020 09:00Z", "ambiguous-date"),
    ("datetime", "2024-01-31", {"tz": "+01:00"}, "2024-01-31", None),
    ("datetime", "2024-01-31 09:00 PST", {"tz": "+01:00"}, "2024-01-31 09:00 PST", None),
    ("datetime", "2024-01-31T09:00:00.250Z", {}, "2024-01-31T09:00:00.250Z", None),
    ("boolean", "Yes", {}, "true", None),
    ("boolean", "Y", {}, "true", None),
    ("boolean", "1", {}, "true", None),
    ("boolean", "checked", {}, "true", None),
    ("boolean", "no", {}, "false", None),
    ("boolean", "N", {}, "false", None),
    ("boolean", "0", {}, "false", None),
    ("boolean", "maybe", {}, "maybe", None),
    ("phone", "+1 (415) 555-0100", {}, "+14155550100", None),
    ("phone", "030 123 456", {}, "030123456", None),
    ("phone", "01.42.34.56.78", {}, "0142345678", None),
    ("phone", "555-0100 x12", {}, "555-0100 x12", None),
    ("phone", "n/a", {}, "n/a", None),
    ("double", "1,234.50", {}, "1234.50", None),
    ("double", "1 234.50", {}, "1234.50", None),
    ("double", "1,5", {}, "1,5", None),
    ("double", "1.234,50", {"decimal_comma": True}, "1234.50", None),
    ("double", "1,5", {"decimal_comma": True}, "1.5", None),
    ("double", "$12", {}, "$12", None),
    ("integer", "12,000", {}, "12000", None),
    ("integer", "12,000.5", {}, "12,000.5", None),
    ("currency", "$1,234.50", {}, "1234.50", None),
    ("currency", "1.234,50 €", {"decimal_comma": True}, "1234.50", None),
    ("percent", "12.5 %", {}, "12.5", None),
    ("picklist", "cold call", {}, "Cold Call", None),
    ("picklist", " COLD  CALL ", {}, "Cold Call", None),
    ("picklist", "webdownload", {}, "Web Download", None),
    ("picklist", "Radio", {}, "Radio", None),
    ("multiselectpicklist", "analytics; BIGDATA", {}, "Analytics;Bigdata", None),
    ("multiselectpicklist", "analytics;Radio", {}, "analytics;Radio", None),
    ("lookup", "4.15087E+18", {}, "4.15087E+18", "excel-id"),
]


@pytest.mark.parametrize(("kind", "before", "options", "after", "left"), CASES)
def test_each_rule_before_after(
    tmp_path: Path, kind: str, before: str, options: dict[str, Any], after: str, left: str | None
) -> None:
    got, reasons, logged = fix_one(tmp_path, kind, before, **options)
    assert got == after
    assert reasons == ({left: 1} if left else {})
    assert len(logged) == (0 if after == before else 1)


def test_every_rule_has_a_case_and_its_example_holds(tmp_path: Path) -> None:
    kinds = {r.name: {k for k in r.kinds if k in FIELDS} for r in RULES}
    for rule in RULES:
        if rule.name in ("whitespace", "excel-ids"):
            continue
        kind = sorted(kinds[rule.name])[0]
        got, _, logged = fix_one(tmp_path, kind, rule.before)
        assert (got, logged) == (rule.after, [rule.name]), rule.name


def test_only_runs_the_named_rules(tmp_path: Path) -> None:
    got, _, logged = fix_one(tmp_path, "email", " a@b.co ", only=["phones"])
    assert (got, logged) == (" a@b.co ", [])
    got, _, logged = fix_one(tmp_path, "boolean", "Yes", only=["booleans"])
    assert (got, logged) == ("true", ["booleans"])


# --- the messy fixtures: fix, then check ------------------------------------------------------------------


def test_fix_then_check_leaves_only_what_a_person_must_decide(tmp_path: Path) -> None:
    src = FIXTURES / "contacts-messy.csv"
    out = tmp_path / "fixed.csv"
    result = csvprep.fix(src, out, module="Contacts")
    assert dict(result.left) == {"ambiguous-date": 3, "excel-id": 1}
    after = csvprep.check(out, module="Contacts")
    left = sorted((i.row, i.column, i.code) for i in after.issues)
    assert left == [
        (2, "Date_of_Birth", "invalid-date"),  # 12/04/1979: April or December?
        (6, "Account_Name.id", "scientific-notation"),  # the digits are gone
        (8, "Date_of_Birth", "invalid-date"),
        (10, "Date_of_Birth", "invalid-date"),
        (11, "Phone", "invalid-phone"),  # n/a
    ]
    assert result.errors == after.summary.errors
    # Told the order, only the two a person must decide remain.
    result = csvprep.fix(src, out, module="Contacts", date_order="DMY")
    assert [(i.row, i.code) for i in csvprep.check(out, module="Contacts").issues] == [
        (6, "scientific-notation"),
        (11, "invalid-phone"),
    ]
    assert result.exit_code == 1


def test_workbook_with_date_times_fixed_with_tz(tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    result = csvprep.fix(FIXTURES / "leads-messy.xlsx", out, module="Leads", tz="+01:00")
    assert result.changes["datetimes"] == 3
    remaining = [(i.row, i.column, i.value) for i in csvprep.check(out, module="Leads").issues]
    assert remaining == [(5, "No_of_Employees", "1,5")]
    without_tz = csvprep.fix(FIXTURES / "leads-messy.xlsx", out, module="Leads", dry_run=True)
    assert without_tz.left == {"no-offset": 3}


def test_the_workbook_fixture_is_what_its_script_writes(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    from benchmarks import messy

    fresh = messy.write(tmp_path / "leads-messy.xlsx")
    a = csvprep.check(fresh, module="Leads")
    b = csvprep.check(FIXTURES / "leads-messy.xlsx", module="Leads")
    assert [(i.row, i.column, i.value) for i in a.issues] == [(i.row, i.column, i.value) for i in b.issues]


def _records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("fixture", ["contacts-messy.csv", "leads-messy.xlsx"])
def test_the_log_is_the_diff_and_the_fixed_cells_pass(tmp_path: Path, fixture: str) -> None:
    src = FIXTURES / fixture
    module = "Contacts" if fixture.startswith("contacts") else "Leads"
    out = tmp_path / "fixed.csv"
    result = csvprep.fix(src, out, module=module, tz="+02:00")
    plain = src
    if src.suffix != ".csv":  # a workbook's cells as the reader sees them: fixed by a rule that changes none
        plain = tmp_path / "plain.csv"
        assert csvprep.fix(src, plain, module=module, only=["excel-ids"]).changed == 0
    before = _records(plain)
    after = _records(out)
    header = after[0]
    diff = {
        (r + 1, header[c], a, b)
        for r, (row_a, row_b) in enumerate(zip(before, after, strict=True))
        for c, (a, b) in enumerate(zip(row_a, row_b, strict=True))
        if a != b
    }
    logged = {(int(c["row"]), c["column"], c["before"], c["after"]) for c in read_log(result.log)}
    assert logged == diff and len(diff) == result.changed > 0
    check = csvprep.check(out, module=module)
    bad = {(i.row, i.column) for i in check.issues}
    assert not bad & {(r, c) for r, c, _, _ in logged}


def test_untouched_rows_are_copied_byte_for_byte(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    # A BOM, quoted cells, a multi-line cell, LF and CRLF line ends, no line end at the end.
    text = (
        '\ufeffLast_Name,Email,Date_of_Birth\r\n"Ng","a@b.co",1990-01-02\n'
        'Ho,"c@d.co",28/08/2019\r\n"Multi\nline",e@f.co,\r\n"Q ""x""",g@h.co,2019-08-28'
    )
    src.write_bytes(text.encode("utf-8"))
    csvprep.fix(src, tmp_path / "out.csv", module="Contacts")
    got = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    # Only the record with a change is written anew: its fields, quoted only where needed, its own line end.
    assert got == text.replace('Ho,"c@d.co",28/08/2019\r\n', "Ho,c@d.co,2019-08-28\r\n")


VALID = {
    "Last_Name": st.text(
        st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=12
    )
    .map(str.strip)
    .filter(lambda s: bool(s) and s[0] not in "=+-@\t\r'"),
    "Email": st.sampled_from(["a@b.co", "jane.doe@example.com", ""]),
    "Date_of_Birth": st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}") | st.just(""),
    "Email_Opt_Out": st.sampled_from(["true", "false", "TRUE", "False", ""]),
    "Phone": st.from_regex(r"\+?[0-9]{1,15}", fullmatch=True),
    "Lead_Source": st.sampled_from(["Cold Call", "Partner", ""]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.fixed_dictionaries(VALID), min_size=1, max_size=8),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    end=st.sampled_from(["\r\n", "\n"]),
)
def test_a_valid_file_is_not_changed(
    tmp_path: Path, rows: list[dict[str, str]], quoting: int, end: str
) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(VALID), quoting=quoting, lineterminator=end)  # type: ignore[arg-type]
    w.writeheader()
    w.writerows(rows)
    src = tmp_path / "valid.csv"
    src.write_bytes(buf.getvalue().encode("utf-8"))
    # Invisible-only names (a soft hyphen) are required-empty: such a file is not a valid one.
    assume(csvprep.check(src, module="Contacts").summary.errors == 0)
    result = csvprep.fix(src, tmp_path / "out.csv", module="Contacts")
    assert result.changed == 0 and read_log(result.log) == []
    assert (tmp_path / "out.csv").read_bytes() == src.read_bytes()


# --- the command ----------------------------------------------------------------------------------------


def test_cli_equals_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = FIXTURES / "contacts-messy.csv"
    code = main(
        ["fix", str(src), "--module", "Contacts", "--out", str(tmp_path / "cli.csv"), "--date-order", "DMY"]
    )
    lib = csvprep.fix(src, tmp_path / "lib.csv", module="Contacts", date_order="DMY")
    assert code == lib.exit_code == 1
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "lib.csv").read_bytes()
    assert (tmp_path / "cli.changes.csv").read_bytes() == (tmp_path / "lib.changes.csv").read_bytes()
    shown = capsys.readouterr().out
    assert "phones: 10" in shown and "left 1 numbers Excel cut" in shown and "remain: 2 errors" in shown


def test_dry_run_writes_only_the_log(tmp_path: Path) -> None:
    out = tmp_path / "fixed.csv"
    code = main(
        ["fix", str(FIXTURES / "contacts-messy.csv"), "-m", "Contacts", "--out", str(out), "--dry-run"]
    )
    assert code == 1
    assert not out.exists()
    assert len(read_log(tmp_path / "fixed.changes.csv")) == 32


def test_no_errors_left_exits_0(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ["Last_Name", "Email_Opt_Out"], [["Ng", "Yes"]])
    assert main(["fix", str(src), "-m", "Contacts", "--out", str(tmp_path / "out.csv")]) == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--out", "{src}"], "--out"),
        (["--out", "{tmp}/o.csv", "--tz", "5"], "--tz '5' is not a UTC offset"),
        (["--out", "{tmp}/o.csv", "--only", "dates,nope"], "--only 'nope' is no fix rule"),
        (["--out", "{tmp}/o.csv", "--date-order", "DDD"], "--date-order"),
        (["--out", "{tmp}/o.csv", "--schema", "{tmp}/none.json"], "none.json"),
    ],
)
def test_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    src = _write(tmp_path / "in.csv", ["Last_Name"], [["Ng"]])
    before = src.read_bytes()
    argv = ["fix", str(src), "-m", "Contacts", *(a.format(src=src, tmp=tmp_path) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err and "Traceback" not in err
    assert src.read_bytes() == before
    assert not (tmp_path / "o.csv").exists()


def test_missing_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", str(tmp_path / "none.csv"), "-m", "Contacts", "--out", str(tmp_path / "o.csv")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_library_refuses_wrong_arguments(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.csv", ["Last_Name"], [["Ng"]])
    with pytest.raises(csvprep.CsvprepError, match="only must be a list"):
        csvprep.fix(src, tmp_path / "o.csv", module="Contacts", only="dates")  # type: ignore[arg-type]
    with pytest.raises(csvprep.CsvprepError, match="date_order='dmy'"):
        csvprep.fix(src, tmp_path / "o.csv", module="Contacts", date_order="dmy")  # type: ignore[arg-type]


def test_the_readme_lists_every_rule() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- fixrules:start -->\n", "\n<!-- fixrules:end -->"
    assert readme.split(start)[1].split(end)[0] == markdown_table()


def test_fix_result_is_frozen_and_json_friendly(tmp_path: Path) -> None:
    result = csvprep.fix(FIXTURES / "contacts-messy.csv", tmp_path / "f.csv", module="Contacts")
    with pytest.raises(AttributeError):
        result.log = tmp_path  # type: ignore[misc]
    json.dumps({"changes": dict(result.changes), "left": dict(result.left)})


def test_the_readme_example_shows_what_fix_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `csvprep fix`", 1)[1]
    command, shown = (b for b in re.findall(r"```(?:sh)?\n(.*?)```", section, flags=re.S)[1:3])
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "contacts-messy.csv").write_bytes((FIXTURES / "contacts-messy.csv").read_bytes())
    monkeypatch.chdir(tmp_path)
    assert command.startswith("csvprep fix ")
    assert main(shlex.split(command)[1:]) == 1
    assert capsys.readouterr().out == shown


def test_rows_the_exact_parser_reads_are_rewritten_alike(tmp_path: Path) -> None:
    # A quote inside an unquoted cell: the vectorised scan cannot cut this file, the exact parser does.
    src = tmp_path / "in.csv"
    text = 'Last_Name,Email,Date_of_Birth\r\nO"Brien,a@b.co,28/08/2019\r\nx,y\r\nHo,c@d.co,28/08/2019'
    src.write_bytes(text.encode("utf-8"))
    result = csvprep.fix(src, tmp_path / "out.csv", module="Contacts")
    assert result.changed == 2
    got = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert got == (
        'Last_Name,Email,Date_of_Birth\r\n"O""Brien",a@b.co,2019-08-28\r\nx,y\r\nHo,c@d.co,2019-08-28'
    )


def test_a_file_of_many_scan_chunks_keeps_its_rows_in_place(tmp_path: Path) -> None:
    lines = [f"Ng{i},a{i}@b.co,{'28/08/2019' if i % 997 == 0 else '1990-01-02'}" for i in range(40_000)]
    src = tmp_path / "in.csv"
    src.write_text("Last_Name,Email,Date_of_Birth\n" + "\n".join(lines) + "\n", encoding="utf-8")
    result = csvprep.fix(src, tmp_path / "out.csv", module="Contacts")
    assert result.changed == len(range(0, 40_000, 997))
    expected = src.read_text(encoding="utf-8").replace("28/08/2019", "2019-08-28")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == expected


def test_cli_only_and_decimal_comma(tmp_path: Path) -> None:
    f = field("Score", "double")
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": [f, field("Opt_Out", "boolean")]}), encoding="utf-8")
    src = _write(tmp_path / "in.csv", ["Score", "Opt_Out"], [["1.234,50", "Yes"]])
    out = tmp_path / "out.csv"
    base = ["fix", str(src), "--schema", str(schema), "--module", "Tests", "--out", str(out)]
    assert main([*base, "--decimal-comma", "--only", "numbers"]) == 1  # Yes is left: an error remains
    assert _records(out)[1] == ["1234.50", "Yes"]
    assert main([*base, "--decimal-comma"]) == 0
    assert _records(out)[1] == ["1234.50", "true"]


def test_another_encoding_is_written_from_its_cells_as_utf8(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes("Last_Name;Email_Opt_Out\r\nMüller;Yes\r\nGarcía;false\r\n".encode("cp1252"))
    result = csvprep.fix(src, tmp_path / "out.csv", module="Contacts", encoding="cp1252")
    assert result.changed == 1
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert text == "Last_Name;Email_Opt_Out\r\nMüller;true\r\nGarcía;false\r\n"


NUMERIC_DATES = st.from_regex(
    r"([0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4})"
    r"([T ][0-9]{1,2}:[0-9]{2}(:[0-9]{2})?)?( ?(Z|[+-][0-9]{2}:?[0-9]{2}))?",
    fullmatch=True,
)


@settings(max_examples=300, deadline=None)
@given(value=NUMERIC_DATES, order=st.sampled_from([None, "DMY", "MDY", "YMD"]))
def test_numeric_dates_read_as_dateutil_reads_them(value: str, order: Any) -> None:
    from csvprep.fixer.repairs import _read
    from csvprep.options import FixOptions

    options = FixOptions(date_order=order)
    assert _read(value, options) == _read(value, options, fast=False)


def test_the_command_line_tz_on_a_workbook_logs_what_the_library_logs(tmp_path: Path) -> None:
    lib = csvprep.fix(FIXTURES / "leads-messy.xlsx", tmp_path / "lib.csv", module="Leads", tz="+01:00")
    cli = tmp_path / "cli.csv"
    workbook = str(FIXTURES / "leads-messy.xlsx")
    assert main(["fix", workbook, "-m", "Leads", "--out", str(cli), "--tz", "+01:00", "-q"]) == lib.exit_code
    assert cli.read_bytes() == (tmp_path / "lib.csv").read_bytes()
    assert read_log(log_path(cli)) == read_log(lib.log)
    assert lib.changes["datetimes"] == 3
