"""The README is tested against the code: its commands, its flags, its table of codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

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
            elif re.search(r"\bcsvprep (check|pack|codes|results)\b", line):
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
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        known |= set(re.findall(r"(--[a-z][a-z-]+)", CliRunner().invoke(cli, [name, "--help"]).output))
    bench_known = _help_flags("-m", "benchmarks.bench")
    assert cli_flags <= known, cli_flags - known
    assert bench_flags <= bench_known, bench_flags - bench_known
    assert prose <= known | bench_known, prose - known - bench_known
