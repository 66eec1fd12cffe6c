"""Issue 17's input cases and issue 13's header quotes, through the CLI and the Python API.

Each test reproduces one case of the reliability issue: the bytes a user (or an attacker) hands csvprep,
and what csvprep must then do: read them faithfully, or stop with exit 2 and one line that says why.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import field

import csvprep
from csvprep.cli import main
from csvprep.errors import InputError
from csvprep.packer.batches import iter_zip_rows

FIELDS = [field("Last_Name", "text", length=80, system_mandatory=True), field("City", "text", length=80)]
ROWS = [["Müller", "Köln"], ["Renée", "Zürich"], ["Ng", "Paris"]]
PLAIN = [["Muller", "Koln"], ["Ng", "Paris"], ["Smith", "Leeds"]]
"""Rows without the non-ASCII characters used as delimiters below."""


@pytest.fixture
def schema(tmp_path: Path) -> Path:
    p = tmp_path / "fields.json"
    p.write_text(json.dumps({"fields": FIELDS}))
    return p


def text(rows: list[list[str]], delim: str = ",", header: str = "Last_Name,City") -> str:
    return header.replace(",", delim) + "\r\n" + "".join(delim.join(r) + "\r\n" for r in rows)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object], str]:
    """``csvprep check ... -f json``: exit code, the JSON report (empty on exit 2), stderr."""
    code = main(["check", *args, "--module", "Tests", "-f", "json", "-q"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("csvprep: error: ") and err.count("\n") == 1, err
        return code, {}, err
    return code, json.loads(out), err


def read_rows(path: Path, **kw: object) -> tuple[list[str], list[list[str]]]:
    table = csvprep.reader.open_table(path, **kw)  # type: ignore[arg-type]
    rows = [r for b in table.batches for r in b.table.to_pylist()]
    return table.header, [list(r.values()) for r in rows]


# --- 4. UTF-8 with a stray byte is never re-read as a code page ----------------------------------------


def test_utf8_with_one_stray_cp1252_byte_stops_with_its_offset_and_row(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = text(ROWS).encode("utf-8").replace("Renée".encode(), b"Ren\xe9e")
    p = tmp_path / "mixed.csv"
    p.write_bytes(data)
    code, _, err = run(capsys, str(p), "--schema", str(schema))
    assert code == 2
    offset = data.index(b"\xe9")
    assert f"byte 0xe9 at row 3, byte offset {offset} is not valid UTF-8" in err
    out = tmp_path / "out"
    assert main(["pack", str(p), "--schema", str(schema), "--module", "Tests", "--out", str(out), "-q"]) == 2
    assert not out.exists()


def test_a_cp1252_file_is_still_read_as_cp1252(tmp_path: Path) -> None:
    """Its accented letters make no valid UTF-8 sequence: a code page, as before."""
    p = tmp_path / "legacy.csv"
    p.write_bytes(text(ROWS).encode("cp1252"))
    assert csvprep.reader.open_table(p).encoding == "cp1252"
    assert read_rows(p) == (["Last_Name", "City"], ROWS)


# --- 11. --encoding: BOM-less UTF-16 in either byte order; only text encodings -------------------------


@pytest.mark.parametrize(
    ("named", "codec"),
    [
        ("utf-16", "utf-16-le"),
        ("utf-16", "utf-16-be"),
        ("UTF16", "utf-16-be"),
        ("utf-16-be", "utf-16-be"),
        ("utf-32", "utf-32-be"),
    ],
)
def test_utf16_named_without_a_byte_order_reads_the_files_own(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], named: str, codec: str
) -> None:
    p = tmp_path / "u16.csv"
    p.write_bytes(text(ROWS).encode(codec))
    code, report, _ = run(capsys, str(p), "--schema", str(schema), "--encoding", named)
    assert code == 0
    summary = report["summary"]
    assert isinstance(summary, dict) and summary["encoding"] == codec and summary["rows_read"] == 3
    assert read_rows(p, encoding=named) == (["Last_Name", "City"], ROWS)


@pytest.mark.parametrize(
    "codec",
    ["rot13", "hex", "base64", "zlib", "bz2", "uu", "unicode_escape", "raw_unicode_escape", "punycode"],
)
def test_codecs_that_are_not_text_encodings_are_refused(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], codec: str
) -> None:
    p = tmp_path / "in.csv"
    p.write_text("Last_Name,City\r\nA\\x41,B\r\n")  # unicode_escape would turn \x41 into A
    code, _, err = run(capsys, str(p), "--schema", str(schema), "--encoding", codec)
    assert code == 2 and "not a text encoding" in err
    with pytest.raises(InputError, match="not a text encoding"):
        csvprep.check(p, schema=csvprep.load_schema(schema, module="Tests"), encoding=codec)


# --- 12. an Excel sep= line with a character pyarrow cannot split on ----------------------------------


@pytest.mark.parametrize("sep", ["é", "\x1f", "¦"])
def test_sep_line_with_a_non_ascii_or_control_separator_is_honoured(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], sep: str
) -> None:
    p = tmp_path / "sep.csv"
    p.write_bytes((f"sep={sep}\r\n" + text(PLAIN, delim=sep)).encode("utf-8"))
    code, report, _ = run(capsys, str(p), "--schema", str(schema))
    assert code == 0
    assert report["summary"]["rows_read"] == 3  # type: ignore[index]
    assert read_rows(p) == (["Last_Name", "City"], PLAIN)


@pytest.mark.parametrize("sep", ["\x00", "\x1e"], ids=["nul", "record-separator"])
def test_sep_line_with_a_control_separator_is_not_binary(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], sep: str
) -> None:
    """Short cells make the separators more than a tenth of the bytes: still the file's own delimiter."""
    rows = [["A", "B"]] * 400
    p = tmp_path / "sep.csv"
    p.write_bytes((f"sep={sep}\r\n" + text(rows, delim=sep)).encode("utf-8"))
    code, report, _ = run(capsys, str(p), "--schema", str(schema))
    assert code == 0 and report["summary"]["rows_read"] == 400  # type: ignore[index]


# --- 13 / 22. FIFOs, pipes, devices ----------------------------------------------------------------------


def _cli(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "csvprep.cli", *args],
        capture_output=True,
        timeout=60,
        **kw,  # type: ignore[call-overload]
    )


def test_fifo_with_no_writer_is_an_error_not_a_hang(tmp_path: Path, schema: Path) -> None:
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    p = _cli(["check", str(fifo), "--schema", str(schema), "--module", "Tests"])
    assert p.returncode == 2 and b"Traceback" not in p.stderr
    assert b"pipe" in p.stderr and p.stderr.count(b"\n") == 1


def test_stdin_pipe_is_read(tmp_path: Path, schema: Path) -> None:
    data = text(ROWS).encode()
    p = _cli(
        ["check", "/dev/stdin", "--schema", str(schema), "--module", "Tests", "-f", "json", "-q"], input=data
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["summary"]["rows_read"] == 3


def test_process_substitution_pipe_is_read_and_packed(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, w = os.pipe()
    data = text(ROWS * 30000).encode()  # more than a pipe buffer: the writer blocks until csvprep reads

    def feed() -> None:
        try:
            with open(w, "wb") as fh:
                fh.write(data)
        except BrokenPipeError:
            pass  # csvprep stopped reading (it did before this was fixed): the test fails below

    t = threading.Thread(target=feed)
    t.start()
    out = tmp_path / "out"
    try:
        code = main(
            ["pack", f"/dev/fd/{r}", "--schema", str(schema), "--module", "Tests", "--out", str(out), "-q"]
        )
    finally:
        os.close(r)
        t.join()
    assert code == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["totals"]["rows_in"] == 90000
    import hashlib

    assert manifest["input"]["sha256"] == hashlib.sha256(data).hexdigest()


def test_endless_pipe_stops_at_the_spool_cap(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from csvprep.reader import source

    monkeypatch.setattr(source, "MAX_SPOOL_BYTES", 4 << 20)  # the real cap is 4 GiB
    r, w = os.pipe()
    line = b"a,\n" * 4096

    def feed() -> None:  # `yes a, |`, bounded at 8x the cap so that a reader with no cap ends too
        try:
            with open(w, "wb") as fh:
                for _ in range((32 << 20) // len(line)):
                    fh.write(line)
        except (BrokenPipeError, OSError):
            pass

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    try:
        code, _, err = run(capsys, f"/dev/fd/{r}", "--schema", str(schema))
    finally:
        os.close(r)
        t.join(timeout=10)
    assert code == 2 and "more than 4,194,304 bytes" in err and "save the data" in err
    assert not t.is_alive()


@pytest.mark.parametrize("route", ["gz file", "gz file object", "file object"])
def test_gzip_bombs_and_file_objects_stop_at_the_spool_cap(
    tmp_path: Path, schema: Path, monkeypatch: pytest.MonkeyPatch, route: str
) -> None:
    import gzip
    import io

    from csvprep.reader import source

    monkeypatch.setattr(source, "MAX_SPOOL_BYTES", 1 << 20)  # the real cap is 4 GiB
    data = text(PLAIN).encode() + b"Ng,Paris\r\n" * 200_000  # 2.2 MB: gzip makes ~10 KB of it
    src: object = tmp_path / "in.csv.gz"
    if route == "gz file":
        (tmp_path / "in.csv.gz").write_bytes(gzip.compress(data))
    else:
        src = io.BytesIO(gzip.compress(data) if route == "gz file object" else data)
    with pytest.raises(InputError, match="more than 1,048,576 bytes"):
        csvprep.check(src, schema=csvprep.load_schema(schema, module="Tests"))  # type: ignore[arg-type]


def test_a_device_is_refused(schema: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "/dev/zero", "--schema", str(schema))
    assert code == 2 and "device" in err


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8, codecs.BOM_UTF16_LE], ids=["utf8", "utf16"])
def test_bom_only_file_is_empty(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], bom: bytes
) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes(bom)
    code, _, err = run(capsys, str(p), "--schema", str(schema))
    assert code == 2 and "is empty" in err and "quote" not in err


# --- 15. the input changes while it is read ---------------------------------------------------------------


TRUNCATE = """
import sys
from csvprep import reader
from csvprep.errors import InputError
path, fast = sys.argv[1], sys.argv[2] == "fast"
table = reader.open_csv(path, block_bytes=64 << 10, batch_rows=1000, fast=fast)
try:
    for i, batch in enumerate(table.batches):
        if i == 1:
            with open(path, "r+b") as f:
                f.truncate(f.seek(0, 2) * 2 // 5)
except InputError as e:
    print(e)
    sys.exit(2)
"""


@pytest.mark.parametrize("route", ["fast", "exact"])
def test_input_truncated_while_it_is_read_is_a_clear_error(tmp_path: Path, route: str) -> None:
    """Before: SIGBUS (the fast path mapped the file) or the rows after the cut silently missing."""
    p = tmp_path / "big.csv"
    p.write_bytes(("Last_Name,City\r\n" + "Müller-Lüdenscheidt,Köln am Rhein\r\n" * 60000).encode())
    proc = subprocess.run([sys.executable, "-c", TRUNCATE, str(p), route], capture_output=True, timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert b"the input changed while it was read" in proc.stdout


def test_input_rewritten_in_place_while_it_is_read_is_a_clear_error(tmp_path: Path) -> None:
    """Same size, other bytes (another program saved over it): the records read may mix two versions."""
    p = tmp_path / "in.csv"
    p.write_bytes(text(PLAIN * 2000).encode())
    table = csvprep.reader.open_csv(p, block_bytes=4 << 10)
    batches = iter(table.batches)
    next(batches)
    with open(p, "r+b") as f:
        f.seek(-12, os.SEEK_END)
        f.write(b"Jones,Leeds\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with pytest.raises(InputError, match="the input changed while it was read"):
        list(batches)


# --- issue 13: header quotes, raw bytes of malformed rows --------------------------------------------------


@pytest.mark.parametrize(
    ("header", "line", "what"),
    [
        ('Last_Name,"City\r\nd"e,f\r\n', 1, "not closed before the line ends"),
        ('"Last_Name" ,City\r\n', 1, "closes in the middle of the cell"),
        ('Last_Name,"Ci"ty\r\n', 1, "closes in the middle of the cell"),
        ('sep=,\r\nLast_Name,"City\r\n', 2, "never closed"),
    ],
    ids=["runs-on", "space-after-quote", "text-after-quote", "never-closed-after-sep"],
)
def test_a_broken_quote_in_the_header_is_a_file_error(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], header: str, line: int, what: str
) -> None:
    p = tmp_path / "h.csv"
    p.write_bytes((header + "Ng,Paris\r\nA,B\r\n").encode())
    code, _, err = run(capsys, str(p), "--schema", str(schema))
    assert code == 2 and f"header row (row 1, line {line}" in err and what in err


def test_a_multiline_quoted_header_cell_is_still_fine(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_bytes(b'"Last\nName",City\r\nNg,Paris\r\n')
    assert read_rows(p) == (["Last\nName", "City"], [["Ng", "Paris"]])


def test_rejects_keep_a_malformed_rows_bytes(tmp_path: Path, schema: Path) -> None:
    raw = b'Ng,"b"c\xc3\xa9 ,x'
    p = tmp_path / "in.csv"
    p.write_bytes(b"Last_Name,City\r\nMuller,Koln\r\n" + raw + b"\r\nZed,Paris\r\n")
    out = tmp_path / "out"
    assert main(["pack", str(p), "--schema", str(schema), "--module", "Tests", "--out", str(out), "-q"]) == 1
    with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
        header, *rejected = list(csv.reader(fh))
    own = sum(h.startswith("_csvprep_") for h in header)  # csvprep's columns come first
    assert [(r[0], r[own:]) for r in rejected] == [("3", [raw.decode()])]  # the line as read, in one cell
    packed = [r for z in sorted(out.glob("*.zip")) for r in list(iter_zip_rows(z))[1:]]
    assert packed == [["Muller", "Koln"], ["Zed", "Paris"]]


# --- delimiters: ASCII unit and record separators, any one character --------------------------------


@pytest.mark.parametrize("sep", ["\x1e", "\x1f", "é"])
def test_any_single_character_delimiter(
    tmp_path: Path, schema: Path, capsys: pytest.CaptureFixture[str], sep: str
) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(text(PLAIN, delim=sep).encode())
    code, report, _ = run(capsys, str(p), "--schema", str(schema), "--delimiter", sep)
    assert code == 0 and report["summary"]["rows_read"] == 3  # type: ignore[index]
    out = tmp_path / "out"
    assert (
        main(
            [
                "pack",
                str(p),
                "--schema",
                str(schema),
                "--module",
                "Tests",
                "--out",
                str(out),
                "-q",
                "--delimiter",
                sep,
            ]
        )
        == 0
    )
    with zipfile.ZipFile(next(out.glob("*.zip"))) as z:
        body = z.read(z.namelist()[0]).decode()
    assert list(csv.reader(body.splitlines()))[1:] == PLAIN


def test_reading_without_pread_gives_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no os.pread: the reader seeks and reads instead."""
    p = tmp_path / "in.csv"
    p.write_bytes(text(ROWS * 500).encode())
    want = [r for b in csvprep.reader.open_csv(p, block_bytes=4 << 10).batches for r in b.table.to_pylist()]
    monkeypatch.delattr(os, "pread")
    got = [r for b in csvprep.reader.open_csv(p, block_bytes=4 << 10).batches for r in b.table.to_pylist()]
    assert got == want and len(got) == 1500
