"""The shapes a fields response comes in, and what each means for a check.

Zoho's responses differ by version and by where they were saved (https://www.zoho.com/crm/developer/docs/
api/v8/field-meta.html): numbers written as text, no ``operation_type`` in older responses (then
``field_read_only`` / ``read_only`` / the layout's ``view_type`` decide), ``required`` instead of
``system_mandatory``, fields that can be created but not updated or the reverse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import field, judge_values, schema_of

import csvprep
from csvprep.cli import main
from csvprep.errors import SchemaError

LAST = field("Last_Name", "text", system_mandatory=True)


def _codes(report: csvprep.Report) -> list[tuple[str | None, str]]:
    return [(i.column, i.code) for i in report.issues]


def _without(f: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in f.items() if k not in keys}


# --- numbers written as text --------------------------------------------------------------------------


@pytest.mark.parametrize("length", ["3", " 3 ", "3.0", 3.0, "03"])
def test_length_written_otherwise_is_the_same_limit(length: object) -> None:
    assert judge_values(field("Code", "text", length=length), ["abc", "abcd"]) == [None, "too-long"]


@pytest.mark.parametrize("places", ["1", "1.0", 1.0])
def test_decimal_place_written_otherwise_is_the_same_limit(places: object) -> None:
    f = field("Rate", "currency", decimal_place=places)
    assert judge_values(f, ["1.5", "1.25"]) == [None, "too-many-decimals"]


def test_decimal_place_zero_as_text_allows_no_decimals() -> None:
    f = field("Units", "double", decimal_place="0")
    assert judge_values(f, ["12", "1.5"]) == [None, "too-many-decimals"]


def test_number_length_as_text_is_the_digit_limit() -> None:
    f = field("Score", "integer", length="4")
    assert judge_values(f, ["1234", "12345"]) == [None, "too-many-digits"]


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("length", "forty", '"forty"'),
        ("length", "12.5", '"12.5"'),
        ("length", "", '""'),
        ("length", "-3", '"-3"'),
        ("length", "²", '"²"'),
        ("length", 2.5, "2.5"),
        ("length", [3], "[3]"),
        ("length", True, "true"),
        ("decimal_place", "two", '"two"'),
        ("decimal_place", 0.5, "0.5"),
    ],
)
def test_a_limit_that_is_no_whole_number_is_refused(key: str, value: object, shown: str) -> None:
    f = field("Code", "currency", **{key: value})
    with pytest.raises(SchemaError) as e:
        schema_of(f)
    assert str(e.value) == f"field 'Code': {key} must be a whole number, not {shown}"


def test_a_limit_that_is_no_whole_number_stops_the_cli_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "fields.json"
    schema.write_text(json.dumps({"fields": [field("Code", "text", length="forty")]}), encoding="utf-8")
    data = tmp_path / "in.csv"
    data.write_text("Code\nabc\n", encoding="utf-8")
    assert main(["check", str(data), "--schema", str(schema), "--module", "Tests"]) == 2
    err = capsys.readouterr().err
    assert err == "csvprep: error: field 'Code': length must be a whole number, not \"forty\"\n"


def test_null_limits_take_the_default() -> None:
    f = field("Rate", "currency", length=None, decimal_place=None)
    assert judge_values(f, ["1" * 16 + "." + "1" * 9, "1." + "1" * 10]) == [None, "too-many-decimals"]


# --- writability without operation_type ---------------------------------------------------------------

OLD = ("operation_type",)
WRITABILITY: list[tuple[str, dict[str, Any], dict[str, str | None]]] = [
    # (case, field, {operation: why it is read-only, or None when writable})
    ("no flags at all", _without(field("F", "text"), *OLD), {"insert": None, "update": None}),
    (
        "field_read_only",
        _without(field("F", "text", field_read_only=True), *OLD),
        {"insert": "read-only field", "update": "read-only field"},
    ),
    (
        "read_only as text",
        _without(field("F", "text", read_only="true"), *OLD),
        {"insert": "read-only field", "update": "read-only field"},
    ),
    (
        "read_only false",
        _without(field("F", "text", read_only=False, field_read_only=False), *OLD),
        {"insert": None, "update": None},
    ),
    (
        "view_type create only",
        _without(field("F", "text", view_type={"create": True, "edit": False, "view": True}), *OLD),
        {"insert": None, "update": "the API does not allow update"},
    ),
    (
        "view_type edit only",
        _without(field("F", "text", view_type={"create": False, "edit": True, "view": True}), *OLD),
        {"insert": "the API does not allow insert", "update": None},
    ),
    (
        "view_type view only",
        _without(field("F", "text", view_type={"create": False, "edit": False, "view": True}), *OLD),
        {"insert": "view-only field", "update": "view-only field"},
    ),
    (
        "view_type without create",
        _without(field("F", "text", view_type={"view": True}), *OLD),
        {"insert": None, "update": None},
    ),
    (
        "read_only wins over view_type",
        _without(field("F", "text", read_only=True, view_type={"create": True, "edit": True}), *OLD),
        {"insert": "read-only field", "update": "read-only field"},
    ),
    # computed fields are read-only whatever their flags say
    ("formula", field("F", "formula"), {"insert": "formula field", "update": "formula field"}),
    (
        "rollup summary",
        field("F", "rollup_summary"),
        {"insert": "rollup summary field", "update": "rollup summary field"},
    ),
    ("autonumber", field("F", "autonumber"), {"insert": "autonumber field", "update": "autonumber field"}),
    (
        "auto_number",
        field("F", "auto_number"),
        {"insert": "auto number field", "update": "auto number field"},
    ),
    (
        "text with an auto_number object",
        _without(field("F", "text", auto_number={"prefix": "INV-", "start_number": 1}), *OLD),
        {"insert": "auto number field", "update": "auto number field"},
    ),
    (
        "double with a rollup_summary object",
        field("F", "double", rollup_summary={"return_type": "double"}),
        {"insert": "rollup summary field", "update": "rollup summary field"},
    ),
    # operation_type, when present, decides over the older flags
    (
        "operation_type over field_read_only",
        field("F", "text", field_read_only=True),
        {"insert": None, "update": None},
    ),
    (
        "every operation_type flag false",
        field("F", "text", operation_type={"api_create": False, "api_update": False}),
        {
            "insert": "system field: no API create or update",
            "update": "system field: no API create or update",
        },
    ),
    (
        "create-only",
        field("F", "text", operation_type={"api_create": True, "api_update": False}),
        {"insert": None, "update": "the API does not allow update"},
    ),
    (
        "update-only",
        field("F", "text", operation_type={"api_create": False, "api_update": True}),
        {"insert": "the API does not allow insert", "update": None},
    ),
    (
        "flags as text",
        field("F", "text", operation_type={"api_create": "false", "api_update": "true"}),
        {"insert": "the API does not allow insert", "update": None},
    ),
]


def _check_f(f: dict[str, Any], operation: str, **job: Any) -> csvprep.Report:
    schema = schema_of(f, field("id", "bigint"), field("Code", "text", unique={"casesensitive": False}))
    df = pd.DataFrame({"id": ["4150868000001000001"], "Code": ["c1"], "F": ["x"]}, dtype="str")
    if operation != "update":
        df = df.drop(columns="id")
    return csvprep.check(df, schema=schema, operation=operation, **job)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "meta", "why"), WRITABILITY, ids=[c[0] for c in WRITABILITY])
def test_writability(name: str, meta: dict[str, Any], why: dict[str, str | None]) -> None:
    for operation, reason in why.items():
        report = _check_f(meta, operation)
        if reason is None:
            assert _codes(report) == [], (operation, report.issues)
            continue
        (issue,) = report.issues
        assert (issue.column, issue.code) == ("F", "read-only-column"), operation
        assert f"({reason})" in issue.message and f"cannot {operation} it" in issue.message


@pytest.mark.parametrize(
    ("name", "meta"),
    [
        ("create-only", field("F", "text", operation_type={"api_create": True, "api_update": False})),
        ("update-only", field("F", "text", operation_type={"api_create": False, "api_update": True})),
    ],
)
def test_upsert_needs_both_create_and_update(name: str, meta: dict[str, Any]) -> None:
    report = _check_f(meta, "upsert", find_by="Code")
    assert _codes(report) == [("F", "read-only-column")]


def test_an_update_only_mandatory_field_is_not_asked_for_on_insert() -> None:
    """Zoho fills it (or cannot be given it) on insert: its absence is no error."""
    f = field("F", "text", system_mandatory=True, operation_type={"api_create": False, "api_update": True})
    report = csvprep.check(pd.DataFrame({"Last_Name": ["Smith"]}, dtype="str"), schema=schema_of(LAST, f))
    assert _codes(report) == []
    report = csvprep.check(pd.DataFrame({"F": ["x"]}, dtype="str"), schema=schema_of(LAST, f))
    assert ("Last_Name", "mandatory-column-missing") in _codes(report)


# --- required, system_mandatory ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "flags", "mandatory"),
    [
        ("neither", {}, False),
        ("system_mandatory", {"system_mandatory": True}, True),
        ("required only (older layouts)", {"required": True}, True),
        ("required as text", {"required": "true"}, True),
        ("required false", {"required": False}, False),
        ("system_mandatory decides over required", {"system_mandatory": False, "required": True}, False),
    ],
)
def test_mandatory_from_system_mandatory_or_required(
    name: str, flags: dict[str, Any], mandatory: bool
) -> None:
    f = {**_without(field("Company", "text"), "system_mandatory"), **flags}
    other = field("Note", "text")
    missing = csvprep.check(pd.DataFrame({"Note": ["n"]}, dtype="str"), schema=schema_of(f, other))
    assert _codes(missing) == ([("Company", "mandatory-column-missing")] if mandatory else [])
    empty = judge_values(f, ["Zylker", ""])
    assert empty == [None, "required-empty" if mandatory else None]


# --- fields the parser cannot take -----------------------------------------------------------------------


def test_a_field_without_data_type_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"^field 'Mystery' has no data_type$"):
        schema_of(LAST, _without(field("Mystery", "text"), "data_type"))


def test_a_field_with_empty_data_type_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"^field 'Mystery' has no data_type$"):
        schema_of(field("Mystery", ""))


def test_a_field_without_data_type_stops_the_cli_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = tmp_path / "fields.json"
    schema.write_text(
        json.dumps({"fields": [_without(field("Mystery", "text"), "data_type")]}), encoding="utf-8"
    )
    data = tmp_path / "in.csv"
    data.write_text("Mystery\nx\n", encoding="utf-8")
    assert main(["check", str(data), "--schema", str(schema), "--module", "Tests"]) == 2
    assert capsys.readouterr().err == "csvprep: error: field 'Mystery' has no data_type\n"


def test_a_field_without_api_name_is_refused() -> None:
    with pytest.raises(SchemaError, match="a field has no api_name"):
        schema_of(_without(field("X", "text"), "api_name"))


def test_an_unknown_data_type_is_a_warning_and_its_values_pass() -> None:
    f = field("Region", "territories_v9")
    report = csvprep.check(pd.DataFrame({"Region": ["anything at all"]}, dtype="str"), schema=schema_of(f))
    assert _codes(report) == [("Region", "unknown-data-type")] and report.ok
