"""Per-type cell rules: vectorised checks over a column of strings, one list of rules per field.

Sources (see ``../shared/reference/``): the input format table of Kaizen #13
(``kaizen-13-bulk-write-api.txt``, "Input format for each data type") and the digest ``zoho-rules.md``
§3.1 (V7IR sample attributes). The field's metadata overrides each documented default
(``schema.FieldSpec.max_length`` / ``max_decimals``).

Every rule sees a whole column (an Arrow string array) and returns a boolean NumPy array, True where the
cell is acceptable (the pandera schema of :mod:`csvprep.engine` wraps each rule as a ``Check`` on pandas).
**An empty cell is always acceptable to a rule**: whether a value is required
is decided by the mandatory and key rules alone. Rules run in order and a cell reports only the first rule
it fails. Expensive exact judges (email-validator, calendar checks, dateutil hints) run only on the cells a
cheap pattern cannot settle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep import emails
from csvprep.formula import could_be_formula, formula_like, lead_of
from csvprep.keyset import string_bytes
from csvprep.schema import DEFAULT_LENGTH, FieldSpec

Ok = Callable[[pa.Array], np.ndarray]
"""A column (one Arrow string array) → True where the cell passes."""
Detail = Callable[[str], Mapping[str, object]]

_EMPTY: Mapping[str, object] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Rule:
    """One check of a column: the code it reports, the test, and the fields of its message."""

    code: str
    ok: Ok
    params: Mapping[str, object] = field(default_factory=lambda: _EMPTY)
    """Message fields fixed for the rule (a limit); ``detail`` adds per-value ones, which win."""
    detail: Detail | None = None
    """Per-value message fields, computed only for failing cells (a length, a suggested fix)."""
    prefetch: Callable[[pa.Array], None] | None = None
    """Warms the memo of an expensive judge for these (suspect) cells; run ahead, on another thread."""
    start: Callable[[], None] | None = None
    """Gets an expensive judge ready (starts its worker) before a large input is read."""


# --- vectorised building blocks ----------------------------------------------------------------------


def fullmatch_or_empty(pattern: str) -> Ok:
    """True where the whole cell matches ``pattern`` (RE2 syntax) or is empty."""
    regex = f"^(?:{pattern})?$"

    def ok(arr: pa.Array) -> np.ndarray:
        return _np(pc.match_substring_regex(arr, regex))

    return ok


def max_chars(limit: int) -> Ok:
    """At most ``limit`` characters (code points, not bytes)."""

    def ok(arr: pa.Array) -> np.ndarray:
        return _np(pc.less_equal(pc.utf8_length(arr), limit))

    return ok


def _length_detail(value: str) -> Mapping[str, object]:
    return {"length": len(value)}


def too_long(limit: int) -> Rule:
    return Rule("too-long", max_chars(limit), MappingProxyType({"limit": limit}), _length_detail)


# --- email -------------------------------------------------------------------------------------------

# A strict ASCII dot-atom address. Everything it accepts, email-validator accepts too (a hypothesis test
# holds the two together); everything else goes to email-validator, which has the last word. A domain
# label here has no double hyphen (so no punycode ``xn--``), and its length limit (63) is implied by the
# address's: an address of at most SURE_EMAIL_BYTES cannot hold a longer label, nor a local part over 64.
# RE2 pays ~0.1 µs a cell for each pattern (and more for counted repeats): this pattern and one for
# special-use domains, instead of counting labels and lengths in patterns, took the email accept pass from
# ~0.7 s to ~0.25 s per 1M cells (folding the special-use names into this pattern made it 4x slower, and
# six ends_with tests cost more than the one pattern).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*"
STRICT_EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,24}}"
SURE_EMAIL_BYTES = 68
# Accepted by the pattern, but refused by email-validator: an address at a special-use domain
# (email_validator.SPECIAL_USE_DOMAIN_NAMES, held equal by a test).
SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
_SPECIAL_USE = rf"(?i)\.(?:{'|'.join(SPECIAL_USE_DOMAINS)})$"
# The last two bytes of those names, lower case: a cell that ends otherwise cannot end with one of them.
_SPECIAL_ENDS = np.zeros(1 << 16, dtype=bool)
_SPECIAL_ENDS[[(ord(d[-2]) << 8) | ord(d[-1]) for d in SPECIAL_USE_DOMAINS]] = True


_VERDICTS = emails.Verdicts()
"""email-validator's verdicts for this process: memoised, prefetched in bulk by a worker process."""


def close_judges() -> None:
    """Stop the expensive judges' workers (email-validator's); they start again when needed."""
    _VERDICTS.close()


def email_verdict(value: str) -> str | None:
    """None when email-validator accepts the address (syntax only, no DNS), else its reason."""
    return _VERDICTS.verdict(value)


def _email_sure(arr: pa.Array) -> np.ndarray:
    """True where the strict pattern clears the cell; email-validator decides the others."""
    sure = byte_lengths(arr) <= SURE_EMAIL_BYTES
    sure &= _np(pc.match_substring_regex(arr, f"^(?:{STRICT_EMAIL})?$"))
    # The special-use pattern runs only on cells whose last two bytes could end such a name: RE2 over
    # every cell was ~0.13 s per 1M cells, a third of the pass.
    at = np.flatnonzero(sure & _special_end(arr))
    if len(at):
        sure[at[_np(pc.match_substring_regex(arr.take(pa.array(at)), _SPECIAL_USE))]] = False
    return sure


def _special_end(arr: pa.Array) -> np.ndarray:
    """Cells whose last two bytes, letters lowered, end one of :data:`SPECIAL_USE_DOMAINS` (and a few
    more: ``| 0x20`` lowers letters and changes some other bytes; the pattern decides)."""
    offsets, raw = string_bytes(arr)
    ends = offsets[1:]
    two = np.diff(offsets) >= 2
    if not two.any():
        return two
    last = raw[np.where(two, ends - 1, 0)].astype(np.intp) | 0x20
    prev = raw[np.where(two, ends - 2, 0)].astype(np.intp) | 0x20
    return two & _SPECIAL_ENDS[(prev << 8) | last]


def _email_doubtful(arr: pa.Array) -> tuple[np.ndarray, list[str]]:
    """The positions and values of the cells the strict pattern cannot clear."""
    at = np.flatnonzero(~_email_sure(arr))
    return at, arr.take(pa.array(at)).to_pylist() if len(at) else []


def _email_ok(arr: pa.Array) -> np.ndarray:
    at, values = _email_doubtful(arr)
    ok = np.ones(len(arr), dtype=bool)
    ok[at] = [email_verdict(v) is None for v in values]
    return ok


def _email_prefetch(arr: pa.Array) -> None:
    _VERDICTS.prefetch(_email_doubtful(arr)[1])


def _email_detail(value: str) -> Mapping[str, object]:
    reason = email_verdict(value) or "rejected"
    return {"reason": reason[:1].lower() + reason[1:]}


# --- phone -------------------------------------------------------------------------------------------

_PHONE_JUNK = re.compile(r"[\s().\-/]")
_PHONE_PLAIN = re.compile(r"\+?\d+")


def _phone_detail(value: str) -> Mapping[str, object]:
    cleaned = _PHONE_JUNK.sub("", value)
    if _PHONE_PLAIN.fullmatch(cleaned):
        return {"hint": f"; without spaces and punctuation this is {cleaned}"}
    return {"hint": ""}


# --- picklists ---------------------------------------------------------------------------------------


def _picklist_hint(allowed: tuple[str, ...]) -> Detail:
    folded = {v.casefold(): v for v in allowed}

    def detail(value: str) -> Mapping[str, object]:
        hit = folded.get(value.strip().casefold())
        return {"hint": f" (did you mean '{hit}'?)" if hit is not None else ""}

    return detail


def in_or_empty(allowed: tuple[str, ...]) -> Ok:
    """True where the cell is one of ``allowed`` (exactly) or empty; the picklist rule and the accept test
    of picklist and boolean columns."""
    values = pa.array([*allowed, ""], pa.string())

    def ok(arr: pa.Array) -> np.ndarray:
        return _np(pc.is_in(arr, value_set=values))

    return ok


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


# --- dates -------------------------------------------------------------------------------------------

DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
TIME = r"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d"
OFFSET = r"[+-](?:0\d|1[0-4]):[0-5]\d"
DATETIME = rf"{DATE}T{TIME}{OFFSET}"
# Only day 29-31 can be impossible once the pattern holds (or 29 February in a non-leap year).
_LATE_DAY = r"^\d{4}-\d{2}-(?:29|30|31)"


def _calendar_ok(arr: pa.Array) -> np.ndarray:
    """False where a well-shaped date (the first 10 characters) is no real day, e.g. 2019-02-29.

    A parse-and-format round trip: ``strptime`` rolls 2019-02-29 over to 2019-03-01, so only a real day
    comes back as it went in. Years run from 0001 to 9999, as in ISO 8601's common range.
    """
    ok = np.ones(len(arr), dtype=bool)
    late = np.flatnonzero(_np(pc.match_substring_regex(arr, _LATE_DAY)))
    if len(late):
        days = pc.utf8_slice_codeunits(arr.take(pa.array(late)), 0, 10)
        parsed = pc.strptime(days, format="%Y-%m-%d", unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), days), False)
        ok[late] = _np(same) & ~_np(pc.starts_with(days, "0000"))
    return ok


_Y_M_D = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_M_D_Y = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _numeric_readings(v: str) -> set[date] | None:
    """What dateutil makes of ``y-a-b`` / ``a/b/y`` with either ``dayfirst``: every valid (month, day)
    of (a, b) and (b, a). 40x cheaper than two dateutil parses; a test holds it equal to dateutil.
    None for any other shape."""
    m = _Y_M_D.fullmatch(v)
    if m:
        y, a, b = (int(x) for x in m.groups())
    else:
        m = _M_D_Y.fullmatch(v)
        if m is None:
            return None
        a, b, y = (int(x) for x in m.groups())
    out = set()
    for month, day in ((a, b), (b, a)):
        try:
            out.add(date(y, month, day))
        except ValueError:
            continue
    return out


# Two defaults that differ in year, month and day: dateutil fills a part the value lacks from the default,
# so a reading that changes with the default holds a part the value does not have (today's, or invented).
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def _date_hint(value: str) -> Mapping[str, object]:
    """Suggest the ISO form of a loose date when dateutil reads it one way only, from the value alone."""
    v = value.strip()
    readings = _numeric_readings(v)
    if readings is None:
        from dateutil import parser as dateparser  # only for messages of bad dates: off the start-up path

        readings = set()
        yearfirst = bool(re.match(r"\d{4}", v))
        for dayfirst in (False, True):
            try:
                got = {
                    dateparser.parse(v, dayfirst=dayfirst, yearfirst=yearfirst, default=d).date()
                    for d in _DEFAULTS
                }
            except (ValueError, OverflowError):
                continue
            if len(got) == 1:
                readings |= got
    if len(readings) == 1:
        return {"hint": f"; this looks like {readings.pop().isoformat()}"}
    if len(readings) > 1:
        opts = " or ".join(sorted(d.isoformat() for d in readings))
        return {"hint": f"; '{v}' is ambiguous ({opts}): write it as yyyy-MM-dd"}
    return {"hint": ""}


_DATETIME_HINTS = tuple(
    (re.compile(pattern), hint)
    for pattern, hint in (
        (DATE, "; this is a date without a time"),
        (rf"{DATE}[T ]{TIME}", "; the UTC offset (e.g. +05:30) is missing"),
        (rf"{DATE}[T ]{TIME}(?:Z|[+-]\d{{4}})", "; write the offset as ±HH:mm (Z is +00:00)"),
        (rf"{DATE} {TIME}{OFFSET}", "; put a T between the date and the time"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}",
            "; an hour, minute, second or offset is out of range",
        ),
    )
)


def _datetime_hint(value: str) -> Mapping[str, object]:
    v = value.strip()
    for pattern, hint in _DATETIME_HINTS:
        if pattern.fullmatch(v):
            return {"hint": hint}
    return {"hint": ""}


# --- numbers -----------------------------------------------------------------------------------------

SCIENTIFIC = r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+"
_NUMBER = r"-?\d+(?:\.\d+)?"


def _not_scientific() -> Ok:
    ok_pat = fullmatch_or_empty(SCIENTIFIC)

    def ok(arr: pa.Array) -> np.ndarray:
        return ~ok_pat(arr) | (byte_lengths(arr) == 0)

    return ok


def _int_digits_ok(limit: int) -> Ok:
    def ok(arr: pa.Array) -> np.ndarray:
        before = pc.split_pattern(pc.utf8_ltrim(arr, characters="-"), ".", max_splits=1)
        return _np(pc.less_equal(pc.utf8_length(pc.list_element(before, 0)), limit))

    return ok


def _decimals_ok(limit: int) -> Ok:
    return fullmatch_or_empty(rf"-?\d+(?:\.\d{{1,{limit}}})?" if limit else r"-?\d+")


def _digits_detail(where: str) -> Detail:
    def detail(value: str) -> Mapping[str, object]:
        v = value.lstrip("-")
        whole, _, frac = v.partition(".")
        return {"digits": len(frac) if where == "after" else len(whole)}

    return detail


_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_EUROPEAN = re.compile(r"-?\d{1,3}(?:[.\s\u00a0]\d{3})+,\d+")  # 1.234,50 or 1 234,50
_EUROPEAN_GROUPS = re.compile(r"[.\s\u00a0]")
_SIGNED = re.compile(r"[$€£¥₹]\s?-?[\d.,]+|-?[\d.,]+\s?[$€£¥₹%]")


def _number_hint(value: str) -> Mapping[str, object]:
    v = value.strip()
    if _THOUSANDS.fullmatch(v):
        return {"hint": f"; remove the thousands separators: {v.replace(',', '')}"}
    if _DECIMAL_COMMA.fullmatch(v):
        return {"hint": f"; use '.' as the decimal point: {v.replace(',', '.')}"}
    if _EUROPEAN.fullmatch(v):
        plain = _EUROPEAN_GROUPS.sub("", v).replace(",", ".")
        return {"hint": f"; use '.' as the decimal point and no thousands separator: {plain}"}
    if _SIGNED.fullmatch(v):
        return {"hint": "; remove the currency or percent sign"}
    return {"hint": ""}


def _number_rules(f: FieldSpec, whole: bool) -> list[Rule]:
    limit = f.max_length or 16
    if whole:
        expected = f"a whole number of at most {limit} digits, e.g. {'0012345600012' if limit > 9 else '350'}"
        pattern = r"-?\d+"
    else:
        dec = f.max_decimals
        expected = (
            f"a number with at most {limit} digits before the point and {dec} after, "
            f"e.g. 250000.{'5' * min(dec, 2) if dec else ''}".rstrip(".")
        )
        pattern = _NUMBER
    rules = [
        Rule("scientific-notation", _not_scientific()),
        Rule(
            "invalid-number",
            fullmatch_or_empty(pattern),
            MappingProxyType({"expected": expected}),
            lambda v: {"expected": f"{expected}{_number_hint(v)['hint']}"},
        ),
        Rule(
            "too-many-digits",
            _int_digits_ok(limit),
            MappingProxyType({"limit": limit, "where": " before the decimal point" if not whole else ""}),
            _digits_detail("before"),
        ),
    ]
    if not whole:
        rules.append(
            Rule(
                "too-many-decimals",
                _decimals_ok(f.max_decimals),
                MappingProxyType({"limit": f.max_decimals}),
                _digits_detail("after"),
            )
        )
    return rules


# --- booleans, URLs, record IDs --------------------------------------------------------------------

BOOLEAN = r"(?i:true|false)"


def _boolean_hint(value: str) -> Mapping[str, object]:
    v = value.strip().lower()
    if v in {"1", "yes", "y", "on", "checked", "x"}:
        return {"hint": f"; write true for '{value}'"}
    if v in {"0", "no", "n", "off", "unchecked"}:
        return {"hint": f"; write false for '{value}'"}
    return {"hint": ""}


# Zoho's documented URL pattern (V7IR "Sample Attributes", zoho-rules.md §3.1), as RE2.
URL = (
    r"(?:http://www\.|https://www\.|ftp://www\.|www\.|http://|https://|ftp://|)"
    r"[^\x00-\x19\x22-\x27\x2A-\x2C\x2E-\x2F\x3A-\x3F\x5B-\x5E\x60\x7B\x7D-\x7F]+"
    r"(?:\.[^\x00-\x19\x22\x24-\x2C\x2E-\x2F\x3C\x3E\x40\x5B-\x5E\x60\x7B\x7D-\x7F]+)+"
    r"(?:[/?].*)*"
)
RECORD_ID = r"\d{1,19}"


def record_id_rules() -> list[Rule]:
    """A lookup ``X.id`` cell or an ``id`` key: a record ID (bigint, up to 19 digits; zoho-rules.md §2.4)."""
    return [
        Rule("scientific-notation", _not_scientific()),
        Rule("invalid-record-id", fullmatch_or_empty(RECORD_ID)),
    ]


def required() -> Rule:
    return Rule("required-empty", accept_required, detail=_required_detail)


# --- the table: data_type → rules ------------------------------------------------------------------

RuleFactory = Callable[[FieldSpec], list[Rule]]


def _formula_detail(value: str) -> Mapping[str, object]:
    return {"lead": lead_of(value)}


def formula_rule(exempt: Ok | None = None) -> Rule:
    """A warning where a spreadsheet would run the cell as a formula, unless ``exempt`` (the field's own
    rule) takes the value as data."""

    def ok(arr: pa.Array) -> np.ndarray:
        bad = formula_like(arr)
        if exempt is not None and bad.any():
            at = np.flatnonzero(bad)
            bad[at[exempt(arr.take(pa.array(at)))]] = False
        return ~bad

    return Rule("formula-like", ok, detail=_formula_detail)


def accept_no_formula(arr: pa.Array) -> np.ndarray:
    """Accept test of :func:`formula_rule`: the cell starts with no byte a formula starts with."""
    return ~could_be_formula(arr)


def _and_no_formula(accept: Accept) -> Accept:
    def both(arr: pa.Array) -> np.ndarray:
        return accept(arr) & accept_no_formula(arr)

    return both


def _text(f: FieldSpec) -> list[Rule]:
    return [too_long(f.max_length or 255), formula_rule()]


def _email(f: FieldSpec) -> list[Rule]:
    invalid = Rule(
        "invalid-email", _email_ok, detail=_email_detail, prefetch=_email_prefetch, start=_VERDICTS.start
    )
    return [too_long(f.max_length or 100), invalid]


def _phone(f: FieldSpec) -> list[Rule]:
    return [
        Rule("invalid-phone", fullmatch_or_empty(r"\+?\d+"), detail=_phone_detail),
        too_long(f.max_length or 30),
    ]


def _website(f: FieldSpec) -> list[Rule]:
    return [too_long(f.max_length or 255), Rule("invalid-url", fullmatch_or_empty(URL))]


def _choice_limit(f: FieldSpec) -> int:
    """A picklist cell's character limit: Zoho refuses a value longer than the field's length with
    INVALID_DATA (https://www.zoho.com/crm/developer/docs/api/v8/insert-records.html)."""
    return f.max_length or DEFAULT_LENGTH[f.data_type]


def _picklist(f: FieldSpec) -> list[Rule]:
    # Any value is accepted by Zoho; a new one is added to the org's picklist (K13): a warning.
    rules = [too_long(_choice_limit(f))]
    if f.picklist:
        listed = in_or_empty(f.picklist)
        rules.append(formula_rule(listed))
        rules.append(Rule("new-picklist-value", listed, detail=_picklist_hint(f.picklist)))
    else:
        rules.append(formula_rule())
    return rules


def _multiselect(f: FieldSpec) -> list[Rule]:
    example = ";".join(f.picklist[1:3] if len(f.picklist) > 2 else ("Analytics", "Bigdata"))
    rules = [
        too_long(_choice_limit(f)),
        formula_rule(_multi_ok(f.picklist) if f.picklist else None),
        Rule("empty-picklist-item", _multi_ok(None), MappingProxyType({"example": example})),
    ]
    if f.picklist:
        rules.append(Rule("new-picklist-value", _multi_ok(f.picklist), detail=_multi_hint(f.picklist)))
    return rules


def _date(f: FieldSpec) -> list[Rule]:
    return [
        Rule("invalid-date", fullmatch_or_empty(DATE), detail=_date_hint),
        Rule("impossible-date", _calendar_ok),
    ]


def _datetime(f: FieldSpec) -> list[Rule]:
    return [
        Rule("invalid-datetime", fullmatch_or_empty(DATETIME), detail=_datetime_hint),
        Rule("impossible-date", _calendar_ok),
    ]


def _boolean(f: FieldSpec) -> list[Rule]:
    return [Rule("invalid-boolean", fullmatch_or_empty(BOOLEAN), detail=_boolean_hint)]


RULES: dict[str, RuleFactory] = {
    "text": _text,
    "textarea": _text,
    "autonumber": _text,
    "email": _email,
    "phone": _phone,
    "website": _website,
    "picklist": _picklist,
    "multiselectpicklist": _multiselect,
    "date": _date,
    "datetime": _datetime,
    "integer": lambda f: _number_rules(f, whole=True),
    "bigint": lambda f: _number_rules(f, whole=True),
    "currency": lambda f: _number_rules(f, whole=False),
    "double": lambda f: _number_rules(f, whole=False),
    "percent": lambda f: _number_rules(f, whole=False),
    "boolean": _boolean,
    "lookup": lambda f: record_id_rules(),
    "ownerlookup": lambda f: record_id_rules(),
    # The Layout field takes a layout ID (zoho-rules.md §2.3, default_value of Layout).
    "layout": lambda f: record_id_rules(),
}


def rules_for(f: FieldSpec) -> list[Rule] | None:
    """The rules for a field's values; None when csvprep knows no rule for its data_type."""
    factory = RULES.get(f.data_type)
    return factory(f) if factory is not None else None


# C0 controls but tab, LF and CR; DEL and the C1 controls (U+0085 among them); the bidi embeddings,
# overrides and isolates, which reorder what a person sees; and U+FEFF (a BOM) inside a value.
_CONTROL_RANGES = (
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0xFEFF, 0xFEFF),
)
CONTROL = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in _CONTROL_RANGES) + "]"
"""The control characters as an RE2 class."""
_CONTROL_RE = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _CONTROL_RANGES) + "]"
)


def _control_ok(arr: pa.Array) -> np.ndarray:
    return ~_np(pc.match_substring_regex(arr, CONTROL))


def _control_detail(value: str) -> Mapping[str, object]:
    m = _CONTROL_RE.search(value)
    pos = m.start() + 1 if m else 0
    char = f"U+{ord(m.group()):04X}" if m else "?"
    return {"char": char, "position": pos, "value": value}


def control_rule() -> Rule:
    """Control and bidi characters (tab, CR and LF excepted) have no place in a CRM value."""
    return Rule("control-character", _control_ok, detail=_control_detail)


# --- fast acceptance: one cheap pass that clears most cells of a column ----------------------------
#
# Running every rule on every cell costs one vectorised pass per rule (5 ms per rule per 30k cells).
# Most cells are fine, so each data type also has an *accept* test: a single pass (an anchored RE2
# pattern or a byte length taken from the Arrow offsets) that holds only for cells that pass every one of
# the type's rules. The engine runs the rules, in order, only on the cells the accept test leaves (about
# 1-10%), so each cell still reports exactly the first rule it fails. Accept tests may be stricter than
# the rules (dates on the 29th-31st go to the calendar rule), never looser: a property test holds them
# to that.

Accept = Callable[[pa.Array], np.ndarray]
"""Column (an Arrow string array) → bool array: True where every rule of the type surely passes."""


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)


def byte_lengths(arr: pa.Array) -> np.ndarray:
    """UTF-8 byte length of each cell, from the offsets only."""
    return np.asarray(pc.binary_length(arr).to_numpy(zero_copy_only=False), dtype=np.int64)


def accept_pattern(pattern: str, max_bytes: int | None = None) -> Accept:
    """Cells that are empty or fully match ``pattern`` (RE2) and, if given, hold at most ``max_bytes``.

    A cell of at most ``max_bytes`` bytes has at most that many characters, so the byte bound is a
    sufficient test for a character limit.
    """
    matches = fullmatch_or_empty(pattern)

    def accept(arr: pa.Array) -> np.ndarray:
        ok = matches(arr)
        if max_bytes is not None:
            ok &= byte_lengths(arr) <= max_bytes
        return ok

    return accept


def accept_max_bytes(limit: int) -> Accept:
    def accept(arr: pa.Array) -> np.ndarray:
        return byte_lengths(arr) <= limit

    return accept


def accept_digits(max_digits: int, plus: bool = False) -> Accept:
    """Empty, or 1 to ``max_digits`` ASCII digits (after an optional leading ``+`` when ``plus``).

    ``ascii_is_decimal`` is a tenth of the cost of the equivalent RE2 pattern.
    """

    def accept(arr: pa.Array) -> np.ndarray:
        n = byte_lengths(arr)
        body = arr
        if plus:
            signed = pc.starts_with(arr, "+")
            body = pc.if_else(signed, pc.utf8_slice_codeunits(arr, 1), arr)
        return (_np(pc.ascii_is_decimal(body)) & (n <= max_digits)) | (n == 0)

    return accept


def _accept_email(limit: int) -> Accept:
    def accept(arr: pa.Array) -> np.ndarray:
        return (byte_lengths(arr) <= limit) & _email_sure(arr)

    return accept


def _quote_re2(value: str) -> str | None:
    """A literal for an RE2 pattern (``\\Q...\\E``), or None when the value cannot be quoted so."""
    return None if "\\E" in value else f"\\Q{value}\\E"


def _accept_picklist(f: FieldSpec) -> Accept:
    limit = _choice_limit(f)
    if not f.picklist:
        return _and_no_formula(accept_max_bytes(limit))
    known = in_or_empty(f.picklist)

    def accept(arr: pa.Array) -> np.ndarray:
        return known(arr) & (byte_lengths(arr) <= limit)

    return accept


def _accept_multi(f: FieldSpec) -> Accept | None:
    limit = _choice_limit(f)
    if not f.picklist:
        return _and_no_formula(accept_pattern(r"[^;]+(?:;[^;]+)*", limit))
    items = [_quote_re2(v) for v in f.picklist if v]
    if any(i is None for i in items) or not items:
        return None
    item = "(?:" + "|".join(i for i in items if i) + ")"
    return accept_pattern(f"{item}(?:;{item})*", limit)


# Day 29-31 cells go to the calendar rule; the pattern clears days 01-28 of any month.
_SAFE_DATE = r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])"


def _accept_number(f: FieldSpec, whole: bool) -> Accept:
    limit = f.max_length or 16
    if whole or not f.max_decimals:
        return accept_digits(limit)  # negative numbers go to the rules
    return accept_pattern(rf"-?\d{{1,{limit}}}(?:\.\d{{1,{f.max_decimals}}})?")


ACCEPTS: dict[str, Callable[[FieldSpec], Accept | None]] = {
    "text": lambda f: _and_no_formula(accept_max_bytes(f.max_length or 255)),
    "textarea": lambda f: _and_no_formula(accept_max_bytes(f.max_length or 255)),
    "autonumber": lambda f: _and_no_formula(accept_max_bytes(f.max_length or 255)),
    "email": lambda f: _accept_email(f.max_length or 100),
    "phone": lambda f: accept_digits(f.max_length or 30, plus=True),
    "website": lambda f: accept_pattern(URL, f.max_length or 255),
    "picklist": _accept_picklist,
    "multiselectpicklist": _accept_multi,
    "date": lambda f: accept_pattern(_SAFE_DATE),
    "datetime": lambda f: accept_pattern(rf"{_SAFE_DATE}T{TIME}{OFFSET}"),
    "integer": lambda f: _accept_number(f, whole=True),
    "bigint": lambda f: _accept_number(f, whole=True),
    "currency": lambda f: _accept_number(f, whole=False),
    "double": lambda f: _accept_number(f, whole=False),
    "percent": lambda f: _accept_number(f, whole=False),
    "boolean": lambda f: in_or_empty(("true", "false", "TRUE", "FALSE", "True", "False")),
    "lookup": lambda f: accept_record_id(),
    "ownerlookup": lambda f: accept_record_id(),
}


def accept_for(f: FieldSpec) -> Accept | None:
    """The accept test of a field's type rules (:func:`rules_for`); None when there is none."""
    factory = ACCEPTS.get(f.data_type)
    return factory(f) if factory is not None else None


def accept_record_id() -> Accept:
    """Accept test of :func:`record_id_rules` (``RECORD_ID``: 1 to 19 digits)."""
    return accept_digits(19)


# Any space (\\s, the Unicode separators such as NBSP) and the characters that show as nothing (soft
# hyphen, zero-width spaces and joiners, word joiner, BOM): a mandatory value made only of them is empty.
BLANK = r"^[\s\p{Z}\x{ad}\x{180e}\x{200b}-\x{200d}\x{2060}\x{feff}]*$"
# The first byte of such a value: ASCII whitespace, or the UTF-8 lead byte of U+0080-U+00BF (C2),
# U+1680/U+180E (E1), U+2000-U+2060 (E2), U+3000 (E3) or U+FEFF (EF).
_BLANK_LEADS = np.zeros(256, dtype=bool)
_BLANK_LEADS[[*b"\t\n\x0b\x0c\r ", 0xC2, 0xE1, 0xE2, 0xE3, 0xEF]] = True


def accept_required(arr: pa.Array) -> np.ndarray:
    """Accept test of :func:`required`: the cell holds a visible character.

    Only cells that start with a space or an invisible character's lead byte meet the pattern."""
    offsets, raw = string_bytes(arr)
    ok = np.diff(offsets) > 0
    at = np.flatnonzero(ok)
    at = at[_BLANK_LEADS[raw[offsets[at]]]]
    if len(at):
        ok[at] = ~_np(pc.match_substring_regex(arr.take(pa.array(at)), BLANK))
    return ok


def _required_detail(value: str) -> Mapping[str, object]:
    if not value:
        return {"how": "is empty"}
    seen = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in value))
    return {"how": f"holds only spaces or invisible characters ({seen})", "value": value}


_C0_FREE = bytes(b for b in range(256) if not _CONTROL_RE.fullmatch(chr(b)) or b >= 0x80)
_C2, _E2, _EF = 0xC2, 0xE2, 0xEF


def _between(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return (x >= lo) & (x <= hi)


def _has_wide_control(raw: np.ndarray) -> bool:
    """Whether valid UTF-8 holds U+0080-U+009F (C2 80-9F), U+202A-U+202E (E2 80 AA-AE), U+2066-U+2069
    (E2 81 A6-A9) or U+FEFF (EF BB BF): only the lead bytes' neighbours are looked at."""
    c2 = np.flatnonzero(raw[:-1] == _C2)
    if len(c2) and _between(raw[c2 + 1], 0x80, 0x9F).any():
        return True
    e2 = np.flatnonzero(raw[:-2] == _E2)
    if len(e2):
        b1, b2 = raw[e2 + 1], raw[e2 + 2]
        if (((b1 == 0x80) & _between(b2, 0xAA, 0xAE)) | ((b1 == 0x81) & _between(b2, 0xA6, 0xA9))).any():
            return True
    ef = np.flatnonzero(raw[:-2] == _EF)
    return bool(len(ef)) and bool(((raw[ef + 1] == 0xBB) & (raw[ef + 2] == 0xBF)).any())


def has_control(arr: pa.Array) -> bool:
    """Whether any cell holds a control character (one pass over the column's bytes)."""
    _, raw = string_bytes(arr)
    # Most columns hold no byte below 0x20 at all; only those that do (line breaks, tabs) are scanned.
    if ((raw < 0x20).any() or (raw == 0x7F).any()) and raw.tobytes().translate(None, _C0_FREE):
        return True
    # ASCII columns are settled by one more pass; others are looked at around their lead bytes.
    if not (raw >= _C2).any():
        return False
    return _has_wide_control(raw)
