"""``results``: Zoho's result files matched back to the rows a ``pack`` run sent, and what became of each.

Each result file is matched to the packed ZIP it answers, and each of its rows to a packed row
(:mod:`csvprep.reconcile.match`): a row that cannot be matched is reported, never guessed. The manifest says
which source row each packed row is (and, for a file packed again, its origin: :mod:`csvprep.packer.origin`);
the packed ZIPs hold its values, so the input need not be at hand. A column-split update joins its jobs'
results: a row fails if any of its jobs failed it.

Output (:mod:`csvprep.reconcile.output`): ``ids.csv`` (every packed row: origin, key columns, STATUS,
RECORD_ID), ``failed.csv`` (every skipped or unprocessed row with its values, ready to fix and pack again)
and ``summary.json``. The books balance: rows in = rejected by csvprep + added + updated + failed (skipped
or unprocessed) + no result.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from csvprep.errors import InputError, UsageError
from csvprep.packer.origin import expand, expand_runs
from csvprep.reconcile.files import SUCCESS, ResultRow, read_results
from csvprep.reconcile.match import PackedZips, PackFile, assign, match_rows
from csvprep.reconcile.output import Outcome, Output, ResultPaths, ResultTotals, prepare, reasons
from csvprep.rules.formula import neutralise
from csvprep.zoho_codes import explain

__all__ = ["Outcome", "ResultPaths", "ResultTotals", "Results", "results"]

MANIFEST = "manifest.json"
OUT_SUFFIX = "-results"
"""The default output directory is the pack directory's name with this, beside it (the pack output stays
as pack wrote it, so pack --force can replace it)."""
NO_RESULT = "no result"
SHOW = 10
"""Lines of errors and unmatched rows the terminal summary shows (summary.json has them all)."""
FAILED_ORDER = ("skipped", "unprocessed")
"""When a row's column sets fared differently, the first of these it got is its outcome."""
Errors = tuple[tuple[str, str | None], ...]


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
        raise UsageError(f"{pack_dir} has no {MANIFEST}: give the output directory of a csvprep pack run")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read {path}: {e}") from None
    totals = manifest.get("totals") if isinstance(manifest, dict) else None
    counted = isinstance(totals, dict) and all(
        isinstance(totals.get(k), int) for k in ("rows_in", "rows_rejected")
    )
    if (
        not isinstance(manifest, dict)
        or manifest.get("csvprep") != "pack"
        or "batches" not in manifest
        or not counted
    ):
        raise InputError(f"{path} is not the manifest of a csvprep pack run")
    return manifest


def _pack_files(manifest: dict[str, Any]) -> list[PackFile]:
    try:
        sets = (manifest.get("columns") or {}).get("sets") or []
        return [
            PackFile(i, f["zip"], f["csv"], [str(c) for c in sets[j]], int(b["rows"]))
            for i, b in enumerate(manifest["batches"])
            for j, f in enumerate(b["files"])
        ]
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise InputError(
            f"{MANIFEST} does not describe the batches as csvprep pack writes them ({e})"
        ) from None


def _combine(parts: Sequence[ResultRow | None]) -> tuple[str, str, Errors]:
    """A row's outcome from its column sets' results: any failure fails it; a missing part leaves it open."""
    if len(parts) == 1:  # one job per batch, the usual case
        p = parts[0]
        return (NO_RESULT, "", ()) if p is None else (p.status, p.record_id, p.errors)
    statuses = [p.status for p in parts if p is not None]
    errors = tuple(e for p in parts if p is not None for e in p.errors)
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
    try:
        origin = batch.get("origin")
        if origin:
            files = origin["files"]
            rows = expand(origin["rows"]).tolist()
            names = [str(files[i]) for i in expand_runs(origin["file_runs"]).tolist()]
        else:
            rows = expand(batch["source_rows"]).tolist()
            names = [str((manifest.get("input") or {}).get("name") or "")] * len(rows)
        if not len(rows) == len(names) == int(batch["rows"]):
            raise ValueError(f"batch {batch.get('batch')} lists {len(rows)} rows, not {batch['rows']}")
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise InputError(
            f"{MANIFEST} does not describe the batches as csvprep pack writes them ({e})"
        ) from None
    return rows, names


def _key_columns(manifest: dict[str, Any], files: Sequence[PackFile]) -> list[str]:
    """ids.csv's key columns: the columns Zoho echoes (the first three), and the find_by key."""
    if not files:
        return []
    header = files[0].header
    keys = header[:3]
    key = (manifest.get("options") or {}).get("find_by")
    if manifest.get("operation") != "insert" and key in header and key not in keys:
        keys.append(key)
    return keys


def _failed_values(tables: Sequence[pa.Table], at: pa.Array, columns: Sequence[str]) -> list[pa.Array]:
    """The failed rows' values in ``columns``, gathered from the batch's column sets, each formula quoted
    as rejects.csv quotes it (:mod:`csvprep.rules.formula`), so failed.csv packs back to the same values."""
    out = []
    for c in columns:
        have = next((t for t in tables if c in t.column_names), None)
        out.append(
            neutralise(have.column(c).take(at)) if have is not None else pa.nulls(len(at), pa.string())
        )
    return out


def _by_error(counts: Counter[tuple[str, str | None]]) -> list[dict[str, Any]]:
    return [
        {"code": code, "column": col, "rows": n, "explanation": explain(code, col)}
        for (code, col), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or ""))
    ]


def _batch(
    manifest: dict[str, Any],
    i: int,
    mine: Sequence[PackFile],
    zips: PackedZips,
    keys: Sequence[str],
    columns: Sequence[str],
    w: Output,
    found: _Found,
) -> None:
    """Match batch ``i``'s results, write its rows to ids.csv and failed.csv, and count them."""
    per_file: list[list[ResultRow | None]] = []
    for f in mine:
        if f.result is None:
            per_file.append([None] * f.rows)
            continue
        rows, how, left = match_rows(f, zips)
        per_file.append(rows)
        found.unmatched.extend(left)
        matched = sum(1 for x in rows if x is not None)
        described = {"file": f.result.name, "zip": f.zip, "matched_by": f.matched_by}
        found.files.append(
            described | {"rows": len(f.result.rows), "rows_matched": matched, "verified_by": how}
        )
    origin_rows, origin_files = _origins(manifest, manifest["batches"][i])
    combined = [_combine(parts) for parts in zip(*per_file, strict=True)]
    statuses = [c[0] for c in combined]
    found.outcomes.extend(
        Outcome(origin_rows[p], origin_files[p], i + 1, p, *c) for p, c in enumerate(combined)
    )
    key_table = zips.table(mine[0], keys)
    w.ids(
        [
            pa.array(origin_rows, pa.int64()),
            pa.array(origin_files, pa.string()),
            *(neutralise(c) for c in key_table.columns),  # a quote before each formula, as in rejects.csv
            pa.array(statuses, pa.string()),
            pa.array([c[1] for c in combined], pa.string()),
        ]
    )
    failed = [p for p, s in enumerate(statuses) if s not in SUCCESS and s != NO_RESULT]
    if not failed:
        return
    for p in failed:
        found.errors.update(set(combined[p][2]))
    at = pa.array(failed, pa.int64())
    lead = [
        pa.array([origin_rows[p] for p in failed], pa.int64()),
        pa.array([reasons(combined[p][2], statuses[p]) for p in failed], pa.string()),
        pa.array([origin_files[p] for p in failed], pa.string()),
        pa.array([statuses[p] for p in failed], pa.string()),
    ]
    w.failed([*lead, *_failed_values([zips.table(f) for f in mine], at, columns)])


@dataclass
class _Found:
    """What the batches add up to, as they are matched."""

    outcomes: list[Outcome] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    errors: Counter[tuple[str, str | None]] = field(default_factory=Counter)


def _totals(manifest: dict[str, Any], outcomes: Sequence[Outcome]) -> tuple[ResultTotals, dict[str, int]]:
    by_status = Counter(o.status for o in outcomes)
    t = manifest["totals"]  # checked by _load_manifest
    added, updated, no_result = by_status["added"], by_status["updated"], by_status[NO_RESULT]
    failed = len(outcomes) - added - updated - no_result
    totals = ResultTotals(int(t["rows_in"]), int(t["rows_rejected"]), added, updated, failed, no_result)
    if totals.rejected + added + updated + failed + no_result != totals.rows_in:
        raise AssertionError(f"results lost rows: {totals}")  # never expected: the books must balance
    return totals, {"rejected by csvprep": totals.rejected, **dict(sorted(by_status.items()))}


def _default_out(pack: Path) -> Path:
    """``batches`` → ``batches-results``, beside it."""
    named = pack if pack.name else pack.resolve()
    return named.with_name(named.name + OUT_SUFFIX) if named.name else named / OUT_SUFFIX.lstrip("-")


def results(
    pack_dir: str | os.PathLike[str],
    sources: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    out_dir: str | os.PathLike[str] | None = None,
) -> Results:
    """Match Zoho's result files (ZIPs, CSVs, or folders of them) to the rows ``pack`` wrote to ``pack_dir``.

    Writes ``ids.csv``, ``failed.csv`` and ``summary.json`` into ``out_dir`` (default
    ``<pack_dir>-results`` beside ``pack_dir``), replacing only an earlier results output. Raises
    :class:`csvprep.CsvprepError` (and writes nothing) when it cannot run.
    """
    pack = Path(pack_dir)
    manifest = _load_manifest(pack)
    out = Path(out_dir) if out_dir is not None else _default_out(pack)
    sources = [sources] if isinstance(sources, (str, os.PathLike)) else sources
    target = prepare(out, [pack, *sources])
    read = read_results(sources, skip=out)
    files = _pack_files(manifest)
    zips = PackedZips(pack)
    found = _Found(unmatched=assign(read, files, zips))
    keys = _key_columns(manifest, files)
    columns = list(dict.fromkeys(c for f in files for c in f.header))
    with Output(target, keys, columns) as w:
        for i in range(len(manifest["batches"])):
            _batch(manifest, i, [f for f in files if f.batch == i], zips, keys, columns, w, found)
        totals, statuses = _totals(manifest, found.outcomes)
        missing = [f.zip for f in files if f.result is None]
        by_error = _by_error(found.errors)
        summary = {
            "csvprep": "results",
            "pack": {k: manifest.get(k) for k in ("module", "operation")}
            | {"input": (manifest.get("input") or {}).get("name")},
            "totals": asdict(totals),
            "by_status": statuses,
            "by_error": by_error,
            "missing": missing,
            "unmatched": found.unmatched,
            "files": found.files,
        }
        paths = w.finish(summary)
    return Results(totals, statuses, by_error, missing, found.unmatched, found.files, paths, found.outcomes)
