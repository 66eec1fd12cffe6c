"""Table-driven boundary tests: every per-type rule at the edge of what Zoho accepts.

Each case is (field metadata, cell value, expected code or None). The limits come from Kaizen #13's input
table and zoho-rules.md §3.1; the metadata overrides are the org's (`length`, `decimal_place`, ...).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from conftest import field, judge_values, schema_of

import csvprep

TEXT40 = field("First_Name", "text", length=40)
TEXT_DEFAULT = field("Title", "text")
SMALL = field("Notes", "textarea", textarea={"type": "small"})
LARGE = field("Description", "textarea", length=32000, textarea={"type": "large"})
RICH = field("Rich", "textarea", textarea={"type": "rich_text"})
EMAIL = field("Email", "email", length=100)
PHONE = field("Phone", "phone", length=30)
PICK = field(
    "Lead_Source",
    "picklist",
    pick_list_values=[
        {"display_value": "-None-", "actual_value": "-None-"},
        {"display_value": "Cold Call", "actual_value": "Cold Call"},
        {"display_value": "Houston", "actual_value": "Houston Showroom"},
    ],
)
MULTI = field(
    "Interests",
    "multiselectpicklist",
    pick_list_values=[{"display_value": v, "actual_value": v} for v in ("CRM", "Books", "Desk")],
)
DATE = field("Date_of_Birth", "date")
DATETIME = field("Follow_Up", "datetime")
INTEGER = field("Employees", "integer", length=9)
BIGINT = field("External_Ref", "bigint", length=18)
CURRENCY = field("Revenue", "currency", length=16, decimal_place=2)
DOUBLE = field("Score", "double")  # defaults: 16 digits, 9 decimals
PERCENT = field("Discount", "percent", length=5, decimal_place=2)
BOOL = field("Opt_Out", "boolean")
URL = field("Website", "website", length=255)
LOOKUP = field("Account_Name", "lookup", lookup={"module": {"api_name": "Accounts"}})
OWNER = field("Owner", "ownerlookup")

CASES: list[tuple[str, dict[str, Any], str, str | None]] = [
    # text: characters, not bytes — 40 two-byte letters pass, 41 fail
    ("text at limit, non-ASCII", TEXT40, "é" * 40, None),
    ("text over limit, non-ASCII", TEXT40, "é" * 41, "too-long"),
    ("text default 255", TEXT_DEFAULT, "ü" * 255, None),
    ("text default 256", TEXT_DEFAULT, "ü" * 256, "too-long"),
    ("text CJK at limit", TEXT40, "山" * 40, None),
    ("text empty", TEXT40, "", None),
    ("textarea small 2000", SMALL, "x" * 2000, None),
    ("textarea small 2001", SMALL, "x" * 2001, "too-long"),
    ("textarea large 32000", LARGE, "x" * 32000, None),
    ("textarea large 32001", LARGE, "x" * 32001, "too-long"),
    ("rich text 50000", RICH, "x" * 50000, None),
    ("rich text 50001", RICH, "x" * 50001, "too-long"),
    ("text with newline", TEXT40, "line one\nline two", None),
    ("NUL in a cell", TEXT40, "ab\x00cd", "control-character"),
    ("tab is fine", TEXT40, "a\tb", None),
    # email
    ("email ok", EMAIL, "jane.doe@example.com", None),
    ("email plus", EMAIL, "jane+crm@example.co.uk", None),
    ("email unicode local (email-validator)", EMAIL, "josé@example.com", None),
    ("email double at", EMAIL, "jane@@example.com", "invalid-email"),
    ("email no tld", EMAIL, "jane@example", "invalid-email"),
    ("email consecutive dots", EMAIL, "jane..doe@example.com", "invalid-email"),
    ("email space", EMAIL, "jane doe@example.com", "invalid-email"),
    ("email special-use domain", EMAIL, "jane@example.test", "invalid-email"),
    ("email too long for field", EMAIL, "a" * 90 + "@example.com", "too-long"),
    # phone: digits and an optional leading '+', ≤ 30
    ("phone digits", PHONE, "9800000099", None),
    ("phone plus", PHONE, "+919876543210", None),
    ("phone 30 chars", PHONE, "+" + "9" * 29, None),
    ("phone 31 chars", PHONE, "+" + "9" * 30, "too-long"),
    ("phone letters", PHONE, "555-CALL-NOW", "invalid-phone"),
    ("phone spaces", PHONE, "+1 555 123 4567", "invalid-phone"),
    ("phone double plus", PHONE, "++15551234567", "invalid-phone"),
    ("phone n/a", PHONE, "n/a", "invalid-phone"),
    # picklist: a new value is a warning
    ("picklist known", PICK, "Cold Call", None),
    ("picklist display value", PICK, "Houston", None),
    ("picklist actual value", PICK, "Houston Showroom", None),
    ("picklist new value", PICK, "Newsletter", "new-picklist-value"),
    ("picklist case differs", PICK, "cold call", "new-picklist-value"),
    # multi-select picklist
    ("multi two known", MULTI, "CRM;Books", None),
    ("multi one known", MULTI, "Desk", None),
    ("multi new value", MULTI, "CRM;Blockchain", "new-picklist-value"),
    ("multi comma", MULTI, "CRM,Books", "new-picklist-value"),
    ("multi empty item", MULTI, "CRM;;Desk", "empty-picklist-item"),
    # date yyyy-MM-dd and real
    ("date leap day", DATE, "2020-02-29", None),
    ("date not leap", DATE, "2019-02-29", "impossible-date"),
    ("date april 31", DATE, "2021-04-31", "impossible-date"),
    ("date dec 31", DATE, "2021-12-31", None),
    ("date 1600 leap day", DATE, "1600-02-29", None),
    ("date 1900 not leap", DATE, "1900-02-29", "impossible-date"),
    ("date before 1677 (pandas ns bound)", DATE, "1650-01-30", None),
    ("date year 9999", DATE, "9999-12-31", None),
    ("date year 0999", DATE, "0999-12-31", None),
    ("date year 0000", DATE, "0000-01-31", "impossible-date"),
    ("date single digits", DATE, "1990-1-5", "invalid-date"),
    ("date month 13", DATE, "1990-13-01", "invalid-date"),
    ("date d/m/y", DATE, "28/05/1990", "invalid-date"),
    ("date with time", DATE, "2020-01-01T10:00:00+05:30", "invalid-date"),
    # datetime yyyy-MM-ddTHH:mm:ss±HH:mm
    ("datetime ok", DATETIME, "2019-08-28T15:30:00+05:30", None),
    ("datetime negative offset", DATETIME, "2019-08-28T15:30:00-08:00", None),
    ("datetime offset without colon", DATETIME, "2019-08-28T15:30:00+0530", "invalid-datetime"),
    ("datetime Z", DATETIME, "2019-08-28T15:30:00Z", "invalid-datetime"),
    ("datetime no offset", DATETIME, "2019-08-28T15:30:00", "invalid-datetime"),
    ("datetime space", DATETIME, "2019-08-28 15:30:00+05:30", "invalid-datetime"),
    ("datetime hour 25", DATETIME, "2019-08-28T25:30:00+05:30", "invalid-datetime"),
    ("datetime hour 23", DATETIME, "2019-08-28T23:59:59+05:30", None),
    ("datetime impossible day", DATETIME, "2019-02-29T10:00:00+00:00", "impossible-date"),
    ("datetime leap day", DATETIME, "2020-02-29T10:00:00+00:00", None),
    # integer ≤ 9 digits
    ("integer 9 digits", INTEGER, "123456789", None),
    ("integer 10 digits", INTEGER, "1234567890", "too-many-digits"),
    ("integer negative", INTEGER, "-123456789", None),
    ("integer decimal", INTEGER, "12.5", "invalid-number"),
    ("integer letters", INTEGER, "ten", "invalid-number"),
    ("integer leading zeros", INTEGER, "0012", None),
    # bigint ≤ 18 digits, leading zeros kept
    ("bigint 18 digits", BIGINT, "9" * 18, None),
    ("bigint 19 digits", BIGINT, "9" * 19, "too-many-digits"),
    ("bigint leading zeros", BIGINT, "0012345600012", None),
    ("bigint exponent", BIGINT, "1e10", "scientific-notation"),
    # currency 16.2
    ("currency 16.2", CURRENCY, "1234567890123456.12", None),
    ("currency 17 digits", CURRENCY, "12345678901234567", "too-many-digits"),
    ("currency 3 decimals", CURRENCY, "12.345", "too-many-decimals"),
    ("currency thousands", CURRENCY, "1,234,567.00", "invalid-number"),
    ("currency sign", CURRENCY, "$1200", "invalid-number"),
    ("currency N/A", CURRENCY, "N/A", "invalid-number"),
    ("currency negative", CURRENCY, "-10.50", None),
    # double defaults 16.9
    ("double 9 decimals", DOUBLE, "1.123456789", None),
    ("double 10 decimals", DOUBLE, "1.1234567891", "too-many-decimals"),
    ("double 16 digits", DOUBLE, "1" * 16, None),
    ("double 17 digits", DOUBLE, "1" * 17, "too-many-digits"),
    # percent ≤ 5 digits, decimal_place 2
    ("percent 5 digits", PERCENT, "12345", None),
    ("percent 6 digits", PERCENT, "123456", "too-many-digits"),
    ("percent 2 decimals", PERCENT, "12.25", None),
    ("percent 3 decimals", PERCENT, "10.125", "too-many-decimals"),
    ("percent sign", PERCENT, "12.5%", "invalid-number"),
    # boolean
    ("boolean true", BOOL, "true", None),
    ("boolean FALSE", BOOL, "FALSE", None),
    ("boolean yes", BOOL, "yes", "invalid-boolean"),
    ("boolean 1", BOOL, "1", "invalid-boolean"),
    # website: Zoho's URL pattern
    ("url https www", URL, "https://www.zylker.com", None),
    ("url bare", URL, "zylker.com", None),
    ("url path", URL, "http://zylker.com/en/about?x=1", None),
    ("url bad scheme", URL, "htp://zylker.com", "invalid-url"),
    ("url no host", URL, "http://", "invalid-url"),
    ("url spaces no dot", URL, "www example com", "invalid-url"),
    ("url localhost", URL, "http://localhost", "invalid-url"),
]


@pytest.mark.parametrize(("name", "meta", "value", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_boundary(name: str, meta: dict[str, Any], value: str, expected: str | None) -> None:
    assert judge_values(meta, [value]) == [expected]


ID_CASES = [
    ("19 digits", "4150868000001136302", None),
    ("1 digit", "7", None),
    ("20 digits", "41508680000011363021", "invalid-record-id"),
    ("Excel scientific", "4.15087E+18", "scientific-notation"),
    ("letters", "acc_41508680", "invalid-record-id"),
    ("empty", "", None),
]


@pytest.mark.parametrize(("name", "value", "expected"), ID_CASES, ids=[c[0] for c in ID_CASES])
def test_lookup_id(name: str, value: str, expected: str | None) -> None:
    assert judge_values(LOOKUP, [value], header="Account_Name.id") == [expected]
    assert judge_values(OWNER, [value], header="Owner.id") == [expected]


def test_lookup_by_other_field_takes_any_text() -> None:
    assert judge_values(LOOKUP, ["Zylker Inc", "4.1E+18"], header="Account_Name.Account_Name") == [None, None]


def test_metadata_overrides_defaults() -> None:
    short = field("Code", "text", length=3)
    assert judge_values(short, ["abc", "abcd"]) == [None, "too-long"]
    four_dp = field("Rate", "currency", length=4, decimal_place=4)
    assert judge_values(four_dp, ["1234.1234", "12345", "1.12345"]) == [
        None,
        "too-many-digits",
        "too-many-decimals",
    ]
    long_phone = field("Phone", "phone", length=50)
    assert judge_values(long_phone, ["+" + "1" * 49, "+" + "1" * 50]) == [None, "too-long"]


def test_values_are_never_numbers() -> None:
    """The report shows the cell exactly as written: leading zeros, long IDs, 'N/A'."""
    df = pd.DataFrame({"Employees": ["0012", "N/A", "1234567890"]}, dtype="str")
    report = csvprep.check(df, schema=schema_of(INTEGER))
    assert [(i.row, i.value) for i in report.issues] == [(3, "N/A"), (4, "1234567890")]


def test_mandatory_empty_is_an_error_only_where_required() -> None:
    req = field("Last_Name", "text", length=80, system_mandatory=True)
    assert judge_values(req, ["Smith", ""]) == [None, "required-empty"]
    assert judge_values(req, ["Smith", ""], operation="update", ignore_empty=True) == [None, None]
    assert judge_values(req, ["Smith", ""], operation="update") == [None, "required-empty"]


def test_messages_say_what_was_expected() -> None:
    df = pd.DataFrame(
        {"Date_of_Birth": ["28/05/1990", "05/06/1990"], "Phone": ["+1 (555) 123-4567", "x"]}, dtype="str"
    )
    report = csvprep.check(df, schema=schema_of(DATE, PHONE))
    msgs = {(i.row, i.column): i.message for i in report.issues}
    assert "yyyy-MM-dd" in msgs[(2, "Date_of_Birth")]
    assert "1990-05-28" in msgs[(2, "Date_of_Birth")]
    assert "ambiguous" in msgs[(3, "Date_of_Birth")]
    assert "+15551234567" in msgs[(2, "Phone")]


@pytest.mark.parametrize(
    ("value", "fix"),
    [("1,234,567.00", "1234567.00"), ("12,5", "12.5"), ("1.234,50", "1234.50"), ("1 234,50", "1234.50")],
)
def test_number_messages_suggest_the_plain_form(value: str, fix: str) -> None:
    report = csvprep.check(pd.DataFrame({"Revenue": [value]}, dtype="str"), schema=schema_of(CURRENCY))
    assert [i.code for i in report.issues] == ["invalid-number"]
    assert report.issues[0].message.endswith(fix)


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        (INTEGER, "1234567890", "10 digits; 'Employees' takes at most 9"),
        (CURRENCY, "12345678901234567", "17 digits before the decimal point; 'Revenue' takes at most 16"),
    ],
)
def test_digit_messages_read_cleanly(spec: dict[str, object], value: str, message: str) -> None:
    name = str(spec["api_name"])
    report = csvprep.check(pd.DataFrame({name: [value]}, dtype="str"), schema=schema_of(spec))
    assert [i.message for i in report.issues] == [message]
