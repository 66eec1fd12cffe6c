"""Zoho field metadata → typed field specs.

Reads a fields-API response (``GET /crm/v7/settings/fields?module=X``: ``{"fields": [...]}``), the shape
documented at https://www.zoho.com/crm/developer/docs/api/v7/field-meta.html.
The shipped schemas for the standard modules (``schemas/*.json``) have the same shape.

Only the attributes that decide what a CSV cell may hold are kept (the field-meta page above): ``api_name``,
``data_type``, ``length``, ``decimal_place``, ``textarea.type``, ``system_mandatory``, ``unique``,
``pick_list_values[].actual_value``, ``lookup.module.api_name`` and writability.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from csvprep.errors import SchemaError, UsageError
from csvprep.schema.jsonfile import read_json
from csvprep.schema.layouts import LayoutRules, load_layouts
from csvprep.schema.parse import _SHOWN_CHARS, json_int, parse_field, parse_schema
from csvprep.schema.spec import (
    CHILD_CSV_TYPES,
    COMPUTED_TYPES,
    DEFAULT_DECIMALS,
    DEFAULT_LENGTH,
    FILE_TYPES,
    LOOKUP_TYPES,
    MAX_DIGITS,
    MAX_LENGTH,
    NUMBER_TYPES,
    OPERATION_NAMES,
    TEXTAREA_LIMITS,
    UNIQUE_CAPABLE_TYPES,
    USER_LOOKUP_TYPES,
    FieldSpec,
    ModuleSchema,
)

__all__ = [
    "CHILD_CSV_TYPES",
    "COMPUTED_TYPES",
    "DEFAULT_DECIMALS",
    "DEFAULT_LENGTH",
    "FILE_TYPES",
    "LOOKUP_TYPES",
    "MAX_DIGITS",
    "MAX_LENGTH",
    "NUMBER_TYPES",
    "OPERATION_NAMES",
    "TEXTAREA_LIMITS",
    "UNIQUE_CAPABLE_TYPES",
    "USER_LOOKUP_TYPES",
    "FieldSpec",
    "LayoutRules",
    "ModuleSchema",
    "load_schema",
    "parse_field",
    "parse_schema",
    "resolve_schema",
    "shipped_modules",
    "shipped_schema",
]


def load_schema(
    source: str | os.PathLike[str] | Mapping[str, Any], module: str | None = None
) -> ModuleSchema:
    """A module's fields: the path of an org's fields JSON, that JSON already decoded (a dict), or the name
    of a shipped module (``"Contacts"``). ``module`` names the module for the job."""
    if isinstance(source, Mapping):
        schema = parse_schema(source, module)
        return schema if schema.module else replace(schema, module_guessed=True)
    if not isinstance(source, (str, os.PathLike)):
        shown = repr(source)[:_SHOWN_CHARS]
        raise UsageError(
            "load_schema takes a fields JSON path, its decoded dict or a shipped module name, "
            f"not {type(source).__name__} {shown}"
        )
    p = Path(source)
    if isinstance(source, str) and not p.exists() and _bare_name(source):
        if not _shipped_name(source):
            raise SchemaError(
                f"'{source[:_SHOWN_CHARS]}' is neither a schema file nor a shipped module "
                f"({', '.join(shipped_modules()) or 'none shipped'})"
            )
        shipped = shipped_schema(source)
        return shipped if not module else replace(shipped, module=module)
    doc = read_json(p, "schema", "a Zoho fields response", parse_int=json_int)
    schema = parse_schema(doc, module)
    if not schema.module:
        schema = replace(schema, module=p.stem, module_guessed=True)
    return schema


def _bare_name(name: str) -> bool:
    """A word such as ``Contacts``: no folder, no file extension."""
    return bool(name) and os.sep not in name and "/" not in name and not Path(name).suffix


def _shipped_name(name: str) -> bool:
    return name.lower() in {m.lower() for m in shipped_modules()}


def _schema_dir() -> Path:
    packaged = Path(str(resources.files("csvprep"))) / "schemas"
    if packaged.is_dir():
        return packaged
    # An editable install runs from the source tree, where the schemas sit beside the package.
    return Path(__file__).resolve().parents[2] / "schemas"


def shipped_modules() -> list[str]:
    """Names of the modules csvprep ships a schema for."""
    d = _schema_dir()
    return sorted(p.stem for p in d.glob("*.json")) if d.is_dir() else []


def shipped_schema(module: str) -> ModuleSchema:
    """The shipped schema of a standard module (case-insensitive name)."""
    for name in shipped_modules():
        if name.lower() == module.lower():
            return replace(load_schema(_schema_dir() / f"{name}.json", name), shipped=True)
    raise SchemaError(
        f"no shipped schema for module '{module}'; shipped: {', '.join(shipped_modules()) or 'none'}. "
        "Pass schema= with your org's fields JSON"
    )


def resolve_schema(
    module: str | None,
    schema: str | os.PathLike[str] | ModuleSchema | None,
    layout: str | os.PathLike[str] | None = None,
) -> ModuleSchema:
    """The schema for a job: an org file (``schema``) or a shipped module (``module``), with the org's
    layouts response (``layout``) in place of a shipped schema's standard layout when given."""
    if isinstance(schema, ModuleSchema):
        resolved = schema if not module else replace(schema, module=module, module_guessed=False)
    elif schema is not None:
        resolved = load_schema(schema, module)
    elif not module:
        raise SchemaError("name a module (module=) or a fields JSON (schema=)")
    else:
        resolved = shipped_schema(module)
    return resolved.with_layout(load_layouts(layout)) if layout is not None else resolved
