"""``csvprep.to_pandera``: pandera gives check's verdicts, cell for cell, field type by field type."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.errors
import pytest
from conftest import REPO, field, schema_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csvprep
from csvprep.errors import UsageError

PICKS = [{"actual_value": v, "display_value": v} for v in ("Alpha", "Beta")]
MANDATORY = field("Name", "text", system_mandatory=True, length=20)

# (case, field, column, values, job): each frame column holds valid, invalid, empty and borderline cells.
CASES: list[tuple[str, dict[str, Any], str | None, list[str], dict[str, Any]]] = [
    ("text", field("T", "text", length=5), None, ["ok", "toolong", "", "=cmd", "a\x00b", "12345"], {}),
    (
        "textarea",
        field("D", "textarea", textarea={"type": "small"}),
        None,
        ["x" * 2000, "x" * 2001, "", "@SUM(A1)", "multi\nline"],
        {},
    ),
    ("email", field("E", "email"), None, ["a@b.co", "bad@", "", "x@y", " a@b.co", "é@exämple.de"], {}),
    ("phone", field("P", "phone"), None, ["+4930123", "12-3", "", "+", "0" * 31, "+1 555"], {}),
    ("picklist", field("L", "picklist", pick_list_values=PICKS), None, ["Alpha", "Gamma", "", "-x"], {}),
    (
        "multiselect",
        field("M", "multiselectpicklist", pick_list_values=PICKS),
        None,
        ["Alpha;Beta", "Alpha;;Beta", "Zeta", "", "x" * 2001],
        {},
    ),
    ("date", field("Dt", "date"), None, ["2024-01-31", "2019-02-29", "31/01/2024", "", "2024-1-3"], {}),
    (
        "datetime",
        field("Dtt", "datetime"),
        None,
        ["2024-01-02T03:04:05+05:30", "2024-01-02 03:04:05", "", "2024-02-30T00:00:00+00:00"],
        {},
    ),
    ("integer", field("I", "integer"), None, ["12", "1.5", "1e5", "1234567890", "", "-3", "0012"], {}),
    ("bigint", field("B", "bigint"), None, ["123456789012345678", "1234567890123456789", "x", ""], {}),
    ("currency", field("C", "currency"), None, ["1.5", "1.1234567891", "abc", "", "1,5", "1E3"], {}),
    ("double", field("Db", "double", decimal_place=2), None, ["1.25", "1.255", "0.30000000000000004"], {}),
    ("percent", field("Pc", "percent"), None, ["12.5", "123456", "12.555", ""], {}),
    ("boolean", field("Bo", "boolean"), None, ["true", "FALSE", "yes", "", "1"], {}),
    ("website", field("W", "website"), None, ["https://a.com", "not a url", "", "www.zoho.com"], {}),
    (
        "lookup id",
        field("A", "lookup", lookup={"module": {"api_name": "Accounts"}}),
        "A.id",
        ["4150868000001038001", "4.15087E+18", "abc", "", "41508680000010380011"],
        {},
    ),
    (
        "owner email",
        field("Owner", "ownerlookup", lookup={"module": {"api_name": "users"}}),
        "Owner.email",
        ["o@b.co", "nobody", ""],
        {},
    ),
    ("mandatory", MANDATORY, None, ["x", "", " ", "\u200b", "y"], {}),
    (
        "unique ignoring case",
        field("U", "email", unique={"case_sensitive": False}),
        None,
        ["a@b.co", "A@b.co", "", "", "bad@", "bad@", "c@d.co"],
        {},
    ),
    (
        "unique with case",
        field("Uc", "text", unique={"case_sensitive": True}),
        None,
        ["k1", "K1", "k1", "", "", "=x", "=x"],
        {},
    ),
    (
        "update key",
        field("id", "bigint"),
        None,
        ["1", "1", "", "x", "2", "2"],
        {"operation": "update"},
    ),
    (
        "upsert key",
        field("Key", "text", unique={"case_sensitive": False}),
        None,
        ["a", "A", "", "b", "=f", "=F"],
        {"operation": "upsert", "find_by": "Key"},
    ),
]


def _verdicts(
    schema: csvprep.ModuleSchema, df: pd.DataFrame, **job: Any
) -> tuple[set[tuple[int, str, str]], set[tuple[str, str]]]:
    """pandera's errors as (position, column, code) and its warnings as (column, code)."""
    errors: set[tuple[int, str, str]] = set()
    ps = csvprep.to_pandera(
        schema, job.get("operation", "insert"), list(df.columns), find_by=job.get("find_by")
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ps.validate(df, lazy=True)
        except pandera.errors.SchemaErrors as e:
            fc = e.failure_cases
            for index, column, check in zip(fc["index"], fc["column"], fc["check"], strict=True):
                errors.add((int(index), str(column), str(check)))
    warned = set()
    for w in caught:
        if m := re.search(r"Column '(.*?)' .*<Check ([a-z-]+)>", str(w.message)):
            warned.add((m.group(1), m.group(2)))
    return errors, warned


def _checked(report: csvprep.Report) -> tuple[set[tuple[int, str, str]], set[tuple[str, str]]]:
    """check's cell errors as (position, column, code) and its warnings as (column, code)."""
    cells = [i for i in report.issues if i.row is not None]
    errors = {(i.row - 2, str(i.column), i.code) for i in cells if i.severity == "error"}  # type: ignore[operator]
    return errors, {(str(i.column), i.code) for i in cells if i.severity == "warning"}


@pytest.mark.parametrize(("case", "f", "column", "values", "job"), CASES, ids=[c[0] for c in CASES])
def test_pandera_names_the_cells_check_names(
    case: str, f: dict[str, Any], column: str | None, values: list[str], job: dict[str, Any]
) -> None:
    schema = schema_of(f)
    df = pd.DataFrame({column or f["api_name"]: values}, dtype="str")
    report = csvprep.check(df, schema=schema, **job)
    assert not [i for i in report.issues if i.row is None and i.severity == "error"]
    expected_errors, expected_warnings = _checked(report)
    assert expected_errors or expected_warnings, "every case has a bad cell"
    assert _verdicts(schema, df, **job) == (expected_errors, expected_warnings)


def test_a_valid_frame_passes() -> None:
    schema = schema_of(*(f for _, f, _, _, job in CASES if not job))
    df = pd.DataFrame(
        {"T": ["ok"], "Dt": ["2024-01-31"], "I": ["0012"], "A.id": ["4150868000001038001"], "Name": ["x"]},
        dtype="str",
    )
    assert csvprep.check(df, schema=schema).ok
    assert csvprep.to_pandera(schema, header=list(df.columns)).validate(df, lazy=True).equals(df)
    assert csvprep.to_pandera(schema).validate(df, lazy=True).equals(df)  # every writable column, optional


def test_the_shipped_fixture_gives_the_same_cells() -> None:
    schema = csvprep.load_schema("Contacts")
    df = pd.read_csv(REPO / "fixtures/contacts.csv", dtype="str", keep_default_na=False)
    assert _verdicts(schema, df) == _checked(csvprep.check(df, schema=schema))


def test_null_cells_are_empty_cells() -> None:
    schema = schema_of(MANDATORY, field("I", "integer"))
    df = pd.DataFrame({"Name": ["x", None, float("nan")], "I": [None, "1", "x"]}, dtype=object)
    report = csvprep.check(df, schema=schema)
    assert _verdicts(schema, df) == _checked(report) == ({(1, "Name", "required-empty"),
                                                         (2, "Name", "required-empty"),
                                                         (2, "I", "invalid-number")}, set())  # fmt: skip


def test_columns_the_job_needs_are_required_and_unknown_ones_refused() -> None:
    schema = schema_of(MANDATORY, field("T", "text"), field("R", "text", operation_type={}))
    ps = csvprep.to_pandera(schema)
    assert {name for name, c in ps.columns.items() if c.required} == {"Name"}
    assert "R" not in ps.columns  # read-only: not writable
    with pytest.raises(pandera.errors.SchemaErrors) as e:
        ps.validate(pd.DataFrame({"T": ["a"], "Nope": ["b"], "_csvprep_row": ["2"]}, dtype="str"), lazy=True)
    fc = e.value.failure_cases
    assert set(zip(fc["check"], fc["failure_case"], strict=True)) == {
        ("column_in_dataframe", "Name"),
        ("column_in_schema", "Nope"),
    }
    update = csvprep.to_pandera(schema, "update")
    assert [name for name, c in update.columns.items() if c.required] == []  # no id field in this schema
    keyed = csvprep.to_pandera(schema_of(MANDATORY, field("id", "bigint")), "update")
    assert [name for name, c in keyed.columns.items() if c.required] == ["id"]


def test_more_than_200_columns_fails_an_insert_and_warns_an_update() -> None:
    fields = [field(f"F{n}", "text") for n in range(201)]
    schema = schema_of(*fields, field("id", "bigint"))
    df = pd.DataFrame({f"F{n}": ["a"] for n in range(201)}, dtype="str")
    with pytest.raises(pandera.errors.SchemaErrors, match="too-many-columns"):
        csvprep.to_pandera(schema).validate(df, lazy=True)
    with pytest.warns(pandera.errors.SchemaWarning, match="columns-will-split"):
        csvprep.to_pandera(schema, "update").validate(df.assign(id="1"), lazy=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"operation": "merge"}, "operation must be one of"),
        ({"operation": "upsert"}, "upsert needs find_by"),
        ({"operation": "upsert", "find_by": "T"}, "not a unique field"),
        ({"header": "T"}, "header must be a list"),
        ({"header": ["T", 3]}, "header must be a list"),
    ],
)
def test_a_job_pandera_cannot_express_is_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(csvprep.CsvprepError, match=message):
        csvprep.to_pandera(schema_of(field("T", "text")), **kwargs)


def test_load_schema_takes_a_path_a_dict_or_a_shipped_module(tmp_path: Path) -> None:
    doc = {"fields": [field("T", "text")]}
    path = tmp_path / "org.json"
    path.write_text(__import__("json").dumps(doc))
    assert csvprep.load_schema(doc, "Tests").fields == csvprep.load_schema(path, "Tests").fields
    shipped = csvprep.load_schema("contacts")
    assert (shipped.module, shipped.shipped) == ("Contacts", True)
    with pytest.raises(UsageError, match="not int 5"):
        csvprep.load_schema(5)  # type: ignore[arg-type]
    with pytest.raises(csvprep.CsvprepError, match="neither a schema file nor a shipped module"):
        csvprep.load_schema("Contactz")
    with pytest.raises(csvprep.CsvprepError, match="not found"):
        csvprep.load_schema(str(tmp_path / "missing.json"))
    with pytest.raises(csvprep.CsvprepError, match='"fields" list'):
        csvprep.load_schema({"data": []})


# Each case's column, for a frame mixing them: cells drawn from every case's values of that column.
_MIXED = [(f, column or f["api_name"], values) for _, f, column, values, job in CASES if not job]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_mix_of_cells_gets_the_same_verdicts(data: st.DataObject) -> None:
    """Invariant: whatever the cells (drawn from the cases' tricky values), pandera and check agree."""
    rows = data.draw(st.integers(1, 8))
    frame = {
        name: data.draw(st.lists(st.sampled_from(values), min_size=rows, max_size=rows))
        for _, name, values in _MIXED
    }
    df = pd.DataFrame(frame, dtype="str")
    schema = schema_of(*(f for f, _, _ in _MIXED))
    assert _verdicts(schema, df) == _checked(csvprep.check(df, schema=schema))
