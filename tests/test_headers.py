"""Header and operation checks: what Zoho would refuse for the whole file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import field, schema_of

import csvprep
from csvprep.errors import UsageError

SCHEMA = schema_of(
    field("Last_Name", "text", length=80, system_mandatory=True, field_label="Last Name"),
    field("Email", "email", length=100, unique={"case_sensitive": False}, field_label="Email"),
    field("Phone", "phone", unique={"case_sensitive": True}),
    field("Nickname", "text"),
    field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
    field("Owner", "ownerlookup"),
    field("Full_Name", "text", operation_type={"api_create": False, "api_update": False}),
    field("Score", "formula", formula={"return_type": "double"}),
    field("Visits", "rollup_summary", rollup_summary={"return_type": "integer"}),
    field("Line_Items", "subform"),
    field("Products", "multiselectlookup"),
    field("Photo", "imageupload"),
    field("Attachment", "fileupload"),
    field("Locked_On_Update", "text", operation_type={"api_create": True, "api_update": False}),
    field("Hologram", "holodeck"),
    field("id", "bigint", length=18, operation_type={"api_create": False, "api_update": False}),
    module="Leads",
)


def run(columns: dict[str, list[str]], **job: Any) -> csvprep.Report:
    return csvprep.check(pd.DataFrame(columns, dtype="str"), schema=SCHEMA, **job)


def file_codes(report: csvprep.Report) -> dict[str | None, str]:
    return {i.column: i.code for i in report.issues if i.row is None}


def test_unknown_column_suggests_the_closest_name() -> None:
    r = run({"Last_Name": ["A"], "Emial": ["a@b.co"], "email": ["a@b.co"], "Last Name": ["x"]})
    msgs = {i.column: i.message for i in r.issues if i.code == "unknown-column"}
    assert "did you mean 'Email'" in msgs["Emial"]
    assert "case-sensitive" in msgs["email"]
    assert "label of 'Last_Name'" in msgs["Last Name"]
    assert r.exit_code == 1


def test_duplicate_and_blank_headers() -> None:
    header = ["Last_Name", "Email", "Email", ""]
    df = pd.DataFrame([["A", "a@b.co", "c@d.co", "x"]], columns=header, dtype="str")
    r = csvprep.check(df, schema=SCHEMA)
    codes = sorted(i.code for i in r.issues if i.row is None)
    assert codes == ["blank-column", "duplicate-column"]
    dup = next(i for i in r.issues if i.code == "duplicate-column")
    assert "positions 2, 3" in dup.message


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("Full_Name", "read-only-column"),
        ("Score", "read-only-column"),
        ("Visits", "read-only-column"),
        ("id", "read-only-column"),
        ("Line_Items", "unsupported-column"),
        ("Products", "unsupported-column"),
        ("Photo", "unsupported-column"),
        ("Attachment", "unsupported-column"),
        ("Account_Name", "lookup-needs-field"),
        ("Owner", "lookup-needs-field"),
        ("Email.id", "unknown-column"),
        ("Hologram", "unknown-data-type"),
    ],
)
def test_columns_zoho_cannot_take(column: str, code: str) -> None:
    r = run({"Last_Name": ["A"], column: ["1"]})
    assert file_codes(r).get(column) == code


def test_unknown_data_type_is_a_warning_and_passes_through() -> None:
    r = run({"Last_Name": ["A"], "Hologram": ["anything at all"]})
    assert r.ok and r.summary.warnings == 1


def test_writability_depends_on_the_operation() -> None:
    assert "Locked_On_Update" not in file_codes(run({"Last_Name": ["A"], "Locked_On_Update": ["x"]}))
    r = run({"id": ["1"], "Locked_On_Update": ["x"]}, operation="update")
    assert file_codes(r)["Locked_On_Update"] == "read-only-column"


def test_insert_needs_every_mandatory_column() -> None:
    r = run({"Email": ["a@b.co"]})
    assert file_codes(r)["Last_Name"] == "mandatory-column-missing"
    assert not r.ok


def test_upsert_missing_mandatory_is_a_warning() -> None:
    r = run({"Email": ["a@b.co"]}, operation="upsert", find_by="Email")
    assert file_codes(r)["Last_Name"] == "upsert-mandatory-missing"
    assert r.ok


def test_update_needs_id_or_find_by() -> None:
    assert file_codes(run({"Nickname": ["x"]}, operation="update"))["id"] == "key-column-missing"
    assert run({"id": ["4150868000001136302"], "Nickname": ["x"]}, operation="update").ok
    r = run({"Email": ["a@b.co"], "Nickname": ["x"]}, operation="update", find_by="Email")
    assert r.ok


def test_upsert_needs_find_by() -> None:
    with pytest.raises(UsageError, match="find_by="):
        run({"Email": ["a@b.co"]}, operation="upsert")


def test_find_by_must_exist_and_be_unique() -> None:
    with pytest.raises(UsageError, match="not a field"):
        run({"Email": ["a@b.co"]}, operation="update", find_by="Nope")
    r = run({"Nickname": ["x"]}, operation="update", find_by="Nickname")
    assert file_codes(r)["Nickname"] == "find-by-not-unique"
    assert "Email" in next(i.message for i in r.issues if i.code == "find-by-not-unique")


def test_keys_empty_or_repeated_are_row_errors() -> None:
    r = run({"id": ["4150868000001136302", "", "4150868000001136302", "7"]}, operation="update")
    got = {i.row: (i.code, i.message) for i in r.issues}
    assert got[3][0] == "empty-key"
    assert got[4][0] == "duplicate-key" and "row 2" in got[4][1]
    assert 5 not in got


def test_find_by_key_duplicates_ignore_case_when_the_field_does() -> None:
    r = run({"Email": ["A@x.com", "a@X.com"], "Nickname": ["1", "2"]}, operation="upsert", find_by="Email")
    assert [(i.row, i.code) for i in r.issues if i.row] == [(3, "duplicate-key")]


def test_unique_field_duplicates_case_insensitive_and_sensitive() -> None:
    r = run(
        {
            "Last_Name": ["A", "B", "C", "D"],
            "Email": ["jane@x.com", "JANE@x.com", "", ""],
            "Phone": ["+123", "+124", "+123", "+124"],
        }
    )
    got = sorted((i.row, i.column, i.code) for i in r.issues if i.row)
    assert got == [
        (3, "Email", "duplicate-value"),
        (4, "Phone", "duplicate-value"),
        (5, "Phone", "duplicate-value"),
    ]


def test_more_than_200_columns() -> None:
    many = schema_of(*[field(f"F{i}", "text") for i in range(201)], module="Wide")
    df = pd.DataFrame({f"F{i}": ["x"] for i in range(201)}, dtype="str")
    r = csvprep.check(df, schema=many)
    assert [i.code for i in r.issues] == ["too-many-columns"]
    r = csvprep.check(
        df.assign(id="1"),
        schema=schema_of(
            *[field(f"F{i}", "text") for i in range(201)],
            field("id", "bigint", operation_type={"api_create": False, "api_update": False}),
        ),
        operation="update",
    )
    assert [i.code for i in r.issues] == ["columns-will-split"] and r.ok


def test_csvprep_reject_columns_are_ignored() -> None:
    r = run({"_csvprep_row": ["5"], "_csvprep_errors": ["x"], "Last_Name": ["A"]})
    assert r.ok and not r.issues


def test_a_column_named_nul_keeps_its_name(tmp_path: Path) -> None:
    """numpy's ``full`` strips a trailing NUL from a str: the issue tables must not (found by fuzzing)."""
    p = tmp_path / "nul.csv"
    p.write_bytes(b"\x00\rLast_Name\x00")
    report = csvprep.check(p, module="Contacts")
    assert ("\x00", "unknown-column") in {(i.column, i.code) for i in report.issues}
