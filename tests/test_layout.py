"""The package's layout rules: no private name crosses a module boundary, and the modules a
reader extends stay small enough to hold."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "autoencode"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: Lines a module may have.
MODULE_LINES = 500
#: Lines a class may have.
CLASS_LINES = 250
#: Lines a function or method may have.
FUNCTION_LINES = 80


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


def oversized(source: str, label: str) -> list[str]:
    """The module, classes and functions of ``source`` longer than their limits."""
    found = []
    lines = len(source.splitlines())
    if lines > MODULE_LINES:
        found.append(f"{label}: {lines} lines (limit {MODULE_LINES})")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            kind, limit = "class", CLASS_LINES
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            kind, limit = "function", FUNCTION_LINES
        else:
            continue
        size = (node.end_lineno or node.lineno) - node.lineno + 1
        if size > limit:
            found.append(f"{label}::{node.name}: {kind} of {size} lines (limit {limit})")
    return found


def test_modules_classes_and_functions_are_small():
    found = [
        line
        for m in MODULES
        for line in oversized(m.read_text(), m.relative_to(PACKAGE).as_posix())
    ]
    assert found == [], "split these (one job per file, function or class):\n" + "\n".join(found)


def test_the_size_check_finds_what_is_too_long():
    """The negative control: a long module, class and function are each reported."""
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    source = f"def long():\n{body}\n\ndef short():\n    return 1\n"
    assert oversized(source, "m.py") == [
        f"m.py::long: function of {FUNCTION_LINES + 1} lines (limit {FUNCTION_LINES})"
    ]
    klass = "class Big:\n" + "\n".join(f"    y{i} = {i}" for i in range(CLASS_LINES))
    assert oversized(klass, "m.py") == [
        f"m.py::Big: class of {CLASS_LINES + 1} lines (limit {CLASS_LINES})"
    ]
    module = "\n".join(f"z{i} = {i}" for i in range(MODULE_LINES + 1))
    assert oversized(module, "m.py") == [f"m.py: {MODULE_LINES + 1} lines (limit {MODULE_LINES})"]
