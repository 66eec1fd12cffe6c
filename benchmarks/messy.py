"""Writes fixtures/leads-messy.xlsx, the workbook of ``fix``'s fixture: an export as a spreadsheet gives it,
with real date-time cells (no UTC offset), amounts typed as text with thousands separators, ``Yes``/``No``,
spaced phones and picklist values in the wrong case. Run from a clone's root to regenerate it:

    .venv/bin/python -m benchmarks.messy
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

HEADER = (
    "Last_Name",
    "Company",
    "Email",
    "Phone",
    "Lead_Source",
    "Annual_Revenue",
    "No_of_Employees",
    "Email_Opt_Out",
    "Last_Visited_Time",
)
ROWS = (
    ("Schmidt", "Acme GmbH", "anna@acme.example", "+49 89 1234 5678", "web download", "1,250,000.00", "1,200",
     "No", datetime(2024, 1, 31, 9, 0)),
    ("Rossi", "Rossi Srl", " marco@rossi.example ", "+39 (06) 123-4567", "Cold Call", "$98,500", "45",
     "Yes", datetime(2024, 2, 1, 17, 30, 15)),
    ("Nguyen", "Pho Ltd", "lan@pho.example", "028.3823.4567", "PARTNER", "12,000.5", "7", "y",
     datetime(2024, 3, 15, 8, 5)),
    ("Brown", "Brown & Co", "tom@brown.example", "555 0100", "Trade show", "750000", "1,5", "no", None),
)  # fmt: skip
"""``1,5`` employees is left: it is no thousands grouping, and a person must say what it means."""

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "leads-messy.xlsx"


def write(path: Path = OUT) -> Path:
    """Write the workbook (openpyxl, a test dependency) and return its path."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Leads"
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    for cell in ws["I"][1:]:
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
    wb.save(path)
    return path


if __name__ == "__main__":
    print(write())
