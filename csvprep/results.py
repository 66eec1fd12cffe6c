"""``results``: Zoho's result files matched back to the rows a ``pack`` run sent, and what became of each.

Each result CSV is matched to the packed ZIP it answers: by file name when it names one
(``Contacts_0002``, ``Contacts_0001_cols2``), otherwise by content (the packed file whose echoed columns
hold most of its rows). Each result row is then matched to its packed row by position, verified against
the echoed columns (the first three mapped columns, :mod:`csvprep.resultfiles`); when that verification
fails, by those values where they name exactly one packed row. A row that cannot be matched that way is
reported, never guessed. The manifest says which source row each packed row is (and, for a file packed
again, its origin: :mod:`csvprep.origin`); the packed ZIPs hold its values, so the input need not be at
hand.

Output (:mod:`csvprep.resultsout`): ``ids.csv`` (every packed row: origin, key columns, STATUS,
RECORD_ID), ``failed.csv`` (every skipped or unprocessed row with its values, ready to fix and pack again)
and ``summary.json``. The books balance: rows in = rejected by csvprep + added + updated + skipped +
unprocessed (+ rows whose result is missing).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep.errors import InputError, UsageError
from csvprep.origin import expand, expand_runs
from csvprep.resultfiles import SUCCESS, ResultFile, ResultRow, read_results
from csvprep.resultsout import Outcome, Output, ResultPaths, ResultTotals, prepare
from csvprep.zoho_codes import explain

__all__ = ["Outcome", "ResultPaths", "ResultTotals", "Results", "results"]

MANIFEST = "manifest.json"
OUT = "results"
NO_RESULT = "no result"
SHOW = 10
"""Lines of errors and unmatched rows the terminal summary shows (summary.json has them all)."""
FAILED_ORDER = ("skipped", "unprocessed")
"""When a row's column sets fared differently, the first of these it got is its outcome."""


@dataclass
class _PackFile:
    """One packed ZIP (one job) and the result matched to it."""

    batch: int
    zip: str
    csv: str
    header: list[str]
    rows: int
    result: ResultFile | None = None
    matched_by: str = ""


@dataclass(frozen=True, slots=True)
class Results:
    """What ``results`` found: the totals, each row's outcome, and what could not be matched."""

    totals: ResultTotals
    by_status: dict[str, int]
    by_error: list[dict[str, Any]]
    """Rows per Zoho code and column, with the explanation."""
    missing: list[str]
    """Packed ZIPs (jobs) with no result file."""
    unmatched: list[dict[str, Any]]
    """Result rows (and result files) that could not be matched to a packed row."""
    files: list[dict[str, Any]]
    """Each result file, the ZIP it was matched to, and how."""
    paths: ResultPaths
    outcomes: list[Outcome] = field(repr=False)
    """Every packed row's outcome, in batch order."""

    def summary_lines(self) -> list[str]:
        """The summary for a person, a line each (the command prints them)."""
        t = self.totals
        lines = [
            f"rows in {t.rows_in:,}: added {t.added:,}, updated {t.updated:,}, failed at Zoho {t.failed:,}, "
            f"rejected by csvprep {t.rejected:,}, no result {t.no_result:,}",
            "by status: " + ", ".join(f"{k} {v:,}" for k, v in self.by_status.items()),
        ]
        for e in self.by_error[:SHOW]:
            where = f" ({e['column']})" if e["column"] else ""
            lines.append(f"{e['code']}{where}: {e['rows']:,} row(s): {e['explanation']}")
        if len(self.by_error) > SHOW:
            lines.append(f"... and {len(self.by_error) - SHOW} more codes and columns (see summary.json)")
        if self.missing:
            lines.append(f"no result for {len(self.missing)} job(s): " + ", ".join(self.missing[:SHOW]))
        for u in self.unmatched[:SHOW]:
            at = f" line {u['line']}" if "line" in u else ""
            lines.append(f"not matched: {u['file']}{at}: {u['why']}")
        if len(self.unmatched) > SHOW:
            lines.append(f"... and {len(self.unmatched) - SHOW} more not matched (see summary.json)")
        p = self.paths
        lines.append(f"→ {p.out_dir}{os.sep} (ids.csv, failed.csv, summary.json)")
        return lines

    @property
    def exit_code(self) -> int:
        """0 = every row in was added or updated; 1 = some were not (rejected, failed, no result)."""
        t = self.totals
        return 0 if t.added + t.updated == t.rows_in and not self.unmatched else 1


def _load_manifest(pack_dir: Path) -> dict[str, Any]:
    path = pack_dir / MANIFEST
    if not path.is_file():
        raise UsageError(f"{pack_dir} has no {MANIFEST}: give the --out directory of a csvprep pack run")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("csvprep") != "pack" or "batches" not in manifest:
        raise InputError(f"{path} is not the manifest of a csvprep pack run")
    return manifest


def _pack_files(manifest: dict[str, Any]) -> list[_PackFile]:
    sets = (manifest.get("columns") or {}).get("sets") or []
    out = []
    for i, b in enumerate(manifest["batches"]):
        for j, f in enumerate(b["files"]):
            out.append(_PackFile(i, f["zip"], f["csv"], list(sets[j]), int(b["rows"])))
    return out


def _stem_pattern(stem: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(stem)}(?![A-Za-z0-9])")


def _by_name(result: ResultFile, files: Sequence[_PackFile]) -> _PackFile | None:
    """The packed file a result's file names name (the longest: ``_0001_cols2`` over ``_0001``)."""
    named = [f for f in files if any(_stem_pattern(Path(f.zip).stem).search(h) for h in result.hints)]
    return max(named, key=lambda f: len(f.zip), default=None)


class _Batches:
    """The packed CSVs, read from their ZIPs on demand (one at a time: memory stays one batch)."""

    def __init__(self, pack_dir: Path) -> None:
        self.dir = pack_dir

    def table(self, f: _PackFile, columns: Sequence[str] | None = None) -> pa.Table:
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

    def echo(self, f: _PackFile, columns: Sequence[str]) -> list[tuple[str, ...]]:
        """The packed rows' values in ``columns`` (those of a result's echoed columns the file has)."""
        if not columns:
            return [()] * f.rows
        table = self.table(f, columns)
        return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))


def _shared(result: ResultFile, f: _PackFile) -> list[int]:
    """Positions of the result's echoed columns that the packed file has."""
    return [i for i, c in enumerate(result.echo) if c in f.header]


def _assign(found: list[ResultFile], files: list[_PackFile], batches: _Batches) -> list[dict[str, Any]]:
    """Match each result file to a packed file; what could not be is returned as unmatched."""
    unmatched: list[dict[str, Any]] = []
    pending = []
    for r in found:
        f = _by_name(r, files)
        if f is None:
            pending.append(r)
        elif f.result is not None:
            unmatched.append(
                {"file": r.name, "why": f"a second result for {f.zip} ({f.result.name} is used)"}
            )
        else:
            f.result, f.matched_by = r, "name"
    best: dict[int, tuple[int, list[_PackFile]]] = {}
    for f in files:
        usable = [i for i, r in enumerate(pending) if len(_shared(r, f)) == len(r.echo) and r.echo]
        if not usable:
            continue
        seen = Counter(batches.echo(f, pending[usable[0]].echo))
        for i in usable:
            r = pending[i]
            values = seen if r.echo == pending[usable[0]].echo else Counter(batches.echo(f, r.echo))
            score = sum(1 for row in r.rows if values[row.echo])
            top, who = best.get(i, (0, []))
            if score > top:
                best[i] = (score, [f])
            elif score == top and score:
                who.append(f)
    for i, r in enumerate(pending):
        score, who = best.get(i, (0, []))
        if not score:
            unmatched.append({"file": r.name, "why": "its rows match no packed file's columns and values"})
        elif len(who) > 1:
            names = ", ".join(f.zip for f in who)
            unmatched.append({"file": r.name, "why": f"its rows match several packed files equally: {names}"})
        elif who[0].result is not None:
            unmatched.append({"file": r.name, "why": f"a second result for {who[0].zip}"})
        else:
            who[0].result, who[0].matched_by = r, "content"
    return unmatched


def _match_rows(f: _PackFile, batches: _Batches) -> tuple[list[ResultRow | None], str, list[dict[str, Any]]]:
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
        why = "no packed row has these values" if not at else f"{len(at)} packed rows have these values"
        left.append(
            {"file": r.name, "line": row.line, "values": list(row.echo), "status": row.status, "why": why}
        )
    return matched, "values", left


def _combine(parts: Sequence[ResultRow | None]) -> tuple[str, str, list[tuple[str, str | None]]]:
    """A row's outcome from its column sets' results: any failure fails it; a missing part leaves it open."""
    statuses = [p.status for p in parts if p is not None]
    errors = [e for p in parts if p is not None for e in p.errors]
    record_id = next((p.record_id for p in parts if p is not None and p.record_id), "")
    failed = [s for s in statuses if s not in SUCCESS]
    if failed:
        status = next((s for s in FAILED_ORDER if s in failed), failed[0])
    elif len(statuses) < len(parts):
        status = NO_RESULT
    else:
        status = "updated" if "updated" in statuses else "added"
    return status, record_id, errors


def _origins(manifest: dict[str, Any], batch: dict[str, Any]) -> tuple[list[int], list[str]]:
    """Each packed row's origin (row, file) in batch order."""
    origin = batch.get("origin")
    if origin:
        files = origin["files"]
        return expand(origin["rows"]).tolist(), [files[i] for i in expand_runs(origin["file_runs"]).tolist()]
    rows = expand(batch["source_rows"]).tolist()
    return rows, [str(manifest.get("input", {}).get("name") or "")] * len(rows)


def _key_columns(manifest: dict[str, Any], files: Sequence[_PackFile]) -> list[str]:
    """ids.csv's key columns: the columns Zoho echoes (the first three), and the find_by key."""
    if not files:
        return []
    header = files[0].header
    keys = header[:3]
    key = (manifest.get("options") or {}).get("find_by")
    if manifest.get("operation") != "insert" and key in header and key not in keys:
        keys.append(key)
    return keys


def _values(tables: Sequence[pa.Table], pos: int, columns: Sequence[str]) -> list[str]:
    """A packed row's values in ``columns``, gathered from its column sets."""
    cells: dict[str, str] = {}
    for t in tables:
        for name in t.column_names:
            cells.setdefault(name, t.column(name)[pos].as_py())
    return [cells.get(c, "") for c in columns]


def _by_error(counts: Counter[tuple[str, str | None]]) -> list[dict[str, Any]]:
    return [
        {"code": code, "column": col, "rows": n, "explanation": explain(code, col)}
        for (code, col), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or ""))
    ]


def results(
    pack_dir: str | os.PathLike[str],
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    out_dir: str | os.PathLike[str] | None = None,
) -> Results:
    """Match Zoho's result files (ZIPs, CSVs, or folders of them) to the rows ``pack`` wrote to ``pack_dir``.

    Writes ``ids.csv``, ``failed.csv`` and ``summary.json`` into ``out_dir`` (default
    ``<pack_dir>/results``), replacing only an earlier results output. Raises
    :class:`csvprep.CsvprepError` (and writes nothing) when it cannot run.
    """
    pack = Path(pack_dir)
    manifest = _load_manifest(pack)
    out = Path(out_dir) if out_dir is not None else pack / OUT
    prepare(out)
    found = read_results([sources] if isinstance(sources, (str, os.PathLike)) else sources, skip=out)
    files = _pack_files(manifest)
    batches = _Batches(pack)
    unmatched = _assign(found, files, batches)
    keys = _key_columns(manifest, files)
    columns = list(dict.fromkeys(c for f in files for c in f.header))
    outcomes: list[Outcome] = []
    described: list[dict[str, Any]] = []
    errors: Counter[tuple[str, str | None]] = Counter()
    with Output(out, keys, columns) as w:
        for i, b in enumerate(manifest["batches"]):
            mine = [f for f in files if f.batch == i]
            per_file: list[list[ResultRow | None]] = []
            for f in mine:
                if f.result is None:
                    per_file.append([None] * f.rows)
                    continue
                rows, how, left = _match_rows(f, batches)
                per_file.append(rows)
                unmatched.extend(left)
                matched = sum(1 for x in rows if x is not None)
                described.append(
                    {
                        "file": f.result.name,
                        "zip": f.zip,
                        "matched_by": f.matched_by,
                        "rows": len(f.result.rows),
                    }
                    | {"rows_matched": matched, "verified_by": how}
                )
            origin_rows, origin_files = _origins(manifest, b)
            combined = [_combine(parts) for parts in zip(*per_file, strict=True)]
            failed = {p for p, (s, _, _) in enumerate(combined) if s not in SUCCESS and s != NO_RESULT}
            key_table = batches.table(mine[0], keys)
            key_values = list(zip(*(key_table.column(k).to_pylist() for k in keys), strict=True))
            tables = [batches.table(f) for f in mine] if failed else []
            for pos, (status, record_id, errs) in enumerate(combined):
                o = Outcome(origin_rows[pos], origin_files[pos], i + 1, pos, status, record_id, tuple(errs))
                outcomes.append(o)
                w.add(
                    o,
                    key_values[pos] if keys else (),
                    _values(tables, pos, columns) if pos in failed else None,
                )
                if pos in failed:
                    errors.update(set(errs))
        by_status = Counter(o.status for o in outcomes)
        t = manifest["totals"]
        added, updated, no_result = by_status["added"], by_status["updated"], by_status[NO_RESULT]
        totals = ResultTotals(
            t["rows_in"],
            t["rows_rejected"],
            added,
            updated,
            len(outcomes) - added - updated - no_result,
            no_result,
        )
        if (
            totals.rejected + totals.added + totals.updated + totals.failed + totals.no_result
            != totals.rows_in
        ):
            raise AssertionError(f"results lost rows: {totals}")  # never expected: the books must balance
        missing = [f.zip for f in files if f.result is None]
        statuses = {"rejected by csvprep": totals.rejected, **dict(sorted(by_status.items()))}
        summary = {
            "csvprep": "results",
            "pack": {k: manifest.get(k) for k in ("module", "operation")}
            | {"input": manifest.get("input", {}).get("name")},
            "totals": asdict(totals),
            "by_status": statuses,
            "by_error": _by_error(errors),
            "missing": missing,
            "unmatched": unmatched,
            "files": described,
        }
        paths = w.finish(summary)
    return Results(totals, statuses, _by_error(errors), missing, unmatched, described, paths, outcomes)
