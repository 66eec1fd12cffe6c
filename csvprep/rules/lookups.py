"""Lookup columns ``X.<field>``: which field of the lookup's target module judges their values.

A lookup maps in the parent CSV by a field of its target, named in the header
(``field_api_name.parent_field_api_name``, https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html)
and written as the mapping's ``find_by``; a user is found by ``email``
(https://www.zoho.com/crm/developer/docs/api/bulk-write/create-job.html).
"""

from __future__ import annotations

from csvprep.schema import LOOKUP_TYPES, FieldSpec, ModuleSchema, shipped_modules, shipped_schema

# A user's email is how Zoho's create-job page finds a user (``"find_by": "email"``).
USER_EMAIL = FieldSpec("email", "email")
# Values that match a record or not: a picklist or lookup target's own "new value" or ID rules do not apply.
UNMATCHED_TARGET_TYPES = frozenset({"picklist", "multiselectpicklist", *LOOKUP_TYPES})


def lookup_target(f: FieldSpec, sub: str, seen: dict[str, ModuleSchema | None]) -> FieldSpec | None:
    """The field an ``X.sub`` column names in the lookup's target module, where csvprep knows it.

    Users are found by ``email``; other targets by their fields in the shipped schema of that module (an
    org's own fields JSON describes only its own module). ``seen`` holds the schemas loaded for this plan.
    """
    target = f.lookup_module or ""
    if target == "users":
        return USER_EMAIL if sub.lower() == "email" else None
    if target not in seen:
        seen[target] = shipped_schema(target) if target.lower() in _shipped_names() else None
    schema = seen[target]
    spec = schema.get(sub) if schema is not None else None
    return spec if spec is not None and spec.data_type not in UNMATCHED_TARGET_TYPES else None


def _shipped_names() -> set[str]:
    return {m.lower() for m in shipped_modules()}
