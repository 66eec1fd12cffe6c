"""Issues: one frozen :class:`Issue`, or a batch of them as columns (:class:`IssueBatch`) as the engine finds
them."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep import codes
from csvprep.clip import MAX_ECHO, clip, clip_array
from csvprep.codes import Severity

ISSUE_FIELDS = ("row", "column", "code", "severity", "value", "message")


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: a cell (``row`` and ``column``), a row (``column`` None) or the file (``row`` None).

    ``row`` is the spreadsheet row: the header is row 1, the first record row 2, counted in records even
    when a quoted cell spans several lines.
    """

    row: int | None
    column: str | None
    code: str
    severity: Severity
    value: str | None
    message: str

    def __post_init__(self) -> None:
        # An issue echoes its cell, column and message: each is cut to MAX_ECHO characters (csvprep.clip).
        for name in ("column", "value", "message"):
            text = getattr(self, name)
            if text is not None and len(text) > MAX_ECHO:
                object.__setattr__(self, name, clip(text))

    def to_dict(self) -> dict[str, Any]:
        # Field by field: dataclasses.asdict deep-copies each value, slow for a wide file's file issues.
        return {f: getattr(self, f) for f in ISSUE_FIELDS} | {"severity": str(self.severity)}


@dataclass(frozen=True)
class IssueBatch:
    """The cell issues of one batch of rows, as columns. Messages are rendered once, when first asked for.

    An issue's column and code come from its *kind*: a batch holds a few kinds (a column and a rule) and
    many issues, so counts, severities and report lines are worked out once per kind.
    """

    rows: np.ndarray
    kinds: np.ndarray
    """Per issue, its index in :attr:`kind_columns` and :attr:`kind_codes` (int64)."""
    kind_columns: tuple[str | None, ...]
    kind_codes: tuple[str, ...]
    values: pa.Array
    """Per issue, the cell's text (strings; null for row and file issues)."""
    render_all: Callable[[], pa.DictionaryArray]
    """Every issue's message, in order, dictionary-encoded (called at most once: see
    :attr:`message_array`)."""

    def __post_init__(self) -> None:
        # Values and column names are echoes: cut to MAX_ECHO characters (csvprep.clip).
        object.__setattr__(self, "values", clip_array(self.values))
        if any(c is not None and len(c) > MAX_ECHO for c in self.kind_columns):
            object.__setattr__(
                self, "kind_columns", tuple(c if c is None else clip(c) for c in self.kind_columns)
            )

    @functools.cached_property
    def columns(self) -> np.ndarray:
        """The column of each issue (None for row and file issues)."""
        return np.array(self.kind_columns, dtype=object)[self.kinds]

    @functools.cached_property
    def codes(self) -> np.ndarray:
        """The code of each issue."""
        return np.array(self.kind_codes, dtype=object)[self.kinds]

    @functools.cached_property
    def kind_errors(self) -> np.ndarray:
        """Per kind, whether its code is an error (else a warning)."""
        return np.array([codes.get(c).severity is Severity.ERROR for c in self.kind_codes], dtype=bool)

    @functools.cached_property
    def is_error(self) -> np.ndarray:
        """Per issue, whether it is an error."""
        return self.kind_errors[self.kinds]

    @functools.cached_property
    def message_array(self) -> pa.DictionaryArray:
        """Every issue's message: each distinct text once, and an index per issue."""
        return self.render_all()

    @functools.cached_property
    def messages(self) -> Sequence[str]:
        return self.message_array.to_pylist()  # type: ignore[no-any-return]

    @functools.cached_property
    def value_list(self) -> Sequence[str | None]:
        """:attr:`values` as Python strings."""
        return self.values.to_pylist()  # type: ignore[no-any-return]

    def render(self, i: int) -> str:
        """The message of the i-th issue."""
        return self.messages[i]

    def __len__(self) -> int:
        return len(self.rows)

    @functools.cached_property
    def severities(self) -> np.ndarray:
        """``error`` or ``warning``, per issue."""
        return np.where(self.is_error, str(Severity.ERROR), str(Severity.WARNING)).astype(object)

    def issue(self, i: int) -> Issue:
        kind = int(self.kinds[i])
        code = self.kind_codes[kind]
        row = int(self.rows[i])
        col = self.kind_columns[kind]
        return Issue(
            row if row > 0 else None,
            None if col is None else str(col),
            code,
            codes.get(code).severity,
            self.value_list[i],
            self.render(i),
        )

    def __iter__(self) -> Iterator[Issue]:
        return (self.issue(i) for i in range(len(self)))

    @staticmethod
    def from_issues(issues: Sequence[Issue]) -> IssueBatch:
        msgs = [i.message for i in issues]
        kinds: dict[tuple[str | None, str], int] = {}
        at = [kinds.setdefault((i.column, i.code), len(kinds)) for i in issues]
        return IssueBatch(
            rows=np.array([i.row or 0 for i in issues], dtype=np.int64),
            kinds=np.array(at, dtype=np.int64),
            kind_columns=tuple(c for c, _ in kinds),
            kind_codes=tuple(c for _, c in kinds),
            values=pa.array([i.value for i in issues], pa.string()),
            render_all=lambda: pa.array(msgs, pa.string()).dictionary_encode(),
        )

    @staticmethod
    def concat(parts: Sequence[IssueBatch]) -> IssueBatch:
        """One or more issue batches as one (their renderers kept)."""
        shift = np.cumsum([0, *(len(p.kind_codes) for p in parts)])
        return IssueBatch(
            rows=np.concatenate([p.rows for p in parts]),
            kinds=np.concatenate([p.kinds + s for p, s in zip(parts, shift.tolist(), strict=False)]),
            kind_columns=tuple(c for p in parts for c in p.kind_columns),
            kind_codes=tuple(c for p in parts for c in p.kind_codes),
            values=pa.concat_arrays([p.values for p in parts]),
            render_all=lambda: concat_dictionaries([p.message_array for p in parts]),
        )


def concat_dictionaries(parts: Sequence[pa.DictionaryArray]) -> pa.DictionaryArray:
    """Dictionary-encoded strings, one after another (each part's dictionary kept: no re-encoding)."""
    if not parts:
        return pa.array([], pa.string()).dictionary_encode()
    shift = np.cumsum([0, *(len(p.dictionary) for p in parts)])
    indices = pa.concat_arrays(
        [pc.add(p.indices.cast(pa.int32()), s) for p, s in zip(parts, shift.tolist(), strict=False)]
    )
    return pa.DictionaryArray.from_arrays(indices, pa.concat_arrays([p.dictionary for p in parts]))
