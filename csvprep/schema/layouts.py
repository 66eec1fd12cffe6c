"""Layout-mandatory fields: which columns an insert must carry beyond the fields API's ``system_mandatory``.

Zoho refuses a Bulk Write job whose mapping leaves out a mandatory field of the layout the records go to
(``MANDATORY_FIELDS_NOT_MAPPED``, "All mandatory fields are not mapped for the layout"), and files a record
without a ``Layout`` in the module's default layout, ignoring the mandatory fields specific to custom
layouts (https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html). The fields API does not
say what a layout requires; the layouts API does (``GET /crm/v8/settings/layouts?module=X``: each layout's
``sections[].fields[].required``, https://www.zoho.com/crm/developer/docs/api/v8/layouts-meta.html and
the ``layouts`` schema of github.com/zoho/crm-oas ``v8.0/layouts.json``).

Shipped schemas carry the standard layout's required fields under a ``layout`` key (``schemas/README.md``
cites each); an org's saved layouts response replaces them (:func:`load_layouts`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csvprep import codes
from csvprep.errors import SchemaError
from csvprep.report import Issue
from csvprep.schema.jsonfile import read_json

if TYPE_CHECKING:
    from csvprep.schema import ModuleSchema


@dataclass(frozen=True, slots=True)
class LayoutRules:
    """What the layouts of a module require."""

    default: str
    """The name of the layout records without a ``Layout`` go to."""
    required: tuple[str, ...] = ()
    """Fields the default layout requires: an insert without them is refused."""
    maybe_required: Mapping[str, str] = field(default_factory=dict)
    """Fields the standard layout may require in an org (a shipped schema's doubtful cases), each with
    why: warnings."""
    custom: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Other layouts' extra required fields, by layout name: warnings (bulk insert ignores them)."""
    source: str = ""


def parse_shipped(raw: Any) -> LayoutRules | None:
    """The ``layout`` key of a shipped schema: ``{"name", "required", "maybe_required": {field: why},
    "source"}`` (and ``urls``, for people)."""
    if not isinstance(raw, Mapping):
        return None
    maybe = raw.get("maybe_required")
    return LayoutRules(
        default=str(raw.get("name") or "Standard"),
        required=_names(raw.get("required")),
        maybe_required={str(k): str(v) for k, v in maybe.items()} if isinstance(maybe, Mapping) else {},
        source=str(raw.get("source") or ""),
    )


def _names(raw: Any) -> tuple[str, ...]:
    return tuple(v for v in raw if isinstance(v, str)) if isinstance(raw, list) else ()


def _required_fields(layout: Mapping[str, Any]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    sections = layout.get("sections")
    for section in sections if isinstance(sections, list) else ():
        fields = section.get("fields") if isinstance(section, Mapping) else None
        for f in fields if isinstance(fields, list) else ():
            if isinstance(f, Mapping) and f.get("required") is True and isinstance(f.get("api_name"), str):
                out.setdefault(f["api_name"])
    return tuple(out)


def _is_default(layout: Mapping[str, Any]) -> bool:
    # v8 marks the layout Zoho made with the module "default" (custom ones "custom"); older responses have
    # no generated_type, and the layout Zoho makes is named "Standard".
    gt = layout.get("generated_type")
    return gt == "default" if isinstance(gt, str) else layout.get("name") == "Standard"


def _active(layout: Mapping[str, Any]) -> bool:
    """A layout records can be moved to: not deactivated (v8 ``status``) nor hidden (``visible``)."""
    status = layout.get("status")
    return layout.get("visible") is not False and (not isinstance(status, str) or status == "active")


def parse_layouts(doc: Any, where: str = "the layouts response") -> LayoutRules:
    """A decoded layouts-API response (``{"layouts": [...]}``) → the default layout's rules."""
    layouts = doc.get("layouts") if isinstance(doc, Mapping) else None
    if not isinstance(layouts, list) or not all(isinstance(x, Mapping) for x in layouts) or not layouts:
        raise SchemaError(f'{where} is not a Zoho layouts response: expected {{"layouts": [...]}}')
    defaults = [x for x in layouts if _is_default(x)]
    if len(layouts) == 1:
        defaults = list(layouts)
    if len(defaults) != 1:
        names = ", ".join(repr(str(x.get("name"))) for x in layouts)
        raise SchemaError(
            f"{where}: cannot tell the default layout among {names} "
            '(expected one with "generated_type": "default")'
        )
    default = defaults[0]
    required = _required_fields(default)
    custom = {
        str(x.get("name") or x.get("id") or "?"): extra
        for x in layouts
        if x is not default
        and _active(x)
        and (extra := tuple(f for f in _required_fields(x) if f not in required))
    }
    return LayoutRules(str(default.get("name") or "default"), required, {}, custom, f"the org's {where}")


def load_layouts(path: str | os.PathLike[str]) -> LayoutRules:
    """Read an org's saved ``GET /crm/v8/settings/layouts?module=X`` response."""
    p = Path(path)
    doc = read_json(p, "layouts", "a Zoho layouts response")
    return parse_layouts(doc, f"layouts {p.name}")


def layout_issues(schema: ModuleSchema, op: str, present: set[str]) -> list[Issue]:
    """Columns the layouts require that the file lacks (insert, and the rows an upsert inserts).

    The default layout's are errors (``MANDATORY_FIELDS_NOT_MAPPED``); bulk insert ignores the ones only a
    custom layout requires (create-job page), so those are warnings that say so.
    """
    layout = schema.layout
    if layout is None or op == "update":
        return []
    out: list[Issue] = []
    system = {f.api_name for f in schema.mandatory}
    mod, name, source = schema.module, layout.default, layout.source

    def missing(api_name: str) -> bool:
        f = schema.get(api_name)
        return api_name not in present and api_name not in system and (f is None or f.writable("insert"))

    for api_name in filter(missing, layout.required):
        if op == "insert":
            out.append(_issue("layout-column-missing", api_name, module=mod, layout=name, source=source))
        else:
            out.append(_issue("upsert-mandatory-missing", api_name, module=mod, operation=op))
    for api_name in filter(missing, layout.maybe_required):
        why = layout.maybe_required[api_name]
        out.append(_issue("layout-column-maybe", api_name, module=mod, layout=name, source=why))
    for custom, names in layout.custom.items():
        for api_name in filter(missing, names):
            out.append(_issue("custom-layout-column-missing", api_name, layout=custom, default=name))
    return out


def _issue(code: str, column: str, **fields: object) -> Issue:
    c = codes.get(code)
    return Issue(None, column, code, c.severity, None, c.render(column=column, value=None, **fields))
