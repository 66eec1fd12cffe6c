"""Fuzzing check and pack with arbitrary bytes and arbitrary text CSVs: exit 0/1/2, never a traceback,
and pack's partition: every record the reader finds is packed or rejected, exactly once, unchanged."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path

from conftest import field
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csvprep import reader
from csvprep.cli import main
from csvprep.errors import CsvprepError
from csvprep.packer.batches import iter_zip_rows
from csvprep.rules.formula import restore_text

FIELDS = [
    field("Last_Name", "text", length=20, system_mandatory=True),
    field("Email", "email"),
    field("Phone", "phone", length=30),
    field("Note", "textarea", length=50),
]
NAMES = ["Last_Name", "Email", "Phone", "Note", "Unknown", ""]


def run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))  # an exception here fails the test: no traceback may escape
    return code, err.getvalue()


def records(path: Path) -> dict[int, list[str]] | None:
    """Every record the reader finds, good or malformed, by row (None when the file cannot be read)."""
    try:
        table = reader.open_table(path)
        out: dict[int, list[str]] = {}
        for b in table.batches:
            out.update(
                {int(r): list(c) for r, c in zip(b.frame.index, b.frame.itertuples(index=False), strict=True)}
            )
            # rejects.csv holds a broken-quote row as its line, in one cell (its fields are a guess).
            out.update({m.row: [m.raw] if m.raw is not None else list(m.fields) for m in b.malformed})
        return out
    except CsvprepError:
        return None


def check_and_pack(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src, schema = d / "in.csv", d / "fields.json"
        src.write_bytes(data)
        schema.write_text(json.dumps({"fields": FIELDS}))
        opts = ["--schema", str(schema), "--module", "Fuzz", "-q"]
        code, err = run("check", str(src), *opts, "-f", "json", "--output", str(d / "r.json"))
        assert code in (0, 1, 2)
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("csvprep: error: ") and err.count("\n") == 1
        expected = records(src)
        assert (code == 2) == (expected is None)

        out = d / "out"
        pcode, perr = run("pack", str(src), *opts, "--out", str(out))
        assert pcode in (0, 1, 2) and "Traceback" not in perr
        assert (pcode == 2) == (code == 2)
        if expected is None:
            assert not out.exists()
            return
        manifest = json.loads((out / "manifest.json").read_text())
        packed: dict[int, list[str]] = {}
        for b in manifest["batches"]:
            numbers = [n for start, end in b["source_rows"] for n in range(start, end + 1)]
            (f,) = b["files"]
            for n, rec in zip(numbers, list(iter_zip_rows(out / f["zip"]))[1:], strict=True):
                assert n not in packed
                packed[n] = rec
        with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
            rej = list(csv.reader(fh))[1:]
        # rejects.csv quotes formulas; csvprep takes that quote off when the file comes back
        rejected = {int(r[0]): [restore_text(c) for c in r[3:]] for r in rej}
        assert len(rejected) == len(rej)
        assert not packed.keys() & rejected.keys()
        assert packed.keys() | rejected.keys() == expected.keys()
        for n, cells in {**packed, **rejected}.items():
            assert cells == expected[n], n
        report = json.loads((d / "r.json").read_text())
        error_rows = {i["row"] for i in report["issues"] if i["row"] is not None and i["severity"] == "error"}
        if not manifest.get("blocked", False) and not any(
            i["row"] is None and i["severity"] == "error" for i in report["issues"]
        ):
            assert set(rejected) == error_rows
        assert pcode == (1 if rejected or manifest.get("blocked") else 0)


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    check_and_pack(data)


@SETTINGS
@given(
    data=st.lists(
        st.sampled_from(
            [
                b"Last_Name",
                b"Email",
                b",",
                b";",
                b"\t",
                b'"',
                b"\r",
                b"\n",
                b"\r\n",
                b"\x00",
                b"\xef\xbb\xbf",
                b"\xff\xfe",
                b"\xe9",
                b"x",
                b"a@b.co",
                b" ",
            ]
        ),
        max_size=40,
    )
)
def test_csv_shaped_bytes(data: list[bytes]) -> None:
    check_and_pack(b"".join(data))


cell = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["", "a@b.co", "+49301", '"', "a,b", "x\ny", "x\r\ny", "\x00", "é", "x" * 60]),
)


@SETTINGS
@given(
    header=st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
    rows=st.lists(st.lists(cell, min_size=0, max_size=5), max_size=15),
    delim=st.sampled_from([",", ";", "\t", "|"]),
    eol=st.sampled_from(["\r\n", "\n", "\r"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_arbitrary_text_csv(
    header: list[str], rows: list[list[str]], delim: str, eol: str, encoding: str
) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator=eol).writerows([header, *rows])
    check_and_pack(buf.getvalue().encode(encoding))
