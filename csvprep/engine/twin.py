"""csvprep's checks as pandera checks: the engine's own vectorised rules, each wrapped as a ``Check``.

Two schemas are built from them. :attr:`csvprep.engine.Validator.schema`, the engine's twin, runs every
rule on every cell and lets the engine keep each cell's first failure. :func:`export_schema`, behind
``csvprep.to_pandera``, is for pipelines: a cell fails only the first rule it breaks, warnings are
pandera warnings, repeated keys and unique values are checks, the columns a job needs are required.

What pandera is not given (documented in the README): ``row-too-large`` (a property of the packed CSV),
the file-level warnings (``layout-column-maybe``, ``find-by-unverified``, ``upsert-mandatory-missing``,
``custom-layout-column-missing``, ``unknown-data-type``), a ``find_by`` that is not unique (refused when
the schema is built) and how a file is read (``field-count``, ``unclosed-quote``, encodings).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csvprep import codes
from csvprep.codes import Severity
from csvprep.engine.crossrow import single, unique_columns
from csvprep.engine.planning import MAX_COLUMNS, RESERVED_COLUMNS, Column, plan
from csvprep.errors import UsageError
from csvprep.options import Job, Operation
from csvprep.rules import Ok, Rule, byte_lengths

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pandera

    from csvprep.schema import ModuleSchema

# File-level errors that say a column must be present: a pandera column that is ``required``.
NEEDS_COLUMN = frozenset({"mandatory-column-missing", "layout-column-missing", "key-column-missing"})
# File-level errors about the job itself, which no frame can fix: refused when the schema is built.
UNUSABLE_JOB = frozenset({"find-by-not-unique"})


def column_array(s: pd.Series) -> pa.Array:
    """A frame column as one Arrow string array (the array behind a pandas ``str`` column, else one made
    from its text), null cells as empty ones."""
    arr = getattr(s.array, "_pa_array", None)
    if arr is None:
        arr = pa.array(s.astype("str").array)
    arr = single(arr)
    return pc.fill_null(arr, "") if arr.null_count else arr


def on_series(ok: Ok) -> Callable[[pd.Series], pd.Series]:
    """A rule as a pandera check: a column in, a boolean Series with its index out."""
    import pandas as pd

    def check(s: pd.Series) -> pd.Series:
        return pd.Series(ok(column_array(s)), index=s.index, dtype=bool)

    return check


def _first_failure(ok: Ok, earlier: Sequence[Rule]) -> Ok:
    """``ok``, passing the cells that already failed one of the ``earlier`` rules (a cell reports only the
    first rule it fails)."""

    def first(arr: pa.Array) -> np.ndarray:
        passed = ok(arr)
        at = np.flatnonzero(~passed)
        if len(at) and earlier:
            sub = arr.take(pa.array(at))
            failed_before = np.zeros(len(at), dtype=bool)
            for rule in earlier:
                failed_before |= ~rule.ok(sub)
            passed[at[failed_before]] = True
        return passed

    return first


def _check(ok: Ok, code: str) -> pandera.Check:
    import pandera.pandas as pa_

    c = codes.get(code)
    return pa_.Check(
        on_series(ok),
        name=code,  # failure_cases' "check": the issue code, as check's reports have it
        description=c.title,
        ignore_na=False,  # a null cell is an empty one: the mandatory rule must see it
        raise_warning=c.severity == Severity.WARNING,
    )


def _empty_key(arr: pa.Array) -> np.ndarray:
    return byte_lengths(arr) > 0


def _not_repeated(casefold: bool) -> Ok:
    """False on a non-empty value seen in an earlier row (ignoring case when ``casefold``), as
    :class:`csvprep.engine.CrossRows` finds them."""
    import pandas as pd

    def ok(arr: pa.Array) -> np.ndarray:
        keys = pc.utf8_lower(arr) if casefold else arr
        seen = pd.Series(keys.to_numpy(zero_copy_only=False)).duplicated(keep="first").to_numpy()
        return ~(seen & (byte_lengths(arr) > 0))

    return ok


def _column_checks(c: Column, casefold: bool | None) -> list[pandera.Check]:
    """A column's rules in order, then its cross-row checks (``casefold`` None: it has none)."""
    rules = c.rules
    checks = [_check(_first_failure(r.ok, rules[:n]), r.code) for n, r in enumerate(rules)]
    if casefold is None:
        return checks
    # The cross-row checks come after every rule of the column (csvprep.engine.found.CrossRow).
    if c.role == "key":
        checks.append(_check(_first_failure(_empty_key, rules), "empty-key"))
    repeated = "duplicate-key" if c.role == "key" else "duplicate-value"
    checks.append(_check(_first_failure(_not_repeated(casefold), rules), repeated))
    return checks


def _width_check(operation: str) -> pandera.Check:
    """More than Zoho's 200 columns: an insert is refused, an update or upsert split into several jobs."""
    import pandera.pandas as pa_

    code = "too-many-columns" if operation == "insert" else "columns-will-split"
    c = codes.get(code)
    return pa_.Check(
        lambda df: sum(name not in RESERVED_COLUMNS for name in df.columns) <= MAX_COLUMNS,
        name=code,
        description=c.title,
        raise_warning=c.severity == Severity.WARNING,
    )


def required_columns(job: Job) -> list[str]:
    """The columns a file for ``job`` must have (mandatory fields, the key), from the planner's own
    file-level errors for a file with no columns."""
    return [i.column for i in plan([], job).file_issues if i.code in NEEDS_COLUMN and i.column is not None]


def export_schema(
    schema: ModuleSchema,
    operation: Operation | str = "insert",
    header: Sequence[str] | None = None,
    find_by: str | None = None,
    ignore_empty: bool = False,
) -> pandera.DataFrameSchema:
    """The pandera schema of ``csvprep.to_pandera`` (see there)."""
    import pandera.pandas as pa_

    if header is not None and (isinstance(header, str) or not all(isinstance(h, str) for h in header)):
        raise UsageError(f"header must be a list of column names (str) or None, not {header!r:.60}")
    job = Job(schema, operation, find_by, ignore_empty)  # type: ignore[arg-type]  # Job refuses others
    needed = required_columns(job)
    names = list(schema.template(operation, find_by) if header is None else header)
    names += [n for n in needed if n not in names]
    p = plan(names, job)
    for i in p.file_issues:
        if i.code in UNUSABLE_JOB:
            raise UsageError(i.message)
    crossed = {c.key: casefold for c, casefold in unique_columns(p)}
    columns: dict[str, pandera.Column] = {}
    for c in p.columns:
        if c.role == "invalid" or c.header in columns:
            continue  # not in the schema: strict validation reports the column
        checks = [] if c.role == "ignored" else _column_checks(c, crossed.get(c.key))
        columns[c.header] = pa_.Column(None, checks, nullable=True, required=c.header in needed)
    for name in RESERVED_COLUMNS:  # csvprep's own columns in its rejects and failed files
        columns.setdefault(name, pa_.Column(None, nullable=True, required=False))
    return pa_.DataFrameSchema(
        columns,
        checks=[_width_check(operation)],
        strict=True,
        coerce=False,
        name=f"{schema.module} {operation}",
    )
