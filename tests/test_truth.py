"""Cross-check against ../shared/data/gen_contacts.py: check finds exactly the injected cells."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import csvprep


def test_check_reports_exactly_the_truth_cells(shared: Path, tmp_path: Path) -> None:
    out = tmp_path / "contacts.csv"
    subprocess.run(
        [
            sys.executable,
            str(shared / "data/gen_contacts.py"),
            "--rows",
            "20000",
            "--seed",
            "7",
            "--invalid-rate",
            "0.03",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    truth = json.loads(Path(f"{out}.truth.json").read_text())
    report = csvprep.check(out, schema=f"{out}.fields.json", module="Contacts")
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    for i in report.issues:
        (errors if i.severity == "error" else warnings)[i.column or ""] += 1
    for column, kinds in truth["invalid_cells"].items():
        want_err = sum(n for k, n in kinds.items() if not k.startswith("warn_"))
        want_warn = sum(n for k, n in kinds.items() if k.startswith("warn_"))
        assert (errors[column], warnings[column]) == (want_err, want_warn), column
    assert report.summary.errors == truth["error_cells_total"]
    assert report.summary.warnings == truth["warning_cells_total"]
    assert report.summary.rows_read == 20000
