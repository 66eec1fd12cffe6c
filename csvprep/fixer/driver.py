"""The streaming driver of ``fix``: each batch is repaired (:mod:`.cells`) on its way into the engine, which
then judges the repaired batch as ``check`` would; the changes go to the log as they are made, and the
fixed file is written (:mod:`.rewrite`) once the log is complete. Memory stays that of ``check``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import IO, BinaryIO

from csvprep.api import run_source
from csvprep.engine import Run, plan
from csvprep.errors import UsageError
from csvprep.fixer.cells import BatchFixer
from csvprep.fixer.changes import ChangeLog, log_path
from csvprep.fixer.registry import check_names
from csvprep.fixer.rewrite import CellsWriter, rewrite_csv
from csvprep.judging import BatchLoop
from csvprep.options import FixOptions, Job, Progress, Source
from csvprep.output.outfile import refuse_same_file, report_file, same_file, stat_or_none
from csvprep.packer.jobspec import column_sets
from csvprep.packer.rowsize import RowSizer
from csvprep.reader import Batch, ReadOptions, Table, open_table
from csvprep.report import IssueSink, Report, ReportBuilder
from csvprep.rules import EmailJudge

UTF8 = ("utf-8", "utf-8-sig")


@dataclass(frozen=True, slots=True)
class FixResult:
    """What ``fix`` did: changes per rule, bad cells left per reason (:data:`csvprep.fixer.LEFT`), and the
    check report of the fixed data (the errors that remain)."""

    changes: Mapping[str, int]
    left: Mapping[str, int]
    report: Report
    output: Path | None
    """The fixed file; None on a dry run."""
    log: Path

    @property
    def changed(self) -> int:
        """Cells changed in all."""
        return sum(self.changes.values())

    @property
    def errors(self) -> int:
        """Errors that remain in the fixed data."""
        return self.report.summary.errors

    @property
    def exit_code(self) -> int:
        """0 when no error remains, 1 when some do."""
        return 0 if self.errors == 0 else 1


def _verbatim(source: Source, table: Table) -> Path | None:
    """The input file when it can be copied byte for byte (a UTF-8 CSV file, not a pipe), else None."""
    if isinstance(source, (str, os.PathLike)) and table.encoding in UTF8 and table.sha256 is None:
        return Path(source)
    return None


def _delimiter(table: Table) -> str:
    """The input's delimiter, or a comma for a workbook or a DataFrame (which have none)."""
    return table.delimiter if len(table.delimiter) == 1 and table.delimiter != "-" else ","


def _refuse_overwrite(source: Source, job_files: Sequence[object], out: Path, log: Path) -> None:
    inputs = [source if isinstance(source, (str, os.PathLike)) else None, *job_files]
    files = [p for p in inputs if isinstance(p, (str, os.PathLike))]
    refuse_same_file(out, files, "out=")
    refuse_same_file(log, [*files, out], "the changes log")
    if out == log or same_file(stat_or_none(out), stat_or_none(log)):
        raise UsageError(f"out={out} is its own changes log: name the fixed file *.csv")


def _fixed(
    batches: Iterator[Batch], fixer: BatchFixer, log: ChangeLog, cells: CellsWriter | None
) -> Iterator[Batch]:
    """The batches, repaired, with their changes logged (and, from cells, written) as they pass."""
    try:
        for batch in batches:
            fixed, changes = fixer.fix(batch)
            if changes:
                log.write(changes)
            if cells is not None:
                cells.write(fixed)
            yield fixed
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def fix_job(
    source: Source,
    out: str | os.PathLike[str],
    job: Job,
    read: ReadOptions,
    options: FixOptions,
    *,
    dry_run: bool = False,
    keep: int | None = None,
    sinks: Sequence[IssueSink] = (),
    progress: Progress | None = None,
    job_files: Sequence[object] = (),
) -> FixResult:
    """:func:`csvprep.fix` with its options as values (the command line's route). ``job_files``: the
    schema and layout files, which ``out`` must not be either."""
    check_names(options.only)
    out = Path(out)
    log = log_path(out)
    _refuse_overwrite(source, job_files, out, log)
    table = open_table(source, read)
    with contextlib.ExitStack() as stack:
        stack.callback(table.close)  # when the run does not get to close it
        p = plan(table.header, job, EmailJudge())  # the run closes it
        fixer = BatchFixer(p, options)
        stack.callback(fixer.close)
        original = _verbatim(source, table)
        builder = ReportBuilder(keep=keep, sinks=sinks)
        builder.add_file_issues(p.file_issues)
        # Rows no batch can hold are judged with Zoho's limits, as check judges them (packer.rowsize).
        sizer = None if p.blocked else RowSizer(p, column_sets(p))
        fixed_out: IO[str] | None = None if dry_run else stack.enter_context(report_file(out))
        spill = fixed_out is not None and original is not None
        changes = ChangeLog(stack.enter_context(report_file(log)), spill)
        stack.callback(changes.close)
        cells = None
        if fixed_out is not None and original is None:
            cells = CellsWriter(fixed_out, table.header, _delimiter(table))
        fixing = replace(table, batches=_fixed(table.batches, fixer, changes, cells))
        with Run(fixing, p) as run:
            loop = BatchLoop(run, builder, sizer, progress, goods=False)
            loop.judge_all()
        if fixed_out is not None and original is not None:
            fixed_out.flush()
            binary: BinaryIO = fixed_out.buffer  # type: ignore[attr-defined]
            rewrite_csv(original, binary, changes.replay(), table.delimiter, len(table.header))
    report = builder.finish(loop.rows, run_source(table, job))
    return FixResult(
        MappingProxyType(dict(fixer.tally.changes)),
        MappingProxyType(dict(fixer.tally.left)),
        report,
        None if dry_run else out,
        log,
    )
