"""A report's outputs for pipelines: issues as Arrow and pandas tables, the frame split as pack splits it,
and a short repr and HTML summary."""

from __future__ import annotations

import csv
import gc
import random
import string
import tempfile
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import REPO, field, schema_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csvprep

FIXTURE = REPO / "fixtures" / "contacts.csv"
COLUMNS = ["row", "column", "code", "severity", "value", "message"]
SCHEMA = schema_of(
    field("Name", "text", length=8),
    field("Email", "email"),
    field("Source", "picklist", pick_list_values=[{"display_value": "Web"}]),
    field("Notes", "textarea", textarea={"type": "large"}),
    module="Outputs",
)
# A cell per kind of verdict: what pack packs (a warning does not reject a row) and what it rejects.
GOOD = {"Name": "Ng", "Email": "a@b.co", "Source": "Web", "Notes": ""}
WARNED = {"Source": "Fair", "Notes": "=1+2"}  # new-picklist-value, formula-like
BAD = {"Name": "much too long", "Email": "nope", "Notes": "a\x00b"}  # too-long, invalid-email, control
# Random letters compress little: alone over a 2,000-byte ZIP, rejected for size by pack(max_zip_bytes=2000).
LONG_NOTE = "".join(random.Random(0).choices(string.ascii_letters + string.digits, k=4000))


def _frame(kinds: list[str], index: pd.Index | None = None) -> pd.DataFrame:
    rows = []
    for k in kinds:
        row = dict(GOOD)
        if k == "warned":
            row |= WARNED
        elif k == "bad":
            row |= BAD
        elif k == "long":
            row["Notes"] = LONG_NOTE
        rows.append(row)
    return pd.DataFrame(rows, columns=list(GOOD), index=index, dtype="str")


def _rejected_rows(result: csvprep.PackResult) -> list[int]:
    with open(result.paths.rejects, encoding="utf-8", newline="") as fh:
        return [int(r[0]) for r in list(csv.reader(fh))[1:]]


def test_to_arrow_has_stable_columns_and_a_nullable_row() -> None:
    df = pd.DataFrame({"Last_Name": ["Ng", ""], "Emial": ["a@b.co", "x"]}, dtype="str")
    table = csvprep.check(df, module="Contacts").to_arrow()
    assert table.column_names == [*COLUMNS, "index"]
    assert [t for t in table.schema.types][:6] == [pa.int64(), *[pa.string()] * 5]
    rows = table["row"].to_pylist()
    assert None in rows and 3 in rows  # the unknown column is file-level; Last_Name is empty on row 3
    assert table.filter(pa.compute.is_null(table["row"]))["index"].null_count == rows.count(None)


def test_to_pandas_row_is_nullable_int() -> None:
    df = pd.DataFrame({"Last_Name": ["Ng", ""], "Emial": ["a@b.co", "x"]}, dtype="str")
    issues = csvprep.check(df, module="Contacts").to_pandas()
    assert list(issues.columns) == [*COLUMNS, "index"]
    assert issues["row"].dtype == "Int64" and issues["index"].dtype == "Int64"
    assert issues["row"].isna().any() and issues.loc[issues["row"] == 3, "index"].tolist() == [1]


@pytest.mark.parametrize("keep", [None, 0, 1, 3, 50])
def test_tables_hold_exactly_the_issues_kept(keep: int | None) -> None:
    report = csvprep.check(FIXTURE, module="Contacts", keep=keep)
    assert "index" not in report.to_arrow().column_names  # a file has no index
    expected = [i.to_dict() for i in report.issues]
    assert report.to_arrow().to_pylist() == expected
    got = report.to_pandas().astype(object).where(lambda d: d.notna(), None).to_dict("records")
    assert got == expected


def test_to_dict_is_unchanged() -> None:
    d = csvprep.check(FIXTURE, module="Contacts").to_dict()
    assert list(d) == ["summary", "issues"]
    assert list(d["issues"][0]) == COLUMNS


@pytest.mark.parametrize(
    "index",
    [
        pd.Index([f"c{i}" for i in range(4)], dtype="str"),
        pd.Index([10, 20, 30, 40]),
        pd.date_range("2024-01-01", periods=4, freq="D"),
        pd.Index([3, 2, 1, 0]),
    ],
    ids=["str", "int", "datetime", "reversed"],
)
def test_issues_carry_the_frame_index_label(index: pd.Index) -> None:
    df = _frame(["good", "bad", "warned", "bad"], index=index)
    issues = csvprep.check(df, schema=SCHEMA).to_pandas()
    assert len(issues)
    for row, label in zip(issues["row"], issues["index"], strict=True):
        assert label == df.index[row - 2]
    assert set(issues["index"]) == {df.index[1], df.index[2], df.index[3]}


def test_a_multiindex_label_is_a_struct_of_its_levels() -> None:
    index = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", None])
    table = csvprep.check(_frame(["good", "good", "bad"], index=index), schema=SCHEMA).to_arrow()
    assert set(map(tuple, (d.values() for d in table["index"].to_pylist()))) == {("b", 1)}
    assert table.schema.field("index").type.names == ["k", "level_1"]


def test_an_empty_frame_has_only_file_level_issues_and_null_labels() -> None:
    df = _frame([], index=pd.Index([], dtype="str")).assign(Unknown="")
    table = csvprep.check(df, schema=SCHEMA).to_arrow()
    assert table.num_rows and table["row"].null_count == table["index"].null_count == table.num_rows


def test_mixed_labels_become_their_text() -> None:
    df = _frame(["bad", "good", "bad"], index=pd.Index([1, "b", ("c", 3)], dtype=object))
    assert set(csvprep.check(df, schema=SCHEMA).to_pandas()["index"]) == {"1", "('c', 3)"}


def test_split_of_a_file_read_by_pandas_is_packs_partition(tmp_path: Path) -> None:
    df = pd.read_csv(FIXTURE, dtype="str", keep_default_na=False)  # a quoted cell spans two lines
    result = csvprep.pack(FIXTURE, tmp_path / "out", module="Contacts")
    good, bad = result.report.split(df)
    assert [n + 2 for n in bad.index] == _rejected_rows(result)
    assert len(good) == result.totals.rows_packed


def test_the_report_keeps_the_index_not_the_frame() -> None:
    df = _frame(["bad", "good"], index=pd.Index(["x", "y"], dtype="str"))
    ref = weakref.ref(df)
    report = csvprep.check(df, schema=SCHEMA)
    del df
    gc.collect()
    assert ref() is None
    assert set(report.to_pandas()["index"]) == {"x"}


def test_pack_of_a_frame_labels_its_report(tmp_path: Path) -> None:
    df = _frame(["good", "bad"], index=pd.Index(["x", "y"], dtype="str"))
    result = csvprep.pack(df, tmp_path / "out", schema=SCHEMA)
    assert set(result.report.to_pandas()["index"]) == {"y"}


kinds = st.lists(st.sampled_from(["good", "warned", "bad", "long"]), min_size=0, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=kinds, limited=st.booleans())
def test_split_is_packs_partition(kinds: list[str], limited: bool) -> None:
    df = _frame(kinds)
    limits = {"max_zip_bytes": 2000} if limited else {}
    with tempfile.TemporaryDirectory() as tmp:
        result = csvprep.pack(df, Path(tmp) / "out", schema=SCHEMA, **limits)
        rejected = _rejected_rows(result)
    good, bad = result.report.split(df)
    assert [n + 2 for n in range(len(df)) if df.index[n] in bad.index] == rejected
    assert len(good) == result.totals.rows_packed and len(good) + len(bad) == len(df)
    if not limited:  # check judges rows at Zoho's limits, pack's defaults: the same partition
        again_good, again_bad = csvprep.check(df, schema=SCHEMA).split(df)
        assert again_good.equals(good) and again_bad.equals(bad)
    expect_bad = {"bad"} | ({"long"} if limited else set())
    assert [k in expect_bad for k in kinds] == [n + 2 in rejected for n in range(len(kinds))]


def test_split_with_a_file_level_error_rejects_every_row(tmp_path: Path) -> None:
    df = _frame(["good", "warned", "bad"]).assign(Unknown="x")
    result = csvprep.pack(df, tmp_path / "out", schema=SCHEMA)
    assert result.blocked and _rejected_rows(result) == [2, 3, 4]
    good, bad = csvprep.check(df, schema=SCHEMA).split(df)
    assert good.empty and bad.equals(df)


def test_split_keeps_order_index_and_dtypes_and_leaves_the_frame() -> None:
    df = _frame(["bad", "good", "warned", "bad"], index=pd.Index([7, 5, 3, 1]))
    before = df.copy()
    good, bad = csvprep.check(df, schema=SCHEMA).split(df)
    assert list(good.index) == [5, 3] and list(bad.index) == [7, 1]
    assert (good.dtypes == df.dtypes).all()
    pd.testing.assert_frame_equal(df, before)


def test_split_does_not_need_the_issues_kept() -> None:
    df = _frame(["bad", "good", "warned", "bad"])
    full = csvprep.check(df, schema=SCHEMA).split(df)
    capped = csvprep.check(df, schema=SCHEMA, keep=0).split(df)
    assert all(a.equals(b) for a, b in zip(full, capped, strict=True))


def test_split_takes_a_pyarrow_table() -> None:
    df = _frame(["bad", "good", "warned"])
    report = csvprep.check(df, schema=SCHEMA)
    good, bad = report.split(pa.Table.from_pandas(df, preserve_index=False))
    assert good["Name"].to_pylist() == ["Ng", "Ng"] and bad["Email"].to_pylist() == ["nope"]


def test_split_takes_a_polars_frame() -> None:
    pl = pytest.importorskip("polars")
    df = _frame(["bad", "good", "warned"])
    good, bad = csvprep.check(pl.from_pandas(df), schema=SCHEMA).split(pl.from_pandas(df))
    assert good["Source"].to_list() == ["Web", "Fair"] and bad["Email"].to_list() == ["nope"]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_frame(["good"] * 3), "the frame has 3 rows and the report 4"),
        (_frame(["good"] * 4).to_dict(), "split takes a pandas or polars DataFrame .* not dict"),
    ],
)
def test_split_refuses_another_frame(frame: object, message: str) -> None:
    report = csvprep.check(_frame(["good"] * 4), schema=SCHEMA)
    with pytest.raises(csvprep.CsvprepError, match=message):
        report.split(frame)


def test_a_report_built_by_hand_splits_by_its_issues() -> None:
    summary = csvprep.check(_frame(["good"] * 3), schema=SCHEMA).summary
    issue = csvprep.Issue(3, "Email", "invalid-email", "error", "x", "Invalid email")  # type: ignore[arg-type]
    good, bad = csvprep.Report(summary, (issue,)).split(_frame(["good"] * 3))
    assert list(good.index) == [0, 2] and list(bad.index) == [1]
    file_level = csvprep.Issue(None, "X", "unknown-column", csvprep.Severity.ERROR, None, "Unknown column")
    good, bad = csvprep.Report(summary, (file_level,)).split(_frame(["good"] * 3))
    assert good.empty and len(bad) == 3
    with pytest.raises(csvprep.CsvprepError, match="kept only some issues"):
        csvprep.Report(summary, (issue,), truncated=True).split(_frame(["good"] * 3))


def test_repr_and_html_stay_small_at_many_issues() -> None:
    n = 5000
    report = csvprep.check(_frame(["bad"] * n), schema=SCHEMA)
    assert report.summary.errors == 3 * n
    line = repr(report)
    assert line == (
        f"<csvprep.Report Outputs insert: {n:,} rows, {3 * n:,} errors, 0 warnings, {n:,} rows with errors>"
    )
    page = report._repr_html_()
    assert len(page) < 6000 and page.count("<tr>") == 1 + 3 + 1 + 10
    small = csvprep.check(_frame(["bad"] * 20), schema=SCHEMA)._repr_html_()
    assert len(page) - len(small) < 100  # only the counts' digits grow


def test_html_cuts_a_huge_value() -> None:
    page = csvprep.check(_frame(["good"]).assign(Notes="<" * 100_000), schema=SCHEMA)._repr_html_()
    assert "too-long" in page and "&lt;" * 120 + "…" in page and len(page) < 5000


def test_html_escapes_what_it_shows() -> None:
    df = _frame(["good"]).assign(Email="<script>alert(1)</script>\x1b[2J")
    page = csvprep.check(df, schema=SCHEMA)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x1b" not in page


def test_html_shows_the_index_label_of_each_issue() -> None:
    df = _frame(["good", "bad"], index=pd.Index(["first", "second"], dtype="str"))
    page = csvprep.check(df, schema=SCHEMA)._repr_html_()
    assert "<th>index</th>" in page and "<td>second</td>" in page and "<td>first</td>" not in page


def test_rejected_marks_every_row_with_an_error() -> None:
    report = csvprep.check(FIXTURE, module="Contacts")
    error_rows = {i.row for i in report.issues if i.severity == "error" and i.row is not None}
    marks = report.rejected()
    assert marks.dtype == np.bool_ and len(marks) == report.summary.rows_read
    assert {n + 2 for n in np.flatnonzero(marks).tolist()} == error_rows


def test_split_of_checks_report_rejects_a_row_too_large_for_zoho_as_pack_does(tmp_path: Path) -> None:
    """check judges a row's size at Zoho's limits (pack's defaults): a row of over 25 MB of CSV."""
    width, cell = 140, "😀" * 50_000  # rich text takes 50,000 characters: 200 KB a cell, 28 MB a row
    fields = [field(f"N{i}", "textarea", textarea={"type": "rich_text"}) for i in range(width)]
    schema = schema_of(*fields, module="Wide")
    df = pd.DataFrame([["a"] * width, [cell] * width, ["b"] * width], columns=[f"N{i}" for i in range(width)])
    report = csvprep.check(df, schema=schema)
    assert [(i.row, i.code) for i in report.issues] == [(3, "row-too-large")]
    good, bad = report.split(df)
    assert list(good.index) == [0, 2] and list(bad.index) == [1]
    result = csvprep.pack(df, tmp_path / "out", schema=schema)
    assert _rejected_rows(result) == [3] and result.totals.rows_packed == 2
