"""Read an Excel workbook (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) as text, cell by cell.

python-calamine (Rust, maintained, much faster than openpyxl) gives typed values; each becomes the text a
person sees and Zoho accepts (value formats:
https://www.zoho.com/crm/developer/docs/api/v7/bulk-write/create-job.html):

- a whole number stays a whole number (``4155550100``, not ``4155550100.0``); other numbers in plain
  notation (``0.0000001``, never ``1e-07``);
- a number beyond Excel's 15 significant digits was stored by Excel as floating point and its last digits
  are gone: it is written as Excel shows it (``4.15086800000114E+18``) so the check flags it, and a note
  says to format such columns as Text (IDs and phone numbers typed as text stay exact);
- a date becomes ``yyyy-MM-dd``; a date-time (Excel keeps no time zone) the date of a midnight in a date
  field, else ``yyyy-MM-ddTHH:mm:ss`` with the offset ``tz=`` declares (without one, a date-time field
  says it needs one); a time ``HH:mm:ss``; TRUE/FALSE become ``true``/``false``.

Only what is Excel's own (its 15 digits, durations) is made text here; every other cell goes, column by
column, through :mod:`csvprep.reader.values`, the conversion of typed frames, once the engine has said
which field each column goes to.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from python_calamine import CalamineError, CalamineWorkbook

from csvprep.errors import InputError, UsageError
from csvprep.reader.encoding import OLE_MAGIC, ZIP_MAGIC
from csvprep.reader.formulas import Uncached, uncached_formulas
from csvprep.reader.sheetsize import check_workbook, column_letters
from csvprep.reader.source import stat_input
from csvprep.reader.table import Batch, BatchBuilder, Table, empty_table, unique_keys
from csvprep.reader.values import Typing, float_text, objects_to_text

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


def _typed_cell(v: object, conv: Converted, row: int, col: int) -> object:
    """A cell that is not text, as the typed conversion takes it: what only Excel knows (its 15 digits, a
    duration) becomes text here; the rest stays typed (counted for the notes)."""
    if v is None:
        return ""
    if (isinstance(v, float) and abs(v) >= 10**EXACT_DIGITS) or isinstance(v, dt.timedelta):
        return cell_text(v, conv, row, col)
    if isinstance(v, dt.datetime):
        conv.datetimes += 1
    elif isinstance(v, dt.date):
        conv.dates += 1
    return v


@dataclass
class Sheet:
    """An opened sheet: its name, the header's sheet row, the header, and its data rows as text."""

    name: str
    header_row: int
    header: list[str]
    rows: Iterator[tuple[int, list[object]]]
    height: int
    converted: Converted
    sheets: list[str]

    def notes(self, tz: str | None = None) -> list[str]:
        """What a person should know about how the sheet was read (``tz``: the declared offset)."""
        c = self.converted
        out = [
            f"read sheet '{self.name}'"
            + (f" (of {len(self.sheets)}: {', '.join(self.sheets)})" if len(self.sheets) > 1 else "")
        ]
        if c.dates:
            out.append(f"Excel dates written as yyyy-MM-dd ({_cells(c.dates)})")
        if c.datetimes:
            offset = f"with the UTC offset tz={tz}" if tz else "without the UTC offset Zoho needs (pass tz=)"
            out.append(
                f"Excel date-times ({_cells(c.datetimes)}), which have no time zone: a midnight one in a "
                f"date field is its date; others are written as yyyy-MM-ddTHH:mm:ss {offset}"
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

    def rows() -> Iterator[tuple[int, list[object]]]:
        for r, raw in it:
            # Most cells are text already: only the others are looked at.
            yield (
                r,
                [v if type(v) is str else _typed_cell(v, conv, r, first_col + j) for j, v in enumerate(raw)],
            )

    return Sheet(title, header_row, header, rows(), ws.height, conv, names)


class _TypedBuilder(BatchBuilder):
    """Rows of typed cells, made text column by column (:mod:`csvprep.reader.values`) when taken."""

    def __init__(self, keys: list[str], size: int, typing: Typing) -> None:
        super().__init__(keys, size)
        self.typing = typing
        self.cells: list[object] = []

    def add(
        self, row: int, fields: list[Any], code: str | None, details: Mapping[str, str] | None = None
    ) -> None:
        if code is None:
            self.rows.append(row)
            self.cells.extend(fields)
        else:  # a malformed row goes to rejects.csv as the text a person sees
            super().add(row, [cell_text(v, Converted()) for v in fields], code, details)

    def take(self, bytes_done: int) -> Batch | None:
        if not self.rows and not self.bad:
            return None
        width, kinds = len(self.keys), self.typing.kinds
        cols = [
            objects_to_text(self.cells[j::width], None, key, kinds.get(key, "text"), self.typing)
            for j, key in enumerate(self.keys)
        ]
        table = pa.table([c.text for c in cols], names=self.keys) if self.rows else empty_table(self.keys)
        bad = tuple(b for c in cols for b in c.bad)
        batch = Batch(table, np.array(self.rows, dtype=np.int64), tuple(self.bad), bytes_done, bad)
        self.rows, self.cells, self.bad = [], [], []
        return batch


def _sheet_batches(
    sheet: Sheet, keys: list[str], size: int, batch_rows: int, typing: Typing
) -> Iterator[Batch]:
    width = len(keys)
    builder = _TypedBuilder(keys, batch_rows, typing)
    blank: list[int] = []
    done = 0
    for row, cells in sheet.rows:
        done += 1
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if all(c == "" for c in cells):  # FALSE and 0 are values: not any(cells) would drop them
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
    path: str | os.PathLike[str],
    sheet: str | None = None,
    batch_rows: int = SHEET_BATCH_ROWS,
    tz: str | None = None,
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
    typing = Typing(tz)
    table = Table(
        header=sh.header,
        batches=iter(()),
        encoding="xlsx",
        delimiter="-",
        size=size,
        name=str(p),
        typing=typing,
    )

    def batches() -> Iterator[Batch]:
        yield from _sheet_batches(sh, keys, size, batch_rows, typing)
        table.notes[:] = sh.notes(tz) + typing.notes()

    table.batches = batches()
    table.notes = sh.notes(tz)
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
