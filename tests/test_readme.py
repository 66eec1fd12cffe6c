"""The README is tested against the code: its commands, its flags, its table of codes."""

from __future__ import annotations

import re
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


def test_every_flag_the_readme_shows_exists() -> None:
    shown = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", README))
    known: set[str] = set()
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        help_text = CliRunner().invoke(cli, [name, "--help"]).output
        known |= set(re.findall(r"(--[a-z][a-z-]+)", help_text))
    known |= {"--help", "--version", "--rows", "--with-peers"}  # bench flags are checked in its own test
    assert shown <= known, shown - known
