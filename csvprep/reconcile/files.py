"""Zoho's Bulk Write result files, read: each job's result CSV (alone, in its ZIP, or in a folder of them).

A result CSV holds the first three mapped columns of the uploaded CSV, then STATUS (added, updated, skipped,
unprocessed), RECORD_ID and ERRORS (``<code>-<column>[,<column>]``, several joined by ``:``, e.g.
``MANDATORY_NOT_FOUND-Company,Last_Name:DUPLICATE_DATA-Email``). The ZIP's CSV is named
``<module>-<file name>``:
https://www.zoho.com/crm/developer/docs/api/bulk-write/download-result.html
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from csvprep.errors import InputError
from csvprep.reader.exactcsv import unlimited

STATUS, RECORD_ID, ERRORS = "STATUS", "RECORD_ID", "ERRORS"
SUCCESS = ("added", "updated")
SUFFIXES = (".zip", ".csv")


class ResultRow(NamedTuple):
    """One record of a result CSV (a named tuple: a result may have millions)."""

    line: int
    """Its record number in the result CSV (header = 1), to name it in the summary."""
    echo: tuple[str, ...]
    status: str
    """Lower case, as the docs write it: added, updated, skipped, unprocessed."""
    record_id: str
    errors: tuple[tuple[str, str | None], ...]
    """(Zoho code, column) pairs; the column is None when the code names none."""


@dataclass(frozen=True, slots=True)
class ResultFile:
    """One result CSV: its name, the names it was found under, its echoed columns and its records."""

    name: str
    hints: tuple[str, ...]
    """File names that may name the batch it answers (the ZIP's and the CSV's)."""
    echo: tuple[str, ...]
    rows: tuple[ResultRow, ...]


def parse_errors(text: str) -> tuple[tuple[str, str | None], ...]:
    """``MANDATORY_NOT_FOUND-Company,Last_Name:DUPLICATE_DATA-Email`` → one (code, column) per column."""
    out: list[tuple[str, str | None]] = []
    for part in text.split(":"):
        code, _, columns = part.strip().partition("-")
        if not code:
            continue
        names = [c.strip() for c in columns.split(",") if c.strip()]
        out.extend((code, c) for c in names) if names else out.append((code, None))
    return tuple(out)


def _parse(name: str, hints: tuple[str, ...], data: bytes, strict: bool) -> ResultFile | None:
    """A result CSV from its bytes; None (or InputError when ``strict``) if it is not one."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if not strict:
            return None
        raise InputError(f"{name}: not UTF-8 at byte {e.start}; a Zoho result CSV is UTF-8") from None
    records = unlimited(csv.reader(io.StringIO(text, newline="")))
    header = next(records, [])
    upper = [h.strip().upper() for h in header]
    if STATUS not in upper:
        if strict:
            raise InputError(f"{name} is not a Bulk Write result: it has no {STATUS} column")
        return None
    width = len(header) + 1
    at = {k: upper.index(k) if k in upper else width - 1 for k in (STATUS, RECORD_ID, ERRORS)}
    echo_at = [i for i, h in enumerate(upper) if h not in at]
    parsed: dict[str, tuple[tuple[str, str | None], ...]] = {}  # most rows share a few ERRORS texts
    rows = []
    blank = [""] * width
    for n, cells in enumerate(records, start=2):
        if not any(cells):
            continue
        # one empty cell past the header stands for a column the file lacks; a short row reads as empty
        cells = [*cells, ""] if len(cells) == width - 1 else [*(cells + blank)[: width - 1], ""]
        errors = cells[at[ERRORS]]
        if errors not in parsed:
            parsed[errors] = parse_errors(errors)
        echo = tuple([cells[i] for i in echo_at])
        rows.append(
            ResultRow(
                n, echo, cells[at[STATUS]].strip().lower(), cells[at[RECORD_ID]].strip(), parsed[errors]
            )
        )
    return ResultFile(name, hints, tuple(header[i] for i in echo_at), tuple(rows))


def _from_zip(path: Path, strict: bool) -> Iterator[ResultFile]:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if m.filename.lower().endswith(".csv") and not m.is_dir()]
            if not members and strict:
                raise InputError(f"{path.name} holds no CSV: it is not a Bulk Write result ZIP")
            for m in members:
                inner = Path(m.filename).name
                found = _parse(f"{path.name}:{inner}", (path.name, inner), zf.read(m), strict)
                if found is not None:
                    yield found
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        if strict:
            raise InputError(f"{path.name} is not a readable ZIP ({e})") from None


def _from_file(path: Path, strict: bool) -> Iterator[ResultFile]:
    if path.suffix.lower() == ".zip" or zipfile.is_zipfile(path):
        yield from _from_zip(path, strict)
        return
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    found = _parse(path.name, (path.name,), data, strict)
    if found is not None:
        yield found


def read_results(sources: Iterable[str | os.PathLike[str]], skip: Path | None = None) -> list[ResultFile]:
    """Every result CSV in ``sources``: files as given (each must be a result), folders searched for
    ``.zip`` and ``.csv`` files that are (others, and anything under ``skip``, are passed over)."""
    out: list[ResultFile] = []
    for source in sources:
        path = Path(source)
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                inside = skip is not None and p.resolve().is_relative_to(skip.resolve())
                if p.is_file() and p.suffix.lower() in SUFFIXES and not inside:
                    out.extend(_from_file(p, strict=False))
        elif path.is_file():
            out.extend(_from_file(path, strict=True))
        else:
            raise InputError(f"{path}: no such file or directory")
    return out
