"""pack: every row accounted for, limits kept, job JSON as zoho-rules.md §2.3, a safe output directory."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTACTS_FIELDS, LOOKUP_HEADER, LOOKUP_ROW, field, schema_of

import csvprep
from benchmarks import datagen
from csvprep.cli import main
from csvprep.errors import UsageError
from csvprep.packer.batches import dump_json
from csvprep.packer.jobspec import DATE_FORMAT, DATETIME_FORMAT, FILE_ID_PLACEHOLDER
from csvprep.packer.pack import PackResult, iter_zip_rows
from csvprep.rules.formula import restore_text
from csvprep.schema import ModuleSchema, parse_schema


def read_rows(path: Path) -> tuple[list[str], dict[int, list[str]]]:
    """Header and {spreadsheet row: cells} of a CSV, read with the csv module."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], {i + 2: r for i, r in enumerate(rows[1:])}


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([header, *rows])
    return path


def packed_rows(result: PackResult) -> dict[int, list[str]]:
    """{source row: cells} of every packed row, read back from the ZIPs (column sets joined in order)."""
    out: dict[int, list[str]] = {}
    for b in result.batches:
        numbers = [r for start, end in b.source_rows for r in range(start, end + 1)]
        assert len(numbers) == b.rows
        parts = []
        for f in b.files:
            records = list(iter_zip_rows(result.paths.out_dir / f.zip))
            assert len(records) == b.rows + 1
            parts.append(records[1:])
        for n, cells in zip(numbers, zip(*parts, strict=True), strict=True):
            assert n not in out, f"row {n} packed twice"
            out[n] = [c for part in cells for c in part]
    return out


def rejected_rows(result: PackResult) -> dict[int, list[str]]:
    header, rows = read_rows(result.paths.rejects)
    assert header[:3] == ["_csvprep_row", "_csvprep_errors", "_csvprep_source"]
    out = {}
    for cells in rows.values():
        n = int(cells[0])
        assert n not in out, f"row {n} rejected twice"
        assert cells[1], f"row {n} rejected without a reason"
        out[n] = cells[3:]
    return out


def check_error_rows(report: csvprep.Report) -> set[int]:
    return {i.row for i in report.issues if i.row is not None and i.severity == "error"}


@pytest.fixture(scope="module")
def contacts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModuleSchema]:
    path = tmp_path_factory.mktemp("contacts") / "contacts.csv"
    datagen.generate(path, 3000, invalid_rate=0.02, sidecars=False)
    return path, parse_schema(datagen.fields_json(), "Contacts")


def test_every_row_packed_or_rejected_as_check_says(
    contacts: tuple[Path, ModuleSchema], tmp_path: Path
) -> None:
    path, schema = contacts
    result = csvprep.pack(path, tmp_path / "out", schema=schema, max_rows=1000)
    report = csvprep.check(path, schema=schema)
    header, source = read_rows(path)
    packed, rejected = packed_rows(result), rejected_rows(result)

    assert set(rejected) == check_error_rows(report)
    assert 0 < len(rejected) < len(source)
    assert packed.keys() | rejected.keys() == source.keys()
    assert not packed.keys() & rejected.keys()
    for n, cells in packed.items():
        assert cells == source[n]
    for n, cells in rejected.items():  # as written, but for the quote before a formula that csvprep takes off
        assert [restore_text(c) for c in cells] == source[n]
    t = result.totals
    assert (t.rows_in, t.rows_packed, t.rows_rejected) == (len(source), len(packed), len(rejected))
    assert [b.rows for b in result.batches] == [1000] * (len(packed) // 1000) + (
        [len(packed) % 1000] if len(packed) % 1000 else []
    )
    assert t.jobs == t.batches == len(result.batches) and t.api_credits == 500 * t.jobs
    assert result.exit_code == 1
    assert result.report.summary.to_dict() == report.summary.to_dict()
    for b in result.batches:
        assert next(iter_zip_rows(result.paths.out_dir / b.files[0].zip)) == header


def test_zip_layout(contacts: tuple[Path, ModuleSchema], tmp_path: Path) -> None:
    path, schema = contacts
    result = csvprep.pack(path, tmp_path / "out", schema=schema, max_rows=2000, compression=9)
    b = result.batches[0]
    zpath = result.paths.out_dir / b.files[0].zip
    assert b.files[0].zip == "Contacts_0001.zip" and b.files[0].job == "Contacts_0001.job.json"
    with zipfile.ZipFile(zpath) as zf:
        assert zf.testzip() is None
        (info,) = zf.infolist()
        data = zf.read(info)
    assert info.filename == "Contacts_0001.csv"
    assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.startswith(b"Last_Name,First_Name,") and data.endswith(b"\r\n")
    assert len(data) == b.files[0].csv_bytes and zpath.stat().st_size == b.files[0].zip_bytes
    manifest = json.loads(result.paths.manifest.read_text())
    assert manifest["input"]["name"] == "contacts.csv"
    assert manifest["totals"] == {
        "rows_in": 3000,
        "rows_packed": result.totals.rows_packed,
        "rows_rejected": result.totals.rows_rejected,
        "batches": 2,
        "jobs": 2,
        "api_credits": 1000,
    }
    mb = manifest["batches"][0]
    assert mb["files"][0]["zip_sha256"] == b.files[0].zip_sha256
    assert [tuple(r) for r in mb["source_rows"]] == list(b.source_rows)


def test_same_input_same_bytes(contacts: tuple[Path, ModuleSchema], tmp_path: Path) -> None:
    path, schema = contacts
    a = csvprep.pack(path, tmp_path / "a", schema=schema, max_rows=700, max_zip_bytes=150_000)
    b = csvprep.pack(path, tmp_path / "b", schema=schema, max_rows=700, max_zip_bytes=150_000)
    files_a = sorted(p.name for p in a.paths.out_dir.iterdir())
    assert files_a == sorted(p.name for p in b.paths.out_dir.iterdir())
    assert len(files_a) > 4
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def noise(rng: random.Random, n: int) -> str:
    """Text that compresses poorly, with the quotes, commas and line breaks of real notes."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,\"\n'éøßжπ漢字"
    return "".join(rng.choice(alphabet) for _ in range(n))


def test_wide_rows_split_by_measured_size(tmp_path: Path) -> None:
    rng = random.Random(7)
    schema = schema_of(
        field("Name", "text"), field("Notes", "textarea", length=32000, textarea={"type": "large"})
    )
    rows = [[f"{i:05d}", noise(rng, 30_000)] for i in range(60)]
    path = write_rows(tmp_path / "wide.csv", ["Name", "Notes"], rows)
    limit = 400_000
    result = csvprep.pack(path, tmp_path / "out", schema=schema, max_zip_bytes=limit)
    assert result.exit_code == 0 and result.totals.rows_packed == 60
    assert len(result.batches) >= 3
    for b in result.batches:
        size = (result.paths.out_dir / b.files[0].zip).stat().st_size
        assert size <= limit and size == b.files[0].zip_bytes
        assert b.files[0].csv_bytes > limit  # the CSV alone is over the limit: only compression fits it
    # Maximal: a batch with the next batch's first row added would be over the limit.
    for b, nxt in zip(result.batches, result.batches[1:], strict=False):
        first, last = b.source_rows[0][0], nxt.source_rows[0][0]
        more = write_rows(
            tmp_path / "more.csv", ["Name", "Notes"], [rows[n - 2] for n in range(first, last + 1)]
        )
        bigger = csvprep.pack(more, tmp_path / "more", schema=schema, force=True)
        assert len(bigger.batches) == 1 and bigger.batches[0].files[0].zip_bytes > limit
    assert packed_rows(result) == {n + 2: r for n, r in enumerate(rows)}


def job_of(result: PackResult, i: int = 0) -> dict[str, Any]:
    return json.loads((result.paths.out_dir / result.batches[0].files[i].job).read_text())


def expected_mappings(header: list[str]) -> list[dict[str, Any]]:
    extra: dict[str, dict[str, Any]] = {
        "Date_of_Birth": {"format": DATE_FORMAT},
        "Follow_Up": {"format": DATETIME_FORMAT},
        "Account_Name.id": {"find_by": "id"},
        "Owner.email": {"find_by": "email"},
    }
    return [{"api_name": h.partition(".")[0], "index": i, **extra.get(h, {})} for i, h in enumerate(header)]


@pytest.mark.parametrize(
    ("operation", "find_by", "key", "ignore_empty"),
    [("insert", None, None, False), ("update", None, "id", True), ("upsert", "Email", "Email", False)],
)
def test_job_json_shape(
    tmp_path: Path, operation: str, find_by: str | None, key: str | None, ignore_empty: bool
) -> None:
    header = LOOKUP_HEADER + (["id"] if key == "id" else [])
    row = LOOKUP_ROW + (["4150868000001123001"] if key == "id" else [])
    path = write_rows(tmp_path / "in.csv", header, [row, [*row[:1], "c@d.co", *row[2:]]])
    result = csvprep.pack(
        path,
        tmp_path / "out",
        schema=schema_of(*CONTACTS_FIELDS, module="Contacts"),
        operation=operation,  # type: ignore[arg-type]
        find_by=find_by,
        ignore_empty=ignore_empty,
    )
    if key == "id":  # both rows update the same record: the second is a duplicate key
        assert result.totals.rows_rejected == 1
    else:
        assert result.exit_code == 0, result.report.issues
    job = job_of(result)
    assert job["operation"] == operation
    assert job["character_encoding"] == "UTF-8"
    assert job["ignore_empty"] is ignore_empty
    assert "callback" not in job
    (res,) = job["resource"]
    assert res["type"] == "data"
    assert res["module"] == {"api_name": "Contacts"}
    assert res["file_id"] == FILE_ID_PLACEHOLDER
    assert res.get("find_by") == key
    assert res["field_mappings"] == expected_mappings(header)
    assert job["_csvprep"]["zip"] == "Contacts_0001.zip"


def test_update_with_250_columns_splits_columns_and_repeats_key(tmp_path: Path) -> None:
    fields = [field(f"F{i:03d}", "text") for i in range(250)]
    schema = schema_of(*fields, field("id", "bigint"), module="Wide")
    header = ["id"] + [f"F{i:03d}" for i in range(250)]
    rows = [[str(4150868000001000000 + n)] + [f"r{n}c{i}" for i in range(250)] for n in range(30)]
    path = write_rows(tmp_path / "wide.csv", header, rows)
    result = csvprep.pack(path, tmp_path / "out", schema=schema, operation="update", max_rows=20)
    assert result.exit_code == 0
    assert [b.rows for b in result.batches] == [20, 10]
    assert result.totals.jobs == 4 and result.totals.api_credits == 2000
    b = result.batches[0]
    assert [f.zip for f in b.files] == ["Wide_0001_cols1.zip", "Wide_0001_cols2.zip"]
    seen: list[str] = []
    for i, f in enumerate(b.files):
        cols = next(iter_zip_rows(result.paths.out_dir / f.zip))
        assert cols[0] == "id" and len(cols) <= 200
        seen += cols[1:]
        job = job_of(result, i)
        assert job["resource"][0]["find_by"] == "id"
        assert [m["api_name"] for m in job["resource"][0]["field_mappings"]] == cols
    assert seen == header[1:]
    manifest = json.loads(result.paths.manifest.read_text())
    assert len(manifest["columns"]["sets"]) == 2 and "key column 'id'" in manifest["columns"]["note"]
    # Each column set's ZIP holds the same records in the same order, each led by its key.
    for b in result.batches:
        parts = [list(iter_zip_rows(result.paths.out_dir / f.zip))[1:] for f in b.files]
        for a, c in zip(*parts, strict=True):
            assert a[0] == c[0]


def test_insert_with_250_columns_is_refused(tmp_path: Path) -> None:
    schema = schema_of(*[field(f"F{i:03d}", "text") for i in range(250)], module="Wide")
    header = [f"F{i:03d}" for i in range(250)]
    path = write_rows(tmp_path / "wide.csv", header, [["x"] * 250, ["y"] * 250])
    result = csvprep.pack(path, tmp_path / "out", schema=schema)
    assert result.blocked and result.exit_code == 1 and not result.batches
    assert result.totals.rows_rejected == 2
    assert any(i.code == "too-many-columns" for i in result.report.issues)
    assert "too-many-columns" in rejected_rows_reasons(result)[2]


def rejected_rows_reasons(result: PackResult) -> dict[int, str]:
    _, rows = read_rows(result.paths.rejects)
    return {int(r[0]): r[1] for r in rows.values()}


def test_blocked_file_writes_no_batch_and_rejects_every_row(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "in.csv", ["Last_Name", "Nope"], [["A", "1"], ["B", "2"]])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*CONTACTS_FIELDS, module="Contacts"))
    assert result.blocked and result.exit_code == 1
    assert not list(result.paths.out_dir.glob("*.zip"))
    assert rejected_rows(result) == {2: ["A", "1"], 3: ["B", "2"]}
    assert "unknown-column (Nope):" in rejected_rows_reasons(result)[2]


def test_rejects_can_be_fixed_and_packed_again(tmp_path: Path) -> None:
    schema = schema_of(*CONTACTS_FIELDS, module="Contacts")
    header = ["Last_Name", "Email", "Date_of_Birth"]
    rows = [
        ["Ok", "ok@b.co", "1990-01-01"],
        ["Bad", "not-an-email", "1990-01-01"],
        ["", "x@y.co", "31/12/1990"],
    ]
    first = csvprep.pack(write_rows(tmp_path / "in.csv", header, rows), tmp_path / "one", schema=schema)
    assert first.totals.rows_packed == 1 and first.totals.rows_rejected == 2
    reasons = rejected_rows_reasons(first)
    assert "invalid-email (Email)" in reasons[3]
    assert "(Last_Name)" in reasons[4] and "(Date_of_Birth)" in reasons[4]
    rh, rrows = read_rows(first.paths.rejects)
    assert rh == ["_csvprep_row", "_csvprep_errors", "_csvprep_source", *header]
    fixed = [list(r) for r in rrows.values()]
    fixed[0][4] = "bad@b.co"
    fixed[1][3], fixed[1][5] = "Fixed", "1990-12-31"
    again = csvprep.pack(write_rows(tmp_path / "fixed.csv", rh, fixed), tmp_path / "two", schema=schema)
    assert again.exit_code == 0 and again.totals.rows_packed == 2
    records = list(iter_zip_rows(again.paths.out_dir / again.batches[0].files[0].zip))
    assert records == [header, ["Bad", "bad@b.co", "1990-01-01"], ["Fixed", "x@y.co", "1990-12-31"]]


def test_output_directory_safety(contacts: tuple[Path, ModuleSchema], tmp_path: Path) -> None:
    path, schema = contacts
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        csvprep.pack(path, out, schema=schema)
    with pytest.raises(UsageError, match="earlier pack output"):
        csvprep.pack(path, out, schema=schema, force=True)
    assert (out / "mine.txt").read_text() == "keep me"
    (out / "mine.txt").unlink()
    csvprep.pack(path, out, schema=schema, max_rows=1000)
    before = sorted(p.name for p in out.iterdir())
    # A run that fails half-way leaves the earlier output as it was and no temporary directory.
    with pytest.raises(UsageError, match="too small"):
        csvprep.pack(path, out, schema=schema, force=True, max_zip_bytes=200)
    assert sorted(p.name for p in out.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    again = csvprep.pack(path, out, schema=schema, force=True, max_rows=25000)
    assert sorted(p.name for p in out.iterdir()) != before and len(again.batches) == 1


def test_cli_exit_codes_and_summary(
    contacts: tuple[Path, ModuleSchema], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = contacts
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps(datagen.fields_json()))
    args = ["pack", str(path), "--schema", str(fields), "--module", "Contacts", "-q"]
    assert main([*args, "--out", str(tmp_path / "out"), "--max-rows", "1000"]) == 1
    out = capsys.readouterr().out
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    t = manifest["totals"]
    assert f"rows in {t['rows_in']:,}; packed {t['rows_packed']:,} in {t['batches']} batches" in out
    assert f"({t['jobs']} jobs, {t['api_credits']:,} API credits); rejected {t['rows_rejected']:,}" in out
    assert t["batches"] == 3
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "x"), "--max-rows", "30000"]) == 2
    good = write_rows(tmp_path / "good.csv", ["Last_Name", "Email"], [["A", "a@b.co"]])
    assert main(["pack", str(good), "--module", "Contacts", "--out", str(tmp_path / "g"), "-q"]) == 0
    assert "packed 1 in 1 batch (1 job, 500 API credits); rejected 0" in capsys.readouterr().out
    assert main(["pack", str(good), "--schema", str(fields), "--out", str(tmp_path / "h"), "-q"]) == 2
    assert "--module" in capsys.readouterr().err


def test_dataframe_source(tmp_path: Path) -> None:
    import pandas as pd

    df = pd.DataFrame({"Last_Name": ["A", "", "0012345600012"], "Email": ["a@b.co", "b@c.co", ""]})
    result = csvprep.pack(df, tmp_path / "out", module="Contacts")
    assert (result.totals.rows_packed, result.totals.rows_rejected) == (2, 1)
    assert list(iter_zip_rows(result.paths.out_dir / "Contacts_0001.zip")) == [
        ["Last_Name", "Email"],
        ["A", "a@b.co"],
        ["0012345600012", ""],
    ]
    assert json.loads(result.paths.manifest.read_text())["input"] == {
        "name": "<DataFrame>",
        "size": None,
        "sha256": None,
    }


def test_manifest_has_no_run_specific_values(contacts: tuple[Path, ModuleSchema], tmp_path: Path) -> None:
    path, schema = contacts
    result = csvprep.pack(path, tmp_path / "out", schema=schema)
    text = result.paths.manifest.read_text()
    assert str(tmp_path / "out") not in text and ".partial-" not in text
    doc = json.loads(text)
    assert doc["input"]["size"] == path.stat().st_size
    assert doc["rejects"]["rows"] == result.totals.rows_rejected
    assert io.StringIO(text).read().endswith("\n")


def test_malformed_rows_go_to_rejects_as_they_came(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"Last_Name,Email\r\nA,a@b.co\r\nB,b@c.co,extra\r\nC\r\nD,d@e.co\r\n")
    result = csvprep.pack(path, tmp_path / "out", module="Contacts")
    assert (result.totals.rows_packed, result.totals.rows_rejected) == (2, 2)
    with open(result.paths.rejects, encoding="utf-8", newline="") as f:
        rej = list(csv.reader(f))
    assert [r[0] for r in rej[1:]] == ["3", "4"]
    assert rej[1][3:] == ["B", "b@c.co", "extra"] and rej[2][3:] == ["C"]
    assert all("field-count" in r[1] for r in rej[1:])
    assert list(iter_zip_rows(result.paths.out_dir / "Contacts_0001.zip"))[1:] == [
        ["A", "a@b.co"],
        ["D", "d@e.co"],
    ]


def test_interrupted_run_leaves_nothing(contacts: tuple[Path, ModuleSchema], tmp_path: Path) -> None:
    path, schema = contacts
    calls: list[tuple[int, int]] = []

    def progress(rows: int, done: int) -> None:
        calls.append((rows, done))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        csvprep.pack(path, tmp_path / "out", schema=schema, max_rows=100, progress=progress)
    assert calls and calls[0][0] > 0
    assert list(tmp_path.iterdir()) == []


def test_dump_json_puts_each_range_on_one_line_as_the_indenting_encoder_would() -> None:
    pair = re.compile(r"\[\s+(-?\d+),\s+(-?\d+)\s+\]")
    doc = {
        "batches": [{"batch": 1, "source_rows": [[2, 9], [11, 11], [13, 40000]]}, {"source_rows": []}],
        "pair": [5, 6],
        "nested": {"deeper": [{"source_rows": [[-1, 3]]}]},
        "text": "[1, 2]",
        "flags": [True, 1],
    }
    reference = pair.sub(r"[\1, \2]", json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"
    assert dump_json(doc) == reference
    assert json.loads(dump_json(doc)) == doc
