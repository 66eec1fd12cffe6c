"""A report shown to a person in a console or a notebook: a line, or a short HTML summary.

Either stays small however many issues the report holds: the counts come from the summary, and only the
first few issues are shown. Shown text is cut short, its invisible characters spelled out
(:func:`csvprep.printable.printable`) and, in HTML, escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from csvprep.printable import printable
from csvprep.report.verdicts import FIRST_ROW

if TYPE_CHECKING:
    from csvprep.report import Issue, Report

SHOWN_PAIRS = 20
"""Column-and-code counts shown in HTML (the largest first)."""
SHOWN_ISSUES = 10
SHOWN_CHARS = 120
"""Characters of a value, column or module name shown before it is cut."""
SHOWN_MESSAGE = 300
"""Characters of a message shown (a message says what Zoho expects: most are shorter)."""


def short(text: object, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters with its invisible characters spelled out ('' for None)."""
    if text is None:
        return ""
    s = str(text)
    return printable(s if len(s) <= limit else s[:limit] + "…")


def headline(report: Report) -> str:
    """What was checked and what was found, in one line."""
    s = report.summary
    what = " ".join(short(s.source[k]) for k in ("module", "operation") if s.source.get(k))
    kept = f" ({len(report.issues):,} issues kept)" if report.truncated else ""
    return (
        f"{what + ': ' if what else ''}{s.rows_read:,} rows, {s.errors:,} errors, {s.warnings:,} warnings, "
        f"{s.rows_with_errors:,} rows with errors{kept}"
    )


def one_line(report: Report) -> str:
    return f"<csvprep.Report {headline(report)}>"


def _cell(text: object, tag: str = "td", limit: int = SHOWN_CHARS) -> str:
    return f"<{tag}>{html.escape(short(text, limit))}</{tag}>"


def _row(cells: Sequence[object], tag: str = "td", message: object = None) -> str:
    """A table row; ``message``, if given, is a last cell shown longer."""
    last = "" if message is None else _cell(message, limit=SHOWN_MESSAGE)
    return "<tr>" + "".join(_cell(c, tag) for c in cells) + last + "</tr>"


def _label(report: Report, issue: Issue) -> object:
    if report.index is None or issue.row is None:
        return None
    return report.index[issue.row - FIRST_ROW]


def as_html(report: Report) -> str:
    """The headline, the issue counts by column and code (largest first) and the first issues."""
    pairs = sorted(
        ((n, col, code) for col, per in report.summary.by_column_code.items() for code, n in per.items()),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    parts = [f"<div><p><b>csvprep report</b> {html.escape(headline(report))}</p>"]
    if pairs:
        parts.append("<table>" + _row(["column", "code", "issues"], "th"))
        parts += [_row([col, code, f"{n:,}"]) for n, col, code in pairs[:SHOWN_PAIRS]]
        parts.append("</table>")
        if len(pairs) > SHOWN_PAIRS:
            parts.append(f"<p>… and {len(pairs) - SHOWN_PAIRS:,} more columns and codes</p>")
    first = report.issues[:SHOWN_ISSUES]
    if first:
        index = report.index is not None
        head = ["row", *(["index"] if index else []), "column", "code", "severity", "value", "message"]
        parts.append(f"<p>First {len(first):,} of {len(report.issues):,} issues kept:</p><table>")
        parts.append(_row(head, "th"))
        for i in first:
            label = [_label(report, i)] if index else []
            parts.append(_row([i.row, *label, i.column, i.code, i.severity, i.value], message=i.message))
        parts.append("</table>")
    parts.append("</div>")
    return "".join(parts)
