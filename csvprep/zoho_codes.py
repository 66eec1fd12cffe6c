"""Every error code Zoho's Bulk Write docs list, explained in plain words: the one table of them.

Row codes appear in a job's result CSV, in its ERRORS column (``<code>-<column>[,<column>]``, several joined
by ``:``), and are the eight the download-result page lists:
https://www.zoho.com/crm/developer/docs/api/bulk-write/download-result.html
Request codes answer the upload or the create-job call; they are the ``API_Exception`` codes of Zoho's
OpenAPI spec for Bulk Write (https://github.com/zoho/crm-oas, ``v8.0/bulk_write.json``) and the
errors of the create-job page (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html).

The docs name the codes without saying what each means for a row; the explanations are csvprep's reading
of the names and of the pages that use them. :mod:`csvprep.reconcile` explains the codes of a result file
with them, and each issue code of :mod:`csvprep.codes` names the Zoho code it prevents from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DOWNLOAD_RESULT_URL = "https://www.zoho.com/crm/developer/docs/api/bulk-write/download-result.html"
OAS_URL = "https://github.com/zoho/crm-oas"
"""Zoho's OpenAPI description; the Bulk Write codes are in ``v8.0/bulk_write.json``."""
NONE = "-"
"""What an issue code names when it prevents no Zoho error (a warning Zoho would accept)."""

Level = Literal["row", "request"]


@dataclass(frozen=True, slots=True)
class ZohoCode:
    """One Zoho Bulk Write error code and what it means to the person who has to fix the data."""

    code: str
    level: Level
    """``row``: a record in the result CSV; ``request``: the upload or create-job call failed."""
    explanation: str
    """Plain words; ``{column}`` is the column the result names (absent when it names none)."""

    @property
    def source(self) -> str:
        """The public page that lists the code."""
        return DOWNLOAD_RESULT_URL if self.level == "row" else OAS_URL

    def explain(self, column: str | None) -> str:
        """The explanation for one column of one row (or for the row when no column is named)."""
        return self.explanation.format(column=f"'{column}'" if column else "a field")


_ROW: tuple[ZohoCode, ...] = (
    ZohoCode(
        "MANDATORY_NOT_FOUND",
        "row",
        "{column} is mandatory and the row has no value for it (or, for update/upsert, the key that "
        "finds the record is empty): fill it in",
    ),
    ZohoCode(
        "INVALID_DATA",
        "row",
        "the value of {column} is not one Zoho accepts for its field type (format, length, digits, "
        "or a lookup or record ID that matches no record): correct it",
    ),
    ZohoCode(
        "DUPLICATE_DATA",
        "row",
        "{column} is a unique field and a record in the CRM (or another row of the job) already has "
        "this value: change it, or update that record instead",
    ),
    ZohoCode(
        "NOT_APPROVED",
        "row",
        "the record is waiting for approval (or was rejected by an approval process) in the CRM and "
        "cannot be changed until it is approved",
    ),
    ZohoCode(
        "BLOCKED_RECORD",
        "row",
        "the record is locked in the CRM (record locking, a review or a blueprint transition) and "
        "cannot be written now: unlock it and send the row again",
    ),
    ZohoCode(
        "CANNOT_PROCESS",
        "row",
        "Zoho could not process the row (it names no field at fault); send it again, and if it fails "
        "again look for a workflow, validation rule or permission that stops it",
    ),
    ZohoCode(
        "LIMIT_EXCEEDED",
        "row",
        "a limit of the org or of {column} was reached (storage, records, or values allowed), so "
        "Zoho stopped writing: free the limit, then send the row again",
    ),
    ZohoCode(
        "RESOURCE_NOT_FOUND",
        "row",
        "the record to update (or the record a lookup in {column} points to) does not exist in the "
        "CRM: check the ID or key",
    ),
)

_REQUEST: tuple[ZohoCode, ...] = (
    ZohoCode("INVALID_FILE_FORMAT", "request", "the upload is not a ZIP: only ZIP files are accepted"),
    ZohoCode("FILE_TOO_LARGE", "request", "the ZIP is over 25 MB: split it into smaller jobs"),
    ZohoCode("FILE_NOT_SUPPORTED", "request", "the ZIP's content is not a CSV Bulk Write can read"),
    ZohoCode(
        "HEADER_LIMIT_EXCEEDED",
        "request",
        "the CSV has more than 200 columns: one job takes at most 200",
    ),
    ZohoCode(
        "INVALID_FIELD",
        "request",
        "a column or mapping names {column}, which is not a writable field of the module",
    ),
    ZohoCode("INVALID_FIELD_NAME", "request", "a field mapping names {column}, which is not a field"),
    ZohoCode(
        "COLUMN_INDEX_NOT_FOUND",
        "request",
        "a field mapping points to a column index the CSV does not have",
    ),
    ZohoCode(
        "MANDATORY_FIELDS_NOT_MAPPED",
        "request",
        "not every mandatory field of the layout is mapped to a column",
    ),
    ZohoCode(
        "MISSING_REQUIRED_KEY",
        "request",
        "the create-job request lacks a key it needs (operation, index, find_by...)",
    ),
    ZohoCode("INVALID_FORMAT", "request", "a value of the request, such as a date format, is malformed"),
    ZohoCode("INVALID_FILE_ID", "request", "the file_id is not one the upload returned"),
    ZohoCode("MODULE_NOT_AVAILABLE", "request", "the module named in the request does not exist"),
    ZohoCode(
        "COEXISTENCE_NOT_ALLOWED",
        "request",
        "the request combines keys that cannot be used together",
    ),
    ZohoCode("INVALID_CALLBACK_METHOD", "request", "the callback method must be post"),
    ZohoCode("INVALID_CALLBACK_URL", "request", "the callback URL is not a valid URL"),
    ZohoCode("INVALID_URL_PATTERN", "request", "the request URL is not a Bulk Write endpoint"),
    ZohoCode("INVALID_REQUEST_METHOD", "request", "the HTTP method is not the one the endpoint takes"),
    ZohoCode("INVALID_TOKEN", "request", "the OAuth token is invalid or expired"),
)

ZOHO_CODES: dict[str, ZohoCode] = {c.code: c for c in (*_ROW, *_REQUEST)}
ROW_CODES: tuple[str, ...] = tuple(c.code for c in _ROW)


def explain(code: str, column: str | None = None) -> str:
    """Plain words for a code Zoho returned; an undocumented code is said to be one."""
    known = ZOHO_CODES.get(code)
    if known is None:
        return f"Zoho's code {code} is not in its documented list ({DOWNLOAD_RESULT_URL})"
    return known.explain(column)
