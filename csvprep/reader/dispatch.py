"""Which reader an input takes: a DataFrame or Arrow table, an Excel workbook, or a CSV (a path, a ``.gz``
file or a binary file object). An option that does not apply to the input is an error, never ignored."""

from __future__ import annotations

import os
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

from csvprep.errors import InputError, UsageError
from csvprep.reader.csvfile import Spreadsheet, open_csv
from csvprep.reader.frame import is_arrow_stream, is_dataframe, open_arrow, open_frame
from csvprep.reader.options import ReadOptions
from csvprep.reader.sheet import EXTENSIONS, is_spreadsheet, open_spreadsheet
from csvprep.reader.source import is_file_object, open_gzip, open_stream
from csvprep.reader.table import Table

if TYPE_CHECKING:
    import pandas as pd

_FILE_OPTIONS = ("encoding", "delimiter", "sheet")


def open_table(
    source: str | os.PathLike[str] | pd.DataFrame | object,
    options: ReadOptions | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    tz: str | None = None,
    executor: Executor | None = None,
) -> Table:
    """Open any supported input: a CSV file (a path, a ``.gz``, a binary file object), an Excel workbook,
    a pandas DataFrame or an Arrow table or stream.

    ``options`` says how (or the keywords ``encoding``, ``delimiter``, ``sheet`` and ``tz``, one or the
    other);
    ``executor``: a thread pool for the CSV fast path to parse on, owned by the caller (see
    :func:`csvprep.reader.open_csv`). Close the table (or read its batches to the end) to release it.
    """
    if options is None:
        options = ReadOptions(encoding=encoding, delimiter=delimiter, sheet=sheet, tz=tz)
    elif (encoding, delimiter, sheet, tz) != (None, None, None, None):
        raise UsageError("pass the read options either as options= or as keywords, not both")
    if not isinstance(source, (str, os.PathLike)):
        if is_dataframe(source) or is_arrow_stream(source):
            options.refuse("a DataFrame or Arrow table (its values are typed, not text)", *_FILE_OPTIONS)
            return (
                open_frame(source, tz=options.tz) if is_dataframe(source) else open_arrow(source, options.tz)
            )
        if is_file_object(source):
            options.refuse("a file object (read as CSV; tz= is for typed values)", "sheet", "tz")
            name = getattr(source, "name", None)
            name = name if isinstance(name, str) and name else "<stream>"
            opened = open_stream(source, name)
            return open_csv(
                name, encoding=options.encoding, delimiter=options.delimiter, executor=executor, opened=opened
            )
        raise UsageError(
            f"cannot read a {type(source).__name__}: pass a file path, a binary file object, a pandas "
            "DataFrame or an Arrow table"
        )
    p = Path(source)
    if p.suffix.lower() == ".gz":
        options.refuse("a .gz file (read as CSV; tz= is for typed values)", "sheet", "tz")
        opened = open_gzip(p)
        return open_csv(
            p, encoding=options.encoding, delimiter=options.delimiter, executor=executor, opened=opened
        )
    if is_spreadsheet(p):
        options.refuse("a workbook (.xlsx, .xls, .ods)", "encoding", "delimiter")
        return open_spreadsheet(p, options.sheet, tz=options.tz)
    options.refuse("a CSV file (its values are text; sheet= and tz= are for workbooks)", "sheet", "tz")
    try:
        table = open_csv(p, encoding=options.encoding, delimiter=options.delimiter, executor=executor)
        if p.suffix.lower() in EXTENSIONS:
            table.notes.insert(0, f"{p.name} holds text, not a workbook: read as CSV")
        return table
    except Spreadsheet:
        try:
            return open_spreadsheet(p)
        except InputError:
            raise InputError(
                f"{p} is a ZIP or Office file, not a CSV: pass the CSV inside it, or a .xlsx workbook"
            ) from None
