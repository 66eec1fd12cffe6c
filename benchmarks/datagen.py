"""A deterministic generator of realistic Zoho CRM *Contacts* CSVs, with the truth of every bad cell.

The tests and the benchmark (``python -m benchmarks.bench``) need files that look like real migration
exports — 21 columns, quoted multi-line notes, non-ASCII names, 19-digit account IDs, ``\\r\\n`` line ends
and minimal quoting as a spreadsheet writes them — and they need to know exactly which cells are bad.
Each cell of a checked column is replaced, with probability ``invalid_rate``, by a bad value of a kind
that fits the column (the kinds follow the reference generator ``../shared/data/gen_contacts.py`` used
for ``perf-anchors.md``); every kind names the one issue code csvprep must report for it. On top of those,
``External_Ref`` is a unique field here and some of its cells repeat an earlier row's value, so the
cross-batch duplicate check is measured too.

Columns are built whole with ``pyarrow.compute`` in chunks of :data:`CHUNK_ROWS` rows (10 million rows in
well under a minute); only the bad cells (about 1%) are made one by one. The same ``seed`` gives the same
bytes, and a smaller file is a prefix of a larger one with the same seed.

    python -m benchmarks.datagen --rows 1000000 --out contacts.csv    # + .truth.json and .fields.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK_ROWS = 100_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DEFAULT_SEED = 20240601

COLUMNS = (
    "Last_Name", "First_Name", "Email", "Phone", "Mobile", "Title",
    "Lead_Source", "Interests", "Date_of_Birth", "Follow_Up_Time",
    "Annual_Revenue", "No_of_Employees", "Discount", "External_Ref",
    "Email_Opt_Out", "Website", "Account_Name.id", "Mailing_Street",
    "Mailing_City", "Mailing_Country", "Description",
)  # fmt: skip
UNCHECKED = ("Mailing_Street", "Mailing_City", "Mailing_Country", "Description")
CHECKED = tuple(c for c in COLUMNS if c not in UNCHECKED)

LEAD_SOURCES = (
    "Advertisement", "Cold Call", "Employee Referral", "External Referral", "Online Store", "Partner",
    "Public Relations", "Sales Email Alias", "Seminar Partner", "Internal Seminar", "Trade Show",
    "Web Download", "Web Research", "Chat", "X (Twitter)", "Facebook",
)  # fmt: skip
INTERESTS = ("CRM", "Analytics", "Books", "Desk", "Campaigns", "Projects", "People", "Recruit", "Sign",
             "Survey", "Inventory", "Social")  # fmt: skip
FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Priya Rahul Ananya Arjun Deepika Vikram Lakshmi Sanjay Kavya "
    "Rohan Wei Fang Hiroshi Yuki Min-jun Ji-woo Olga Ivan Fatima Omar Aisha Yusuf Lucas Sofia Mateo "
    "Valentina Noah Emma Liam Olivia Ethan Ava Mia Leon Chloe Hugo Lea Jonas Anna Lukas Marie Felix Nina "
    "Pedro Ana Diego Lucia Kwame Amara Chidi Zanele Thabo Ngozi Mohammed Layla Ali Zainab Ravi Meera Kiran "
    "Suresh Divya Arun Pooja Nikhil Sneha Vivek"
)
NONASCII_FIRST = ("José", "Zoë", "Renée", "Søren", "Björn", "Çağla", "Łukasz", "Ñuria", "Chloé", "Jürgen",
                  "Siobhán", "Đorđe")  # fmt: skip
NONASCII_LAST = ("Müller", "García", "Nuñez", "Dvořák", "Øberg", "Šimić", "Łopez", "Gómez", "Kühn", "Ibáñez",
                 "O'Brien", "D'Souza", "山田", "李", "Иванов", "Παπαδόπουλος")  # fmt: skip
SYLLABLES = _words(
    "ka ri to na mi sa ven dor el an ber son ley mar tin ham ford well ster ly ro la de vi co ra bel ton "
    "ish ar pa tel shah gup ta ya su ki mo ro zen ov ski berg man nel"
)
TITLES = ("CEO", "CTO", "CFO", "Sales Manager", "Account Executive", "Marketing Lead", "Engineer",
          "Senior Engineer", "Consultant", "Director of Operations", "VP Sales", "Procurement Officer",
          "Office Manager", "Founder", "Analyst", "")  # fmt: skip
CITIES = (
    ("Chennai", "India"), ("Bengaluru", "India"), ("Mumbai", "India"), ("Austin", "United States"),
    ("New York", "United States"), ("San Francisco", "United States"), ("London", "United Kingdom"),
    ("Manchester", "United Kingdom"), ("Berlin", "Germany"), ("München", "Germany"), ("Paris", "France"),
    ("Lyon", "France"), ("Tokyo", "Japan"), ("Osaka", "Japan"), ("São Paulo", "Brazil"),
    ("Ciudad de México", "Mexico"), ("Sydney", "Australia"), ("Toronto", "Canada"),
    ("Dubai", "United Arab Emirates"), ("Singapore", "Singapore"), ("Lagos", "Nigeria"),
    ("Nairobi", "Kenya"), ("Johannesburg", "South Africa"), ("Amsterdam", "Netherlands"),
    ("Stockholm", "Sweden"),
)  # fmt: skip
STREETS = ("Main St", "High Street", "Park Avenue", "MG Road", "Anna Salai", "Hauptstraße", "Rue de Rivoli",
           "Oak Lane", "Industrial Estate", "Church Road", "Station Road")  # fmt: skip
PERSONAL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "zoho.com",
                    "protonmail.com", "aol.com", "yahoo.co.in", "gmx.de", "web.de", "orange.fr")  # fmt: skip
TLDS = ("com", "com", "com", "io", "co", "net", "in", "co.uk", "de", "fr", "com.au", "org")
SUFFIXES = ("Inc", "LLC", "Ltd", "Pvt Ltd", "GmbH", "SA", "Corp", "Group", "Technologies", "Solutions",
            "Labs", "Partners")  # fmt: skip
OFFSETS = ("+05:30", "+00:00", "-05:00", "-08:00", "+01:00", "+02:00", "+09:00", "+10:00", "-03:00",
           "+04:00", "+08:00")  # fmt: skip
EVENTS = ("the Zoholics conference", "a webinar", "Trade Show 2023", "a partner dinner", "the Chennai meetup",
          "a cold call")  # fmt: skip
COUNTRY_CODES = ("1", "44", "91", "49", "33", "81", "61", "55", "971", "65")
N_ACCOUNTS = 50_000
_REF_BITS = 59  # External_Ref values are a permutation of the row number below 2**59 (18 digits at most)


# --- bad values ----------------------------------------------------------------------------------------

Make = Callable[[str, random.Random], str]


@dataclass(frozen=True, slots=True)
class Kind:
    """One way a cell goes bad: its name in the truth file, the issue code csvprep must report, the maker."""

    name: str
    code: str
    make: Make

    @property
    def warning(self) -> bool:
        return self.name.startswith("warn_")


def _email_kinds() -> list[Kind]:
    def part(v: str) -> tuple[str, str]:
        local, _, dom = v.partition("@")
        return local, dom

    return [
        Kind("double_at", "invalid-email", lambda v, r: "@@".join(part(v))),
        Kind("no_at", "invalid-email", lambda v, r: "(at)".join(part(v))),
        Kind("no_tld", "invalid-email", lambda v, r: part(v)[0] + "@" + part(v)[1].split(".")[0]),
        Kind("space", "invalid-email", lambda v, r: part(v)[0].replace(".", " ") + " x@" + part(v)[1]),
        Kind("empty_local", "invalid-email", lambda v, r: "@" + part(v)[1]),
        # a loose regex misses this one; email-validator does not
        Kind("consecutive_dots", "invalid-email", lambda v, r: part(v)[0] + "..x@" + part(v)[1]),
    ]


def _phone_kinds() -> list[Kind]:
    return [
        Kind("letters", "invalid-phone", lambda v, r: "555-CALL-NOW"),
        Kind("too_long", "too-long", lambda v, r: "+" + "9" * 35),
        Kind("double_plus", "invalid-phone", lambda v, r: "++" + v.lstrip("+")),
        Kind("letters", "invalid-phone", lambda v, r: "n/a"),
    ]


def _dob(r: random.Random, shape: int) -> str:
    y = r.randint(1950, 2004)
    if shape == 0:
        return f"{r.randint(10, 28)}/{r.randint(1, 12):02d}/{y}"
    if shape == 1:
        return f"{y}-{r.randint(1, 9)}-{r.randint(1, 9)}"
    return f"{y}-13-01"


KINDS: Mapping[str, tuple[Kind, ...]] = MappingProxyType({
    "Last_Name": (Kind("required_empty", "required-empty", lambda v, r: ""),
                  Kind("too_long", "too-long", lambda v, r: "X" * 300)),
    "First_Name": (Kind("too_long", "too-long", lambda v, r: "Y" * 60),),
    "Email": tuple(_email_kinds()),
    "Phone": tuple(_phone_kinds()),
    "Mobile": tuple(_phone_kinds()),
    "Title": (Kind("too_long", "too-long", lambda v, r: "T" * 120),),
    "Lead_Source": (Kind("warn_case", "new-picklist-value", lambda v, r: "cold call"),
                    Kind("warn_new_value", "new-picklist-value", lambda v, r: "Newsletter"),
                    Kind("warn_new_value", "new-picklist-value", lambda v, r: "Web-Download")),
    "Interests": (Kind("warn_new_value", "new-picklist-value", lambda v, r: "CRM;Blockchain"),
                  Kind("warn_new_value", "new-picklist-value", lambda v, r: "CRM,Books"),
                  Kind("warn_empty_item", "empty-picklist-item", lambda v, r: "CRM;;Desk")),
    "Date_of_Birth": (Kind("format", "invalid-date", lambda v, r: _dob(r, 0)),
                      Kind("format", "invalid-date", lambda v, r: _dob(r, 1)),
                      Kind("format", "invalid-date", lambda v, r: _dob(r, 2)),
                      Kind("calendar", "impossible-date", lambda v, r: f"{r.randint(1950, 2004)}-02-30"),
                      Kind("calendar", "impossible-date", lambda v, r: f"{r.randint(1950, 2004)}-04-31")),
    "Follow_Up_Time": (Kind("no_offset", "invalid-datetime", lambda v, r: v[:19].replace("T", " ")),
                       Kind("bad_hour", "invalid-datetime", lambda v, r: v[:11] + "25" + v[13:]),
                       Kind("date_only", "invalid-datetime", lambda v, r: v[:10])),
    "Annual_Revenue": (Kind("thousands_sep", "invalid-number", lambda v, r: "1,234,567.00"),
                       Kind("currency_sign", "invalid-number", lambda v, r: "$1200"),
                       Kind("3_decimals", "too-many-decimals", lambda v, r: "12.345"),
                       Kind("letters", "invalid-number", lambda v, r: "N/A")),
    "No_of_Employees": (Kind("too_many_digits", "too-many-digits", lambda v, r: "1234567890"),
                        Kind("decimal", "invalid-number", lambda v, r: "12.5"),
                        Kind("letters", "invalid-number", lambda v, r: "ten")),
    "Discount": (Kind("percent_sign", "invalid-number", lambda v, r: "12.5%"),
                 Kind("letters", "invalid-number", lambda v, r: "abc"),
                 Kind("3_decimals", "too-many-decimals", lambda v, r: "10.125")),
    "External_Ref": (Kind("too_many_digits", "too-many-digits", lambda v, r: "1" * 20),
                     Kind("exponent", "scientific-notation", lambda v, r: "1e10"),
                     # made by the chunk itself: the value of an earlier row (see _duplicates)
                     Kind("duplicate", "duplicate-value", lambda v, r: v)),
    "Email_Opt_Out": (Kind("not_bool", "invalid-boolean", lambda v, r: "yes"),
                      Kind("not_bool", "invalid-boolean", lambda v, r: "1"),
                      Kind("not_bool", "invalid-boolean", lambda v, r: "Y")),
    "Website": (Kind("scheme", "invalid-url", lambda v, r: "htp://" + v.split("://", 1)[-1]),
                Kind("space", "invalid-url", lambda v, r: "www example com"),
                Kind("no_host", "invalid-url", lambda v, r: "http://")),
    "Account_Name.id": (Kind("excel_scientific", "scientific-notation", lambda v, r: f"{int(v):.5E}"),
                        Kind("letters", "invalid-record-id", lambda v, r: "acc_" + v[:8])),
})  # fmt: skip
_DUPLICATE = KINDS["External_Ref"].index(next(k for k in KINDS["External_Ref"] if k.name == "duplicate"))


# --- the truth -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Truth:
    """What was injected: bad cells per column and kind, and per column and the code csvprep must report."""

    rows: int
    seed: int
    invalid_rate: float
    by_kind: Mapping[str, Mapping[str, int]]
    """column → kind → cells (kinds starting with ``warn_`` are warnings, the rest errors)."""
    by_code: Mapping[str, Mapping[str, int]]
    """column → issue code → cells."""
    errors: int
    warnings: int
    rows_with_errors: int
    rows_with_warnings: int
    """Rows with at least one warning cell and no error cell (as csvprep's summary counts them)."""
    bytes: int = 0
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def cells(self, column: str, severity: str) -> int:
        """Bad cells of ``column`` with the given severity (``error`` or ``warning``)."""
        want_warn = severity == "warning"
        return sum(n for k, n in self.by_kind.get(column, {}).items() if k.startswith("warn_") == want_warn)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "seed": self.seed,
            "invalid_rate": self.invalid_rate,
            "bytes": self.bytes,
            "error_cells_total": self.errors,
            "warning_cells_total": self.warnings,
            "rows_with_errors": self.rows_with_errors,
            "rows_with_warnings_only": self.rows_with_warnings,
            "invalid_cells": {c: dict(k) for c, k in self.by_kind.items()},
            "by_code": {c: dict(k) for c, k in self.by_code.items()},
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Truth:
        return Truth(
            rows=int(d["rows"]),
            seed=int(d["seed"]),
            invalid_rate=float(d["invalid_rate"]),
            by_kind=MappingProxyType({c: MappingProxyType(dict(k)) for c, k in d["invalid_cells"].items()}),
            by_code=MappingProxyType({c: MappingProxyType(dict(k)) for c, k in d["by_code"].items()}),
            errors=int(d["error_cells_total"]),
            warnings=int(d["warning_cells_total"]),
            rows_with_errors=int(d["rows_with_errors"]),
            rows_with_warnings=int(d["rows_with_warnings_only"]),
            bytes=int(d.get("bytes", 0)),
        )


# --- field metadata (the shape of GET /crm/v7/settings/fields, see ../shared/reference/metadata/) -----


def _field(api_name: str, data_type: str, **extra: Any) -> dict[str, Any]:
    f: dict[str, Any] = {
        "api_name": api_name, "data_type": data_type, "system_mandatory": False, "unique": {},
        "field_read_only": False, "read_only": False, "length": 255, "decimal_place": None,
        "operation_type": {"api_create": True, "api_update": True, "web_create": True, "web_update": True},
        "pick_list_values": [],
    }  # fmt: skip
    f.update(extra)
    return f


def _picklist(values: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"display_value": v, "actual_value": v, "type": "used"} for v in ("-None-", *values)]


def fields_json() -> dict[str, Any]:
    """The Contacts fields these files are checked against (``{"fields": [...]}``)."""
    return {"fields": [
        _field("Last_Name", "text", length=80, system_mandatory=True),
        _field("First_Name", "text", length=40),
        _field("Email", "email", length=100),
        _field("Phone", "phone", length=30),
        _field("Mobile", "phone", length=30),
        _field("Title", "text", length=100),
        _field("Lead_Source", "picklist", length=120, pick_list_values=_picklist(LEAD_SOURCES)),
        _field("Interests", "multiselectpicklist", length=2000, pick_list_values=_picklist(INTERESTS)),
        _field("Date_of_Birth", "date", length=20),
        _field("Follow_Up_Time", "datetime", length=120),
        _field("Annual_Revenue", "currency", length=16, decimal_place=2,
               currency={"rounding_option": "normal", "precision": 2}),
        _field("No_of_Employees", "integer", length=9),
        _field("Discount", "percent", length=5, decimal_place=2),
        _field("External_Ref", "bigint", length=18, unique={"casesensitive": True}),
        _field("Email_Opt_Out", "boolean", length=5),
        _field("Website", "website", length=255),
        _field("Account_Name", "lookup", length=120,
               lookup={"module": {"api_name": "Accounts"}, "api_name": "Account_Name"}),
        _field("Mailing_Street", "text", length=250),
        _field("Mailing_City", "text", length=100),
        _field("Mailing_Country", "text", length=100),
        _field("Description", "textarea", length=32000, textarea={"type": "large"}),
    ]}  # fmt: skip


# --- vectorised valid values ---------------------------------------------------------------------------


def _s(values: tuple[str, ...] | list[str]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _pick(rng: np.random.Generator, vocab: tuple[str, ...] | pa.Array, n: int) -> pa.Array:
    arr = vocab if isinstance(vocab, pa.Array) else _s(vocab)
    return pc.take(arr, pa.array(rng.integers(0, len(arr), n)))


def _num(x: np.ndarray, width: int = 0) -> pa.Array:
    s = pc.cast(pa.array(x), pa.string())
    return pc.utf8_lpad(s, width, "0") if width else s


def _join(*parts: pa.Array | str, sep: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip")


def _maybe(rng: np.random.Generator, p: float, values: pa.Array) -> pa.Array:
    """``values`` with probability ``p``, else the empty string."""
    return pc.if_else(pa.array(rng.random(len(values)) < p), values, "")


def _names(rng: np.random.Generator, n: int, syllables: tuple[int, int]) -> pa.Array:
    """Made-up words of 2 or 3 syllables, capitalised."""
    syl = _s(SYLLABLES)
    parts = [_pick(rng, syl, n) for _ in range(3)]
    third = pc.if_else(pa.array(rng.integers(*syllables, endpoint=True, size=n) == 3), parts[2], "")
    return pc.utf8_capitalize(_join(parts[0], parts[1], third))


@dataclass(frozen=True, slots=True)
class _Accounts:
    names: pa.Array
    domains: pa.Array
    ids: pa.Array


def _accounts(seed: int) -> _Accounts:
    rng = np.random.default_rng([seed, 0xACC])
    base = pc.utf8_lower(_names(rng, N_ACCOUNTS, (2, 3)))
    names = _join(pc.utf8_capitalize(base), _pick(rng, SUFFIXES, N_ACCOUNTS), sep=" ")
    domains = _join(base, _pick(rng, TLDS, N_ACCOUNTS), sep=".")
    ids = _num(rng.integers(10**18, 9 * 10**18 - 1, N_ACCOUNTS, dtype=np.int64))
    return _Accounts(names, domains, ids)


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    digits = _num(rng.integers(0, 10**10, n), 10)
    length = rng.integers(8, 11, n)  # 8-10 digits after the country code
    short = pc.choose(
        pa.array(length - 8, pa.int8()), *(pc.utf8_slice_codeunits(digits, 0, k) for k in (8, 9, 10))
    )
    intl = _join("+", _pick(rng, COUNTRY_CODES, n), short)
    return pc.if_else(pa.array(rng.random(n) < 0.6), intl, digits)


def _interests(rng: np.random.Generator, n: int) -> pa.Array:
    order = np.argsort(rng.random((n, len(INTERESTS))), axis=1)[:, :3]
    items = [pc.take(_s(INTERESTS), pa.array(order[:, j])) for j in range(3)]
    count = rng.choice(np.array([0, 0, 1, 1, 1, 2, 3], dtype=np.int8), n)
    choices = ["", items[0], _join(items[0], items[1], sep=";"), _join(*items, sep=";")]
    return pc.choose(
        pa.array(count), *(pa.array([c] * n, pa.string()) if isinstance(c, str) else c for c in choices)
    )


def _dates(rng: np.random.Generator, n: int, years: tuple[int, int]) -> pa.Array:
    y = rng.integers(years[0], years[1], n, endpoint=True)
    return _join(_num(y), _num(rng.integers(1, 13, n), 2), _num(rng.integers(1, 29, n), 2), sep="-")


def _money(cents: np.ndarray) -> pa.Array:
    return _join(_num(cents // 100), _num(cents % 100, 2), sep=".")


def _percent(hundredths: np.ndarray) -> pa.Array:
    """As Python's ``format(x / 100, 'g')``: 12.5, 12.25, 50."""
    whole, frac = _num(hundredths // 100), hundredths % 100
    tenths = _join(whole, _num(frac // 10), sep=".")
    both = _join(whole, _num(frac, 2), sep=".")
    return pc.if_else(pa.array(frac == 0), whole, pc.if_else(pa.array(frac % 10 == 0), tenths, both))


def _external_refs(first_row: int, n: int, seed: int) -> np.ndarray:
    """Distinct values for distinct row numbers: a bijection of the row number onto [1, 2**59]."""
    x = (np.arange(first_row, first_row + n, dtype=np.uint64) + np.uint64(seed)) & np.uint64(2**_REF_BITS - 1)
    mask = np.uint64(2**_REF_BITS - 1)
    for mult, shift in ((0x9E3779B97F4A7C15, 29), (0xBF58476D1CE4E5B9, 31)):
        x = (x * np.uint64(mult | 1)) & mask  # odd multiplier: invertible modulo 2**59
        x ^= x >> np.uint64(shift)  # xor-shift: invertible
    return x + np.uint64(1)


_DESC_LINES = 6


def _descriptions(rng: np.random.Generator, first: pa.Array, account: pa.Array) -> pa.Array:
    n = len(first)
    x = rng.random(n)
    short = _join("Contact at ", account, ", prefers email.")
    long_rows = np.flatnonzero(x >= 0.90)
    m = len(long_rows)
    out = pc.if_else(pa.array(x < 0.85), "", short)
    if not m:
        return out
    lines: list[pa.Array] = [
        _join("Met ", pc.take(first, pa.array(long_rows)), " at ", _pick(rng, EVENTS, m), ".")
    ]
    count = rng.integers(1, 6, m, endpoint=True)
    for slot in range(5):
        templates = [
            _join(
                'Said "call me back" in ',
                _num(rng.integers(1, 9, m)),
                " weeks, budget approx ",
                _num(rng.integers(1, 100, m)),
                "k.",
            ),
            pa.array(["Interested in CRM, Desk; wants a demo."] * m),
            _join('Objection: "too expensive", compare with plan ', _pick(rng, tuple("ABCD"), m), "."),
            pa.array(["Follow-up owner: sales team \u2014 EMEA."] * m),
            pa.array(["Notes, with commas, and ; semicolons; and a tab\there."] * m),
            pa.array([""] * m),
        ]
        line = pc.choose(pa.array(rng.integers(0, len(templates), m, dtype=np.int8)), *templates)
        lines.append(pc.if_else(pa.array(count > slot), line, pa.nulls(m, pa.string())))
    notes = _join(*lines, sep="\n")
    mask = np.zeros(n, dtype=bool)
    mask[long_rows] = True
    return pc.replace_with_mask(out, pa.array(mask), notes)


def _valid_chunk(
    rng: np.random.Generator, first_row: int, n: int, seed: int, acc: _Accounts
) -> dict[str, pa.Array]:
    which = pa.array((rng.random(n) ** 1.3 * N_ACCOUNTS).astype(np.int64))
    acc_name, acc_dom, acc_id = (pc.take(a, which) for a in (acc.names, acc.domains, acc.ids))
    first = pc.if_else(
        pa.array(rng.random(n) < 0.05), _pick(rng, NONASCII_FIRST, n), _pick(rng, FIRST_NAMES, n)
    )
    last = pc.if_else(pa.array(rng.random(n) < 0.05), _pick(rng, NONASCII_LAST, n), _names(rng, n, (2, 3)))
    local = pc.utf8_lower(_join(first, last, sep="."))
    local = pc.if_else(pc.string_is_ascii(local), local, _join("contact", _num(rng.integers(1, 10**6, n))))
    local = pc.replace_substring(pc.replace_substring(local, "'", ""), " ", "")
    local = pc.if_else(pa.array(rng.random(n) < 0.5), _join(local, _num(rng.integers(1, 1000, n))), local)
    domain = pc.if_else(pa.array(rng.random(n) < 0.55), acc_dom, _pick(rng, PERSONAL_DOMAINS, n))
    city = pa.array(rng.integers(0, len(CITIES), n))
    follow = _join(
        _dates(rng, n, (2019, 2025)),
        "T",
        _num(rng.integers(0, 24, n), 2),
        ":",
        _num(rng.choice(np.array([0, 15, 30, 45]), n), 2),
        ":00",
        _pick(rng, OFFSETS, n),
    )
    website = _join(
        _pick(rng, ("https://www.", "http://", "https://"), n),
        acc_dom,
        _pick(rng, ("", "", "/", "/contact", "/en/about-us"), n),
    )
    return {
        "Last_Name": last,
        "First_Name": first,
        "Email": _join(local, domain, sep="@"),
        "Phone": _phones(rng, n),
        "Mobile": _maybe(rng, 0.7, _phones(rng, n)),
        "Title": _pick(rng, TITLES, n),
        "Lead_Source": _maybe(rng, 0.9, _pick(rng, LEAD_SOURCES, n)),
        "Interests": _interests(rng, n),
        "Date_of_Birth": _maybe(rng, 0.8, _dates(rng, n, (1950, 2004))),
        "Follow_Up_Time": follow,
        "Annual_Revenue": _maybe(rng, 0.7, _money(rng.integers(0, 5 * 10**8, n, endpoint=True))),
        "No_of_Employees": _maybe(rng, 0.7, _num(rng.integers(1, 250_000, n, endpoint=True))),
        "Discount": _maybe(rng, 0.5, _percent(rng.integers(0, 5000, n, endpoint=True))),
        "External_Ref": _num(_external_refs(first_row, n, seed)),
        "Email_Opt_Out": pc.if_else(pa.array(rng.random(n) < 0.1), "true", "false"),
        "Website": website,
        "Account_Name.id": acc_id,
        "Mailing_Street": _join(_num(rng.integers(1, 1000, n)), _pick(rng, STREETS, n), sep=" "),
        "Mailing_City": pc.take(_s([c for c, _ in CITIES]), city),
        "Mailing_Country": pc.take(_s([k for _, k in CITIES]), city),
        "Description": _descriptions(rng, first, acc_name),
    }


# --- writing -------------------------------------------------------------------------------------------


def _csv_field(col: pa.Array) -> pa.Array:
    """Minimal quoting, as a spreadsheet exports: only values holding a quote, comma or line break."""
    need = pc.match_substring_regex(col, '[",\r\n]')
    if not pc.any(need).as_py():
        return col
    quoted = _join('"', pc.replace_substring(pc.filter(col, need), '"', '""'), '"')
    return pc.replace_with_mask(col, need, quoted)


def _write_lines(out: Any, columns: list[pa.Array]) -> int:
    lines = _join(_join(*(_csv_field(c) for c in columns), sep=","), "\r\n")
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    data = memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
    out.write(data)
    return len(data)


class _Generator:
    """Chunk by chunk state: counts and which External_Ref cells hold their own value (for duplicates)."""

    def __init__(self, rows: int, seed: int, invalid_rate: float) -> None:
        self.rows, self.seed, self.rate = rows, seed, invalid_rate
        self.acc = _accounts(seed)
        self.kind_counts = {c: np.zeros(len(KINDS[c]), dtype=np.int64) for c in CHECKED}
        self.own_ref = np.ones(rows, dtype=bool)
        """False where row i's External_Ref cell was replaced: its own value appears nowhere then."""
        self.rows_with_errors = 0
        self.rows_with_warnings = 0

    def chunk(self, index: int) -> list[pa.Array]:
        start = index * CHUNK_ROWS
        rng = np.random.default_rng([self.seed, 1, index])
        # Always draw a whole chunk, then cut: a smaller file is a prefix of a larger one.
        cols = _valid_chunk(rng, start, CHUNK_ROWS, self.seed, self.acc)
        n = min(CHUNK_ROWS, self.rows - start)
        bad_err = np.zeros(CHUNK_ROWS, dtype=bool)
        bad_warn = np.zeros(CHUNK_ROWS, dtype=bool)
        py = random.Random(int(rng.integers(0, 2**63)))
        for c in CHECKED:
            kinds = KINDS[c]
            hit = rng.random(CHUNK_ROWS) < self.rate
            kind = rng.integers(0, len(kinds), CHUNK_ROWS)
            u = rng.random(CHUNK_ROWS)
            hit[n:] = False
            if c == "External_Ref":
                hit = self._duplicates(hit, kind, u, start, n)
            rows = np.flatnonzero(hit)
            if not len(rows):
                continue
            valid = pc.take(cols[c], pa.array(rows)).to_pylist()
            made = []
            for i, v in zip(rows.tolist(), valid, strict=True):
                k = kinds[kind[i]]
                if c == "External_Ref" and kind[i] == _DUPLICATE:
                    src = int(u[i] * (start + i))
                    made.append(str(_external_refs(src, 1, self.seed)[0]))
                else:
                    made.append(k.make(v, py))
            cols[c] = pc.replace_with_mask(cols[c], pa.array(hit), pa.array(made, pa.string()))
            self.kind_counts[c] += np.bincount(kind[rows], minlength=len(kinds))
            warn = np.array([kinds[k].warning for k in range(len(kinds))])[kind[rows]]
            bad_warn[rows[warn]] = True
            bad_err[rows[~warn]] = True
        self.rows_with_errors += int(bad_err[:n].sum())
        self.rows_with_warnings += int((bad_warn & ~bad_err)[:n].sum())
        return [cols[c].slice(0, n) for c in COLUMNS]

    def _duplicates(self, hit: np.ndarray, kind: np.ndarray, u: np.ndarray, start: int, n: int) -> np.ndarray:
        """Keep a duplicate only where its source row still holds its own value (else no repeat exists)."""
        self.own_ref[start : start + n] = ~hit[:n]
        # A source of row i is drawn from rows 0..i-1; the very first row draws itself, which holds no
        # own value once replaced, so it is dropped below like any source that lost its value.
        rows = np.flatnonzero(hit & (kind == _DUPLICATE))
        src = (u[rows] * (start + rows)).astype(np.int64)
        dropped = rows[~self.own_ref[src]]
        hit = hit.copy()
        hit[dropped] = False
        self.own_ref[start + dropped] = True
        return hit

    def truth(self, size: int) -> Truth:
        def frozen(d: dict[str, dict[str, int]]) -> Mapping[str, Mapping[str, int]]:
            return MappingProxyType({c: MappingProxyType(dict(sorted(k.items()))) for c, k in d.items()})

        by_kind: dict[str, dict[str, int]] = {}
        by_code: dict[str, dict[str, int]] = {}
        for c in CHECKED:
            for k, cnt in zip(KINDS[c], self.kind_counts[c].tolist(), strict=True):
                if cnt:
                    by_kind.setdefault(c, {}).setdefault(k.name, 0)
                    by_kind[c][k.name] += cnt
                    by_code.setdefault(c, {}).setdefault(k.code, 0)
                    by_code[c][k.code] += cnt
        errors = sum(n for k in by_kind.values() for name, n in k.items() if not name.startswith("warn_"))
        warnings = sum(n for k in by_kind.values() for name, n in k.items() if name.startswith("warn_"))
        return Truth(
            rows=self.rows, seed=self.seed, invalid_rate=self.rate,
            by_kind=frozen(by_kind),
            by_code=frozen(by_code),
            errors=errors, warnings=warnings, rows_with_errors=self.rows_with_errors,
            rows_with_warnings=self.rows_with_warnings, bytes=size,
        )  # fmt: skip


def generate(
    path: str | os.PathLike[str],
    rows: int,
    seed: int = DEFAULT_SEED,
    invalid_rate: float = 0.01,
    *,
    sidecars: bool = True,
) -> Truth:
    """Write a Contacts CSV of ``rows`` records to ``path`` and return what was injected.

    With ``sidecars``, also write ``<path>.truth.json`` (:meth:`Truth.to_dict`) and ``<path>.fields.json``
    (:func:`fields_json`), the schema to check it against.
    """
    if rows < 0:
        raise ValueError("rows must be >= 0")
    p = Path(path)
    gen = _Generator(rows, seed, invalid_rate)
    size = 0
    with open(p, "wb") as out:
        head = (",".join(COLUMNS) + "\r\n").encode()
        out.write(head)
        size += len(head)
        for index in range((rows + CHUNK_ROWS - 1) // CHUNK_ROWS):
            size += _write_lines(out, gen.chunk(index))
    truth = gen.truth(size)
    if sidecars:
        Path(f"{p}.truth.json").write_text(json.dumps(truth.to_dict(), indent=1, sort_keys=True) + "\n")
        Path(f"{p}.fields.json").write_text(json.dumps(fields_json(), indent=1) + "\n")
    return truth


def load_truth(path: str | os.PathLike[str]) -> Truth:
    """The truth written next to a generated CSV."""
    return Truth.from_dict(json.loads(Path(f"{path}.truth.json").read_text()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.datagen", description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--invalid-rate",
        type=float,
        default=0.01,
        help="probability that a cell of a checked column is made bad (default 0.01)",
    )
    ap.add_argument("--out", required=True, help="the CSV to write (plus .truth.json and .fields.json)")
    a = ap.parse_args(argv)
    truth = generate(a.out, a.rows, a.seed, a.invalid_rate)
    d = truth.to_dict()
    print(json.dumps({k: v for k, v in d.items() if k not in ("invalid_cells", "by_code")}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
