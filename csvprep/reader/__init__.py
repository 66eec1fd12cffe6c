"""Read a CSV file, an Excel workbook or a DataFrame as batches of string columns with spreadsheet rows.

Every cell stays a string from the file to the report and the ZIP: nothing is inferred, ``0012`` and a
19-digit ID come out as they went in, and ``N/A`` is a value to judge, not a missing one.

The data's path: :func:`open_table` picks the reader (:mod:`~csvprep.reader.dispatch`) and gives a
:class:`Table` (its header and how it was read) whose ``batches`` are :class:`Batch` es: an Arrow table of
string columns named by :func:`unique_keys`, the spreadsheet row of each record (header = row 1), and the
malformed records aside as :class:`MalformedRow`. By concern:

- ``options``: :class:`ReadOptions`, what the user said (encoding, delimiter, sheet);
- ``source``: where the bytes come from (a file read in place; a pipe, a file object or a ``.gz``
  spooled), reads that notice change;
- ``encoding``: the file's encoding, and a strict transcoding to UTF-8;
- ``sniff``: the delimiter, an Excel ``sep=`` line, trailing blank lines;
- ``csvfile``: opening a CSV (the above, then its header);
- ``scan`` and ``fastcsv``: the fast path (record-aligned pieces parsed by pyarrow in parallel);
- ``exactcsv``: the exact parser, which names every malformed record and takes over where the fast path
  cannot be exact;
- ``sheet``, ``formulas``, ``sheetsize``: workbooks (python-calamine), formula cells without a result,
  what a workbook may cost;
- ``frame``: typed inputs: a pandas DataFrame, an Arrow table or stream (polars, DuckDB);
- ``values``: the one conversion of typed values (frames, Arrow, workbook cells) into Zoho text.
"""

from __future__ import annotations

from csvprep.reader.csvfile import EXACT_BATCH_ROWS, WIDE_COLUMNS, open_csv
from csvprep.reader.dispatch import open_table
from csvprep.reader.fastcsv import BLOCK_BYTES, PIECE_BYTES
from csvprep.reader.frame import is_arrow_stream, is_dataframe, open_arrow, open_frame
from csvprep.reader.options import ReadOptions, delimiter_option
from csvprep.reader.sheet import open_spreadsheet
from csvprep.reader.sniff import sniff_delimiter
from csvprep.reader.source import is_file_object
from csvprep.reader.table import Batch, MalformedRow, Table, empty_table, unique_keys

__all__ = [
    "BLOCK_BYTES",
    "EXACT_BATCH_ROWS",
    "PIECE_BYTES",
    "WIDE_COLUMNS",
    "Batch",
    "MalformedRow",
    "ReadOptions",
    "Table",
    "delimiter_option",
    "empty_table",
    "is_arrow_stream",
    "is_dataframe",
    "is_file_object",
    "open_arrow",
    "open_csv",
    "open_frame",
    "open_spreadsheet",
    "open_table",
    "sniff_delimiter",
    "unique_keys",
]
