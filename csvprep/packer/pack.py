"""``pack``: validate like ``check``, then write the good rows into upload-ready ZIP batches.

Output (one directory): ``<Module>_<NNNN>.zip`` batches, each with one UTF-8 CSV of at most ``max_rows``
records in at most ``max_zip_bytes`` of ZIP, and its create-job request ``<Module>_<NNNN>.job.json``
(`packer.batches`, `packer.jobspec`); ``rejects.csv`` with every row that has an error
(`packer.rejects`); and ``manifest.json``, which accounts for every row: the input's checksum, the
options, each batch's source rows, sizes and checksum, the totals and the API credits (500 a job).
Limits and credits: https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html

The input is judged by the batch loop ``check`` runs (:mod:`csvprep.judging`), so the rows rejected are
the rows ``check`` reports with errors, and the result carries the same report. Everything is written in a
temporary directory beside the output directory and renamed into place at the end: an interrupted run
leaves no half-written batch set.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from csvprep.arguments import check_pack_arguments
from csvprep.codes import Severity
from csvprep.engine import Plan, Run, plan
from csvprep.engine.formats import detect_formats
from csvprep.errors import OutputError, UsageError
from csvprep.judging import BatchLoop, Sorted, good_table, plan_formats, run_source
from csvprep.options import (
    DEFAULT_COMPRESSION,
    MAX_CSV_BYTES,
    MAX_ROWS,
    MAX_ZIP_BYTES,
    DeclaredFormat,
    Formats,
    Job,
    Operation,
    PackOptions,
    Progress,
    Source,
)
from csvprep.output import outdir
from csvprep.output.outfile import describe_os_error, is_write_error
from csvprep.packer.batches import (
    MANIFEST,
    Batcher,
    PackedBatch,
    dump_json,
    iter_zip_rows,
)
from csvprep.packer.jobspec import ColumnSet, column_sets, describe_sets
from csvprep.packer.origin import Origins
from csvprep.packer.rejects import Rejects
from csvprep.packer.rowsize import RowSizer
from csvprep.packer.zipstream import sha256_file
from csvprep.reader import ReadOptions, Table, is_dataframe, open_table
from csvprep.report import Report, ReportBuilder
from csvprep.rules import EmailJudge
from csvprep.schema import ModuleSchema, shipped_modules

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_ROWS",
    "MAX_ZIP_BYTES",
    "PackResult",
    "PackTotals",
    "iter_zip_rows",
    "pack",
    "pack_job",
]

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


def _check_module(schema: ModuleSchema) -> None:
    """The job JSON names the module, so a name guessed from a schema file's name is not good enough."""
    name = schema.module
    guessed = schema.module_guessed and name.lower() not in {m.lower() for m in shipped_modules()}
    if guessed or not _MODULE_NAME.fullmatch(name):
        raise UsageError(
            f"the job JSON must name the module and '{name}' is only the schema file's name: "
            "pass module=NAME (e.g. Contacts) with the schema"
        )


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
    compression: int = DEFAULT_COMPRESSION,
    ignore_empty: bool = False,
    layout: str | os.PathLike[str] | None = None,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    tz: str | None = None,
    date_format: DeclaredFormat = None,
    datetime_format: DeclaredFormat = None,
    detect_formats: bool = False,
    keep: int | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Check ``source`` and write its good rows as upload-ready batches into ``out_dir``.

    ``date_format``, ``datetime_format`` and ``detect_formats`` as for ``check``: a column's pattern goes
    into its field mapping's ``format``, and the cells stay as they are. ``keep`` caps the issues kept in
    ``result.report`` (None keeps all). Raises :class:`csvprep.CsvprepError` (and writes nothing) when the
    run cannot happen (a wrong argument included).
    """
    check_pack_arguments(locals())
    options = PackOptions(max_rows, max_zip_bytes, max_csv_bytes, compression, force)
    out = Path(out_dir)
    formats = Formats.of(date_format, datetime_format, detect_formats)
    target = _prepare_out(out, force, source)
    job = Job.resolve(module, schema, operation, find_by, ignore_empty, layout, formats)
    read = ReadOptions(encoding, delimiter, sheet, tz)
    return _pack(source, target, job, options, read, keep, progress)


def pack_job(
    source: Source,
    out_dir: str | os.PathLike[str],
    job: Job,
    options: PackOptions,
    read: ReadOptions,
    *,
    keep: int | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """:func:`pack` with its options as values (the command line's route)."""
    target = _prepare_out(Path(out_dir), options.force, source)
    return _pack(source, target, job, options, read, keep, progress)


def _pack(
    source: Source,
    target: outdir.Target,
    job: Job,
    options: PackOptions,
    read: ReadOptions,
    keep: int | None,
    progress: Progress | None,
) -> PackResult:
    out = target.shown
    _check_module(job.schema)
    table = open_table(source, read)
    origins = Origins(table.header, table.keys, _source_name(source, table))
    p = detect_formats(plan(table.header, job, EmailJudge()), table)  # the run closes the judge
    sets = () if p.blocked else column_sets(p)
    if sets and not sets[0].columns:
        raise UsageError("no column of the file maps to a field: nothing to pack")
    staging = outdir.claim(target)
    tmp = staging.path
    done = False
    batcher = Batcher(
        tmp, p, sets, options.max_rows, options.max_zip_bytes, options.compression, options.max_csv_bytes
    )
    rejects: Rejects | None = None
    try:
        builder = ReportBuilder(keep=keep)
        builder.add_file_issues(p.file_issues)
        file_errors = [i for i in p.file_issues if i.severity == Severity.ERROR]
        rejects = Rejects(tmp / REJECTS, table.header, table.keys, file_errors, origins)
        sizer = None
        if not p.blocked:
            sizer = RowSizer(p, sets, options.max_zip_bytes, options.max_csv_bytes, options.compression)
        with Run(table, p) as run:
            facts = _input_facts(source, table, run)
            loop = BatchLoop(run, builder, sizer, progress)
            loop.judge_all(functools.partial(_pack_batch, batcher, rejects, origins))
        batches = tuple(batcher.finish())
        rejects.close()
        index = source.index if is_dataframe(source) else None  # labels the report's rows
        report = builder.finish(loop.rows, run_source(table, job, p.notes, p), index)
        jobs = sum(len(b.files) for b in batches)
        totals = PackTotals(loop.rows, batcher.rows, rejects.rows, len(batches), jobs, jobs * CREDITS_PER_JOB)
        if totals.rows_packed + totals.rows_rejected != totals.rows_in:
            raise AssertionError(f"pack lost rows: {totals}")  # never expected: the books must balance
        limits = options.manifest()
        chosen = {
            "module": job.schema.module,
            "operation": job.operation,
            "find_by": job.key,
            **limits,
            "ignore_empty": job.ignore_empty,
            "encoding": read.encoding,
            "delimiter": read.delimiter,
            "sheet": read.sheet,
            **job.formats.manifest(),
        }
        manifest = _manifest(facts, chosen, p, sets, batches, totals, report, tmp / REJECTS, origins)
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


def _pack_batch(batcher: Batcher, rejects: Rejects, origins: Origins, batch: Sorted) -> None:
    """Pack a judged batch's good rows; its other rows go to the rejects file."""
    judged = batch.judged
    bad = np.union1d(judged.error_rows, [m.row for m in judged.batch.malformed]).astype(np.int64)
    if batch.good is None or batch.good_rows is None:  # blocked: every row is rejected
        bad = np.union1d(bad, judged.batch.rows)
    else:
        batcher.add(batch.good, batch.good_rows)
        if origins.carried:
            whole = good_table(judged, judged.batch.table.column_names)[0]
            origins.add_packed(whole, batch.good_rows)
    rejects.write(judged, bad)


def _source_name(source: Source, table: Table) -> str:
    """The input's file name, as rows name the file they come from (a frame or stream: its table's name)."""
    return Path(source).name if isinstance(source, (str, os.PathLike)) else table.name


def _input_facts(source: Source, table: Table, run: Run) -> Callable[[], dict[str, Any]]:
    """The input's name, size and sha256 for the manifest, hashed on the run's background thread while
    the rows are packed (hashlib releases the GIL)."""
    if not isinstance(source, (str, os.PathLike)):  # a frame (no bytes), or a stream hashed as it was read
        return lambda: {"name": table.name, "size": table.size, "sha256": table.sha256}
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
        "formats": plan_formats(p),
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
