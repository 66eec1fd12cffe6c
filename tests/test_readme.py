"""The README is tested against the code: its commands, its flags, its table of codes, its Python."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import csvprep
from csvprep import codes
from csvprep.cli import cli

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sh_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_commands_word_for_word() -> None:
    first, second = (b.strip() for b in _sh_blocks()[:2])
    ci = (ROOT / ".ci" / "run").read_text()
    assert first in ci and second in ci
    assert "fixtures/contacts.csv" in first and "pytest" in second


def test_codes_table_is_generated_from_the_registry() -> None:
    block = README.split("<!-- codes:start -->\n", 1)[1].split("\n<!-- codes:end -->", 1)[0]
    assert block == codes.markdown_table()


def _flags_shown() -> tuple[set[str], set[str]]:
    """Flags shown in the README: (prose, csvprep check/pack/codes command lines, bench command lines)."""
    flag = re.compile(r"(?<![\w-])(--[a-z][a-z-]+)")
    cli_flags: set[str] = set()
    bench_flags: set[str] = set()
    prose = set(flag.findall(re.sub(r"```.*?```", "", README, flags=re.S)))
    for block in re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S):
        target: set[str] | None = None
        for line in block.splitlines():
            if "benchmarks.bench" in line:
                target = bench_flags
            elif re.search(r"\bcsvprep (check|pack|codes|results|schema|fix)\b", line):
                target = cli_flags
            elif not line.startswith((" ", "\t")):
                target = None  # another command (curl, jq...): its flags are not ours
            if target is not None:
                target |= set(flag.findall(line))
    return prose, cli_flags, bench_flags


def _help_flags(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, *args, "--help"], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return set(re.findall(r"(--[a-z][a-z-]+)", out))


def test_every_flag_the_readme_shows_exists() -> None:
    prose, cli_flags, bench_flags = _flags_shown()
    known = {"--help", "--version"}
    commands: list[list[str]] = []
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        subs = command.list_commands(None) if isinstance(command, click.Group) else []  # type: ignore[arg-type]
        commands += [[name], *([name, sub] for sub in subs)]
    for args in commands:
        known |= set(re.findall(r"(--[a-z][a-z-]+)", CliRunner().invoke(cli, [*args, "--help"]).output))
    bench_known = _help_flags("-m", "benchmarks.bench")
    assert cli_flags <= known, cli_flags - known
    assert bench_flags <= bench_known, bench_flags - bench_known
    assert prose <= known | bench_known, prose - known - bench_known


# Python blocks run by another test, which sets up what they need (the section's heading → that test).
RUN_ELSEWHERE = {"## `csvprep results`": "tests/test_results.py::test_the_readme_section_runs_as_shown"}


def _python_blocks() -> list[tuple[str, str]]:
    """(the heading it is under, code) of every ```python block, in order."""
    blocks, heading = [], ""
    for m in re.finditer(r"(?m)^(##+ [^\n]*)$|^```python\n(.*?)^```", README, flags=re.S):
        if m.group(1):
            heading = m.group(1) if m.group(1).startswith("## ") else heading
        else:
            blocks.append((heading, m.group(2)))
    return blocks


def _sections() -> dict[str, list[str]]:
    """The python blocks of each ``##`` section run here, in order (a section's blocks share names)."""
    out: dict[str, list[str]] = {}
    for heading, code in _python_blocks():
        if heading not in RUN_ELSEWHERE:
            out.setdefault(heading, []).append(code)
    return out


RUN_HERE = _sections()


def _run_snippets(codes: list[str], where: Path) -> dict[str, Any]:
    """Run README snippets one after another in ``where``, beside the bundled fixtures and an org's fields
    JSON (a copy of the shipped Contacts schema)."""
    shutil.copytree(ROOT / "fixtures", where / "fixtures")
    shutil.copy(ROOT / "schemas" / "Contacts.json", where / "my_org_contacts_fields.json")
    namespace: dict[str, Any] = {}
    for code in codes:
        exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def test_every_python_block_is_run() -> None:
    headings = {h for h, _ in _python_blocks()}
    assert set(RUN_HERE) | set(RUN_ELSEWHERE) == headings
    assert "## Use from Python" in RUN_HERE and sum(map(len, RUN_HERE.values())) >= 3


@pytest.mark.filterwarnings("ignore::pandera.errors.SchemaWarning")  # the pandera example shows them
@pytest.mark.parametrize("heading", list(RUN_HERE), ids=[h[3:] for h in RUN_HERE])
def test_python_blocks_run(heading: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _run_snippets(RUN_HERE[heading], tmp_path)


def test_the_headline_example_does_what_it_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five lines: check a frame, its issues keyed by its index, the split, the good rows packed."""
    monkeypatch.chdir(tmp_path)
    ns = _run_snippets(RUN_HERE["## Use from Python"][:1], tmp_path)
    df, issues, good, bad, result = (ns[k] for k in ("df", "issues", "good", "bad", "result"))
    assert list(good.index) == ["c-17"] and list(bad.index) == ["c-18", "c-19"]
    shown = issues[["index", "column", "code"]].to_dict("records")
    assert shown == [
        {"index": "c-18", "column": "Email", "code": "invalid-email"},
        {"index": "c-19", "column": "Last_Name", "code": "required-empty"},
    ]  # the typed date, the booleans and the missing values are Zoho's text: no issue
    assert (result.exit_code, result.totals.rows_packed, result.totals.rows_rejected) == (0, 1, 0)
    assert good.equals(df.loc[good.index])


def test_the_report_line_shown_is_the_repr() -> None:
    section = README.split("## Use from Python\n", 1)[1].split("\n## ", 1)[0]
    shown = " ".join(re.search(r"`(<csvprep\.Report .*?>)`", section, flags=re.S)[1].split())  # type: ignore[index]
    assert shown == repr(csvprep.check(ROOT / "fixtures" / "contacts.csv", module="Contacts"))
