"""``pack``: validate like ``check``, then write the good rows into upload-ready ZIP batches.

Each batch is ``<Module>_<NNNN>.zip`` holding one UTF-8 CSV (no BOM, RFC 4180, every value quoted, CRLF
records; header = the mapped columns) with at most ``max_rows`` records and at most ``max_zip_bytes`` of ZIP
(25,000 records and 25 MB: ``../shared/reference/zoho-rules.md`` §2.1), beside its create-job request
``<Module>_<NNNN>.job.json`` (§2.3, see :mod:`csvprep.jobspec`). Every row with an error goes to
``rejects.csv`` as it came in, behind two columns ``_csvprep_row`` and ``_csvprep_errors`` that the engine
ignores (:data:`csvprep.engine.RESERVED_COLUMNS`), so the fixed file can be packed again as it is.
``manifest.json`` accounts for every row: the input's checksum, the options, each batch's source rows,
sizes and checksum, the totals and the API credits (500 a job, §2.1).

It streams: good rows go into the open batch in chunks of at most :data:`CHUNK_ROWS` rows or about
:data:`CHUNK_BYTES` of cells, cut from the data itself (not from how the input was read), so the same rows
and options give the same bytes. Each chunk's compressed size is measured before it is taken
(:mod:`csvprep.zipstream`); a chunk that would take the ZIP over the limit is cut by bisection to the rows
that fit, and the batch closes there. Everything is written in a temporary directory beside the output
directory and renamed into place at the end: an interrupted run leaves no half-written batch set.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from csvprep import codes
from csvprep.api import Progress, Source, make_job
from csvprep.codes import Severity
from csvprep.engine import RESERVED_COLUMNS, Judged, Operation, Plan, Validator, judge, plan
from csvprep.errors import UsageError
from csvprep.jobspec import ColumnSet, column_sets, describe_sets, job_request
from csvprep.reader import open_table
from csvprep.report import Report, ReportBuilder
from csvprep.schema import ModuleSchema, shipped_modules
from csvprep.zipstream import ZipStream

MAX_ROWS = 25_000
MAX_ZIP_BYTES = 25 * 1024 * 1024
CREDITS_PER_JOB = 500
CHUNK_ROWS = 1024
CHUNK_BYTES = 2 << 20
REJECTS = "rejects.csv"
MANIFEST = "manifest.json"
EOL = "\r\n"
_CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="needed", eol=EOL)


@dataclass(frozen=True, slots=True)
class PackedFile:
    """One ZIP and its job request."""

    zip: str
    job: str
    csv: str
    columns: int
    csv_bytes: int
    zip_bytes: int
    zip_sha256: str


@dataclass(frozen=True, slots=True)
class PackedBatch:
    """Consecutive good rows sent together: one ZIP per column set (one unless the file has > 200)."""

    number: int
    rows: int
    source_rows: tuple[tuple[int, int], ...]
    """The spreadsheet rows it holds, as inclusive ranges."""
    files: tuple[PackedFile, ...]


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


# --- good rows → batches ------------------------------------------------------------------------------


_MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PAIR = re.compile(r"\[\s+(-?\d+),\s+(-?\d+)\s+\]")


def dump_json(doc: Any) -> str:
    """Indented JSON with each row range ``[start, end]`` on one line."""
    return _PAIR.sub(r"[\1, \2]", json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def _ranges(rows: np.ndarray) -> tuple[tuple[int, int], ...]:
    if not len(rows):
        return ()
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(rows) - 1]])
    return tuple((int(rows[s]), int(rows[e])) for s, e in zip(starts, ends, strict=True))


def _csv_line(cells: Sequence[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=EOL).writerow(cells)
    return buf.getvalue().encode("utf-8")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _row_bytes(table: pa.Table) -> np.ndarray:
    total = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        total += pc.binary_length(col).to_numpy(zero_copy_only=False)
    return total


class _OpenBatch:
    def __init__(self, number: int, streams: list[ZipStream]) -> None:
        self.number = number
        self.streams = streams
        self.rows = 0
        self.row_parts: list[np.ndarray] = []


class Batcher:
    """Takes good rows in order and cuts them into batches that keep both limits."""

    def __init__(
        self, out: Path, plan: Plan, sets: Sequence[ColumnSet], max_rows: int, max_zip_bytes: int, level: int
    ) -> None:
        self.out, self.plan, self.sets = out, plan, tuple(sets)
        self.max_rows, self.limit, self.level = max_rows, max_zip_bytes, level
        self.stem = re.sub(r"[^A-Za-z0-9_.-]", "_", plan.job.schema.module) or "Module"
        self.pending: list[tuple[pa.Table, np.ndarray, np.ndarray]] = []
        self.open: _OpenBatch | None = None
        self.done: list[PackedBatch] = []
        self.rows = 0

    def add(self, table: pa.Table, rows: np.ndarray) -> None:
        """Queue good rows (columns = every mapped column key, in input order)."""
        if table.num_rows:
            self.pending.append((table, rows, _row_bytes(table)))
            self._drain(final=False)

    def finish(self) -> list[PackedBatch]:
        self._drain(final=True)
        if self.open is not None:
            self._close()
        return self.done

    def abandon(self) -> None:
        if self.open is not None:
            for s in self.open.streams:
                s.abandon()

    def _drain(self, final: bool) -> None:
        if not self.pending:
            return
        table = pa.concat_tables([t for t, _, _ in self.pending])
        rows = np.concatenate([r for _, r, _ in self.pending])
        sizes = np.concatenate([s for _, _, s in self.pending])
        self.pending = []
        start = 0
        n = len(rows)
        cum = np.cumsum(sizes)
        while start < n:
            base = cum[start - 1] if start else 0
            by_bytes = int(np.searchsorted(cum, base + CHUNK_BYTES, side="left")) + 1
            end = min(start + CHUNK_ROWS, by_bytes, n)
            full = end - start == CHUNK_ROWS or cum[end - 1] - base >= CHUNK_BYTES
            if not full and not final:
                break
            self._write(table.slice(start, end - start), rows[start:end])
            start = end
        if start < n:
            self.pending = [(table.slice(start), rows[start:], sizes[start:])]

    def _csv(self, table: pa.Table, cs: ColumnSet) -> bytes:
        buf = io.BytesIO()
        pcsv.write_csv(table.select(cs.keys), buf, _CSV_OPTIONS)
        return buf.getvalue()

    def _try(self, table: pa.Table) -> list[Any] | None:
        assert self.open is not None
        streams = self.open.streams
        attempts = [s.attempt(self._csv(table, cs)) for s, cs in zip(streams, self.sets, strict=True)]
        ok = all(s.fits(a, self.limit) for s, a in zip(self.open.streams, attempts, strict=True))
        return attempts if ok else None

    def _write(self, table: pa.Table, rows: np.ndarray) -> None:
        while table.num_rows:
            if self.open is None:
                self._open_batch()
            ob = self.open
            assert ob is not None
            part = table.slice(0, min(self.max_rows - ob.rows, table.num_rows))
            taken, attempts = part.num_rows, self._try(part)
            if attempts is None:
                lo, hi, attempts = 0, part.num_rows, None
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    a = self._try(part.slice(0, mid))
                    lo, hi, attempts = (mid, hi, a) if a is not None else (lo, mid, attempts)
                taken = lo
            if not taken:
                if not ob.rows:
                    raise UsageError(
                        f"--max-zip-bytes {self.limit:,} is too small for row {int(rows[0])} "
                        "even alone in a ZIP"
                    )
                self._close()
                continue
            assert attempts is not None
            for s, a in zip(ob.streams, attempts, strict=True):
                s.take(a)
            ob.rows += taken
            ob.row_parts.append(rows[:taken])
            table, rows = table.slice(taken), rows[taken:]
            if taken < part.num_rows or ob.rows == self.max_rows:
                self._close()

    def _names(self, number: int) -> list[str]:
        stem = f"{self.stem}_{number:04d}"
        return [stem] if len(self.sets) == 1 else [f"{stem}_cols{i + 1}" for i in range(len(self.sets))]

    def _open_batch(self) -> None:
        number = len(self.done) + 1
        streams = []
        for name, cs in zip(self._names(number), self.sets, strict=True):
            s = ZipStream(self.out / f"{name}.zip", f"{name}.csv", self.level)
            streams.append(s)
            a = s.attempt(_csv_line(cs.header))
            if not s.fits(a, self.limit):
                for t in streams:
                    t.abandon()
                raise UsageError(f"--max-zip-bytes {self.limit:,} is too small for the header alone")
            s.take(a)
        self.open = _OpenBatch(number, streams)

    def _close(self) -> None:
        ob = self.open
        assert ob is not None
        self.open = None
        rows = np.concatenate(ob.row_parts)
        ranges = _ranges(rows)
        files = []
        for i, (name, s, cs) in enumerate(zip(self._names(ob.number), ob.streams, self.sets, strict=True)):
            raw, size = s.close()
            zip_path = self.out / f"{name}.zip"
            note: dict[str, Any] = {
                "batch": ob.number,
                "rows": ob.rows,
                "first_row": ranges[0][0],
                "last_row": ranges[-1][1],
                "source_rows": f"see {MANIFEST}",
            }
            if len(self.sets) > 1:
                note["column_set"] = f"{i + 1} of {len(self.sets)}"
            request = job_request(self.plan, cs, zip_path.name, note)
            (self.out / f"{name}.job.json").write_text(dump_json(request), encoding="utf-8")
            files.append(
                PackedFile(
                    zip_path.name,
                    f"{name}.job.json",
                    f"{name}.csv",
                    len(cs.columns),
                    raw,
                    size,
                    _sha256(zip_path),
                )
            )
        self.rows += ob.rows
        self.done.append(PackedBatch(ob.number, ob.rows, ranges, tuple(files)))


# --- rows with errors → rejects.csv -----------------------------------------------------------------------


def _reason(code: str, column: str | None, message: str) -> str:
    return f"{code} ({column}): {message}" if column is not None else f"{code}: {message}"


class Rejects:
    """``rejects.csv``: ``_csvprep_row``, ``_csvprep_errors``, then the input's own columns, as they came."""

    def __init__(
        self, path: Path, header: Sequence[str], keys: Sequence[str], file_reasons: Sequence[str]
    ) -> None:
        self.positions = [i for i, h in enumerate(header) if h not in RESERVED_COLUMNS]
        self.reserved = {i for i, h in enumerate(header) if h in RESERVED_COLUMNS}
        self.keys = [keys[i] for i in self.positions]
        self.file_reasons = list(file_reasons)
        self.fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by close()
        self.w = csv.writer(self.fh, lineterminator=EOL)
        self.w.writerow([*RESERVED_COLUMNS, *(header[i] for i in self.positions)])
        self.rows = 0

    def write(self, judged: Judged, rows: np.ndarray) -> None:
        """Write the batch's rows with these numbers (well-formed or malformed), in row order."""
        if not len(rows):
            return
        reasons = self._reasons(judged)
        frame = judged.batch.frame
        malformed = {m.row: m for m in judged.batch.malformed}
        in_frame = rows[np.isin(rows, frame.index.to_numpy())]
        values = dict(zip(in_frame.tolist(), frame.loc[in_frame, self.keys].to_numpy().tolist(), strict=True))
        out = []
        for r in rows.tolist():
            why = " | ".join([*reasons.get(r, ()), *self.file_reasons])
            if r in values:
                cells = values[r]
            else:
                fields = malformed[r].fields
                cells = [f for i, f in enumerate(fields) if i not in self.reserved]
            out.append([r, why, *cells])
        self.w.writerows(out)
        self.rows += len(out)

    @staticmethod
    def _reasons(judged: Judged) -> dict[int, list[str]]:
        issues = judged.issues
        reasons: dict[int, list[str]] = {}
        if not len(issues):
            return reasons
        sev = {c: codes.get(c).severity for c in set(issues.codes.tolist())}
        for i, (row, col, code) in enumerate(
            zip(issues.rows.tolist(), issues.columns.tolist(), issues.codes.tolist(), strict=True)
        ):
            if sev[code] == Severity.ERROR:
                reasons.setdefault(row, []).append(_reason(code, col, issues.render(i)))
        return reasons

    def close(self) -> None:
        self.fh.close()


# --- the run ------------------------------------------------------------------------------------------


def _prepare_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise UsageError(f"--out {out} is not empty; pass --force to replace an earlier pack output")
        if not (out / MANIFEST).is_file():
            raise UsageError(
                f"--force replaces only an earlier pack output (a directory with {MANIFEST}); "
                f"{out} has none, so it is left alone"
            )


def _replace(tmp: Path, out: Path) -> None:
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / out.name)
        os.replace(tmp, out)
        shutil.rmtree(old)
    else:
        os.replace(tmp, out)


def _check_limits(max_rows: int, max_zip_bytes: int, compression: int) -> None:
    if not 1 <= max_rows <= MAX_ROWS:
        raise UsageError(f"--max-rows must be 1 to {MAX_ROWS:,} (Zoho's limit per job), not {max_rows}")
    if not 1 <= max_zip_bytes <= MAX_ZIP_BYTES:
        raise UsageError(
            f"--max-zip-bytes must be 1 to {MAX_ZIP_BYTES:,} (Zoho's 25 MB upload limit), not {max_zip_bytes}"
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
    frame = judged.batch.frame
    index = frame.index.to_numpy(dtype=np.int64)
    keep = ~np.isin(index, judged.error_rows)
    table = pa.Table.from_pandas(frame[list(keys)], preserve_index=False)
    if not keep.all():
        table = table.filter(pa.array(keep))
    return table, index[keep]


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
    compression: int = 6,
    ignore_empty: bool = False,
    force: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    keep: int | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Check ``source`` and write its good rows as upload-ready batches into ``out_dir``.

    ``keep`` caps the issues kept in ``result.report`` (None keeps all). Raises
    :class:`csvprep.CsvprepError` (and writes nothing) when the run cannot happen.
    """
    _check_limits(max_rows, max_zip_bytes, compression)
    out = Path(out_dir)
    _prepare_out(out, force)
    job = make_job(module, schema, operation, find_by, ignore_empty)
    _check_module(job.schema.module, module, schema)
    table = open_table(source, encoding=encoding, delimiter=delimiter, sheet=sheet)
    p = plan(table.header, job)
    sets = () if p.blocked else column_sets(p)
    if sets and not sets[0].columns:
        raise UsageError("no column of the file maps to a field: nothing to pack")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    done = False
    batcher = Batcher(tmp, p, sets, max_rows, max_zip_bytes, compression)
    rejects: Rejects | None = None
    try:
        builder = ReportBuilder(keep=keep)
        builder.add_file_issues(p.file_issues)
        file_reasons = [
            _reason(i.code, i.column, i.message) for i in p.file_issues if i.severity == Severity.ERROR
        ]
        rejects = Rejects(tmp / REJECTS, table.header, table.keys, file_reasons)
        keys = [c.key for c in p.mapped]
        rows_in = 0
        for judged in judge(table.batches, Validator(p), len(table.header)):
            rows_in += judged.batch.records
            builder.add(judged.issues)
            bad = np.union1d(judged.error_rows, [m.row for m in judged.batch.malformed]).astype(np.int64)
            if p.blocked:
                bad = np.union1d(bad, judged.batch.frame.index.to_numpy(dtype=np.int64))
            else:
                batcher.add(*_good_table(judged, keys))
            rejects.write(judged, bad)
            if progress is not None:
                progress(rows_in, judged.batch.bytes_done)
        batches = tuple(batcher.finish())
        rejects.close()
        src: dict[str, Any] = {**table.describe(), "module": job.schema.module, "operation": job.operation}
        if job.find_by:
            src["find_by"] = job.find_by
        report = builder.finish(rows_in, src)
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
            "compression": compression,
            "ignore_empty": ignore_empty,
            "encoding": encoding,
            "delimiter": delimiter,
            "sheet": sheet,
        }
        manifest = _manifest(source, options, p, sets, batches, totals, report, tmp / REJECTS)
        (tmp / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
        _replace(tmp, out)
        done = True
    finally:
        if not done:
            if rejects is not None:
                rejects.close()
            batcher.abandon()
            shutil.rmtree(tmp, ignore_errors=True)
    paths = PackPaths(out, out / MANIFEST, out / REJECTS)
    return PackResult(batches, totals, report, paths, p.blocked)


def _input_facts(source: Source) -> dict[str, Any]:
    if isinstance(source, pd.DataFrame):
        return {"name": "<DataFrame>", "size": None, "sha256": None}
    path = Path(source)
    return {"name": path.name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _manifest(
    source: Source,
    options: dict[str, Any],
    p: Plan,
    sets: Sequence[ColumnSet],
    batches: Sequence[PackedBatch],
    totals: PackTotals,
    report: Report,
    rejects: Path,
) -> dict[str, Any]:
    """Everything a person or a script needs to trust the batch set; no timestamps, no temporary paths."""
    return {
        "csvprep": "pack",
        "input": _input_facts(source),
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
            "sha256": _sha256(rejects),
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


def iter_zip_rows(path: str | os.PathLike[str]) -> Iterator[list[str]]:
    """The records of a packed ZIP (header first), read back with the csv module: for tests and audits."""
    with zipfile.ZipFile(path) as zf:
        (name,) = zf.namelist()
        text = zf.read(name).decode("utf-8")
    yield from csv.reader(io.StringIO(text, newline=""))
