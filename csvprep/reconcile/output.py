"""The files a ``results`` run writes: ``ids.csv``, ``failed.csv`` and ``summary.json``, safely.

``failed.csv`` is shaped like ``rejects.csv`` so that it can be fixed and packed again as it is:
``_csvprep_row`` and ``_csvprep_source`` (the row's origin), ``_csvprep_errors`` (each Zoho code with its
column and an explanation, :mod:`csvprep.zoho_codes`), ``_csvprep_status`` (skipped or unprocessed), then
the row's values as packed, with a quote before each cell a spreadsheet would run as a formula, as in
rejects.csv (:mod:`csvprep.rules.formula`). The engine ignores the ``_csvprep_*`` columns and takes
those quotes off again.

The output directory is written as ``pack``'s is (:mod:`csvprep.output.outdir`): checked before any work,
written into a locked working directory beside it and swapped in whole at the end. A non-empty output
directory is refused unless it is an earlier results output (its ``summary.json`` says so and it holds
nothing else), which is replaced; one holding an input (the pack directory, a result file) is refused; of
two runs for the same output, the second stops (exit 2).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, NamedTuple

import pyarrow as pa
import pyarrow.csv as pcsv

from csvprep.output import outdir
from csvprep.output.target import read_marker
from csvprep.packer.batches import CSV_OPTIONS, csv_line
from csvprep.packer.origin import ERRORS, ROW, SOURCE, STATUS
from csvprep.zoho_codes import explain

IDS, FAILED, SUMMARY = "ids.csv", "failed.csv", "summary.json"
OUTPUTS = (IDS, FAILED, SUMMARY)
KIND = "results"
WHY_UNPROCESSED = "Zoho did not process the row (the job stopped before it): send it again"
WHY_SKIPPED = "Zoho skipped the row and named no reason"
WHY_OTHER = "Zoho's STATUS for the row is '{status}', which its docs do not list (nor a reason)"


class Outcome(NamedTuple):
    """What became of one packed row (a named tuple: a pack may have millions)."""

    row: int
    """Its spreadsheet row in the file it first came from (``source``)."""
    source: str
    batch: int
    """The batch (1-based, as in the manifest) and its place in the batch (0-based)."""
    position: int
    status: str
    """added, updated, skipped, unprocessed (as Zoho wrote it), or ``no result``."""
    record_id: str
    errors: tuple[tuple[str, str | None], ...]
    """Zoho's (code, column) pairs."""


@dataclass(frozen=True, slots=True)
class ResultTotals:
    """The books: rows_in = rejected + added + updated + failed + no_result."""

    rows_in: int
    rejected: int
    """Rows csvprep kept out of the batches (pack's rejects.csv)."""
    added: int
    updated: int
    failed: int
    """Rows Zoho skipped or left unprocessed (all in failed.csv)."""
    no_result: int
    """Packed rows with no result row (its result file is missing, or the row could not be matched)."""


@dataclass(frozen=True, slots=True)
class ResultPaths:
    out_dir: Path
    ids: Path
    failed: Path
    summary: Path


def reasons(errors: Sequence[tuple[str, str | None]], status: str) -> str:
    """``_csvprep_errors`` of a failed row: ``CODE (column): explanation``, joined by `` | ``."""
    parts = [
        f"{code} ({col}): {explain(code, col)}" if col else f"{code}: {explain(code)}" for code, col in errors
    ]
    if not parts:
        why = {"unprocessed": WHY_UNPROCESSED, "skipped": WHY_SKIPPED}
        parts = [why.get(status) or WHY_OTHER.format(status=status)]
    return " | ".join(dict.fromkeys(parts))


def _results_files(out: Path) -> frozenset[str] | None:
    """The files of an earlier results output in ``out``, or None when its summary.json is not one."""
    summary = read_marker(out / SUMMARY)
    return frozenset(OUTPUTS) if isinstance(summary, dict) and summary.get("csvprep") == KIND else None


RESULTS = outdir.Kind("results", SUMMARY, _results_files)


def prepare(out: Path, inputs: Iterable[str | os.PathLike[str]]) -> outdir.Target:
    """Check ``out`` before any work: new, empty or an earlier results output, and holding no input."""
    return outdir.prepare(out, True, inputs, RESULTS)


class Output:
    """Writes ids.csv and failed.csv batch by batch, then summary.json, in a working directory."""

    def __init__(self, target: outdir.Target, keys: Sequence[str], values: Sequence[str]) -> None:
        self.target = target
        self.staging = outdir.claim(target)
        self.tmp = self.staging.path
        self.handles: list[IO[bytes]] = []
        try:
            self.ids_fh = self._open(IDS, [ROW, SOURCE, *keys, "STATUS", "RECORD_ID"])
            self.failed_fh = self._open(FAILED, [ROW, ERRORS, SOURCE, STATUS, *values])
        except BaseException:
            self._discard()
            raise

    def _open(self, name: str, header: Sequence[str]) -> IO[bytes]:
        fh = open(self.tmp / name, "wb")  # noqa: SIM115 - closed in finish() or __exit__
        self.handles.append(fh)
        fh.write(csv_line(header))
        return fh

    @staticmethod
    def _write(fh: IO[bytes], columns: Sequence[pa.Array | pa.ChunkedArray]) -> None:
        table = pa.Table.from_arrays(list(columns), names=[str(i) for i in range(len(columns))])
        pcsv.write_csv(table, fh, CSV_OPTIONS)

    def ids(self, columns: Sequence[pa.Array | pa.ChunkedArray]) -> None:
        """Rows of ids.csv: origin row and file, key columns, STATUS, RECORD_ID."""
        self._write(self.ids_fh, columns)

    def failed(self, columns: Sequence[pa.Array | pa.ChunkedArray]) -> None:
        """Rows of failed.csv: origin row, reasons, origin file, status, then the row's values."""
        self._write(self.failed_fh, columns)

    def finish(self, summary: dict[str, Any]) -> ResultPaths:
        """Write the summary and swap the directory into place."""
        for fh in self.handles:
            fh.close()
        text = json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
        (self.tmp / SUMMARY).write_text(text, encoding="utf-8")
        self.staging.commit()
        o = self.target.shown
        return ResultPaths(o, o / IDS, o / FAILED, o / SUMMARY)

    def _discard(self) -> None:
        for fh in self.handles:
            fh.close()
        self.staging.discard()

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is not None:
            self._discard()
