"""Judge the cells of a batch: per column one Arrow accept pass, then its rules on the cells it leaves, and
the cross-row checks. The same checks are also a pandera ``DataFrameSchema`` (one ``Check`` per rule):
:meth:`Validator.validate_pandera` gives the same verdicts through pandera, slower."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pyarrow as pa_arrow

if TYPE_CHECKING:
    import pandera.pandas as pandera

from csvprep.engine.crossrow import CrossRows, single
from csvprep.engine.found import NO_CROSS_ROW, Found, Messages, column_ranks, first_per_cell, strings
from csvprep.engine.planning import Plan
from csvprep.engine.twin import on_series
from csvprep.reader import Batch
from csvprep.report import IssueBatch
from csvprep.rules import Accept, Rule, has_control

T = TypeVar("T")
R = TypeVar("R")

POOL_TASKS = 256
"""Tasks per pass on the check pool at most: a very wide file's columns go in groups, as a task per
column cost more than its check."""


def _groups(items: Sequence[T]) -> list[Sequence[T]]:
    """``items`` in at most :data:`POOL_TASKS` consecutive groups (one item each for a usual file)."""
    size = max(1, -(-len(items) // POOL_TASKS))
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True, slots=True)
class Prepared:
    """What :meth:`Validator.prepare` found in a batch: the failing cells of each checked column."""

    parts: tuple[Found, ...]


class Validator:
    """Judges batches of rows against a plan; keeps the cross-row state between batches.

    ``pool`` runs the columns' passes (pyarrow's kernels release the GIL); without one they run in the
    calling thread. :class:`csvprep.engine.Run` gives it its pool and closes it.
    """

    def __init__(self, plan: Plan, pool: Executor | None = None) -> None:
        self.plan = plan
        self.job = plan.job
        checked = [c for c in plan.columns if c.rules]
        self._rules: dict[str, tuple[Rule, ...]] = {c.key: c.rules for c in checked}
        rank = column_ranks(plan)
        self._cross = CrossRows(plan, rank)
        self._messages = Messages(plan, rank, self._cross.casefold)
        self._accepts: dict[str, Accept | None] = {c.key: c.accept for c in checked}
        self._waits = {c.key for c in checked if any(r.prefetch is not None for r in c.rules)}
        self._pool = pool

    def close(self) -> None:
        """Delete the cross-row state's spill files."""
        self._cross.close()

    def _map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return self._pool.map(fn, items) if self._pool is not None else map(fn, items)

    @functools.cached_property
    def schema(self) -> pandera.DataFrameSchema:
        """The plan's checks as a pandera schema: one ``Check`` per rule, named ``<index>:<code>``.

        Built (and pandera imported) only when asked for; :meth:`validate` runs the same checks.
        """
        import pandera.pandas as pa

        return pa.DataFrameSchema(
            {
                key: pa.Column(
                    None,
                    checks=[pa.Check(on_series(r.ok), name=f"{n}:{r.code}") for n, r in enumerate(rules)],
                    nullable=True,
                    required=False,
                )
                for key, rules in self._rules.items()
            },
            strict=False,
            coerce=False,
        )

    def start_judges(self) -> None:
        """Start the workers of the rules' expensive judges (email-validator's), each once."""
        starts = {r.start for rules in self._rules.values() for r in rules if r.start is not None}
        for start in starts:
            start()

    def prepare(self, batch: Batch) -> Prepared:
        """Every column's failing cells in one batch: its accept pass, then its rules on the cells left.

        The pipeline runs it one batch ahead, on the read-ahead thread, while the judging thread finds the
        duplicates (state carried from batch to batch) and writes the issues.
        """
        table, rows = batch.table, batch.rows
        parts: list[Found] = []
        if self._rules and table.num_rows:
            at = {name: i for i, name in enumerate(table.column_names)}  # by name, each lookup is O(width)
            columns = {key: single(table.column(at[key])) for key in self._rules}
            # Every accept pass first (an email column hands its doubtful cells to email-validator's
            # worker), then the rules, the columns that wait for such answers last: meanwhile it answers.
            suspects: dict[str, tuple[np.ndarray, int]] = {}
            for group in self._map(
                lambda keys: [(key, self._suspects(columns[key], key)) for key in keys],
                _groups(list(columns)),
            ):
                suspects.update(group)
            order = sorted(columns, key=lambda key: key in self._waits)
            for found in self._map(
                lambda keys: [self._failures(columns[key], key, rows, *suspects[key]) for key in keys],
                _groups(order),
            ):
                parts.extend(f for f in found if f is not None)
        return Prepared(tuple(parts))

    def validate(self, batch: Batch, prepared: Prepared | None = None) -> IssueBatch:
        """The issues of one batch (its well-formed records: string columns named by ``Column.key``).

        The same checks as :attr:`schema`, evaluated directly: pandera's lazy failure-case tables cost
        far more per failing cell than the checks themselves. A cell reports the first rule it fails,
        exactly as :meth:`validate_pandera` does. ``prepared``: the batch's :meth:`prepare`, when it was
        run already.
        """
        if prepared is None:
            prepared = self.prepare(batch)
        return self._messages.batch(first_per_cell([*prepared.parts, *self._cross.found(batch)]))

    def validate_pandera(self, batch: Batch) -> IssueBatch:
        """:meth:`validate` through pandera's lazy validation of :attr:`schema` (same verdicts, slower)."""
        import pandera.errors

        parts: list[Found] = []
        frame = batch.frame
        if self._rules and len(frame):
            try:
                self.schema.validate(frame, lazy=True)
            except pandera.errors.SchemaErrors as e:
                fc = e.failure_cases
                fc = fc[fc["index"].notna() & fc["column"].isin(self._rules.keys())]
                if len(fc):
                    n = len(fc)
                    parts.append(Found(
                        fc["index"].astype("int64").to_numpy(),
                        fc["column"].map(self._messages.rank).astype("int64").to_numpy(),
                        fc["check"].astype(str).str.partition(":")[0].astype("int64").to_numpy(),
                        np.full(n, NO_CROSS_ROW, dtype=np.int8),
                        pa_arrow.array(fc["failure_case"].astype(object).tolist(), pa_arrow.string()),
                        np.full(n, -1, dtype=np.int64),
                    ))  # fmt: skip
        parts.extend(self._cross.found(batch))
        return self._messages.batch(first_per_cell(parts))

    def _failures(
        self, arr: pa_arrow.Array, key: str, rows: np.ndarray, suspect: np.ndarray, skip: int
    ) -> Found | None:
        """The failing cells of one column: its rules on the cells its accept pass left."""
        found = _column_failures(arr, self._rules[key], suspect, skip)
        if found is None:
            return None
        at, rule, value = found
        return Found.of(rows[at], self._messages.rank[key], rule, value)

    def _suspects(self, arr: pa_arrow.Array, key: str) -> tuple[np.ndarray, int]:
        """Cells the accept pass cannot clear, and how many leading rules surely pass (the control rule).

        Rules with an expensive judge (email-validator) get the suspects to prefetch its verdicts.
        """
        accept = self._accepts[key]
        if accept is None:
            suspect, skip = np.ones(len(arr), dtype=bool), 0
        elif has_control(arr):
            suspect, skip = ~accept(arr) | ~self._rules[key][0].ok(arr), 0
        else:
            suspect, skip = ~accept(arr), 1  # the control rule (first, see ColumnRules) passes every cell
        prefetch = [r.prefetch for r in self._rules[key] if r.prefetch is not None]
        if prefetch and suspect.any():
            cells = arr.filter(pa_arrow.array(suspect))
            for warm in prefetch:
                warm(cells)
        return suspect, skip


def _column_failures(
    arr: pa_arrow.Array, rules: tuple[Rule, ...], suspect: np.ndarray, skip: int
) -> tuple[np.ndarray, np.ndarray, pa_arrow.Array] | None:
    """(positions, first failing rule, value) of the suspect cells of one column that fail a rule."""
    at = np.flatnonzero(suspect)
    if not len(at):
        return None
    # Every cell a suspect (a one-row batch of a huge record): the column itself, not a copy of it.
    sub = arr if len(at) == len(arr) else arr.take(pa_arrow.array(at))
    first = np.full(len(at), -1, dtype=np.int64)
    # Every rule sees all the suspects (rules are cell by cell): cheaper than re-slicing per rule.
    for n in range(len(rules) - 1, skip - 1, -1):
        first[~rules[n].ok(sub)] = n
    bad = first >= 0
    if not bad.any():
        return None
    return at[bad], first[bad], strings(sub if bad.all() else sub.filter(pa_arrow.array(bad)))
