"""Date patterns found in the data: with ``detect_formats``, a date or date-time column that csvprep's
default would reject, and whose every non-empty cell of the first batch is a real date of exactly one of
Zoho's patterns (:mod:`csvprep.rules.patterns`), is judged and mapped with that pattern. The later batches
are judged by it, so a cell that breaks it is an ordinary error. Where two patterns fit (03/04/2020) or
none fits every cell, nothing is guessed and a note says why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pyarrow as pa

from csvprep.engine.planning import Column, Plan, with_format
from csvprep.engine.typed import column_kinds
from csvprep.reader import Batch, Table
from csvprep.rules import EmailJudge, byte_lengths
from csvprep.rules.patterns import DEFAULTS, Kind, fits, pattern

_DEFAULT_SHOWN = {"date": "yyyy-MM-dd", "datetime": "yyyy-MM-ddTHH:mm:ss±HH:mm"}
_FITS_SHOWN = 5
"""Patterns a note names at most."""


class _PutBack:
    """A table's batches with the first one, read ahead to decide, put back in front."""

    def __init__(self, first: Batch, rest: Iterator[Batch]) -> None:
        self._first: Batch | None = first
        self._rest = rest

    def __iter__(self) -> _PutBack:
        return self

    def __next__(self) -> Batch:
        if self._first is not None:
            first, self._first = self._first, None
            return first
        return next(self._rest)

    def close(self) -> None:
        self._first = None
        close = getattr(self._rest, "close", None)
        if close is not None:
            close()


def detect_formats(plan: Plan, table: Table) -> Plan:
    """``plan`` with the patterns the first batch of ``table`` shows, when its job asks for detection, and
    notes on what was found; without detection, a note on each column the default would reject whose
    cells show Zoho's pattern, saying how to declare it. The batch goes back to the table, to be judged
    first. Only a column with a cell the default rejects costs more than one pass of the first batch."""
    todo = [c for c in plan.columns if c.kind is not None and c.format_how is None]
    if not todo:
        return plan
    if table.typing is not None:  # a typed input's values become text by the field each column goes to
        table.typing.kinds.update(column_kinds(plan))
    first = next(table.batches, None)
    if first is None:
        return plan
    table.batches = _PutBack(first, table.batches)
    detect = plan.job.formats.detect
    emails = plan.emails or EmailJudge(worker=False)
    columns = {c.key: c for c in plan.columns}
    notes = list(plan.notes)
    for c in todo:
        kind = c.kind
        assert kind is not None  # todo holds date and date-time columns only
        cells = first.table.column(c.key).combine_chunks()
        default_ok = pattern(DEFAULTS[kind], kind).shape_ok(cells)  # an impossible day is no pattern's
        if default_ok.all():
            continue  # the default takes every cell: no declaration needed
        filled = byte_lengths(cells) > 0
        if not detect and 2 * int((default_ok & filled).sum()) > int(filled.sum()):
            continue  # mostly the default: the cells' own hints say what to fix
        found, note = _decide(c, kind, cells, detect)
        if found is not None and detect:
            columns[c.key] = with_format(c, plan.job, emails, found, "detected")
        if note:
            notes.append(note)
    return replace(plan, columns=tuple(columns[c.key] for c in plan.columns), notes=tuple(notes))


def _decide(c: Column, kind: Kind, cells: pa.Array, detect: bool) -> tuple[str | None, str | None]:
    """The one pattern every filled cell fits (None: none or several), and the note that says what was
    found; without ``detect`` the note says how to declare it, and is left out where nothing would help."""
    filled, counts = fits(cells, kind)
    every = [java for java, n in counts.items() if n == filled]
    declare = f"declare it with {kind}_format ({c.header}=PATTERN)"
    if len(every) == 1:
        if detect:
            return every[0], (
                f"{c.header}: every {kind} in the first batch ({filled:,}) is {every[0]}: judged and "
                "mapped with that format (detected; a later cell of another pattern is an error)"
            )
        return every[0], (
            f"{c.header}: its {kind}s are {every[0]}, which Zoho takes when the job says so: "
            f"{declare.replace('PATTERN', every[0])} or let detect_formats find it"
        )
    if every:
        shown = ", ".join(every[:_FITS_SHOWN]) + (" ..." if len(every) > _FITS_SHOWN else "")
        return None, (
            f"{c.header}: its {kind}s fit {len(every)} of Zoho's patterns alike ({shown}), as 03/04/2020 "
            f"is 3 April or 4 March: nothing was guessed; {declare}"
        )
    if not counts:
        return None, f"{c.header}: no pattern of Zoho's fits its {kind}s" if detect else None
    best, n = max(counts.items(), key=lambda item: item[1])
    if best == DEFAULTS[kind] and not detect:
        return None, None  # mostly the default already: the cells' own hints say what to fix
    return None, (
        f"{c.header}: mixes {kind} patterns: {n:,} of {filled:,} cells in the first batch are {best}, "
        f"the rest are not; not declared (judged as {_DEFAULT_SHOWN[kind]}): make them one pattern"
        + ("" if best == DEFAULTS[kind] else f", then {declare}")
    )
