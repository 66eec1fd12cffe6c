"""What a CSV's first lines and last bytes say: its delimiter, an Excel ``sep=`` line, trailing blanks."""

from __future__ import annotations

import csv
import re
from typing import IO

from csvprep.reader.exactcsv import next_record

DELIMITERS = (",", ";", "\t", "|", ":")
"""Delimiters sniffed from the header (Zoho itself takes the first, ``;``, ``|`` and ``:``)."""
DELIMITER_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe", ":": "colon"}
SEP_LINE = re.compile(r"sep=([^\r\n\"])")
"""Excel's first line naming the delimiter (not a row: Excel does not show it)."""
_SEP_HEAD = re.compile(rb"(?:\xef\xbb\xbf)?sep=([^\r\n\"])\r?\n")
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?")
_TAIL_STEP = 1 << 16


def sniff_delimiter(line: str) -> str:
    """The delimiter that splits the header line into the most API-name-like fields (then the most fields)."""
    best, best_score = ",", (0, 1)
    for d in DELIMITERS:
        if d not in line:
            continue
        fields = next_record(csv.reader([line], delimiter=d, strict=False)) or []
        if len(fields) < 2:
            continue
        score = (sum(1 for f in fields if _API_NAME.fullmatch(f.strip())), len(fields))
        if score > best_score:
            best, best_score = d, score
    return best


def sep_hint(head: bytes) -> str | None:
    """The one-byte delimiter an Excel ``sep=`` first line names, for the binary sniff: a file that says
    its delimiter is ASCII's record separator (or NUL) is made of them, and is not binary for that."""
    m = _SEP_HEAD.match(head)
    return m.group(1).decode("ascii") if m and m.group(1).isascii() else None


def trimmed_end(f: IO[bytes], start: int, end: int) -> int:
    """``end`` less the blank lines at the end of the file (one line break after the last record is kept)."""
    pos = end
    while pos > start:
        step = min(_TAIL_STEP, pos - start)
        f.seek(pos - step)
        chunk = f.read(step)
        stripped = chunk.rstrip(b"\r\n")
        if stripped:
            last = pos - step + len(stripped)
            f.seek(last)
            brk = f.read(2)
            return last + (2 if brk == b"\r\n" else 1 if brk else 0)
        pos -= step
    return start
