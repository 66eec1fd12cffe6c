"""The rules table: for every data type, its accept pass clears only cells that pass every one of its
rules, and a column's rules come in the order the engine relies on (control, mandatory, then the type's)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from csvprep.rules import TABLE, EmailJudge, Holds, column_rules, known_type
from csvprep.schema import FieldSpec

# Cells at the edges of every type's rules: lengths around a 5-character limit, signs, decimals, dates at
# month ends, offsets, picklist spellings, separators, formulas, blanks and invisible characters.
CELLS = [
    *("", " ", "\u00a0", "\u200b", "a", "abcde", "abcdef", "ééééé", "éééééé", "=1+1", "@x", "-5", "+91 1"),
    *("12345", "123456", "-1234", "1.5", "1.55", "1.555", "12345.12", "1e5", "1,5", "1,000", "0012"),
    *("+12345", "++1", "+", "2019-02-28", "2019-02-29", "2020-02-29", "2019-04-31", "2019-13-01", "1990-1-5"),
    *(
        "2019-08-28T15:30:00+05:30",
        "2019-08-28T15:30:00",
        "2019-08-28 15:30:00+05:30",
        "2019-02-29T00:00:00Z",
    ),
    *("true", "TRUE", "tRuE", "yes", "1", "A", "B", "a", "A;B", "A;;B", "A,B", "A;", ";A", "C", "A;C"),
    *("a@b.co", "a@b.c", "a..b@x.com", "x@y.local", "x@y.test", "ab@cd.ef", "www.x.co", "x.co", "htp:/x"),
    *("1234567890123456789", "12345678901234567890", "\t1", "a\u202eb"),
]
ARR = pa.array(CELLS, pa.string())


def _variants(data_type: str) -> list[FieldSpec]:
    """A field of the type with its defaults, with a 5-character (or digit) limit, and with a picklist."""
    out = [FieldSpec("f", data_type)]
    if data_type not in ("date", "datetime", "boolean", "lookup", "ownerlookup", "layout"):
        out.append(FieldSpec("f", data_type, length=5))
    if data_type in ("currency", "double", "percent"):
        out += [
            FieldSpec("f", data_type, length=5, decimal_place=0),
            FieldSpec("f", data_type, decimal_place=1),
        ]
    if data_type in ("picklist", "multiselectpicklist"):
        out.append(FieldSpec("f", data_type, picklist=("A", "B", "abcde")))
    return out


CASES = [
    pytest.param(holds, required, id=f"{getattr(holds, 'data_type', holds)}-{i}-{required}")
    for data_type in TABLE
    for i, holds in enumerate(_variants(data_type))
    for required in (False, True)
] + [
    pytest.param(h, r, id=f"{h}-{r}") for h in (Holds.RECORD_ID, Holds.ANY_TEXT, None) for r in (False, True)
]


@pytest.mark.parametrize(("holds", "required"), CASES)
def test_accept_pass_clears_only_cells_every_rule_passes(
    holds: FieldSpec | Holds | None, required: bool
) -> None:
    checks = column_rules(holds, required_value=required, emails=EmailJudge(worker=False))
    control, *others = checks.rules
    assert control.code == "control-character"
    assert [r.code for r in others[:1] if r.code == "required-empty"] == (
        ["required-empty"] if required else []
    )
    assert checks.accept is not None, "every type in the table has an accept pass"
    accepted = checks.accept(ARR)
    for rule in others:
        passed = rule.ok(ARR)
        wrongly = [c for c, a, p in zip(CELLS, accepted, passed, strict=True) if a and not p]
        assert not wrongly, (rule.code, wrongly)
    if others:
        assert not accepted.all(), "some cell must be left to the rules"


def test_a_type_outside_the_table_gets_no_type_rules() -> None:
    spec = FieldSpec("f", "fileupload")
    assert not known_type(spec)
    checks = column_rules(spec, required_value=True)
    assert [r.code for r in checks.rules] == ["control-character", "required-empty"]
