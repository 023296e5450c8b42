"""Notebook tests: every ``notebooks/*.ipynb`` is

1. checked for the book's conventions (parameters cell, ``ae.setup()``, an ``assert``,
   committed *with* outputs and without errors, listed in ``_toc.yml``);
2. executed by papermill in **quick mode** (``AUTOENCODE_QUICK=1``) in the notebooks
   folder, on the kernel ``python3`` (the venv's python, see ``make install``), through
   ``make book-quick NB=...`` (a fresh model cache each): any cell error fails the test;
3. re-executed by nbval in **full mode** (``AUTOENCODE_QUICK`` unset) with ``--nbval-lax``:
   only the cells containing ``# NBVAL_CHECK_OUTPUT`` must reproduce their committed output
   (after the substitutions of ``nbval_sanitize.cfg``); an error in any cell fails. It runs
   in a subprocess ``python -m pytest --nbval-lax ...`` whose exit status decides the test.

A notebook too slow for the full nbval run opts out with the notebook metadata
``{"autoencode": {"nbval": false}}`` or by being listed in ``NBVAL_SKIP`` below; its
quick run is still tested.

All tests here carry the ``notebooks`` marker: ``pytest -m "not notebooks"`` runs only the
library tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NB_DIR.glob("*.ipynb"))
SANITIZE = ROOT / "nbval_sanitize.cfg"
KERNEL = "python3"

#: Notebooks (file names) excluded from the full-mode nbval run (too slow); keep short.
NBVAL_SKIP: set[str] = set()

#: Seconds allowed per cell in the full nbval run, and for one whole notebook.
CELL_TIMEOUT = 1800
NOTEBOOK_TIMEOUT = 3600

pytestmark = pytest.mark.notebooks

IDS = [p.stem for p in NOTEBOOKS]


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]


def _nbval_opted_out(path: Path) -> bool:
    meta = _read(path).metadata.get("autoencode", {})
    return path.name in NBVAL_SKIP or meta.get("nbval", True) is False


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebook in {NB_DIR}"


def test_kernel_is_this_venv():
    """The kernel ``python3`` that papermill, nbval and jupyter-book start is this python."""
    from jupyter_client.kernelspec import KernelSpecManager

    argv0 = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    if not os.path.isabs(argv0):  # a bare "python" would be whatever is first on the PATH
        pytest.fail(f"kernel {KERNEL!r} runs {argv0!r}, not an absolute path; run `make install`")
    # No resolve(): a venv's bin/python is a symlink to the base interpreter.
    assert Path(os.path.abspath(argv0)).is_relative_to(os.path.abspath(sys.prefix)), (
        f"kernel {KERNEL!r} runs {argv0}, not the python of {sys.prefix}; run `make install`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_conventions(path: Path):
    nb = _read(path)
    cells = _code_cells(nb)
    assert cells, "no code cell"
    first = cells[0]
    assert "parameters" in first.metadata.get("tags", []), (
        "the first code cell must be tagged 'parameters' (papermill)"
    )
    for knob in ("device", "dtype"):  # where it computes: the book's CPU and float32 by default
        assert re.search(rf"^{knob} = None\b", first.source, re.M), (
            f"the parameters cell must offer `{knob} = None` (issue 17)"
        )
    source = "\n".join(c.source for c in cells)
    assert re.search(r"^\s*import autoencode as ae\b", source, re.M), (
        "missing `import autoencode as ae`"
    )
    assert re.search(r"\bae\.setup\(", source), "missing `ae.setup()`"
    assert re.search(r"^\s*assert\b", source, re.M), "the notebook must assert its claim"
    assert "MPLBACKEND" not in source, "do not set MPLBACKEND (figures vanish from the outputs)"
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL, f"kernelspec must be {KERNEL!r}"
    # Committed with outputs, and none of them an error.
    unexecuted = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    assert not unexecuted, (
        f"code cells {unexecuted} have no execution count: commit the notebook "
        f"executed (`make execute NB={path.relative_to(ROOT)}`)"
    )
    errors = [i for i, c in enumerate(cells) for o in c.outputs if o.output_type == "error"]
    assert not errors, f"code cells {errors} hold error outputs"


#: Code lines a page may hold outside its parameters cell (the experiment lives in the library).
MAX_CODE_LINES = 60

#: Cells whose code has at most this many lines may repeat across pages (``report.check()``).
TRIVIAL_CELL_LINES = 2


def _code_lines(source: str) -> list[str]:
    return [
        ln.rstrip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_page_shape(path: Path):
    """A notebook is a page: a parameters cell, a call into autoencode.experiments, a numbered
    figure with its caption, the checks; code cells other than the parameters are hidden."""
    nb = _read(path)
    cells = _code_cells(nb)
    rest = [c for c in cells if "parameters" not in c.metadata.get("tags", [])]
    n = sum(len(_code_lines(c.source)) for c in rest)
    assert n <= MAX_CODE_LINES, (
        f"{n} code lines outside the parameters cell (at most "
        f"{MAX_CODE_LINES}): move the experiment into autoencode/experiments/"
    )
    hiding = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
    shown = [i for i, c in enumerate(rest) if not hiding & set(c.metadata.get("tags", []))]
    assert not shown, f"code cells {shown} (after the parameters) are not tagged hide-input"
    source = "\n".join(c.source for c in cells)
    assert re.search(r"\bae\.experiments\.run\(", source), (
        "the page must run its experiment "
        "through ae.experiments.run (the same function as `python -m autoencode figure`)"
    )
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    figures = re.findall(r"```\{glue:figure\}\s*(\S+)\s*\n((?::\w+:.*\n)*)", text)
    assert figures, (
        "the page shows no numbered figure: glue it (report.figure) and use {glue:figure}"
    )
    for key, options in figures:
        assert ":name:" in options, f"figure {key} has no :name: (pages link to it by name)"


def test_no_cell_is_shared_between_pages():
    seen: dict[str, str] = {}
    shared = []
    for path in NOTEBOOKS:
        for c in _code_cells(_read(path)):
            lines = _code_lines(c.source)
            if len(lines) <= TRIVIAL_CELL_LINES:
                continue
            key = "\n".join(ln.strip() for ln in lines)
            if key in seen and seen[key] != path.name:
                shared.append((seen[key], path.name, lines[0]))
            seen.setdefault(key, path.name)
    assert not shared, f"cells copied between notebooks (move them into the library): {shared}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_in_table_of_contents(path: Path):
    toc = (ROOT / "_toc.yml").read_text()
    entry = path.relative_to(ROOT).with_suffix("").as_posix()
    assert re.search(rf"file:\s*{re.escape(entry)}(\.ipynb)?\s*$", toc, re.M), (
        f"{entry} is not listed in _toc.yml (the book builds only the files in its toc)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_quick_run(path: Path):
    """``make book-quick NB=notebooks/<page>.ipynb``: papermill, AUTOENCODE_QUICK=1, cwd =
    notebooks/, kernel python3, a fresh model cache: no cell may fail.

    The documented ``make book-quick`` (every notebook) is this, one page per test: it is not
    run a second time by tests/test_documented_commands.py."""
    env = {k: v for k, v in os.environ.items() if k not in ("AUTOENCODE_QUICK", "NB")}
    try:
        proc = subprocess.run(
            ["make", "--no-print-directory", "book-quick", f"NB={path.relative_to(ROOT)}"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=NOTEBOOK_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the quick run did not finish within {NOTEBOOK_TIMEOUT} s: {exc}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0 and re.search(r"^\s+ok, \d+ s$", proc.stdout, re.M), (
        f"make book-quick failed (exit {proc.returncode}) on {path.name}:\n{out[-8000:]}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nbval_full(path: Path):
    """nbval, full mode: the `# NBVAL_CHECK_OUTPUT` cells reproduce their committed outputs."""
    if _nbval_opted_out(path):
        pytest.skip(
            "opted out of the full nbval run (metadata autoencode.nbval = false or NBVAL_SKIP)"
        )
    nb = _read(path)
    checked = [c for c in _code_cells(nb) if "NBVAL_CHECK_OUTPUT" in c.source]
    if not checked:
        pytest.fail(
            "no cell marked `# NBVAL_CHECK_OUTPUT`: mark the cell printing the notebook's numbers"
        )
    # nbval silently skips the comparison for a reference cell that was never run.
    if any(c.get("execution_count") is None or not c.outputs for c in checked):
        pytest.fail(
            "a `# NBVAL_CHECK_OUTPUT` cell has no committed output: commit the notebook "
            f"executed (`make execute NB={path.relative_to(ROOT)}`)"
        )
    env = {k: v for k, v in os.environ.items() if k != "AUTOENCODE_QUICK"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests"), env.get("PYTHONPATH")]))
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "nbval_patience",
        "-o",
        "addopts=",
        "-o",
        "testpaths=",
        "--nbval-lax",
        "--nbval-current-env",
        "--nbval-sanitize-with",
        str(SANITIZE),
        "--nbval-cell-timeout",
        str(CELL_TIMEOUT),
        str(path),
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"nbval did not finish within {NOTEBOOK_TIMEOUT} s: {exc}")
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-8000:]
        pytest.fail(f"nbval failed (exit {proc.returncode}) on {path.name}:\n{tail}", pytrace=False)


def test_nbval_waits_for_outputs_of_slow_cells():
    """Sanity check: the plugin the nbval run loads lifts nbval's 5 s wait for outputs."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import nbval.plugin
        import nbval_patience
    finally:
        sys.path.remove(str(ROOT / "tests"))
    assert nbval.plugin.IPyNbCell.__init__ is nbval_patience._patient_init
    assert nbval_patience.OUTPUT_TIMEOUT >= 60
