"""Declared and detected date formats (issue #14, part 1): Zoho's patterns, their matchers, the options
of check and pack, the job JSON's ``format``, detection from the first batch and the CLI's flags."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csvprep
from csvprep import reader
from csvprep.api import check_table
from csvprep.cli import main
from csvprep.options import Formats, Job
from csvprep.rules.patterns import DATE_PATTERNS, DATETIME_PATTERNS, MONTHS, PATTERNS, pattern
from tests.conftest import CONTACTS_FIELDS, field, judge_values, row_codes, schema_of
from tests.test_fidelity import request_validator

CONTACTS = schema_of(*CONTACTS_FIELDS, module="Contacts")
DATE = field("Date_of_Birth", "date")
DATETIME = field("Follow_Up", "datetime")


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([header, *rows])
    return path


def dates_file(path: Path, dates: list[str]) -> Path:
    return write(path, ["Last_Name", "Date_of_Birth"], [[f"N{i}", d] for i, d in enumerate(dates)])


# --- the patterns and their matchers --------------------------------------------------------------------

# (pattern, a real date in it, a shape-right but impossible day, a wrong shape)
DATE_TABLE = [
    ("dd/MM/yyyy", "28/08/2019", "31/02/2020", "2019-08-28"),
    ("MM/dd/yyyy", "08/28/2019", "02/30/2020", "28/08/2019"),
    ("dd.MM.yyyy", "29.02.2020", "29.02.2019", "29/02/2020"),
    ("dd-MMM-yyyy", "28-Aug-2019", "31-Apr-2021", "28-aug-2019"),
    ("dd MMMM yyyy", "28 August 2019", "31 September 2019", "28 Aug 2019"),
    ("MMM dd,yyyy", "Aug 28,2019", "Feb 29,2019", "Aug 28, 2019"),
    ("yy/MM/dd", "00/02/29", "01/02/29", "2000/02/29"),
    ("dd/MM/yy", "28/08/19", "31/06/19", "28/8/19"),
    ("yyyy-MM-dd", "2019-08-28", "2019-02-29", "2019-8-28"),
    ("yyyy MMMM dd", "2019 August 28", "2019 June 31", "2019 Augus 28"),
]
DATETIME_TABLE = [
    ("dd/MM/yyyy HH:mm:ss", "28/08/2019 15:30:00", "31/02/2020 10:00:00", "28/08/2019 24:00:00"),
    ("MM/dd/yyyy HH:mm:ss", "08/28/2019 23:59:59", "02/29/2019 00:00:00", "08/28/2019 15:30"),
    (
        "yyyy-MM-dd'T'HH:mm:ssXXX",
        "2019-08-28T15:30:00+05:30",
        "2019-02-29T10:00:00+00:00",
        "2019-08-28T15:30:00",
    ),
    ("dd MMM yy HH:mm:ss", "28 Aug 19 15:30:00", "30 Feb 20 15:30:00", "28 Aug 19 15:60:00"),
]


@pytest.mark.parametrize(("java", "good", "impossible", "wrong"), DATE_TABLE)
def test_a_declared_date_pattern_takes_real_dates_of_its_shape(
    java: str, good: str, impossible: str, wrong: str
) -> None:
    assert judge_values(DATE, [good, impossible, wrong, ""], date_format=java) == [
        None,
        "impossible-date",
        "invalid-date",
        None,
    ]


@pytest.mark.parametrize(("java", "good", "impossible", "wrong"), DATETIME_TABLE)
def test_a_declared_datetime_pattern_takes_real_times_of_its_shape(
    java: str, good: str, impossible: str, wrong: str
) -> None:
    assert judge_values(DATETIME, [good, impossible, wrong], datetime_format=java) == [
        None,
        "impossible-date",
        "invalid-datetime",
    ]


@pytest.mark.parametrize(
    ("kind", "java"), [*(("date", p) for p in DATE_PATTERNS), *(("datetime", p) for p in DATETIME_PATTERNS)]
)
def test_every_listed_pattern_takes_its_own_example_and_refuses_day_32(kind: str, java: str) -> None:
    p = pattern(java, kind)  # type: ignore[arg-type]
    assert p.valid(pa.array([p.example])).tolist() == [True]
    assert p.valid(pa.array([p.example.replace("28", "32")])).tolist() == [False]


def test_zohos_date_list_is_the_published_one() -> None:
    """The 55 patterns of Zoho's list, ISO among them; date-times are each followed by HH:mm:ss, plus ISO."""
    assert len(DATE_PATTERNS) == len(set(DATE_PATTERNS)) == 55
    assert {"dd/MM/yyyy", "MM/dd/yyyy", "yyyy-MM-dd", "MMMM dd,yyyy", "dd MMM yy"} <= set(DATE_PATTERNS)
    assert "MM/dd/yyyy HH:mm:ss" in DATETIME_PATTERNS  # the create-job page's default
    assert len(DATETIME_PATTERNS) == 56


@settings(max_examples=200, deadline=None)
@given(st.dates(), st.sampled_from(DATE_PATTERNS))
def test_any_real_date_written_in_a_pattern_is_taken(day: Any, java: str) -> None:
    """A date written with the pattern's letters (two-digit years inside Java's 20yy reading) passes."""
    if "yy" in java.replace("yyyy", "") and not 2000 <= day.year <= 2099:
        day = day.replace(year=2000 + day.year % 100)
    parts = {
        "yyyy": f"{day.year:04d}",
        "yy": f"{day.year % 100:02d}",
        "MMMM": MONTHS[day.month - 1],
        "MMM": MONTHS[day.month - 1][:3],
        "MM": f"{day.month:02d}",
        "dd": f"{day.day:02d}",
    }
    text = re.sub("yyyy|yy|MMMM|MMM|MM|dd", lambda m: parts[m.group()], java)
    assert pattern(java, "date").valid(pa.array([text])).tolist() == [True], text


# --- declared formats: check, pack, the job JSON, the manifest ------------------------------------------


def test_declared_format_for_one_column_and_for_every_column(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        ["Last_Name", "Date_of_Birth", "Follow_Up"],
        [["A", "28/08/2019", "28/08/2019 15:30:00"], ["B", "2019-08-28", "2019-08-28T15:30:00+05:30"]],
    )
    by_column = csvprep.check(path, schema=CONTACTS, date_format={"Date_of_Birth": "dd/MM/yyyy"})
    assert row_codes(by_column) == {3: "invalid-date", 2: "invalid-datetime"}
    every = csvprep.check(
        path, schema=CONTACTS, date_format="dd/MM/yyyy", datetime_format="dd/MM/yyyy HH:mm:ss"
    )
    assert {(i.row, i.column): i.code for i in every.issues} == {
        (3, "Date_of_Birth"): "invalid-date",
        (3, "Follow_Up"): "invalid-datetime",
    }
    messages = {i.column: i.message for i in every.issues}
    assert messages["Date_of_Birth"] == "expected a date as dd/MM/yyyy (the declared format), e.g. 28/08/2019"
    assert every.summary.source["formats"] == {
        "Date_of_Birth": {"format": "dd/MM/yyyy", "how": "declared"},
        "Follow_Up": {"format": "dd/MM/yyyy HH:mm:ss", "how": "declared"},
    }


def test_pack_writes_the_declared_pattern_into_the_mapping_and_keeps_the_cells(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        ["Last_Name", "Date_of_Birth", "Follow_Up"],
        [["A", "28/08/2019", "2019-08-28T15:30:00+05:30"], ["B", "31/02/2019", ""]],
    )
    result = csvprep.pack(
        path, tmp_path / "out", schema=CONTACTS, date_format={"Date_of_Birth": "dd/MM/yyyy"}
    )
    assert (result.totals.rows_packed, result.totals.rows_rejected) == (1, 1)
    job = json.loads((tmp_path / "out" / "Contacts_0001.job.json").read_text(encoding="utf-8"))
    request_validator().validate({k: v for k, v in job.items() if k != "_csvprep"})
    formats = {m["api_name"]: m.get("format") for m in job["resource"][0]["field_mappings"]}
    assert formats == {
        "Last_Name": None,
        "Date_of_Birth": "dd/MM/yyyy",
        "Follow_Up": "yyyy-MM-dd'T'HH:mm:ssXXX",
    }
    import zipfile

    with zipfile.ZipFile(tmp_path / "out" / "Contacts_0001.zip") as z:
        assert "28/08/2019" in z.read("Contacts_0001.csv").decode()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == {"Date_of_Birth": {"format": "dd/MM/yyyy", "how": "declared"}}
    assert manifest["options"]["date_formats"] == {"Date_of_Birth": "dd/MM/yyyy"}


BAD_OPTIONS = [
    ({"date_format": "dd/mm/yyyy"}, "date_format: 'dd/mm/yyyy' is not one of Zoho's date patterns"),
    ({"date_format": "dd/MM/yyyy HH:mm:ss"}, "is not one of Zoho's date patterns"),
    ({"datetime_format": "dd/MM/yyyy"}, "is not one of Zoho's datetime patterns"),
    ({"date_format": {"Email": "dd/MM/yyyy"}}, "date_format names 'Email', which holds email values"),
    ({"date_format": {"Birthdate": "dd/MM/yyyy"}}, "date_format names 'Birthdate', which is not a field"),
    ({"datetime_format": {"Date_of_Birth": "dd/MM/yyyy HH:mm:ss"}}, "holds date values, not datetimes"),
    ({"date_format": 5}, "date_format must be a pattern (str)"),
    ({"detect_formats": "yes"}, "detect_formats must be True or False"),
]


@pytest.mark.parametrize(("options", "says"), BAD_OPTIONS)
def test_a_wrong_format_option_is_one_clear_usage_error(
    tmp_path: Path, options: dict[str, Any], says: str
) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019"])
    with pytest.raises(csvprep.CsvprepError) as e:
        csvprep.check(path, schema=CONTACTS, **options)
    assert says in str(e.value) and "\n" not in str(e.value)


def test_a_declared_column_missing_from_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", ["Last_Name"], [["A"]])
    with pytest.raises(
        csvprep.CsvprepError, match="names 'Date_of_Birth', which is not a column of the file"
    ):
        csvprep.check(path, schema=CONTACTS, date_format={"Date_of_Birth": "dd/MM/yyyy"})


def test_the_refusal_lists_every_accepted_pattern(tmp_path: Path) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019"])
    with pytest.raises(csvprep.CsvprepError) as e:
        csvprep.check(path, schema=CONTACTS, date_format="d/M/y")
    assert all(p in str(e.value) for p in PATTERNS["date"])


# --- detection ------------------------------------------------------------------------------------------

DETECT_TABLE = [
    # (cells, detected pattern, errors, a note says)
    (
        ["28/08/2019", "03/04/2020", "", "13/01/2021"],
        "dd/MM/yyyy",
        {},
        "every date in the first batch (3) is dd/MM/yyyy",
    ),
    (["08/28/2019", "03/04/2020", "01/13/2021"], "MM/dd/yyyy", {}, "is MM/dd/yyyy"),
    (
        ["03/04/2020", "05/06/2021"],
        None,
        {2: "invalid-date", 3: "invalid-date"},
        "fit 2 of Zoho's patterns alike (dd/MM/yyyy, MM/dd/yyyy)",
    ),
    (
        ["28/08/2019", "28.08.2019", "27/08/2019"],
        None,
        {2: "invalid-date", 3: "invalid-date", 4: "invalid-date"},
        "2 of 3 cells in the first batch are dd/MM/yyyy",
    ),
    (["2019-08-28", "2020-01-01"], None, {}, None),
    (
        ["28 Aug 2019", "1 Aug 2019"],
        None,
        {2: "invalid-date", 3: "invalid-date"},
        "1 of 2 cells in the first batch are dd MMM yyyy",
    ),
]


@pytest.mark.parametrize(("cells", "found", "errors", "note"), DETECT_TABLE)
def test_detection_declares_only_the_one_pattern_every_cell_fits(
    tmp_path: Path, cells: list[str], found: str | None, errors: dict[int, str], note: str | None
) -> None:
    path = dates_file(tmp_path / "c.csv", cells)
    report = csvprep.check(path, schema=CONTACTS, detect_formats=True)
    assert row_codes(report) == errors
    formats = report.summary.source.get("formats", {})
    assert formats == ({"Date_of_Birth": {"format": found, "how": "detected"}} if found else {})
    notes = report.summary.source.get("notes", [])
    assert (note is None and not notes) or any(note in n for n in notes), notes


def test_without_detection_a_rejected_column_gets_a_note_naming_its_pattern(tmp_path: Path) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019", "03/04/2020"])
    report = csvprep.check(path, schema=CONTACTS)
    assert set(row_codes(report).values()) == {"invalid-date"}
    assert report.summary.source["notes"] == [
        "Date_of_Birth: its dates are dd/MM/yyyy, which Zoho takes when the job says so: declare it with "
        "date_format (Date_of_Birth=dd/MM/yyyy) or let detect_formats find it"
    ]
    assert "formats" not in report.summary.source


def test_a_mostly_iso_column_gets_no_note_without_detection(tmp_path: Path) -> None:
    """The cells' own hints say what to fix ('this looks like 1991-05-28')."""
    report = csvprep.check(
        dates_file(tmp_path / "c.csv", ["1990-01-02", "28/05/1991", "1990-01-03"]), schema=CONTACTS
    )
    assert "notes" not in report.summary.source
    assert "this looks like 1991-05-28" in report.issues[0].message


def test_detection_decides_on_the_first_batch_and_judges_every_later_one(tmp_path: Path) -> None:
    """A later batch's cell of another pattern is an ordinary error; the decided pattern stays."""
    cells = [f"{1 + i % 28:02d}/{1 + i % 12:02d}/2019" for i in range(4000)]
    cells[0] = "28/08/2019"  # a day above 12 settles dd/MM in the first batch
    cells[-1] = "08/28/2019"  # MM/dd: breaks the decided pattern
    cells[-2] = "31/04/2019"  # no such day
    path = dates_file(tmp_path / "c.csv", cells)
    table = reader.open_csv(path, block_bytes=16 << 10)
    job = Job(CONTACTS, formats=Formats(detect=True))
    report = check_table(table, job)
    last = len(cells) + 1
    assert row_codes(report) == {last: "invalid-date", last - 1: "impossible-date"}
    assert report.summary.source["formats"] == {"Date_of_Birth": {"format": "dd/MM/yyyy", "how": "detected"}}
    assert report.summary.rows_read == len(cells)
    assert report.issues[-1].message == "expected a date as dd/MM/yyyy (the detected format), e.g. 28/08/2019"


def test_pack_maps_a_detected_column_with_its_pattern(tmp_path: Path) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019", "13/01/2021"])
    result = csvprep.pack(path, tmp_path / "out", schema=CONTACTS, detect_formats=True)
    assert result.exit_code == 0
    job = json.loads((tmp_path / "out" / "Contacts_0001.job.json").read_text(encoding="utf-8"))
    request_validator().validate({k: v for k, v in job.items() if k != "_csvprep"})
    assert job["resource"][0]["field_mappings"][1] == {
        "api_name": "Date_of_Birth",
        "index": 1,
        "format": "dd/MM/yyyy",
    }
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == {"Date_of_Birth": {"format": "dd/MM/yyyy", "how": "detected"}}
    assert manifest["options"]["detect_formats"] is True


def test_a_declared_column_is_not_detected(tmp_path: Path) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019", "13/01/2021"])
    report = csvprep.check(path, schema=CONTACTS, date_format="MM/dd/yyyy", detect_formats=True)
    assert set(row_codes(report).values()) == {"invalid-date"}
    assert report.summary.source["formats"]["Date_of_Birth"]["how"] == "declared"


def test_a_dataframe_column_is_detected_too() -> None:
    df = pd.DataFrame({"Last_Name": ["A", "B"], "Date_of_Birth": ["28.08.2019", "13.01.2021"]}, dtype="str")
    report = csvprep.check(df, schema=CONTACTS, detect_formats=True)
    assert report.ok and report.summary.source["formats"]["Date_of_Birth"]["format"] == "dd.MM.yyyy"


# --- the command line -----------------------------------------------------------------------------------


def test_cli_equals_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": list(CONTACTS_FIELDS)}), encoding="utf-8")
    path = write(
        tmp_path / "c.csv",
        ["Last_Name", "Date_of_Birth", "Follow_Up"],
        [["A", "28/08/2019", "08/28/2019 15:30:00"], ["B", "2019-08-28", "31/02/2019 15:30:00"]],
    )
    args = ["--module", "Contacts", "--schema", str(schema), "--date-format", "Date_of_Birth=dd/MM/yyyy"]
    args += ["--datetime-format", "MM/dd/yyyy HH:mm:ss", "--format", "json"]
    assert main(["check", str(path), *args]) == 1
    got = json.loads(capsys.readouterr().out)
    lib = csvprep.check(
        path,
        module="Contacts",
        schema=schema,
        date_format={"Date_of_Birth": "dd/MM/yyyy"},
        datetime_format="MM/dd/yyyy HH:mm:ss",
    )
    assert got["issues"] == [i.to_dict() for i in lib.issues]
    assert got["summary"]["formats"] == lib.summary.source["formats"]
    out = tmp_path / "out"
    assert main(["pack", str(path), *args[:-2], "--out", str(out)]) == 1
    job = json.loads((out / "Contacts_0001.job.json").read_text(encoding="utf-8"))
    assert [m.get("format") for m in job["resource"][0]["field_mappings"]] == [
        None,
        "dd/MM/yyyy",
        "MM/dd/yyyy HH:mm:ss",
    ]


def test_cli_detects_and_says_so_with_its_flag_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = dates_file(tmp_path / "c.csv", ["03/04/2020"])
    assert main(["check", str(path), "--module", "Contacts", "--detect-formats"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "declare it with --date-format (Date_of_Birth=PATTERN)" in out


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (
            ["--date-format", "dd/mm/yyyy"],
            "csvprep: error: --date-format: 'dd/mm/yyyy' is not one of Zoho's date patterns",
        ),
        (
            ["--date-format", "Nope=dd/MM/yyyy"],
            "csvprep: error: --date-format names 'Nope', which is not a field",
        ),
        (
            ["--date-format", "dd/MM/yyyy", "--date-format", "MM/dd/yyyy"],
            "csvprep: error: --date-format without a COLUMN= is given 2 times",
        ),
    ],
)
def test_cli_bad_pattern_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], says: str
) -> None:
    path = dates_file(tmp_path / "c.csv", ["28/08/2019"])
    assert main(["check", str(path), "--module", "Contacts", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(says) and err.count("\n") == 1


def test_the_readmes_date_format_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands of the README's "Date formats" section, on a file of that shape (its Python lines run
    in tests/test_readme.py)."""
    import shlex

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Date formats\n", 1)[1].split("\n## ", 1)[0]
    sh = re.search(r"```sh\n(.*?)```", section, flags=re.S)
    assert sh is not None
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path / "contacts.csv", ["Last_Name", "Date_of_Birth"], [["A", "28/08/2019"], ["B", "13/01/2021"]]
    )
    for line in sh.group(1).strip().splitlines():
        assert main(shlex.split(line)[1:]) == 0, line
    job = json.loads((tmp_path / "batches" / "Contacts_0001.job.json").read_text(encoding="utf-8"))
    assert job["resource"][0]["field_mappings"][1]["format"] == "dd/MM/yyyy"


def test_a_mostly_empty_column_of_one_pattern_still_gets_its_note(tmp_path: Path) -> None:
    report = csvprep.check(dates_file(tmp_path / "c.csv", ["", "", "", "28/08/2019", ""]), schema=CONTACTS)
    assert "its dates are dd/MM/yyyy" in report.summary.source["notes"][0]
