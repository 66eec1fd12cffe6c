"""Fix one batch: find its failing cells with the engine's own verdicts, repair them, keep a repair only
if it passes every rule of its column, and hand on the batch with the kept repairs in place.

Valid cells are never looked at twice: the engine's accept pass clears them, as in ``check``; only the
cells it reports go through the Python repairs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep.engine import Column, Plan, Validator
from csvprep.engine.crossrow import single
from csvprep.engine.found import column_ranks
from csvprep.fixer.registry import RECORD_ID, FixRule, rules_for
from csvprep.fixer.repairs import Left, picklist_lookup
from csvprep.options import FixOptions
from csvprep.reader import Batch
from csvprep.rules import Rule

FIX_THREADS = 2
"""Threads that find a batch's failing cells: as many as the run's check pool."""
REPAIR_MEMO = 8192
"""Repairs memoised per column (bad values repeat: Yes, N/A, one date format); bounded, as the file is."""


@dataclass(frozen=True, slots=True)
class Change:
    """One repaired cell: its spreadsheet row, column (header and position), texts and rule."""

    row: int
    position: int
    column: str
    before: str
    after: str
    rule: str


@dataclass
class Tally:
    """What the fixing has done so far: changes per rule, cells left per reason."""

    changes: dict[str, int] = field(default_factory=dict)
    left: dict[str, int] = field(default_factory=dict)


def column_kind(c: Column) -> str | None:
    """What a column holds, as the registry's kinds name it (None: nothing a rule knows)."""
    if c.role == "lookup-id" or (c.role == "key" and c.api_name == "id"):
        return RECORD_ID
    f = c.target if c.role == "lookup-field" else c.field
    return f.data_type if f is not None else None


@dataclass
class _Fixable:
    column: Column
    rules: tuple[FixRule, ...]
    lookup: Mapping[str, str]
    memo: dict[str, tuple[str, str] | Left | None] = field(default_factory=dict)


def passes(rules: Sequence[Rule], values: pa.Array) -> np.ndarray:
    """Where each value passes every rule of its column (warnings included), as ``check`` would judge it."""
    ok = np.ones(len(values), dtype=bool)
    for r in rules:
        ok &= r.ok(values)
    return ok


class BatchFixer:
    """Repairs the failing cells of each batch of a plan's table; counts into :attr:`tally`."""

    def __init__(self, plan: Plan, options: FixOptions) -> None:
        self.plan = plan
        self.options = options
        self.tally = Tally()
        # The columns' passes on threads of its own, as the run's validator has (pyarrow frees the GIL).
        self._by_rank = sorted(column_ranks(plan), key=column_ranks(plan).__getitem__)
        self._columns: dict[str, _Fixable] = {}
        for c in plan.columns:
            kind = column_kind(c) if c.rules else None
            rules = rules_for(kind or "", options.only) if c.rules else ()
            if rules:
                f = c.target if c.role == "lookup-field" else c.field
                lookup = picklist_lookup(f.picklist) if f is not None and f.picklist else {}
                self._columns[c.key] = _Fixable(c, rules, lookup)
        # Only the columns a rule can repair are judged here; the run judges every column again anyway.
        fixable = tuple(
            c if c.key in self._columns else replace(c, rules=(), accept=None) for c in plan.columns
        )
        self._pool = ThreadPoolExecutor(FIX_THREADS, thread_name_prefix="csvprep-fix")
        self._validator = Validator(replace(plan, columns=fixable), self._pool)

    def close(self) -> None:
        """Stop the fixer's threads."""
        self._validator.close()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def fix(self, batch: Batch) -> tuple[Batch, list[Change]]:
        """The batch with its repairs in place, and the changes (by row, then column position)."""
        if not self._columns or not batch.table.num_rows:
            return batch, []
        prepared = self._validator.prepare(batch)
        table = batch.table
        changes: list[Change] = []
        for found in prepared.parts:
            key = self._by_rank[int(found.columns[0])]
            target = self._columns.get(key)
            if target is None:
                continue
            kept = self._repair(target, found.rows, found.values)
            if not kept:
                continue
            changes.extend(kept)
            i = table.column_names.index(key)
            mask = np.zeros(table.num_rows, dtype=bool)
            mask[np.searchsorted(batch.rows, [c.row for c in kept])] = True  # kept is in row order
            after = pa.array([c.after for c in kept], pa.string())
            column = pc.replace_with_mask(single(table.column(i)), pa.array(mask), after)
            table = table.set_column(i, key, column)
        changes.sort(key=lambda c: (c.row, c.position))
        return (replace(batch, table=table) if changes else batch), changes

    def _repair(self, target: _Fixable, rows: np.ndarray, values: pa.Array) -> list[Change]:
        """The kept repairs of one column's failing cells (their rows, in order, and values). Each distinct
        value is repaired once; the cells are mapped to it by array operations, not one by one."""
        encoded = values.dictionary_encode()
        distinct: list[str] = encoded.dictionary.to_pylist()
        index = encoded.indices.to_numpy(zero_copy_only=False)
        memo = target.memo
        if len(memo) + len(distinct) > REPAIR_MEMO:
            memo.clear()
        todo = [v for v in distinct if v not in memo]
        if todo:
            memo.update(zip(todo, self._attempt(target, todo), strict=True))
        got = [memo[v] for v in distinct]
        counts = np.bincount(index, minlength=len(distinct))
        tally = self.tally
        for d, g in enumerate(got):
            if isinstance(g, Left):
                tally.left[g.reason] = tally.left.get(g.reason, 0) + int(counts[d])
            elif g is not None:
                tally.changes[g[1]] = tally.changes.get(g[1], 0) + int(counts[d])
        repaired = np.array([isinstance(g, tuple) for g in got], dtype=bool)
        c = target.column
        out = []
        for k in np.flatnonzero(repaired[index]).tolist():
            d = int(index[k])
            after, rule = got[d]  # type: ignore[misc]  # a tuple: repaired[d] holds
            out.append(Change(int(rows[k]), c.position, c.header, distinct[d], after, rule))
        return out

    def _attempt(self, target: _Fixable, values: list[str]) -> Iterator[tuple[str, str] | Left | None]:
        """Per value: (repair, rule) of the first rule whose repair passes the column's rules, else the
        first reason to leave it, else None."""
        results: list[tuple[str, str] | Left | None] = [None] * len(values)
        open_ = list(range(len(values)))
        for rule in target.rules:
            tried: list[tuple[int, str]] = []
            for i in open_:
                got = rule.repair(values[i], self.options, target.lookup)
                if isinstance(got, Left):
                    if results[i] is None:
                        results[i] = got
                elif got is not None and got != values[i]:
                    tried.append((i, got))
            if tried:
                ok = passes(target.column.rules, pa.array([t for _, t in tried], pa.string()))
                for (i, repaired), good in zip(tried, ok.tolist(), strict=True):
                    if good:
                        results[i] = (repaired, rule.name)
            open_ = [i for i in open_ if not isinstance(results[i], tuple)]
            if not open_:
                break
        return iter(results)
