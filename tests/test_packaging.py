"""The wheel declares what the library imports: `pip install .` alone gives a working library."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autoencode"


def third_party_imports(package: Path = PACKAGE) -> dict[str, bool]:
    """Top-level third-party modules the package imports: ``{module: imported at import time}``
    (False: only inside functions, e.g. the book's tools)."""
    found: dict[str, bool] = {}
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        lazy = {
            id(n)
            for f in ast.walk(tree)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in ("autoencode", "__future__"):
                    continue
                found[top] = found.get(top, False) or id(node) not in lazy
    return found


def requirements(metadata: str) -> dict[str, set[str]]:
    """``{distribution: extras that require it}`` from a wheel's METADATA ("" = always)."""
    out: dict[str, set[str]] = {}
    for line in metadata.splitlines():
        if line.startswith("Requires-Dist:"):
            req = Requirement(line.split(":", 1)[1].strip())
            extras = (
                set(re.findall(r'extra\s*==\s*"([^"]+)"', str(req.marker))) if req.marker else set()
            )
            out.setdefault(canonicalize_name(req.name), set()).update(extras or {""})
    return out


def undeclared(imports: dict[str, bool], declared: dict[str, set[str]]) -> list[str]:
    """Modules whose distribution the metadata does not name (eager imports: not as a core
    requirement)."""
    dists = importlib.metadata.packages_distributions()
    missing = []
    for module, eager in sorted(imports.items()):
        names = {canonicalize_name(d) for d in dists.get(module, [module])}
        ok = [d for d in names if d in declared and (not eager or "" in declared[d])]
        if not ok:
            missing.append(
                f"{module} ({', '.join(sorted(names))}{', at import time' if eager else ''})"
            )
    return missing


@pytest.fixture(scope="module")
def wheel_metadata(tmp_path_factory) -> str:
    # Built from a copy: setuptools writes build/ and *.egg-info/ next to the sources.
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "autoencode", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = out.glob("autoencode-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return zf.read(name).decode()


@pytest.mark.slow
def test_the_wheel_names_every_module_the_library_imports(wheel_metadata):
    imports = third_party_imports()
    assert {"torch", "numpy", "matplotlib"} <= set(imports)
    assert not undeclared(imports, requirements(wheel_metadata))


def test_the_book_tools_are_an_extra(wheel_metadata):
    declared = requirements(wheel_metadata)
    assert "" in declared["torch"] and "" in declared["numpy"]
    assert declared["jupyter-book"] == {"book"} and declared["myst-nb"] == {"book"}


def test_a_missing_dependency_is_found():
    """The check fails on metadata that leaves out a module the library imports."""
    imports = {"torch": True, "numpy": True, "myst_nb": False}
    declared = {"numpy": {""}, "myst-nb": {"book"}}
    assert undeclared(imports, declared) == ["torch (torch, at import time)"]
    assert undeclared(imports, {"torch": {"dev"}, **declared}) == ["torch (torch, at import time)"]
    assert undeclared(imports, {"torch": {""}, **declared}) == []


def test_import_is_light():
    """`import autoencode` loads neither the figures' experiments nor pyplot; both come on
    first use of ``ae.experiments``."""
    code = (
        "import sys, autoencode as ae\n"
        "heavy = ['autoencode.experiments', 'matplotlib.pyplot']\n"
        "print([m for m in heavy if m in sys.modules])\n"
        "print(len(ae.experiments.FIGURES) > 0, 'autoencode.experiments' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "True True"]
