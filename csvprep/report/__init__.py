"""The report: frozen issues and a summary, built batch by batch in bounded memory.

Shaped after frictionless-py's report (a result with stable codes; validation returns it and raises only
for misuse). Issues arrive from the engine as column batches (:class:`IssueBatch`, in
:mod:`csvprep.report.issues`); the :class:`ReportBuilder` counts them as they go, keeps as many
:class:`Issue` objects as asked, marks the rows with errors (:mod:`csvprep.report.verdicts`), and hands
every batch to optional sinks (the JSON and CSV writers of :mod:`csvprep.report.files`) so a file with
millions of issues never has them all in memory. A report shows itself as tables, a line or HTML
(:mod:`csvprep.report.tables`, :mod:`csvprep.report.display`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
import pyarrow as pa

from csvprep.codes import Severity
from csvprep.errors import UsageError
from csvprep.report import display, tables
from csvprep.report.issues import ISSUE_FIELDS, Issue, IssueBatch, concat_dictionaries
from csvprep.report.verdicts import ErrorRows, RowVerdicts

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ISSUE_FIELDS",
    "Issue",
    "IssueBatch",
    "IssueSink",
    "Report",
    "ReportBuilder",
    "RowVerdicts",
    "Summary",
    "concat_dictionaries",
]

Frame = TypeVar("Frame")


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts for the whole input."""

    rows_read: int
    rows_with_errors: int
    rows_with_warnings: int
    errors: int
    warnings: int
    by_code: Mapping[str, int]
    by_column: Mapping[str, int]
    """Issues per column; file-level issues without a column count under ``""``."""
    by_column_code: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: MappingProxyType({}))
    """Issues per column, then per code."""
    source: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """What was read and how: file, module, operation, encoding, delimiter, notes."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_read": self.rows_read,
            "rows_with_errors": self.rows_with_errors,
            "rows_with_warnings": self.rows_with_warnings,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_code": dict(self.by_code),
            "by_column": dict(self.by_column),
            "by_column_code": {k: dict(v) for k, v in self.by_column_code.items()},
            **{k: v for k, v in self.source.items()},
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The result of a check: a summary and the issues kept (all of them unless a cap was asked)."""

    summary: Summary
    issues: tuple[Issue, ...]
    truncated: bool = False
    """True when more issues were found than were kept (see ``summary`` for the full counts)."""
    index: pd.Index | None = field(default=None, compare=False, repr=False)
    """The index of the DataFrame checked (only the index is kept, not the frame), else None."""
    verdicts: RowVerdicts | None = field(default=None, compare=False, repr=False)
    """Which rows have an error, all of them even when only some issues were kept (see :meth:`split`)."""
    table: pa.Table | None = field(default=None, compare=False, repr=False)
    """:attr:`issues` as columns, their texts dictionary-encoded (:meth:`to_arrow` decodes them), when the
    report was built from batches."""

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return self.summary.errors == 0

    @property
    def exit_code(self) -> int:
        """0 = no errors, 1 = errors found (2, could not run, is the CLI's: no report exists then)."""
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary.to_dict(), "issues": [i.to_dict() for i in self.issues]}

    def to_arrow(self) -> pa.Table:
        """The issues kept, one row each: ``row`` (int64, null for file-level issues), ``column``, ``code``,
        ``severity``, ``value``, ``message`` and, for a checked DataFrame, ``index`` (its row's label)."""
        table = tables.issues_table(self.issues) if self.table is None else tables.plain(self.table)
        return tables.with_index(table, self.index)

    def to_pandas(self) -> pd.DataFrame:
        """:meth:`to_arrow` as a pandas DataFrame; ``row`` (and an integer ``index``) as ``Int64``."""
        return tables.to_pandas(self.to_arrow())

    def rejected(self) -> np.ndarray:
        """A bool per row checked, in order: True when ``pack`` would reject it (an error on the row, or a
        file-level error, which rejects every row)."""
        if self.verdicts is not None:
            return self.verdicts.rejected()
        if self.truncated:
            raise UsageError("this report kept only some issues and no row verdicts: split needs them all")
        errors = [i for i in self.issues if i.severity == Severity.ERROR]
        marks = ErrorRows()
        marks.blocked = any(i.row is None for i in errors)
        marks.add(np.array([i.row for i in errors if i.row is not None], dtype=np.int64))
        return marks.finish(self.summary.rows_read).rejected()

    def split(self, frame: Frame) -> tuple[Frame, Frame]:
        """``(good, bad)``: the rows of ``frame`` (a pandas or polars DataFrame or a pyarrow Table, the rows
        this report was made from) that ``pack`` would pack, and those it would put in ``rejects.csv``.

        Rows are matched by position, so a frame of another length is refused (:class:`csvprep.CsvprepError`).
        """
        return tables.split(frame, self.rejected())

    def __repr__(self) -> str:
        return display.one_line(self)

    def _repr_html_(self) -> str:
        return display.as_html(self)


class IssueSink(Protocol):
    """Something that takes every issue as it is found (a writer)."""

    def write(self, batch: IssueBatch) -> None: ...

    def close(self, summary: Summary) -> None: ...


class ReportBuilder:
    """Accumulates batches into counts, a bounded list of issues, and the sinks."""

    def __init__(self, keep: int | None = None, sinks: Sequence[IssueSink] = ()) -> None:
        self.keep = keep
        self.sinks = list(sinks)
        self.kept: list[Issue] = []
        self.seen = 0
        self.by_code: Counter[str] = Counter()
        self.by_column: Counter[str] = Counter()
        self.by_pair: Counter[tuple[str, str]] = Counter()
        self.errors = 0
        self.warnings = 0
        self.rows_with_errors = 0
        self.rows_with_warnings = 0
        self.rows_read = 0
        self.error_rows = ErrorRows()
        self.tables: list[pa.Table] = []

    def add(self, batch: IssueBatch) -> None:
        if not len(batch):
            return
        is_err = batch.is_error
        per_kind = np.bincount(batch.kinds, minlength=len(batch.kind_codes)).tolist()
        for col, code, err, n in zip(
            batch.kind_columns, batch.kind_codes, batch.kind_errors.tolist(), per_kind, strict=True
        ):
            if n:
                col = "" if col is None else col
                self.by_pair[(col, code)] += n
                self.by_code[code] += n
                self.by_column[col] += n
                if err:
                    self.errors += n
                else:
                    self.warnings += n
        rows = batch.rows
        cell = rows > 0
        err_rows = np.unique(rows[is_err & cell])
        self.rows_with_errors += len(err_rows)
        self.error_rows.add(err_rows)
        self.rows_with_warnings += len(np.setdiff1d(rows[~is_err & cell], err_rows))
        room = len(batch) if self.keep is None else max(0, self.keep - len(self.kept))
        for i in range(min(room, len(batch))):
            self.kept.append(batch.issue(i))
        if room:
            self.tables.append(tables.batch_table(batch, min(room, len(batch))))
        self.seen += len(batch)
        for s in self.sinks:
            s.write(batch)

    def add_file_issues(self, issues: Sequence[Issue]) -> None:
        """File-level issues (row None): counted and kept first."""
        if not issues:
            return
        for i in issues:
            self.by_code[i.code] += 1
            self.by_column[i.column or ""] += 1
            self.by_pair[(i.column or "", i.code)] += 1
            if i.severity == Severity.ERROR:
                self.errors += 1
                self.error_rows.blocked = True  # Zoho would refuse every job: pack rejects every row
            else:
                self.warnings += 1
        self.kept[:0] = list(issues)
        self.tables[:0] = [tables.kept_table(issues)]
        self.seen += len(issues)
        batch = IssueBatch.from_issues(issues)
        for s in self.sinks:
            s.write(batch)

    def _by_column_code(self) -> dict[str, dict[str, int]]:
        """Issues per column, then per code, both sorted: one pass over the sorted pairs."""
        out: dict[str, dict[str, int]] = {}
        for (col, code), n in sorted(self.by_pair.items()):
            out.setdefault(col, {})[code] = n
        return out

    def finish(self, rows_read: int, source: Mapping[str, Any], index: pd.Index | None = None) -> Report:
        """The report; ``index``: the checked DataFrame's index, to label its rows."""
        self.rows_read = rows_read
        summary = Summary(
            rows_read=rows_read,
            rows_with_errors=self.rows_with_errors,
            rows_with_warnings=self.rows_with_warnings,
            errors=self.errors,
            warnings=self.warnings,
            by_code=MappingProxyType(dict(sorted(self.by_code.items()))),
            by_column=MappingProxyType(dict(sorted(self.by_column.items()))),
            by_column_code=MappingProxyType(
                {col: MappingProxyType(per_code) for col, per_code in self._by_column_code().items()}
            ),
            source=MappingProxyType(dict(source)),
        )
        for s in self.sinks:
            s.close(summary)
        kept = self.kept if self.keep is None else self.kept[: self.keep]
        verdicts = self.error_rows.finish(rows_read)
        table = pa.concat_tables(self.tables or [tables.kept_table(())]).slice(0, len(kept))
        return Report(summary, tuple(kept), self.seen > len(kept), index, verdicts, table)
