"""The reader's view: no workshop words in the book, the parameters and run logs collapsed,
and a provenance line under every figure.

The built HTML is scanned by ``make check-book`` (``scripts/reader_view.py``); here the same scan
runs over what the pages are built from (the notebooks' prose and committed outputs, the book's
pages, the tolerance reasons the check cells print, the library's docstrings that the Library
part shows, the README), so that a workshop word fails before any build.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from autoencode.experiments.registry import FIGURES
from autoencode.provenance import data_source, provenance, provenance_markdown, regenerate_command

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("reader_view", ROOT / "scripts" / "reader_view.py")
reader_view = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reader_view)


def test_the_scan_finds_workshop_words_and_leaves_the_science(tmp_path):
    page = tmp_path / "html" / "notebooks" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        "<p>mean time per Lanczos call: 15.1 s (target &lt;= 15 s)</p>"
        "<p>tolerance 6.1e-6 (before issue 14)</p><p>see issue #3</p>"
        "<p>TODO: explain</p><p>FIXME</p>"
        "<p>the share within 0.5 of the class target &gt;= 0.99; the issue is well posed</p>"
        "<pre>todo = [u for u in units]</pre>"
    )
    theme = tmp_path / "html" / "_static" / "theme.html"
    theme.parent.mkdir()
    theme.write_text("<p>TODO: upstream</p>")
    found = reader_view.scan(tmp_path / "html")
    words = [m.group(0) for m in reader_view.WORKSHOP.finditer(reader_view.page_text(page))]
    assert words == ["target <= 1", "issue 14", "issue #3", "TODO", "FIXME"], words
    # not the class target, "the issue is", `todo` or the theme's own files
    assert len(found) == 5 and all(p.parts[0] == "notebooks" for p, _ in found), found
    assert reader_view.main([str(tmp_path / "html")]) == 1
    page.write_text("<p>the share within 0.5 of the class target &gt;= 0.99</p>")
    assert reader_view.main([str(tmp_path / "html")]) == 0


def _notebook_texts(path: Path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        yield f"cell {i}", "".join(cell["source"])
        for out in cell.get("outputs", []):
            if "text" in out:
                yield f"cell {i} output", "".join(out["text"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    yield f"cell {i} {mime}", "".join(value) if isinstance(value, list) else value


def _sources():
    for nb in NOTEBOOKS:
        for where, text in _notebook_texts(nb):
            yield f"{nb.name} {where}", text
    files = [
        *(ROOT / "book").rglob("*.md"),
        *(ROOT / "notebooks" / "reference").glob("*.toml"),
        *(ROOT / "autoencode").rglob("*.py"),
        ROOT / "README.md",
        ROOT / "ARCHITECTURE.md",
    ]
    for f in files:
        if f.is_file():
            yield str(f.relative_to(ROOT)), f.read_text()


def test_no_workshop_words_in_what_the_book_is_built_from():
    found = [(where, h) for where, text in _sources() for h in reader_view.hits(text)]
    assert not found, "\n".join(f"{w}: ...{h}..." for w, h in found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_parameters_and_the_run_log_are_collapsed(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    tags = [set(c["metadata"].get("tags", [])) for c in cells]
    assert {"parameters", "hide-cell"} <= tags[0], "the parameters cell is shown to the reader"
    run = [
        t for c, t in zip(cells, tags, strict=True) if "ae.experiments.run(" in "".join(c["source"])
    ]
    assert run and all({"hide-cell", "remove-stderr"} <= t for t in run), (
        "the cell that runs the experiment prints its log (and progress bars) into the page"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_provenance_line_under_every_figure(path):
    nb = json.loads(path.read_text())
    prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    figures = prose.count("```{glue:figure}")
    assert figures and prose.count("```{glue} provenance") == figures
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "report.provenance(result)" in code
    glued = [
        out["data"]["application/papermill.record/text/markdown"]
        for c in nb["cells"]
        for out in c.get("outputs", [])
        if out.get("metadata", {}).get("scrapbook", {}).get("name") == "provenance"
    ]
    assert len(glued) == 1, "the committed notebook has no provenance output: re-execute it"
    line = "".join(glued[0])
    spec = next(s for s in FIGURES.values() if s.notebook == path.stem)
    fn = spec.function
    assert f"{{py:func}}`{fn.__module__}.{fn.__qualname__}`" in line
    assert f"`python -m autoencode figure {spec.name}`" in line  # the book's parameters
    assert "commit " in line and "numbers (JSON)" in line


def test_the_command_names_the_parameters_that_differ_and_runs_them():
    # a value equal to the default (T = 5 for 5.0) is not a difference
    same = dict(FIGURES["fig08_09"].defaults(False), T=5)
    assert regenerate_command("fig08_09", same) == "python -m autoencode figure fig08_09"
    params = dict(FIGURES["fig05"].defaults(True), seed=3, lam=0.01)
    cmd = regenerate_command("fig05", params, quick=True)
    assert cmd == "python -m autoencode figure fig05 --quick -p lam=0.01 -p seed=3"
    cmd = regenerate_command(
        "fig08_09", dict(FIGURES["fig08_09"].defaults(False), widths=[784, 64, 784])
    )
    assert cmd == "python -m autoencode figure fig08_09 -p 'widths=[784,64,784]'"


def test_the_data_source_is_named_for_every_figure():
    for name, spec in FIGURES.items():
        text = data_source(name, spec.defaults(False))
        assert text and "seed" in text or "MNIST" in text or "none" in text, (name, text)
    assert "subset" in data_source("fig08_09", {"source": "subset"})
    assert "full set" in data_source("fig08_09", {"source": "full"})
    with pytest.raises(KeyError, match="no data source"):
        data_source("not_a_figure", {})


def test_the_json_download_holds_the_numbers():
    import base64
    import re

    p = provenance("fig05", FIGURES["fig05"].defaults(False))
    line = provenance_markdown(p, {"fig5_x": 1.5})
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", line).group(1)
    data = json.loads(base64.b64decode(payload))
    assert data["numbers"] == {"fig5_x": 1.5} and data["figure"] == "fig05"
    assert data["command"] == "python -m autoencode figure fig05"
    assert "numbers (JSON)" not in provenance_markdown(p)


def test_a_docstring_edit_is_not_an_uncommitted_library_change(tmp_path, monkeypatch):
    from autoencode import provenance as prov

    committed = 'def f(x):\n    """Old words."""\n    return x + 1\n'
    (tmp_path / "autoencode").mkdir()
    edited = tmp_path / "autoencode" / "x.py"
    answers = {"diff": "autoencode/x.py", "show": committed}
    monkeypatch.setattr(prov, "_git", lambda *args: answers[args[0]])
    edited.write_text('def f(x):  # why\n    """New words."""\n    return x + 1\n')
    assert prov._changed_code(tmp_path) == []
    edited.write_text('def f(x):\n    """Old words."""\n    return x + 2\n')
    assert prov._changed_code(tmp_path) == ["autoencode/x.py"]
