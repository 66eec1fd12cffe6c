"""Exceptions for misuse: csvprep raises only when it cannot run; problems in the data are issues."""

from __future__ import annotations


class CsvprepError(Exception):
    """csvprep could not run (exit code 2): bad usage, an unreadable file, a broken schema."""


class SchemaError(CsvprepError):
    """The field metadata is missing, unreadable or not a Zoho fields response."""


class InputError(CsvprepError):
    """The input file cannot be read as a table."""


class UsageError(CsvprepError):
    """The options do not fit together (for example find_by= naming a field that does not exist)."""


class OutputError(CsvprepError):
    """An output cannot be written or put in place (a full disk, a read-only directory, a lost race)."""
