"""Formula cells that an ``.xlsx`` holds without a saved result.

Excel saves each formula's last result beside it (``<v>``), and that result is what csvprep reads. A
workbook written by another program (openpyxl, some exporters) often saves the formula alone: the cell
then reads as empty, and the report names such cells. The sheet's XML is scanned as a byte stream, one
chunk at a time, and only around each ``<f>`` tag (ECMA-376 Part 1, §18.3.1.4 ``c``, §18.3.1.40 ``f``:
https://ecma-international.org/publications-and-standards/standards/ecma-376/).
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

CHUNK = 1 << 20
SHOWN = 5
"""How many cells a note names."""
_WORKBOOK_BYTES = 16 << 20
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROOT = re.compile(rb"<(\w+:)?worksheet[\s>]")
_REF = re.compile(rb'\sr="([A-Z]+[0-9]+)"')


@dataclass
class Uncached:
    """Formula cells without a saved result: how many, and the first few."""

    count: int = 0
    cells: list[str] = field(default_factory=list)


def _sheet_part(z: zipfile.ZipFile, title: str) -> str | None:
    """The zip member of the sheet named ``title`` (workbook.xml, then its relationships)."""
    try:
        with z.open("xl/workbook.xml") as fh:
            book = ElementTree.fromstring(fh.read(_WORKBOOK_BYTES))
        with z.open("xl/_rels/workbook.xml.rels") as fh:
            rels = ElementTree.fromstring(fh.read(_WORKBOOK_BYTES))
    except (KeyError, ElementTree.ParseError):
        return None
    rid = next((s.get(f"{_REL}id") for s in book.iter(f"{_MAIN}sheet") if s.get("name") == title), None)
    target = next((r.get("Target") for r in rels.iter(f"{_PKG}Relationship") if r.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _scan(segment: bytes, tags: dict[str, bytes], found: Uncached) -> None:
    """Count the complete cells of ``segment`` whose formula has no saved result."""
    at = segment.find(tags["f"])
    while at != -1:
        after = segment[at + len(tags["f"]) : at + len(tags["f"]) + 1]
        if after in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            start = segment.rfind(tags["c"], 0, at)
            end = segment.find(tags["/c"], at)
            cell = segment[start:end]
            # A string result may be empty (t="str" with an empty <v>); any other result has text.
            saved = re.search(tags["v"] + rb"[^<]", cell) or b' t="str"' in cell[: cell.find(b">")]
            if not saved:
                found.count += 1
                ref = _REF.search(cell[: cell.find(b">")])
                if ref and len(found.cells) < SHOWN:
                    found.cells.append(ref.group(1).decode("ascii"))
            at = end if end != -1 else len(segment)
        at = segment.find(tags["f"], at + 1)


def uncached_formulas(path: str | os.PathLike[str], title: str) -> Uncached:
    """The formula cells without a saved result in sheet ``title`` of an .xlsx/.xlsm workbook."""
    found = Uncached()
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_part(z, title)
            if part is None:
                return found
            with z.open(part) as fh:
                buf = fh.read(CHUNK)
                root = _ROOT.search(buf)
                p = root.group(1) or b"" if root else b""
                tags = {
                    "c": b"<" + p + b"c ",
                    "/c": b"</" + p + b"c>",
                    "f": b"<" + p + b"f",
                    "v": b"<" + p + b"v>",
                }
                while buf:
                    more = fh.read(CHUNK)
                    # Cells do not nest: every cell that starts before the last cell start has ended.
                    cut = len(buf) if not more else buf.rfind(tags["c"])
                    if cut <= 0:
                        buf += more
                        continue
                    _scan(buf[:cut], tags, found)
                    buf = buf[cut:] + more
    except (zipfile.BadZipFile, KeyError, OSError):
        return found  # the workbook reader reports what it cannot read
    return found
