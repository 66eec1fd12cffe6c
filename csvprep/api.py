"""The library's front door: ``check`` a file or a DataFrame and get a report.

A thin layer over the engine, so that the CLI, pack and a data pipeline run the same code path::

    import csvprep
    report = csvprep.check("contacts.csv", module="Contacts")
    if not report.ok:
        for issue in report.issues:
            print(issue.row, issue.column, issue.code, issue.message)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from csvprep.arguments import check_arguments
from csvprep.engine import Run, plan
from csvprep.engine.formats import detect_formats
from csvprep.engine.twin import export_schema
from csvprep.errors import UsageError
from csvprep.judging import BatchLoop, run_source
from csvprep.options import DeclaredFormat, Formats, Job, Operation, Progress, Source
from csvprep.packer.jobspec import column_sets
from csvprep.packer.rowsize import RowSizer
from csvprep.reader import ReadOptions, Table, is_dataframe, open_table
from csvprep.report import IssueSink, Report, ReportBuilder
from csvprep.rules import EmailJudge
from csvprep.schema import ModuleSchema

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pandera

__all__ = ["Progress", "Source", "check", "check_job", "check_table", "make_job", "run_source", "to_pandera"]


make_job = Job.resolve
"""The job an upload will run, from ``check``'s keywords (see :meth:`Job.resolve`)."""


def check(
    source: Source,
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
    tz: str | None = None,
    date_format: DeclaredFormat = None,
    datetime_format: DeclaredFormat = None,
    detect_formats: bool = False,
    keep: int | None = None,
    sinks: Sequence[IssueSink] = (),
    progress: Progress | None = None,
) -> Report:
    """Check a CSV file (or a workbook, a DataFrame, an Arrow table, a binary file object) against a
    module's fields, as Zoho's Bulk Write would.

    A typed source's values are judged as the text Zoho would receive (:mod:`csvprep.reader.values`);
    ``tz`` (``+05:30``) is the UTC offset of its naive date-times.

    ``module`` names a shipped schema (Leads, Contacts, ...); ``schema`` is the path of the org's own
    fields JSON (then ``module`` names the module for the job); ``layout`` the org's saved
    ``GET /crm/v8/settings/layouts?module=X`` response, whose default layout's required fields an insert
    must carry. ``date_format`` / ``datetime_format`` declare the pattern of date and date-time columns
    (one of Zoho's, e.g. ``"dd/MM/yyyy"`` for every such column, or ``{"Birthdate": "dd/MM/yyyy"}``);
    ``detect_formats`` lets csvprep find the one pattern a column's cells fit (see the README). ``keep``
    caps the issues kept in the report (None keeps all; the summary always counts all); ``sinks`` receive
    every issue as it is found.
    Raises :class:`csvprep.CsvprepError` only when the check cannot run (a wrong argument included).
    """
    check_arguments(locals())
    formats = Formats.of(date_format, datetime_format, detect_formats)
    job = make_job(module, schema, operation, find_by, ignore_empty, layout, formats)
    read = ReadOptions(encoding, delimiter, sheet, tz)
    return check_job(source, job, read, keep=keep, sinks=sinks, progress=progress)


def check_job(
    source: Source,
    job: Job,
    read: ReadOptions,
    *,
    keep: int | None = None,
    sinks: Sequence[IssueSink] = (),
    progress: Progress | None = None,
) -> Report:
    """:func:`check` with its options as values (the command line's route)."""
    table = open_table(source, read)
    index = source.index if is_dataframe(source) else None  # labels the report's rows, not the frame
    return check_table(table, job, keep=keep, sinks=sinks, progress=progress, index=index)


def check_table(
    table: Table,
    job: Job,
    *,
    keep: int | None = None,
    sinks: Sequence[IssueSink] = (),
    progress: Progress | None = None,
    index: pd.Index | None = None,
) -> Report:
    """Check an opened table against a job; ``index`` labels its rows (a DataFrame's index)."""
    p = detect_formats(plan(table.header, job, EmailJudge()), table)  # the run closes the judge
    builder = ReportBuilder(keep=keep, sinks=sinks)
    builder.add_file_issues(p.file_issues)
    # Rows no batch can hold are judged with Zoho's limits, which are pack's defaults (packer.rowsize).
    sizer = None if p.blocked else RowSizer(p, column_sets(p))
    with Run(table, p) as run:
        loop = BatchLoop(run, builder, sizer, progress, goods=False)
        loop.judge_all()
    return builder.finish(loop.rows, run_source(table, job, p.notes, p), index)


def to_pandera(
    schema: ModuleSchema,
    operation: Operation = "insert",
    header: Sequence[str] | None = None,
    *,
    find_by: str | None = None,
    ignore_empty: bool = False,
) -> pandera.DataFrameSchema:
    """A pandera ``DataFrameSchema`` that gives ``check``'s cell verdicts on frames of text.

    ``header``: the frame's columns (lookups as ``Field.id``, ``Field.email``...); None: every column of
    ``schema.template(operation)``. The columns the job needs (mandatory fields, the key) are required,
    the others optional; a column the job cannot take fails as not in the schema (``strict``). Each rule
    is a ``Check`` named by its issue code and a cell fails only the first rule it breaks, as in
    ``check``; warnings (``new-picklist-value``, ``formula-like``...) are pandera warnings; repeated keys
    and values of unique fields are checks too (the later occurrences, empty cells and case as ``check``
    treats them). Null cells are empty. What pandera is not given: :mod:`csvprep.engine.twin`.
    """
    if not isinstance(schema, ModuleSchema):
        raise UsageError(f"schema must be a ModuleSchema (csvprep.load_schema), not {type(schema).__name__}")
    return export_schema(schema, operation, header, find_by, ignore_empty)
