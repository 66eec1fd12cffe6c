"""What a Zoho field accepts (:class:`FieldSpec`) and a module's fields (:class:`ModuleSchema`), with the
documented defaults a field's metadata overrides (https://www.zoho.com/crm/developer/docs/api/v7/field-meta.html)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from csvprep.errors import SchemaError
from csvprep.schema.layouts import LayoutRules

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
OPERATION_NAMES = ("insert", "update", "upsert")
"""Bulk Write's operations (``csvprep.options.OPERATIONS`` types them)."""


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

    def template(self, operation: str = "insert", find_by: str | None = None) -> tuple[str, ...]:
        """The columns a file for ``operation`` may carry: the key (``id`` for an update, else
        ``find_by``) first, then the mandatory fields, then every other field the operation can write;
        lookups as ``Field.id`` (see :func:`csvprep.schema.columns.template`)."""
        from csvprep.schema.columns import template  # columns imports this module

        return template(self, operation, find_by)

    def template_csv(self, operation: str = "insert", find_by: str | None = None) -> str:
        """:meth:`template` as the header line of a CSV to fill in (RFC 4180, CRLF)."""
        from csvprep.schema.columns import header_line

        return header_line(self.template(operation, find_by))

    def describe(self) -> list[dict[str, Any]]:
        """One row per field: ``api_name``, ``data_type``, ``length`` (the limit csvprep applies, None
        where there is none), ``mandatory``, ``unique`` and ``writable`` (the operations that can set it)."""
        from csvprep.schema.columns import describe

        return describe(self)


def _shown(value: object) -> str:
    """A refused metadata value, or how many digits it has when it is too long to quote."""
    if isinstance(value, int) and value.bit_length() > _INT_DIGITS * 4:  # str() refuses 4,300+ digits
        return f"of more than {_INT_DIGITS} digits"
    text = str(value)
    return text if len(text) <= _INT_DIGITS else f"of {len(text)} digits"
