"""The JSON report is a contract: a format_version, a JSON Schema in the package that real reports
validate against, and no half-written report left behind by a run that cannot finish."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO

from csvprep import codes
from csvprep.cli import main
from csvprep.report.files import FORMAT_VERSION, REPORT_SCHEMA

EXAMPLE = REPO / "fixtures" / "contacts.csv"
SCHEMA = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def test_the_schema_is_valid_and_ships_inside_the_package() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    shipped = resources.files("csvprep.report") / "report.schema.json"
    assert shipped.is_file() and json.loads(shipped.read_text(encoding="utf-8")) == SCHEMA
    assert re.fullmatch(SCHEMA["properties"]["format_version"]["pattern"], FORMAT_VERSION)
    pattern = SCHEMA["$defs"]["code"]["pattern"]
    assert [c for c in codes.REGISTRY if not re.fullmatch(pattern, c)] == []
    assert f'"format_version": "{FORMAT_VERSION}"' in (REPO / "README.md").read_text(encoding="utf-8")


def _lines(*rows: str) -> str:
    return "".join(f"{r}\n" for r in rows)


# (name, file content, extra flags): cell, row and file-level issues, notes, a find_by, a clean file.
INPUTS = [
    ("fixture", None, []),
    ("file-level", _lines("Last_Name,Emial,Full_Name", "Ng,a@b.co,x"), []),
    ("broken rows", _lines("Last_Name,Email", "Ng,a@b.co,extra", 'Li,"open', "Wu,c@d.co"), []),
    ("update", _lines("Email,Last_Name", "a@b.co,Ng", "A@b.co,"), ["-o", "update", "--find-by", "Email"]),
    ("clean", _lines("Last_Name", "Ng"), []),
    ("date pattern", _lines("Last_Name,Date_of_Birth", "Ng,31/01/2024"), ["--date-format", "dd/MM/yyyy"]),
]


@pytest.mark.parametrize(("name", "text", "flags"), INPUTS, ids=[i[0] for i in INPUTS])
def test_real_reports_validate(tmp_path: Path, name: str, text: str | None, flags: list[str]) -> None:
    src = EXAMPLE
    if text is not None:
        src = tmp_path / "in.csv"
        src.write_text(text, encoding="utf-8")
    out = tmp_path / "report.json"
    code = main(["check", str(src), "-m", "Contacts", *flags, "-f", "json", "--out", str(out), "-q"])
    assert code in (0, 1)
    report = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(report)
    assert report["format_version"] == FORMAT_VERSION
    assert (code == 0) == (report["summary"]["errors"] == 0)
    assert ("formats" in report["summary"]) == (name == "date pattern")


def test_the_schema_refuses_what_is_not_a_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    main(["check", str(EXAMPLE), "-m", "Contacts", "-f", "json", "--out", str(out), "-q"])
    report = json.loads(out.read_text(encoding="utf-8"))
    VALIDATOR.validate(report)
    issue = report["issues"][0]
    for broken in (
        {k: v for k, v in report.items() if k != "format_version"},
        {**report, "format_version": "2.0"},
        {**report, "issues": [{**issue, "row": 1}]},
        {**report, "issues": [{**issue, "severity": "info"}]},
        {**report, "issues": [{**issue, "extra": 1}]},
        {**report, "summary": {**report["summary"], "errors": -1}},
    ):
        assert not VALIDATOR.is_valid(broken)


@pytest.fixture
def fails_late(tmp_path: Path) -> Path:
    """A file whose issues are written before a byte that is not UTF-8 stops the run (exit 2)."""
    rows = ["Last_Name,Email", *(f"N{i},bad{i}@" for i in range(100_000))]
    path = tmp_path / "late.csv"
    path.write_bytes(_lines(*rows).encode() + b"Ren\xe9,x@y.co\n")
    return path


def test_a_run_that_cannot_finish_leaves_the_earlier_report(tmp_path: Path, fails_late: Path) -> None:
    out = tmp_path / "report.json"
    assert main(["check", str(EXAMPLE), "-m", "Contacts", "-f", "json", "--out", str(out), "-q"]) == 1
    before = out.read_bytes()
    assert main(["check", str(fails_late), "-m", "Contacts", "-f", "json", "--out", str(out), "-q"]) == 2
    assert out.read_bytes() == before
    fresh = tmp_path / "new.json"
    assert main(["check", str(fails_late), "-m", "Contacts", "-f", "json", "--out", str(fresh), "-q"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["late.csv", "report.json"]


def test_the_old_output_flag_still_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    assert main(["check", str(EXAMPLE), "-m", "Contacts", "-f", "json", "--out", str(new), "-q"]) == 1
    assert main(["check", str(EXAMPLE), "-m", "Contacts", "-f", "json", "--output", str(old), "-q"]) == 1
    assert old.read_bytes() == new.read_bytes()
    both = ["--out", str(new), "--output", str(old)]
    assert main(["check", str(EXAMPLE), "-m", "Contacts", *both, "-q"]) == 2
    assert "give the report's path once, with --out" in capsys.readouterr().err


MANIFEST_SCHEMA = json.loads(
    (REPO / "csvprep" / "packer" / "manifest.schema.json").read_text(encoding="utf-8")
)


def test_pack_manifests_validate(tmp_path: Path) -> None:
    """A plain run, a re-pack of its rejects (origin), a blocked file and an update split by columns."""
    validator = jsonschema.Draft202012Validator(MANIFEST_SCHEMA)
    validator.check_schema(MANIFEST_SCHEMA)
    assert (resources.files("csvprep.packer") / "manifest.schema.json").is_file()
    fixed = tmp_path / "rejects.csv"  # a fixed rejects.csv: its rows keep their first file and row
    fixed.write_text(_lines("_csvprep_row,_csvprep_errors,_csvprep_source,Last_Name", "5,x,contacts.csv,Ng"))
    blocked = tmp_path / "blocked.csv"
    blocked.write_text(_lines("Emial", "a@b.co"), encoding="utf-8")
    wide = tmp_path / "wide.csv"
    fields = tmp_path / "fields.json"
    names = [f"F{n}" for n in range(205)]
    fields.write_text(json.dumps({"fields": [{"api_name": n, "data_type": "text"} for n in ["id", *names]]}))
    wide.write_text(_lines(",".join(["id", *names]), ",".join(["1", *names])), encoding="utf-8")
    runs = [
        (["pack", str(EXAMPLE), "-m", "Contacts"], "first", 1),
        (["pack", str(fixed), "-m", "Contacts"], "again", 0),
        (["pack", str(blocked), "-m", "Contacts"], "blocked", 1),
        (["pack", str(wide), "-s", str(fields), "-m", "Tests", "-o", "update"], "wide", 0),
    ]
    for args, out, code in runs:
        assert main([*args, "--out", str(tmp_path / out), "-q"]) == code
        manifest = json.loads((tmp_path / out / "manifest.json").read_text(encoding="utf-8"))
        validator.validate(manifest)
    assert "origin" in json.loads((tmp_path / "again" / "manifest.json").read_text())["batches"][0]
    assert len(json.loads((tmp_path / "wide" / "manifest.json").read_text())["columns"]["sets"]) == 2
