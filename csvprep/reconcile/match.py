"""Which packed ZIP a Zoho result file answers, and which packed row each of its rows is.

A result is matched to a ZIP by file name when one of its names names it (``Contacts_0002``,
``Contacts_0001_cols2``; the longest wins), otherwise by content: the ZIP that holds more of the result's
echoed columns, then more of a sample of its rows. Rows are matched by position when every echoed value
agrees, otherwise by value where the values name exactly one packed row of the ZIP; the rest are returned
as unmatched, never guessed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep.errors import InputError
from csvprep.reconcile.files import ResultFile, ResultRow

SAMPLE = 256
"""Rows of a result file scored against each packed ZIP when its name names none (spread evenly)."""


@dataclass
class PackFile:
    """One packed ZIP (one job) and the result matched to it."""

    batch: int
    zip: str
    csv: str
    header: list[str]
    rows: int
    result: ResultFile | None = None
    matched_by: str = ""


def _stem_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(stem)}(?![A-Za-z0-9])")


def by_name(result: ResultFile, files: Sequence[PackFile]) -> PackFile | None:
    """The packed file a result's file names name (the longest: ``_0001_cols2`` over ``_0001``)."""
    named = [f for f in files if any(_stem_pattern(Path(f.zip).stem).search(h) for h in result.hints)]
    return max(named, key=lambda f: len(f.zip), default=None)


class PackedZips:
    """The packed CSVs, read from their ZIPs on demand (one at a time: memory stays one batch)."""

    def __init__(self, pack_dir: Path) -> None:
        self.dir = pack_dir

    def table(self, f: PackFile, columns: Sequence[str] | None = None) -> pa.Table:
        path = self.dir / f.zip
        try:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(f.csv)
        except (OSError, KeyError, zipfile.BadZipFile) as e:
            raise InputError(
                f"cannot read the packed {f.zip} ({e}): the pack directory is incomplete"
            ) from None
        names = list(f.header)
        return pcsv.read_csv(
            io.BytesIO(data),
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=list(columns) if columns is not None else None,
            ),
        )

    def echo(self, f: PackFile, columns: Sequence[str]) -> list[tuple[str, ...]]:
        """The packed rows' values in ``columns`` (those of a result's echoed columns the file has)."""
        if not columns:
            return [()] * f.rows
        table = self.table(f, columns)
        return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def _shared(result: ResultFile, f: PackFile) -> list[int]:
    """Positions of the result's echoed columns that the packed file has."""
    return [i for i, c in enumerate(result.echo) if c in f.header]


def assign(found: list[ResultFile], files: list[PackFile], batches: PackedZips) -> list[dict[str, Any]]:
    """Match each result file to a packed file; what could not be is returned as unmatched."""
    unmatched: list[dict[str, Any]] = []
    pending = []
    for r in found:
        f = by_name(r, files)
        if f is None:
            pending.append(r)
        elif f.result is not None:
            unmatched.append(
                {"file": r.name, "why": f"a second result for {f.zip} ({f.result.name} is used)"}
            )
        else:
            f.result, f.matched_by = r, "name"
    # A file holding more of the echoed columns wins, then the one holding more of the rows.
    best: dict[int, tuple[tuple[int, int], list[PackFile]]] = {}
    for f in files:
        seen: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
        for i, r in enumerate(pending):
            shared = _shared(r, f)
            columns = tuple(r.echo[j] for j in shared)
            if not shared:
                continue
            if columns not in seen:
                seen[columns] = Counter(batches.echo(f, columns))
            step = max(1, len(r.rows) // SAMPLE)
            rows = sum(1 for row in r.rows[::step] if seen[columns][tuple(row.echo[j] for j in shared)])
            score = (len(shared), rows) if rows else (0, 0)
            top, who = best.get(i, ((0, 0), []))
            if score > top:
                best[i] = (score, [f])
            elif score == top and rows:
                who.append(f)
    for i, r in enumerate(pending):
        score, who = best.get(i, ((0, 0), []))
        if not score[1]:
            unmatched.append({"file": r.name, "why": "its rows match no packed file's columns and values"})
        elif len(who) > 1:
            names = ", ".join(f.zip for f in who)
            unmatched.append({"file": r.name, "why": f"its rows match several packed files equally: {names}"})
        elif who[0].result is not None:
            unmatched.append({"file": r.name, "why": f"a second result for {who[0].zip}"})
        else:
            who[0].result, who[0].matched_by = r, "content"
    return unmatched


def match_rows(f: PackFile, batches: PackedZips) -> tuple[list[ResultRow | None], str, list[dict[str, Any]]]:
    """Each packed row's result row (None if none), how they were matched, and the rows left over."""
    r = f.result
    assert r is not None
    shared = _shared(r, f)
    packed = batches.echo(f, [r.echo[i] for i in shared])
    got = [tuple(row.echo[i] for i in shared) for row in r.rows]
    if len(got) == len(packed) and got == packed:
        return list(r.rows), "position" if shared else "position (no echoed column to verify)", []
    where: dict[tuple[str, ...], list[int]] = {}
    for pos, values in enumerate(packed):
        where.setdefault(values, []).append(pos)
    times = Counter(got)
    matched: list[ResultRow | None] = [None] * len(packed)
    left = []
    for row, values in zip(r.rows, got, strict=True):
        at = where.get(values, [])
        if len(at) == 1 and times[values] == 1 and shared:
            matched[at[0]] = row
            continue
        if not shared:
            why = "it echoes none of the packed file's columns, so it cannot be checked"
        elif not at:
            why = "no packed row has these values"
        else:
            why = f"{len(at)} packed rows have these values"
        left.append(
            {"file": r.name, "line": row.line, "values": list(row.echo), "status": row.status, "why": why}
        )
    return matched, "values", left
