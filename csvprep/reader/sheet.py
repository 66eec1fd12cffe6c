"""Read an Excel workbook (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) as text, cell by cell.

python-calamine (Rust, maintained, much faster than openpyxl) gives typed values; each becomes the text a
person sees and Zoho accepts (value formats:
https://www.zoho.com/crm/developer/docs/api/v7/bulk-write/create-job.html):

- a whole number stays a whole number (``4155550100``, not ``4155550100.0``); other numbers in plain
  notation (``0.0000001``, never ``1e-07``);
- a number beyond Excel's 15 significant digits was stored by Excel as floating point and its last digits
  are gone: it is written as Excel shows it (``4.15086800000114E+18``) so the check flags it, and a note
  says to format such columns as Text (IDs and phone numbers typed as text stay exact);
- a date becomes ``yyyy-MM-dd``; a date-time ``yyyy-MM-ddTHH:mm:ss`` (no UTC offset: Zoho needs one, and
  the check says so); a time ``HH:mm:ss``; TRUE/FALSE become ``true``/``false``.

The number rules are :mod:`csvprep.reader.values`' (the conversion of typed frames), but for Excel's own
15 significant digits; a sheet's cells are converted one by one, as calamine hands them over row by row,
and without the field's type (a workbook's date-time cell is not localised: Excel stores no time zone).
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from csvprep.errors import InputError, UsageError
from csvprep.reader.encoding import OLE_MAGIC, ZIP_MAGIC
from csvprep.reader.formulas import Uncached, uncached_formulas
from csvprep.reader.sheetsize import check_workbook, column_letters
from csvprep.reader.source import stat_input
from csvprep.reader.table import Batch, BatchBuilder, Table, unique_keys
from csvprep.reader.values import float_text

EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
EXACT_DIGITS = 15
"""Excel keeps 15 significant digits of a number."""
SHEET_BATCH_ROWS = 65536
_SNIFF_BYTES = 512
"""Bytes read to tell a workbook from text named like one."""
LOSSY_SHOWN = 5
"""How many cells the note on numbers Excel did not keep names."""


@dataclass
class Converted:
    """What the conversion did, for the report's notes."""

    dates: int = 0
    datetimes: int = 0
    lossy_numbers: int = 0
    lossy_cells: list[str] = field(default_factory=list)
    formulas: Uncached = field(default_factory=Uncached)
    """Formula cells saved without their result (read as empty)."""


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def cell_text(v: object, conv: Converted, row: int = 0, col: int = 0) -> str:
    """A cell value as the text a person sees (and Zoho accepts)."""
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return str(v)
        if v.is_integer() and abs(v) < 10**EXACT_DIGITS:
            return str(int(v))
        if abs(v) >= 10**EXACT_DIGITS:
            conv.lossy_numbers += 1
            if len(conv.lossy_cells) < LOSSY_SHOWN:
                conv.lossy_cells.append(f"{column_letters(col + 1)}{row}")
            return f"{v:.{EXACT_DIGITS}G}"
        return float_text(v)
    if isinstance(v, dt.datetime):
        conv.datetimes += 1
        return v.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(v, dt.date):
        conv.dates += 1
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    if isinstance(v, dt.timedelta):
        total = int(v.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"
    return str(v)


@dataclass
class Sheet:
    """An opened sheet: its name, the header's sheet row, the header, and its data rows as text."""

    name: str
    header_row: int
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    height: int
    converted: Converted
    sheets: list[str]

    def notes(self) -> list[str]:
        """What a person should know about how the sheet was read."""
        c = self.converted
        out = [
            f"read sheet '{self.name}'"
            + (f" (of {len(self.sheets)}: {', '.join(self.sheets)})" if len(self.sheets) > 1 else "")
        ]
        if c.dates:
            out.append(f"Excel dates written as yyyy-MM-dd ({_cells(c.dates)})")
        if c.datetimes:
            out.append(
                f"Excel date-times written as yyyy-MM-ddTHH:mm:ss, without the UTC offset Zoho needs, "
                f"e.g. +05:30 ({_cells(c.datetimes)})"
            )
        if c.lossy_numbers:
            out.append(
                f"numbers with more than {EXACT_DIGITS} digits ({_cells(c.lossy_numbers)}), which Excel does "
                f"not keep (first at {', '.join(c.lossy_cells)}): format IDs and phone numbers as "
                "Text in Excel and re-enter them"
            )
        if c.formulas.count:
            n = c.formulas.count
            cells = "cell" if n == 1 else "cells"
            out.append(
                f"{n} formula {cells} without a saved result, read as empty (first at "
                f"{', '.join(c.formulas.cells)}): the program that wrote the workbook did not save the "
                "results; open and save it in Excel, or paste the values"
            )
        return out


def open_sheet(path: str | os.PathLike[str], sheet: str | None = None) -> Sheet:
    """The first sheet of a workbook (or the one named ``sheet``), its first non-empty row the header.

    Rows keep the sheet's numbers: when the header is in row 3, the first record is row 4.
    """
    name = os.fspath(path)
    try:
        wb = CalamineWorkbook.from_path(name)
    except (CalamineError, OSError, ValueError) as e:
        raise InputError(f"{name} cannot be read as a spreadsheet: {e}") from None
    names = list(wb.sheet_names)
    if not names:
        raise InputError(f"{name} has no sheets")
    if sheet is not None and sheet not in names:
        raise UsageError(f"{name} has no sheet '{sheet}'; its sheets are: {', '.join(names)}")
    title = sheet if sheet is not None else names[0]
    check_workbook(Path(name), names.index(title), title)
    try:
        ws = wb.get_sheet_by_name(title)
    except (CalamineError, ValueError) as e:
        raise InputError(f"{name}: sheet '{title}' cannot be read: {e}") from None
    conv = Converted()
    if name.lower().endswith((".xlsx", ".xlsm")):
        conv.formulas = uncached_formulas(name, title)
    # iter_rows() starts at the sheet's first row and its first used column: row i is sheet row i + 1.
    it = enumerate(ws.iter_rows(), start=1)
    first_col = (ws.start or (0, 0))[1]
    header: list[str] = []
    header_row = 0
    for r, raw_header in it:
        header = [cell_text(v, conv) for v in raw_header]
        if any(header):
            header_row = r
            break
    while header and header[-1] == "":
        header.pop()
    if not header:
        raise InputError(f"{name}: sheet '{title}' is empty: a Bulk Write CSV needs a header row")
    conv.dates = conv.datetimes = 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        for r, raw in it:
            # Most cells are text already: only the others go through cell_text.
            yield (
                r,
                [v if type(v) is str else cell_text(v, conv, r, first_col + j) for j, v in enumerate(raw)],
            )

    return Sheet(title, header_row, header, rows(), ws.height, conv, names)


def _sheet_batches(sheet: Sheet, keys: list[str], size: int, batch_rows: int) -> Iterator[Batch]:
    width = len(keys)
    builder = BatchBuilder(keys, batch_rows)
    blank: list[int] = []
    done = 0
    for row, cells in sheet.rows:
        done += 1
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if not any(cells):
            blank.append(row)  # kept only if a non-blank row follows (trailing blank rows are no records)
            continue
        for r in blank:
            builder.add(r, [""] * width, None)
        blank = []
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        builder.add(row, cells, None if len(cells) == width else "field-count")
        if builder.full:
            batch = builder.take(int(size * done / max(sheet.height, 1)))
            if batch is not None:
                yield batch
    batch = builder.take(size)
    if batch is not None:
        yield batch


def open_spreadsheet(
    path: str | os.PathLike[str], sheet: str | None = None, batch_rows: int = SHEET_BATCH_ROWS
) -> Table:
    """Open a sheet of an Excel (or OpenDocument) workbook: cells as the text a person sees in them."""
    p = Path(path)
    st = stat_input(p)
    if not stat.S_ISREG(st.st_mode):
        # A workbook is read by seeking in its ZIP: a pipe or device cannot be, and a FIFO would block.
        raise InputError(f"{p} is not a regular file: save the workbook as a file and pass that")
    size = st.st_size
    if size == 0:
        raise InputError(f"{p} is empty")
    sh = open_sheet(p, sheet)
    keys = unique_keys(sh.header)
    table = Table(header=sh.header, batches=iter(()), encoding="xlsx", delimiter="-", size=size, name=str(p))

    def batches() -> Iterator[Batch]:
        yield from _sheet_batches(sh, keys, size, batch_rows)
        table.notes[:] = sh.notes()

    table.batches = batches()
    table.notes = sh.notes()
    return table


def workbook_named_text(p: Path) -> bool:
    """A file named like a workbook that holds text (some CRMs export CSV or TSV as ``.xls``)."""
    if p.suffix.lower() not in EXTENSIONS or not p.is_file():
        return False
    with open(p, "rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head or head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return False
    if re.match(rb"\s*<(?:!doctype html|html|table)", head.lstrip(codecs.BOM_UTF8), re.I):
        raise InputError(
            f"{p} is a web page (HTML) named like a workbook: open it in Excel and save it as .xlsx or CSV"
        )
    return True


def is_spreadsheet(p: Path) -> bool:
    """Whether ``p`` is read as a workbook: named like one and not text."""
    return p.suffix.lower() in EXTENSIONS and not workbook_named_text(p)
