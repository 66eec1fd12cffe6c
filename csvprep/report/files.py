"""The report files: every issue written as it is found, as JSON or CSV (the command's ``--format``).

The JSON report is a contract: :data:`FORMAT_VERSION` names its version and :data:`REPORT_SCHEMA`, a JSON
Schema shipped with the package, describes it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO, cast

import pyarrow as pa
import pyarrow.compute as pc

from csvprep.arrowbytes import string_bytes
from csvprep.codes import Severity
from csvprep.report import ISSUE_FIELDS, IssueBatch, Summary

FORMAT_VERSION = "1.0"
"""The JSON report's version: 1.x adds keys only; removing, renaming or retyping one makes it 2.0."""
REPORT_SCHEMA = Path(__file__).with_name("report.schema.json")
"""The JSON Schema of the JSON report (draft 2020-12)."""

_json_str: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'


def _escaped(values: pa.Array) -> pa.Array:
    """JSON text of each string (``null`` for null), as ``json.dumps(ensure_ascii=False)`` writes it.

    Each distinct value is handled once (Arrow's dictionary encoding, or the array's own dictionary); only
    those holding a quote, a backslash or a control character go through ``json``'s escaper, the rest are
    quoted as they are.
    """
    enc = values if isinstance(values, pa.DictionaryArray) else values.dictionary_encode()
    words = enc.dictionary
    special = pc.match_substring_regex(words, _NEEDS_ESCAPE)
    if pc.any(special).as_py():
        plain = pc.binary_join_element_wise('"', words, '"', "")
        pairs = zip(words.to_pylist(), special.to_pylist(), strict=True)
        fixed = pa.array([_json_str(w) if s else None for w, s in pairs], pa.string())
        text = pc.if_else(special, fixed, plain)
    else:
        text = pc.binary_join_element_wise('"', words, '"', "")
    out = text.take(enc.indices)
    return pc.fill_null(out, "null") if enc.null_count else out


class JsonWriter:
    """``{"format_version": "1.0", "issues": [...], "summary": {...}}``, streamed: issues first, the summary
    when it is known (:data:`REPORT_SCHEMA` describes it)."""

    def __init__(self, out: IO[str] | IO[bytes]) -> None:
        """``out``: a text stream, or a binary one, which gets the UTF-8 text as pyarrow built it (no
        decoding to ``str`` and encoding back, which would hold the GIL)."""
        self.out = out
        self.first = True
        self._binary = isinstance(out, (io.RawIOBase, io.BufferedIOBase)) or "b" in str(
            getattr(out, "mode", "")
        )
        self._put(f'{{"format_version": "{FORMAT_VERSION}", "issues": ['.encode())

    def write(self, batch: IssueBatch) -> None:
        # The same text as json.dumps(issue dict, ensure_ascii=False), assembled by pyarrow: each kind's
        # column, code and severity are written once, each distinct value and message escaped once, and
        # the lines are joined in C (no Python string per issue).
        n = len(batch)
        if not n:
            return
        rows = batch.rows
        row_text = pc.cast(pa.array(rows), pa.string())
        if (rows <= 0).any():
            row_text = pc.if_else(pa.array(rows > 0), row_text, "null")
        # The column, code and severity of each kind of issue, as one piece of text.
        kinds = [
            f', "column": {"null" if col is None else _json_str(col)}, "code": {_json_str(code)}, '
            f'"severity": "{Severity.ERROR if err else Severity.WARNING}", "value": '
            for col, code, err in zip(
                batch.kind_columns, batch.kind_codes, batch.kind_errors.tolist(), strict=True
            )
        ]
        parts = [
            ',\n{"row": ',
            row_text,
            pa.array(kinds, pa.string()).take(pa.array(batch.kinds)),
            _escaped(batch.values),
            ', "message": ',
            _escaped(batch.message_array),
            "}",
        ]
        lines = pc.binary_join_element_wise(*parts, "")
        # Each line starts with its separator, so the lines are already the text: one buffer.
        text = string_bytes(lines)[1]
        self._put((text[1:] if self.first else text).data)
        self.first = False

    def close(self, summary: Summary) -> None:
        text = '\n], "summary": ' + json.dumps(summary.to_dict(), ensure_ascii=False) + "}\n"
        self._put(text.encode())

    def _put(self, data: bytes | memoryview) -> None:
        if self._binary:
            cast(BinaryIO, self.out).write(data)
        else:
            cast(IO[str], self.out).write(str(data, "utf-8"))


class CsvWriter:
    """One line per issue: row, column, code, severity, value, message."""

    def __init__(self, out: IO[str]) -> None:
        self.w = csv.writer(out, lineterminator="\n")
        self.w.writerow(ISSUE_FIELDS)

    def write(self, batch: IssueBatch) -> None:
        self.w.writerows(
            (
                row if row > 0 else "",
                "" if col is None else col,
                code,
                sev,
                "" if val is None else val,
                msg,
            )
            for row, col, code, sev, val, msg in zip(
                batch.rows.tolist(),
                batch.columns.tolist(),
                batch.codes.tolist(),
                batch.severities.tolist(),
                batch.value_list,
                batch.messages,
                strict=True,
            )
        )

    def close(self, summary: Summary) -> None:
        pass
