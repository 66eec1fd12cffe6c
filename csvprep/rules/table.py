"""The rules table: for each Zoho data type, its rules and its accept pass; and a column's rules from it.

A column's rules run in order and a cell reports only the first rule it fails. Every column's first rule
is the control rule; then the mandatory rule where Zoho needs a value; then its type's rules. The accept
pass clears, in one cheap pass, cells that surely pass every rule but the control rule (which the caller
settles for a whole column with :func:`csvprep.rules.control.has_control`); the rules run on the rest.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pyarrow as pa

from csvprep.rules.base import Accept, Rule, TypeRules
from csvprep.rules.choices import BOOL, MULTISELECT, PICKLIST
from csvprep.rules.control import accept_required, control_rule, required
from csvprep.rules.dates import DATE_RULES, DATETIME_RULES
from csvprep.rules.emails import EMAIL
from csvprep.rules.emailworker import EmailJudge
from csvprep.rules.formula import accept_no_formula, formula_rule
from csvprep.rules.numbers import DECIMAL, RECORD_IDS, WHOLE, accept_record_id, record_id_rules
from csvprep.rules.patterns import Pattern
from csvprep.rules.text import PHONE, TEXT, WEBSITE
from csvprep.schema import FieldSpec

TABLE: Mapping[str, TypeRules] = MappingProxyType(
    {
        "text": TEXT,
        "textarea": TEXT,
        "autonumber": TEXT,
        "email": EMAIL,
        "phone": PHONE,
        "website": WEBSITE,
        "picklist": PICKLIST,
        "multiselectpicklist": MULTISELECT,
        "date": DATE_RULES,
        "datetime": DATETIME_RULES,
        "integer": WHOLE,
        "bigint": WHOLE,
        "currency": DECIMAL,
        "double": DECIMAL,
        "percent": DECIMAL,
        "boolean": BOOL,
        "lookup": RECORD_IDS,
        "ownerlookup": RECORD_IDS,
        # The Layout field takes a layout ID (create-job's default_value of Layout,
        # https://www.zoho.com/crm/developer/docs/api/v7/bulk-write/create-job.html).
        "layout": RECORD_IDS,
    }
)


class Holds(enum.Enum):
    """What a column holds when it is not a field's own value."""

    RECORD_ID = "record-id"
    """A record ID: a lookup ``X.id`` column or the ``id`` key."""
    ANY_TEXT = "any-text"
    """A lookup ``X.field`` column whose target field csvprep does not know: only the formula warning."""


@dataclass(frozen=True, slots=True)
class ColumnRules:
    """A column's rules in order (the control rule first) and its accept pass."""

    rules: tuple[Rule, ...]
    accept: Accept | None
    """Clears the cells that pass every rule but the first; None: every rule runs on every cell."""


def known_type(f: FieldSpec) -> bool:
    """Whether csvprep has rules for the field's data type."""
    return f.data_type in TABLE


def column_rules(
    holds: FieldSpec | Holds | None,
    *,
    required_value: bool = False,
    emails: EmailJudge | None = None,
    pattern: tuple[Pattern, str] | None = None,
) -> ColumnRules:
    """The rules of a column holding ``holds`` (None or a field of a type csvprep does not know: no type
    rules); ``required_value`` puts the mandatory rule first. ``emails`` judges email addresses (one that
    judges in this process when None). ``pattern``: a date or date-time field's declared pattern and how
    it came (``declared``, ``detected``), in place of the type's default."""
    front = (control_rule(), required()) if required_value else (control_rule(),)
    base: Accept | None
    if holds is Holds.RECORD_ID:
        typed, base = record_id_rules(), accept_record_id()
    elif holds is Holds.ANY_TEXT:
        typed, base = [formula_rule()], accept_no_formula
    elif isinstance(holds, FieldSpec) and pattern is not None:
        typed, base = pattern[0].rules(f" (the {pattern[1]} format)"), pattern[0].accept()
    elif isinstance(holds, FieldSpec) and known_type(holds):
        kind = TABLE[holds.data_type]
        typed, base = kind.rules(holds, emails or EmailJudge(worker=False)), kind.accept(holds)
        if base is None:
            return ColumnRules((*front, *typed), None)
    else:
        typed, base = [], None
    return ColumnRules((*front, *typed), _accept(base, required_value))


def _accept(base: Accept | None, required_value: bool) -> Accept:
    def accept(arr: pa.Array) -> np.ndarray:
        ok = base(arr) if base is not None else np.ones(len(arr), dtype=bool)
        if required_value:
            ok &= accept_required(arr)
        return ok

    return accept
