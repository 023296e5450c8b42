"""The package's layout rules: no private name crosses a module boundary, and the modules a
reader extends stay small enough to hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "autoencode"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Lines a module may have.
MODULE_LINES = 500
#: Lines a class may have.
CLASS_LINES = 250
#: The modules that a newcomer extends (a trainer, an update rule, a storage layout): held to
#: the limits above.
EXTENSION_POINTS = ["arguments.py", "layouts.py", "training/*.py"]


def private_imports(source: str, label: str) -> list[str]:
    """``from M import _name`` statements of ``source`` whose M is a package module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        inside = node.level > 0 or (node.module or "").startswith("autoencode")
        for alias in node.names:
            if inside and alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{label}:{node.lineno} imports {alias.name}")
    return found


def test_no_private_name_is_imported_across_modules():
    found = [
        line
        for m in MODULES
        for line in private_imports(m.read_text(), str(m.relative_to(PACKAGE)))
    ]
    assert found == [], "private names imported across modules:\n" + "\n".join(found)


def test_the_check_finds_a_private_import():
    """The negative control: private names imported from the package are reported; public
    ones and other packages' private ones are not."""
    source = (
        "from .state import _is_int\n"
        "from autoencode.cache import _load\n"
        "from .state import check_state\n"
        "from myst_nb import glue as _glue\n"
    )
    assert private_imports(source, "x.py") == ["x.py:1 imports _is_int", "x.py:2 imports _load"]


@pytest.mark.parametrize(
    "path", sorted({p for pattern in EXTENSION_POINTS for p in PACKAGE.glob(pattern)}), ids=str
)
def test_extension_points_are_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MODULE_LINES, f"{path.name} has {lines} lines (limit {MODULE_LINES})"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= CLASS_LINES, f"{path.name}: class {node.name} has {size} lines"
