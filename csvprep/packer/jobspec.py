"""The Bulk Write create-job request that goes with each packed ZIP, and the column sets of a wide file.

Shape from Zoho's create-job page (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html)
and the ``Request_Wrapper`` schema of Zoho's OpenAPI description of v8
(https://github.com/zoho/crm-oas, ``v8.0/bulk_write.json``; a test validates every request against it)::

    {"operation": "update", "character_encoding": "UTF-8", "ignore_empty": false,
     "resource": [{"type": "data", "module": {"api_name": "Contacts"}, "file_id": "<FILL IN ...>",
                   "file_names": ["Contacts_0001.csv"], "find_by": "id",
                   "field_mappings": [{"api_name": "Last_Name", "index": 0}, ...]}]}

Choices, with their reasons:

* ``field_mappings`` lists every column by 0-based ``index`` (with it Zoho maps by index only, V7CJ), so the
  mapping does not depend on Zoho reading the header the way we meant.
* A lookup column ``Account_Name.id`` maps to ``{"api_name": "Account_Name", "find_by": "id"}``;
  ``Owner.email`` to ``find_by: "email"`` (§2.3 ``…find_by``, §2.4).
* Every date and datetime column names its ``format`` (the pattern declared or detected for it, else
  csvprep's default; :mod:`csvprep.rules.patterns` holds Zoho's list), because V7CJ's default is
  ``MM/dd/yyyy`` and ``MM/dd/yyyy HH:mm:ss`` while csvprep's default accepts only ISO values (§3.2, the
  sources disagree). The formats
  are Java ``SimpleDateFormat`` patterns, the letters Zoho's format list uses: ``yyyy-MM-dd`` (in that list)
  and ``yyyy-MM-dd'T'HH:mm:ssXXX`` for K13's ``yyyy-MM-ddTHH:mm:ss±HH:mm`` (``XXX`` = ``+05:30``; the
  quoted ``'T'`` is a literal). The datetime pattern is csvprep's own reading: no Zoho source lists it (the
  README says so and how to change it).
* ``file_names`` names the CSV inside the ZIP, as v8's ``Resource`` has it (the page requires it only for
  parent/child ZIPs; naming the one CSV leaves no doubt which file the resource is).
* ``character_encoding`` is always ``UTF-8``: pack writes UTF-8 without a BOM (§2.2 [INF]).
* ``ignore_empty`` is written always, ``false`` unless asked, so the request says what empty cells do.
* ``callback`` is left out: it is optional (CJc, OAS8) and a placeholder URL would fail with
  ``INVALID_CALLBACK_URL``; poll ``GET /crm/bulk/{v}/write/{job_id}`` instead (§2).
* ``file_id`` holds :data:`FILE_ID_PLACEHOLDER` until the ZIP is uploaded; ``_csvprep`` says how to fill it
  (remove that key if a client refuses unknown keys).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from csvprep.engine import MAX_COLUMNS, Column, Plan
from csvprep.errors import UsageError
from csvprep.rules.patterns import DEFAULTS

FILE_ID_PLACEHOLDER = "<FILL IN: details.file_id from the upload response>"
DATE_FORMAT = DEFAULTS["date"]
DATETIME_FORMAT = DEFAULTS["datetime"]
# v8 endpoints: the upload server of Zoho's OpenAPI (github.com/zoho/crm-oas, v8.0/bulk_write.json) and
# https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html; v7 takes the same request at /v7/.
UPLOAD_URL = "https://content.zohoapis.com/crm/v8/upload"
CREATE_JOB_URL = "{api-domain}/crm/bulk/v8/write"


@dataclass(frozen=True, slots=True)
class ColumnSet:
    """The columns one job sends, in CSV order (the key column first when a wide file is split)."""

    columns: tuple[Column, ...]

    @property
    def header(self) -> list[str]:
        """The CSV header: each column as the input named it (``Account_Name.id`` for a lookup, §2.4)."""
        return [c.header for c in self.columns]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]


def column_sets(plan: Plan) -> tuple[ColumnSet, ...]:
    """The mapped columns as one set, or as several of at most 200 that each repeat the key (§2.1).

    Only update and upsert can be split: each job finds its records by the key and writes part of the
    fields. An insert of half a record would create two records, so a wide insert is refused.
    """
    mapped = plan.mapped
    if len(mapped) <= MAX_COLUMNS:
        return (ColumnSet(mapped),)
    key = plan.key_column
    if plan.job.operation == "insert" or key is None:
        raise UsageError(
            f"{len(mapped)} columns: an insert job takes at most {MAX_COLUMNS} and Zoho cannot "
            "insert half a record; split the file or use update/upsert with a key column"
        )
    rest = [c for c in mapped if c is not key]
    step = MAX_COLUMNS - 1
    return tuple(ColumnSet((key, *rest[i : i + step])) for i in range(0, len(rest), step))


def field_mapping(column: Column, index: int) -> dict[str, Any]:
    """One ``field_mappings`` entry (§2.3)."""
    m: dict[str, Any] = {"api_name": column.api_name, "index": index}
    if column.role in ("lookup-id", "lookup-field") and column.lookup_field:
        m["find_by"] = column.lookup_field
    fmt = column.format
    if fmt:
        m["format"] = fmt
    return m


def job_request(
    plan: Plan, columns: ColumnSet, zip_name: str, csv_name: str, note: dict[str, Any]
) -> dict[str, Any]:
    """The create-job JSON for one ZIP (holding ``csv_name``), with the file_id still to fill in."""
    job = plan.job
    resource: dict[str, Any] = {
        "type": "data",
        "module": {"api_name": job.schema.module},
        "file_id": FILE_ID_PLACEHOLDER,
        "file_names": [csv_name],
    }
    if job.key:
        resource["find_by"] = job.key
    resource["field_mappings"] = [field_mapping(c, i) for i, c in enumerate(columns.columns)]
    return {
        "_csvprep": {
            "zip": zip_name,
            "how": (
                f"POST {zip_name} as form-data 'file' to {UPLOAD_URL} (headers 'feature: bulk-write', "
                f"'X-CRM-ORG: <zgid>'); put details.file_id of the response in resource[0].file_id; "
                f"POST this JSON to {CREATE_JOB_URL}. If Zoho refuses this '_csvprep' key, delete it."
            ),
            **note,
        },
        "operation": job.operation,
        "character_encoding": "UTF-8",
        "ignore_empty": job.ignore_empty,
        "resource": [resource],
    }


def describe_sets(sets: Sequence[ColumnSet]) -> dict[str, Any]:
    """The column layout for the manifest."""
    d: dict[str, Any] = {
        "count": len({c.key for s in sets for c in s.columns}),
        "sets": [s.header for s in sets],
    }
    if len(sets) > 1:
        d["note"] = (
            f"more than {MAX_COLUMNS} columns: each batch is {len(sets)} jobs (one ZIP each) that "
            f"all carry the key column '{sets[0].columns[0].header}'"
        )
    return d
