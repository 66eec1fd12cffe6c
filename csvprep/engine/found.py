"""Failing cells as columns of arrays, and how they become a batch of issues with their messages."""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from csvprep import codes
from csvprep.clip import MAX_ECHO
from csvprep.engine.planning import Plan
from csvprep.report import IssueBatch
from csvprep.rules import Rule


class CrossRow(enum.IntEnum):
    """The checks that span rows, in the order a cell reports them (after every rule of its column)."""

    EMPTY_KEY = 1
    DUPLICATE_KEY = 2
    DUPLICATE_VALUE = 3

    @property
    def code(self) -> str:
        return self.name.lower().replace("_", "-")


NO_CROSS_ROW = 0
"""``Found.cross`` of a cell that failed one of its column's rules."""


@dataclass(frozen=True, slots=True)
class Found:
    """Failing cells, as columns: row, column number (:func:`column_ranks`), the index of the first rule
    failed in the column's rules or the cross-row check (:class:`CrossRow`, else :data:`NO_CROSS_ROW`),
    value, and the first row of a duplicate (-1 otherwise)."""

    rows: np.ndarray
    columns: np.ndarray
    rules: np.ndarray
    cross: np.ndarray
    values: pa.Array
    first: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    @staticmethod
    def of(rows: np.ndarray, column: int, rules: np.ndarray, values: pa.Array) -> Found:
        """Cells of one column that failed its rules."""
        n = len(rows)
        none = np.full(n, -1, dtype=np.int64)
        return Found(rows, np.full(n, column), rules, np.full(n, NO_CROSS_ROW, dtype=np.int8), values, none)

    @staticmethod
    def crossed(rows: np.ndarray, column: int, check: CrossRow, values: pa.Array, first: np.ndarray) -> Found:
        """Cells of one column that failed a cross-row check."""
        n = len(rows)
        return Found(
            rows, np.full(n, column), np.full(n, -1), np.full(n, int(check), dtype=np.int8), values, first
        )

    @staticmethod
    def empty() -> Found:
        i = np.array([], dtype=np.int64)
        return Found(i, i, i, np.array([], dtype=np.int8), pa.array([], pa.string()), i)

    @staticmethod
    def concat(parts: list[Found]) -> Found:
        if len(parts) == 1:
            return parts[0]  # no copy of its values (a huge cell's)
        return Found(
            np.concatenate([p.rows for p in parts]),
            np.concatenate([p.columns for p in parts]),
            np.concatenate([p.rules for p in parts]),
            np.concatenate([p.cross for p in parts]),
            pa.concat_arrays([p.values for p in parts]),
            np.concatenate([p.first for p in parts]),
        )

    def take(self, at: np.ndarray) -> Found:
        if len(at) == len(self) and (at == np.arange(len(at))).all():
            return self  # every cell, in order: no copy of the values
        return Found(
            self.rows[at],
            self.columns[at],
            self.rules[at],
            self.cross[at],
            self.values.take(pa.array(at)),
            self.first[at],
        )


def first_per_cell(parts: list[Found]) -> Found:
    """One issue per cell: the first rule it fails, in rule order (the cross-row checks come last), sorted
    by row and column."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Found.empty()
    every = Found.concat(parts)
    order = np.lexsort((every.rules, every.cross, every.columns, every.rows))
    r, k = every.rows[order], every.columns[order]
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (r[1:] != r[:-1]) | (k[1:] != k[:-1])
    return every.take(order[keep])


def strings(arr: pa.Array) -> pa.Array:
    """Cell texts as ``string`` (a DataFrame's columns may be ``large_string``): one type to concatenate."""
    return arr if arr.type == pa.string() else arr.cast(pa.string())


MESSAGE_MEMO = 8192
"""Messages memoised by (column, rule, value): bad values repeat within a batch; a bigger memo only grows
with the file."""


def column_ranks(plan: Plan) -> dict[str, int]:
    """Each column's number: columns in key order, so that found cells carrying it sort by column key."""
    return {key: i for i, key in enumerate(sorted(c.key for c in plan.columns))}


class Messages:
    """Turns failing cells into an :class:`IssueBatch`, rendering each distinct message once."""

    def __init__(self, plan: Plan, rank: dict[str, int], casefold: set[str]) -> None:
        self.job = plan.job
        self.rules: dict[str, tuple[Rule, ...]] = {c.key: c.rules for c in plan.columns if c.rules}
        self.header: dict[str, str] = {c.key: c.header for c in plan.columns}
        self.casefold = casefold
        self.rank = rank
        self.by_rank = sorted(rank, key=rank.__getitem__)
        self._memo: dict[tuple[str, int, str], str] = {}

    def _of_rule(self, key: str, rule_index: int, values: list[str]) -> list[str]:
        """The messages of one column's bad values for one rule. A message depends only on the column,
        the rule and the value (memoised); what the rule and column fix is looked up once per call."""
        rule = self.rules[key][rule_index]
        code = codes.get(rule.code)
        fixed = {"column": self.header[key], "operation": self.job.operation, "hint": "", **rule.params}
        detail, memo = rule.detail, self._memo
        if detail is None and "value" not in code.fields:  # one message for every value (invalid-url)
            return [code.render(**fixed)] * len(values)
        out = []
        for value in values:
            text = memo.get((key, rule_index, value)) if len(value) <= MAX_ECHO else None
            if text is None:
                fields = {"value": value, **fixed}
                if detail is not None:
                    fields.update(detail(value))
                text = code.render(**fields)
                if len(memo) >= MESSAGE_MEMO:
                    memo.clear()
                if len(value) <= MAX_ECHO:  # a long value seldom repeats, and the memo would keep it whole
                    memo[(key, rule_index, value)] = text
            out.append(text)
        return out

    def _of_cross_row(self, key: str, check: CrossRow, values: list[str], first: list[int]) -> list[str]:
        c = codes.get(check.code)
        case = " (compared ignoring case)" if check != CrossRow.EMPTY_KEY and key in self.casefold else ""
        job = self.job
        return [
            c.render(
                column=self.header[key],
                value=v,
                operation=job.operation,
                module=job.schema.module,
                first_row=x,
                case=case,
            )
            for v, x in zip(values, first, strict=True)
        ]

    def batch(self, found: Found) -> IssueBatch:
        """The issues of ``found`` (one per cell), grouped by column and check."""
        if not len(found):
            return IssueBatch.from_issues(())
        # One group per (column, rule or cross-row check): its code and column are set once, and its
        # messages are rendered once per distinct bad value (N/A, 1e10, yes... repeat).
        order = np.lexsort((found.rules, found.cross, found.columns))
        c, x, r = found.columns[order], found.cross[order], found.rules[order]
        starts = np.ones(len(order), dtype=bool)
        starts[1:] = (c[1:] != c[:-1]) | (x[1:] != x[:-1]) | (r[1:] != r[:-1])
        inverse = np.empty(len(order), dtype=np.int64)
        inverse[order] = np.cumsum(starts) - 1
        bounds = [*np.flatnonzero(starts).tolist(), len(order)]
        parts = [
            (order[a:b], self.by_rank[int(c[a])], int(x[a]), int(r[a])) for a, b in itertools.pairwise(bounds)
        ]
        values, first = found.values, found.first

        def render_all() -> pa.DictionaryArray:
            # Each group's distinct messages go into one dictionary; each issue gets its index there.
            texts: list[str] = []
            index = np.empty(len(order), dtype=np.int32)
            for at, key, cross, rule in parts:
                # One group of all the issues in order (a huge cell's batch): the values, not a copy.
                whole = len(at) == len(values) and (at == np.arange(len(at))).all()
                group = values if whole else values.take(pa.array(at))
                if cross != NO_CROSS_ROW:
                    index[at] = np.arange(len(texts), len(texts) + len(at))
                    texts.extend(
                        self._of_cross_row(key, CrossRow(cross), group.to_pylist(), first[at].tolist())
                    )
                    continue
                if len(group) == 1:  # nothing to share: a huge cell is not copied into a dictionary
                    index[at] = len(texts)
                    texts.extend(self._of_rule(key, rule, group.to_pylist()))
                    continue
                enc = group.dictionary_encode()
                index[at] = enc.indices.to_numpy(zero_copy_only=False) + len(texts)
                texts.extend(self._of_rule(key, rule, enc.dictionary.to_pylist()))
            return pa.DictionaryArray.from_arrays(pa.array(index), pa.array(texts, pa.string()))

        return IssueBatch(
            rows=found.rows,
            kinds=inverse,
            kind_columns=tuple(self.header[key] for _, key, _, _ in parts),
            kind_codes=tuple(
                CrossRow(cross).code if cross != NO_CROSS_ROW else self.rules[key][rule].code
                for _, key, cross, rule in parts
            ),
            values=values,
            render_all=render_all,
        )
