"""Opening a CSV file: its encoding, delimiter and header, then its records as batches.

The encoding comes from :mod:`csvprep.reader.encoding` (anything not UTF-8 is transcoded, strictly, to a
temporary UTF-8 copy); an Excel ``sep=`` line and the delimiter from :mod:`csvprep.reader.sniff`; the
header record is read quote-aware (a quoted line break in a header cell is fine). The records come from
the fast path (:mod:`csvprep.reader.fastcsv`) while the file is well formed, then from the exact parser.
Rows are spreadsheet rows: header = row 1, first record = row 2, counted in records.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import Executor
from pathlib import Path
from typing import IO

from csvprep.errors import InputError
from csvprep.reader import exactcsv
from csvprep.reader.encoding import OLE_MAGIC, SAMPLE_BYTES, ZIP_MAGIC, detect, transcode
from csvprep.reader.fastcsv import BLOCK_BYTES, PIECE_BYTES, csv_batches
from csvprep.reader.options import delimiter_option
from csvprep.reader.sniff import DELIMITER_NAMES, SEP_LINE, sep_hint, sniff_delimiter, trimmed_end
from csvprep.reader.source import CsvData, Opened, open_input
from csvprep.reader.table import Table, unique_keys

EXACT_BATCH_ROWS = 65536
WIDE_COLUMNS = 4096
"""Past this many columns the exact parser reads the file: pyarrow's reader holds buffers per column for
each piece it parses, which outweigh the data of a very wide file."""
WIDE_BATCH_CELLS = 1 << 22
"""Cells per batch of a file wider than :data:`WIDE_COLUMNS` (its batches are cut by rows otherwise)."""


class Spreadsheet(Exception):
    """The file is a workbook (ZIP or OLE container), whatever its name."""


def open_csv(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    block_bytes: int = BLOCK_BYTES,
    piece_bytes: int = PIECE_BYTES,
    batch_rows: int = EXACT_BATCH_ROWS,
    fast: bool = True,
    executor: Executor | None = None,
    opened: Opened | None = None,
) -> Table:
    """Open a CSV file for batch reading: detect its encoding and delimiter, read its header.

    ``fast=False`` reads with the exact parser only (slower; the fast path gives the same batches).
    ``block_bytes`` (a slice, one batch of the fast path), ``piece_bytes`` (one pyarrow parse) and
    ``batch_rows`` (a batch of the exact parser) size the work: small values force many cuts, as tests
    do. ``executor``: a thread pool to parse on, which the caller owns (by default the batches open a
    pool of their own and close it when they end or the table is closed). ``opened``: the bytes, when
    they do not come from ``path`` itself (a file object, a decompressed ``.gz``); ``path`` names them.
    """
    p = Path(path)
    name = str(p)
    delim_opt = delimiter_option(delimiter) if delimiter is not None else None
    if opened is None:
        opened = open_input(p)
    f = opened.file
    data: IO[bytes] = f
    try:
        size = os.fstat(f.fileno()).st_size
        if size == 0:
            raise InputError(f"{name} is empty: a Bulk Write CSV needs a header row of field API names")
        head = f.read(SAMPLE_BYTES)
        if head.startswith((ZIP_MAGIC, OLE_MAGIC)):
            if opened.spooled is not None:
                raise InputError(
                    f"{name} is a workbook or ZIP file in a pipe, stream or .gz: save it as a file and "
                    "pass that"
                )
            raise Spreadsheet
        enc = detect(head, len(head) == size, name, encoding, delim_opt or sep_hint(head))
        if size <= enc.bom:
            raise InputError(
                f"{name} is empty (it holds only a byte-order mark): a Bulk Write CSV needs a header row "
                "of field API names"
            )
        data, start, data_size = f, enc.bom, size
        if not enc.is_utf8:
            # Parsed as UTF-8 from a temporary copy, which is deleted when it is closed.
            data = tempfile.TemporaryFile(prefix="csvprep-")  # noqa: SIM115 - closed by the batches
            f.seek(enc.bom)
            transcode(f, data, enc.name, name)
            data.flush()  # the reads below are positioned reads of the file, past Python's buffer
            data_size, start = data.tell(), 0
            f.close()
        lines = exactcsv.PhysicalLines(data, start, data_size, name)
        lines.mark(1)
        first = next(lines, "").rstrip("\r\n")
        how = "delimiter=" if delim_opt else "detected from the header"
        directive = SEP_LINE.fullmatch(first)
        if directive:
            start = lines.pos
            how = "delimiter=" if delim_opt else "from Excel's sep= line"
            first = next(lines, "").rstrip("\r\n")
        delim = delim_opt or (directive.group(1) if directive else sniff_delimiter(first))
        header, body = exactcsv.header(
            data, start, data_size, delimiter=delim, name=name, line=2 if directive else 1
        )
        if not header:
            raise InputError(
                f"{name} has no header row (the first line is blank): a Bulk Write CSV starts "
                "with a row of field API names"
            )
        end = trimmed_end(data, body, data_size)
    except BaseException:
        f.close()
        if data is not f:
            data.close()
        raise
    notes = [enc.note] if enc.note else []
    if delim != "," or directive:
        notes.append(f"delimiter: {DELIMITER_NAMES.get(delim, repr(delim))} ({how})")
    if opened.spooled is not None:
        notes.append(opened.spooled)
    keys = unique_keys(header)
    sig = opened.signature if data is f else None
    src = CsvData(data, name, body, end, keys, delim, size / data_size if data_size else 1.0, sig)
    if len(keys) > WIDE_COLUMNS:
        fast, batch_rows = False, max(1, min(batch_rows, WIDE_BATCH_CELLS // len(keys)))
    batches = csv_batches(
        src,
        block_bytes=block_bytes,
        piece_bytes=piece_bytes,
        batch_rows=batch_rows,
        fast=fast,
        executor=executor,
    )
    return Table(
        header=header,
        batches=batches,
        encoding=enc.name,
        delimiter=delim,
        size=size,
        notes=notes,
        name=name,
        sha256=opened.spooled_sha256,
        closers=[data.close],
    )
