"""Boundaries of the documented defaults, the fast accept pass, the 200-column limit and the hints.

Every field here carries no ``length`` or ``decimal_place``, so the limit judged is Zoho's documented
default (Kaizen #13, https://help.zoho.com/portal/en/community/topic/kaizen-13-bulk-write-api, "Input
format for each data type"; picklist 255 and multi-select 2,000 are csvprep's own, no page states
them), each value just inside and just outside it. Each verdict is taken twice: by
``csvprep.check`` (the accept pass clears most cells, the rules judge the rest) and by the exact path
(pandera runs every rule on every cell). Each accept-pass condition has a case here that it alone keeps
from being accepted, so dropping the condition changes a verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import field, judge_values, schema_of

import csvprep
from csvprep.engine import Job, Validator, plan
from csvprep.errors import UsageError
from csvprep.packer.jobspec import column_sets
from csvprep.reader import Batch

# --- the two paths ---------------------------------------------------------------------------------


def exact_codes(f: dict[str, Any], values: list[str], **job: Any) -> list[str | None]:
    """The code of each value on the exact path: pandera's lazy validation, no accept pass."""
    name = f["api_name"]
    validator = Validator(plan([name], Job(schema_of(f), **job)))
    batch = Batch(pa.table({name: pa.array(values, pa.string())}), np.arange(2, len(values) + 2))
    found = validator.validate_pandera(batch)
    codes = dict(zip(found.rows.tolist(), found.codes.tolist(), strict=True))
    return [codes.get(n + 2) for n in range(len(values))]


def verdicts(f: dict[str, Any], values: list[str], **job: Any) -> list[str | None]:
    """The code of each value (None = accepted) through ``csvprep.check``, checked against the exact path."""
    fast = judge_values(f, values, **job)
    assert exact_codes(f, values, **job) == fast, "the accept pass changed a verdict"
    return fast


# --- documented defaults ---------------------------------------------------------------------------

PICK_VALUES = [{"display_value": v, "actual_value": v} for v in ("CRM", "Books", "Desk")]
PHONE = field("Phone", "phone")
WEBSITE = field("Website", "website")
PICKLIST = field("Lead_Source", "picklist", pick_list_values=PICK_VALUES)
OPEN_PICKLIST = field("Rating", "picklist")
MULTI = field("Interests", "multiselectpicklist", pick_list_values=PICK_VALUES)
OPEN_MULTI = field("Tags_Text", "multiselectpicklist")
CURRENCY = field("Revenue", "currency")
DOUBLE = field("Score", "double")
PERCENT = field("Discount", "percent")
INTEGER = field("Employees", "integer")
BIGINT = field("External_Ref", "bigint")
TEXT = field("Title", "text")
SMALL = field("Notes", "textarea", textarea={"type": "small"})
EMAIL = field("Email", "email")
SHORT_EMAIL = field("Alias_Email", "email", length=20)
NO_DECIMALS = field("Units", "currency", decimal_place=0)

_URL_HEAD = "https://www.zylker.com/"


def _url(chars: int) -> str:
    return _URL_HEAD + "p" * (chars - len(_URL_HEAD))


def _multi(chars: int) -> str:
    """Known items joined by ';', exactly ``chars`` long (499 x 'CRM' + 'Desk' = 2,000)."""
    items = ["CRM"] * 500
    for i in range(chars - 1999):
        items[i] = "Desk"
    value = ";".join(items)
    assert len(value) == chars
    return value


def _email(chars: int) -> str:
    """A valid address of ``chars`` characters (a 64-character local part)."""
    domain = chars - 64 - 1 - len(".com")
    return "a" * 64 + "@" + "b" * domain + ".com"


DEFAULTS: list[tuple[str, dict[str, Any], str, str | None]] = [
    # phone: 30 characters, digits and one leading '+'
    ("phone 30 digits", PHONE, "9" * 30, None),
    ("phone 31 digits", PHONE, "9" * 31, "too-long"),
    ("phone + and 29 digits", PHONE, "+" + "9" * 29, None),
    ("phone + and 30 digits", PHONE, "+" + "9" * 30, "too-long"),
    ("phone only +", PHONE, "+", "invalid-phone"),
    ("phone + inside", PHONE, "98+765", "invalid-phone"),
    # website: 255 characters, Zoho's URL pattern
    ("url 255", WEBSITE, _url(255), None),
    ("url 256", WEBSITE, _url(256), "too-long"),
    ("url not a url, short", WEBSITE, "not a url", "invalid-url"),
    # picklist: 255 characters; a value not in the list is a warning (Zoho adds it)
    ("picklist new 255", PICKLIST, "n" * 255, "new-picklist-value"),
    ("picklist new 256", PICKLIST, "n" * 256, "too-long"),
    ("picklist known", PICKLIST, "Books", None),
    ("open picklist 255", OPEN_PICKLIST, "n" * 255, None),
    ("open picklist 256", OPEN_PICKLIST, "n" * 256, "too-long"),
    # multi-select picklist: 2,000 characters for the whole cell
    ("multi 2000 known", MULTI, _multi(2000), None),
    ("multi 2001 known", MULTI, _multi(2001), "too-long"),
    ("multi unknown item", MULTI, "CRM;Blockchain", "new-picklist-value"),
    ("multi trailing ;", MULTI, "CRM;", "empty-picklist-item"),
    ("open multi 2000", OPEN_MULTI, "m" * 2000, None),
    ("open multi 2001", OPEN_MULTI, "m" * 2001, "too-long"),
    ("open multi empty item", OPEN_MULTI, "a;;b", "empty-picklist-item"),
    ("open multi two items", OPEN_MULTI, "a;b", None),
    # currency and double: 16 digits before the point, 9 after
    ("currency 16 digits", CURRENCY, "9" * 16, None),
    ("currency 17 digits", CURRENCY, "9" * 17, "too-many-digits"),
    ("currency -16 digits", CURRENCY, "-" + "9" * 16, None),
    ("currency -17 digits", CURRENCY, "-" + "9" * 17, "too-many-digits"),
    ("currency 16.9", CURRENCY, "9" * 16 + "." + "9" * 9, None),
    ("currency 17.9", CURRENCY, "9" * 17 + "." + "9" * 9, "too-many-digits"),
    ("currency 10 decimals", CURRENCY, "1." + "5" * 10, "too-many-decimals"),
    ("currency point, no decimals", CURRENCY, "12.", "invalid-number"),
    ("double 16.9", DOUBLE, "1" * 16 + "." + "1" * 9, None),
    ("double 17 digits", DOUBLE, "1" * 17, "too-many-digits"),
    ("double 10 decimals", DOUBLE, "0." + "1" * 10, "too-many-decimals"),
    # percent: 5 digits and 2 decimals
    ("percent 5.2", PERCENT, "12345.67", None),
    ("percent 6 digits", PERCENT, "123456", "too-many-digits"),
    ("percent 3 decimals", PERCENT, "12.345", "too-many-decimals"),
    ("percent 6.2", PERCENT, "123456.78", "too-many-digits"),
    # integer 9 digits, bigint 18
    ("integer 9 digits", INTEGER, "9" * 9, None),
    ("integer 10 digits", INTEGER, "9" * 10, "too-many-digits"),
    ("integer -9 digits", INTEGER, "-" + "9" * 9, None),
    ("bigint 18 digits", BIGINT, "9" * 18, None),
    ("bigint 19 digits", BIGINT, "9" * 19, "too-many-digits"),
    # decimal_place 0: the accept pass takes digits only
    ("no decimals, whole", NO_DECIMALS, "12", None),
    ("no decimals, 1 decimal", NO_DECIMALS, "1.5", "too-many-decimals"),
    ("no decimals, 17 digits", NO_DECIMALS, "9" * 17, "too-many-digits"),
    # text 255 and small textarea 2,000 (characters, not bytes)
    ("text 255", TEXT, "x" * 255, None),
    ("text 256", TEXT, "x" * 256, "too-long"),
    ("textarea 2000 two-byte", SMALL, "é" * 2000, None),
    ("textarea 2001", SMALL, "x" * 2001, "too-long"),
    # email: 100 characters by default; the metadata's length when it is shorter than a sure address
    ("email 100", EMAIL, _email(100), None),
    ("email 101", EMAIL, _email(101), "too-long"),
    ("email domain label of 63", EMAIL, "a@" + "b" * 63 + ".com", None),
    ("email domain label of 64", EMAIL, "a@" + "b" * 64 + ".com", "invalid-email"),
    ("email at a special-use domain", EMAIL, "jane@corp.local", "invalid-email"),
    ("email 20 of 20", SHORT_EMAIL, "abcdefgh@example.com", None),
    ("email 21 of 20", SHORT_EMAIL, "abcdefghi@example.com", "too-long"),
]


@pytest.mark.parametrize(("name", "meta", "value", "expected"), DEFAULTS, ids=[c[0] for c in DEFAULTS])
def test_documented_default(name: str, meta: dict[str, Any], value: str, expected: str | None) -> None:
    assert verdicts(meta, [value]) == [expected]


def test_limits_in_messages_are_the_documented_defaults() -> None:
    """The message names the limit the user must meet."""
    cases = [
        (PHONE, "9" * 31, "31 characters; 'Phone' takes at most 30"),
        (WEBSITE, _url(256), "256 characters; 'Website' takes at most 255"),
        (OPEN_PICKLIST, "n" * 256, "256 characters; 'Rating' takes at most 255"),
        (OPEN_MULTI, "m" * 2001, "2001 characters; 'Tags_Text' takes at most 2000"),
        (PERCENT, "123456", "6 digits before the decimal point; 'Discount' takes at most 5"),
        (PERCENT, "1.125", "3 decimal places; 'Discount' takes at most 2"),
        (CURRENCY, "1." + "5" * 10, "10 decimal places; 'Revenue' takes at most 9"),
        (DOUBLE, "1" * 17, "17 digits before the decimal point; 'Score' takes at most 16"),
    ]
    for meta, value, text in cases:
        report = csvprep.check(pd.DataFrame({meta["api_name"]: [value]}, dtype="str"), schema=schema_of(meta))
        (issue,) = report.issues
        assert text in issue.message, (meta["api_name"], issue.message)


# --- the accept pass of the other types ------------------------------------------------------------

DATE = field("Date_of_Birth", "date")
DATETIME = field("Follow_Up", "datetime")
BOOLEAN = field("Opt_Out", "boolean")
LOOKUP = field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}})
REQUIRED = field("Last_Name", "text", system_mandatory=True)
SHORT_PICKLIST = field("Lead_Source", "picklist", length=4, pick_list_values=PICK_VALUES)

# Values each accept pass must hand to the rules: a pass that cleared them would change the verdict.
ACCEPT_PINS: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("date 28th", DATE, "2019-02-28", None),
    ("date 29 Feb, no leap year", DATE, "2019-02-29", "impossible-date"),
    ("date 31 April", DATE, "2021-04-31", "impossible-date"),
    ("date 31 December", DATE, "2021-12-31", None),
    ("date month 00", DATE, "2021-00-10", "invalid-date"),
    ("datetime 28th", DATETIME, "2019-02-28T23:59:59+05:30", None),
    ("datetime 29 Feb, no leap year", DATETIME, "2019-02-29T10:00:00+00:00", "impossible-date"),
    ("datetime hour 24", DATETIME, "2019-02-10T24:00:00+00:00", "invalid-datetime"),
    ("datetime offset +15:00", DATETIME, "2019-02-10T10:00:00+15:00", "invalid-datetime"),
    ("boolean True", BOOLEAN, "True", None),
    ("boolean tRUE", BOOLEAN, "tRUE", None),
    ("boolean yes", BOOLEAN, "yes", "invalid-boolean"),
    ("boolean with a space", BOOLEAN, "true ", "invalid-boolean"),
    ("picklist known value over its length", SHORT_PICKLIST, "Books", "too-long"),
    ("picklist known value within its length", SHORT_PICKLIST, "Desk", None),
    ("integer negative", INTEGER, "-5", None),
    ("integer minus only", INTEGER, "-", "invalid-number"),
    ("integer decimal", INTEGER, "1.5", "invalid-number"),
    ("integer exponent", INTEGER, "1e5", "scientific-notation"),
]


@pytest.mark.parametrize(("name", "meta", "value", "expected"), ACCEPT_PINS, ids=[c[0] for c in ACCEPT_PINS])
def test_accept_pass_hands_on_what_the_rules_refuse(
    name: str, meta: dict[str, Any], value: str, expected: str | None
) -> None:
    assert verdicts(meta, [value]) == [expected]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4150868000001136302", None),
        ("41508680000011363021", "invalid-record-id"),
        ("12a", "invalid-record-id"),
    ],
)
def test_record_id_accept_pass(value: str, expected: str | None) -> None:
    assert judge_values(LOOKUP, [value], header="Account_Name.id") == [expected]
    name = "Account_Name.id"
    validator = Validator(plan([name], Job(schema_of(LOOKUP))))
    batch = Batch(pa.table({name: pa.array([value], pa.string())}), np.arange(2, 3))
    assert validator.validate_pandera(batch).codes.tolist() == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("value", "expected"), [("Smith", None), ("", "required-empty"), ("a\x00b", "control-character")]
)
def test_required_and_control_accept_pass(value: str, expected: str | None) -> None:
    assert verdicts(REQUIRED, ["Jones", value, "Brown"]) == [None, expected, None]


# --- the accept pass, cell by cell on a mixed column -----------------------------------------------


def test_accept_pass_and_exact_path_agree_on_a_mixed_column() -> None:
    """One column of many cells (so the accept pass clears most and hands the rest on)."""
    values = [v for _, meta, v, _ in DEFAULTS if meta is CURRENCY] * 20
    expected = [e for _, meta, _, e in DEFAULTS if meta is CURRENCY] * 20
    assert verdicts(CURRENCY, values) == expected


# --- 200 columns -----------------------------------------------------------------------------------


def _wide(n: int, key: bool) -> tuple[csvprep.ModuleSchema, pd.DataFrame]:
    """``n`` columns: ``id`` and n-1 text fields when ``key``, else n text fields."""
    names = [f"F{i:03d}" for i in range(n - 1 if key else n)]
    fields = [field(name, "text") for name in names]
    if key:
        fields.append(field("id", "bigint"))
        names = ["id", *names]
    df = pd.DataFrame({name: ["4150868000001000001" if name == "id" else "v"] for name in names}, dtype="str")
    return schema_of(*fields, module="Wide"), df


@pytest.mark.parametrize(("n", "code"), [(199, None), (200, None), (201, "too-many-columns")])
def test_insert_column_limit(n: int, code: str | None) -> None:
    schema, df = _wide(n, key=False)
    report = csvprep.check(df, schema=schema)
    assert [i.code for i in report.issues] == ([code] if code else [])
    assert report.ok is (code is None)


@pytest.mark.parametrize(("n", "code"), [(199, None), (200, None), (201, "columns-will-split")])
def test_update_column_limit_warns_of_the_split(n: int, code: str | None) -> None:
    schema, df = _wide(n, key=True)
    report = csvprep.check(df, schema=schema, operation="update")
    assert [i.code for i in report.issues] == ([code] if code else [])
    assert report.ok


def test_csvprep_own_columns_do_not_count_toward_200() -> None:
    schema, df = _wide(200, key=False)
    report = csvprep.check(df.assign(_csvprep_row="2", _csvprep_errors=""), schema=schema)
    assert not report.issues


def test_an_unknown_column_counts_toward_200() -> None:
    """Zoho counts every header of the file, so does the limit (the unknown column is an error too)."""
    schema, df = _wide(200, key=False)
    report = csvprep.check(df.assign(Stray="x"), schema=schema)
    assert sorted(i.code for i in report.issues) == ["too-many-columns", "unknown-column"]


@pytest.mark.parametrize("n", [199, 200])
def test_pack_up_to_200_columns_is_one_job(tmp_path: Path, n: int) -> None:
    schema, df = _wide(n, key=False)
    result = csvprep.pack(df, tmp_path / "out", schema=schema)
    assert result.exit_code == 0 and result.totals.jobs == 1
    (b,) = result.batches
    (f,) = b.files
    job = json.loads((result.paths.out_dir / f.job).read_text(encoding="utf-8"))
    assert len(job["resource"][0]["field_mappings"]) == n


def test_pack_insert_of_201_columns_is_refused(tmp_path: Path) -> None:
    schema, df = _wide(201, key=False)
    result = csvprep.pack(df, tmp_path / "out", schema=schema)
    assert result.blocked and result.exit_code == 1 and not result.batches


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(200, [200]), (201, [200, 2]), (398, [200, 199]), (399, [200, 200]), (400, [200, 200, 2])],
)
def test_update_columns_split_at_200_with_the_key_in_each(tmp_path: Path, n: int, sizes: list[int]) -> None:
    """Each job: the key and up to 199 other columns; every column sent once, in file order."""
    schema, df = _wide(n, key=True)
    result = csvprep.pack(df, tmp_path / "out", schema=schema, operation="update")
    assert result.exit_code == 0
    (b,) = result.batches
    assert result.totals.jobs == len(sizes)
    sent: list[str] = []
    for f in b.files:
        job = json.loads((result.paths.out_dir / f.job).read_text(encoding="utf-8"))
        names = [m["api_name"] for m in job["resource"][0]["field_mappings"]]
        assert names[0] == "id" and job["resource"][0]["find_by"] == "id"
        assert [m["index"] for m in job["resource"][0]["field_mappings"]] == list(range(len(names)))
        sent.append(",".join(names))
    assert [len(s.split(",")) for s in sent] == sizes
    assert [c for s in sent for c in s.split(",")[1:]] == list(df.columns[1:])


def test_upsert_columns_split_with_the_find_by_field_in_each(tmp_path: Path) -> None:
    names = [f"F{i:03d}" for i in range(200)]
    fields = [field(n, "text") for n in names] + [field("Code", "text", unique={"casesensitive": False})]
    df = pd.DataFrame({"Code": ["c1"], **{n: ["v"] for n in names}}, dtype="str")
    result = csvprep.pack(df, tmp_path / "out", schema=schema_of(*fields), operation="upsert", find_by="Code")
    assert result.exit_code == 0 and result.totals.jobs == 2
    for f in result.batches[0].files:
        job = json.loads((result.paths.out_dir / f.job).read_text(encoding="utf-8"))
        assert job["resource"][0]["find_by"] == "Code"
        assert job["resource"][0]["field_mappings"][0]["api_name"] == "Code"


def test_a_wide_insert_is_never_split_even_with_a_key() -> None:
    """Half a record inserted is two records: the job planning refuses, whatever the key."""
    names = [f"F{i:03d}" for i in range(201)]
    schema = schema_of(
        *[field(n, "text") for n in names], field("Code", "text", unique={"casesensitive": False})
    )
    for find_by in (None, "Code"):
        header = [*names, "Code"] if find_by else names
        with pytest.raises(UsageError, match="at most 200"):
            column_sets(plan(header, Job(schema, "insert", find_by)))


# --- hints in messages -----------------------------------------------------------------------------

HINTS: list[tuple[str, dict[str, Any], str, str, str]] = [
    # (case, field, value, code, the hint the message must contain)
    ("picklist case", PICKLIST, "crm", "new-picklist-value", "(did you mean 'CRM'?)"),
    ("picklist spaces", PICKLIST, " Books ", "new-picklist-value", "(did you mean 'Books'?)"),
    ("multi comma", MULTI, "CRM,Books", "new-picklist-value", "separate several values with ';', not ','"),
    ("multi case", MULTI, "crm;Books", "new-picklist-value", "did you mean 'CRM'?"),
    ("multi new item", MULTI, "CRM;Blockchain", "new-picklist-value", "(new: 'Blockchain')"),
    (
        "datetime no offset",
        DATETIME,
        "2019-08-28T15:30:00",
        "invalid-datetime",
        "the UTC offset (e.g. +05:30)",
    ),
    ("datetime space", DATETIME, "2019-08-28 15:30:00+05:30", "invalid-datetime", "put a T between the date"),
    ("datetime Z", DATETIME, "2019-08-28T15:30:00Z", "invalid-datetime", "write the offset as ±HH:mm"),
    (
        "datetime +0530",
        DATETIME,
        "2019-08-28T15:30:00+0530",
        "invalid-datetime",
        "write the offset as ±HH:mm",
    ),
    ("datetime date only", DATETIME, "2019-08-28", "invalid-datetime", "this is a date without a time"),
    ("datetime hour 24", DATETIME, "2019-08-28T24:00:00+05:30", "invalid-datetime", "out of range"),
    ("currency dollar", CURRENCY, "$1200", "invalid-number", "remove the currency or percent sign"),
    ("currency euro after", CURRENCY, "10,50 €", "invalid-number", "remove the currency or percent sign"),
    ("percent sign", PERCENT, "12.5%", "invalid-number", "remove the currency or percent sign"),
    ("boolean yes", BOOLEAN, "yes", "invalid-boolean", "write true for 'yes'"),
    ("boolean 1", BOOLEAN, "1", "invalid-boolean", "write true for '1'"),
    ("boolean No", BOOLEAN, "No", "invalid-boolean", "write false for 'No'"),
    ("boolean 0", BOOLEAN, "0", "invalid-boolean", "write false for '0'"),
]


def _message(meta: dict[str, Any], value: str) -> tuple[str, str]:
    report = csvprep.check(pd.DataFrame({meta["api_name"]: [value]}, dtype="str"), schema=schema_of(meta))
    (issue,) = report.issues
    return issue.code, issue.message


@pytest.mark.parametrize(("name", "meta", "value", "code", "hint"), HINTS, ids=[c[0] for c in HINTS])
def test_message_carries_the_hint(name: str, meta: dict[str, Any], value: str, code: str, hint: str) -> None:
    got_code, message = _message(meta, value)
    assert got_code == code
    assert hint in message


NO_HINTS: list[tuple[str, dict[str, Any], str, str]] = [
    # A value no hint fits gets the plain message: no guess.
    (
        "picklist unrelated",
        PICKLIST,
        "Radio",
        "'Radio' is not in the picklist of 'Lead_Source'; Zoho will add it as a new value",
    ),
    ("boolean maybe", BOOLEAN, "maybe", "a checkbox takes true or false"),
    (
        "currency words",
        CURRENCY,
        "lots",
        "expected a number with at most 16 digits before the point and 9 after, e.g. 250000.55",
    ),
    (
        "datetime words",
        DATETIME,
        "soon",
        "expected yyyy-MM-ddTHH:mm:ss±HH:mm, e.g. 2019-08-28T15:30:00+05:30",
    ),
]


@pytest.mark.parametrize(("name", "meta", "value", "message"), NO_HINTS, ids=[c[0] for c in NO_HINTS])
def test_message_without_a_hint(name: str, meta: dict[str, Any], value: str, message: str) -> None:
    assert _message(meta, value)[1] == message
