"""The end of each command's ``--help``: examples and the exit codes (``\\b``: click keeps the lines)."""

from __future__ import annotations

CANNOT_RUN = "  2      could not run: bad usage, unreadable input or schema, an output not writable"
STOPPED = "  128+N  stopped by signal N (SIGTERM 143, SIGHUP 129); what it had begun writing is removed"


def ending(examples: list[str], codes: list[str]) -> str:
    """A command's epilog: its examples, then its exit codes (tests/test_schema_cli.py holds every command
    to it)."""
    return "\n\n".join(
        [
            "\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples),
            "\b\nExit codes:\n" + "\n".join(codes),
        ]
    )


CHECK = ending(
    [
        "csvprep check contacts.csv --module Contacts",
        "csvprep check contacts.csv --module Contacts --format json --out report.json",
        "csvprep check leads.xlsx --schema org_fields.json --module Leads -o upsert --find-by Email",
    ],
    [
        "  0      no errors (warnings allowed)",
        "  1      errors found: Zoho would refuse rows or the whole job",
        CANNOT_RUN,
        STOPPED,
    ],
)
FIX = ending(
    [
        "csvprep fix contacts.csv --module Contacts --out fixed.csv --date-order DMY",
        "csvprep fix leads.xlsx --module Leads --out fixed.csv --tz +01:00 --dry-run",
        "csvprep fix export.csv --module Deals --out fixed.csv --only numbers,currency --decimal-comma",
    ],
    [
        "  0      no error remains in the fixed data (warnings allowed)",
        "  1      errors remain: the summary counts them; check the fixed file for each",
        CANNOT_RUN,
        STOPPED,
    ],
)
PACK = ending(
    [
        "csvprep pack contacts.csv --module Contacts --out batches",
        "csvprep pack batches/rejects.csv --module Contacts --out batches-fixed",
    ],
    [
        "  0      every row packed",
        "  1      some rows rejected (see rejects.csv), or a file-level error: no batch written",
        CANNOT_RUN,
        STOPPED,
    ],
)
RESULTS = ending(
    ["csvprep results batches downloads/ --out batches-results"],
    [
        "  0      every row in was added or updated",
        "  1      some were not: rejected, failed, no result or not matched",
        CANNOT_RUN,
    ],
)
CODES = ending(["csvprep codes"], ["  0      always"])
SCHEMA_LIST = ending(["csvprep schema list"], ["  0      always"])
SCHEMA_SHOW = ending(
    ["csvprep schema show Contacts", "csvprep schema show org_fields.json --format json"],
    ["  0      the fields were listed", CANNOT_RUN],
)
SCHEMA_TEMPLATE = ending(
    [
        "csvprep schema template Leads --out leads.csv",
        "csvprep schema template Contacts -o update",
        "csvprep schema template org_fields.json -o upsert --find-by Email --out upsert.csv",
    ],
    ["  0      the template was written", CANNOT_RUN],
)
