"""The book's Library part (book/api/) documents the public API, read from its sources.

Without building the book: the autodoc directives of ``book/api/*.md`` are parsed, and every
name of ``autoencode.__all__``, every public module and every name of a public module's
``__all__`` must be documented there (under its own name, or, for a name a module re-exports,
as the same object under another name). The book build (``-W -n``) then checks that the
docstrings render and that every reference resolves; the local extension that reads them
(``_ext/api_reference.py``) is tested here too.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import autoencode

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "book" / "api"

# `.. autoclass:: autoencode.X` (in an eval-rst block) or ```{autoclass} autoencode.X (MyST).
DIRECTIVE = re.compile(r"^\s*(?:\.\.\s+|```\{)(auto[a-z]+)(?:::|\})\s+(\S+)\s*$")
OPTION = re.compile(r"^\s*:([a-z-]+):\s*(.*?)\s*$")
#: The directives that document one object under the name they give.
OBJECT_DIRECTIVES = {
    "autoclass",
    "autoexception",
    "autofunction",
    "autodata",
    "automethod",
    "autoattribute",
    "autoproperty",
}


@dataclass
class Directive:
    kind: str
    name: str
    options: dict[str, str] = field(default_factory=dict)


def directives(text: str) -> list[Directive]:
    """The autodoc directives of a page, with their options."""
    found: list[Directive] = []
    current: Directive | None = None
    for line in text.splitlines():
        m = DIRECTIVE.match(line)
        if m:
            current = Directive(m.group(1), m.group(2))
            found.append(current)
            continue
        o = OPTION.match(line)
        if current is not None and o:
            current.options[o.group(1)] = o.group(2)
        else:
            current = None
    return found


def _names(value: str) -> set[str]:
    return {n.strip() for n in value.split(",") if n.strip()}


def documented_names(pages: dict[str, str]) -> set[str]:
    """Every dotted name the directives of ``pages`` (name -> text) document."""
    names: set[str] = set()
    for text in pages.values():
        for d in directives(text):
            names.add(d.name)
            if d.kind != "automodule" or "no-members" in d.options or "members" not in d.options:
                continue
            module = importlib.import_module(d.name)
            members = _names(d.options["members"]) or set(getattr(module, "__all__", ()))
            members -= _names(d.options.get("exclude-members", ""))
            names |= {f"{d.name}.{m}" for m in members}
    return names


def resolve(dotted: str) -> Any:
    """The object a dotted name names (a module or attributes of the longest module prefix)."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def undocumented(names: list[str], module: str, documented: set[str]) -> list[str]:
    """The names of ``module``'s ``names`` that the reference documents neither as
    ``module.name`` nor as the same object under another name ending in ``name`` (a re-exported
    class, function or submodule)."""
    elsewhere: dict[str, list[Any]] = {}
    for d in documented:
        try:
            elsewhere.setdefault(d.rsplit(".", 1)[-1], []).append(resolve(d))
        except (ImportError, AttributeError):
            pass
    mod = importlib.import_module(module)
    missing = []
    for name in names:
        if f"{module}.{name}" in documented:
            continue
        obj = getattr(mod, name, None)
        if obj is None or not any(o is obj for o in elsewhere.get(name, [])):
            missing.append(name)
    return missing


def api_pages() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(API.glob("*.md"))}


@pytest.fixture(scope="module")
def documented() -> set[str]:
    return documented_names(api_pages())


def public_modules() -> list[str]:
    """The package, its public submodules and subpackages, and the command line (__main__)."""
    names = ["autoencode", "autoencode.__main__"]
    for info in pkgutil.walk_packages(autoencode.__path__, "autoencode."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


def test_the_parser_reads_both_syntaxes():
    page = """
```{eval-rst}
.. automodule:: autoencode.model
   :members:
   :exclude-members: AutoencODE, OFF_MODES

.. autoclass:: autoencode.AutoencODE
   :members:
```

```{autofunction} autoencode.sweep
```
"""
    names = documented_names({"page.md": page})
    assert {"autoencode.model", "autoencode.AutoencODE", "autoencode.sweep"} <= names
    assert "autoencode.model.fit_width" in names  # from the module's __all__
    assert "autoencode.model.AutoencODE" not in names  # excluded there


def test_every_public_name_is_in_the_reference(documented):
    missing = undocumented(list(autoencode.__all__), "autoencode", documented)
    assert not missing, f"names of autoencode.__all__ not in book/api/: {missing}"


def test_a_new_public_name_without_its_entry_fails(documented, monkeypatch):
    """What the test above does when a name is added to __all__ and not to book/api/."""

    def brand_new() -> None:
        """A new public function."""

    monkeypatch.setattr(autoencode, "brand_new", brand_new, raising=False)
    monkeypatch.setattr(autoencode, "__all__", [*autoencode.__all__, "brand_new"])
    assert undocumented(list(autoencode.__all__), "autoencode", documented) == ["brand_new"]
    # Documented, it passes: as autoencode.brand_new...
    assert not undocumented(["brand_new"], "autoencode", documented | {"autoencode.brand_new"})
    # ... but not as an unrelated object of the same name elsewhere.
    assert undocumented(["brand_new"], "autoencode", documented | {"autoencode.sweeps.sweep"})


@pytest.mark.parametrize("module", public_modules())
def test_every_public_module_is_in_the_reference(module, documented):
    assert module in documented, f"no `automodule:: {module}` in book/api/"
    names = list(getattr(importlib.import_module(module), "__all__", ()))
    missing = undocumented(names, module, documented)
    assert not missing, f"names of {module}.__all__ not in book/api/: {missing}"


def test_every_api_page_is_in_the_toc():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    library = next(p for p in toc["parts"] if p["caption"] == "Library")
    files = {c["file"] for c in library["chapters"]}
    assert files == {f"book/api/{p.stem}" for p in API.glob("*.md")}


ROLE = re.compile(r"\{py:(?:class|func|meth|mod|data|attr|exc|obj)\}`~?(autoencode[\w.]*)`")


def test_the_theory_pages_link_into_the_reference(documented):
    """The theory pages name the library through roles that resolve in the reference."""
    links = {p.name: ROLE.findall(p.read_text()) for p in sorted((ROOT / "book").glob("*.md"))}
    assert sum(map(len, links.values())) >= 5, links
    for page, targets in links.items():
        for target in targets:
            obj = resolve(target)
            assert any(
                resolve(d) is obj for d in documented if d.endswith(target.split(".")[-1])
            ), f"{page}: {target} is not in the reference"


# -- the local extension that reads the docstrings (_ext/api_reference.py) ----------------------
sys.path.insert(0, str(ROOT / "_ext"))
import api_reference  # noqa: E402


def test_napoleon_leaves_attribute_docstrings_as_written():
    data = ["Repository root: the parent of the package folder."]
    api_reference.numpy_sections(None, "data", "autoencode.notebook.REPO_ROOT", None, {}, data)
    assert data == ["Repository root: the parent of the package folder."]


def test_napoleon_reads_the_numpy_sections_of_functions():
    from sphinx.ext.napoleon import Config

    class App:
        config = Config(napoleon_use_param=True, napoleon_use_rtype=False)

    lines = ["Do it.", "", "Parameters", "----------", "x:", "    The input.", ""]
    api_reference.numpy_sections(App(), "function", "f", None, {}, lines)
    assert ":param x: The input." in lines


def test_a_reference_is_looked_up_as_python_would():
    assert api_reference.candidates("AutoencODE.useful_shape", "autoencode.analysis", None) == [
        "autoencode.analysis.AutoencODE.useful_shape",
        "AutoencODE.useful_shape",
    ]
    # autoencode.analysis imports AutoencODE: the same function as the documented name's.
    found = api_reference.lookup("autoencode.analysis.AutoencODE.useful_shape")
    assert found is api_reference.lookup("autoencode.AutoencODE.useful_shape")
    assert api_reference.lookup("autoencode.analysis.no_such_name") is api_reference._MISSING
