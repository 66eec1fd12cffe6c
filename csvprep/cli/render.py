"""What the command shows people: progress on a terminal, the table report, the pack summary."""

from __future__ import annotations

import os
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any, cast

import click

from csvprep.cli.failures import with_flags
from csvprep.fixer import FixResult
from csvprep.options import Progress
from csvprep.packer.pack import PackResult
from csvprep.printable import printable
from csvprep.report import IssueSink, Report
from csvprep.report.files import CsvWriter, JsonWriter


def progress(quiet: bool, file: Path, label: str) -> AbstractContextManager[Progress | None]:
    """The progress bar on a terminal (rich is imported only then), else no callback."""
    if quiet or not sys.stderr.isatty():
        return nullcontext(None)
    from csvprep.cli.terminal import progress_bar

    bar = progress_bar(file.stat().st_size if file.is_file() else None, label)
    return cast(AbstractContextManager[Progress | None], bar)


def report_sinks(out: IO[str], fmt: str) -> list[IssueSink]:
    """The writers of a json or csv report (a table is rendered at the end instead)."""
    if fmt == "json":
        return [JsonWriter(getattr(out, "buffer", out))]  # the bytes, when out has them
    if fmt == "csv":
        return [CsvWriter(out)]
    return []


def report_table(report: Report, out: IO[str], to_file: bool) -> None:
    """The table report for people (rich is imported only for it)."""
    from rich.console import Console

    from csvprep.cli.terminal import render_report

    render_report(report, Console(file=out, soft_wrap=False) if to_file else Console())


def pack_summary(file: Path, result: PackResult) -> None:
    """What pack did: the file-level issues, the counts and where the output went."""
    t = result.totals
    src = result.report.summary.source
    what = f"{file} → {src.get('module', '')} ({src.get('operation', '')})"
    click.echo(f"csvprep pack {printable(what)}")
    for note in src.get("notes") or []:
        click.echo(f"  note: {printable(with_flags(note))}")
    for issue in result.report.issues:
        if issue.row is None:
            click.echo(f"  {issue.severity}: {issue.code}: {printable(with_flags(issue.message))}")
    if result.blocked:
        click.echo("  no batch written: Zoho would refuse every job of this file (see the errors above)")
    batches = f"{t.batches:,} batch" + ("" if t.batches == 1 else "es")
    jobs = f"{t.jobs:,} job" + ("" if t.jobs == 1 else "s")
    click.echo(
        f"  rows in {t.rows_in:,}; packed {t.rows_packed:,} in {batches} ({jobs}, "
        f"{t.api_credits:,} API credits); rejected {t.rows_rejected:,}"
    )
    click.echo(f"  → {printable(str(result.paths.out_dir))}{os.sep} (manifest.json, rejects.csv)")


FIELD_COLUMNS = ("api_name", "data_type", "length", "mandatory", "unique", "writable")


def fields_table(fields: list[dict[str, Any]]) -> str:
    """``ModuleSchema.describe()`` as aligned columns, one field a line."""

    def cell(name: str, value: object) -> str:
        if name == "writable":
            return ",".join(value) if value else "-"  # type: ignore[arg-type]  # a list of operations
        if isinstance(value, bool):
            return "yes" if value else ""
        return "" if value is None else printable(str(value))

    rows = [list(FIELD_COLUMNS), *([cell(n, f[n]) for n in FIELD_COLUMNS] for f in fields)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(FIELD_COLUMNS))]
    lines = ("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return "".join(f"{line}\n" for line in lines)


LEFT_FLAGS = {"ambiguous-date": "give --date-order DMY or MDY", "no-offset": "give --tz ±HH:MM"}
"""What to tell a person about a reason of csvprep.fixer.LEFT, in the command's words."""
LEFT_SHOWN = {
    "ambiguous-date": "dates both day/month orders fit",
    "short-year": "dates with a two-digit year (the century would be a guess)",
    "no-offset": "date-times without a UTC offset",
    "excel-id": "numbers Excel cut to 15 digits (4.15087E+18): unfixable, export them as text again",
}


def fix_summary(file: Path, result: FixResult) -> None:
    """What fix did: changes per rule, cells left and why, the errors that remain, where it all went."""
    src = result.report.summary.source
    what = f"{file} → {src.get('module', '')} ({src.get('operation', '')})"
    click.echo(f"csvprep fix {printable(what)}")
    for issue in result.report.issues:
        if issue.row is None:
            click.echo(f"  {issue.severity}: {issue.code}: {printable(issue.message)}")
    click.echo(f"  rows {result.report.summary.rows_read:,}; cells changed {result.changed:,}")
    for rule, n in sorted(result.changes.items()):
        click.echo(f"    {rule}: {n:,}")
    for reason, n in sorted(result.left.items()):
        how = LEFT_FLAGS.get(reason)
        click.echo(f"  left {n:,} {LEFT_SHOWN.get(reason, reason)}" + (f": {how}" if how else ""))
    s = result.report.summary
    codes = ", ".join(f"{c} {n:,}" for c, n in sorted(s.by_code.items()))
    click.echo(f"  remain: {s.errors:,} errors, {s.warnings:,} warnings" + (f" ({codes})" if codes else ""))
    if result.output is None:
        click.echo(f"  → {printable(str(result.log))} (dry run: the log only)")
    else:
        click.echo(f"  → {printable(str(result.output))}, {printable(str(result.log))}")
