"""``fix``: repair the cells ``check`` rejects for their form only — loose dates, ``Yes``, spaced phones,
``1,234.50``, stray spaces, a picklist value in the wrong case — and write the fixed file and a log of
every change. By concern: the rules' registry (:mod:`.registry`), one function per rule
(:mod:`.repairs`), a batch's repairs (:mod:`.cells`), the changes log (:mod:`.changes`), the fixed file
(:mod:`.rewrite`) and the streaming driver (:mod:`.driver`)::

    import csvprep
    result = csvprep.fix("contacts.csv", "fixed.csv", module="Contacts", date_order="DMY")
    print(result.changes, result.left, result.errors)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from csvprep.api import make_job
from csvprep.arguments import check_arguments
from csvprep.errors import UsageError
from csvprep.fixer.changes import log_path, read_log
from csvprep.fixer.driver import FixResult, fix_job
from csvprep.fixer.registry import LEFT, RULES, markdown_table
from csvprep.options import DateOrder, FixOptions, Operation, Progress, Source
from csvprep.reader import ReadOptions
from csvprep.report import IssueSink
from csvprep.schema import ModuleSchema

__all__ = ["LEFT", "RULES", "FixResult", "fix", "fix_job", "log_path", "markdown_table", "read_log"]


def fix(
    source: Source,
    out: str | os.PathLike[str],
    *,
    module: str | None = None,
    schema: str | os.PathLike[str] | ModuleSchema | None = None,
    operation: Operation = "insert",
    find_by: str | None = None,
    ignore_empty: bool = False,
    layout: str | os.PathLike[str] | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    date_order: DateOrder | None = None,
    tz: str | None = None,
    only: Sequence[str] | None = None,
    decimal_comma: bool = False,
    dry_run: bool = False,
    keep: int | None = None,
    sinks: Sequence[IssueSink] = (),
    progress: Progress | None = None,
) -> FixResult:
    """Repair the bad cells of a CSV file (a workbook, a DataFrame) that a rule of
    :data:`csvprep.fixer.RULES` can, write the fixed file to ``out`` and every change to
    ``out``'s ``.changes.csv`` (only the log when ``dry_run``).

    Only cells ``check`` reports are touched, and a repair is kept only if it passes every rule of its
    column. ``date_order`` ('DMY', 'MDY', 'YMD') decides dates both orders fit; ``tz`` ('+05:30') is
    the offset of date-times written without one; ``only`` names the rules to run; ``decimal_comma``
    reads ``1.234,50``. ``keep``, ``sinks`` and ``progress`` are :func:`csvprep.check`'s, for the
    report of what remains. Raises :class:`csvprep.CsvprepError` only when it cannot run.
    """
    check_arguments(locals())
    if not isinstance(out, (str, os.PathLike)):
        raise UsageError(f"out must be a file path (str or os.PathLike), not {type(out).__name__}")
    for name in ("decimal_comma", "dry_run"):
        if not isinstance(locals()[name], bool):
            raise UsageError(f"{name} must be True or False, not {type(locals()[name]).__name__}")
    if isinstance(only, str) or (only is not None and not all(isinstance(n, str) for n in only)):
        raise UsageError("only must be a list of rule names (str), e.g. ['dates', 'phones']")
    options = FixOptions(date_order, tz, tuple(only) if only is not None else None, decimal_comma)
    job = make_job(module, schema, operation, find_by, ignore_empty, layout)
    return fix_job(
        source,
        out,
        job,
        ReadOptions(encoding, delimiter, sheet),
        options,
        dry_run=dry_run,
        keep=keep,
        sinks=sinks,
        progress=progress,
        job_files=[schema if isinstance(schema, (str, os.PathLike)) else None, layout],
    )
