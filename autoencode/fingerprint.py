"""The code fingerprint of a training run: the library files it executes, and their code.

A trained model's key (:func:`autoencode.cache.cache_key`) and a sweep record's
(:func:`autoencode.sweeps.code_fingerprint`) hash the source of the library code a run
executes (:func:`library_fingerprint`): the caller's ``entry`` module and every ``autoencode``
module it imports, transitively, found by reading their ``import`` statements, relative ones
in subpackages included (:func:`training_modules`), except the modules that only analyse,
draw or report (:data:`NOT_TRAINING`). Each file counts by its code, without its docstrings,
comments and layout (:func:`code_text`). :mod:`autoencode.cache` re-exports these names.
"""

from __future__ import annotations

import ast
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["NOT_TRAINING", "training_modules", "library_fingerprint", "code_text"]

PACKAGE_DIR = Path(__file__).resolve().parent

#: Modules and subpackages of the library (dotted, relative to the package) that only analyse,
#: draw or report on trained models, list the figures, or decide where files go: never part of
#: a run's fingerprint, even where the entry module imports them, since they cannot change what
#: training computes.
NOT_TRAINING = (
    "analysis",
    "baselines",
    "claims",
    "paths",
    "plotting",
    "reproduction",
    "experiments.registry",
)


def _module_file(name: str) -> Path | None:
    """The file of the package's module ``name`` (dotted, relative to the package; ``""`` is the
    package itself): ``<name>.py`` or a subpackage's ``__init__.py``; None if there is none."""
    base = PACKAGE_DIR.joinpath(*name.split(".")) if name else PACKAGE_DIR
    if name and base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imported_modules(name: str | None, path: Path) -> set[str]:
    """The package's modules that the file ``path`` imports, dotted relative to the package.

    ``name`` is the file's own module name (None: a file outside the package, whose relative
    imports cannot be resolved). Relative imports at any level (``from .. import data``,
    ``from ..training import X``, ``from .registry import figure``) and absolute ones of the
    package (``from autoencode.model import X``, ``import autoencode``) count, including
    those inside functions. ``from P import x`` names the submodule ``P.x`` when there is one,
    and otherwise the module ``P`` that defines ``x``.
    """
    root = PACKAGE_DIR.name
    if name is not None:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        parts = package.split(".") if package else []
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):  # includes imports inside functions
        if isinstance(node, ast.Import):
            found.update(
                a.name[len(root) + 1 :]
                for a in node.names
                if a.name == root or a.name.startswith(root + ".")
            )
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            if name is None or node.level - 1 > len(parts):
                continue  # outside the package
            up = parts[: len(parts) - (node.level - 1)]
            base = ".".join(up + ([node.module] if node.module else []))
        elif node.module is not None and (
            node.module == root or node.module.startswith(root + ".")
        ):
            base = node.module[len(root) + 1 :]
        else:
            continue  # another library
        for alias in node.names:
            sub = f"{base}.{alias.name}" if base else alias.name
            if _module_file(sub) is not None:
                found.add(sub)
            elif base:
                found.add(base)
    return found


def _entry_module(entry: str | os.PathLike) -> tuple[str | None, Path]:
    """``entry`` as (module name relative to the package or None, file)."""
    if not isinstance(entry, (str, os.PathLike)) or not str(entry):
        raise TypeError(
            f"entry must name the module that sets the training up: a dotted module "
            f"name such as 'experiments.fig04' or the path of a .py file, got {entry!r}"
        )
    text = os.fspath(entry)
    if isinstance(entry, os.PathLike) or text.endswith(".py") or os.sep in text:
        path = Path(text).resolve()
        if not path.is_file():
            raise ValueError(f"entry {text!r}: no such file")
        if path.is_relative_to(PACKAGE_DIR):
            rel = path.relative_to(PACKAGE_DIR).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            return ".".join(parts), path
        return None, path
    root = PACKAGE_DIR.name
    name = text[len(root) + 1 :] if text.startswith(root + ".") else ("" if text == root else text)
    file = _module_file(name)
    if file is None:
        raise ValueError(f"entry {text!r}: no module {name!r} in {PACKAGE_DIR}")
    return name, file


def _excluded(name: str, exclude: Iterable[str]) -> bool:
    return any(name == e or name.startswith(e + ".") for e in exclude)


def training_modules(entry: str | os.PathLike, exclude: Iterable[str] = NOT_TRAINING) -> list[Path]:
    """The library files a training run set up by ``entry`` executes, in sorted order.

    ``entry``: the module that sets the training up, as a dotted name relative to the package
    (``"experiments.fig04"``), a full one (``"autoencode.experiments.fig04"``, e.g. a module's
    ``__name__``) or the path of a ``.py`` file (inside the package or not). The result is
    that file and the package's modules it imports, transitively (:func:`_imported_modules`),
    without the modules and subpackages in ``exclude`` (default :data:`NOT_TRAINING`). A
    subpackage's ``__init__.py`` counts only where it is itself imported (``import
    autoencode``, ``from .. import plotting``), not for each of its submodules.
    """
    exclude = tuple(exclude)
    name, path = _entry_module(entry)
    files = {path}
    seen: set[str] = set()
    todo = _imported_modules(name, path)
    if name is not None:
        seen.add(name)
    while todo:
        mod = todo.pop()
        if mod in seen or _excluded(mod, exclude):
            continue
        seen.add(mod)
        f = _module_file(mod)
        if f is None:
            continue
        files.add(f)
        todo |= _imported_modules(mod, f) - seen
    return sorted(files)


def library_fingerprint(files: Iterable[str | os.PathLike]) -> str:
    """SHA-256 of the library source that can change a training run.

    ``files``: usually :func:`training_modules` ``(entry)``; each contributes its path within
    the package (its name, for a file outside it) and its code: the module's syntax tree
    without its docstrings, written back as text (:func:`code_text`). Comments, docstrings and
    layout do not run, so editing them keeps the trained models and the sweep records.
    """
    digest = hashlib.sha256()
    for f in files:
        f = Path(f)
        full = f.resolve()
        label = (
            full.relative_to(PACKAGE_DIR).as_posix() if full.is_relative_to(PACKAGE_DIR) else f.name
        )
        digest.update(label.encode() + b"\0")
        digest.update(code_text(f).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def code_text(path: str | os.PathLike) -> str:
    """The code of the Python file ``path`` as :func:`ast.unparse` writes it back, its module,
    class and function docstrings left out: what runs, independent of comments and layout.
    A file that does not parse contributes its bytes as they are."""
    source = Path(path).read_bytes()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source.decode("utf-8", "replace")
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)
