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
from conftest import CONTACTS_FIELDS, LOOKUP_HEADER, LOOKUP_ROW, field, schema_of

import csvprep
from csvprep.cli import main
from csvprep.packer.pack import PackResult

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
    header = LOOKUP_HEADER + (["id"] if operation == "update" else []) + [f["api_name"] for f in extra]
    rows = [
        [*LOOKUP_ROW[:1], f"p{n}@b.co", *LOOKUP_ROW[2:]]
        + ([str(4150868000001123001 + n)] if operation == "update" else [])
        + ["x"] * len(extra)
        for n in range(3)
    ]
    path = write_rows(tmp_path / "in.csv", header, rows)
    schema = schema_of(*CONTACTS_FIELDS, *extra, module="Contacts")
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
    path = write_rows(tmp_path / "in.csv", LOOKUP_HEADER, [LOOKUP_ROW])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*CONTACTS_FIELDS, module="Contacts"))
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
    path = write_rows(tmp_path / "in.csv", LOOKUP_HEADER, [LOOKUP_ROW])
    result = csvprep.pack(path, tmp_path / "out", schema=schema_of(*CONTACTS_FIELDS, module="Contacts"))
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


# --- find_by on a field an org can make unique -------------------------------------------------------


def codes_of(report: csvprep.Report) -> dict[str | None, str]:
    """{column: code} of the file-level issues."""
    return {i.column: i.code for i in report.issues if i.row is None}


def test_upsert_by_email_on_the_shipped_contacts_schema_packs_with_a_warning(tmp_path: Path) -> None:
    """Kaizen #13's sample update finds Contacts by ``"find_by": "Email"``, and whether Email is unique is
    the org's setting ("Do not allow duplicate values", https://www.zoho.com/deluge/help/crm/upsert-record-V8.html),
    which a shipped schema cannot know: a warning saying what to verify, not a block."""
    header = ["Last_Name", "Email"]
    path = write_rows(tmp_path / "in.csv", header, [["Ng", "a@example.com"], ["Li", "b@example.com"]])
    for operation in ("upsert", "update"):
        result = csvprep.pack(
            path, tmp_path / operation, module="Contacts", operation=operation, find_by="Email"
        )  # type: ignore[arg-type]
        assert result.exit_code == 0 and result.totals.rows_packed == 2
        issue = next(i for i in result.report.issues if i.code == "find-by-unverified")
        assert issue.severity == "warning" and "Do not allow duplicate values" in issue.message
        (job,) = jobs_of(result)
        assert job["resource"][0]["find_by"] == "Email"
        request_validator().validate(job)


def test_with_the_orgs_fields_json_its_unique_decides() -> None:
    """With the org's own fields JSON, ``unique`` (fields API, https://www.zoho.com/crm/developer/docs/api/v8/field-meta.html)
    decides: a non-unique find_by is refused, a unique one is taken without a warning."""
    df = pd.DataFrame({"Last_Name": ["Ng"], "Email": ["a@example.com"]}, dtype="str")
    plain = schema_of(field("Last_Name", "text"), field("Email", "email"), module="Contacts")
    unique = schema_of(
        field("Last_Name", "text"),
        field("Email", "email", unique={"case_sensitive": False}),
        module="Contacts",
    )
    assert codes_of(csvprep.check(df, schema=plain, operation="upsert", find_by="Email")) == {
        "Email": "find-by-not-unique"
    }
    assert codes_of(csvprep.check(df, schema=unique, operation="upsert", find_by="Email")) == {}


def test_a_field_no_org_can_make_unique_is_still_refused_on_a_shipped_schema() -> None:
    """A picklist cannot be a unique field, so it cannot be find_by (csvprep's reading of which types an
    org can mark unique; see schemas/README.md)."""
    df = pd.DataFrame({"Last_Name": ["Ng"], "Lead_Source": ["Advertisement"]}, dtype="str")
    report = csvprep.check(df, module="Contacts", operation="upsert", find_by="Lead_Source")
    assert codes_of(report) == {"Lead_Source": "find-by-not-unique"}


# --- layout-mandatory fields ------------------------------------------------------------------------


def test_leads_insert_without_company_is_refused_before_upload(tmp_path: Path) -> None:
    """Zoho refuses a job that does not map the layout's mandatory fields (``MANDATORY_FIELDS_NOT_MAPPED``,
    https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html), and the standard Leads layout
    requires Company (help page 'Standard fields', https://help.zoho.com/portal/en/kb/crm/customize-crm-account/customizing-fields/articles/standard-modules-fields)."""
    path = write_rows(tmp_path / "in.csv", ["Last_Name", "Email"], [["Ng", "a@example.com"]])
    result = csvprep.pack(path, tmp_path / "out", module="Leads")
    assert result.blocked and result.exit_code == 1 and not result.batches
    assert codes_of(result.report)["Company"] == "layout-column-missing"
    assert not list(result.paths.out_dir.glob("*.zip"))
    # An empty Company cell is a row error, as for any mandatory field; the row with one packs.
    path = write_rows(tmp_path / "in2.csv", ["Last_Name", "Company"], [["Ng", ""], ["Li", "Acme"]])
    result = csvprep.pack(path, tmp_path / "out2", module="Leads")
    assert result.totals.rows_packed == 1 and result.totals.rows_rejected == 1
    assert [(i.row, i.code) for i in result.report.issues if i.row] == [(2, "required-empty")]


def test_deals_insert_needs_closing_date_and_stage() -> None:
    """Help page 'Standard fields - Deals' marks Deal Name, Closing Date and Stage mandatory
    (https://help.zoho.com/portal/en/kb/crm/sales-force-automation/deal-management/articles/standard-fields-deals);
    Account Name (the page) and Pipeline (Zoho's v8 layout example in zoho/crm-oas), on which Zoho's sources
    disagree, are warnings."""
    df = pd.DataFrame({"Deal_Name": ["Big one"]}, dtype="str")
    found = codes_of(csvprep.check(df, module="Deals"))
    assert found == {
        "Stage": "mandatory-column-missing",
        "Closing_Date": "layout-column-missing",
        "Account_Name": "layout-column-maybe",
        "Pipeline": "layout-column-maybe",
    }


def test_update_needs_no_layout_column_and_upsert_warns() -> None:
    """An update writes only the mapped fields of existing records; rows an upsert inserts need the layout's
    fields (create-job page: upsert inserts records it cannot find)."""
    df = pd.DataFrame({"id": ["4150868000000225013"], "Last_Name": ["Ng"]}, dtype="str")
    assert codes_of(csvprep.check(df, module="Leads", operation="update")) == {}
    df = pd.DataFrame({"Email": ["a@example.com"], "Last_Name": ["Ng"]}, dtype="str")
    found = codes_of(csvprep.check(df, module="Leads", operation="upsert", find_by="Email"))
    assert found == {"Company": "upsert-mandatory-missing"}


def layouts_json(tmp_path: Path, standard: list[str], custom: list[str]) -> Path:
    """A saved ``GET /crm/v8/settings/layouts?module=Leads`` response (zoho/crm-oas v8.0/layouts.json)."""

    def layout(name: str, kind: str, required: list[str]) -> dict[str, Any]:
        fields = [{"api_name": n, "required": True} for n in required]
        fields += [{"api_name": "Email", "required": False}]
        return {
            "id": f"{name}-id",
            "name": name,
            "generated_type": kind,
            "sections": [{"name": "Info", "fields": fields}],
        }

    retired = {**layout("Retired", "custom", ["Fax"]), "status": "inactive"}  # no record can go there
    doc = {
        "layouts": [
            layout("Partners", "custom", [*standard, *custom]),
            layout("Standard", "default", standard),
            retired,
        ]
    }
    path = tmp_path / "layouts.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_the_orgs_layouts_response_decides_what_an_insert_must_carry(tmp_path: Path) -> None:
    """With ``--layout`` (the org's layouts response, https://www.zoho.com/crm/developer/docs/api/v8/layouts-meta.html)
    the default layout's ``required`` fields decide; a custom layout's extra ones are warnings, since bulk
    insert files records without a Layout in the default layout and ignores custom-layout mandatory fields
    (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html)."""
    csv_path = write_rows(tmp_path / "in.csv", ["Last_Name", "Email"], [["Ng", "a@example.com"]])
    # This org's standard layout does not require Company, but does require Lead_Source.
    layouts = layouts_json(tmp_path, ["Last_Name", "Lead_Source"], ["Website"])
    report = csvprep.check(csv_path, module="Leads", layout=layouts)
    found = {i.column: (i.code, i.severity) for i in report.issues if i.row is None}
    assert found == {
        "Lead_Source": ("layout-column-missing", "error"),
        "Website": ("custom-layout-column-missing", "warning"),
    }
    assert "Partners" in next(i.message for i in report.issues if i.column == "Website")
    out = tmp_path / "out"
    args = ["pack", str(csv_path), "--module", "Leads", "--layout", str(layouts), "--out", str(out), "-q"]
    assert main(args) == 1 and not list(out.glob("*.zip"))
    layouts = layouts_json(tmp_path, ["Last_Name"], [])
    assert main([*args[:-3], "--out", str(tmp_path / "ok"), "-q"]) == 0


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not valid JSON"),
        ('{"fields": []}', "not a Zoho layouts response"),
        ("[" * 100_000 + "]" * 100_000, "nests too deeply"),
        (
            '{"layouts": [{"name": "A", "generated_type": "custom"}, {"name": "B"}]}',
            "default layout",
        ),
    ],
)
def test_a_bad_layouts_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    """House rule: bad input is one clear line and exit 2."""
    csv_path = write_rows(tmp_path / "in.csv", ["Last_Name", "Company"], [["Ng", "Acme"]])
    bad = tmp_path / "layouts.json"
    bad.write_text(content, encoding="utf-8")
    assert main(["check", str(csv_path), "--module", "Leads", "--layout", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("csvprep: error: ") and says in err and err.count("\n") == 1
