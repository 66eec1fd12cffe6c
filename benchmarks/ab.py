"""Interleaved A/B of two csvprep installs on one file: paired-median wall, CPU and peak-RSS ratios.

    python benchmarks/ab.py VENV_A VENV_B ROUNDS CSV [--schema FIELDS_JSON]

Run it from a neutral directory (not a clone's root, whose ``csvprep/`` would shadow both installs). Each
round runs ``check -f json`` and ``pack`` once per install, the order alternating, under ``/usr/bin/time``.
CPU counts every process of a run: an email-validator worker the command left running (fc2e955 did, the
reshaped code waits for it) is adopted on Linux and its CPU added to the run's.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

COMMANDS = ("check", "pack")
PR_SET_CHILD_SUBREAPER = 36
"""prctl option (linux/prctl.h): orphaned descendants are re-parented to this process, which reaps them."""


def adopt_orphans() -> None:
    """Become the reaper of the runs' orphaned processes (Linux), so that their CPU can be counted."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def orphans_cpu() -> float:
    """CPU seconds of the adopted processes left by the last run, once they end."""
    cpu = 0.0
    while True:
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            return cpu
        cpu += usage.ru_utime + usage.ru_stime


def run_once(venv: Path, command: str, csv: Path, schema: Path | None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one run."""
    out = Path(tempfile.mkdtemp())
    argv = [str(venv / "bin" / "csvprep"), command, str(csv), "--module", "Contacts", "-q"]
    if schema is not None:
        argv += ["--schema", str(schema)]
    argv += (
        ["--format", "json", "--output", str(out / "r.json")]
        if command == "check"
        else ["--out", str(out / "p")]
    )
    try:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S %M", *argv], capture_output=True, text=True, check=False
        )
    finally:
        shutil.rmtree(out)
    wall, user, system, rss_kb = done.stderr.strip().splitlines()[-1].split()
    return float(wall), float(user) + float(system) + orphans_cpu(), int(rss_kb) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("rounds", type=int)
    ap.add_argument("csv", type=Path)
    ap.add_argument("--schema", type=Path)
    a = ap.parse_args()
    adopt_orphans()
    runs: dict[tuple[Path, str], list[tuple[float, float, float]]] = {}
    for r in range(a.rounds):
        for command in COMMANDS:
            for venv in (a.a, a.b) if r % 2 == 0 else (a.b, a.a):
                runs.setdefault((venv, command), []).append(run_once(venv, command, a.csv, a.schema))
    for command in COMMANDS:
        base, new = runs[(a.a, command)], runs[(a.b, command)]
        ratio = [statistics.median(y[i] / x[i] for x, y in zip(base, new, strict=True)) for i in range(3)]
        wall_a, wall_b = statistics.median(x[0] for x in base), statistics.median(x[0] for x in new)
        print(
            f"{command}: paired median B/A wall {ratio[0]:.3f}, CPU {ratio[1]:.3f}, peak RSS {ratio[2]:.3f}; "
            f"medians A {wall_a:.2f} s, B {wall_b:.2f} s"
        )


if __name__ == "__main__":
    main()
