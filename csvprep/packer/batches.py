"""Good rows → ZIP batches: chunks measured by their real compressed size, cut where a limit is reached.

Rows arrive in input order and go into the open batch in chunks of at most :data:`CHUNK_ROWS` rows or
about :data:`CHUNK_BYTES` of cells, cut from the data itself (not from how the input was read), so the same
rows and options give the same bytes. Each chunk is written as CSV by ``pyarrow.csv.write_csv`` (RFC 4180:
every value quoted, quotes doubled, CRLF records; values byte for byte as read) and its compressed size is
measured before it is taken (`packer.zipstream`). A chunk that would take a ZIP over the limit is cut
by bisection to the rows that fit, and the batch closes there; a batch also closes at ``max_rows``
(25,000 and 25 MB). The CSV inside is held to ``max_csv_bytes`` as well: Zoho's limitations page puts
the 25 MB on the CSV
(https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html), its upload page on the ZIP, so
both are kept. Each closed batch gets its job JSON
(:mod:`csvprep.packer.jobspec`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from csvprep.engine import Plan
from csvprep.errors import UsageError
from csvprep.packer.jobspec import ColumnSet, job_request
from csvprep.packer.zipstream import Attempt, Budget, ZipStream
from csvprep.reader.exactcsv import unlimited

ZOHO_MAX_BYTES = 25 * 1024 * 1024
"""Zoho's limit on an uploaded ZIP and on the CSV inside it (25 MB)."""
CHUNK_ROWS = 4096
CHUNK_BYTES = 8 << 20
DEFLATE_BUDGET = 48 << 20
"""CSV bytes queued for the deflate threads at most (bounds the memory they hold)."""
MANIFEST = "manifest.json"
EOL = "\r\n"
CSV_OPTIONS = pcsv.WriteOptions(include_header=False, quoting_style="needed", eol=EOL)


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


def _is_pair(x: object) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(type(v) is int for v in x)


_PAIRS = re.compile(r"\[\[-?\d+, -?\d+\](?:, \[-?\d+, -?\d+\])*\]")


def dump_json(doc: Any) -> str:
    """Indented JSON with each row range ``[start, end]`` on one line.

    Ranges (a manifest may hold a hundred thousand) are written by the C encoder and split into lines:
    ``json``'s indenting encoder is pure Python and too slow for them.
    """
    blobs: dict[str, str] = {}
    token = uuid.uuid4().hex  # no value of the document can spell the placeholder

    def swap(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        if _is_pair(x):
            key = f"\u0000{token}:{len(blobs)}"
            blobs[key] = f"[{x[0]}, {x[1]}]"
            return key
        if isinstance(x, (list, tuple)):
            if x and isinstance(x[0], (list, tuple)):
                flat = json.dumps(x)
                if _PAIRS.fullmatch(flat):
                    key = f"\u0000{token}:{len(blobs)}"
                    blobs[key] = flat
                    return key
            return [swap(v) for v in x]
        return x

    text = json.dumps(swap(doc), indent=2, ensure_ascii=False)
    for key, flat in blobs.items():
        quoted = json.dumps(key)
        at = text.index(quoted)
        if flat.startswith("[["):
            line = text.rfind("\n", 0, at) + 1
            indent = " " * (len(text[line:at]) - len(text[line:at].lstrip(" ")))
            body = flat[1:-1].replace("], [", f"],\n{indent}  [")
            flat = f"[\n{indent}  {body}\n{indent}]"
        text = f"{text[:at]}{flat}{text[at + len(quoted) :]}"
    return text + "\n"


def _ranges(rows: np.ndarray) -> tuple[tuple[int, int], ...]:
    if not len(rows):
        return ()
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(rows) - 1]])
    return tuple((int(rows[s]), int(rows[e])) for s, e in zip(starts, ends, strict=True))


def csv_line(cells: Sequence[object]) -> bytes:
    """One CSV record (the ``csv`` module's minimal quoting, CRLF), UTF-8."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=EOL).writerow(cells)
    return buf.getvalue().encode("utf-8")


def _row_bytes(table: pa.Table) -> np.ndarray:
    total = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        total += pc.binary_length(col).to_numpy(zero_copy_only=False)
    return total


def entry_names(module: str, number: int, sets: int) -> list[str]:
    """The file stems of batch ``number``: ``Module_0001``, or ``Module_0001_cols1``... for several sets."""
    stem = f"{re.sub(r'[^A-Za-z0-9_.-]', '_', module) or 'Module'}_{number:04d}"
    return [stem] if sets == 1 else [f"{stem}_cols{i + 1}" for i in range(sets)]


class _OpenBatch:
    def __init__(self, number: int, streams: list[ZipStream]) -> None:
        self.number = number
        self.streams = streams
        self.rows = 0
        self.row_parts: list[np.ndarray] = []


@dataclass(frozen=True, slots=True)
class _Closing:
    """A closed batch whose ZIPs may still be deflating on their threads."""

    number: int
    rows: int
    source_rows: tuple[tuple[int, int], ...]
    files: list[tuple[str, str, str, int]]
    """Each file's zip, job, csv and column count."""
    futures: list[Future[tuple[int, int, str]]]
    """Each ZIP's (CSV bytes, ZIP bytes, sha256) once it is written."""

    def result(self) -> PackedBatch:
        done = zip(self.files, self.futures, strict=True)
        return PackedBatch(
            self.number, self.rows, self.source_rows, tuple(PackedFile(*f, *fut.result()) for f, fut in done)
        )


class Batcher:
    """Takes good rows in order and cuts them into batches that keep both limits."""

    def __init__(
        self,
        out: Path,
        plan: Plan,
        sets: Sequence[ColumnSet],
        max_rows: int,
        max_zip_bytes: int,
        level: int,
        max_csv_bytes: int | None = None,
    ) -> None:
        self.out, self.plan, self.sets = out, plan, tuple(sets)
        self.max_rows, self.limit, self.level = max_rows, max_zip_bytes, level
        self.csv_limit = max_csv_bytes
        self.pending: list[tuple[pa.Table, np.ndarray, np.ndarray]] = []
        self.open: _OpenBatch | None = None
        self.closing: list[_Closing] = []
        """Closed batches, in order; their ZIPs may still be deflating."""
        self.budget = Budget(DEFLATE_BUDGET)
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
        return [c.result() for c in self.closing]

    def abandon(self) -> None:
        if self.open is not None:
            for s in self.open.streams:
                s.abandon()
        for c in self.closing:
            wait(c.futures)  # their files are closed before the directory goes

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
        pcsv.write_csv(table.select(cs.keys), buf, CSV_OPTIONS)
        return buf.getvalue()

    def _try(self, table: pa.Table) -> list[Any] | None:
        assert self.open is not None
        streams = self.open.streams
        pairs = zip(streams, self.sets, strict=True)
        attempts = [s.attempt(self._csv(table, cs), self.limit) for s, cs in pairs]
        ok = all(self._fits(s, a) for s, a in zip(self.open.streams, attempts, strict=True))
        return attempts if ok else None

    def _fits(self, stream: ZipStream, attempt: Attempt) -> bool:
        """Both limits: the ZIP's measured size and the CSV's bytes."""
        csv_ok = self.csv_limit is None or stream.raw + len(attempt.data) <= self.csv_limit
        return csv_ok and stream.fits(attempt, self.limit)

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
                        f"max_zip_bytes={self.limit:,} is too small for row {int(rows[0])} "
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
        return entry_names(self.plan.job.schema.module, number, len(self.sets))

    def _open_batch(self) -> None:
        number = len(self.closing) + 1
        streams = []
        for name, cs in zip(self._names(number), self.sets, strict=True):
            s = ZipStream(self.out / f"{name}.zip", f"{name}.csv", self.level, self.budget)
            streams.append(s)
            a = s.attempt(csv_line(cs.header), self.limit)
            if not self._fits(s, a):
                for t in streams:
                    t.abandon()
                csv_limit = f" or max_csv_bytes={self.csv_limit:,}" if self.csv_limit else ""
                raise UsageError(f"max_zip_bytes={self.limit:,}{csv_limit} is too small for the header alone")
            s.take(a)
        self.open = _OpenBatch(number, streams)

    def _close(self) -> None:
        ob = self.open
        assert ob is not None
        self.open = None
        rows = np.concatenate(ob.row_parts)
        ranges = _ranges(rows)
        files, futures = [], []  # files: the PackedFile fields known now; the ZIP's follow from its future
        for i, (name, s, cs) in enumerate(zip(self._names(ob.number), ob.streams, self.sets, strict=True)):
            futures.append(s.close())
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
            request = job_request(self.plan, cs, zip_path.name, f"{name}.csv", note)
            (self.out / f"{name}.job.json").write_text(dump_json(request), encoding="utf-8")
            files.append((zip_path.name, f"{name}.job.json", f"{name}.csv", len(cs.columns)))
        self.rows += ob.rows
        self.closing.append(_Closing(ob.number, ob.rows, ranges, files, futures))


def iter_zip_rows(path: str | os.PathLike[str]) -> Iterator[list[str]]:
    """The records of a packed ZIP (header first), read back with the csv module: for tests and audits."""
    with zipfile.ZipFile(path) as zf:
        (name,) = zf.namelist()
        text = zf.read(name).decode("utf-8")
    yield from unlimited(csv.reader(io.StringIO(text, newline="")))
