"""Typed frames are judged as Zoho would receive them: the same issues as the same data typed by hand as
Zoho text, values with no Zoho text as their own issues, and the caller's frame untouched."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csvprep
from csvprep.reader import ReadOptions, open_table
from tests.conftest import field, schema_of

FIELDS = (
    field("Last_Name", "text", system_mandatory=True, length=80),
    field("Count", "integer"),
    field("Amount", "double", decimal_place=2),
    field("Phone", "phone"),
    field("Birth", "date"),
    field("Follow_Up", "datetime"),
    field("Opt_Out", "boolean"),
    field("Tags", "multiselectpicklist", pick_list_values=[{"actual_value": "a"}, {"actual_value": "b"}]),
    field("Stage", "picklist", pick_list_values=[{"actual_value": "Won"}, {"actual_value": "Lost"}]),
    field("Notes", "textarea"),
)
SCHEMA = schema_of(*FIELDS)
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))


def typed() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Last_Name": ["Ng", None, "Li", "Wu"],
            "Count": [1.0, np.nan, 3.0, 1e10],
            "Amount": [0.30000000000000004, 1.5, 1e-7, np.nan],
            "Phone": [4155550100.0, np.nan, 12.0, 7.5],
            "Birth": pd.to_datetime(["2024-01-31", None, "1999-12-31", "2024-02-29"]),
            "Follow_Up": pd.Series(
                [dt.datetime(2024, 1, 2, 3, 4, 5), None, dt.datetime(1960, 5, 6, 7, 8, 9), None]
            ).dt.tz_localize(KOLKATA),
            "Opt_Out": pd.array([True, False, None, True], dtype="boolean"),
            "Tags": [["a", "b"], [], None, ("a", "zz")],
            "Stage": pd.Categorical(["Won", None, "Lost", "Bogus"]),
            "Notes": [decimal.Decimal("1.50"), None, 7, "text"],
        }
    )


TEXT = {
    "Last_Name": ["Ng", "", "Li", "Wu"],
    "Count": ["1", "", "3", "10000000000"],
    "Amount": ["0.30000000000000004", "1.5", "0.0000001", ""],
    "Phone": ["4155550100", "", "12", "7.5"],
    "Birth": ["2024-01-31", "", "1999-12-31", "2024-02-29"],
    "Follow_Up": ["2024-01-02T03:04:05+05:30", "", "1960-05-06T07:08:09+05:30", ""],
    "Opt_Out": ["true", "false", "", "true"],
    "Tags": ["a;b", "", "", "a;zz"],
    "Stage": ["Won", "", "Lost", "Bogus"],
    "Notes": ["1.50", "", "7", "text"],
}


def issues(report: csvprep.Report) -> list[tuple[Any, ...]]:
    return [(i.row, i.column, i.code, i.severity, i.value, i.message) for i in report.issues]


def test_a_typed_frame_gets_the_issues_of_its_zoho_text() -> None:
    by_hand = csvprep.check(pd.DataFrame(TEXT, dtype="str"), schema=SCHEMA)
    report = csvprep.check(typed(), schema=SCHEMA)
    assert issues(report) == issues(by_hand)
    # The text route finds real problems (so the equality above is not of two empty lists).
    assert {
        "required-empty",
        "too-many-digits",
        "too-many-decimals",
        "invalid-phone",
        "new-picklist-value",
    } <= set(report.summary.by_code)


def test_the_callers_frame_is_not_modified() -> None:
    df = typed()
    before = df.copy(deep=True)
    csvprep.check(df, schema=SCHEMA, tz="+05:30")
    pd.testing.assert_frame_equal(df, before)
    assert df["Tags"].iloc[3] == ("a", "zz") and list(df.dtypes) == list(before.dtypes)


def _one(values: Any, data_type: str, **job: Any) -> csvprep.Report:
    return csvprep.check(pd.DataFrame({"Value": values}), schema=schema_of(field("Value", data_type)), **job)


NOON = pd.Timestamp("2024-01-31 12:00")
BIG_ID = 4150868000001136302


@pytest.mark.parametrize(
    ("values", "data_type", "code", "shown"),
    [
        ([float(BIG_ID), np.nan], "bigint", "float-digits-lost", "4.150868000001136e+18"),
        (pd.Series([NOON]), "date", "date-has-time", "2024-01-31T12:00:00"),
        (pd.Series([NOON]).dt.tz_localize("UTC"), "date", "date-has-time", "2024-01-31T12:00:00+00:00"),
        (pd.Series([NOON]), "datetime", "naive-datetime", "2024-01-31T12:00:00"),
        ([["a", "b"]], "text", "unconvertible-value", "a;b"),
        ([{"a": 1}], "text", "unconvertible-value", "{'a': 1}"),
        ([object], "text", "unconvertible-value", "<class 'object'>"),
        (["x", {"a": 1}], "text", "unconvertible-value", "{'a': 1}"),
        ([float("inf")], "double", "unconvertible-value", "inf"),
        (pd.Series([pd.Timedelta(seconds=3)]), "text", "unconvertible-value", "0:00:03"),
    ],
)
def test_a_value_with_no_zoho_text_is_its_own_issue(
    values: Any, data_type: str, code: str, shown: str
) -> None:
    report = _one(values, data_type)
    bad = [i for i in report.issues if i.code == code]
    assert len(bad) == 1 and bad[0].value == shown and bad[0].severity == "error"
    assert len({(i.row, i.column) for i in report.issues}) == len(report.issues)  # one issue per cell


def test_no_other_issue_on_a_cell_with_no_zoho_text() -> None:
    f = field("Value", "integer", system_mandatory=True)
    report = csvprep.check(pd.DataFrame({"Value": [[1]]}), schema=schema_of(f))
    assert [i.code for i in report.issues] == ["unconvertible-value"]


def test_naive_datetimes_take_the_declared_offset() -> None:
    report = _one(pd.Series([NOON, pd.NaT]), "datetime", tz="-08:00")
    assert report.ok
    text = _texts(pd.DataFrame({"Value": [NOON]}), {"Value": "datetime"}, tz="-08:00")
    assert text == ["2024-01-31T12:00:00-08:00"]


def test_fractions_of_a_second_are_dropped_with_a_note() -> None:
    report = _one(pd.Series([pd.Timestamp("2024-01-31 12:00:00.5", tz="UTC")]), "datetime")
    assert report.ok
    assert any(
        "fractions of a second dropped from 1 date-time cell" in n for n in report.summary.source["notes"]
    )


@pytest.mark.parametrize("tz", ["Asia/Kolkata", "+5:30", "+15:00", "05:30"])
def test_tz_must_be_an_offset(tz: str) -> None:
    with pytest.raises(csvprep.CsvprepError, match=r"^tz= must be a UTC offset"):
        _one([NOON], "datetime", tz=tz)


def _texts(df: pd.DataFrame, kinds: dict[str, Any], **read: Any) -> list[str]:
    table = open_table(df, ReadOptions(**read))
    assert table.typing is not None
    table.typing.kinds.update(kinds)
    with table:
        return [v for b in table.batches for v in b.table.column(0).to_pylist()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=False, width=64).filter(lambda v: abs(v) < 2**53)))
def test_floats_read_back_as_the_same_float(values: list[float]) -> None:
    texts = _texts(pd.DataFrame({"Value": pd.Series(values, dtype="float64")}), {})
    for v, text in zip(values, texts, strict=True):
        if v != v:
            assert text == ""
        else:
            assert float(text) == v and "e" not in text and not text.endswith(".0")


@pytest.mark.parametrize(
    ("column", "text"),
    [
        (pd.array([1, None], dtype="Int64"), ["1", ""]),
        (pd.array(["a", None], dtype="string"), ["a", ""]),
        (pd.Series([True, False]), ["true", "false"]),
        (pd.Series([dt.date(2024, 1, 2), None]), ["2024-01-02", ""]),
        (pd.Series([decimal.Decimal("1E+2")]), ["100"]),
        (pd.Series(["x", 1, 2.0, None, pd.NA, np.nan, True]), ["x", "1", "2", "", "", "", "true"]),
        (pd.Series([np.float32(0.1)]), ["0.1"]),
        (pd.Series([dt.time(10, 11, 12)]), ["10:11:12"]),
    ],
)
def test_values_become_text(column: Any, text: list[str]) -> None:
    assert _texts(pd.DataFrame({"Value": column}), {}) == text


def test_arrow_types_without_pandas() -> None:
    t = pa.table({"Value": pa.array([{"a": 1}, None], pa.struct([("a", pa.int64())]))})
    report = csvprep.check(t, schema=schema_of(field("Value", "text")))
    assert [(i.row, i.code) for i in report.issues] == [(2, "unconvertible-value")]


def test_pack_of_a_typed_frame_writes_its_zoho_text(tmp_path: Path) -> None:
    """The ZIPs and rejects.csv of a typed frame are byte for byte those of its text typed by hand."""
    numbers = ["Count", "Amount"]  # their every value is an error: leave rows to pack
    text = pd.DataFrame(TEXT, dtype="str").drop(columns=numbers)
    csvprep.pack(text, tmp_path / "text", schema=SCHEMA, module="Tests")
    result = csvprep.pack(typed().drop(columns=numbers), tmp_path / "typed", schema=SCHEMA, module="Tests")
    assert result.totals.rows_packed and result.totals.rows_rejected

    def files(out: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".zip", ".csv")}

    assert files(tmp_path / "typed") == files(tmp_path / "text")
