"""Streaming correctness: the answer does not depend on where the batches break.

Tiny pyarrow blocks (a few KB) force hundreds of batches, so that quoted multi-line cells, duplicates and
row numbers all straddle batch boundaries. Every expectation is computed independently (Python's csv
module, a dict of first occurrences) or by the generator's truth. No timing here: that is the benchmark.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csvprep
from benchmarks import datagen
from csvprep import api, reader
from csvprep.engine import Plan, Validator, plan, readahead
from csvprep.engine.keyset import SeenKeys
from csvprep.reader import open_csv, scan
from csvprep.report import Issue, IssueBatch, Report
from csvprep.rules import has_control

TINY = 4096  # bytes per pyarrow block: a few dozen records per batch


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datagen.Truth]:
    path = tmp_path_factory.mktemp("stream") / "contacts.csv"
    truth = datagen.generate(path, 2500, seed=11, invalid_rate=0.05)
    return path, truth


def _check(path: Path, block_bytes: int, piece_bytes: int = reader.PIECE_BYTES, **job: object) -> Report:
    table = open_csv(path, block_bytes=block_bytes, piece_bytes=piece_bytes)
    return api.check_table(table, api.make_job(schema=f"{path}.fields.json", **job))  # type: ignore[arg-type]


def _records(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _key(i: Issue) -> tuple[object, ...]:
    return (i.row, i.column, i.code, i.value, i.message)


def test_tiny_blocks_give_the_same_report_and_the_truth(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    small = _check(path, TINY)
    whole = _check(path, 64 << 20)
    assert [_key(i) for i in small.issues] == [_key(i) for i in whole.issues]
    assert small.summary == whole.summary
    s = small.summary
    assert (s.errors, s.warnings, s.rows_read) == (truth.errors, truth.warnings, truth.rows)
    assert s.rows_with_errors == truth.rows_with_errors


def test_pieces_parsed_apart_give_the_same_report(generated: tuple[Path, datagen.Truth]) -> None:
    """Slices are parsed as record-aligned pieces in parallel: cutting pieces of ~200 bytes, often beside
    or inside a quoted multi-line note, changes nothing."""
    path, _ = generated
    data = np.frombuffer(path.read_bytes(), dtype=np.uint8)[: TINY + 1]
    cut = list(scan.piece_ends(data, 211, scan.quote_fits(","), last=False))
    assert len(cut) > 10  # a slice of TINY bytes is parsed as that many pieces
    whole = _check(path, 64 << 20)
    small = _check(path, TINY, piece_bytes=211)
    assert [_key(i) for i in small.issues] == [_key(i) for i in whole.issues]
    assert small.summary == whole.summary


def test_many_batches_really_happen(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    batches = list(open_csv(path, block_bytes=TINY).batches)
    assert len(batches) > 100
    starts = [int(b.frame.index[0]) for b in batches]
    ends = [int(b.frame.index[-1]) for b in batches]
    assert starts[0] == 2 and ends[-1] == truth.rows + 1
    assert all(s == e + 1 for s, e in zip(starts[1:], ends[:-1], strict=True))  # no gap, no overlap


def test_row_numbers_count_records_after_multiline_cells(generated: tuple[Path, datagen.Truth]) -> None:
    path, _ = generated
    records = _records(path)
    assert sum("\n" in r["Description"] for r in records) > 100
    report = _check(path, TINY)
    cell_issues = [i for i in report.issues if i.row is not None and i.column is not None]
    assert cell_issues
    for issue in cell_issues:
        assert records[issue.row - 2][issue.column] == issue.value  # type: ignore[index,operator]


def test_same_verdicts_as_pandera(generated: tuple[Path, datagen.Truth]) -> None:
    """The accept pass is an optimisation only: pandera's lazy validation of the same schema agrees."""
    path, _ = generated
    fast_table = open_csv(path, block_bytes=32768)
    job = api.make_job(schema=f"{path}.fields.json")
    p = plan(fast_table.header, job)
    fast, slow = Validator(p), Validator(p)
    compared = 0
    for batch in fast_table.batches:
        a, b = fast.validate(batch), slow.validate_pandera(batch)
        for field in ("rows", "columns", "codes", "values"):
            assert getattr(a, field).tolist() == getattr(b, field).tolist()
        assert [a.render(i) for i in range(len(a))] == [b.render(i) for i in range(len(b))]
        compared += len(a)
    assert compared > 500


# --- duplicates across batches ------------------------------------------------------------------------


def _dup_file(tmp_path: Path, refs: dict[int, str], emails: dict[int, str] | None = None) -> Path:
    """A Contacts file (generated schema) of 400 rows with chosen External_Ref / Email cells."""
    path = tmp_path / "dups.csv"
    fields = datagen.fields_json()
    for f in fields["fields"]:
        if f["api_name"] == "Email":
            f["unique"] = {"casesensitive": False}
    Path(f"{path}.fields.json").write_text(json.dumps(fields), encoding="utf-8")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Last_Name", "External_Ref", "Email", "Description"])
        for row in range(2, 402):
            note = f'line one of {row}\nline two, "quoted"\nline three' if row % 3 == 0 else ""
            ref = refs.get(row, str(10_000 + row))
            email = (emails or {}).get(row, f"p{row}@example.com")
            w.writerow([f"Name{row}", ref, email, note])
    return path


def test_duplicates_on_a_unique_field_across_batches(tmp_path: Path) -> None:
    path = _dup_file(tmp_path, {2: "777", 150: "777", 399: "777", 40: "", 41: ""},
                     {5: "Jane.Doe@Example.com", 380: "jane.doe@example.COM"})  # fmt: skip
    report = _check(path, 1024)
    dups = sorted((i.row, i.column, i.message) for i in report.issues if i.code == "duplicate-value")
    assert [(r, c) for r, c, _ in dups] == [(150, "External_Ref"), (380, "Email"), (399, "External_Ref")]
    assert "row 2 already has this value" in dups[0][2]
    assert "row 5 already has this value" in dups[1][2] and "ignoring case" in dups[1][2]
    assert "row 2 already has this value" in dups[2][2]
    assert report.summary.errors == 3  # empty unique values are not duplicates of each other


def test_duplicates_on_the_find_by_key_across_batches(tmp_path: Path) -> None:
    path = _dup_file(tmp_path, {10: "555", 200: "555", 300: "", 301: "555"})
    report = _check(path, 1024, operation="upsert", find_by="External_Ref")
    got = sorted((i.row, i.code) for i in report.issues if i.row is not None)
    assert got == [(200, "duplicate-key"), (300, "empty-key"), (301, "duplicate-key")]
    messages = {i.row: i.message for i in report.issues if i.code == "duplicate-key"}
    assert messages[200].startswith("row 10 ") and messages[301].startswith("row 10 ")


def test_duplicates_match_an_independent_count(generated: tuple[Path, datagen.Truth]) -> None:
    path, _ = generated
    records = _records(path)
    report = _check(path, TINY)
    reported = {i.row: i for i in report.issues if i.code == "duplicate-value"}
    other = {i.row for i in report.issues if i.column == "External_Ref" and i.code != "duplicate-value"}
    first: dict[str, int] = {}
    expected: dict[int, int] = {}
    for n, r in enumerate(records, start=2):
        v = r["External_Ref"]
        if not v:
            continue
        if v in first and n not in other:
            expected[n] = first[v]
        first.setdefault(v, n)
    assert set(reported) == set(expected)
    for row, issue in reported.items():
        assert f"row {expected[row]} already" in issue.message


def test_seen_keys_remember_first_rows_across_calls() -> None:
    seen = SeenKeys()
    a = seen.first_rows(np.array([5, 6, 5], dtype=np.int64), np.array([2, 3, 4]))
    b = seen.first_rows(np.array([6, 7, 7, 5], dtype=np.int64), np.array([5, 6, 7, 8]))
    assert a.tolist() == [-1, -1, 2]
    assert b.tolist() == [3, -1, 6, 2]


@pytest.mark.parametrize(
    ("max_run", "memory_keys", "spread"),
    [(4, 1 << 40, 0), (64, 1 << 40, 0), (SeenKeys.MAX_RUN, SeenKeys.MEMORY_KEYS, 0), (4, 8, 0), (16, 40, 0),
     (4, 8, 1), (16, 40, 2)],
)  # fmt: skip
def test_seen_keys_equal_a_dict_of_first_rows(
    monkeypatch: pytest.MonkeyPatch, max_run: int, memory_keys: int, spread: int
) -> None:
    """In memory or spilled to disk, the same answers. ``spread`` makes keys share their high 32 bits
    (1) or their low 32 bits (2), the two halves the disk tier splits a hash into."""
    monkeypatch.setattr(SeenKeys, "MAX_RUN", max_run)
    monkeypatch.setattr(SeenKeys, "MEMORY_KEYS", memory_keys)
    rng = np.random.default_rng(max_run + memory_keys % 1000 + spread)
    seen, first, row = SeenKeys(), {}, 2
    for _ in range(80):
        n = int(rng.integers(0, 60))
        hashes = rng.integers(-400, 400, n).astype(np.int64)
        if spread == 1:
            hashes = (np.int64(7) << 32) | (hashes & 0xFFFF)
        elif spread == 2:
            hashes = (hashes << 32) | 12345
        rows = np.arange(row, row + n)
        row += n
        expected = []
        for h, r in zip(hashes.tolist(), rows.tolist(), strict=True):
            expected.append(first.get(h, -1))
            first.setdefault(h, r)
        assert seen.first_rows(hashes, rows).tolist() == expected
    assert all(len(h) <= max(max_run, 60) for h, _ in seen.runs)
    if memory_keys < len(first):
        assert seen.disk and seen.memory_keys <= memory_keys + max(max_run, 60)
    seen.close()


# --- the same path for DataFrames, progress, and the readahead thread ------------------------------------


def test_dataframe_takes_the_same_path(generated: tuple[Path, datagen.Truth]) -> None:
    path, _ = generated
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    from_df = csvprep.check(df, schema=f"{path}.fields.json")
    from_file = csvprep.check(path, schema=f"{path}.fields.json")
    assert [_key(i) for i in from_df.issues] == [_key(i) for i in from_file.issues]
    assert from_df.summary.rows_with_errors == from_file.summary.rows_with_errors


def test_progress_reports_rows_and_bytes_as_it_goes(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    seen: list[tuple[int, int]] = []
    table = open_csv(path, block_bytes=TINY)
    api.check_table(
        table, api.make_job(schema=f"{path}.fields.json"), progress=lambda r, b: seen.append((r, b))
    )
    assert len(seen) > 100
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)
    assert [b for _, b in seen] == sorted(b for _, b in seen)
    assert seen[-1] == (truth.rows, path.stat().st_size)


def test_a_batch_is_freed_once_judged(generated: tuple[Path, datagen.Truth]) -> None:
    """Memory holds a few batches, not the file: when a batch's issues are reported, the batches before it
    are freed (a batch is ~20 MB at the default slice)."""
    path, _ = generated
    table = open_csv(path, block_bytes=TINY)
    read: list[tuple[int, weakref.ref[pa.Table]]] = []  # each batch's last row, and its table
    batches = table.batches

    def tracked() -> Iterator[reader.Batch]:
        try:
            for batch in batches:
                read.append((int(batch.rows[-1]), weakref.ref(batch.table)))
                yield batch
                del batch
        finally:
            batches.close()  # type: ignore[attr-defined]

    held: list[int] = []

    class Sink:
        def write(self, issues: IssueBatch) -> None:
            first = int(issues.rows.min())
            held.extend(last for last, table in read if last < first and table() is not None)

        def close(self, summary: object) -> None:
            pass

    table.batches = tracked()
    report = api.check_table(table, api.make_job(schema=f"{path}.fields.json"), sinks=[Sink()])
    assert len(read) > 100 and report.summary.errors > 0
    assert held == []


def test_readahead_keeps_order_and_surfaces_errors() -> None:
    assert list(readahead(iter(range(50)), depth=2)) == list(range(50))

    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("bad block")

    with pytest.raises(ValueError, match="bad block"):
        list(readahead(broken()))


def test_readahead_stops_the_producer_when_the_consumer_stops() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                n += 1
                yield n
        finally:
            closed.set()

    for n in readahead(endless(), depth=2):
        if n == 3:
            break
    assert closed.wait(5)


# --- the accept pass never clears a cell a rule would refuse -------------------------------------------

_CELL = st.text(alphabet="0123456789-+.:;,@/ TtEeXxZzAaé\u00a0\x01", max_size=28) | st.sampled_from([
    "2019-02-29", "2020-02-29", "2019-04-31", "1990-1-5", "2019-08-28T15:30:00+05:30", "+919876543210",
    "++91", "1e10", "-12", "12.345", "true", "TRUE", "yes", "CRM;;Desk", "CRM;Books", "Analytics",
    "a@b.co", "a..b@x.com", "x@y.local", "x@xn--p1ai.com", "1234567890123456789", "12345678901234567890",
    "https://www.zylker.com", "htp://x.com", "", "Advertisement", "cold call",
])  # fmt: skip


@pytest.fixture(scope="module")
def contacts_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    fields = tmp_path_factory.mktemp("schema") / "fields.json"
    fields.write_text(json.dumps(datagen.fields_json()), encoding="utf-8")
    return plan(list(datagen.COLUMNS), api.make_job(schema=fields))


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(_CELL, min_size=1, max_size=40))
def test_accept_implies_every_rule_passes(contacts_plan: Plan, cells: list[str]) -> None:
    arr = pa.array(cells, pa.large_string())
    checked = 0
    for col in contacts_plan.columns:
        accept = col.accept
        if accept is None:
            continue
        ok = accept(arr)
        checked += 1
        control, *others = col.rules  # the control rule is settled per column by has_control()
        assert control.code == "control-character"
        if not control.ok(arr).all():
            assert has_control(arr)
        for rule in others:
            passed = rule.ok(arr)
            bad = [c for c, a, r in zip(cells, ok, passed, strict=True) if a and not r]
            assert not bad, (col.header, rule.code, bad)
    assert checked == len(datagen.COLUMNS)


def test_numeric_date_hints_equal_dateutil() -> None:
    from dateutil import parser as dp

    from csvprep.rules.dates import numeric_readings

    for v in ("1990-1-5", "1990-13-01", "2001-2-30", "5/7/1990", "25/12/1990", "13/13/2000", "0/1/2000"):
        readings = set()
        for dayfirst in (False, True):
            try:
                readings.add(dp.parse(v, dayfirst=dayfirst, yearfirst=bool(re.match(r"\d{4}", v))).date())
            except (ValueError, OverflowError):
                continue
        assert numeric_readings(v) == readings, v
