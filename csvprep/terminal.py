"""Terminal rendering for the CLI (rich): the check report and a progress bar. Only the CLI imports this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from csvprep import codes
from csvprep.report import Report

SHOW_ISSUES = 20


def render_report(report: Report, console: Console, show: int = SHOW_ISSUES) -> None:
    """Counts per column and code, the first issues, and a one-line verdict."""
    s = report.summary
    src = s.source
    what = f"{src.get('file', '')} → {src.get('module', '')} ({src.get('operation', '')})"
    console.print(f"[bold]csvprep check[/bold] {what}")
    notes = src.get("notes") or []
    for n in notes:
        console.print(f"  [dim]note:[/dim] {n}")
    if report.issues or s.errors or s.warnings:
        by = Table(title="Issues by column and code", show_lines=False, title_justify="left")
        by.add_column("column")
        by.add_column("code")
        by.add_column("severity")
        by.add_column("count", justify="right")
        for col, per_code in s.by_column_code.items():
            for code, n in per_code.items():
                sev = str(codes.get(code).severity)
                style = "red" if sev == "error" else "yellow"
                where = col or ("(file)" if codes.get(code).file_level else "(row)")
                by.add_row(where, code, f"[{style}]{sev}[/{style}]", f"{n:,}")
        console.print(by)
        first = Table(title=f"First {min(show, len(report.issues))} issues", title_justify="left")
        first.add_column("row", justify="right", no_wrap=True)
        first.add_column("column", overflow="fold", max_width=18)
        first.add_column("code", no_wrap=True)
        first.add_column("value", overflow="fold", max_width=20)
        first.add_column("message", overflow="fold", ratio=1, min_width=30)
        for i in report.issues[:show]:
            value = "" if i.value is None else (i.value if len(i.value) <= 40 else i.value[:37] + "...")
            first.add_row(
                "" if i.row is None else str(i.row),
                i.column or "",
                i.code,
                value,
                i.message,
                style="red" if i.severity == "error" else "yellow",
            )
        console.print(first)
    verdict = (
        f"[green]OK[/green]: {s.rows_read:,} rows, no errors"
        if report.ok
        else f"[red]FAIL[/red]: {s.errors:,} errors in {s.rows_with_errors:,} of {s.rows_read:,} rows"
    )
    if s.warnings:
        verdict += f", {s.warnings:,} warnings"
    console.print(verdict)


@contextmanager
def progress_bar(enabled: bool, total_bytes: int | None, label: str) -> Iterator[object]:
    """A progress callback (rows, bytes) drawn on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn(f"[bold]{label}[/bold]"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(label, total=total_bytes, rows=0)

        def update(rows: int, done: int) -> None:
            bar.update(task, completed=done, rows=rows)

        yield update
