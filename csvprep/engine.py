"""The engine: map a header onto a module's fields, then judge batches of rows with pandera.

``plan()`` turns the header into a :class:`Plan`: what each column is (a field, a lookup ``X.id``, the
key, unknown...), its rules, and the file-level issues (unknown, duplicate, blank, read-only and
unsupported columns, missing mandatory or key columns, too many columns). ``Validator`` builds one pandera
``DataFrameSchema`` from the plan (one ``Check`` per rule, named by the rule) and validates each batch
lazily; pandera's failure table becomes an :class:`~csvprep.report.IssueBatch`. Checks that span rows
(duplicates on unique fields and on the key) keep bounded state across batches: 64-bit hashes of the
values seen, in sorted NumPy runs (8 bytes a key).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow.compute as pc

from csvprep import codes
from csvprep.codes import Severity
from csvprep.errors import UsageError
from csvprep.reader import Batch, MalformedRow, unique_keys
from csvprep.report import Issue, IssueBatch
from csvprep.rules import Rule, control_rule, record_id_rules, required, rules_for
from csvprep.schema import CHILD_CSV_TYPES, FILE_TYPES, LOOKUP_TYPES, FieldSpec, ModuleSchema

Operation = Literal["insert", "update", "upsert"]
OPERATIONS: tuple[Operation, ...] = ("insert", "update", "upsert")
MAX_COLUMNS = 200
# Columns csvprep adds to its own rejects file; ignored when that file is checked or packed again.
RESERVED_COLUMNS = ("_csvprep_row", "_csvprep_errors")

Role = Literal["value", "lookup-id", "lookup-field", "key", "ignored", "invalid"]


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


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the input and what csvprep makes of it."""

    position: int
    key: str
    """The column's label in the batch frames (the header, made unique)."""
    header: str
    role: Role
    field: FieldSpec | None = None
    rules: tuple[Rule, ...] = ()
    lookup_field: str | None = None
    """For ``X.sub`` lookup columns: ``sub`` (``id`` or a field of the target module)."""

    @property
    def api_name(self) -> str:
        """The field a column maps to (``Account_Name`` for ``Account_Name.id``)."""
        return self.field.api_name if self.field else self.header


@dataclass(frozen=True, slots=True)
class Plan:
    """A header mapped onto a job."""

    job: Job
    columns: tuple[Column, ...]
    file_issues: tuple[Issue, ...]

    @property
    def blocked(self) -> bool:
        """A file-level error: Zoho would refuse the whole job."""
        return any(i.severity == Severity.ERROR for i in self.file_issues)

    @property
    def key_column(self) -> Column | None:
        return next((c for c in self.columns if c.role == "key"), None)

    @property
    def mapped(self) -> tuple[Column, ...]:
        """The columns that go to Zoho (not ignored, not invalid)."""
        return tuple(c for c in self.columns if c.role not in ("ignored", "invalid"))


def _issue(code: str, column: str | None, value: str | None = None, **fields: object) -> Issue:
    c = codes.get(code)
    return Issue(None, column, code, c.severity, value, c.render(column=column, value=value, **fields))


def _suggest(name: str, schema: ModuleSchema) -> str:
    names = [f.api_name for f in schema.fields]
    for n in names:
        if n.lower() == name.lower():
            return f"; did you mean '{n}'? (API names are case-sensitive)"
    by_label = {f.label.lower(): f.api_name for f in schema.fields if f.label}
    if name.strip().lower() in by_label:
        return f"; '{name}' is the label of '{by_label[name.strip().lower()]}': use the API name"
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    if not close:
        hit = difflib.get_close_matches(name.lower(), list(by_label), n=1, cutoff=0.75)
        close = [by_label[hit[0]]] if hit else []
    return f"; did you mean '{close[0]}'?" if close else ""


def plan(header: Sequence[str], job: Job) -> Plan:
    """Map each header cell to a field and collect the file-level issues."""
    schema, op = job.schema, job.operation
    mod = schema.module
    keys = unique_keys(list(header))
    issues: list[Issue] = []
    columns: list[Column] = []
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        positions.setdefault(h, []).append(i + 1)
    control = control_rule()

    for i, (h, key) in enumerate(zip(header, keys, strict=True)):
        def col(role: Role, f: FieldSpec | None = None, rules: Sequence[Rule] = (),
                sub: str | None = None, _i: int = i, _h: str = h, _k: str = key) -> Column:
            return Column(_i, _k, _h, role, f, (control, *rules) if role != "ignored" else (), sub)

        if h in RESERVED_COLUMNS:
            columns.append(col("ignored"))
            continue
        if not h.strip():
            issues.append(_issue("blank-column", None, position=i + 1))
            columns.append(col("invalid"))
            continue
        if len(positions[h]) > 1 and positions[h][0] != i + 1:
            columns.append(col("invalid"))
            continue
        if len(positions[h]) > 1:
            issues.append(_issue("duplicate-column", h, positions=", ".join(map(str, positions[h]))))
        base, dot, sub = h.partition(".")
        f = schema.get(h) or (schema.get(base) if dot else None)
        if f is None:
            issues.append(_issue("unknown-column", h, module=mod, hint=_suggest(h, schema)))
            columns.append(col("invalid"))
            continue
        is_key = job.key is not None and f.api_name == job.key and not dot
        if dot and f.data_type not in LOOKUP_TYPES:
            issues.append(_issue("unknown-column", h, module=mod,
                                 hint=f"; only lookup fields take a '.field' suffix: use '{f.api_name}'"))
            columns.append(col("invalid"))
            continue
        if f.data_type in CHILD_CSV_TYPES:
            why = ("Zoho writes it from a separate child CSV (the subform or linking module, with a "
                   "Parent_Id column) in the same ZIP; csvprep checks single-CSV jobs")
            issues.append(_issue("unsupported-column", h, data_type=f.data_type, why=why))
            columns.append(col("invalid"))
            continue
        if f.data_type in FILE_TYPES:
            why = "files and images cannot be written from a Bulk Write CSV; upload them with the Records API"
            issues.append(_issue("unsupported-column", h, data_type=f.data_type, why=why))
            columns.append(col("invalid"))
            continue
        if not is_key and not f.writable(op):
            why = f.read_only_reason or f"the API does not allow {op}"
            issues.append(_issue("read-only-column", h, module=mod, why=why, operation=op))
            columns.append(col("invalid"))
            continue
        if f.data_type in LOOKUP_TYPES and not dot:
            issues.append(_issue("lookup-needs-field", h, target=f.lookup_module or "the target module"))
            columns.append(col("invalid"))
            continue
        if dot:
            rules = record_id_rules() if sub == "id" else []
            role: Role = "lookup-id" if sub == "id" else "lookup-field"
            columns.append(col(role, f, _with_required(f, job, rules), sub))
            continue
        if is_key:
            rules = record_id_rules() if f.api_name == "id" else (rules_for(f) or [])
            columns.append(col("key", f, rules))
            continue
        rules = rules_for(f)
        if rules is None:
            issues.append(_issue("unknown-data-type", h, data_type=f.data_type))
            rules = []
        columns.append(col("value", f, _with_required(f, job, rules)))

    present = {c.api_name for c in columns if c.role not in ("invalid", "ignored")}
    if op in ("insert", "upsert"):
        for f in schema.mandatory:
            if f.api_name not in present and f.writable("insert"):
                code = "mandatory-column-missing" if op == "insert" else "upsert-mandatory-missing"
                issues.append(_issue(code, f.api_name, module=mod, operation=op))
    if job.key and not any(c.role == "key" for c in columns):
        issues.append(_issue("key-column-missing", job.key, operation=op))
    if job.find_by and job.find_by != "id":
        kf = schema.get(job.find_by)
        if kf is not None and not kf.unique:
            choices = ", ".join(f.api_name for f in schema.unique_fields) or "none in this schema"
            issues.append(_issue("find-by-not-unique", job.find_by, module=mod, choices=choices))
    n_sent = sum(1 for c in columns if c.role != "ignored")
    if n_sent > MAX_COLUMNS:
        code = "too-many-columns" if op == "insert" else "columns-will-split"
        issues.append(_issue(code, None, count=n_sent, limit=MAX_COLUMNS))
    return Plan(job, tuple(columns), tuple(issues))


def _with_required(f: FieldSpec, job: Job, rules: Sequence[Rule]) -> list[Rule]:
    """Put the mandatory rule first where an empty cell would fail at Zoho."""
    needs = f.system_mandatory and (job.operation != "update" or not job.ignore_empty)
    return [required(), *rules] if needs else list(rules)


# --- cross-row state -----------------------------------------------------------------------------------


class SeenKeys:
    """Exact-enough membership of values seen in earlier rows, in bounded memory.

    Keeps 64-bit hashes with the row of their first occurrence, in sorted runs that are merged as they
    grow (a log-structured set): 16 bytes a distinct key, O(log n) lookups, vectorised. A 64-bit collision
    between two different values is possible in principle (about 3 in a million at 10 million keys).
    """

    def __init__(self) -> None:
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []

    def first_rows(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each value, the row where it was seen first (earlier batch or earlier in this one), or -1."""
        n = len(hashes)
        first = np.full(n, -1, dtype=np.int64)
        for run_h, run_r in self.runs:
            pos = np.searchsorted(run_h, hashes)
            pos[pos >= len(run_h)] = 0
            hit = (run_h[pos] == hashes) & (first < 0)
            first[hit] = run_r[pos[hit]]
        order = np.argsort(hashes, kind="stable")
        sh = hashes[order]
        repeat = np.zeros(n, dtype=bool)
        repeat[1:] = sh[1:] == sh[:-1]
        start = np.maximum.accumulate(np.where(~repeat, np.arange(n), 0))
        dup_idx = order[repeat]
        first_in_batch = rows[order[start[repeat]]]
        first[dup_idx] = np.where(first[dup_idx] < 0, first_in_batch, first[dup_idx])
        new = order[~repeat]
        new = new[first[new] < 0]
        if len(new):
            self._add(hashes[new], rows[new])
        return first

    def _add(self, h: np.ndarray, r: np.ndarray) -> None:
        o = np.argsort(h)
        self.runs.append((h[o], r[o]))
        while len(self.runs) > 1 and len(self.runs[-1][0]) * 2 >= len(self.runs[-2][0]):
            (h2, r2), (h1, r1) = self.runs.pop(), self.runs.pop()
            hh, rr = np.concatenate([h1, h2]), np.concatenate([r1, r2])
            o = np.argsort(hh, kind="stable")
            self.runs.append((hh[o], rr[o]))


def _hash(s: pd.Series, casefold: bool) -> np.ndarray:
    if casefold:
        s = pd.Series(pc.utf8_lower(s.array._pa_array), dtype="str")
    return pd.util.hash_pandas_object(s, index=False).to_numpy()


# --- validation ------------------------------------------------------------------------------------------


class Validator:
    """Judges batches of rows against a plan; keeps the cross-row state between batches."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.job = plan.job
        checked = [c for c in plan.columns if c.rules]
        self._rules: dict[str, tuple[Rule, ...]] = {c.key: c.rules for c in checked}
        self._header: dict[str, str] = {c.key: c.header for c in plan.columns}
        self.schema = pa.DataFrameSchema(
            {
                c.key: pa.Column(
                    None,
                    checks=[pa.Check(r.ok, name=f"{n}:{r.code}") for n, r in enumerate(c.rules)],
                    nullable=True,
                    required=False,
                )
                for c in checked
            },
            strict=False,
            coerce=False,
        )
        self._unique: list[tuple[Column, bool]] = []
        for c in plan.columns:
            if c.role == "key":
                self._unique.append((c, c.field is not None and c.field.unique
                                     and not c.field.unique_case_sensitive))
            elif c.role == "value" and c.field is not None and c.field.unique:
                self._unique.append((c, not c.field.unique_case_sensitive))
        self._seen = {c.key: SeenKeys() for c, _ in self._unique}

    def validate(self, frame: pd.DataFrame) -> IssueBatch:
        """The issues of one batch. ``frame``: str columns labelled by ``Column.key``, index = row numbers."""
        parts: list[pd.DataFrame] = []
        if self._rules and len(frame):
            try:
                self.schema.validate(frame, lazy=True)
            except pa.errors.SchemaErrors as e:
                fc = e.failure_cases
                fc = fc[fc["index"].notna() & fc["column"].isin(self._rules.keys())]
                if len(fc):
                    parts.append(pd.DataFrame({
                        "row": fc["index"].astype("int64").to_numpy(),
                        "key": fc["column"].astype(object).to_numpy(),
                        "rule": fc["check"].astype(str).str.partition(":")[0].astype("int64").to_numpy(),
                        "value": fc["failure_case"].astype(object).to_numpy(),
                    }))
        for col, casefold in self._unique:
            parts.append(self._duplicates(frame, col, casefold))
        parts = [p for p in parts if len(p)]
        if not parts:
            return _empty_batch()
        df = pd.concat(parts, ignore_index=True)
        # One issue per cell: the first rule it fails, in rule order (uniqueness comes last).
        df = df.sort_values(["row", "key", "rule"], kind="stable").drop_duplicates(["row", "key"])
        return self._batch(df)

    def _duplicates(self, frame: pd.DataFrame, col: Column, casefold: bool) -> pd.DataFrame:
        s = frame[col.key]
        is_key = col.role == "key"
        empty = s.eq("").to_numpy()
        rows = frame.index.to_numpy(dtype=np.int64)
        out = []
        if is_key and empty.any():
            out.append(pd.DataFrame({"row": rows[empty], "key": col.key, "rule": 1000,
                                     "value": "", "extra": -1}))
        full = ~empty
        if full.any():
            first = self._seen[col.key].first_rows(_hash(s[full], casefold), rows[full])
            dup = first >= 0
            if dup.any():
                out.append(pd.DataFrame({"row": rows[full][dup], "key": col.key,
                                         "rule": 1001 if is_key else 1002,
                                         "value": s[full][dup].astype(object).to_numpy(),
                                         "extra": first[dup]}))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame()

    def _batch(self, df: pd.DataFrame) -> IssueBatch:
        rules = self._rules
        header = self._header
        job = self.job
        keys = df["key"].to_numpy(dtype=object)
        rule_idx = df["rule"].to_numpy()
        values = df["value"].to_numpy(dtype=object)
        extra = df["extra"].to_numpy() if "extra" in df else np.full(len(df), -1)
        special = {1000: "empty-key", 1001: "duplicate-key", 1002: "duplicate-value"}
        code_arr = np.array(
            [special[r] if r >= 1000 else rules[k][r].code for k, r in zip(keys, rule_idx, strict=True)],
            dtype=object,
        )

        def render(i: int) -> str:
            k, r, v = keys[i], int(rule_idx[i]), str(values[i])
            col = header[k]
            if r >= 1000:
                c = codes.get(special[r])
                case = "" if r == 1000 else " (compared ignoring case)" if _casefolded(self, k) else ""
                return c.render(column=col, value=v, operation=job.operation, module=job.schema.module,
                                first_row=int(extra[i]), case=case)
            rule = rules[k][r]
            fields = rule.message_fields(v)
            fields.setdefault("column", col)
            fields.setdefault("value", v)
            fields.setdefault("operation", job.operation)
            return codes.get(rule.code).render(**fields)

        return IssueBatch(
            rows=df["row"].to_numpy(dtype=np.int64),
            columns=np.array([header[k] for k in keys], dtype=object),
            codes=code_arr,
            values=values,
            render=render,
        )


def _casefolded(v: Validator, key: str) -> bool:
    return any(c.key == key and cf for c, cf in v._unique)


def _empty_batch() -> IssueBatch:
    e = np.array([], dtype=object)
    return IssueBatch(np.array([], dtype=np.int64), e, e, e, lambda i: "")


# --- the batch loop shared by check and pack ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Judged:
    """One batch with its verdict."""

    batch: Batch
    issues: IssueBatch
    error_rows: np.ndarray
    """Row numbers (sorted, unique) of the batch's well-formed rows with at least one error."""


def _malformed_issues(rows: Sequence[MalformedRow], width: int) -> list[Issue]:
    out = []
    for m in rows:
        c = codes.get(m.code)
        preview = ",".join(m.fields)
        value = preview if len(preview) <= 200 else preview[:197] + "..."
        fields = {"actual": len(m.fields), "expected": width, **m.details}
        message = c.render(column=None, value=value, **fields)
        out.append(Issue(m.row, None, m.code, c.severity, value, message))
    return out


def judge(batches: Iterator[Batch], validator: Validator, width: int) -> Iterator[Judged]:
    """Validate each batch; malformed rows become row issues (and count as rows with errors)."""
    for batch in batches:
        issues = validator.validate(batch.frame)
        if batch.malformed:
            extra = IssueBatch.from_issues(_malformed_issues(batch.malformed, width))
            issues = concat_batches([issues, extra]) if len(issues) else extra
        if len(issues):
            is_err = np.array([codes.get(c).severity == Severity.ERROR for c in issues.codes.tolist()],
                              dtype=bool)
            error_rows = np.unique(issues.rows[is_err])
            if batch.malformed:
                error_rows = np.setdiff1d(error_rows, [m.row for m in batch.malformed])
        else:
            error_rows = np.array([], dtype=np.int64)
        yield Judged(batch, issues, error_rows)


def concat_batches(parts: Sequence[IssueBatch]) -> IssueBatch:
    """Several issue batches as one (their renderers kept)."""
    offsets = np.cumsum([0, *[len(p) for p in parts]])

    def render(i: int) -> str:
        j = int(np.searchsorted(offsets, i, side="right")) - 1
        return parts[j].render(i - int(offsets[j]))

    return IssueBatch(
        rows=np.concatenate([p.rows for p in parts]),
        columns=np.concatenate([p.columns for p in parts]),
        codes=np.concatenate([p.codes for p in parts]),
        values=np.concatenate([p.values for p in parts]),
        render=render,
    )
