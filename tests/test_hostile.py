"""Files users really produce, through the CLI: exit code, issue codes and rows, and pack losing nothing.

One generated fixture per case of the "real-world and hostile input" issue: BOMs, UTF-16 and cp1252 text,
``;`` and tab delimiters, CR-only line ends, ragged rows, unclosed quotes, NUL bytes, a 5 MB cell, duplicate
and blank headers, file-level failures, and bytes that are not in the file's encoding.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import field

from csvprep.cli import main
from csvprep.packer.batches import iter_zip_rows

FIELDS = [
    field("Last_Name", "text", length=80, system_mandatory=True),
    field("Email", "email"),
    field("Phone", "phone", length=30),
    field("Description", "textarea", length=32000),
]
HEADER = ["Last_Name", "Email", "Phone", "Description"]


@dataclass
class Run:
    code: int
    issues: list[tuple[int | None, str | None, str]]
    """(row, column, code) of every issue check reports."""
    summary: dict[str, object]
    err: str


@dataclass
class Packed:
    code: int
    packed: dict[int, list[str]]
    rejected: dict[int, list[str]]
    raw: list[bytes]
    """Each ZIP's CSV, as bytes."""


@pytest.fixture
def env(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Env:
    return Env(tmp_path, capsys)


class Env:
    def __init__(self, tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp, self.capsys = tmp, capsys
        self.schema = tmp / "fields.json"
        self.schema.write_text(json.dumps({"fields": FIELDS}))

    def file(self, data: bytes, name: str = "in.csv") -> Path:
        p = self.tmp / name
        p.write_bytes(data)
        return p

    def check(self, path: Path, *extra: str) -> Run:
        report = self.tmp / "report.json"
        report.unlink(missing_ok=True)
        args = ["check", str(path), "--schema", str(self.schema), "--module", "Tests", "-q", "-f", "json"]
        code = main([*args, "--output", str(report), *extra])
        err = self.capsys.readouterr().err
        assert "Traceback" not in err
        if code == 2:
            assert err.startswith("csvprep: error: ") and err.count("\n") == 1, err
            return Run(code, [], {}, err)
        doc = json.loads(report.read_text(encoding="utf-8"))
        issues = [(i["row"], i["column"], i["code"]) for i in doc["issues"]]
        return Run(code, issues, doc["summary"], err)

    def pack(self, path: Path, *extra: str) -> Packed:
        out = self.tmp / "out"
        args = ["pack", str(path), "--schema", str(self.schema), "--module", "Tests", "-q", "--out", str(out)]
        code = main([*args, "--force", *extra])
        err = self.capsys.readouterr().err
        assert "Traceback" not in err
        if code == 2:
            return Packed(code, {}, {}, [])
        manifest = json.loads((out / "manifest.json").read_text())
        packed: dict[int, list[str]] = {}
        raw = []
        for b in manifest["batches"]:
            numbers = [n for start, end in b["source_rows"] for n in range(start, end + 1)]
            (f,) = b["files"]
            with zipfile.ZipFile(out / f["zip"]) as z:
                raw.append(z.read(z.namelist()[0]))
            records = list(iter_zip_rows(out / f["zip"]))
            packed.update(zip(numbers, records[1:], strict=True))
        with open(out / "rejects.csv", encoding="utf-8", newline="") as fh:
            import csv

            rej = list(csv.reader(fh))
        rejected = {int(r[0]): r[3:] for r in rej[1:]}
        assert not packed.keys() & rejected.keys()
        return Packed(code, packed, rejected, raw)


def csv_bytes(rows: list[list[str]], delim: str = ",", eol: str = "\r\n") -> str:
    def q(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in (delim, '"', "\r", "\n")) else c

    return "".join(delim.join(q(c) for c in r) + eol for r in rows)


GOOD = [
    ["Müller", "m@example.com", "+4930123", "Straße 5; 2. OG"],
    ["García", "g@example.com", "+34911", 'Café, "con leche"\nsecond line'],
    ["Ng", "n@example.com", "123", ""],
]


# --- encodings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "codec", "delim", "encoding"),
    [
        (codecs.BOM_UTF8, "utf-8", ",", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "\t", "utf-16-le"),  # Excel's "Unicode text"
        (codecs.BOM_UTF16_BE, "utf-16-be", ",", "utf-16-be"),
        (b"", "cp1252", ";", "cp1252"),  # European Excel's "CSV (semicolon)"
    ],
    ids=["utf8-bom", "utf16le-tab", "utf16be", "cp1252-semicolon"],
)
def test_encodings_are_read_and_packed_as_utf8(
    env: Env, prefix: bytes, codec: str, delim: str, encoding: str
) -> None:
    rows = [HEADER, *GOOD, ["Dupont", "pas un email", "1", "très bien, merci beaucoup à vous"]]
    path = env.file(prefix + csv_bytes(rows, delim).encode(codec))
    run = env.check(path)
    assert run.code == 1 and run.issues == [(5, "Email", "invalid-email")]
    assert run.summary["encoding"] == encoding and run.summary["rows_read"] == 4
    notes = run.summary.get("notes", [])
    assert (encoding == "utf-8-sig") == (not any(encoding.lower() in n.lower() for n in notes))
    p = env.pack(path)
    assert p.code == 1 and set(p.rejected) == {5}
    assert p.packed == {2: GOOD[0], 3: GOOD[1], 4: GOOD[2]}
    for raw in p.raw:  # packed output is UTF-8, without a BOM
        assert not raw.startswith(codecs.BOM_UTF8) and "Müller" in raw.decode("utf-8")


def test_undecidable_encoding_asks_for_the_option(env: Env) -> None:
    path = env.file(b"Last_Name\r\nN\xe9e\r\n")
    run = env.check(path)
    assert run.code == 2 and "--encoding" in run.err
    assert env.check(path, "--encoding", "cp1252").code == 0
    assert env.pack(path, "--encoding", "cp1252").packed == {2: ["Née"]}


def test_bytes_not_in_the_encoding_later_in_the_file(env: Env) -> None:
    head = b"Last_Name,Description\r\n" + b"Smith,ascii only\r\n" * 70000  # past the 1 MB sample
    path = env.file(head + b"Caf\xe9,x\r\n")
    run = env.check(path)
    assert run.code == 2 and "row 70002" in run.err and "--encoding" in run.err
    assert env.pack(path).code == 2
    assert not (env.tmp / "out").exists()  # nothing half-written
    assert env.check(path, "--encoding", "cp1252").code == 0


# --- dialect ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", ["\r", "\n", "\r\n"], ids=["cr", "lf", "crlf"])
def test_line_ends_and_quoted_newlines(env: Env, eol: str) -> None:
    path = env.file(csv_bytes([HEADER, *GOOD, ["", "x@example.com", "", ""]], eol=eol).encode())
    run = env.check(path)
    assert run.code == 1 and run.issues == [(5, "Last_Name", "required-empty")]
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 3: GOOD[1], 4: GOOD[2]} and sorted(p.rejected) == [5]


def test_delimiter_option(env: Env) -> None:
    path = env.file(csv_bytes([HEADER, *GOOD], "|").encode())
    assert env.check(path).summary["delimiter"] == "|"
    run = env.check(path, "--delimiter", ";")  # wrong on purpose: one unknown column
    assert run.code == 1 and [c for _, _, c in run.issues][:1] == ["unknown-column"]


# --- malformed rows --------------------------------------------------------------------------------------


def test_ragged_rows_are_row_errors(env: Env) -> None:
    text = csv_bytes([HEADER, GOOD[0]]) + "Short,s@example.com\r\n" + "Long,l@x.co,1,d,extra\r\n"
    path = env.file((text + csv_bytes([GOOD[2]])).encode())
    run = env.check(path)
    assert run.code == 1 and run.issues == [(3, None, "field-count"), (4, None, "field-count")]
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 5: GOOD[2]}
    assert p.rejected == {3: ["Short", "s@example.com"], 4: ["Long", "l@x.co", "1", "d", "extra"]}


@pytest.mark.parametrize("where", ["last column", "first column"])
def test_unclosed_quote_is_reported_where_it_opened(env: Env, where: str) -> None:
    bad = 'Open,o@example.com,1,"never closed\r\n' if where == "last column" else '"Open,o@x.co,1,d\r\n'
    path = env.file((csv_bytes([HEADER, GOOD[0]]) + bad + csv_bytes([GOOD[2]])).encode())
    run = env.check(path)
    assert run.code == 1 and run.issues == [(3, None, "unclosed-quote")]
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 4: GOOD[2]} and list(p.rejected) == [3]


def test_quote_left_open_mid_file_does_not_swallow_rows(env: Env) -> None:
    # The open quote would end at the first quote of row 4 and glue row 4 into row 3's last cell.
    bad = 'Open,o@example.com,1,"oops\r\n'
    path = env.file((csv_bytes([HEADER, GOOD[0]]) + bad + csv_bytes(GOOD[1:])).encode())
    run = env.check(path)
    assert run.code == 1 and run.issues == [(3, None, "unclosed-quote")]
    message = json.loads((env.tmp / "report.json").read_text())["issues"][0]["message"]
    assert "is not closed before the line ends" in message and 'two ("")' in message
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 4: GOOD[1], 5: GOOD[2]}
    assert p.rejected == {3: [bad.rstrip("\r\n")]}  # the line as read, in one cell


def test_nul_and_control_characters_are_cell_errors(env: Env) -> None:
    rows = [
        HEADER,
        GOOD[0],
        ["Nul\x00l", "a@example.com", "1", ""],
        ["Bell", "b@example.com", "2", "ring\x07"],
    ]
    path = env.file(csv_bytes([*rows, GOOD[2]]).encode())
    run = env.check(path)
    assert run.code == 1
    assert run.issues == [(3, "Last_Name", "control-character"), (4, "Description", "control-character")]
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 5: GOOD[2]} and p.rejected[3][0] == "Nul\x00l"


@pytest.mark.usefixtures("big_cells")
def test_five_megabyte_cell_is_judged_by_its_length_rule(env: Env) -> None:
    huge = ("lorem ipsum, " * 400_000)[:5_000_000]
    rows = [HEADER, GOOD[0], ["Big", "b@example.com", "1", huge], GOOD[2]]
    path = env.file(csv_bytes(rows).encode())
    run = env.check(path)
    assert run.code == 1 and run.issues == [(3, "Description", "too-long")]
    p = env.pack(path)
    assert p.packed == {2: GOOD[0], 4: GOOD[2]} and p.rejected[3][3] == huge


def test_duplicate_and_blank_headers_are_file_issues(env: Env) -> None:
    path = env.file(csv_bytes([["Last_Name", "Email", "", "Email"], ["A", "a@x.co", "", "b@x.co"]]).encode())
    run = env.check(path)
    assert run.code == 1
    assert {(c, col) for _, col, c in run.issues} == {("blank-column", None), ("duplicate-column", "Email")}
    p = env.pack(path)
    assert p.code == 1 and not p.packed and list(p.rejected) == [2]


def test_row_numbers_are_records_not_lines(env: Env) -> None:
    rows = [
        HEADER,
        ["A", "a@x.co", "1", "one\ntwo\nthree"],
        ["B", "bad", "2", "x\r\ny"],
        ["C", "also bad", "3", ""],
    ]
    run = env.check(env.file(csv_bytes(rows).encode()))
    assert run.issues == [(3, "Email", "invalid-email"), (4, "Email", "invalid-email")]


# --- file-level problems ---------------------------------------------------------------------------------


def test_file_level_problems_exit_2_with_one_line(env: Env) -> None:
    good = env.file(csv_bytes([HEADER, GOOD[0]]).encode(), "good.csv")
    cases = {
        "file not found": env.tmp / "missing.csv",
        "is a directory": env.tmp,
        "is empty": env.file(b"", "empty.csv"),
        "binary data": env.file(bytes(range(256)) * 16, "junk.csv"),
        "no header row": env.file(b"\r\n\r\n", "blank.csv"),
    }
    for message, path in cases.items():
        run = env.check(path)
        assert run.code == 2 and message in run.err, (message, run.err)
        assert env.pack(path).code == 2
    env.schema.write_text("{not json")
    assert (r := env.check(good)).code == 2 and "not valid JSON" in r.err
    env.schema.write_text('{"data": []}')
    assert (r := env.check(good)).code == 2 and "fields" in r.err
    assert main(["check", str(good), "--module", "Nope", "-q"]) == 2
    err = env.capsys.readouterr().err
    assert "Contacts" in err and "Leads" in err and err.count("\n") == 1


def test_header_only_is_a_clean_report_of_zero_rows(env: Env) -> None:
    path = env.file(csv_bytes([HEADER]).encode())
    run = env.check(path)
    assert run.code == 0 and run.summary["rows_read"] == 0 and not run.issues
    p = env.pack(path)
    assert p.code == 0 and not p.packed and not p.rejected
