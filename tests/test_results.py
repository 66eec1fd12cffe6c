"""``csvprep results``: Zoho's result files matched back to source rows; rows' origin across rounds."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import REPO

import csvprep
from csvprep import codes, zoho_codes

CONTACTS = REPO / "fixtures" / "contacts.csv"


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def test_every_zoho_code_an_issue_prevents_is_explained() -> None:
    referenced = {c.zoho for c in codes.REGISTRY.values()} - {zoho_codes.NONE}
    assert referenced and referenced <= zoho_codes.ZOHO_CODES.keys()
    documented = {"MANDATORY_NOT_FOUND", "INVALID_DATA", "DUPLICATE_DATA", "NOT_APPROVED"}
    documented |= {"BLOCKED_RECORD", "CANNOT_PROCESS", "LIMIT_EXCEEDED", "RESOURCE_NOT_FOUND"}
    assert set(zoho_codes.ROW_CODES) == documented
    for code in zoho_codes.ZOHO_CODES.values():
        assert "'Email'" in code.explain("Email") or "{column}" not in code.explanation


def test_rejects_keep_the_first_files_row_when_packed_again(tmp_path: Path) -> None:
    first = csvprep.pack(CONTACTS, tmp_path / "b1", module="Contacts")
    header, rows = read_csv(first.paths.rejects)
    assert header[:3] == ["_csvprep_row", "_csvprep_errors", "_csvprep_source"]
    origin = {r[0] for r in rows}
    assert {r[2] for r in rows} == {"contacts.csv"}
    # nothing fixed: the second round rejects the same rows and still names them in contacts.csv
    again = csvprep.pack(write_csv(tmp_path / "r.csv", header, rows), tmp_path / "b2", module="Contacts")
    h2, rows2 = read_csv(again.paths.rejects)
    assert h2 == header
    assert [(r[0], r[2]) for r in rows2] == [(r[0], "contacts.csv") for r in rows]
    assert again.totals.rows_rejected == len(origin)
