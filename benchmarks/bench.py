"""The benchmark: how close ``csvprep check`` and ``pack`` come to the parse floor, and what they cost.

    python -m benchmarks.bench [--rows N] [--with-peers] [--repeat R]

It generates its data with :mod:`benchmarks.datagen` (cached in ``./bench-data``, keyed by rows and seed,
with the truth of every injected bad cell), then runs every contender as a child process of this one,
one after another, ``--repeat`` times in turns (so machine noise hits them alike), and prints a markdown
table: wall time (best and median of the runs), rows/s, the ratio to the floor taken in the same run in
two ways (best ÷ best floor, and the median over rounds of each round's time ÷ that round's floor: the
targets are judged on the second, which one lucky floor run cannot sway), peak RSS (the highest of the
runs, summed over the child's process tree) and the bad cells found against the truth.

Every time is a whole process as a user runs it: interpreter start and imports included (with
csvprep's bytecode compiled first, as an install leaves it). The *floor* is
``pyarrow.csv.read_csv(newlines_in_values=True)`` of every column as a string, in a fresh interpreter that
imports only pyarrow. Targets (issue #5): check ≤ 2.5× floor, pack ≤ 6× floor, peak RSS ≤ 500 MB at 1M
rows, and ≤ 1.2× the 1M figure at 10M rows.

With ``--with-peers`` it also runs what a user would pick instead: pandas' C reader with a plain pandera
schema (built-in ``str_length`` / ``str_matches`` / ``isin`` / ``unique`` checks, see
``../shared/reference/perf-anchors.md``), and frictionless (the ``bench`` extra) at
``--peer-rows`` (default 100,000) rows, against a floor and a check at that size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import datagen

TARGET_CHECK = 2.5
TARGET_PACK = 6.0
TARGET_RSS_MB = 500.0
TARGET_FIX = 2.0
"""fix's time over check's (issue #14: within 2× of check on the bench file)."""

# --- child programs (kept free of csvprep imports, so that each pays only for what it uses) ---------

FLOOR = """
import sys
import pyarrow as pa, pyarrow.csv as pcsv
path = sys.argv[1]
with open(path, newline="", encoding="utf-8") as f:
    width = len(f.readline().split(","))
names = [str(i) for i in range(width)]
t = pcsv.read_csv(
    path,
    read_options=pcsv.ReadOptions(column_names=names, skip_rows=1),
    parse_options=pcsv.ParseOptions(newlines_in_values=True),
    convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                        strings_can_be_null=False),
)
print(t.num_rows)
"""

IMPORTS = "import csvprep.cli"

# pandas' C reader + a plain pandera schema from built-in checks, as the perf anchors' variant (b).
PANDERA_PLAIN = r"""
import json, sys
import pandas as pd
import pandera.pandas as pa
path, fields_path = sys.argv[1], sys.argv[2]
fields = {f["api_name"]: f for f in json.load(open(fields_path))["fields"]}
NUM = r"-?\d+(?:\.\d+)?"
PATTERNS = {
    "email": (r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
              r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}"),
    "phone": r"\+?\d+",
    "date": r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])",
    "datetime": (r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
                 r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d[+-](?:0\d|1[0-4]):[0-5]\d"),
    "boolean": r"(?:true|false)",
    "website": r"(?:https?://|ftp://)?(?:www\.)?[^\s/:.]+(?:\.[^\s/:.]+)+(?:[/?]\S*)?",
    "lookup": r"\d{1,19}",
}
def checks(f):
    t, n = f["data_type"], f.get("length") or 255
    if t in ("text", "textarea"):
        need = [pa.Check.str_length(min_value=1)] if f["system_mandatory"] else []
        return [pa.Check.str_length(max_value=n), *need]
    if t in ("email", "website"):
        return [pa.Check.str_length(max_value=n), pa.Check.str_matches(f"^(?:{PATTERNS[t]})?$")]
    if t == "phone":
        return [pa.Check.str_matches(f"^(?:{PATTERNS[t]})?$"), pa.Check.str_length(max_value=n)]
    if t in ("date", "datetime", "boolean", "lookup"):
        return [pa.Check.str_matches(f"^(?:{PATTERNS[t]})?$")]
    if t == "picklist":
        return [pa.Check.isin([v["actual_value"] for v in f["pick_list_values"]] + [""])]
    if t == "multiselectpicklist":
        item = "|".join(__import__("re").escape(v["actual_value"]) for v in f["pick_list_values"])
        return [pa.Check.str_matches(f"^(?:(?:{item})(?:;(?:{item}))*)?$")]
    if t in ("integer", "bigint"):
        return [pa.Check.str_matches(rf"^(?:-?\d{{1,{n}}})?$")]
    if t in ("currency", "double", "percent"):
        d = f.get("decimal_place") or 0
        return [pa.Check.str_matches(rf"^(?:-?\d{{1,{n}}}(?:\.\d{{1,{d}}})?)?$")]
    return []
df = pd.read_csv(path, dtype=str, keep_default_na=False, engine="c")
cols = {}
for c in df.columns:
    f = fields.get(c.split(".")[0])
    if f is None:
        continue
    unique = bool(f.get("unique"))
    cols[c] = pa.Column(str, checks=checks(f), unique=unique, report_duplicates="exclude_first",
                        nullable=True)
schema = pa.DataFrameSchema(cols)
cells = 0
by = {}
try:
    schema.validate(df, lazy=True)
except pa.errors.SchemaErrors as e:
    fc = e.failure_cases
    fc = fc[fc["index"].notna()].drop_duplicates(["column", "index"])
    cells = len(fc)
    by = {str(k): int(v) for k, v in fc["column"].value_counts().items()}
print(json.dumps({"rows": len(df), "cells": cells, "by_column": by}))
"""

# frictionless with a Table Schema written from the same fields (the perf anchors' variant (a)).
FRICTIONLESS = r"""
import json, os, sys
from frictionless import Checklist, Resource, Schema, validate
path, fields_path = sys.argv[1], sys.argv[2]
fields = {f["api_name"]: f for f in json.load(open(fields_path))["fields"]}
with open(path, encoding="utf-8") as fh:
    header = fh.readline().strip().split(",")
def field(name):
    f = fields[name.split(".")[0]]
    t, n = f["data_type"], f.get("length") or 255
    c = {"maxLength": n} if t in ("text", "textarea", "email", "phone", "website") else {}
    if f["system_mandatory"]:
        c["required"] = True
    if f.get("unique"):
        c["unique"] = True
    d = {"name": name, "type": "string", "constraints": c}
    if t == "email":
        d["format"] = "email"
    elif t == "website":
        d["format"] = "uri"
    elif t == "date":
        d["type"] = "date"
    elif t == "datetime":
        d.update(type="datetime", format="%Y-%m-%dT%H:%M:%S%z")
    elif t == "boolean":
        d.update(type="boolean", trueValues=["true"], falseValues=["false"])
    elif t == "picklist":
        c["enum"] = [v["actual_value"] for v in f["pick_list_values"]]
    elif t == "phone":
        c["pattern"] = r"\+?[0-9]+"
    elif t in ("integer", "bigint"):
        c["pattern"] = rf"-?[0-9]{{1,{n}}}"
    elif t in ("currency", "double", "percent"):
        c["pattern"] = rf"-?[0-9]{{1,{n}}}(\.[0-9]{{1,{f.get('decimal_place') or 0}}})?"
    elif t == "lookup":
        c["pattern"] = r"[0-9]{1,19}"
    return d
schema = Schema.from_descriptor({"fields": [field(h) for h in header], "missingValues": [""]})
os.chdir(os.path.dirname(os.path.abspath(path)))
report = validate(Resource(path=os.path.basename(path), schema=schema), limit_errors=10**9)
cells = {(r, f) for r, f in report.flatten(["rowNumber", "fieldName"]) if r and f}
print(json.dumps({"cells": len(cells)}))
"""


# --- running and measuring --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """One child process: wall seconds, peak RSS (MB), exit status, and its stdout."""

    wall: float
    rss_mb: float
    status: int
    stdout: str


def _hwm_mb(pid: int) -> float | None:
    """The peak RSS of a running process (``VmHWM``): unlike ``ru_maxrss``, it starts afresh at exec."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    """The processes started by ``pid`` and by them, while they run (Linux ``/proc``)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                with open(f"/proc/{p}/task/{t}/children", encoding="ascii") as f:
                    kids = [int(c) for c in f.read().split()]
            except OSError:
                continue
            out.extend(kids)
            todo.extend(kids)
    return out


def run_child(argv: Sequence[str], cwd: str | None = None) -> Run:
    """Run ``argv`` to completion; measure its wall time and the peak RSS of its process tree.

    ``ru_maxrss`` from ``wait4`` would count the image this (large) process had when it forked the
    child, so on Linux the child's ``VmHWM`` is read until it exits (it only grows; it resets at exec).
    Processes the child starts (csvprep's email-validator worker) add their own peaks: the sum of the
    peaks is an upper bound of the tree's peak.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)
        peaks: dict[int, float] = {}
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                for pid in [proc.pid, *_descendants(proc.pid)]:
                    hwm = _hwm_mb(pid)
                    if hwm is not None:
                        # the latest reading: VmHWM only grows after exec, and before it (vfork) a
                        # new child shows its parent's
                        peaks[pid] = hwm
                done.wait(0.01)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if proc.returncode not in (0, 1):
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {' | '.join(tail)}")
    rss = sum(peaks.values()) if peaks.get(proc.pid) else usage.ru_maxrss / 1024
    return Run(wall, rss, proc.returncode, text)


@dataclass
class Contender:
    """A tool under test: how to run it once, and how to read the bad cells it found."""

    name: str
    rows: int
    argv: Callable[[], list[str]]
    found: Callable[[Run], str] = lambda run: "–"
    runs: list[Run] = field(default_factory=list)
    note: str = ""

    @property
    def best(self) -> Run:
        return min(self.runs, key=lambda r: r.wall)

    @property
    def peak_mb(self) -> float:
        """The highest peak RSS of all runs."""
        return max(r.rss_mb for r in self.runs)

    def ratios(self, floor: Contender) -> tuple[float, float]:
        """(best ÷ best floor, median over rounds of this round's time ÷ the floor's in the same round).

        Runs go in turns, so a round's floor and contender meet the same machine; the paired median is
        the steadier of the two on a noisy host (the floor's single luckiest second sways the first).
        """
        paired = [a.wall / b.wall for a, b in zip(self.runs, floor.runs, strict=False)]
        return self.best.wall / floor.best.wall, statistics.median(paired)


def compile_package() -> None:
    """Compile csvprep's modules to bytecode, as ``pip install`` does for an installed copy.

    An editable install run under ``PYTHONDONTWRITEBYTECODE`` (set in some shells and containers) would
    otherwise compile every module from source in every run, 0.07-0.15 s that no installed copy pays
    (the floor's pyarrow has its bytecode from its install). Unwritable locations are left as they are.
    """
    import compileall

    compileall.compile_dir(Path(__file__).parent, quiet=2)


def csvprep_argv() -> list[str]:
    """The ``csvprep`` console script next to this interpreter, as a user runs it."""
    script = Path(sys.executable).with_name("csvprep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "csvprep.cli"]


def _check_found(out_json: Path, truth: datagen.Truth) -> Callable[[Run], str]:
    def found(run: Run) -> str:
        with open(out_json, encoding="utf-8") as f:
            doc = json.load(f)
        s = doc["summary"]
        cells = s["errors"] + s["warnings"]
        got: dict[tuple[str, str], int] = {}
        for issue in doc["issues"]:
            key = (issue["column"], issue["code"])
            got[key] = got.get(key, 0) + 1
        want = {(c, code): n for c, codes in truth.by_code.items() for code, n in codes.items()}
        exact = got == want and s["rows_with_errors"] == truth.rows_with_errors
        return f"{cells:,} / {truth.errors + truth.warnings:,} {'exact' if exact else 'NOT exact'}"

    return found


def _pack_found(out_dir: Path, truth: datagen.Truth) -> Callable[[Run], str]:
    def found(run: Run) -> str:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        totals = manifest.get("totals", manifest)
        packed = totals.get("rows_packed", totals.get("packed_rows"))
        want = truth.rows - truth.rows_with_errors
        zips = len(list(out_dir.glob("*.zip")))
        ok = "exact" if packed == want else "NOT exact"
        return f"{packed:,} good rows / {want:,} {ok}, {zips} ZIPs" if packed is not None else f"{zips} ZIPs"

    return found


def _fix_found(fixed: Path) -> Callable[[Run], str]:
    def found(run: Run) -> str:
        log = fixed.with_name(fixed.name.removesuffix(".csv") + ".changes.csv")
        if not log.exists():
            return "no log"
        with open(log, "rb") as f:
            changed = sum(1 for _ in f) - 1
        return f"{changed:,} cells changed"

    return found


def _peer_found(truth: datagen.Truth) -> Callable[[Run], str]:
    def found(run: Run) -> str:
        cells = json.loads(run.stdout.strip().splitlines()[-1])["cells"]
        return f"{cells:,} / {truth.errors + truth.warnings:,}"

    return found


def has_pack() -> bool:
    r = subprocess.run([*csvprep_argv(), "pack", "--help"], capture_output=True, check=False)
    return r.returncode == 0


def has_module(name: str) -> bool:
    r = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, check=False)
    return r.returncode == 0


def dataset(data_dir: Path, rows: int, seed: int) -> tuple[Path, datagen.Truth]:
    """The generated file for (rows, seed), made once and cached with its truth."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"contacts-{rows}-{seed}.csv"
    if path.exists() and Path(f"{path}.truth.json").exists() and Path(f"{path}.fields.json").exists():
        truth = datagen.load_truth(path)
        if truth.bytes == path.stat().st_size:
            return path, truth
    print(f"generating {rows:,} rows into {path} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    truth = datagen.generate(path, rows, seed)
    print(f"  {truth.bytes / 1e6:,.1f} MB in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    return path, truth


def contenders(path: Path, truth: datagen.Truth, work: Path, tools: Sequence[str]) -> list[Contender]:
    fields = f"{path}.fields.json"
    rows = truth.rows
    out: list[Contender] = []
    py = sys.executable
    if "floor" in tools:
        out.append(
            Contender("floor: pyarrow.csv.read_csv, all strings", rows, lambda: [py, "-c", FLOOR, str(path)])
        )
    if "imports" in tools:
        out.append(Contender("(csvprep start-up: python + imports only)", rows, lambda: [py, "-c", IMPORTS]))
    if "check" in tools:
        report = work / f"check-{rows}.json"
        argv = [
            *csvprep_argv(),
            "check",
            str(path),
            "--module",
            "Contacts",
            "--schema",
            fields,
            "--format",
            "json",
            "--output",
            str(report),
            "--quiet",
        ]
        check_argv = argv
        out.append(
            Contender("csvprep check --format json", rows, lambda: check_argv, _check_found(report, truth))
        )
    if "fix" in tools:
        fixed = work / f"fixed-{rows}.csv"
        fix_argv = [*csvprep_argv(), "fix", str(path), "--module", "Contacts", "--schema", fields,
                    "--out", str(fixed), "--quiet"]  # fmt: skip
        out.append(Contender("csvprep fix", rows, lambda: fix_argv, _fix_found(fixed)))
    for tool, level in (("pack", None), ("pack1", 1)):
        if tool not in tools:
            continue
        if not has_pack():
            print("note: this csvprep has no pack command; skipped", file=sys.stderr)
            continue
        pack_dir = work / f"{tool}-{rows}"
        argv = [*csvprep_argv(), "pack", str(path), "--module", "Contacts", "--schema", fields,
                "--out", str(pack_dir), "--force", "--quiet"]  # fmt: skip
        if level is not None:
            argv += ["--compression", str(level)]

        def pack_argv(argv: list[str] = argv, pack_dir: Path = pack_dir) -> list[str]:
            shutil.rmtree(pack_dir, ignore_errors=True)
            return argv

        name = (
            "csvprep pack (default compression)" if level is None else f"csvprep pack --compression {level}"
        )
        out.append(Contender(name, rows, pack_argv, _pack_found(pack_dir, truth)))
    if "pandera" in tools:
        out.append(
            Contender(
                "pandas C reader + plain pandera schema",
                rows,
                lambda: [py, "-c", PANDERA_PLAIN, str(path), fields],
                _peer_found(truth),
            )
        )
    if "frictionless" in tools:
        if has_module("frictionless"):
            out.append(
                Contender(
                    "frictionless validate (Table Schema)",
                    rows,
                    lambda: [py, "-c", FRICTIONLESS, str(path), fields],
                    _peer_found(truth),
                )
            )
        else:
            print(
                "note: frictionless is not installed (pip install 'csvprep[bench]'); skipped", file=sys.stderr
            )
    return out


def measure(items: Sequence[Contender], repeat: int) -> None:
    for r in range(repeat):
        for c in items:
            run = run_child(c.argv())
            c.runs.append(run)
            print(
                f"  [{r + 1}/{repeat}] {c.name}: {run.wall:.2f} s, {run.rss_mb:,.0f} MB",
                file=sys.stderr,
                flush=True,
            )


def table(items: Sequence[Contender], truth: datagen.Truth) -> str:
    floor = next((c for c in items if c.name.startswith("floor")), None)
    lines = [
        "| tool | rows | best s | median s | rows/s | × floor, best | × floor, paired median "
        "| peak RSS MB | bad cells found / injected |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in items:
        b = c.best
        best, paired = c.ratios(floor) if floor is not None else (float("nan"), float("nan"))
        med = statistics.median(r.wall for r in c.runs)
        rate = f"{c.rows / b.wall:,.0f}" if "start-up" not in c.name else "–"
        lines.append(
            f"| {c.name} | {c.rows:,} | {b.wall:.2f} | {med:.2f} | {rate} | {best:.2f} | {paired:.2f} "
            f"| {c.peak_mb:,.0f} | {c.found(b)} |"
        )
    return "\n".join(lines)


def verdicts(items: Sequence[Contender]) -> list[str]:
    def find(prefix: str) -> Contender | None:
        return next((c for c in items if c.name.startswith(prefix)), None)

    floor, check, pack = find("floor"), find("csvprep check"), find("csvprep pack (default")
    pack1 = find("csvprep pack --compression")

    def ratio(c: Contender, target: float, name: str) -> str:
        assert floor is not None
        best, paired = c.ratios(floor)
        verdict = "met" if paired <= target else "NOT met"
        return (
            f"{name} {paired:.2f}× floor, paired median (target ≤ {target}×): {verdict}; "
            f"best ÷ best {best:.2f}×"
        )

    out = []
    if floor and check:
        out.append(ratio(check, TARGET_CHECK, "check"))
        out.append(
            f"check peak RSS {check.peak_mb:,.0f} MB (target ≤ {TARGET_RSS_MB:.0f} MB at 1M rows): "
            f"{'met' if check.peak_mb <= TARGET_RSS_MB else 'NOT met'}"
        )
    if floor and pack:
        out.append(f"{ratio(pack, TARGET_PACK, 'pack')}; peak RSS {pack.peak_mb:,.0f} MB")
    fix = find("csvprep fix")
    if fix and check:
        paired = statistics.median(f.wall / c.wall for f, c in zip(fix.runs, check.runs, strict=True))
        out.append(
            f"fix {paired:.2f}× check, paired median (target ≤ {TARGET_FIX}×): "
            f"{'met' if paired <= TARGET_FIX else 'NOT met'}; peak RSS {fix.peak_mb:,.0f} MB"
        )
    if floor and pack1:
        best, paired = pack1.ratios(floor)
        out.append(
            f"{pack1.name}: {paired:.2f}× floor (best ÷ best {best:.2f}×); peak RSS {pack1.peak_mb:,.0f} MB"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    ap.add_argument(
        "--rows", type=int, default=1_000_000, help="rows of the generated file (default 1,000,000)"
    )
    ap.add_argument("--seed", type=int, default=datagen.DEFAULT_SEED)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool, in turns (default 3)")
    ap.add_argument("--with-peers", action="store_true", help="also pandas + plain pandera, and frictionless")
    ap.add_argument("--peer-rows", type=int, default=100_000, help="rows for frictionless (default 100,000)")
    ap.add_argument(
        "--tools",
        default="floor,imports,check,fix,pack,pack1",
        help="comma-separated: floor, imports, check, fix, pack, pack1 (pack --compression 1); default: all",
    )
    ap.add_argument("--data-dir", type=Path, default=Path("bench-data"), help="cache of generated files")
    ap.add_argument("--json", type=Path, help="also write the measurements here")
    a = ap.parse_args(argv)
    tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    path, truth = dataset(a.data_dir, a.rows, a.seed)
    compile_package()
    results: dict[str, Any] = {"rows": a.rows, "seed": a.seed, "bytes": truth.bytes, "tables": []}
    with tempfile.TemporaryDirectory(prefix="csvprep-bench-") as tmp:
        work = Path(tmp)
        main_tools = [*tools, *(["pandera"] if a.with_peers else [])]
        items = contenders(path, truth, work, main_tools)
        print(
            f"measuring {len(items)} tools × {a.repeat} on {a.rows:,} rows ...", file=sys.stderr, flush=True
        )
        measure(items, a.repeat)
        sections = [(truth, items)]
        if a.with_peers:
            prows = min(a.rows, a.peer_rows)
            ppath, ptruth = dataset(a.data_dir, prows, a.seed)
            peers = contenders(ppath, ptruth, work, ["floor", "check", "frictionless"])
            print(f"measuring peers on {prows:,} rows ...", file=sys.stderr, flush=True)
            measure(peers, min(a.repeat, 2))
            sections.append((ptruth, peers))
        print(_header(truth))
        for t, its in sections:
            print()
            print(
                f"**{t.rows:,} rows, {t.bytes / 1e6:,.1f} MB, {t.errors + t.warnings:,} bad cells injected "
                f"({t.errors:,} errors, {t.warnings:,} warnings)**"
            )
            print()
            print(table(its, t))
            results["tables"].append({
                "rows": t.rows,
                "tools": [{"name": c.name, "walls": [r.wall for r in c.runs],
                           "rss_mb": [r.rss_mb for r in c.runs], "found": c.found(c.best)} for c in its],
            })  # fmt: skip
        print()
        for v in verdicts(items):
            print(f"- {v}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


def _header(truth: datagen.Truth) -> str:
    import platform

    cpu = os.cpu_count()
    return (
        f"csvprep bench: Python {platform.python_version()}, {cpu} CPUs; every time is a whole process "
        f"(interpreter start and imports included)"
    )


if __name__ == "__main__":
    sys.exit(main())
