"""Terminal rendering for the CLI (rich): the check report and a progress bar. Only the CLI imports this."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.padding import Padding
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from csvprep import codes
from csvprep.cli.failures import with_flags
from csvprep.printable import printable
from csvprep.report import Report

SHOW_ISSUES = 20
VALUE_SHOWN = 60


def _text(value: object, style: str = "") -> Text:
    """A value as plain text for a person: printable, and never read as rich markup."""
    return Text(printable(str(value)), style=style)


def render_report(report: Report, console: Console, show: int = SHOW_ISSUES) -> None:
    """Counts per column and code, the first issues, and a one-line verdict."""
    s = report.summary
    src = s.source
    what = f"{src.get('file', '')} → {src.get('module', '')} ({src.get('operation', '')})"
    console.print(Text.assemble(("csvprep check", "bold"), " ", _text(what)))
    notes = src.get("notes") or []
    for n in notes:
        console.print(Text.assemble("  ", ("note:", "dim"), " ", _text(with_flags(n))))
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
                by.add_row(_text(where), _text(code), _text(sev, style), f"{n:,}")
        console.print(by)
        # One block per issue (where, then the message on its own wrapped line): readable at any width,
        # where a five-column table crops its messages in an 80-column terminal.
        shown = report.issues[:show]
        more = s.errors + s.warnings - len(shown)
        console.print(f"[bold]First {len(shown)} issues[/bold]" + (f" ({more:,} more)" if more > 0 else ""))
        for i in shown:
            style = "red" if i.severity == "error" else "yellow"
            where = "file" if i.row is None else f"row {i.row}"
            if i.column:
                where += f" · {i.column}"
            line = Text.assemble(_text(where, "bold"), " · ", _text(i.code, style))
            if i.value:
                value = i.value if len(i.value) <= VALUE_SHOWN else i.value[: VALUE_SHOWN - 3] + "..."
                line.append(" · ")
                line.append(_text(f"'{value}'", "dim"))
            console.print(line)
            # A file-level message may name a parameter (find_by=): a shell user reads its flag.
            message = i.message if i.row is not None else with_flags(i.message)
            console.print(Padding(_text(message, style), (0, 0, 0, 2)))
    verdict = (
        f"[green]OK[/green]: {s.rows_read:,} rows, no errors"
        if report.ok
        else f"[red]FAIL[/red]: {s.errors:,} errors in {s.rows_with_errors:,} of {s.rows_read:,} rows"
    )
    if s.warnings:
        verdict += f", {s.warnings:,} warnings"
    console.print(verdict)


@contextmanager
def progress_bar(total_bytes: int | None, label: str) -> Iterator[object]:
    """A progress callback (rows, bytes) drawn on stderr."""
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
