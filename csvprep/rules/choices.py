"""Picklist, multi-select picklist and boolean values.

Any picklist value is accepted by Zoho; a new one is added to the org's picklist (Kaizen #13,
https://help.zoho.com/portal/en/community/topic/kaizen-13-bulk-write-api): a warning. A value longer than
the field's length is refused with INVALID_DATA
(https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.rules.base import (
    Accept,
    Detail,
    Ok,
    Rule,
    TypeRules,
    accept_max_bytes,
    accept_pattern,
    byte_lengths,
    fullmatch_or_empty,
    in_or_empty,
    limit_of,
    too_long,
)
from csvprep.rules.emailworker import EmailJudge
from csvprep.rules.formula import and_no_formula, formula_rule
from csvprep.schema import FieldSpec


def _picklist_hint(allowed: tuple[str, ...]) -> Detail:
    folded = {v.casefold(): v for v in allowed}

    def detail(value: str) -> Mapping[str, object]:
        hit = folded.get(value.strip().casefold())
        return {"hint": f" (did you mean '{hit}'?)" if hit is not None else ""}

    return detail


def _picklist(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    rules = [too_long(limit_of(f))]
    if f.picklist:
        listed = in_or_empty(f.picklist)
        rules.append(formula_rule(listed))
        rules.append(Rule("new-picklist-value", listed, detail=_picklist_hint(f.picklist)))
    else:
        rules.append(formula_rule())
    return rules


def _accept_picklist(f: FieldSpec) -> Accept:
    limit = limit_of(f)
    if not f.picklist:
        return and_no_formula(accept_max_bytes(limit))
    known = in_or_empty(f.picklist)

    def accept(arr: pa.Array) -> np.ndarray:
        return known(arr) & (byte_lengths(arr) <= limit)

    return accept


PICKLIST = TypeRules(_picklist, _accept_picklist)


# --- multi-select ------------------------------------------------------------------------------------


def _multi_items(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(items, parent row positions) of the ';'-separated values of non-empty cells."""
    lists = pc.split_pattern(arr, ";")
    return pc.list_flatten(lists), pc.list_parent_indices(lists)


def _multi_ok(allowed: tuple[str, ...] | None) -> Ok:
    """True where every item is known (``allowed``), or where no item is empty (``allowed`` is None)."""
    values = pa.array(list(allowed or ()), pa.string())

    def ok(arr: pa.Array) -> np.ndarray:
        items, parents = _multi_items(arr)
        if allowed is None:
            bad_item = pc.equal(pc.utf8_length(items), 0)
        else:
            bad_item = pc.and_(
                pc.invert(pc.is_in(items, value_set=values)), pc.greater(pc.utf8_length(items), 0)
            )
        bad_rows = pc.unique(pc.filter(parents, bad_item)).to_numpy()
        out = np.ones(len(arr), dtype=bool)
        if len(bad_rows):
            out[bad_rows] = False
        # An empty cell splits into one empty item: it is not a bad value.
        return out | (byte_lengths(arr) == 0)

    return ok


def _multi_hint(allowed: tuple[str, ...]) -> Detail:
    known = set(allowed)
    folded = {v.casefold(): v for v in allowed}

    def detail(value: str) -> Mapping[str, object]:
        new = [v for v in value.split(";") if v and v not in known]
        fixes = [f"'{folded[v.strip().casefold()]}'" for v in new if v.strip().casefold() in folded]
        hint = f" (new: {', '.join(repr(v) for v in new)})" if new else ""
        if "," in value and not fixes:
            hint += "; separate several values with ';', not ','"
        elif fixes:
            hint += f"; did you mean {', '.join(fixes)}?"
        return {"value": value, "hint": hint}

    return detail


def _multiselect(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    example = ";".join(f.picklist[1:3] if len(f.picklist) > 2 else ("Analytics", "Bigdata"))
    rules = [
        too_long(limit_of(f)),
        formula_rule(_multi_ok(f.picklist) if f.picklist else None),
        Rule("empty-picklist-item", _multi_ok(None), MappingProxyType({"example": example})),
    ]
    if f.picklist:
        rules.append(Rule("new-picklist-value", _multi_ok(f.picklist), detail=_multi_hint(f.picklist)))
    return rules


def _quote_re2(value: str) -> str | None:
    """A literal for an RE2 pattern (``\\Q...\\E``), or None when the value cannot be quoted so."""
    return None if "\\E" in value else f"\\Q{value}\\E"


def _accept_multi(f: FieldSpec) -> Accept | None:
    limit = limit_of(f)
    if not f.picklist:
        return and_no_formula(accept_pattern(r"[^;]+(?:;[^;]+)*", limit))
    items = [_quote_re2(v) for v in f.picklist if v]
    if any(i is None for i in items) or not items:
        return None
    item = "(?:" + "|".join(i for i in items if i) + ")"
    return accept_pattern(f"{item}(?:;{item})*", limit)


MULTISELECT = TypeRules(_multiselect, _accept_multi)


# --- boolean -----------------------------------------------------------------------------------------

BOOLEAN = r"(?i:true|false)"
_SPELLINGS = ("true", "false", "TRUE", "FALSE", "True", "False")
"""The usual spellings, which the accept pass clears; the rule takes any case."""


def _boolean_hint(value: str) -> Mapping[str, object]:
    v = value.strip().lower()
    if v in {"1", "yes", "y", "on", "checked", "x"}:
        return {"hint": f"; write true for '{value}'"}
    if v in {"0", "no", "n", "off", "unchecked"}:
        return {"hint": f"; write false for '{value}'"}
    return {"hint": ""}


def _boolean(f: FieldSpec, emails: EmailJudge) -> list[Rule]:
    return [Rule("invalid-boolean", fullmatch_or_empty(BOOLEAN), detail=_boolean_hint)]


BOOL = TypeRules(_boolean, lambda f: in_or_empty(_SPELLINGS))
