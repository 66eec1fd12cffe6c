"""What a run is asked to do, as frozen values declared once: the CLI and the Python API both build them.

``Job``: the upload (schema, operation, key, empty cells). ``PackOptions``: how ``pack`` cuts and
compresses. How the input is read (encoding, delimiter, sheet) belongs to the reader.
Limits: https://www.zoho.com/crm/developer/docs/api/bulk-write/limitations.html
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, Union

from csvprep.errors import UsageError
from csvprep.packer.zipstream import MAX_32
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
OPERATIONS: tuple[Operation, ...] = ("insert", "update", "upsert")

MAX_ROWS = 25_000
MAX_ZIP_BYTES = 25 * 1024 * 1024
# The limitations page puts 25 MB on the CSV, the upload page on the ZIP: both are kept by default, and a
# user who reads it the other way may raise this one.
MAX_CSV_BYTES = 25 * 1024 * 1024
DEFAULT_COMPRESSION = 6
MAX_COMPRESSION = 9


@dataclass(frozen=True, slots=True)
class Job:
    """What the upload will do: module schema, operation, key field, and how empty cells are treated."""

    schema: ModuleSchema
    operation: Operation = "insert"
    find_by: str | None = None
    ignore_empty: bool = False

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise UsageError(f"operation must be one of {', '.join(OPERATIONS)}, not '{self.operation}'")
        if self.operation == "upsert" and not self.find_by:
            raise UsageError("upsert needs find_by=FIELD: the unique field that finds existing records")
        if self.find_by and self.find_by != "id" and self.schema.get(self.find_by) is None:
            raise UsageError(f"find_by='{self.find_by}' is not a field of {self.schema.module}")

    @classmethod
    def resolve(
        cls,
        module: str | None = None,
        schema: str | os.PathLike[str] | ModuleSchema | None = None,
        operation: Operation = "insert",
        find_by: str | None = None,
        ignore_empty: bool = False,
        layout: str | os.PathLike[str] | None = None,
    ) -> Job:
        """The job from ``check``'s and ``pack``'s keywords: a shipped ``module`` or an org ``schema`` file,
        with the org's saved layouts response ``layout`` if given."""
        return cls(resolve_schema(module, schema, layout), operation, find_by, ignore_empty)

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
