"""What a run is asked to do, as frozen values declared once: the CLI and the Python API both build them.

``Job``: the upload (schema, operation, key, empty cells). ``PackOptions``: how ``pack`` cuts and
compresses. How the input is read (encoding, delimiter, sheet) belongs to the reader.
Limits: https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, Union

from csvprep.errors import UsageError
from csvprep.packer.zipstream import MAX_32
from csvprep.rules.patterns import Kind, check_pattern
from csvprep.schema import ModuleSchema, resolve_schema

if TYPE_CHECKING:
    import pandas as pd


class ArrowStream(Protocol):
    """A table through the Arrow C stream interface: pyarrow, polars, DuckDB results."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


# pandas is imported only by callers that pass a DataFrame: a CSV check does not pay for it.
Source = Union[str, "os.PathLike[str]", "pd.DataFrame", ArrowStream, IO[bytes]]
"""A file path (CSV, ``.gz``, workbook), a DataFrame, an Arrow table or stream, or a binary file object."""
Progress = Callable[[int, int], None]
"""Called after each batch with (rows done, bytes done)."""

Operation = Literal["insert", "update", "upsert"]
DateOrder = Literal["DMY", "MDY", "YMD"]
DATE_ORDERS: tuple[DateOrder, ...] = ("DMY", "MDY", "YMD")
OPERATIONS: tuple[Operation, ...] = ("insert", "update", "upsert")

MAX_ROWS = 25_000
MAX_ZIP_BYTES = 25 * 1024 * 1024
# The limitations page puts 25 MB on the CSV, the upload page on the ZIP: both are kept by default, and a
# user who reads it the other way may raise this one.
MAX_CSV_BYTES = 25 * 1024 * 1024
DEFAULT_COMPRESSION = 6
MAX_COMPRESSION = 9


DeclaredFormat = str | Mapping[str, str] | None
"""``date_format=`` / ``datetime_format=``: one pattern for every column of the type, or one per column."""


@dataclass(frozen=True, slots=True)
class Formats:
    """Date and date-time patterns declared for the job's field mappings (Zoho's ``format`` key), and
    whether csvprep may find the pattern of a column that has none declared."""

    date: str | None = None
    """For every date column without a pattern of its own."""
    datetime: str | None = None
    date_columns: tuple[tuple[str, str], ...] = ()
    """(column, pattern) pairs."""
    datetime_columns: tuple[tuple[str, str], ...] = ()
    detect: bool = False

    def __post_init__(self) -> None:
        for kind in ("date", "datetime"):
            option = f"{kind}_format"
            default = self.date if kind == "date" else self.datetime
            if default is not None:
                check_pattern(default, kind, option)
            for column, java in self.columns(kind):
                check_pattern(java, kind, f"{option} for '{column}'")

    @classmethod
    def of(cls, date_format: DeclaredFormat, datetime_format: DeclaredFormat, detect: bool) -> Formats:
        """From the keywords of ``check`` and ``pack``."""

        def split(value: DeclaredFormat, option: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
            if value is None or isinstance(value, str):
                return value, ()
            if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
                return None, tuple(value.items())
            raise UsageError(f"{option} must be a pattern (str), a {{column: pattern}} dict or None")

        date, date_columns = split(date_format, "date_format")
        datetime, datetime_columns = split(datetime_format, "datetime_format")
        return cls(date, datetime, date_columns, datetime_columns, detect)

    def columns(self, kind: Kind) -> tuple[tuple[str, str], ...]:
        return self.date_columns if kind == "date" else self.datetime_columns

    def declared(self, column: str, kind: Kind) -> str | None:
        """The pattern declared for ``column`` (a field of type ``kind``): its own, else the type's."""
        own = dict(self.columns(kind)).get(column)
        return own if own is not None else (self.date if kind == "date" else self.datetime)

    def manifest(self) -> dict[str, Any]:
        """What was declared, as the manifest's options list it."""
        return {
            "date_format": self.date,
            "datetime_format": self.datetime,
            "date_formats": dict(self.date_columns),
            "datetime_formats": dict(self.datetime_columns),
            "detect_formats": self.detect,
        }


@dataclass(frozen=True, slots=True)
class Job:
    """What the upload will do: module schema, operation, key field, and how empty cells are treated."""

    schema: ModuleSchema
    operation: Operation = "insert"
    find_by: str | None = None
    ignore_empty: bool = False
    formats: Formats = field(default_factory=Formats)

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise UsageError(f"operation must be one of {', '.join(OPERATIONS)}, not '{self.operation}'")
        if self.operation == "upsert" and not self.find_by:
            raise UsageError("upsert needs find_by=FIELD: the unique field that finds existing records")
        if self.find_by and self.find_by != "id" and self.schema.get(self.find_by) is None:
            raise UsageError(f"find_by='{self.find_by}' is not a field of {self.schema.module}")
        for kind in ("date", "datetime"):
            for column, _ in self.formats.columns(kind):
                f = self.schema.get(column)
                if f is None or f.data_type != kind:
                    what = "is not a field" if f is None else f"holds {f.data_type} values, not {kind}s"
                    raise UsageError(f"{kind}_format names '{column}', which {what} in {self.schema.module}")

    @classmethod
    def resolve(
        cls,
        module: str | None = None,
        schema: str | os.PathLike[str] | ModuleSchema | None = None,
        operation: Operation = "insert",
        find_by: str | None = None,
        ignore_empty: bool = False,
        layout: str | os.PathLike[str] | None = None,
        formats: Formats | None = None,
    ) -> Job:
        """The job from ``check``'s and ``pack``'s keywords: a shipped ``module`` or an org ``schema`` file,
        with the org's saved layouts response ``layout`` if given."""
        schema_ = resolve_schema(module, schema, layout)
        return cls(schema_, operation, find_by, ignore_empty, formats or Formats())

    @property
    def key(self) -> str | None:
        """The column that finds each record (update/upsert, or insert with find_by)."""
        if self.find_by:
            return self.find_by
        return "id" if self.operation == "update" else None


@dataclass(frozen=True, slots=True)
class PackOptions:
    """How ``pack`` cuts the good rows into batches, and whether it may replace an earlier output."""

    max_rows: int = MAX_ROWS
    max_zip_bytes: int = MAX_ZIP_BYTES
    max_csv_bytes: int = MAX_CSV_BYTES
    compression: int = DEFAULT_COMPRESSION
    force: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.max_rows <= MAX_ROWS:
            raise UsageError(
                f"max_rows={self.max_rows} is out of range: 1 to {MAX_ROWS:,} (Zoho's limit per job)"
            )
        if not 1 <= self.max_zip_bytes <= MAX_ZIP_BYTES:
            raise UsageError(
                f"max_zip_bytes={self.max_zip_bytes} is out of range: 1 to {MAX_ZIP_BYTES:,} "
                "(Zoho's 25 MB upload limit)"
            )
        if not 1 <= self.max_csv_bytes <= MAX_32:
            raise UsageError(
                f"max_csv_bytes={self.max_csv_bytes} is out of range: 1 to {MAX_32:,} "
                "(a plain ZIP's entry limit)"
            )
        if not 0 <= self.compression <= MAX_COMPRESSION:
            raise UsageError(
                f"compression={self.compression} is out of range: 0 (store) to {MAX_COMPRESSION} (smallest)"
            )

    def manifest(self) -> dict[str, Any]:
        """The limits as the manifest lists them."""
        return {
            "max_rows": self.max_rows,
            "max_zip_bytes": self.max_zip_bytes,
            "max_csv_bytes": self.max_csv_bytes,
            "compression": self.compression,
        }


_TZ = re.compile(r"[+-](?:0\d|1[0-4]):[0-5]\d")
"""A UTC offset as Zoho writes it (Kaizen #13's ``±HH:mm``)."""


@dataclass(frozen=True, slots=True)
class FixOptions:
    """How ``fix`` repairs cells: the day/month order of ambiguous dates, the offset of datetimes written
    without one, the rules to run (None: all) and whether ``1.234,50`` is a decimal comma."""

    date_order: DateOrder | None = None
    tz: str | None = None
    only: tuple[str, ...] | None = None
    decimal_comma: bool = False

    def __post_init__(self) -> None:
        if self.date_order is not None and self.date_order not in DATE_ORDERS:
            raise UsageError(f"date_order='{self.date_order}' is not one of {', '.join(DATE_ORDERS)}")
        if self.tz is not None and not _TZ.fullmatch(self.tz):
            raise UsageError(f"tz='{self.tz}' is not a UTC offset: write +HH:MM or -HH:MM (e.g. +05:30)")
        if self.only is not None and not self.only:
            raise UsageError("only= names no rule: name at least one")
