"""A fields-API response (``{"fields": [...]}``) → :class:`ModuleSchema`: only the attributes that decide
what a CSV cell may hold, each checked (https://www.zoho.com/crm/developer/docs/api/v7/field-meta.html)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from csvprep.errors import SchemaError
from csvprep.schema.layouts import parse_shipped
from csvprep.schema.spec import (
    _INT_DIGITS,
    COMPUTED_TYPES,
    LOOKUP_TYPES,
    USER_LOOKUP_TYPES,
    FieldSpec,
    ModuleSchema,
)


def _bool(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


def _is_digits(v: str) -> bool:
    v = v.strip()
    return v.isascii() and v.isdigit()  # str.isdigit() alone takes '²', which int() refuses


def _digits(v: str) -> int | str:
    """A digit string as an int; too long to be in range, as it is (FieldSpec refuses it)."""
    v = v.strip().lstrip("0") or "0"
    return int(v) if len(v) <= _INT_DIGITS else v


def _int_or_none(v: Any) -> int | str | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v if v > 0 else None
    if isinstance(v, str) and _is_digits(v):
        return _digits(v) or None
    return None


def _nonneg_int(v: Any) -> int | str | None:
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    return _digits(v) if isinstance(v, str) and _is_digits(v) else None


def json_int(text: str) -> int | str:
    """JSON integers: one too long to be in range stays text (``int()`` refuses 4,300+ digits)."""
    return int(text) if len(text) <= _INT_DIGITS else text


_WHOLE_TEXT = re.compile(r"\s*([0-9]+)(?:\.0*)?\s*")
_SHOWN_CHARS = 40
"""A metadata value quoted in an error message is cut to this many characters."""


def _whole_number(raw: Mapping[str, Any], key: str, name: str) -> Any:
    """``raw[key]`` with a number written as text (``"255"``) or as a float (``255.0``) read as a whole
    number; a value that is no whole number cannot be a limit, so it is refused rather than ignored."""
    v = raw.get(key)
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and (m := _WHOLE_TEXT.fullmatch(v)):
        return m.group(1)  # the digits, converted as metadata integers written as text are
    shown = json.dumps(v, ensure_ascii=False, default=str)
    shown = shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."
    raise SchemaError(f"field '{name}': {key} must be a whole number, not {shown}")


def _unique(raw: Any) -> tuple[bool, bool]:
    """(unique, case_sensitive). Zoho's samples say ``case_sensitive``, its v8 OpenAPI ``casesensitive``."""
    if not isinstance(raw, Mapping) or not raw:
        return False, False
    cs = raw.get("case_sensitive", raw.get("casesensitive", False))
    return True, _bool(cs)


def _picklist(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    # Zoho stores `actual_value` and shows `display_value`; they differ for some defaults (e.g. "Houston"
    # vs "Houston Showroom" in the Leads sample) and no source says which a CSV must carry: accept both.
    values: dict[str, None] = {}
    for item in raw:
        if isinstance(item, Mapping):
            for key in ("actual_value", "display_value"):
                v = item.get(key)
                if isinstance(v, str):
                    values.setdefault(v)
    return tuple(values)


def _lookup_module(raw: Mapping[str, Any]) -> str | None:
    if raw.get("data_type") in USER_LOOKUP_TYPES:
        return "users"
    lk = raw.get("lookup")
    if isinstance(lk, Mapping):
        mod = lk.get("module")
        if isinstance(mod, Mapping) and isinstance(mod.get("api_name"), str):
            return str(mod["api_name"])
        if isinstance(mod, str):
            return mod
    return None


def _writability(raw: Mapping[str, Any]) -> tuple[bool, bool, str | None]:
    """(api_create, api_update, read_only_reason).

    ``operation_type`` is the reliable flag: in Zoho's own Leads sample ``Owner`` is ``field_read_only``
    yet writable through the API, while ``Created_Time`` and ``Full_Name`` are not read-only yet have every
    ``operation_type`` flag false (field-meta page). Older responses have no ``operation_type``: then
    ``field_read_only``/``read_only`` and the layout's ``view_type.create``/``edit`` decide.
    """
    dt = str(raw.get("data_type", ""))
    if dt in COMPUTED_TYPES or (raw.get("formula") and dt == "formula"):
        return False, False, f"{dt.replace('_', ' ')} field"
    for key in ("rollup_summary", "auto_number", "autonumber"):
        if isinstance(raw.get(key), Mapping) and raw.get(key):
            return False, False, f"{key.replace('_', ' ')} field"
    op = raw.get("operation_type")
    if isinstance(op, Mapping):
        create, update = _bool(op.get("api_create")), _bool(op.get("api_update"))
        if not create and not update:
            return False, False, "system field: no API create or update"
        return create, update, None
    if _bool(raw.get("field_read_only")) or _bool(raw.get("read_only")):
        return False, False, "read-only field"
    vt = raw.get("view_type")
    if isinstance(vt, Mapping) and "create" in vt:
        create, update = _bool(vt.get("create")), _bool(vt.get("edit"))
        if not create and not update:
            return False, False, "view-only field"
        return create, update, None
    return True, True, None


def parse_field(raw: Mapping[str, Any]) -> FieldSpec:
    """One field object of a fields-API response → FieldSpec."""
    name = raw.get("api_name")
    if not isinstance(name, str) or not name:
        raise SchemaError(f"a field has no api_name: {json.dumps(raw)[:120]}")
    dt = raw.get("data_type")
    if not isinstance(dt, str) or not dt:
        raise SchemaError(f"field '{name}' has no data_type")
    ta = raw.get("textarea")
    textarea_type = ta.get("type") if isinstance(ta, Mapping) and isinstance(ta.get("type"), str) else None
    unique, cs = _unique(raw.get("unique"))
    create, update, reason = _writability(raw)
    label = raw.get("field_label") or raw.get("display_label") or ""
    return FieldSpec(
        api_name=name,
        data_type=dt,
        label=str(label),
        length=_int_or_none(_whole_number(raw, "length", name)),  # type: ignore[arg-type]  # FieldSpec refuses a str
        decimal_place=_nonneg_int(_whole_number(raw, "decimal_place", name)),  # type: ignore[arg-type]
        textarea_type=textarea_type,
        # Older layout responses say `required` instead of `system_mandatory`.
        system_mandatory=_bool(raw.get("system_mandatory", raw.get("required", False))),
        unique=unique,
        unique_case_sensitive=cs,
        picklist=_picklist(raw.get("pick_list_values")),
        lookup_module=_lookup_module(raw) if dt in LOOKUP_TYPES else None,
        api_create=create,
        api_update=update,
        read_only_reason=reason,
    )


def parse_schema(doc: Any, module: str | None = None) -> ModuleSchema:
    """A decoded fields-API response (``{"fields": [...]}``) → ModuleSchema."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("fields"), list):
        raise SchemaError('not a Zoho fields response: expected a JSON object with a "fields" list')
    fields = tuple(parse_field(f) for f in doc["fields"] if isinstance(f, Mapping))
    if not fields:
        raise SchemaError("the fields response has no fields")
    name = module or doc.get("module") or ""
    layout = parse_shipped(doc.get("layout"))
    return ModuleSchema(module=str(name), fields=fields, source=str(doc.get("source", "")), layout=layout)
