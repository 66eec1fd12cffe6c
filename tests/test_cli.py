"""The CLI is the library's result rendered: JSON/CSV equal to the report, documented exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import csvprep
from csvprep.cli import cli, main
from csvprep.report import ISSUE_FIELDS

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "contacts.csv"
FORMAT_VERSION = "1.0"  # the JSON report's contract (tests/test_json_contract.py)


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_json_equals_the_library_report() -> None:
    code, out = invoke("check", str(EXAMPLE), "--module", "Contacts", "--format", "json")
    lib = csvprep.check(EXAMPLE, module="Contacts")
    assert code == 1 == lib.exit_code
    assert json.loads(out) == {"format_version": FORMAT_VERSION, **lib.to_dict()}
    assert lib.summary.errors == 8 and lib.summary.warnings == 2


def test_csv_has_one_line_per_issue() -> None:
    _, out = invoke("check", str(EXAMPLE), "-m", "Contacts", "-f", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    lib = csvprep.check(EXAMPLE, module="Contacts")
    assert tuple(rows[0]) == ISSUE_FIELDS
    assert rows[1:] == [
        [str(i.row or ""), i.column or "", i.code, i.severity, i.value or "", i.message] for i in lib.issues
    ]


def test_table_shows_counts_first_issues_and_verdict() -> None:
    code, out = invoke("check", str(EXAMPLE), "-m", "Contacts")
    assert code == 1
    assert "invalid-email" in out and "Date_of_Birth" in out
    assert "FAIL: 8 errors in 5 of 10 rows, 2 warnings" in out


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, _ = invoke("check", str(EXAMPLE), "-m", "Contacts", "-f", "json", "--out", str(target))
    assert code == 1 and json.loads(target.read_text())["summary"]["rows_read"] == 10


def test_clean_file_exits_zero_with_warnings(tmp_path: Path) -> None:
    f = tmp_path / "ok.csv"
    f.write_text("Last_Name,Lead_Source\nSmith,Brand New Source\n", encoding="utf-8")
    code, out = invoke("check", str(f), "-m", "Contacts")
    assert code == 0 and "OK: 1 rows, no errors, 1 warnings" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "missing.csv", "-m", "Contacts"], "file not found"),
        (["check", str(EXAMPLE), "-m", "Widgets"], "no shipped schema for module 'Widgets'"),
        (["check", str(EXAMPLE), "-m", "Contacts", "-o", "upsert"], "upsert needs --find-by"),
        (["check", str(EXAMPLE), "-m", "Contacts", "-o", "update", "--find-by", "Nope"], "not a field"),
        (["check", str(EXAMPLE)], "name a module"),
        (["check", str(EXAMPLE), "-m", "Contacts", "--format", "xml"], "Invalid value"),
    ],
)
def test_could_not_run_is_exit_2_one_line_no_traceback(args: list[str], needle: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "csvprep.cli", *args],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_library_errors_name_parameters_and_the_command_names_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Python caller reads the parameter (``find_by=``), a shell user the flag (``--find-by``)."""
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"fields": [{"api_name": "Last_Name", "data_type": "text"}]}))
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("x")
    cases = [
        (
            {"module": "Contacts", "operation": "upsert"},
            "upsert needs find_by=FIELD",
            "upsert needs --find-by FIELD",
        ),
        (
            {"module": "Contacts", "find_by": "Nope"},
            "find_by='Nope' is not a field",
            "--find-by 'Nope' is not a field",
        ),
        (
            {},
            "name a module (module=) or a fields JSON (schema=)",
            "name a module (--module) or a fields JSON (--schema)",
        ),
        ({"schema": fields}, "pass module=NAME (e.g. Contacts)", "pass --module NAME (e.g. Contacts)"),
        ({"module": "Contacts", "out": taken}, "pass force=True to replace", "pass --force to replace"),
    ]
    flags = {"module": "-m", "operation": "-o", "find_by": "--find-by", "schema": "-s", "out": "--out"}
    for given, library, command in cases:
        out = given.pop("out", tmp_path / "new")
        with pytest.raises(csvprep.CsvprepError) as raised:
            csvprep.pack(EXAMPLE, out, **given)  # type: ignore[arg-type]
        assert library in str(raised.value) and "--" not in str(raised.value)
        args = [a for name, value in given.items() for a in (flags[name], str(value))]
        assert main(["pack", str(EXAMPLE), *args, "--out", str(out), "-q"]) == 2
        assert command in capsys.readouterr().err
    with pytest.raises(csvprep.CsvprepError, match=r"max_rows=30000 is out of range"):
        csvprep.pack(EXAMPLE, tmp_path / "new", module="Contacts", max_rows=30_000)
    with pytest.raises(csvprep.CsvprepError, match=r"^sheet= does not apply to a CSV file"):
        csvprep.check(EXAMPLE, module="Contacts", sheet="Sheet1")
    assert main(["check", str(EXAMPLE), "-m", "Contacts", "--sheet", "Sheet1"]) == 2
    assert "error: --sheet does not apply to a CSV file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "given", "library", "command"),
    [
        (b"Last_Name;Email\nDoe;a@b.co\n", {"delimiter": ";"}, "(delimiter=)", "(--delimiter)"),
        (
            "Last_Name,Email\nDoe,a@b.co\n".encode("cp1252"),
            {"encoding": "cp1252"},
            "read as cp1252 (encoding=)",
            "read as cp1252 (--encoding)",
        ),
        (
            "Last_Name,Email\nNée,a@b.co\n".encode("utf-16-le"),
            {},
            "Pass encoding= to override",
            "Pass --encoding to override",
        ),
        (
            b"Last_Name,Email\nDoe,a@b.co\n",
            {"operation": "update"},
            "add it or pass find_by=",
            "add it or pass --find-by",
        ),
    ],
)
def test_report_texts_name_parameters_and_the_table_names_flags(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
    given: dict[str, str],
    library: str,
    command: str,
) -> None:
    """Reader notes and file-level messages use the library's words; the command's table shows flags."""
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    report = csvprep.check(path, module="Contacts", **given)  # type: ignore[arg-type]
    texts = [*report.summary.source.get("notes", []), *(i.message for i in report.issues)]
    assert any(library in t for t in texts) and not any("--" in t for t in texts)
    flags = {"delimiter": "--delimiter", "encoding": "--encoding", "operation": "-o"}
    args = [a for name, value in given.items() for a in (flags[name], value)]
    main(["check", str(path), "-m", "Contacts", "-q", *args])
    assert command in capsys.readouterr().out


def test_console_script_exit_code_for_errors() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "csvprep.cli", "check", str(EXAMPLE), "-m", "Contacts", "-q", "-f", "json"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and json.loads(proc.stdout)["summary"]["errors"] == 8


def test_report_shapes() -> None:
    r = csvprep.check(EXAMPLE, module="Contacts")
    issue = r.issues[0]
    assert set(issue.to_dict()) == set(ISSUE_FIELDS)
    with pytest.raises(AttributeError):
        issue.row = 3  # type: ignore[misc]  # frozen
    s = r.summary
    assert s.rows_read == 10 and s.rows_with_errors == 5 and s.rows_with_warnings == 2
    assert sum(s.by_code.values()) == s.errors + s.warnings == len(r.issues)
    assert s.by_column_code["Phone"] == {"invalid-phone": 2}
    assert r.to_dict()["summary"]["module"] == "Contacts"


def test_keep_caps_issues_not_counts() -> None:
    r = csvprep.check(EXAMPLE, module="Contacts", keep=3)
    assert len(r.issues) == 3 and r.truncated and r.summary.errors == 8


@pytest.mark.parametrize(
    "values",
    [["plain", "plain", None, 'a "quoted" \\ back', "tab\there", "é ü ✓", "\x00\x1f", ""], [None], ["x"]],
)
def test_json_text_of_values_equals_json_dumps(values: list[str | None]) -> None:
    import pyarrow as pa

    from csvprep.report.files import _escaped

    arr = pa.array(values, pa.string())
    want = [json.dumps(v, ensure_ascii=False) for v in values]
    assert _escaped(arr).to_pylist() == want
    assert _escaped(arr.dictionary_encode()).to_pylist() == want


def test_the_command_process_gives_the_library_results(tmp_path: Path) -> None:
    """The command runs without pandas loaded (:func:`csvprep.cli.run`); check and pack still give,
    byte for byte, what the library gives in this process, which has pandas."""
    from benchmarks import datagen

    path = tmp_path / "contacts.csv"
    datagen.generate(path, 3000, seed=5, invalid_rate=0.05)
    fields = f"{path}.fields.json"
    cmd = [sys.executable, "-m", "csvprep.cli"]
    job = ["-s", fields, "-m", "Contacts"]
    proc = subprocess.run([*cmd, "check", str(path), *job, "-f", "json"], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lib = csvprep.check(path, schema=fields, module="Contacts")
    assert json.loads(proc.stdout) == {"format_version": FORMAT_VERSION, **lib.to_dict()}
    out = tmp_path / "cmd"
    proc = subprocess.run([*cmd, "pack", str(path), *job, "--out", str(out)], capture_output=True, text=True)
    lib = csvprep.pack(path, tmp_path / "lib", schema=fields, module="Contacts")
    assert proc.returncode == lib.report.exit_code == 1 and "Traceback" not in proc.stderr, proc.stderr
    made = sorted(p.name for p in out.iterdir())
    assert made == sorted(p.name for p in lib.paths.out_dir.iterdir())
    for name in made:
        assert (out / name).read_bytes() == (lib.paths.out_dir / name).read_bytes(), name


def test_the_command_process_ends_with_every_output_written(tmp_path: Path) -> None:
    """The console script leaves without tearing the interpreter down (:func:`csvprep.cli.run`):
    the report file and stdout are whole, and a reader that stops early gets no traceback."""
    cmd = [sys.executable, "-m", "csvprep.cli", "check", str(EXAMPLE), "-m", "Contacts", "-q"]
    out = tmp_path / "report.csv"
    proc = subprocess.run([*cmd, "-f", "csv", "--output", str(out)], capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == "" and "Traceback" not in proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + len(csvprep.check(EXAMPLE, module="Contacts").issues)
    head = subprocess.Popen([*cmd, "-f", "json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert head.stdout is not None and head.stderr is not None
    head.stdout.read(5)
    head.stdout.close()
    err = head.stderr.read().decode()
    assert head.wait() in (0, 1) and "Traceback" not in err, err


def test_the_command_process_does_not_load_pandas() -> None:
    code = (
        "import sys; from csvprep import cli; cli.tune_process(); "
        f"rc = cli.main(['check', {str(EXAMPLE)!r}, '-m', 'Contacts', '-q', '-f', 'json']); "
        "print('pandas' in sys.modules, rc, file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("False 1"), proc.stderr


@pytest.mark.parametrize("chosen", ["", "system"])
def test_the_command_process_takes_jemalloc_unless_a_pool_is_chosen(chosen: str) -> None:
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    code = (
        "import pyarrow as pa; from csvprep import cli; cli.tune_process(); "
        "print(pa.default_memory_pool().backend_name)"
    )
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.stdout.strip() == (chosen or "jemalloc"), proc.stderr


def test_issue_batches_concatenate_with_their_messages() -> None:
    from csvprep.codes import Severity
    from csvprep.report import Issue, IssueBatch

    a = [
        Issue(2, "Email", "invalid-email", Severity.ERROR, "x@", "bad"),
        Issue(3, None, "field-count", Severity.ERROR, None, "m"),
    ]
    b = [
        Issue(4, "Email", "invalid-email", Severity.ERROR, "y@", "bad"),
        Issue(5, "Title", "too-long", Severity.ERROR, "t", "long"),
    ]
    both = IssueBatch.concat([IssueBatch.from_issues(a), IssueBatch.from_issues(b)])
    assert list(both) == a + b
    assert both.message_array.to_pylist() == ["bad", "m", "bad", "long"]


def test_json_report_is_the_same_text_on_a_text_or_a_binary_stream() -> None:
    from csvprep.report.files import JsonWriter

    text, raw = io.StringIO(), io.BytesIO()
    csvprep.check(EXAMPLE, module="Contacts", sinks=[JsonWriter(text), JsonWriter(raw)])
    assert text.getvalue().startswith('{"format_version": "1.0", "issues": [')
    assert raw.getvalue().decode("utf-8") == text.getvalue()
