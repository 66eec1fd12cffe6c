"""The job an upload will run: the module's schema and the Bulk Write options that change the verdicts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from csvprep.errors import UsageError
from csvprep.schema import ModuleSchema

Operation = Literal["insert", "update", "upsert"]
OPERATIONS: tuple[Operation, ...] = ("insert", "update", "upsert")


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
            raise UsageError("upsert needs --find-by FIELD: the unique field that finds existing records")
        if self.find_by and self.find_by != "id" and self.schema.get(self.find_by) is None:
            raise UsageError(f"--find-by '{self.find_by}' is not a field of {self.schema.module}")

    @property
    def key(self) -> str | None:
        """The column that finds each record (update/upsert, or insert with find_by)."""
        if self.find_by:
            return self.find_by
        return "id" if self.operation == "update" else None
