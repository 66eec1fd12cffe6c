"""Shared test helpers: one-field schemas and a per-row view of a report."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import csvprep
from csvprep.schema import ModuleSchema, parse_schema

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def field(api_name: str, data_type: str, **extra: Any) -> dict[str, Any]:
    """A field object shaped like Zoho's fields API, writable, optional, not unique."""
    f: dict[str, Any] = {
        "api_name": api_name,
        "data_type": data_type,
        "system_mandatory": False,
        "unique": {},
        "operation_type": {"api_create": True, "api_update": True, "web_create": True, "web_update": True},
    }
    f.update(extra)
    return f


# A small Contacts schema with every mapping kind (lookups by id and by email, a unique field, dates).
CONTACTS_FIELDS = (
    field("Last_Name", "text", system_mandatory=True, length=80),
    field("Email", "email", unique={"case_sensitive": False}),
    field("Date_of_Birth", "date"),
    field("Follow_Up", "datetime"),
    field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}}),
    field("Owner", "ownerlookup", lookup={"module": {"api_name": "users"}}),
    field("id", "bigint", operation_type={"api_create": False, "api_update": False}),
)
LOOKUP_HEADER = ["Last_Name", "Email", "Date_of_Birth", "Follow_Up", "Account_Name.id", "Owner.email"]
LOOKUP_ROW = ["Ng", "a@b.co", "1990-02-03", "2024-01-02T03:04:05+05:30", "4150868000001038001", "o@b.co"]


def schema_of(*fields: dict[str, Any], module: str = "Tests") -> ModuleSchema:
    return parse_schema({"fields": list(fields)}, module)


def row_codes(report: csvprep.Report, column: str | None = None) -> dict[int, str]:
    """{spreadsheet row: code} of the report's cell issues (optionally of one column)."""
    return {
        i.row: i.code for i in report.issues if i.row is not None and (column is None or i.column == column)
    }


def judge_values(
    f: dict[str, Any], values: list[str], header: str | None = None, **job: Any
) -> list[str | None]:
    """The code each value gets in a one-column file (None = accepted)."""
    df = pd.DataFrame({header or f["api_name"]: values}, dtype="str")
    report = csvprep.check(df, schema=schema_of(f), **job)
    codes = row_codes(report)
    return [codes.get(n + 2) for n in range(len(values))]


@pytest.fixture
def shared() -> Path:
    """The shared reference folder; tests that need it skip in a user's clone, which has none."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (a user's clone)")
    return SHARED


@pytest.fixture
def big_cells() -> Iterator[None]:
    """Lets the test's own csv readers take cells past the csv module's 131,072 characters (csvprep no
    longer raises that process-wide limit), and puts the limit back."""
    old = csv.field_size_limit(2**31 - 1)
    yield
    csv.field_size_limit(old)
