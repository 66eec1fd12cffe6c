"""``csvprep schema list | show | template``: a thin layer over the library; each output equals its call."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import field

import csvprep
from csvprep.cli import cli, main

OPERATIONS = ("insert", "update")
COLUMNS = ("api_name", "data_type", "length", "mandatory", "unique", "writable")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout_bytes.decode()  # .output turns CRLF into LF


def test_list_names_the_shipped_modules() -> None:
    assert _run("schema", "list") == (0, "".join(f"{m}\n" for m in csvprep.shipped_modules()))


@pytest.mark.parametrize("module", csvprep.shipped_modules())
def test_show_lists_the_library_description(module: str) -> None:
    described = csvprep.load_schema(module).describe()
    code, out = _run("schema", "show", module, "--format", "json")
    assert code == 0 and json.loads(out) == described
    code, table = _run("schema", "show", module)
    lines = table.splitlines()
    assert code == 0 and lines[0].split() == list(COLUMNS)
    assert [line.split()[0] for line in lines[1:]] == [f["api_name"] for f in described]


def test_show_reads_an_org_fields_file(tmp_path: Path) -> None:
    path = tmp_path / "fields.json"
    code_field = field("Code", "text", length=9, unique={"case_sensitive": True})
    path.write_text(json.dumps({"fields": [code_field]}))
    code, out = _run("schema", "show", str(path), "-f", "json")
    assert code == 0 and json.loads(out) == [
        {
            "api_name": "Code",
            "data_type": "text",
            "length": 9,
            "mandatory": False,
            "unique": True,
            "writable": ["insert", "update", "upsert"],
        }
    ]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("module", csvprep.shipped_modules())
def test_template_is_the_library_header_and_check_takes_it(module: str, operation: str) -> None:
    schema = csvprep.load_schema(module)
    code, out = _run("schema", "template", module, "--operation", operation)
    assert code == 0 and out == schema.template_csv(operation)
    header = next(csv.reader(io.StringIO(out)))
    assert tuple(header) == schema.template(operation)
    # The mandatory fields come first (after the key), and the header has no file-level error.
    mandatory = {f["api_name"] for f in schema.describe() if f["mandatory"]}
    required = mandatory if operation == "insert" else set()
    body = header[1:] if operation == "update" else header
    flags = [name in required for name in body]
    assert flags == sorted(flags, reverse=True) and sum(flags) == len(required)
    report = csvprep.check(pd.DataFrame(columns=header, dtype="str"), module=module, operation=operation)
    assert [i.code for i in report.issues if i.row is None and i.severity == "error"] == []


def test_template_out_refuses_an_existing_file_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "leads.csv"
    assert main(["schema", "template", "Leads", "--out", str(out)]) == 0
    assert out.read_bytes().decode() == csvprep.load_schema("Leads").template_csv()
    out.write_text("Company,Last_Name\nZoho,Ng\n")  # filled in
    assert main(["schema", "template", "Leads", "-o", "update", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err and out.read_text() == "Company,Last_Name\nZoho,Ng\n"
    assert main(["schema", "template", "Leads", "-o", "update", "--out", str(out), "--force"]) == 0
    assert out.read_bytes().decode() == csvprep.load_schema("Leads").template_csv("update")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["schema", "show", "Widgets"], "neither a schema file nor a shipped module"),
        (["schema", "template", "Deals", "-o", "upsert", "--find-by", "No"], "--find-by 'No' is not a field"),
        (["schema", "show", "missing/fields.json"], "schema file not found"),
    ],
)
def test_schema_commands_fail_in_one_line(
    args: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.splitlines()) == 1


def _leaf_commands() -> list[tuple[list[str], click.Command]]:
    """Every command a user can run, as its words after ``csvprep`` (groups' subcommands included)."""
    out: list[tuple[list[str], click.Command]] = []
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command)
            for sub in command.list_commands(sub_ctx):
                leaf = command.get_command(sub_ctx, sub)
                assert leaf is not None
                out.append(([name, sub], leaf))
        else:
            out.append(([name], command))
    return out


LEAVES = _leaf_commands()


@pytest.mark.parametrize(("words", "command"), LEAVES, ids=[" ".join(w) for w, _ in LEAVES])
def test_every_command_names_its_options_alike_and_its_help_ends_with_examples(
    words: list[str], command: click.Command
) -> None:
    """-o is always --operation; an output path is always --out (check's old --output is hidden); every
    --help ends with examples of the command and its exit codes."""
    for param in command.params:
        if not isinstance(param, click.Option):
            continue
        names = set(param.opts) | set(param.secondary_opts)
        if "-o" in names:
            assert "--operation" in names
        if "--output" in names:
            assert param.hidden and words == ["check"]
        elif not param.hidden and {"out", "output"} & set((param.name or "").split("_")):
            assert "--out" in names, names
    code, out = _run(*words, "--help")
    assert code == 0 and "Examples:" in out and "Exit codes:" in out
    assert f"csvprep {' '.join(words)}" in out.split("Examples:", 1)[1] and "  0 " in out
