"""Zoho field metadata → typed field specs.

Reads a fields-API response (``GET /crm/v7/settings/fields?module=X``: ``{"fields": [...]}``), the shape
documented at https://www.zoho.com/crm/developer/docs/api/v7/field-meta.html.
The shipped schemas for the standard modules (``schemas/*.json``) have the same shape.

Only the attributes that decide what a CSV cell may hold are kept (the field-meta page above): ``api_name``,
``data_type``, ``length``, ``decimal_place``, ``textarea.type``, ``system_mandatory``, ``unique``,
``pick_list_values[].actual_value``, ``lookup.module.api_name`` and writability.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from csvprep.errors import SchemaError
from csvprep.schema.jsonfile import read_json
from csvprep.schema.layouts import LayoutRules, load_layouts, parse_shipped

# Defaults when the metadata names no length (K13 and V7IR input rules; zoho-rules.md §3.1).
TEXTAREA_LIMITS = {"small": 2000, "large": 32000, "rich_text": 50000}
DEFAULT_LENGTH = {
    "text": 255,
    "email": 100,
    "phone": 30,
    "website": 255,
    "picklist": 255,  # csvprep's own reading, as for multi-select: no Zoho page states these two
    "multiselectpicklist": 2000,
    "integer": 9,
    "bigint": 18,
    "currency": 16,
    "double": 16,
    "percent": 5,
}
DEFAULT_DECIMALS = {"currency": 9, "double": 9, "percent": 2}

# Bounds on metadata values: past them a value is not Zoho's (a corrupt or hostile file), and is refused
# rather than clamped, since no reading of it is right. Zoho's largest text is rich text, 50,000 characters;
# its largest number a bigint of 19 digits, with at most 9 decimal places
# (https://www.zoho.com/crm/developer/docs/api/v7/insert-records.html, "Sample Attributes").
NUMBER_TYPES = frozenset({"integer", "bigint", "currency", "double", "percent"})
MAX_LENGTH = 1_000_000
"""The largest ``length`` of a text-like field taken (20x Zoho's largest)."""
MAX_DIGITS = 100
"""The largest ``length`` (digits) of a number field and the largest ``decimal_place`` taken."""
_INT_DIGITS = 30
"""Digits of a metadata integer read as a number; a longer one is refused without converting it."""

# data_types that are computed by Zoho and never written (zoho-rules.md §3.1 "Not writable").
COMPUTED_TYPES = frozenset({"formula", "rollup_summary", "autonumber", "auto_number"})
# data_types one CSV cannot carry: Zoho needs a child CSV in the same ZIP (zoho-rules.md §2.4), or the
# value is a file, which Bulk Write does not take from a CSV.
CHILD_CSV_TYPES = frozenset({"subform", "multiselectlookup", "multiuserlookup"})
FILE_TYPES = frozenset({"fileupload", "imageupload", "profileimage"})
# Single lookups, user lookups included, map in the parent CSV by id or a field of the target, e.g.
# {"api_name": "Manager", "find_by": "email"} (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html).
LOOKUP_TYPES = frozenset({"lookup", "ownerlookup", "userlookup"})
# Types an org can mark "Do not allow duplicate values", which makes a field usable as find_by
# (https://www.zoho.com/deluge/help/crm/upsert-record-V8.html). csvprep's reading: the single-value input
# types; no Zoho page lists them.
UNIQUE_CAPABLE_TYPES = frozenset({"text", "email", "phone", "integer", "bigint", "double", "website"})
USER_LOOKUP_TYPES = frozenset({"ownerlookup", "userlookup"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What one Zoho field accepts, from its metadata."""

    api_name: str
    data_type: str
    label: str = ""
    length: int | None = None
    decimal_place: int | None = None
    textarea_type: str | None = None
    system_mandatory: bool = False
    unique: bool = False
    unique_case_sensitive: bool = False
    picklist: tuple[str, ...] = ()
    lookup_module: str | None = None
    api_create: bool = True
    api_update: bool = True
    read_only_reason: str | None = None
    """Why the field cannot be written at all (formula, auto-number, system field), or None."""

    def __post_init__(self) -> None:
        numeric = self.data_type in NUMBER_TYPES
        for attr, value, low, high in (
            ("length", self.length, 1, MAX_DIGITS if numeric else MAX_LENGTH),
            ("decimal_place", self.decimal_place, 0, MAX_DIGITS),
        ):
            if value is not None and (type(value) is not int or not low <= value <= high):
                shown = _shown(value)
                raise SchemaError(
                    f"field '{self.api_name}': {attr} {shown} is out of range "
                    f"(a whole number from {low} to {high:,} for a {self.data_type} field)"
                )

    @property
    def max_length(self) -> int | None:
        """The character or digit limit after metadata overrides the documented default."""
        if self.data_type == "textarea":
            by_type = TEXTAREA_LIMITS.get(self.textarea_type or "")
            # The metadata `length` is the configured limit; textarea.type gives the documented one.
            return self.length or by_type or TEXTAREA_LIMITS["small"]
        return self.length or DEFAULT_LENGTH.get(self.data_type)

    @property
    def max_decimals(self) -> int:
        """Decimal places allowed (currency/double 9, percent 2 unless metadata says otherwise)."""
        if self.decimal_place is not None:
            return self.decimal_place
        return DEFAULT_DECIMALS.get(self.data_type, 0)

    def writable(self, operation: str) -> bool:
        """Whether Bulk Write can set this field in an insert, update or upsert."""
        if self.read_only_reason:
            return False
        if operation == "insert":
            return self.api_create
        if operation == "update":
            return self.api_update
        return self.api_create and self.api_update


@dataclass(frozen=True, slots=True)
class ModuleSchema:
    """The fields of one module, by API name."""

    module: str
    fields: tuple[FieldSpec, ...]
    source: str = ""
    shipped: bool = False
    """One of csvprep's shipped schemas: it cannot know the org's own settings (which fields are unique)."""
    layout: LayoutRules | None = None
    """The layouts' required fields (a shipped schema's standard layout, or the org's layouts response)."""
    module_guessed: bool = field(default=False, compare=False)
    """``module`` is only the fields file's name: nobody named the module."""
    _by_name: Mapping[str, FieldSpec] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.api_name: f for f in self.fields})

    def get(self, api_name: str) -> FieldSpec | None:
        return self._by_name.get(api_name)

    @property
    def mandatory(self) -> tuple[FieldSpec, ...]:
        """Fields Zoho requires on insert by ``system_mandatory`` (the layouts' own: :attr:`layout`)."""
        return tuple(f for f in self.fields if f.system_mandatory)

    @property
    def unique_fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for f in self.fields if f.unique)

    @property
    def layout_required(self) -> frozenset[str]:
        """Fields the default layout requires on top of ``system_mandatory`` (none when unknown)."""
        return frozenset(self.layout.required) if self.layout else frozenset()

    def with_layout(self, layout: LayoutRules) -> ModuleSchema:
        """This schema with an org's layouts response in place of what it knew of the layouts."""
        return replace(self, layout=layout)


# --- parsing ---------------------------------------------------------------------------------------


def _bool(v: Any) -> bool:
    return v is True or (isinstance(v, str) and v.lower() == "true")


def _shown(value: object) -> str:
    """A refused metadata value, or how many digits it has when it is too long to quote."""
    if isinstance(value, int) and value.bit_length() > _INT_DIGITS * 4:  # str() refuses 4,300+ digits
        return f"of more than {_INT_DIGITS} digits"
    text = str(value)
    return text if len(text) <= _INT_DIGITS else f"of {len(text)} digits"


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


def _json_int(text: str) -> int | str:
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


def load_schema(path: str | os.PathLike[str], module: str | None = None) -> ModuleSchema:
    """Read an org's own fields JSON. ``module`` names the module for the job."""
    p = Path(path)
    doc = read_json(p, "schema", "a Zoho fields response", parse_int=_json_int)
    schema = parse_schema(doc, module)
    if not schema.module:
        schema = replace(schema, module=p.stem, module_guessed=True)
    return schema


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
