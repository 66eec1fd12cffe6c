"""Zoho field metadata → field specs: real samples, shipped schemas, and each attribute's meaning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import field, schema_of

from csvprep import shipped_modules
from csvprep.errors import SchemaError
from csvprep.schema import load_schema, parse_field, shipped_schema


def test_real_leads_metadata_parses(shared: Path) -> None:
    s = load_schema(shared / "reference/metadata/leads_fields_v7_zoho_docs_sample.json", "Leads")
    assert len(s.fields) == 87
    assert [f.api_name for f in s.mandatory] == ["Last_Name"]
    email = s.get("Email")
    assert email and email.unique and not email.unique_case_sensitive and email.max_length == 100
    assert s.get("Annual_Revenue").max_decimals == 2  # type: ignore[union-attr]
    assert s.get("Description").max_length == 32000  # type: ignore[union-attr]
    assert s.get("Name1").textarea_type == "rich_text"  # type: ignore[union-attr]
    assert s.get("Contact_Lookup").lookup_module == "A"  # type: ignore[union-attr]
    assert "Houston Showroom" in s.get("Lead_Source").picklist  # type: ignore[union-attr]
    # operation_type decides: Owner is field_read_only yet API-writable; Full_Name is the reverse.
    assert s.get("Owner").writable("insert")  # type: ignore[union-attr]
    assert not s.get("Full_Name").writable("insert")  # type: ignore[union-attr]
    assert not s.get("Formula_Decimal").writable("update")  # type: ignore[union-attr]
    assert not s.get("Total_Notes_Added").writable("insert")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "name",
    [
        "leads_fields_v8_crm_oas_example.json",
        "contacts_fields_zoho_embeddedsdk_layout.json",
        "contacts_fields_zoho_embeddedsdk_getfields_sample.json",
    ],
)
def test_other_real_samples_parse(shared: Path, name: str) -> None:
    s = load_schema(shared / "reference/metadata" / name)
    assert s.fields and all(f.api_name and f.data_type for f in s.fields)


def test_old_layout_response_uses_required_and_view_type(shared: Path) -> None:
    s = load_schema(shared / "reference/metadata/contacts_fields_zoho_embeddedsdk_layout.json", "Contacts")
    assert [f.api_name for f in s.mandatory] == ["Last_Name"]
    assert not s.get("Full_Name").writable("insert")  # type: ignore[union-attr]
    assert s.get("Email").writable("insert")  # type: ignore[union-attr]


def test_every_shipped_schema_loads_with_mandatory_fields() -> None:
    assert {"Leads", "Contacts", "Accounts", "Deals"} <= set(shipped_modules())
    for name in shipped_modules():
        s = shipped_schema(name)
        assert s.module == name and s.mandatory, name
        assert s.get("id") is not None and not s.get("id").writable("insert")  # type: ignore[union-attr]
        doc = json.loads((Path(__file__).parents[1] / "schemas" / f"{name}.json").read_text())
        assert doc.get("source"), f"{name}.json must say where its facts come from"


def test_shipped_module_name_is_case_insensitive() -> None:
    assert shipped_schema("contacts").module == "Contacts"


def test_unknown_module_lists_shipped_ones() -> None:
    with pytest.raises(SchemaError, match=r"shipped: .*Contacts"):
        shipped_schema("Widgets")


@pytest.mark.parametrize("unique", [{"case_sensitive": True}, {"casesensitive": "true"}])
def test_unique_accepts_both_spellings(unique: dict[str, object]) -> None:
    f = parse_field(field("Code", "text", unique=unique))
    assert f.unique and f.unique_case_sensitive


def test_textarea_type_sets_the_limit_when_length_is_missing() -> None:
    s = schema_of(field("A", "textarea", textarea={"type": "large"}), field("B", "textarea"))
    assert s.get("A").max_length == 32000  # type: ignore[union-attr]
    assert s.get("B").max_length == 2000  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"data": []}', "not a Zoho fields response"),
        ('{"fields": []}', "no fields"),
        ('{"fields": [{"data_type": "text"}]}', "no api_name"),
    ],
)
def test_broken_schema_files_say_why(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "fields.json"
    p.write_text(text)
    with pytest.raises(SchemaError, match=message):
        load_schema(p)


def test_missing_schema_file(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "nope.json")
