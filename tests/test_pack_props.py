"""Property tests of pack: for any rows and limits, every row ends up in exactly one place, unchanged."""

from __future__ import annotations

import csv
import tempfile
from collections import Counter
from pathlib import Path

from conftest import field, schema_of
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import csvprep
from csvprep.errors import InputError, UsageError
from csvprep.packer.batches import iter_zip_rows
from csvprep.rules.formula import restore_text

# Text fields of 12 characters: long cells and control characters are errors, so rows get rejected too.
SCHEMA = schema_of(
    field("A", "text", length=12), field("B", "text", length=12), field("C", "text"), module="Props"
)
HEADER = ["A", "B", "C"]
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"
BINARY_SHARE = 0.1

cell = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=16),
    st.sampled_from(
        ["", "0012345600012", "4150868000001038001", '"', '""', "a,b", "x\ny", "x\r\ny", " lead"]
    ),
)
rows_strategy = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=40)


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows([HEADER, *rows])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, max_rows=st.integers(1, 12), max_zip_bytes=st.integers(150, 3000))
@example(rows=[["\x08", "\x08\x08", "\x08\x08"]], max_rows=1, max_zip_bytes=150)  # refused as binary
def test_rows_in_equal_rows_packed_plus_rejected(
    rows: list[list[str]], max_rows: int, max_zip_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = d / "in.csv"
        _write(src, rows)
        out = d / "out"
        try:
            result = csvprep.pack(src, out, schema=SCHEMA, max_rows=max_rows, max_zip_bytes=max_zip_bytes)
        except UsageError as e:
            event("limit too small for a row")
            assert "too small" in str(e)
            assert sorted(p.name for p in d.iterdir()) == ["in.csv"]  # nothing half-written
            return
        except InputError as e:
            # A small file made mostly of control bytes is refused whole as binary, and nothing is written.
            event("refused as binary")
            data = src.read_bytes()
            controls = len(data) - len(data.translate(None, CONTROL_BYTES))
            assert "binary data" in str(e) and controls > BINARY_SHARE * len(data)
            assert not out.exists()
            return
        source = {n + 2: r for n, r in enumerate(rows)}
        event(f"batches: {min(len(result.batches), 3)}+, rejected: {bool(result.totals.rows_rejected)}")

        packed: dict[int, list[str]] = {}
        for b in result.batches:
            (f,) = b.files
            zpath = out / f.zip
            assert zpath.stat().st_size <= max_zip_bytes
            records = list(iter_zip_rows(zpath))
            assert records[0] == HEADER
            assert 1 <= len(records) - 1 == b.rows <= max_rows
            numbers = [n for start, end in b.source_rows for n in range(start, end + 1)]
            for n, rec in zip(numbers, records[1:], strict=True):
                assert n not in packed
                packed[n] = rec

        with open(result.paths.rejects, encoding="utf-8", newline="") as fh:
            rej = list(csv.reader(fh))
        assert rej[0] == ["_csvprep_row", "_csvprep_errors", "_csvprep_source", *HEADER]
        # rejects.csv quotes formulas; csvprep takes that quote off when the file comes back
        rejected = {int(r[0]): [restore_text(c) for c in r[3:]] for r in rej[1:]}
        assert len(rejected) == len(rej) - 1

        assert not packed.keys() & rejected.keys()
        assert packed.keys() | rejected.keys() == source.keys()
        for n, rec in {**packed, **rejected}.items():
            assert rec == source[n]  # byte for byte: the csv module compares the decoded strings exactly
        as_tuples = Counter(map(tuple, rows))
        assert Counter(map(tuple, packed.values())) + Counter(map(tuple, rejected.values())) == as_tuples
        errors = {i.row for i in result.report.issues if i.row is not None and i.severity == "error"}
        assert set(rejected) == errors
        t = result.totals
        assert (t.rows_in, t.rows_packed, t.rows_rejected) == (len(rows), len(packed), len(rejected))
        assert result.exit_code == (1 if rejected else 0)
