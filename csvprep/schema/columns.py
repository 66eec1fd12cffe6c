"""What a module's fields mean for a file's columns: the template of a file to fill in, and a field list."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from csvprep.errors import SchemaError
from csvprep.schema.spec import (
    CHILD_CSV_TYPES,
    FILE_TYPES,
    LOOKUP_TYPES,
    OPERATION_NAMES,
    FieldSpec,
    ModuleSchema,
)

_NOT_IN_A_CSV = CHILD_CSV_TYPES | FILE_TYPES


def _mandatory(schema: ModuleSchema) -> set[str]:
    """Fields an insert must carry: ``system_mandatory`` and the default layout's required ones."""
    return {f.api_name for f in schema.mandatory} | set(schema.layout_required)


def column_name(f: FieldSpec) -> str:
    """The column of a field in a template: a lookup by record ID (``Account_Name.id``), else its name."""
    return f"{f.api_name}.id" if f.data_type in LOOKUP_TYPES else f.api_name


def template(schema: ModuleSchema, operation: str = "insert", find_by: str | None = None) -> tuple[str, ...]:
    """The key first (``find_by``, else ``id`` for an update), then the fields an insert must carry (for
    an insert or upsert), then every other field ``operation`` can write, in the schema's order. Subform,
    multi-select lookup and file fields, which one CSV cannot carry, are left out."""
    if operation not in OPERATION_NAMES:
        raise SchemaError(f"operation must be one of {', '.join(OPERATION_NAMES)}, not {operation!r}")
    if find_by is not None and find_by != "id" and schema.get(find_by) is None:
        raise SchemaError(f"find_by='{find_by}' is not a field of {schema.module}")
    key = find_by or ("id" if operation == "update" else None)
    required = _mandatory(schema) if operation != "update" else set()
    must: list[str] = []
    rest: list[str] = []
    for f in schema.fields:
        if f.api_name == key or f.data_type in _NOT_IN_A_CSV or not f.writable(operation):
            continue
        mandatory = f.api_name in required and f.writable("insert")
        (must if mandatory else rest).append(column_name(f))
    return (*([key] if key else []), *must, *rest)


def header_line(columns: Sequence[str]) -> str:
    """``columns`` as the header line of a CSV (RFC 4180 quoting, CRLF)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    return out.getvalue()


def describe(schema: ModuleSchema) -> list[dict[str, Any]]:
    """One row per field: ``api_name``, ``data_type``, ``length`` (the limit csvprep applies, None where
    there is none), ``mandatory`` (system or default layout), ``unique`` and ``writable`` (the operations
    that can set it from a CSV)."""
    required = _mandatory(schema)
    return [
        {
            "api_name": f.api_name,
            "data_type": f.data_type,
            "length": f.max_length,
            "mandatory": f.api_name in required,
            "unique": f.unique,
            "writable": [op for op in OPERATION_NAMES if f.data_type not in _NOT_IN_A_CSV and f.writable(op)],
        }
        for f in schema.fields
    ]
