"""The package as installed: ``python -m csvprep`` runs the command; every runtime dependency is used."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    """A distribution's normalised name (PEP 503), from a requirement or a distribution name."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def test_python_m_csvprep_runs_the_cli() -> None:
    fixture = REPO / "fixtures" / "contacts.csv"
    cmd = [sys.executable, "-m", "csvprep", "check", str(fixture), "--module", "Contacts", "--format", "json"]
    as_module = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    as_cli = subprocess.run([*cmd[:2], "csvprep.cli", *cmd[3:]], capture_output=True, text=True, timeout=120)
    assert as_module.returncode == as_cli.returncode == 1, as_module.stderr
    assert as_module.stdout == as_cli.stdout and '"issues"' in as_module.stdout


def test_python_m_csvprep_usage_error_is_exit_2() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "csvprep", "check", "no-such-file.csv", "--module", "Contacts"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.startswith("csvprep: error:"), proc.stderr
    assert "Traceback" not in proc.stderr


def _imported_distributions() -> set[str]:
    """The distributions whose top-level modules the package imports."""
    modules: set[str] = set()
    for path in (REPO / "csvprep").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module.split(".")[0])
    dists = packages_distributions()
    return {_name(d) for m in modules for d in dists.get(m, ())}


def test_every_runtime_dependency_is_imported() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    assert declared - _imported_distributions() == set()
