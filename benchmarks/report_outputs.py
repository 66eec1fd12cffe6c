"""Time a report's pipeline outputs at many issues: to_arrow, to_pandas, repr, HTML, split.

    python -m benchmarks.report_outputs [--rows 170000] [--repeat 7]

A DataFrame of ``--rows`` Contacts rows, each with one invalid email, is checked once; each output is then
timed ``--repeat`` times (best and median), beside a DataFrame built by hand from ``report.issues``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import pandas as pd

import csvprep

HAND_REPEAT = 3
"""The hand-built DataFrame takes seconds: fewer rounds."""


def timed(f: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(best ms, median ms, last result)."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times) * 1000, statistics.median(times) * 1000, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=170_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    df = pd.DataFrame({"Last_Name": ["Ng"] * args.rows, "Email": ["not-an-email"] * args.rows}, dtype="str")
    t = time.perf_counter()
    report = csvprep.check(df, module="Contacts")
    print(f"check: {time.perf_counter() - t:.2f} s, {len(report.issues):,} issues")
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("to_arrow", report.to_arrow, args.repeat),
        ("to_pandas", report.to_pandas, args.repeat),
        ("repr", lambda: repr(report), args.repeat),
        ("_repr_html_", report._repr_html_, args.repeat),
        ("split", lambda: report.split(df), args.repeat),
        ("by hand", lambda: pd.DataFrame([i.to_dict() for i in report.issues]), HAND_REPEAT),
    ]
    for name, f, repeat in cases:
        best, median, out = timed(f, repeat)
        size = f", {len(out):,} chars" if isinstance(out, str) else ""
        print(f"{name}: best {best:.1f} ms, median {median:.1f} ms{size}")


if __name__ == "__main__":
    main()
