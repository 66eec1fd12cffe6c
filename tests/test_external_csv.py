"""The external CSV suites (PapaParse, rust-csv, d3-dsv): every case exact, or different only by a rule.

The cases and their runner live in ``../shared/reference/external-csv`` (see its README.md). The runner's
own verdict is used, in process: the reader's two routes (fast path and exact parser alone), then
``csvprep.check``. One csvprep rule is newer than the cases' hand-reviewed outcomes: a header row is read
by the same rules as every record, so a broken quote in it (which the suites read as a quote error on
their first row) stops the run with exit 2 and names the header's line.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _runner(shared: Path) -> ModuleType:
    path = shared / "reference" / "external-csv" / "runner.py"
    spec = importlib.util.spec_from_file_location("external_csv_runner", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


HEADER_QUOTE = re.compile(
    r"a quote in the header row \(row 1, line 1: .*\) (is never closed|is not closed|closes in)"
)


def _header_rule(obs: dict[str, Any], case: dict[str, Any], mode: str) -> bool:
    """csvprep's rule for a quote error in the header: the suite flags its first row, csvprep stops."""
    return (
        mode == "as-is"
        and case["malformed_row"] == 0
        and obs["status"] == "exit2"
        and HEADER_QUOTE.search(obs["message"]) is not None
    )


def test_every_external_case_is_exact_or_a_documented_rule(shared: Path, tmp_path: Path) -> None:
    runner = _runner(shared)

    cases = json.loads((runner.HERE / "cases.json").read_text(encoding="utf-8"))["cases"]
    assert len(cases) == 247
    wrong: list[str] = []
    verdicts = {"exact": 0, "ok": 0, "WRONG": 0}
    for case in cases:
        for mode in ("as-is", "hdr") if case["hdr_variant"] else ("as-is",):
            path, data = runner.case_input(case, mode, tmp_path)
            worst = "exact"
            for fast in (True, False):
                obs = runner.observe(path, case["delimiter"], fast=fast)
                v, note = runner.verdict(obs, case, mode, data)
                if v == "WRONG" and _header_rule(obs, case, mode):
                    v = "ok"
                if v == "WRONG":
                    wrong.append(f"{case['id']} {mode} fast={fast}: {note}")
                worst = max(worst, v, key=runner.RANK.get)
                if fast and obs["status"] == "ok":
                    probe = runner.check_probe(path, case["delimiter"], obs["header"])
                    if probe.startswith("crash"):
                        wrong.append(f"{case['id']} {mode}: check() {probe}")
            verdicts[worst] += 1
    assert not wrong, "\n".join(wrong)
    assert verdicts["WRONG"] == 0 and verdicts["exact"] >= 336, verdicts


@pytest.mark.parametrize("case_id", ["papaparse/parse-022", "papaparse/parse-023"])
def test_ascii_record_and_unit_separators_are_exact(shared: Path, tmp_path: Path, case_id: str) -> None:
    runner = _runner(shared)

    (case,) = [
        c
        for c in json.loads((runner.HERE / "cases.json").read_text(encoding="utf-8"))["cases"]
        if c["id"] == case_id
    ]
    path, data = runner.case_input(case, "as-is", tmp_path)
    assert (
        runner.verdict(runner.observe(path, case["delimiter"], fast=True), case, "as-is", data)[0] == "exact"
    )
