"""The registry of issue codes: one place for every code csvprep can report.

Each code is stable (tools and CI scripts may match on it), has a title, a severity, a message template and
the Zoho Bulk Write code it prevents, a key of the one table of Zoho's codes,
:data:`csvprep.zoho_codes.ZOHO_CODES` (row codes such as DUPLICATE_DATA, request codes such as
HEADER_LIMIT_EXCEEDED; each with its public source). The README's table of codes is generated from here
(``python -m csvprep.codes``) and a test keeps the two equal.

Message templates are ``str.format`` templates. Every template may use ``{column}`` and ``{value}``; rules
add their own fields (``{limit}``, ``{length}``, ``{expected}``, ``{hint}``...).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from enum import StrEnum

from csvprep.clip import clip
from csvprep.zoho_codes import NONE, ZOHO_CODES


class Severity(StrEnum):
    """How bad an issue is: an ``error`` rejects the row (or the file); a ``warning`` does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    """One registered issue code."""

    code: str
    title: str
    severity: Severity
    template: str
    zoho: str
    """The Zoho result or request code the issue would cause at upload: a key of
    :data:`~csvprep.zoho_codes.ZOHO_CODES`, or ``-`` when none."""
    file_level: bool = False
    """True when the issue is about the file or its header rather than a cell."""
    fields: frozenset[str] = field(init=False, repr=False, compare=False)
    """The names the template uses."""

    def __post_init__(self) -> None:
        names = {name for _, name, _, _ in string.Formatter().parse(self.template) if name}
        object.__setattr__(self, "fields", frozenset(names))
        if self.zoho != NONE and self.zoho not in ZOHO_CODES:
            raise ValueError(f"{self.code}: {self.zoho} is not in csvprep.zoho_codes.ZOHO_CODES")

    def render(self, **fields: object) -> str:
        """The message for one occurrence (each text field cut to :data:`csvprep.clip.MAX_ECHO`)."""
        return self.template.format(**{k: clip(v) if isinstance(v, str) else v for k, v in fields.items()})


E, W = Severity.ERROR, Severity.WARNING

_ALL: tuple[Code, ...] = (
    # --- file and header level -------------------------------------------------------------------
    Code(
        "unknown-column",
        "Unknown column",
        E,
        "column '{column}' is not a field of {module}{hint}",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "duplicate-column",
        "Duplicate column",
        E,
        "column '{column}' appears more than once (positions {positions}); Zoho maps each field once",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "blank-column",
        "Blank column name",
        E,
        "column {position} has no name; every header cell must be a field API name",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "read-only-column",
        "Read-only column",
        E,
        "column '{column}' is read-only in {module} ({why}); Zoho cannot {operation} it. Remove the column",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "unsupported-column",
        "Column type a single CSV cannot hold",
        E,
        "column '{column}' is a {data_type} field: {why}",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "lookup-needs-field",
        "Lookup column without a field",
        E,
        "column '{column}' is a lookup to {target}: name it '{column}.id' for record IDs, or "
        "'{column}.<field>' to match on a unique field of {target}",
        "INVALID_FIELD",
        file_level=True,
    ),
    Code(
        "too-many-columns",
        "More than 200 columns",
        E,
        "the file has {count} columns; a Bulk Write job takes at most {limit}",
        "HEADER_LIMIT_EXCEEDED",
        file_level=True,
    ),
    Code(
        "columns-will-split",
        "More than 200 columns: split into several jobs",
        W,
        "the file has {count} columns; a Bulk Write job takes at most {limit}, so pack splits the columns "
        "into several jobs that each repeat the key column",
        "HEADER_LIMIT_EXCEEDED",
        file_level=True,
    ),
    Code(
        "mandatory-column-missing",
        "Mandatory field not in the file",
        E,
        "{module} needs '{column}' for {operation}, and the file has no such column",
        "MANDATORY_NOT_FOUND",
        file_level=True,
    ),
    Code(
        "upsert-mandatory-missing",
        "Mandatory field missing for upserted inserts",
        W,
        "'{column}' is mandatory in {module}: rows that upsert inserts as new records will fail without it",
        "MANDATORY_NOT_FOUND",
        file_level=True,
    ),
    Code(
        "key-column-missing",
        "No key column for update",
        E,
        "{operation} needs the key column '{column}' to find each record; add it or pass find_by=",
        "MANDATORY_NOT_FOUND",
        file_level=True,
    ),
    Code(
        "find-by-not-unique",
        "find_by field is not unique",
        E,
        "'{column}' cannot be the find_by field: it is not a unique field in {module} "
        "(use id or one of: {choices})",
        "INVALID_DATA",
        file_level=True,
    ),
    Code(
        "find-by-unverified",
        "find_by field may not be unique in the org",
        W,
        "'{column}' is not unique in csvprep's shipped {module} schema, but an org can make it unique "
        '("Do not allow duplicate values"); Zoho refuses the job if yours has not: check the field in '
        "Setup, or check with the org's fields JSON as the schema, whose 'unique' decides",
        "INVALID_DATA",
        file_level=True,
    ),
    Code(
        "layout-column-missing",
        "Layout-mandatory field not in the file",
        E,
        "the {layout} layout of {module} requires '{column}' ({source}) and the file has no such column: "
        "Zoho refuses the whole job",
        "MANDATORY_FIELDS_NOT_MAPPED",
        file_level=True,
    ),
    Code(
        "layout-column-maybe",
        "Field the standard layout may require",
        W,
        "'{column}' may be required by the {layout} layout of {module} in your org ({source}); if it is, "
        "Zoho refuses the job without it: add the column, or check with the org's layouts response",
        "MANDATORY_FIELDS_NOT_MAPPED",
        file_level=True,
    ),
    Code(
        "custom-layout-column-missing",
        "Field only a custom layout requires",
        W,
        "'{column}' is required in the custom layout '{layout}', not in the default layout '{default}': bulk "
        "insert puts records without a Layout in the default layout and ignores custom-layout mandatory "
        "fields, so the job runs, but records moved to '{layout}' later will lack it",
        "-",
        file_level=True,
    ),
    Code(
        "unknown-data-type",
        "Unknown data type",
        W,
        "column '{column}' has data type '{data_type}', which csvprep has no rule for; its values are not "
        "checked",
        "-",
        file_level=True,
    ),
    # --- row level ---------------------------------------------------------------------------------
    Code(
        "required-empty",
        "Mandatory value missing",
        E,
        "'{column}' is mandatory for {operation} and this cell {how}",
        "MANDATORY_NOT_FOUND",
    ),
    Code(
        "too-long",
        "Value too long",
        E,
        "{length} characters; '{column}' takes at most {limit}",
        "INVALID_DATA",
    ),
    Code(
        "invalid-email",
        "Invalid email",
        E,
        "not a valid email address ({reason}); expected e.g. jane.doe@example.com",
        "INVALID_DATA",
    ),
    Code(
        "invalid-phone",
        "Invalid phone",
        E,
        "a phone takes digits and an optional leading '+' only, e.g. +919876543210{hint}",
        "INVALID_DATA",
    ),
    Code(
        "new-picklist-value",
        "Value not in the picklist",
        W,
        "'{value}' is not in the picklist of '{column}'; Zoho will add it as a new value{hint}",
        "-",
    ),
    Code(
        "empty-picklist-item",
        "Empty item in a multi-select value",
        W,
        "the value has an empty item between ';' separators; expected e.g. {example}",
        "-",
    ),
    Code(
        "invalid-date",
        "Invalid date",
        E,
        "expected a date as {pattern}{how}, e.g. {example}{hint}",
        "INVALID_DATA",
    ),
    Code(
        "impossible-date",
        "No such calendar date",
        E,
        "'{value}' has the right shape but is not a real calendar date",
        "INVALID_DATA",
    ),
    Code(
        "invalid-datetime",
        "Invalid date-time",
        E,
        "expected {pattern}{how}, e.g. {example}{hint}",
        "INVALID_DATA",
    ),
    Code("invalid-number", "Not a number", E, "expected {expected}", "INVALID_DATA"),
    Code(
        "too-many-digits",
        "Too many digits",
        E,
        "{digits} digits{where}; '{column}' takes at most {limit}",
        "INVALID_DATA",
    ),
    Code(
        "too-many-decimals",
        "Too many decimal places",
        E,
        "{digits} decimal places; '{column}' takes at most {limit}",
        "INVALID_DATA",
    ),
    Code(
        "scientific-notation",
        "Number in scientific notation",
        E,
        "'{value}' is scientific notation, as Excel shows long numbers: Excel keeps 15 digits, so the "
        "rest are lost (a 0-decimal number format would show a wrong ID ending in zeros). Format the "
        "column as Text and paste the values again from their source",
        "INVALID_DATA",
    ),
    Code("invalid-boolean", "Not true or false", E, "a checkbox takes true or false{hint}", "INVALID_DATA"),
    Code(
        "invalid-url",
        "Invalid URL",
        E,
        "not a URL Zoho accepts; expected e.g. https://www.zylker.com or zylker.com/about",
        "INVALID_DATA",
    ),
    Code(
        "invalid-record-id",
        "Invalid record ID",
        E,
        "a record ID is 1 to 19 digits, e.g. 4150868000001136302",
        "INVALID_DATA",
    ),
    Code(
        "duplicate-value",
        "Duplicate of a unique field",
        E,
        "'{column}' is unique in {module} and row {first_row} already has this value{case}",
        "DUPLICATE_DATA",
    ),
    Code(
        "empty-key",
        "Empty key",
        E,
        "'{column}' is the key that finds the record to {operation}, and it is empty",
        "MANDATORY_NOT_FOUND",
    ),
    Code(
        "duplicate-key",
        "Duplicate key",
        E,
        "row {first_row} has the same '{column}' key; one job cannot {operation} the same record twice",
        "DUPLICATE_DATA",
    ),
    Code(
        "control-character",
        "Control character in a cell",
        E,
        "the cell contains the control character {char} at position {position}; remove it",
        "INVALID_DATA",
    ),
    Code(
        "formula-like",
        "Cell a spreadsheet would run as a formula",
        W,
        "the cell starts with {lead}, so a spreadsheet opening the file would run it as a formula (CSV "
        "injection). Zoho stores it as text; rejects.csv writes it with a ' in front, which pack takes off",
        "-",
    ),
    Code(
        "row-too-large",
        "Row too large for any batch",
        E,
        "this row alone with the header is over {limit}: no Bulk Write job can take it; shorten its "
        "values (or write it with the Records API)",
        "FILE_TOO_LARGE",
    ),
    Code(
        "field-count",
        "Wrong number of fields",
        E,
        "the row has {actual} fields but the header has {expected}; a stray delimiter or quote shifts "
        "every later column",
        "INVALID_DATA",
    ),
    Code(
        "unclosed-quote",
        "Unclosed quote",
        E,
        'a quoted field opens on this row and {how}. Write a quote inside a quoted field as two (""); '
        "the row is set aside and reading goes on with the next line",
        "INVALID_DATA",
    ),
    # --- typed inputs (DataFrames, Arrow tables): values with no Zoho text ------------------------------
    Code(
        "float-digits-lost",
        "Whole number past float64's exact digits",
        E,
        "a whole number in a {what} column at or past 2**53: floating point does not keep every digit of "
        "it, so its last digits may be lost already (IDs in a column with missing values become float64). "
        "Read the column as text or as a nullable integer (dtype 'string' or 'Int64') from its source",
        "INVALID_DATA",
    ),
    Code(
        "date-has-time",
        "Date with a time of day",
        E,
        "a date field takes a day, and this date-time has a time of day: keep only the date (after "
        "choosing which day it is in your time zone), or map the column to a date-time field",
        "INVALID_DATA",
    ),
    Code(
        "naive-datetime",
        "Date-time without a time zone",
        E,
        "a date-time without a time zone (Excel keeps none; a naive timestamp has none): Zoho needs the "
        "UTC offset. Pass tz='+05:30' (your offset), or localize the column (Series.dt.tz_localize)",
        "INVALID_DATA",
    ),
    Code(
        "unconvertible-value",
        "Value with no Zoho text",
        E,
        "{what} has no text Zoho takes in this column{hint}",
        "INVALID_DATA",
    ),
)

REGISTRY: dict[str, Code] = {c.code: c for c in _ALL}


def get(code: str) -> Code:
    """The registered code; KeyError for an unknown one (a programming error)."""
    return REGISTRY[code]


def markdown_table() -> str:
    """The README's table of codes, generated from the registry."""
    lines = [
        "| code | severity | level | prevents | what it means |",
        "|---|---|---|---|---|",
    ]
    for c in _ALL:
        level = "file" if c.file_level else "cell"
        lines.append(f"| `{c.code}` | {c.severity} | {level} | {c.zoho} | {c.title} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
