"""The package's layers: imports point one way (docs/architecture.md); only the CLI knows click and rich."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "csvprep"

# What each part of the library must not import: the layers above it. cli is above everything.
_USERS = {"judging", "packer", "reconcile", "api", "cli", "fixer"}
_LAYERS = _USERS | {"rules", "engine"}
_BLOCK = _LAYERS | {"reader", "schema"}
ABOVE = {
    "schema": _LAYERS,
    "rules": _USERS | {"engine"},
    "engine": _USERS,
    "reader": _BLOCK | {"report"},
    "report": _BLOCK,
    "codes": _BLOCK | {"report"},
    "errors": _BLOCK | {"report"},
    "api": {"cli"},
    "packer": {"cli", "api"},
    "reconcile": {"cli", "api"},
    "fixer": {"cli"},
    "output": {"cli", "api", "engine", "rules", "judging"},
}
TERMINAL_LIBRARIES = {"click", "rich"}


def _unit(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """The top-level names a module imports: csvprep's own parts as ``csvprep.<part>``."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "csvprep":
                names = [f"csvprep.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            found.add(".".join(parts[:2]) if parts[0] == "csvprep" and len(parts) > 1 else parts[0])
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    unit = _unit(path)
    imported = {name.removeprefix("csvprep.") for name in _imports(path) if name.startswith("csvprep.")}
    assert not imported & (ABOVE.get(unit, set()) - {unit}), f"{unit} imports a layer above it"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_cli_knows_the_terminal(path: Path) -> None:
    if _unit(path) == "cli":
        return
    assert not _imports(path) & TERMINAL_LIBRARIES


def test_the_layers_name_real_packages() -> None:
    """A rule about a part that does not exist guards nothing (fixer arrives with ``csvprep fix``)."""
    parts = {_unit(p) for p in MODULES}
    assert set(ABOVE) - {"fixer"} <= parts
