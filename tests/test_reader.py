"""The reader: encodings, delimiters, line ends, malformed records, huge cells; both parsers give the same."""

from __future__ import annotations

import codecs
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csvprep import reader
from csvprep.errors import InputError, UsageError
from csvprep.reader import exactcsv, scan
from csvprep.reader.source import CsvData

Rows = dict[int, list[str]]
Bad = dict[int, tuple[str, list[str]]]


def read(path: Path, fast: bool = True, **kw: object) -> tuple[reader.Table, Rows, Bad]:
    """The table, {row: cells} of its good records and {row: (code, fields)} of its malformed ones."""
    table = reader.open_csv(path, fast=fast, **kw)  # type: ignore[arg-type]
    rows: Rows = {}
    bad: Bad = {}
    for b in table.batches:
        for r, cells in zip(b.frame.index, b.frame.itertuples(index=False), strict=True):
            assert r not in rows and r not in bad
            rows[int(r)] = list(cells)
        for m in b.malformed:
            assert m.row not in rows and m.row not in bad
            bad[m.row] = (m.code, list(m.fields))
    assert sorted([*rows, *bad]) == list(range(2, 2 + len(rows) + len(bad))), "rows are numbered 2, 3, ..."
    return table, rows, bad


def both(path: Path, **kw: object) -> tuple[reader.Table, Rows, Bad]:
    """Read with the fast path and with the exact parser alone; they must agree."""
    fast = read(path, **kw)
    exact = read(path, fast=False, **kw)
    assert fast[0].header == exact[0].header
    assert (fast[1], fast[2]) == (exact[1], exact[2])
    return fast


def write(tmp_path: Path, data: bytes, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


TEXT = 'Last_Name,Description,Phone\r\nMüller,"Straße 5, 2. OG",+4930123\r\nNg,Café,1\r\n'
EXPECTED = {2: ["Müller", "Straße 5, 2. OG", "+4930123"], 3: ["Ng", "Café", "1"]}


# --- encodings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "noted"),
    [
        (TEXT.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", False),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be", True),
        (TEXT.encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le", True),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le-no-bom", "utf32le-bom"],
)
def test_unicode_encodings(tmp_path: Path, data: bytes, encoding: str, noted: bool) -> None:
    table, rows, bad = both(write(tmp_path, data))
    assert table.header == ["Last_Name", "Description", "Phone"]  # no BOM in the first name
    assert (rows, bad, table.encoding) == (EXPECTED, {}, encoding)
    assert any(encoding.upper() in n for n in table.notes) == noted


LEGACY = (
    "First_Name,Last_Name,Description\r\n"
    "José,García,Le café est très bon pour la santé\r\n"
    "François,Müller,Größe und Qualität sind wichtig für unsere Kunden – 5 €\r\n"
)


def test_cp1252_is_detected_and_named(tmp_path: Path) -> None:
    table, rows, _ = both(write(tmp_path, LEGACY.encode("cp1252")))
    assert table.encoding == "cp1252"
    assert any("cp1252" in n and "encoding=" in n and "--" not in n for n in table.notes)
    assert rows[3][2] == "Größe und Qualität sind wichtig für unsere Kunden – 5 €"


def test_cyrillic_cp1251_is_detected(tmp_path: Path) -> None:
    text = "First_Name,Last_Name,Description\r\n" + "Дмитрий,Иванов,Звонить после обеда в понедельник\r\n" * 5
    table, rows, _ = both(write(tmp_path, text.encode("cp1251")))
    assert table.encoding == "cp1251"
    assert rows[2] == ["Дмитрий", "Иванов", "Звонить после обеда в понедельник"]


def test_encoding_option_overrides(tmp_path: Path) -> None:
    p = write(tmp_path, "Last_Name\r\nNée\r\n".encode("latin-1"))
    with pytest.raises(InputError, match="encoding="):
        reader.open_csv(p)  # three letters are not enough to tell
    table, rows, _ = both(p, encoding="latin-1")
    assert rows == {2: ["Née"]} and table.encoding == "iso8859-1"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        reader.open_csv(p, encoding="klingon")


def test_invalid_utf8_after_the_sample_names_offset_row_and_option(tmp_path: Path) -> None:
    head = b"Last_Name,Note\r\n" + b"Smith,plain ascii text here\r\n" * 40000  # > 1 MB of ASCII
    offset = len(head) + len(b"Caf")
    p = write(tmp_path, head + b"Caf\xe9,x\r\nNg,y\r\n")
    for fast in (True, False):
        with pytest.raises(InputError) as e:
            read(p, fast=fast)
        msg = str(e.value)
        assert f"byte offset {offset}" in msg and "row 40002" in msg and "encoding=" in msg and "0xe9" in msg


def test_undecodable_byte_in_a_declared_encoding(tmp_path: Path) -> None:
    p = write(tmp_path, b"Last_Name\r\nA\r\n\x81\r\n")  # 0x81 is not a cp1252 character
    with pytest.raises(InputError, match=r"byte 0x81 at byte offset 14 is not valid cp1252.*encoding="):
        reader.open_csv(p, encoding="cp1252")


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (bytes(range(256)) * 8, "binary data"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a PNG image"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "a gzip archive"),
    ],
)
def test_binary_files_are_refused(tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(InputError, match=f"is {what}"):
        reader.open_csv(write(tmp_path, data))


def test_zip_that_is_no_workbook(tmp_path: Path) -> None:
    import zipfile

    p = tmp_path / "batch.csv"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("x.csv", "a,b\n")
    with pytest.raises(InputError, match="ZIP or Office file, not a CSV"):
        reader.open_table(p)


# --- delimiters and line ends ----------------------------------------------------------------------------


@pytest.mark.parametrize("delim", [",", ";", "\t", "|", ":"])
def test_delimiter_is_sniffed_from_the_header(tmp_path: Path, delim: str) -> None:
    other = ";" if delim == "," else ","
    text = f"Last_Name{delim}Description{delim}Phone\n"
    text += f'Smith{delim}"a{delim}b{other} c"{delim}1\nNg{delim}x{other}y{delim}2\n'
    table, rows, bad = both(write(tmp_path, text.encode()))
    assert table.delimiter == delim and not bad
    assert rows == {2: ["Smith", f"a{delim}b{other} c", "1"], 3: ["Ng", f"x{other}y", "2"]}
    assert any("delimiter" in n for n in table.notes) == (delim != ",")


def test_labels_with_spaces_still_sniff(tmp_path: Path) -> None:
    table, _, _ = both(write(tmp_path, b"Last Name;Email, work;Phone\nSmith;a@b.c;1\n"))
    assert table.delimiter == ";" and table.header == ["Last Name", "Email, work", "Phone"]


def test_excel_sep_line_names_the_delimiter_and_is_no_row(tmp_path: Path) -> None:
    table, rows, _ = both(write(tmp_path, codecs.BOM_UTF8 + b"sep=;\r\nLast_Name;Note\r\nx;a,b\r\n"))
    assert table.header == ["Last_Name", "Note"] and rows == {2: ["x", "a,b"]}
    assert table.delimiter == ";" and any("sep=" in n for n in table.notes)


def test_delimiter_option(tmp_path: Path) -> None:
    p = write(tmp_path, b"Last_Name|A;B\nx|1;2\n")
    table, rows, _ = both(p, delimiter="|")
    assert table.header == ["Last_Name", "A;B"] and rows == {2: ["x", "1;2"]}
    assert both(p, delimiter=";")[0].header == ["Last_Name|A", "B"]
    table, _, _ = both(write(tmp_path, b"A\tB\n1\t2\n", "t.csv"), delimiter="tab")
    assert table.delimiter == "\t"
    with pytest.raises(UsageError, match="one character"):
        reader.open_csv(p, delimiter=";;")


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_line_ends_and_quoted_newlines(tmp_path: Path, eol: str) -> None:
    text = eol.join(["A,B,C", '1,"two', 'lines",x', '"say ""hi""","a,b",', "4,5,6"]) + eol
    _, rows, bad = both(write(tmp_path, text.encode()))
    assert not bad
    assert rows == {2: ["1", f"two{eol}lines", "x"], 3: ['say "hi"', "a,b", ""], 4: ["4", "5", "6"]}


def test_no_line_break_at_the_end(tmp_path: Path) -> None:
    _, rows, _ = both(write(tmp_path, b"A,B\n1,2\n3,4"))
    assert rows == {2: ["1", "2"], 3: ["3", "4"]}


def test_blank_lines_are_empty_rows_but_trailing_ones_are_not_records(tmp_path: Path) -> None:
    _, rows, bad = both(write(tmp_path, b"A,B\r\n1,2\r\n\r\n3,4\r\n\r\n\r\n\n"))
    assert rows == {2: ["1", "2"], 3: ["", ""], 4: ["3", "4"]} and not bad


# --- malformed records -----------------------------------------------------------------------------------


def test_ragged_rows_are_malformed_and_later_rows_are_read(tmp_path: Path) -> None:
    text = "A,B,C\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n" + "".join(f"{i},x,y\n" for i in range(13, 20000))
    _, rows, bad = both(write(tmp_path, text.encode()))
    assert bad == {3: ("field-count", ["4", "5"]), 4: ("field-count", ["6", "7", "8", "9"])}
    assert rows[2] == ["1", "2", "3"] and rows[5] == ["10", "11", "12"] and rows[19992] == ["19999", "x", "y"]


def test_ragged_row_after_many_good_batches(tmp_path: Path) -> None:
    text = "A,B\n" + "".join(f"{i},x\n" for i in range(50000)) + "bad\n" + "last,y\n"
    table = reader.open_csv(write(tmp_path, text.encode()), block_bytes=64 << 10)
    frames, malformed = [], []
    for b in table.batches:
        frames.append(b.frame)
        malformed.extend(b.malformed)
    assert len(frames) > 3  # the fast path delivered batches before the ragged row
    assert [m.row for m in malformed] == [50002]
    assert sum(len(f) for f in frames) == 50001
    assert list(frames[-1].iloc[-1]) == ["last", "y"] and frames[-1].index[-1] == 50003


@pytest.mark.parametrize("eol", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_exact_parser_resumes_where_the_fast_path_stopped(tmp_path: Path, eol: str) -> None:
    rows = [
        f'{i},"note {i}{eol}line two, ""quoted""",{i % 7}' if i % 3 else f"{i},plain,{i % 7}"
        for i in range(3000)
    ]
    rows[1234] = ""  # a blank line is a row of empty cells
    text = eol.join(["A,B,C", *rows, "ragged,row", "last,x,y"]) + eol
    p = write(tmp_path, text.encode())
    table = reader.open_csv(p, block_bytes=16 << 10)
    got: Rows = {}
    bad: Bad = {}
    batches = 0
    for b in table.batches:
        batches += 1
        got.update(
            {int(r): list(c) for r, c in zip(b.frame.index, b.frame.itertuples(index=False), strict=True)}
        )
        bad.update({m.row: (m.code, list(m.fields)) for m in b.malformed})
    assert batches > 5
    _, rows_exact, bad_exact = read(p, fast=False)
    assert (got, bad) == (rows_exact, bad_exact)
    assert bad == {3002: ("field-count", ["ragged", "row"])} and got[3003] == ["last", "x", "y"]
    assert got[1236] == ["", "", ""] and got[3] == ["1", f'note 1{eol}line two, "quoted"', "1"]


def test_record_end_matches_the_exact_parser(tmp_path: Path) -> None:
    text = b'A,B\r\n1,"x\r\ny"\r\n\r\n2,"a""b"\r3,4\n5,""\r\n6,7'
    p = write(tmp_path, text)
    with open(p, "rb") as f:
        src = CsvData(f, "t", 5, len(text), ["A", "B"], ",", 1.0)
        parsed = exactcsv.records(f, 5, len(text), width=2, delimiter=",", first_row=2, name="t")
        ends = [pos for _, _, _, pos, _ in parsed]
        assert len(ends) == 6
        found = [scan.record_end(src, k, chunk=3) for k in range(1, len(ends) + 1)]
        assert found == [*ends[:-1], None]  # the last record has no line break after it
        assert scan.record_end(src, 0) == 5


def test_unclosed_quote_in_the_last_column_at_the_end(tmp_path: Path) -> None:
    # pyarrow reads this as a normal cell; the reader must not.
    _, rows, bad = both(write(tmp_path, b'A,B\n1,2\n3,"open\n5,6\n7,8\n'))
    assert bad == {3: ("unclosed-quote", ["3", "open\n"])}
    assert rows == {2: ["1", "2"], 4: ["5", "6"], 5: ["7", "8"]}


def test_unclosed_quote_in_a_middle_column(tmp_path: Path) -> None:
    _, rows, bad = both(write(tmp_path, b'A,B,C\n1,2,3\n4,"five,6\n7,8,9\n'))
    assert bad == {3: ("unclosed-quote", ["4", "five,6\n"])}
    assert rows == {2: ["1", "2", "3"], 4: ["7", "8", "9"]}


def test_quote_left_open_mid_file_does_not_swallow_the_next_row(tmp_path: Path) -> None:
    # RFC readers (pyarrow, csv) close the quote at row 4's first quote and glue row 4 into row 3's cell,
    # with the right number of fields: nothing would show. The quote after "x" closes mid-cell: an error.
    _, rows, bad = both(write(tmp_path, b'A,B,C\n1,2,"fine"\n3,4,"oops\n5,6,"x"\n7,8,9\n'))
    assert bad == {3: ("unclosed-quote", ["3", "4", "oops\n"])}
    assert rows == {2: ["1", "2", "fine"], 4: ["5", "6", "x"], 5: ["7", "8", "9"]}


def test_quote_closed_mid_cell_is_malformed(tmp_path: Path) -> None:
    _, rows, bad = both(write(tmp_path, b'A,B\n"ab"cd,1\n"x" ,2\n5\'10" tall,3\n'))
    assert bad == {2: ("unclosed-quote", ["abcd", "1"]), 3: ("unclosed-quote", ["x ", "2"])}
    assert rows == {4: ["5'10\" tall", "3"]}  # a quote inside an unquoted cell is a character


@pytest.mark.parametrize("data", [b'A,B\n1,""\n', b'A,B\n1,"a"""\n', b'A,B\n1,"x""y"', b'A,B\n1,x"y\n'])
def test_closed_quotes_at_the_end_are_not_unclosed(tmp_path: Path, data: bytes) -> None:
    _, rows, bad = both(write(tmp_path, data))
    assert not bad and len(rows) == 1


def test_unclosed_quote_in_the_header(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"header row .* never closed"):
        reader.open_csv(write(tmp_path, b'A,"B\n1,2\n'))


def test_nul_and_control_characters_stay_in_the_cell(tmp_path: Path) -> None:
    _, rows, bad = both(write(tmp_path, b"A,B\n1,a\x00b\n2,c\x07d\n"))
    assert rows == {2: ["1", "a\x00b"], 3: ["2", "c\x07d"]} and not bad


def test_cell_larger_than_a_block_and_the_csv_module_default(tmp_path: Path) -> None:
    big = "x" * 300_000  # > csv.field_size_limit()'s default of 131,072, > the 64 KiB block below
    text = f'A,B\n1,"{big}\n{big}"\n2,y\n'
    table = reader.open_csv(write(tmp_path, text.encode()), block_bytes=64 << 10)
    frames = [b.frame for b in table.batches]
    cells = [list(r) for f in frames for r in f.itertuples(index=False)]
    assert cells == [["1", f"{big}\n{big}"], ["2", "y"]]


def test_header_only_and_blank_header(tmp_path: Path) -> None:
    table, rows, bad = both(write(tmp_path, b"A,B\r\n"))
    assert table.header == ["A", "B"] and not rows and not bad
    table, rows, _ = both(write(tmp_path, b"A,B", "nobreak.csv"))
    assert table.header == ["A", "B"] and not rows
    with pytest.raises(InputError, match="no header row"):
        reader.open_csv(write(tmp_path, b"\r\n\r\nA,B\r\n", "blank.csv"))


def test_duplicate_and_blank_header_names_keep_their_columns(tmp_path: Path) -> None:
    table, rows, _ = both(write(tmp_path, b"Email,,Email\n1,2,3\n"))
    assert table.header == ["Email", "", "Email"] and table.keys == ["Email", "#2", "Email#3"]
    assert rows == {2: ["1", "2", "3"]}


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        reader.open_table(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="is a directory"):
        reader.open_table(tmp_path)
    with pytest.raises(InputError, match="is empty"):
        reader.open_table(write(tmp_path, b""))
    with pytest.raises(UsageError, match="sheet="):
        reader.open_table(write(tmp_path, b"A\n1\n"), sheet="Sheet1")


# --- the fast path and the exact parser agree ------------------------------------------------------------

cell = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
    st.sampled_from(['"', '""', "a,b", "x\ny", "x\r\ny", "\r", " ", 'a"b', '"q"']),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=4), max_size=12),
    quoting=st.sampled_from(["minimal", "all"]),
    eol=st.sampled_from(["\r\n", "\n", "\r"]),
    junk=st.lists(st.sampled_from(['"', ",", "\n", "\r", "x"]), max_size=3),
)
def test_fast_path_equals_exact_parser(
    tmp_path: Path, rows: list[list[str]], quoting: str, eol: str, junk: list[str]
) -> None:
    import csv
    import io

    buf = io.StringIO()
    q = csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
    csv.writer(buf, lineterminator=eol, quoting=q).writerows([["A", "B", "C"], *rows])
    p = write(tmp_path, (buf.getvalue() + "".join(junk)).encode("utf-8"), "prop.csv")
    both(p)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    soup=st.lists(st.sampled_from(["x", "é", " ", ",", '"', '""', "\r", "\n", "\r\n", "\x00"]), max_size=40)
)
def test_fast_path_equals_exact_parser_on_token_soup(tmp_path: Path, soup: list[str]) -> None:
    p = write(tmp_path, ("A,B,C\n" + "".join(soup)).encode("utf-8"), "soup.csv")
    try:
        both(p)
    except InputError as e:  # a file mostly of NULs is binary: for both parsers alike
        assert "binary data" in str(e)
        with pytest.raises(InputError, match="binary data"):
            read(p, fast=False)


@pytest.mark.parametrize(
    "odd",
    ["5'10\",x,y", 'a"b,c,d', '"open,x,y'],
    ids=["literal quote in an unquoted cell", "quote mid-cell", "quote never closed"],
)
def test_misplaced_quote_deep_in_the_file_hands_only_the_rest_to_the_exact_parser(
    tmp_path: Path, odd: str
) -> None:
    rows = [f'{i},"note {i}\nline two",{i % 7}' if i % 3 else f"{i},plain,{i % 7}" for i in range(3000)]
    rows[2500] = odd
    p = write(tmp_path, "\n".join(["A,B,C", *rows, "last,x,y"]).encode() + b"\n")
    # The exact parser makes batches of batch_rows records; the fast path one batch per slice.
    sizes = [b.records for b in reader.open_csv(p, block_bytes=16 << 10, batch_rows=1).batches]
    fast = sizes[: next(i for i, n in enumerate(sizes) if n == 1)]
    assert 2000 < sum(fast) <= 2500 and all(n > 1 for n in fast)  # the slices before the quote, read fast
    _, got, bad = read(p, block_bytes=16 << 10)
    _, rows_exact, bad_exact = read(p, fast=False)
    assert (got, bad) == (rows_exact, bad_exact)


@pytest.mark.parametrize("bad_row", [5, 700, 1400])
def test_a_ragged_record_inside_a_slice_of_many_pieces(tmp_path: Path, bad_row: int) -> None:
    """A piece that pyarrow refuses (a record with one field too many) fails its whole slice, whichever
    piece of it that is; the exact parser resumes after the slices delivered, and nothing is lost."""
    rows = [f'{i},"note {i}\nline two",{i % 7}' if i % 3 else f"{i},plain,{i % 7}" for i in range(1500)]
    rows[bad_row] = f"{bad_row},extra,field,here"
    p = write(tmp_path, "\n".join(["A,B,C", *rows]).encode() + b"\n")
    _, got, bad = both(p, block_bytes=8 << 10, piece_bytes=300)
    assert bad[bad_row + 2][0] == "field-count" and len(got) == 1499


def _parse_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("csvprep-parse")]


def _open_fds(p: Path) -> int:
    """How many of this process's file descriptors are open on ``p`` (Linux's /proc)."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        pytest.skip("needs /proc/self/fd")
    return sum(1 for fd in fds.iterdir() if os.path.realpath(fd) == str(p.resolve()))


def _many_slices(tmp_path: Path) -> Path:
    rows = [f'{i},"note {i}\nline two",{i % 7}' for i in range(3000)]
    return write(tmp_path, "\n".join(["A,B,C", *rows]).encode() + b"\n")


def test_closing_a_table_read_halfway_joins_its_threads_and_closes_its_file(tmp_path: Path) -> None:
    p = _many_slices(tmp_path)
    with reader.open_table(p) as table:
        assert table.header == ["A", "B", "C"] and _open_fds(p) == 1
    assert _open_fds(p) == 0  # never read: the file is closed all the same
    table = reader.open_csv(p, block_bytes=8 << 10)
    with table:
        first = next(table.batches)
        assert first.records and _parse_threads()
    assert not _parse_threads() and _open_fds(p) == 0
    with pytest.raises(StopIteration):
        next(table.batches)


def test_the_fast_path_parses_on_the_callers_pool_and_leaves_it_open(tmp_path: Path) -> None:
    p = _many_slices(tmp_path)
    with ThreadPoolExecutor(2, thread_name_prefix="caller") as pool:
        options = reader.ReadOptions(delimiter=",")
        with reader.open_table(p, options, executor=pool) as table:
            got = [b.records for b in table.batches]
        assert sum(got) == 3000 and not _parse_threads()
        assert pool.submit(lambda: threading.current_thread().name).result().startswith("caller")
    with pytest.raises(UsageError, match="not both"):
        reader.open_table(p, options, delimiter=";")


def test_reading_leaves_the_process_csv_field_limit_alone(tmp_path: Path) -> None:
    import csv

    big = "x" * 300_000  # > the csv module's default limit of 131,072
    saved = csv.field_size_limit(131_072)  # the process's own limit (as if csvprep had not been imported)
    try:
        # A ragged row sends ';' to the exact parser; a non-ASCII delimiter always takes it.
        cases = [("ragged.csv", f'A;B\n1;"{big}"\n2\n', None), ("s.csv", f'A§B\n1§"{big}"\n', "§")]
        for name, text, delimiter in cases:
            table = reader.open_csv(write(tmp_path, text.encode(), name), delimiter=delimiter)
            cells = [c for b in table.batches for c in b.table.column(1).to_pylist()]
            assert big in cells
            assert csv.field_size_limit() == 131_072  # csvprep sets no process-wide state
    finally:
        csv.field_size_limit(saved)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=4), max_size=8),
    eol=st.sampled_from(["\r\n", "\n", "\r"]),
    junk=st.lists(st.sampled_from(['"', ",", "\n", "\r", "x"]), max_size=2),
    block=st.sampled_from([8, 16, 40]),
)
def test_records_longer_than_a_block_read_alone_equal_the_exact_parser(
    tmp_path: Path, rows: list[list[str]], eol: str, junk: list[str], block: int
) -> None:
    import csv
    import io

    # Blocks of a few bytes: most records are longer than a block and take the one-record path.
    buf = io.StringIO()
    csv.writer(buf, lineterminator=eol, quoting=csv.QUOTE_MINIMAL).writerows([["A", "B", "C"], *rows])
    p = write(tmp_path, (buf.getvalue() + "".join(junk)).encode("utf-8"), "long.csv")
    both(p, block_bytes=block, piece_bytes=block)


def test_a_huge_quoted_cell_is_read_whole(tmp_path: Path) -> None:
    big = 'say ""hi"", then\r\n' * 40_000 + "é" * 100_000  # quotes, delimiters and line breaks inside
    for cell, text in [(big.replace('""', '"'), f'"{big}"'), ("x" * 700_000, "x" * 700_000)]:
        data = f'A,B,C\r\n1,{text},3\r\n2,,"z"\r\n'.encode()
        _, rows, bad = both(write(tmp_path, data, "huge.csv"), block_bytes=64 << 10)
        assert rows == {2: ["1", cell, "3"], 3: ["2", "", "z"]} and not bad
