"""The Library part of the book (book/api/): docstrings read as the library writes them.

Two adjustments to Sphinx's reading of the library's docstrings:

* **NumPy sections where they are meant.** napoleon turns the ``Parameters`` / ``Returns`` /
  ``Raises`` sections of functions, classes and modules into field lists. It also reads the
  first line of an attribute's docstring as ``type: description``, so that
  ``#: Repository root: the parent of the package folder.`` would become a reference to a
  class named "Repository root". Here napoleon runs on every docstring but those of
  attributes, data and properties, which are kept as written.
* **One object, any of its names.** Each object is documented once, under its public name
  (``autoencode.AutoencODE``, not ``autoencode.model.AutoencODE``), but a docstring names an
  object as its own module sees it (``:meth:`AutoencODE.useful_shape``` in
  ``autoencode.analysis``, which imports ``AutoencODE``). A Python reference Sphinx does not
  find is looked up as Python would: the target is imported, relative to the class and module
  of the docstring that names it, and if that very object is documented under another name
  ending in the same word, the reference points there. A name no import reaches still fails.
"""

from __future__ import annotations

import importlib
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.ext import napoleon

#: Docstrings napoleon leaves alone (see the module's docstring).
ATTRIBUTE_KINDS = ("attribute", "data", "property")


def numpy_sections(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """napoleon's docstring processing, except for attributes, data and properties."""
    if what not in ATTRIBUTE_KINDS:
        napoleon._process_docstring(app, what, name, obj, options, lines)


_MISSING = object()


def lookup(dotted: str) -> Any:
    """The object ``dotted`` names (a module, or attributes of the longest importable module
    prefix), or ``_MISSING``."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # not a module (or one that cannot be imported here)
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr, _MISSING)
            if obj is _MISSING:
                return _MISSING
        return obj
    return _MISSING


def documented_objects(env: BuildEnvironment) -> dict[tuple[int, str], tuple[Any, str]]:
    """(id of the object, last word of its name) -> (the object, its documented name), for
    every object of the Python domain (computed once per build, after all pages are read)."""
    index: dict[tuple[int, str], tuple[Any, str]] = {}
    for name, entry in env.get_domain("py").objects.items():
        if entry.aliased:
            continue
        obj = lookup(name)
        if obj is not _MISSING:
            index.setdefault((id(obj), name.rsplit(".", 1)[-1]), (obj, name))
    return index


def candidates(target: str, module: str | None, cls: str | None) -> list[str]:
    """The names Python would try for ``target`` in a docstring of ``module``.``cls``."""
    names = []
    if module and cls:
        names.append(f"{module}.{cls}.{target}")
    if module:
        names.append(f"{module}.{target}")
    names.append(target)
    return names


def resolve_alias(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    """``missing-reference``: a Python reference to an object documented under another name."""
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip(".~")
    last = target.rsplit(".", 1)[-1]
    index = getattr(app, "_api_reference_index", None)
    if index is None:  # (on the application, which is not pickled with the environment)
        index = app._api_reference_index = documented_objects(env)  # type: ignore[attr-defined]
    for name in candidates(target, node.get("py:module"), node.get("py:class")):
        obj = lookup(name)
        if obj is _MISSING:
            continue
        hit = index.get((id(obj), last))
        if hit is not None and hit[0] is obj:
            return env.get_domain("py").resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], hit[1], node, contnode
            )
    return None


def _forget_index(app: Sphinx, env: BuildEnvironment, *args: Any) -> None:
    if hasattr(app, "_api_reference_index"):
        del app._api_reference_index


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    for listener in list(app.events.listeners.get("autodoc-process-docstring", [])):
        if listener.handler is napoleon._process_docstring:
            app.disconnect(listener.id)
    app.connect("autodoc-process-docstring", numpy_sections)
    app.connect("missing-reference", resolve_alias)
    app.connect("env-before-read-docs", _forget_index)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
