"""Which reader an input takes: a pandas DataFrame, an Excel workbook, or a CSV file."""

from __future__ import annotations

import os
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

from csvprep.errors import InputError, UsageError
from csvprep.reader.csvfile import Spreadsheet, open_csv
from csvprep.reader.frame import is_dataframe, open_frame
from csvprep.reader.options import ReadOptions
from csvprep.reader.sheet import EXTENSIONS, is_spreadsheet, open_spreadsheet
from csvprep.reader.table import Table

if TYPE_CHECKING:
    import pandas as pd


def open_table(
    source: str | os.PathLike[str] | pd.DataFrame,
    options: ReadOptions | None = None,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    executor: Executor | None = None,
) -> Table:
    """Open any supported input: a CSV file, an Excel workbook, or a pandas DataFrame.

    ``options`` says how (or the keywords ``encoding``, ``delimiter`` and ``sheet``, one or the other);
    ``executor``: a thread pool for the CSV fast path to parse on, owned by the caller (see
    :func:`csvprep.reader.open_csv`). Close the table (or read its batches to the end) to release it.
    """
    if options is None:
        options = ReadOptions(encoding=encoding, delimiter=delimiter, sheet=sheet)
    elif (encoding, delimiter, sheet) != (None, None, None):
        raise UsageError("pass the read options either as options= or as keywords, not both")
    if not isinstance(source, (str, os.PathLike)):
        if is_dataframe(source):
            return open_frame(source)
        raise UsageError(f"cannot read a {type(source).__name__}: pass a file path or a pandas DataFrame")
    p = Path(source)
    if is_spreadsheet(p):
        if options.encoding or options.delimiter:
            raise UsageError("encoding= and delimiter= apply to CSV files, not to spreadsheets")
        return open_spreadsheet(p, options.sheet)
    if options.sheet is not None:
        raise UsageError("sheet= applies to spreadsheet files (.xlsx, .xls, .ods), not to CSV")
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
