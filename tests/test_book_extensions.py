"""The book's local Sphinx extensions (_ext/): reference labels as the text cites them, and
each page's scripts once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))

import author_year_bibliography  # noqa: E402  (registers the pybtex plugins)
import dedupe_scripts  # noqa: E402


def test_reference_labels_are_author_year():
    from pybtex.database import parse_file

    bib = parse_file(str(ROOT / "references.bib"))
    style = author_year_bibliography.AuthorYearStyle()
    labels = {e.key: e.label for e in style.format_entries(bib.entries.values())}
    assert labels["bonnet2021measure"] == "Bonnet et al., 2021"
    assert labels["haber2017stable"] == "Haber and Ruthotto, 2017"
    assert labels["e2017proposal"] == "E, 2017"
    entry = next(
        e for e in style.format_entries(bib.entries.values()) if e.key == "cipriani2024autoencodes"
    )
    assert "arXiv:2307.02279" in entry.text.render_as("text")


def test_repeated_scripts_are_dropped():
    from sphinx.builders.html._assets import _JavaScript

    scripts = [
        _JavaScript(None, body="const X = 1"),
        _JavaScript("a.js"),
        _JavaScript("", body="const X = 1"),
        _JavaScript("a.js"),
    ]
    context = {"script_files": scripts}
    dedupe_scripts._dedupe(None, "page", "page.html", context, None)
    assert [(s.filename or "", s.attributes.get("body")) for s in context["script_files"]] == [
        ("", "const X = 1"),
        ("a.js", None),
    ]


@pytest.mark.parametrize("script", ["gallery.py", "check_book.py"])
def test_book_scripts_have_a_usage(script):
    assert "Usage" in (ROOT / "scripts" / script).read_text()


def test_executed_notebooks_keep_what_a_terminal_shows():
    """`make execute` merges a cell's stream outputs and collapses progress-bar redraws."""
    import nbformat

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from execute_notebooks import tidy_streams
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    stream = nbformat.v4.new_output
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [
        stream("stream", name="stderr", text="\rtraining:   0%|"),
        stream("stream", name="stderr", text="\rtraining:  50%|"),
        stream("stream", name="stderr", text="\rtraining: 100%|\n"),
        stream("stream", name="stdout", text="trained\n"),
        stream("stream", name="stderr", text="\r"),
    ]
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert tidy_streams(nb) == 3
    assert [(o.name, o.text) for o in cell.outputs] == [
        ("stderr", "training: 100%|\n"),
        ("stdout", "trained\n"),
    ]
