"""The project's own Contacts generator: deterministic, realistic, and its truth is what csvprep finds."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

import csvprep
from benchmarks import datagen
from csvprep.codes import Severity


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, datagen.Truth]:
    path = tmp_path_factory.mktemp("gen") / "contacts.csv"
    # A high rate so that every kind of every column occurs in a small file.
    truth = datagen.generate(path, 4000, seed=7, invalid_rate=0.06)
    return path, truth


def test_same_seed_same_bytes_and_smaller_file_is_a_prefix(tmp_path: Path) -> None:
    a, b, c, d = (tmp_path / f"{n}.csv" for n in "abcd")
    datagen.generate(a, 1500, seed=3, sidecars=False)
    datagen.generate(b, 1500, seed=3, sidecars=False)
    datagen.generate(c, 1500, seed=4, sidecars=False)
    datagen.generate(d, 2500, seed=3, sidecars=False)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert d.read_bytes().startswith(a.read_bytes())
    assert not (tmp_path / "a.csv.truth.json").exists()


def test_file_looks_like_a_spreadsheet_export(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    raw = path.read_bytes()
    assert raw.count(b"\r\n") >= truth.rows + 1
    assert truth.bytes == len(raw)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, records = rows[0], rows[1:]
    assert tuple(header) == datagen.COLUMNS
    assert len(records) == truth.rows
    assert all(len(r) == len(header) for r in records)
    desc = [r[header.index("Description")] for r in records]
    assert sum("\n" in d for d in desc) > truth.rows * 0.05  # multi-line quoted notes
    assert any('"' in d for d in desc)
    assert any(not r[0].isascii() for r in records)  # non-ASCII last names
    ids = [r[header.index("Account_Name.id")] for r in records]
    assert sum(bool(re.fullmatch(r"\d{19}", i)) for i in ids) > truth.rows * 0.9


def test_truth_sidecars_round_trip(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    assert datagen.load_truth(path) == truth
    assert Path(f"{path}.fields.json").is_file()
    assert truth.errors + truth.warnings == sum(sum(k.values()) for k in truth.by_kind.values())
    # every kind of every checked column occurred
    for column, kinds in datagen.KINDS.items():
        assert set(truth.by_kind[column]) == {k.name for k in kinds}, column


def test_check_finds_exactly_the_truth(generated: tuple[Path, datagen.Truth]) -> None:
    path, truth = generated
    report = csvprep.check(path, schema=f"{path}.fields.json")
    s = report.summary
    found = Counter((i.column, i.code) for i in report.issues)
    expected = Counter({(c, code): n for c, codes in truth.by_code.items() for code, n in codes.items()})
    assert found == expected
    for column in datagen.CHECKED:
        for sev in (Severity.ERROR, Severity.WARNING):
            got = sum(1 for i in report.issues if i.column == column and i.severity == sev)
            assert got == truth.cells(column, str(sev)), (column, sev)
    assert (s.errors, s.warnings) == (truth.errors, truth.warnings)
    assert (s.rows_with_errors, s.rows_with_warnings) == (truth.rows_with_errors, truth.rows_with_warnings)
    assert s.rows_read == truth.rows
    assert truth.by_code["External_Ref"]["duplicate-value"] > 0


def test_duplicates_point_at_a_row_that_holds_the_value(generated: tuple[Path, datagen.Truth]) -> None:
    path, _ = generated
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    report = csvprep.check(path, schema=f"{path}.fields.json")
    dups = [i for i in report.issues if i.code == "duplicate-value"]
    assert dups
    for issue in dups:
        first = int(re.search(r"row (\d+) already", issue.message).group(1))  # type: ignore[union-attr]
        assert first < issue.row  # type: ignore[operator]
        assert records[first - 2]["External_Ref"] == issue.value == records[issue.row - 2]["External_Ref"]  # type: ignore[operator]


def test_rejects_negative_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        datagen.generate(tmp_path / "x.csv", -1)
