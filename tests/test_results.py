"""``csvprep results``: Zoho's result files matched back to source rows; rows' origin across rounds."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from conftest import REPO, field, schema_of

import csvprep
from csvprep import codes, zoho_codes
from csvprep.cli import main
from csvprep.packer.batches import iter_zip_rows

CONTACTS = REPO / "fixtures" / "contacts.csv"


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_every_zoho_code_an_issue_prevents_is_explained() -> None:
    referenced = {c.zoho for c in codes.REGISTRY.values()} - {zoho_codes.NONE}
    assert referenced and referenced <= zoho_codes.ZOHO_CODES.keys()
    documented = {"MANDATORY_NOT_FOUND", "INVALID_DATA", "DUPLICATE_DATA", "NOT_APPROVED"}
    documented |= {"BLOCKED_RECORD", "CANNOT_PROCESS", "LIMIT_EXCEEDED", "RESOURCE_NOT_FOUND"}
    assert set(zoho_codes.ROW_CODES) == documented
    for code in zoho_codes.ZOHO_CODES.values():
        assert code.source.startswith("https://")
        assert "'Email'" in code.explain("Email") or "{column}" not in code.explanation


def test_rejects_keep_the_first_files_row_when_packed_again(tmp_path: Path) -> None:
    first = csvprep.pack(CONTACTS, tmp_path / "b1", module="Contacts")
    header, rows = read_csv(first.paths.rejects)
    assert header[:3] == ["_csvprep_row", "_csvprep_errors", "_csvprep_source"]
    origin = {r[0] for r in rows}
    assert {r[2] for r in rows} == {"contacts.csv"}
    # nothing fixed: the second round rejects the same rows and still names them in contacts.csv
    again = csvprep.pack(write_csv(tmp_path / "r.csv", header, rows), tmp_path / "b2", module="Contacts")
    h2, rows2 = read_csv(again.paths.rejects)
    assert h2 == header
    assert [(r[0], r[2]) for r in rows2] == [(r[0], "contacts.csv") for r in rows]
    assert again.totals.rows_rejected == len(origin)


# --- Zoho's result files, built from real pack output ------------------------------------------------

RESULT_HEADER = ["STATUS", "RECORD_ID", "ERRORS"]
Verdict = tuple[str, str]
"""(STATUS, ERRORS) Zoho gives a packed record."""


def packed_records(out: Path, zip_name: str) -> list[list[str]]:
    """The packed CSV's records (header first), as Zoho reads them."""
    return list(iter_zip_rows(out / zip_name))


def record_id(values: Sequence[str]) -> str:
    """A record ID Zoho would give, derived from the row (so a test can tell which row got which)."""
    return str(4150868000000000000 + int(hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:10], 16))


def result_text(records: list[list[str]], verdict: Callable[[list[str]], Verdict]) -> str:
    """A result CSV in Zoho's format: the first three mapped columns, then STATUS, RECORD_ID, ERRORS."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([*records[0][:3], *RESULT_HEADER])
    for rec in records[1:]:
        status, errors = verdict(rec)
        rid = record_id(rec[:3]) if status in ("added", "updated") else ""
        w.writerow([*rec[:3], status, rid, errors])
    return buf.getvalue()


def write_result_zip(path: Path, text: str, inner: str = "Contacts-bulkwrite.csv") -> Path:
    """A result ZIP as Zoho serves it (named by job, its CSV by module)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(inner, text)
    return path


def contacts_input(tmp_path: Path, n: int, name: str = "people.csv") -> Path:
    rows = [[f"Name{i}", f"First{i}", f"p{i}@example.com", f"City{i % 3}"] for i in range(n)]
    return write_csv(tmp_path / name, ["Last_Name", "First_Name", "Email", "Mailing_City"], rows)


def input_rows(path: Path) -> dict[int, list[str]]:
    """{spreadsheet row: cells} of a CSV input."""
    _, rows = read_csv(path)
    return {n: cells for n, cells in enumerate(rows, start=2)}


def test_all_added_exit_0_and_every_row_has_its_id(tmp_path: Path) -> None:
    src = contacts_input(tmp_path, 7)
    packed = csvprep.pack(src, tmp_path / "b", module="Contacts", max_rows=3)
    assert packed.totals.batches == 3
    for k, b in enumerate(packed.batches):
        text = result_text(packed_records(tmp_path / "b", b.files[0].zip), lambda rec: ("added", ""))
        write_result_zip(tmp_path / "res" / f"{90001 + k}.zip", text)
    (tmp_path / "res" / "notes.txt").write_text("not a result")
    shutil.copy(tmp_path / "b" / "Contacts_0001.zip", tmp_path / "res" / "upload.zip")  # a packed ZIP
    code = main(["results", str(tmp_path / "b"), str(tmp_path / "res"), "--out", str(tmp_path / "r")])
    assert code == 0
    header, ids = read_csv(tmp_path / "r" / "ids.csv")
    assert header == [
        "_csvprep_row",
        "_csvprep_source",
        "Last_Name",
        "First_Name",
        "Email",
        "STATUS",
        "RECORD_ID",
    ]
    source = input_rows(src)
    assert [int(r[0]) for r in ids] == sorted(source)
    for r in ids:
        assert r[1] == "people.csv" and r[2:5] == source[int(r[0])][:3]
        assert r[5] == "added" and r[6] == record_id(source[int(r[0])][:3])
    assert read_csv(tmp_path / "r" / "failed.csv")[1] == []
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["totals"] == {
        "rows_in": 7,
        "rejected": 0,
        "added": 7,
        "updated": 0,
        "failed": 0,
        "no_result": 0,
    }
    assert {f["matched_by"] for f in summary["files"]} == {"content"}
    assert {f["verified_by"] for f in summary["files"]} == {"position"}
    assert len(summary["files"]) == 3 and summary["unmatched"] == []
    # the same result given twice: the second is reported, not counted
    again = csvprep.results(
        tmp_path / "b", [tmp_path / "res", tmp_path / "res" / "90001.zip"], out_dir=tmp_path / "r"
    )
    assert again.totals.added == 7 and again.exit_code == 1
    assert again.unmatched == [
        {"file": "90001.zip:Contacts-bulkwrite.csv", "why": "a second result for Contacts_0001.zip"}
    ]


def test_skipped_unprocessed_and_missing_results(tmp_path: Path) -> None:
    src = contacts_input(tmp_path, 10)
    source = input_rows(src)
    bad = write_csv(tmp_path / "in.csv", read_csv(src)[0], [*source.values(), ["", "NoLast", "x@y.co", "C"]])
    packed = csvprep.pack(bad, tmp_path / "b", module="Contacts", max_rows=4)
    assert packed.totals.rows_rejected == 1 and packed.totals.batches == 3
    verdicts: dict[str, Verdict] = {
        "p1@example.com": ("skipped", "DUPLICATE_DATA-Email"),
        "p2@example.com": ("skipped", "MANDATORY_NOT_FOUND-Company,Last_Name:INVALID_DATA-Email"),
        "p5@example.com": ("unprocessed", ""),
        "p6@example.com": ("unprocessed", ""),
    }
    for k, b in enumerate(packed.batches[:2]):  # batch 3 has no result
        recs = packed_records(tmp_path / "b", b.files[0].zip)
        text = result_text(recs, lambda rec: verdicts.get(rec[2], ("added", "")))
        write_result_zip(tmp_path / "res" / f"job{k}.zip", text)
    found = csvprep.results(tmp_path / "b", [tmp_path / "res" / "job0.zip", tmp_path / "res" / "job1.zip"])
    assert found.exit_code == 1
    t = found.totals
    assert (t.rows_in, t.rejected, t.added, t.updated, t.failed, t.no_result) == (11, 1, 4, 0, 4, 2)
    assert t.rejected + t.added + t.updated + t.failed + t.no_result == t.rows_in
    assert found.missing == ["Contacts_0003.zip"]
    assert found.paths.out_dir == tmp_path / "b-results"

    header, failed = read_csv(found.paths.failed)
    assert header == [
        "_csvprep_row",
        "_csvprep_errors",
        "_csvprep_source",
        "_csvprep_status",
        *read_csv(src)[0],
    ]
    by_row = {int(r[0]): r for r in failed}
    assert sorted(by_row) == [3, 4, 7, 8]  # the input rows of p1, p2, p5, p6
    for n, r in by_row.items():
        assert r[2] == "in.csv" and r[4:] == source[n]
    assert (
        by_row[3][3] == "skipped"
        and by_row[3][1] == f"DUPLICATE_DATA (Email): {zoho_codes.explain('DUPLICATE_DATA', 'Email')}"
    )
    several = by_row[4][1].split(" | ")
    assert [s.split(":")[0] for s in several] == [
        "MANDATORY_NOT_FOUND (Company)",
        "MANDATORY_NOT_FOUND (Last_Name)",
        "INVALID_DATA (Email)",
    ]
    assert "'Company' is mandatory" in several[0]
    assert by_row[7][3] == by_row[8][3] == "unprocessed" and "did not process" in by_row[7][1]

    _, ids = read_csv(found.paths.ids)
    status = {int(r[0]): r[5] for r in ids}
    assert status == {2: "added", 3: "skipped", 4: "skipped", 5: "added", 6: "added", 7: "unprocessed"} | {
        8: "unprocessed",
        9: "added",
        10: "no result",
        11: "no result",
    }
    summary = json.loads(found.paths.summary.read_text())
    assert summary["by_status"] == {
        "rejected by csvprep": 1,
        "added": 4,
        "no result": 2,
        "skipped": 2,
        "unprocessed": 2,
    }
    per = {(e["code"], e["column"]): e["rows"] for e in summary["by_error"]}
    assert per == {
        ("DUPLICATE_DATA", "Email"): 1,
        ("MANDATORY_NOT_FOUND", "Company"): 1,
        ("MANDATORY_NOT_FOUND", "Last_Name"): 1,
        ("INVALID_DATA", "Email"): 1,
    }


def test_rows_that_do_not_line_up_are_matched_by_value_or_reported(tmp_path: Path) -> None:
    # rows 2 and 5 share the three echoed columns: a misaligned result cannot tell them apart
    header = ["Last_Name", "First_Name", "Mailing_City", "Email"]
    rows = [
        ["A", "a", "X", "a@x.co"],
        ["B", "b", "Y", "b@x.co"],
        ["C", "c", "Z", "c@x.co"],
        ["A", "a", "X", "d@x.co"],
    ]
    rows += [["E", "e", "W", "e@x.co"]]
    src = write_csv(tmp_path / "in.csv", header, rows)
    packed = csvprep.pack(src, tmp_path / "b", module="Contacts")
    recs = packed_records(tmp_path / "b", packed.batches[0].files[0].zip)
    verdict = {"B": ("skipped", "INVALID_DATA-Mailing_City"), "C": ("added", ""), "A": ("added", "")}
    # shuffled, row E dropped, and a row that is no packed row at all
    body = [recs[3], recs[2], recs[1], recs[4], ["Zed", "z", "Q", "zz@x.co"]]
    text = result_text([recs[0], *body], lambda rec: verdict.get(rec[0], ("added", "")))
    res = tmp_path / "Contacts_0001_result.csv"
    res.write_text(text, encoding="utf-8")
    found = csvprep.results(tmp_path / "b", res, out_dir=tmp_path / "r")
    _, ids = read_csv(found.paths.ids)
    assert {int(r[0]): r[5] for r in ids} == {
        2: "no result",
        3: "skipped",
        4: "added",
        5: "no result",
        6: "no result",
    }
    assert {int(r[0]): r[6] for r in ids}[4] == record_id(["C", "c", "Z"])
    why = sorted((u["line"], u["why"]) for u in found.unmatched)
    two = "2 packed rows have these values"
    assert why == [(4, two), (5, two), (6, "no packed row has these values")]
    assert found.files[0]["matched_by"] == "name" and found.files[0]["verified_by"] == "values"
    assert found.exit_code == 1
    _, failed = read_csv(found.paths.failed)
    assert [(r[0], r[4:]) for r in failed] == [("3", rows[1])]


def test_column_split_update_joins_each_jobs_result(tmp_path: Path) -> None:
    fields = [field(f"F{i}", "text") for i in range(240)]
    schema = schema_of(
        *fields, field("id", "bigint", operation_type={"api_create": False, "api_update": True})
    )
    header = ["id", *(f"F{i}" for i in range(240))]
    rows = [[str(4150868000001000000 + r), *(f"r{r}c{i}" for i in range(240))] for r in range(5)]
    src = write_csv(tmp_path / "wide.csv", header, rows)
    packed = csvprep.pack(src, tmp_path / "b", schema=schema, operation="update", max_rows=3)
    assert [len(b.files) for b in packed.batches] == [2, 2]
    for b in packed.batches:
        for f in b.files:
            if f.zip == "Tests_0002_cols2.zip":
                continue  # this job's result is missing
            recs = packed_records(tmp_path / "b", f.zip)
            skip = f.zip.endswith("_cols2.zip")

            def verdict(rec: list[str], skip: bool = skip) -> Verdict:
                return (
                    ("skipped", "INVALID_DATA-F230") if skip and rec[0].endswith("0001") else ("updated", "")
                )

            # batch 1's results are named by job, as Zoho names them; batch 2's by the ZIP they answer
            name = f"{Path(f.zip).stem}.zip" if b.number == 2 else f"{4150868000001900000 + len(recs[0])}.zip"
            write_result_zip(tmp_path / "res" / name, result_text(recs, verdict), "Tests.csv")
    found = csvprep.results(tmp_path / "b", tmp_path / "res", out_dir=tmp_path / "r")
    assert {f["zip"]: f["matched_by"] for f in found.files} == {
        "Tests_0001_cols1.zip": "content",
        "Tests_0001_cols2.zip": "content",
        "Tests_0002_cols1.zip": "name",
    }
    assert found.missing == ["Tests_0002_cols2.zip"]
    _, ids = read_csv(found.paths.ids)
    assert [(r[0], r[2], r[-2]) for r in ids] == [
        ("2", rows[0][0], "updated"),
        ("3", rows[1][0], "skipped"),
        ("4", rows[2][0], "updated"),
        ("5", rows[3][0], "no result"),
        ("6", rows[4][0], "no result"),
    ]
    fh, failed = read_csv(found.paths.failed)
    assert fh[4:] == header and len(failed) == 1
    assert failed[0][0] == "3" and failed[0][4:] == rows[1]  # both column sets' values, whole
    assert failed[0][1].startswith("INVALID_DATA (F230): ")
    t = found.totals
    assert (t.updated, t.failed, t.no_result, t.rows_in) == (2, 1, 2, 5)


def test_a_row_names_its_first_file_after_rounds_of_fixing(tmp_path: Path) -> None:
    first = csvprep.pack(CONTACTS, tmp_path / "b1", module="Contacts")
    header, rows = read_csv(first.paths.rejects)
    row6 = next(r for r in rows if r[0] == "6")  # two errors: no Last_Name, Excel's 4.15087E+18 account ID
    original = input_rows(CONTACTS)[6]
    assert row6[3:] == original
    # round 2: one of its two errors fixed; it is rejected again, still as row 6 of contacts.csv
    row6[header.index("Last_Name")] = "Raman"
    second = csvprep.pack(
        write_csv(tmp_path / "fix1.csv", header, [row6]), tmp_path / "b2", module="Contacts"
    )
    _, rows2 = read_csv(second.paths.rejects)
    assert [(r[0], r[2]) for r in rows2] == [("6", "contacts.csv")] and "Last_Name" not in rows2[0][1]
    # round 3: fixed; packed, and the manifest and results still name row 6 of contacts.csv
    row = rows2[0]
    row[header.index("Account_Name.id")] = "4150868000001137011"
    third = csvprep.pack(write_csv(tmp_path / "fix2.csv", header, [row]), tmp_path / "b3", module="Contacts")
    manifest = json.loads(third.paths.manifest.read_text())
    assert manifest["batches"][0]["origin"] == {
        "files": ["contacts.csv"],
        "rows": [[6, 6]],
        "file_runs": [[0, 1]],
    }
    text = result_text(
        packed_records(tmp_path / "b3", "Contacts_0001.zip"), lambda r: ("skipped", "DUPLICATE_DATA-Email")
    )
    found = csvprep.results(tmp_path / "b3", write_result_zip(tmp_path / "res.zip", text))
    _, failed = read_csv(found.paths.failed)
    assert [(r[0], r[2]) for r in failed] == [("6", "contacts.csv")]
    # round 4: failed.csv packed again as it is keeps the origin too
    fourth = csvprep.pack(found.paths.failed, tmp_path / "b4", module="Contacts")
    assert fourth.totals.rows_packed == 1
    manifest = json.loads(fourth.paths.manifest.read_text())
    assert manifest["batches"][0]["origin"]["rows"] == [[6, 6]]
    records = packed_records(tmp_path / "b4", "Contacts_0001.zip")
    assert (
        records[1][0] == "Raman"
        and records[1][records[0].index("Email")] == original[header.index("Email") - 3]
    )


def test_output_is_never_written_over_a_users_files(tmp_path: Path) -> None:
    src = contacts_input(tmp_path, 2)
    csvprep.pack(src, tmp_path / "b", module="Contacts")
    text = result_text(packed_records(tmp_path / "b", "Contacts_0001.zip"), lambda rec: ("added", ""))
    res = write_result_zip(tmp_path / "res.zip", text)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["results", str(tmp_path / "b"), str(res), "--out", str(mine)]) == 2
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert main(["results", str(tmp_path / "b"), str(res)]) == 0
    assert main(["results", str(tmp_path / "b"), str(res)]) == 0  # an earlier results output is replaced
    assert sorted(p.name for p in (tmp_path / "b-results").iterdir()) == [
        "failed.csv",
        "ids.csv",
        "summary.json",
    ]
    # the pack output is left as pack wrote it, so pack can still replace it
    assert csvprep.pack(src, tmp_path / "b", module="Contacts", force=True).exit_code == 0
    assert main(["results", str(tmp_path / "b"), str(src)]) == 2  # not a result file
    assert main(["results", str(tmp_path), str(res)]) == 2  # not a pack directory
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    manifest["batches"][0]["source_rows"] = [[2, 2]]  # one row fewer than the batch holds
    (tmp_path / "b" / "manifest.json").write_text(json.dumps(manifest))
    assert main(["results", str(tmp_path / "b"), str(res)]) == 2  # a manifest that does not add up


def test_the_readme_section_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## `csvprep results`\n", 1)[1].split("\n## ", 1)[0]
    command = re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)[0]
    shown = re.findall(r"```\n(csvprep results batches\n.*?)\n```", section, flags=re.S)[0]
    snippet = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    monkeypatch.chdir(tmp_path)
    csvprep.pack(CONTACTS, "batches", module="Contacts")
    text = result_text(
        packed_records(Path("batches"), "Contacts_0001.zip"),
        lambda rec: (
            ("skipped", "DUPLICATE_DATA-Email") if rec[2] == "siobhan.obrien@example.ie" else ("added", "")
        ),
    )
    write_result_zip(Path("downloads") / "4150868000001234567.zip", text)
    run = subprocess.run(
        [sys.executable, "-m", "csvprep.cli", *shlex.split(command)[1:]], capture_output=True, text=True
    )
    assert run.returncode == 1 and run.stdout.strip() == shown.replace("/", os.sep)
    exec(compile(snippet, "README.md", "exec"), {})  # the Python call, as shown (it replaces the output)
    assert json.loads(Path("batches-results/summary.json").read_text())["totals"]["added"] == 4


def test_status_case_and_an_undocumented_status(tmp_path: Path) -> None:
    src = contacts_input(tmp_path, 3)
    csvprep.pack(src, tmp_path / "b", module="Contacts")
    recs = packed_records(tmp_path / "b", "Contacts_0001.zip")
    text = result_text(recs, lambda rec: ("Added", "") if rec[0] != "Name1" else ("Failed", ""))
    found = csvprep.results(tmp_path / "b", write_result_zip(tmp_path / "r.zip", text))
    assert found.by_status == {"rejected by csvprep": 0, "added": 2, "failed": 1}
    assert (found.totals.added, found.totals.failed, found.exit_code) == (2, 1, 1)
    _, failed = read_csv(found.paths.failed)
    assert [(r[0], r[3]) for r in failed] == [("3", "failed")] and "'failed'" in failed[0][1]


def test_failed_csv_quotes_formulas_and_packs_back_to_the_same_values(tmp_path: Path) -> None:
    hostile = '=HYPERLINK("http://x.example","y")'
    header = ["Last_Name", "First_Name", "Email", "Description"]
    src = write_csv(
        tmp_path / "in.csv", header, [[hostile, "a", "a@x.co", "@SUM(1)"], ["B", "b", "b@x.co", ""]]
    )
    packed = csvprep.pack(src, tmp_path / "b", module="Contacts")
    assert packed.totals.rows_packed == 2  # formula-like text is a warning: Zoho takes it as text
    text = result_text(
        packed_records(tmp_path / "b", "Contacts_0001.zip"), lambda rec: ("skipped", "CANNOT_PROCESS")
    )
    found = csvprep.results(tmp_path / "b", write_result_zip(tmp_path / "r.zip", text))
    _, failed = read_csv(found.paths.failed)
    assert failed[0][4:] == ["'" + hostile, "a", "a@x.co", "'@SUM(1)"]
    _, ids = read_csv(found.paths.ids)
    assert ids[0][2] == "'" + hostile
    assert csvprep.pack(found.paths.failed, tmp_path / "b2", module="Contacts").totals.rows_packed == 2
    records = packed_records(tmp_path / "b2", "Contacts_0001.zip")
    assert records[1:] == [[hostile, "a", "a@x.co", "@SUM(1)"], ["B", "b", "b@x.co", ""]]


def _packed_with_result(tmp_path: Path) -> tuple[Path, Path]:
    src = contacts_input(tmp_path, 2)
    csvprep.pack(src, tmp_path / "b", module="Contacts")
    text = result_text(packed_records(tmp_path / "b", "Contacts_0001.zip"), lambda rec: ("added", ""))
    return tmp_path / "b", write_result_zip(tmp_path / "res.zip", text)


def test_results_out_holding_an_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack_dir, res = _packed_with_result(tmp_path)
    before = sorted(p.name for p in pack_dir.iterdir())
    for out in (pack_dir, tmp_path):  # the pack directory itself, and a directory holding the result file
        capsys.readouterr()
        assert main(["results", str(pack_dir), str(res), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is inside output directory" in err
    assert sorted(p.name for p in pack_dir.iterdir()) == before and res.is_file()


def test_results_stops_while_another_run_writes_the_same_out(tmp_path: Path) -> None:
    from csvprep.output import outdir
    from csvprep.reconcile.output import RESULTS

    pack_dir, res = _packed_with_result(tmp_path)
    out = tmp_path / "r"
    live = outdir.claim(outdir.prepare(out, True, (), RESULTS))  # another run, still writing
    try:
        with pytest.raises(csvprep.CsvprepError, match="another csvprep results is writing"):
            csvprep.results(pack_dir, [res], out_dir=out)
        assert not out.exists()
    finally:
        live.discard()
    assert csvprep.results(pack_dir, [res], out_dir=out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_results_removes_a_dead_runs_working_directory(tmp_path: Path) -> None:
    pack_dir, res = _packed_with_result(tmp_path)
    dead = tmp_path / ".b-results.partial-0a1b2c3d"  # left by a run killed outright (SIGKILL)
    dead.mkdir()
    (dead / "ids.csv").write_text("half written")
    assert csvprep.results(pack_dir, [res]).exit_code == 0
    assert not dead.exists() and (tmp_path / "b-results" / "summary.json").is_file()
