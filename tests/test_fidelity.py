"""Issue 13: judge by the Zoho that users upload to (job JSON, lookups, keys, layouts, sizes).

Each test names the Zoho source of the rule it holds csvprep to.
"""

from __future__ import annotations

import copy
import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from conftest import field, schema_of

import csvprep
from csvprep.cli import main
from csvprep.pack import PackResult

ZOHO_SCHEMA = Path(__file__).parent / "zoho" / "bulk_write_v8_request.json"


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([header, *rows])
    return path


def jobs_of(result: PackResult) -> list[dict[str, Any]]:
    return [
        json.loads((result.paths.out_dir / f.job).read_text(encoding="utf-8"))
        for b in result.batches
        for f in b.files
    ]


def request_validator() -> jsonschema.protocols.Validator:
    """Zoho's ``Request_Wrapper`` (vendored from github.com/zoho/crm-oas v8.0/bulk_write.json).

    One change, and why: ``Minified_Module`` (modules.json) lists ``id`` as required, a schema shared with
    responses; Zoho's create-job page sends ``"module": {"api_name": "Leads"}`` without an id
    (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html), so only ``api_name`` is
    required here.
    """
    doc = json.loads(ZOHO_SCHEMA.read_text(encoding="utf-8"))
    doc["components"]["schemas"]["Minified_Module"]["required"] = ["api_name"]
    schema = {"$ref": "#/components/schemas/Request_Wrapper", **doc}
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


WIDE = 250
CONTACTS = (
    field("Last_Name", "text", system_mandatory=True, length=80),
    field("Email", "email", unique={"case_sensitive": False}),
    field("Date_of_Birth", "date"),
    field("Follow_Up", "datetime"),
    field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
    field("Owner", "ownerlookup", lookup={"module": {"api_name": "users"}}),
    field("id", "bigint", operation_type={"api_create": False, "api_update": False}),
)
HEADER = ["Last_Name", "Email", "Date_of_Birth", "Follow_Up", "Account_Name.id", "Owner.email"]
ROW = ["Ng", "a@b.co", "1990-02-03", "2024-01-02T03:04:05+05:30", "4150868000001038001", "o@b.co"]


@pytest.mark.parametrize(
    ("operation", "find_by", "wide"),
    [("insert", None, False), ("update", None, False), ("upsert", "Email", False), ("update", None, True)],
)
def test_every_job_json_validates_against_zohos_request_schema(
    tmp_path: Path, operation: str, find_by: str | None, wide: bool
) -> None:
    """Every job JSON pack writes (insert, update, upsert, lookups by id and email, dates, a column split)
    is a valid ``Request_Wrapper`` of Zoho's OpenAPI description of Bulk Write v8 (zoho/crm-oas), and each
    resource names its CSV in ``file_names`` as v8's ``Resource`` does."""
    extra = [field(f"F{i:03d}", "text") for i in range(WIDE)] if wide else []
    header = HEADER + (["id"] if operation == "update" else []) + [f["api_name"] for f in extra]
    rows = [
        [*ROW[:1], f"p{n}@b.co", *ROW[2:]]
        + ([str(4150868000001123001 + n)] if operation == "update" else [])
        + ["x"] * len(extra)
        for n in range(3)
    ]
    path = write_rows(tmp_path / "in.csv", header, rows)
    schema = schema_of(*CONTACTS, *extra, module="Contacts")
    result = csvprep.pack(path, tmp_path / "out", schema=schema, operation=operation, find_by=find_by)  # type: ignore[arg-type]
    assert result.exit_code == 0, result.report.issues
    jobs = jobs_of(result)
    assert len(jobs) == (2 if wide else 1)
    validator = request_validator()
    for job, packed in zip(jobs, [f for b in result.batches for f in b.files], strict=True):
        validator.validate(job)
        (res,) = job["resource"]
        assert res["file_names"] == [packed.csv]
        mappings = {m["api_name"]: m for m in res["field_mappings"]}
        if not wide or "Owner" in mappings:
            assert mappings["Owner"]["find_by"] == "email"


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    """The validator used above refuses what Zoho's schema refuses (a wrong operation, a string index)."""
    path = write_rows(tmp_path / "in.csv", HEADER, [ROW])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*CONTACTS, module="Contacts"))
    job = jobs_of(result)[0]
    validator = request_validator()
    bad = copy.deepcopy(job)
    bad["operation"] = "merge"
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(job)
    bad["resource"][0]["field_mappings"][0]["index"] = "0"
    assert not validator.is_valid(bad)


def test_job_json_names_v8_endpoints(tmp_path: Path) -> None:
    """The note in each job JSON names the v8 endpoints: upload on content.zohoapis.com (server of
    ``/crm/v8/upload`` in zoho/crm-oas v8.0/bulk_write.json) and ``/crm/bulk/v8/write``."""
    path = write_rows(tmp_path / "in.csv", HEADER, [ROW])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*CONTACTS, module="Contacts"))
    how = jobs_of(result)[0]["_csvprep"]["how"]
    assert "https://content.zohoapis.com/crm/v8/upload" in how and "/crm/bulk/v8/write" in how
    assert "v7" not in how


def test_no_batch_csv_exceeds_25_mb_by_default(tmp_path: Path) -> None:
    """Zoho's limitations page: "the zip file can have only one CSV file with a maximum size of 25MB"
    (https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html); its upload page puts the
    25 MB on the ZIP. csvprep keeps both: rows that deflate to almost nothing still split by CSV size."""
    cell = "a" * 20_000
    rows = 1_500  # ~30 MB of CSV, a few KB of ZIP
    path = write_rows(
        tmp_path / "big.csv", ["Last_Name", "Description"], [[f"n{i}", cell] for i in range(rows)]
    )
    schema = schema_of(
        field("Last_Name", "text"), field("Description", "textarea", length=32_000), module="Leads"
    )
    result = csvprep.pack(path, tmp_path / "out", schema=schema)
    limit = 25 * 1024 * 1024
    files = [f for b in result.batches for f in b.files]
    assert result.totals.rows_packed == rows and len(files) == 2
    for f in files:
        assert f.csv_bytes <= limit
        with zipfile.ZipFile(result.paths.out_dir / f.zip) as z:
            assert z.getinfo(f.csv).file_size == f.csv_bytes
    assert files[0].csv_bytes > limit - 2 * len(cell)  # full up to the limit, not cut early
    manifest = json.loads(result.paths.manifest.read_text(encoding="utf-8"))
    assert manifest["options"]["max_csv_bytes"] == limit


def test_max_csv_bytes_can_be_changed_from_the_command_line(tmp_path: Path) -> None:
    """``--max-csv-bytes`` overrides the CSV limit (csvprep's stricter reading of the 25 MB, see above)."""
    path = write_rows(
        tmp_path / "in.csv", ["Last_Name", "Company"], [[f"n{i:04d}", "Acme"] for i in range(800)]
    )
    out = tmp_path / "out"
    assert main(
        ["pack", str(path), "--module", "Leads", "--out", str(out), "--max-csv-bytes", "4000", "-q"]
    ) in (0, 1)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sizes = [f["csv_bytes"] for b in manifest["batches"] for f in b["files"]]
    assert len(sizes) > 1 and max(sizes) <= 4000
    assert (
        main(["pack", str(path), "--module", "Leads", "--out", str(tmp_path / "o2"), "--max-csv-bytes", "0"])
        == 2
    )


# --- lookups ------------------------------------------------------------------------------------------

CREATE_JOB = "https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html"
PEOPLE = (
    field("Last_Name", "text", system_mandatory=True),
    field("Manager", "userlookup"),
    field("Team", "multiuserlookup"),
    field("Owner", "ownerlookup"),
    field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
)


def test_user_lookup_column_packs_with_its_find_by(tmp_path: Path) -> None:
    """A user lookup maps in the parent CSV by id or email: Zoho's create-job page maps
    ``{"api_name": "Manager", "find_by": "email"}``; only multi-user lookups need a child CSV."""
    header = ["Last_Name", "Manager.email", "Owner.id"]
    path = write_rows(tmp_path / "in.csv", header, [["Ng", "boss@example.com", "4150868000000225013"]])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*PEOPLE, module="Contacts"))
    assert result.exit_code == 0 and result.totals.rows_packed == 1, result.report.issues
    (job,) = jobs_of(result)
    mappings = job["resource"][0]["field_mappings"]
    assert mappings[1] == {"api_name": "Manager", "index": 1, "find_by": "email"}
    assert mappings[2] == {"api_name": "Owner", "index": 2, "find_by": "id"}
    request_validator().validate(job)


def test_multi_user_lookup_still_needs_a_child_csv() -> None:
    """Multi-user lookups are written from a linking-module CSV (create-job page, parent/child ZIPs)."""
    df = pd.DataFrame({"Last_Name": ["Ng"], "Team.id": ["1"], "Manager": ["x"]}, dtype="str")
    report = csvprep.check(df, schema=schema_of(*PEOPLE, module="Contacts"))
    by_column = {i.column: i.code for i in report.issues}
    assert by_column == {"Team.id": "unsupported-column", "Manager": "lookup-needs-field"}


def test_lookup_values_are_checked_by_what_the_header_names() -> None:
    """``X.<field>`` headers (limitations page: "field_api_name.parent_field_api_name") are judged by the
    named field: ``.id`` a record ID, a user's ``.email`` an email (find_by email on the create-job page),
    another field by that field's rule in the target module's shipped schema (Accounts.Account_Name: 200)."""
    df = pd.DataFrame(
        {
            "Last_Name": ["a", "b", "c"],
            "Owner.email": ["not-an-email", "o@example.com", ""],
            "Manager.id": ["4150868000000225013", "x1", ""],
            "Account_Name.Account_Name": ["Acme", "A" * 201, ""],
            "Manager.full_name": ["anything at all", "", ""],
        },
        dtype="str",
    )
    report = csvprep.check(df, schema=schema_of(*PEOPLE, module="Contacts"))
    found = {(i.row, i.column): i.code for i in report.issues}
    assert found == {
        (2, "Owner.email"): "invalid-email",
        (3, "Manager.id"): "invalid-record-id",
        (3, "Account_Name.Account_Name"): "too-long",
    }
