"""One line for every failure: library errors get the command's flag names, exit code 2."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec

import click

from csvprep.errors import CsvprepError
from csvprep.output.outfile import describe_os_error
from csvprep.printable import printable

EXIT_FAILED = 2
P = ParamSpec("P")

# The library names its parameters (``find_by=``); the command says which flag sets each.
FLAGS = {
    "module": "--module",
    "schema": "--schema",
    "layout": "--layout",
    "operation": "--operation",
    "find_by": "--find-by",
    "ignore_empty": "--ignore-empty",
    "encoding": "--encoding",
    "delimiter": "--delimiter",
    "sheet": "--sheet",
    "out_dir": "--out",
    "max_rows": "--max-rows",
    "max_zip_bytes": "--max-zip-bytes",
    "max_csv_bytes": "--max-csv-bytes",
    "compression": "--compression",
    "force": "--force",
    "date_format": "--date-format",
    "datetime_format": "--datetime-format",
    "detect_formats": "--detect-formats",
    "out": "--out",
    "date_order": "--date-order",
    "tz": "--tz",
    "only": "--only",
    "decimal_comma": "--decimal-comma",
    "dry_run": "--dry-run",
}
_PARAM = re.compile(r"\b(" + "|".join(FLAGS) + r")=(True\b)?(?=(\S?))")
# Notes and the date-pattern errors name these options as words ("declare it with date_format").
_WORDS = re.compile(r"\b(date_format|datetime_format|detect_formats)\b(?!=)")


def with_flags(message: str) -> str:
    """``find_by='x'`` → ``--find-by 'x'``, ``force=True`` → ``--force``, ``schema=)`` → ``--schema)``."""

    def flag(m: re.Match[str]) -> str:
        value_follows = not m.group(2) and m.group(3) not in ("", ")", ",", ";", ".")
        return FLAGS[m.group(1)] + (" " if value_follows else "")

    return _WORDS.sub(lambda m: FLAGS[m.group(1)], _PARAM.sub(flag, message))


def fail(message: str) -> int:
    """Say why the command could not run, in one line; the exit code."""
    click.echo(f"csvprep: error: {printable(message)}", err=True)
    return EXIT_FAILED


def os_error_line(e: OSError) -> str:
    """An OSError as one line: the file it names, or the standard output it could not write."""
    if e.filename is not None:
        return f"{describe_os_error(e)}: {e.filename}"
    return f"cannot write to standard output: {describe_os_error(e)}"


def one_line(command: Callable[P, int]) -> Callable[P, None]:
    """Run a command and exit with its code; a library error or an OSError becomes one line and code 2.

    A closed pipe is left to the entry point, which ends quietly.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            code = command(*args, **kwargs)
        except BrokenPipeError:
            raise
        except CsvprepError as e:
            code = fail(with_flags(str(e)))
        except OSError as e:
            code = fail(os_error_line(e))
        click.get_current_context().exit(code)

    return wrapper
