"""Map a header onto a job: what each column is (a field, a lookup ``X.id``, the key...) and its rules, and
the file-level issues (unknown, duplicate, blank, read-only and unsupported columns, missing mandatory or
key columns, too many columns)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from csvprep import codes
from csvprep.clip import MAX_ECHO
from csvprep.codes import Severity
from csvprep.engine.hints import suggest
from csvprep.errors import UsageError
from csvprep.options import Job
from csvprep.printable import printable
from csvprep.reader import unique_keys
from csvprep.report import Issue
from csvprep.rules import Accept, ColumnRules, EmailJudge, Holds, Rule, column_rules, known_type
from csvprep.rules.lookups import lookup_target
from csvprep.rules.patterns import DEFAULTS, KINDS, Kind, pattern
from csvprep.schema import (
    CHILD_CSV_TYPES,
    FILE_TYPES,
    LOOKUP_TYPES,
    UNIQUE_CAPABLE_TYPES,
    FieldSpec,
    ModuleSchema,
)
from csvprep.schema.layouts import layout_issues

# Zoho's column limit for a Bulk Write job.
MAX_COLUMNS = 200
# Columns csvprep adds to its own rejects and failed files; ignored when they are checked or packed again.
RESERVED_COLUMNS = ("_csvprep_row", "_csvprep_errors", "_csvprep_source", "_csvprep_status")

SUGGEST_AT_MOST = 1000
"""Unknown columns that get a "did you mean" (each costs a fuzzy search of the schema; nobody reads more)."""

Role = Literal["value", "lookup-id", "lookup-field", "key", "ignored", "invalid"]

_CHILD_CSV_WHY = (
    "Zoho writes it from a separate child CSV (the subform or linking module, with a "
    "Parent_Id column) in the same ZIP; csvprep checks single-CSV jobs"
)
_FILE_WHY = "files and images cannot be written from a Bulk Write CSV; upload them with the Records API"


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
    target: FieldSpec | None = None
    """For ``X.sub`` lookup columns: the target module's field ``sub``, whose rules judge the values."""
    accept: Accept | None = None
    """Clears the cells that pass every rule but the first (:class:`csvprep.rules.ColumnRules`)."""
    format: str | None = None
    """A date or date-time field's pattern (Zoho's ``format`` of its mapping), as Java letters."""
    format_how: str | None = None
    """``declared`` or ``detected`` when the pattern is not csvprep's default."""

    @property
    def kind(self) -> Kind | None:
        """``date`` or ``datetime`` for a column holding such a field's own values."""
        if self.role != "value" or self.field is None:
            return None
        data_type = self.field.data_type
        return data_type if data_type in KINDS else None  # type: ignore[return-value]

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
    emails: EmailJudge | None = None
    """The judge of the columns' email rules; the :class:`csvprep.engine.Run` of the plan closes it."""
    notes: tuple[str, ...] = ()
    """What a person should know that is not an issue (a detected date pattern, and why one was not)."""

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


def issue(code: str, column: str | None, value: str | None = None, **fields: object) -> Issue:
    """A file-level issue of ``code`` about ``column``."""
    c = codes.get(code)
    # The message names the column with its hidden characters spelled out; ``column`` keeps it exact.
    shown = printable(column) if column is not None else None
    return Issue(None, column, code, c.severity, value, c.render(column=shown, value=value, **fields))


@dataclass
class _Header:
    """What mapping one column needs to know of the others and of the job."""

    job: Job
    positions: dict[str, list[int]]
    emails: EmailJudge
    targets: dict[str, ModuleSchema | None] = field(default_factory=dict)
    unknown: int = 0


def plan(header: Sequence[str], job: Job, emails: EmailJudge | None = None) -> Plan:
    """Map each header cell to a field and collect the file-level issues. ``emails`` judges the email
    addresses (it may start a worker process: pass the plan to a :class:`csvprep.engine.Run`, which closes
    it); without one they are judged in this process."""
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        positions.setdefault(h, []).append(i + 1)
    for kind in KINDS:
        for named, _ in job.formats.columns(kind):
            if named not in positions:
                raise UsageError(f"{kind}_format names '{named}', which is not a column of the file")
    ctx = _Header(job, positions, emails or EmailJudge(worker=False))
    issues: list[Issue] = []
    columns: list[Column] = []
    for i, (h, key) in enumerate(zip(header, unique_keys(list(header)), strict=True)):
        role, f, checks, sub, target, found = _map_column(i, h, ctx)
        if role == "ignored":
            columns.append(Column(i, key, h, role, f, (), sub, target))
        else:
            checks = checks or column_rules(None)
            column = Column(i, key, h, role, f, checks.rules, sub, target, checks.accept)
            holds = column.kind
            if holds is not None:
                declared = job.formats.declared(h, holds)
                how = "declared" if declared is not None else None
                column = with_format(column, job, ctx.emails, declared or DEFAULTS[holds], how)
            columns.append(column)
        issues.extend(found)
    present = {c.api_name for c in columns if c.role not in ("invalid", "ignored")}
    issues.extend(_missing_columns(job, present, any(c.role == "key" for c in columns)))
    issues.extend(_key_issues(job))
    issues.extend(_width_issues(job, sum(1 for c in columns if c.role != "ignored")))
    return Plan(job, tuple(columns), tuple(issues), emails)


_Mapped = tuple[Role, "FieldSpec | None", "ColumnRules | None", "str | None", "FieldSpec | None", list[Issue]]


def _map_column(i: int, h: str, ctx: _Header) -> _Mapped:
    """One header cell: its role, field, rules (None: the control rule alone), lookup part and issues."""
    if h in RESERVED_COLUMNS:
        return "ignored", None, None, None, None, []
    if not h.strip():
        return "invalid", None, None, None, None, [issue("blank-column", None, position=i + 1)]
    seen = ctx.positions[h]
    if len(seen) > 1 and seen[0] != i + 1:
        return "invalid", None, None, None, None, []  # reported once, at its first position
    duplicate = [issue("duplicate-column", h, positions=", ".join(map(str, seen)))] if len(seen) > 1 else []
    schema = ctx.job.schema
    base, dot, sub = h.partition(".")
    f = schema.get(h) or (schema.get(base) if dot else None)
    if f is None:
        ctx.unknown += 1
        hint = suggest(h, schema) if ctx.unknown <= SUGGEST_AT_MOST and len(h) <= MAX_ECHO else ""
        return (
            "invalid",
            None,
            None,
            None,
            None,
            [*duplicate, issue("unknown-column", h, module=schema.module, hint=hint)],
        )
    refused = _refusal(h, f, bool(dot), ctx.job)
    if refused is not None:
        return "invalid", None, None, None, None, [*duplicate, refused]
    emails, required_value = ctx.emails, _required(f, ctx.job)
    if dot:
        target = None if sub == "id" else lookup_target(f, sub, ctx.targets)
        holds: FieldSpec | Holds
        if sub == "id":
            holds = Holds.RECORD_ID
        else:  # the target field's own rules, or at least the formula warning of any text
            holds = target if target is not None and known_type(target) else Holds.ANY_TEXT
        role: Role = "lookup-id" if sub == "id" else "lookup-field"
        checks = column_rules(holds, required_value=required_value, emails=emails)
        return role, f, checks, sub, target, duplicate
    if _is_key(f, ctx.job):
        key_holds = Holds.RECORD_ID if f.api_name == "id" else f
        return "key", f, column_rules(key_holds, emails=emails), None, None, duplicate
    if not known_type(f):
        duplicate.append(issue("unknown-data-type", h, data_type=f.data_type))
    checks = column_rules(f, required_value=required_value, emails=emails)
    return "value", f, checks, None, None, duplicate


def with_format(column: Column, job: Job, emails: EmailJudge, java: str, how: str | None) -> Column:
    """A date or date-time column judged by the pattern ``java`` and mapped with it; ``how`` it came
    (None: csvprep's default, whose rules the column has already)."""
    kind, f = column.kind, column.field
    if kind is None or f is None:
        raise ValueError(f"column '{column.header}' holds no date or date-time field's values")
    if java == DEFAULTS[kind]:
        return replace(column, format=java, format_how=how)
    declared = (pattern(java, kind), how or "")
    checks = column_rules(f, required_value=_required(f, job), emails=emails, pattern=declared)
    return replace(column, rules=checks.rules, accept=checks.accept, format=java, format_how=how)


def _is_key(f: FieldSpec, job: Job) -> bool:
    return job.key is not None and f.api_name == job.key


def _refusal(h: str, f: FieldSpec, dot: bool, job: Job) -> Issue | None:
    """Why a column that names a field cannot be written by this job, as its issue (None: it can)."""
    mod, op = job.schema.module, job.operation
    if dot and f.data_type not in LOOKUP_TYPES | CHILD_CSV_TYPES:
        hint = f"; only lookup fields take a '.field' suffix: use '{f.api_name}'"
        return issue("unknown-column", h, module=mod, hint=hint)
    if f.data_type in CHILD_CSV_TYPES:
        return issue("unsupported-column", h, data_type=f.data_type, why=_CHILD_CSV_WHY)
    if f.data_type in FILE_TYPES:
        return issue("unsupported-column", h, data_type=f.data_type, why=_FILE_WHY)
    if not (_is_key(f, job) and not dot) and not f.writable(op):
        why = f.read_only_reason or f"the API does not allow {op}"
        return issue("read-only-column", h, module=mod, why=why, operation=op)
    if f.data_type in LOOKUP_TYPES and not dot:
        return issue("lookup-needs-field", h, target=f.lookup_module or "the target module")
    return None


def _required(f: FieldSpec, job: Job) -> bool:
    """Whether an empty cell would fail at Zoho (system or layout mandatory)."""
    mandatory = f.system_mandatory or f.api_name in job.schema.layout_required
    return mandatory and (job.operation != "update" or not job.ignore_empty)


def _missing_columns(job: Job, present: set[str], has_key: bool) -> list[Issue]:
    """Mandatory (system and layout) fields and the key the header lacks."""
    schema, op = job.schema, job.operation
    out = []
    if op in ("insert", "upsert"):
        code = "mandatory-column-missing" if op == "insert" else "upsert-mandatory-missing"
        for f in schema.mandatory:
            if f.api_name not in present and f.writable("insert"):
                out.append(issue(code, f.api_name, module=schema.module, operation=op))
    out.extend(layout_issues(schema, op, present))
    if job.key and not has_key:
        out.append(issue("key-column-missing", job.key, operation=op))
    return out


def _key_issues(job: Job) -> list[Issue]:
    """A ``find_by`` field that may not find one record each (not unique, or not known to be)."""
    schema = job.schema
    kf = schema.get(job.find_by) if job.find_by and job.find_by != "id" else None
    if kf is None or kf.unique:
        return []
    if schema.shipped and kf.data_type in UNIQUE_CAPABLE_TYPES:
        return [issue("find-by-unverified", job.find_by, module=schema.module)]
    choices = ", ".join(f.api_name for f in schema.unique_fields) or "none in this schema"
    return [issue("find-by-not-unique", job.find_by, module=schema.module, choices=choices)]


def _width_issues(job: Job, sent: int) -> list[Issue]:
    """More columns than one job takes: an insert is refused, an update or upsert split."""
    if sent <= MAX_COLUMNS:
        return []
    code = "too-many-columns" if job.operation == "insert" else "columns-will-split"
    return [issue(code, None, count=sent, limit=MAX_COLUMNS)]
