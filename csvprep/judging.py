"""The one batch loop ``check`` and ``pack`` share: judge each batch, refuse rows no batch can hold,
collect the issues, report progress. ``check`` reads only the issues; ``pack`` also packs the good rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from csvprep.engine import Judged, Plan, Run
from csvprep.options import Job, Progress
from csvprep.packer.rowsize import RowSizer
from csvprep.reader import Table
from csvprep.report import ReportBuilder


@dataclass(frozen=True, slots=True)
class Sorted:
    """A judged batch and, unless the plan is blocked, its good rows' mapped columns and row numbers."""

    judged: Judged
    good: pa.Table | None
    good_rows: np.ndarray | None


def good_table(judged: Judged, keys: Sequence[str]) -> tuple[pa.Table, np.ndarray]:
    """The columns ``keys`` of the rows of ``judged`` without an error, and their row numbers."""
    batch = judged.batch
    keep = ~np.isin(batch.rows, judged.error_rows)
    table = batch.table.select(list(keys))
    if not keep.all():
        table = table.filter(pa.array(keep))
    return table, batch.rows[keep]


class BatchLoop:
    """Judge a run's table batch by batch (:meth:`judge_all`); ``rows`` counts the records judged so far."""

    def __init__(
        self,
        run: Run,
        builder: ReportBuilder,
        sizer: RowSizer | None,
        progress: Progress | None = None,
        goods: bool = True,
    ) -> None:
        """``sizer``: None when the plan is blocked (no row will be packed, so none is too large);
        ``goods``: whether each batch comes with its good rows (``pack`` packs them, ``check`` does not)."""
        self.run = run
        self.builder = builder
        self.sizer = sizer
        self.progress = progress
        self.goods = goods
        self.rows = 0

    def judge_all(self, handle: Callable[[Sorted], object] | None = None) -> None:
        """Judge every batch, collect its issues and hand it to ``handle`` (``pack`` packs its good rows).

        Handed on, not iterated: a caller's ``for`` variable would hold each batch (~20 MB at the default
        slice) while the next one is judged and reported.
        """
        keys = [c.key for c in self.run.plan.mapped]
        for judged in self.run.judged():
            good = good_rows = None
            if self.sizer is not None and not self.goods:
                judged = self.sizer.judge(judged)
            elif self.sizer is not None:
                good, good_rows = good_table(judged, keys)
                sized = self.sizer.judge(judged, good)
                if sized is not judged:  # a row no batch can hold is now a row error
                    judged = sized
                    good, good_rows = good_table(judged, keys)
                del sized
            self.rows += judged.batch.records
            self.builder.add(judged.issues)
            done = judged.batch.bytes_done
            if handle is not None:
                handle(Sorted(judged, good, good_rows))
            # Nothing of this batch stays referenced while the next one is read, judged and reported.
            del judged, good, good_rows
            if self.progress is not None:
                self.progress(self.rows, done)


def run_source(table: Table, job: Job, notes: Sequence[str] = (), plan: Plan | None = None) -> dict[str, Any]:
    """What was read and how, and the job: the ``source`` part of a report's summary. ``notes`` join the
    reader's; ``plan`` adds the columns' declared or detected date patterns."""
    source: dict[str, Any] = {**table.describe(), "module": job.schema.module, "operation": job.operation}
    if job.find_by:
        source["find_by"] = job.find_by
    if notes:
        source["notes"] = [*source.get("notes", []), *notes]
    formats = plan_formats(plan) if plan is not None else {}
    if formats:
        source["formats"] = formats
    return source


def plan_formats(plan: Plan) -> dict[str, dict[str, str]]:
    """Each column with a declared or detected date pattern: ``{header: {"format": ..., "how": ...}}``."""
    return {
        c.header: {"format": c.format, "how": c.format_how}
        for c in plan.columns
        if c.format is not None and c.format_how is not None
    }
