"""``pack``: validate like ``check``, then write the good rows into upload-ready ZIP batches.

Output (one directory): ``<Module>_<NNNN>.zip`` batches, each with one UTF-8 CSV of at most ``max_rows``
records in at most ``max_zip_bytes`` of ZIP, and its create-job request ``<Module>_<NNNN>.job.json``
(:mod:`csvprep.batches`, :mod:`csvprep.jobspec`; limits and keys from ``../shared/reference/zoho-rules.md``
§2.1 and §2.3); ``rejects.csv`` with every row that has an error (:mod:`csvprep.rejects`); and
``manifest.json``, which accounts for every row: the input's checksum, the options, each batch's source rows,
sizes and checksum, the totals and the API credits (500 a job, §2.1).

The input is validated exactly as ``check`` does (same plan, validator and batch loop), so the rows rejected
are the rows ``check`` reports with errors, and the result carries the same report. Everything is written
in a temporary directory beside the output directory and renamed into place at the end: an interrupted run
leaves no half-written batch set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from csvprep import outdir
from csvprep.api import Progress, Source, make_job, run_source
from csvprep.arguments import check_pack_arguments
from csvprep.batches import (
    MANIFEST,
    Batcher,
    PackedBatch,
    dump_json,
    iter_zip_rows,
)
from csvprep.codes import Severity
from csvprep.engine import Judged, Operation, Plan, Run, plan
from csvprep.errors import OutputError, UsageError
from csvprep.jobspec import ColumnSet, column_sets, describe_sets
from csvprep.origin import Origins
from csvprep.outfile import describe_os_error, is_write_error
from csvprep.reader import Table, open_table
from csvprep.rejects import Rejects
from csvprep.report import Report, ReportBuilder
from csvprep.rowsize import RowSizer
from csvprep.rules import EmailJudge
from csvprep.schema import ModuleSchema, shipped_modules
from csvprep.zipstream import MAX_32, sha256_file

__all__ = ["PackResult", "PackTotals", "iter_zip_rows", "pack"]

MAX_ROWS = 25_000
MAX_ZIP_BYTES = 25 * 1024 * 1024
# Zoho's limitations page puts 25 MB on the CSV, its upload page on the ZIP: both are kept by default, and a
# user who reads it the other way may raise this one.
# https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html
MAX_CSV_BYTES = 25 * 1024 * 1024
CREDITS_PER_JOB = 500
REJECTS = "rejects.csv"


@dataclass(frozen=True, slots=True)
class PackTotals:
    rows_in: int
    rows_packed: int
    rows_rejected: int
    batches: int
    jobs: int
    api_credits: int


@dataclass(frozen=True, slots=True)
class PackPaths:
    out_dir: Path
    manifest: Path
    rejects: Path


@dataclass(frozen=True, slots=True)
class PackResult:
    """What ``pack`` wrote; ``report`` is the same report ``check`` gives for the input."""

    batches: tuple[PackedBatch, ...]
    totals: PackTotals
    report: Report
    paths: PackPaths
    blocked: bool = False
    """A file-level error: no batch was written and every row is in the rejects file."""

    @property
    def exit_code(self) -> int:
        """0 = every row packed, 1 = some rows rejected (or the file is blocked)."""
        return 1 if self.blocked or self.totals.rows_rejected else 0


_MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


# --- the run ------------------------------------------------------------------------------------------


def _prepare_out(out: Path, force: bool, source: Source) -> outdir.Target:
    inputs = [source] if isinstance(source, (str, os.PathLike)) else []
    return outdir.prepare(out, force, inputs)


def _replace(staging: outdir.Staging) -> None:
    staging.commit()


def _check_limits(max_rows: int, max_zip_bytes: int, compression: int, max_csv_bytes: int) -> None:
    if not 1 <= max_rows <= MAX_ROWS:
        raise UsageError(f"--max-rows must be 1 to {MAX_ROWS:,} (Zoho's limit per job), not {max_rows}")
    if not 1 <= max_zip_bytes <= MAX_ZIP_BYTES:
        raise UsageError(
            f"--max-zip-bytes must be 1 to {MAX_ZIP_BYTES:,} (Zoho's 25 MB upload limit), not {max_zip_bytes}"
        )
    if not 1 <= max_csv_bytes <= MAX_32:
        raise UsageError(
            f"max_csv_bytes must be 1 to {MAX_32:,} (a plain ZIP's entry limit), not {max_csv_bytes}"
        )
    if not 0 <= compression <= 9:
        raise UsageError(f"--compression must be 0 (store) to 9 (smallest), not {compression}")


def _check_module(name: str, module: str | None, schema: object) -> None:
    """The job JSON names the module, so a name guessed from a schema file's name is not good enough."""
    guessed = (
        module is None
        and isinstance(schema, (str, os.PathLike))
        and name == Path(schema).stem
        and name.lower() not in {m.lower() for m in shipped_modules()}
    )
    if guessed or not _MODULE_NAME.fullmatch(name):
        raise UsageError(
            f"the job JSON must name the module and '{name}' is only the schema file's name: "
            "pass --module NAME (e.g. Contacts) with --schema"
        )


def _good_table(judged: Judged, keys: Sequence[str]) -> tuple[pa.Table, np.ndarray]:
    batch = judged.batch
    keep = ~np.isin(batch.rows, judged.error_rows)
    table = batch.table.select(list(keys))
    if not keep.all():
        table = table.filter(pa.array(keep))
    return table, batch.rows[keep]


def pack(
    source: Source,
    out_dir: str | os.PathLike[str],
    *,
    module: str | None = None,
    schema: str | os.PathLike[str] | ModuleSchema | None = None,
    operation: Operation = "insert",
    find_by: str | None = None,
    max_rows: int = MAX_ROWS,
    max_zip_bytes: int = MAX_ZIP_BYTES,
    max_csv_bytes: int = MAX_CSV_BYTES,
    compression: int = 6,
    ignore_empty: bool = False,
    layout: str | os.PathLike[str] | None = None,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    keep: int | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Check ``source`` and write its good rows as upload-ready batches into ``out_dir``.

    ``keep`` caps the issues kept in ``result.report`` (None keeps all). Raises
    :class:`csvprep.CsvprepError` (and writes nothing) when the run cannot happen (a wrong argument included).
    """
    check_pack_arguments(locals())
    _check_limits(max_rows, max_zip_bytes, compression, max_csv_bytes)
    out = Path(out_dir)
    target = _prepare_out(out, force, source)
    job = make_job(module, schema, operation, find_by, ignore_empty, layout)
    _check_module(job.schema.module, module, schema)
    table = open_table(source, encoding=encoding, delimiter=delimiter, sheet=sheet)
    origins = Origins(table.header, table.keys, _source_name(source))
    p = plan(table.header, job, EmailJudge())  # the run closes it
    sets = () if p.blocked else column_sets(p)
    if sets and not sets[0].columns:
        raise UsageError("no column of the file maps to a field: nothing to pack")
    staging = outdir.claim(target)
    tmp = staging.path
    done = False
    batcher = Batcher(tmp, p, sets, max_rows, max_zip_bytes, compression, max_csv_bytes)
    rejects: Rejects | None = None
    try:
        builder = ReportBuilder(keep=keep)
        builder.add_file_issues(p.file_issues)
        file_errors = [i for i in p.file_issues if i.severity == Severity.ERROR]
        rejects = Rejects(tmp / REJECTS, table.header, table.keys, file_errors, origins)
        keys = [c.key for c in p.mapped]
        rows_in = 0
        sizer = RowSizer(p, sets, max_zip_bytes, max_csv_bytes, compression)
        with Run(table, p) as run:
            facts = _input_facts(source, table, run)
            for judged in run.judged():
                rows_in += judged.batch.records
                if not p.blocked:
                    good, good_rows = _good_table(judged, keys)
                    # A row no batch can hold becomes a row error here, before the batcher sees it.
                    sized = sizer.judge(judged, good)
                    if sized is not judged:
                        judged = sized
                        good, good_rows = _good_table(judged, keys)
                builder.add(judged.issues)
                bad = np.union1d(judged.error_rows, [m.row for m in judged.batch.malformed]).astype(np.int64)
                if p.blocked:
                    bad = np.union1d(bad, judged.batch.rows)
                else:
                    batcher.add(good, good_rows)
                    if origins.carried:
                        origins.add_packed(_good_table(judged, judged.batch.table.column_names)[0], good_rows)
                rejects.write(judged, bad)
                if progress is not None:
                    progress(rows_in, judged.batch.bytes_done)
        batches = tuple(batcher.finish())
        rejects.close()
        report = builder.finish(rows_in, run_source(table, job))
        jobs = sum(len(b.files) for b in batches)
        totals = PackTotals(rows_in, batcher.rows, rejects.rows, len(batches), jobs, jobs * CREDITS_PER_JOB)
        if totals.rows_packed + totals.rows_rejected != totals.rows_in:
            raise AssertionError(f"pack lost rows: {totals}")  # never expected: the books must balance
        options = {
            "module": job.schema.module,
            "operation": job.operation,
            "find_by": job.key,
            "max_rows": max_rows,
            "max_zip_bytes": max_zip_bytes,
            "max_csv_bytes": max_csv_bytes,
            "compression": compression,
            "ignore_empty": ignore_empty,
            "encoding": encoding,
            "delimiter": delimiter,
            "sheet": sheet,
        }
        manifest = _manifest(facts, options, p, sets, batches, totals, report, tmp / REJECTS, origins)
        (tmp / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
        _replace(staging)
        done = True
    except OSError as e:
        what = f"cannot write output directory {out}" if is_write_error(e) else "pack could not run"
        raise OutputError(f"{what}: {describe_os_error(e)}") from e
    finally:
        if not done:
            with suppress(OSError):  # the run's own error is the one to report
                if rejects is not None:
                    rejects.close()
            with suppress(OSError):
                batcher.abandon()
            staging.discard()
    paths = PackPaths(out, out / MANIFEST, out / REJECTS)
    return PackResult(batches, totals, report, paths, p.blocked)


def _source_name(source: Source) -> str:
    """The input's file name, as rows name the file they come from."""
    return Path(source).name if isinstance(source, (str, os.PathLike)) else "<DataFrame>"


def _input_facts(source: Source, table: Table, run: Run) -> Callable[[], dict[str, Any]]:
    """The input's name, size and sha256 for the manifest, hashed on the run's background thread while
    the rows are packed (hashlib releases the GIL)."""
    if not isinstance(source, (str, os.PathLike)):
        return lambda: {"name": "<DataFrame>", "size": None, "sha256": None}
    path = Path(source)
    if table.sha256 is not None:  # a pipe: hashed as it was read, since it cannot be read again
        return lambda: {"name": path.name, "size": table.size, "sha256": table.sha256}
    digest = run.background(sha256_file, path)
    size = path.stat().st_size
    return lambda: {"name": path.name, "size": size, "sha256": digest.result()}


def _manifest(
    facts: Callable[[], dict[str, Any]],
    options: dict[str, Any],
    p: Plan,
    sets: Sequence[ColumnSet],
    batches: Sequence[PackedBatch],
    totals: PackTotals,
    report: Report,
    rejects: Path,
    origins: Origins,
) -> dict[str, Any]:
    """Everything a person or a script needs to trust the batch set; no timestamps, no temporary paths."""
    return {
        "csvprep": "pack",
        "input": facts(),
        "options": options,
        "module": p.job.schema.module,
        "operation": p.job.operation,
        "blocked": p.blocked,
        "file_issues": [i.to_dict() for i in p.file_issues],
        "columns": describe_sets(sets) if sets else None,
        "batches": [
            {
                "batch": b.number,
                "rows": b.rows,
                "source_rows": [list(r) for r in b.source_rows],
                **({"origin": origins.for_batch(b.source_rows)} if origins.carried else {}),
                "files": [
                    {
                        "zip": f.zip,
                        "job": f.job,
                        "csv": f.csv,
                        "columns": f.columns,
                        "csv_bytes": f.csv_bytes,
                        "zip_bytes": f.zip_bytes,
                        "zip_sha256": f.zip_sha256,
                    }
                    for f in b.files
                ],
            }
            for b in batches
        ],
        "rejects": {
            "file": REJECTS,
            "rows": totals.rows_rejected,
            "bytes": rejects.stat().st_size,
            "sha256": sha256_file(rejects),
        },
        "totals": {
            "rows_in": totals.rows_in,
            "rows_packed": totals.rows_packed,
            "rows_rejected": totals.rows_rejected,
            "batches": totals.batches,
            "jobs": totals.jobs,
            "api_credits": totals.api_credits,
        },
        "check": report.summary.to_dict(),
    }
