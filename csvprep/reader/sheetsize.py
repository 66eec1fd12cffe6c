"""What a workbook may cost, known before it is read: the sheet XML's inflated size and the sheet's extent.

python-calamine holds a sheet's whole used range in memory, one 32-byte cell per position from the first
used cell to the last (one cell at XFD1048576 makes 17 billion, more than any machine holds),
after inflating the sheet's XML. So, before calamine opens it, from the ZIP's directory and a streamed scan
of the sheet's XML: the XML parts may inflate to at most :data:`MAX_XML_BYTES` and the sheet's range may
span at most :data:`MAX_CELLS`; beyond that the workbook is refused with one line (a CSV export of the same
data is read streamed, with no such bound). The extent scan covers ``.xlsx``/``.xlsm``; for ``.xlsb`` and
``.ods`` only the inflated size is bounded, and ``.xls`` is bounded by its format (65,536 x 256 cells).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from csvprep.errors import InputError

MAX_XML_BYTES = 512 << 20
"""The XML (or binary) parts of a workbook inflate to at most this many bytes (~1M rows of ~20 cells)."""
MAX_CELLS = 20_000_000
"""A sheet's used range spans at most this many cells (640 MB of calamine's cells); Zoho takes 25,000
rows x 200 columns a job, so such a sheet is already 4 jobs' worth of full rows."""
_PART_BYTES = 16 << 20
"""workbook.xml and its relationships are read whole: small in any real workbook."""
_SCAN = 1 << 20
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr=["\']0*([1-9]\d{0,12})["\']')
_CELL_ROW = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr=["\'][A-Za-z]{1,9}0*([1-9]\d{0,12})["\']')
_CELL_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr=["\']([A-Za-z]{1,9})\d')
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def column_letters(n: int) -> str:
    """Excel's name of the ``n``-th column (1 → A, 27 → AA)."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def check_workbook(path: Path, sheet_index: int, title: str) -> None:
    """Refuse a workbook whose parts inflate past :data:`MAX_XML_BYTES` or whose sheet spans more than
    :data:`MAX_CELLS` (checked for the sheet at ``sheet_index``, named ``title``)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # not a ZIP (.xls): its format bounds it, and calamine reports what it cannot read
    with zf:
        infos = [i for i in zf.infolist() if i.filename.endswith((".xml", ".bin"))]
        inflated = sum(i.file_size for i in infos)
        if inflated > MAX_XML_BYTES:
            raise InputError(
                f"{path}: the workbook inflates to {inflated:,} bytes of XML (more than {MAX_XML_BYTES:,} "
                "csvprep reads from a workbook): save the sheet as CSV, which is read streamed"
            )
        part = _sheet_part(zf, sheet_index)
        if part is not None and part.endswith(".xml"):
            _check_extent(zf, part, path, title)


def _read_small(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    return zf.read(info) if info.file_size <= _PART_BYTES else None


def _sheet_part(zf: zipfile.ZipFile, index: int) -> str | None:
    """The ZIP path of the index-th sheet's XML (workbook.xml's order, which calamine's sheet names keep)."""
    book, rels = _read_small(zf, "xl/workbook.xml"), _read_small(zf, "xl/_rels/workbook.xml.rels")
    if book is None or rels is None:
        return None
    try:
        sheets = [e for e in ElementTree.fromstring(book).iter() if e.tag.endswith("}sheet")]
        targets = {
            e.get("Id"): e.get("Target", "") for e in ElementTree.fromstring(rels).iter() if e.get("Id")
        }
    except ElementTree.ParseError:
        return None
    if not 0 <= index < len(sheets):
        return None
    target = targets.get(sheets[index].get(_REL_NS))
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")


def _check_extent(zf: zipfile.ZipFile, part: str, path: Path, title: str) -> None:
    """One streamed pass over the sheet's XML: the first and last row and column any cell names."""
    rows, cols = _Span(), _Span()
    try:
        stream = zf.open(part)
    except (KeyError, zipfile.BadZipFile):
        return
    with stream:
        tail = b""
        while chunk := stream.read(_SCAN):
            data = tail + chunk
            # A tag cut by the chunk's end is scanned with the next chunk: keep from the last '<' on.
            cut = data.rfind(b"<")
            body, tail = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
            rows.add_numbers([*_ROW.findall(body), *_CELL_ROW.findall(body)])
            cols.add_letters(set(_CELL_COLUMN.findall(body)))
            if rows.size * cols.size > MAX_CELLS:
                break
    if rows.size * cols.size > MAX_CELLS:
        last = f"{column_letters(cols.last)}{rows.last}"
        raise InputError(
            f"{path}: sheet '{title}' spans {rows.size:,} rows x {cols.size:,} columns (its cells reach "
            f"{last}); csvprep reads at most {MAX_CELLS:,} cells from a workbook: delete the stray cells "
            "past the data (Ctrl+End finds the last one) or save the sheet as CSV"
        )


class _Span:
    """The first and last of the positions seen (rows or columns, from 1)."""

    def __init__(self) -> None:
        self.first = self.last = 0

    @property
    def size(self) -> int:
        return self.last - self.first + 1 if self.last else 0

    def _add(self, low: int, high: int) -> None:
        self.first = min(self.first or low, low)
        self.last = max(self.last, high)

    def add_numbers(self, found: list[bytes]) -> None:
        # Compared as text, longest (or shortest) first: no int() per cell.
        if found:
            longest = len(max(found, key=len))
            shortest = len(min(found, key=len))
            high = max(x for x in found if len(x) == longest)
            low = min(x for x in found if len(x) == shortest)
            self._add(int(low), int(high))

    def add_letters(self, found: set[bytes]) -> None:
        if found:
            numbers = [_column_number(c) for c in found]
            self._add(min(numbers), max(numbers))
