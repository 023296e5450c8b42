"""`make check-book`'s look at the book's PDF and the pages it opens (scripts/check_book.py),
on small files made here: the checks must fail on a PDF that is blank, short or figureless."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import check_book  # noqa: E402

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="no poppler-utils (make tex installs them)"
)


def test_grey_level_of_a_page(tmp_path):
    white, grey = tmp_path / "white.pgm", tmp_path / "grey.pgm"
    white.write_bytes(b"P5\n4 2\n255\n" + bytes([255] * 8))
    grey.write_bytes(b"P5 2 2 255\n" + bytes([0, 255, 255, 255]))
    assert check_book.pgm_mean(white) == 255
    assert check_book.pgm_mean(grey) == pytest.approx(191.25)


def test_no_pdf_is_skipped_with_a_message(tmp_path, capsys):
    assert check_book.check_pdf(tmp_path / "autoencode.pdf") is None
    assert "skipped" in capsys.readouterr().err


def _pdf(path: Path, inked: list[bool]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        for ink in inked:
            fig = plt.figure(figsize=(8.5, 11))
            if ink:
                fig.text(0.1, 0.5, "A page of text " * 4, fontsize=30)
                fig.patches.append(
                    plt.Rectangle((0.1, 0.1), 0.8, 0.3, transform=fig.transFigure, color="k")
                )
            pdf.savefig(fig)
            plt.close(fig)
    return path


@needs_poppler
def test_a_short_blank_pdf_without_figures_fails(tmp_path):
    problems = check_book.check_pdf(_pdf(tmp_path / "blank.pdf", [False, True, False]))
    assert problems is not None
    text = "\n".join(problems)
    assert "3 pages, expected more than" in text
    assert "2 of 3 pages blank" in text
    assert "the title page is blank" in text
    assert "0 images embedded" in text


@needs_poppler
def test_inked_pages_are_not_blank(tmp_path):
    problems = check_book.check_pdf(_pdf(tmp_path / "inked.pdf", [True, True]))
    assert problems is not None
    assert not any("blank" in p for p in problems), problems


def test_the_source_pages_are_opened_too(tmp_path):
    for rel in (
        "index.html",
        "book/api/model.html",
        "_modules/autoencode/model.html",
        "_static/x.html",
        "genindex.html",
        "search.html",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("<html></html>")
    opened = [p.relative_to(tmp_path).as_posix() for p in check_book.html_pages(tmp_path)]
    assert opened == ["_modules/autoencode/model.html", "book/api/model.html", "index.html"]


def test_make_pdf_builds_from_a_config_with_execution_off(tmp_path):
    """`make pdf` writes a copy of _config.yml that executes nothing (the committed outputs go
    into the PDF) and finds the local extensions from wherever the copy lies."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\npdf: install") :]
    script = re.search(r"\$\(PY\) -c '([^']*)' \$\(PDF_CONFIG\)", recipe).group(1)
    out = tmp_path / "_config.yml"
    subprocess.run([sys.executable, "-c", script, str(out)], cwd=ROOT, check=True)
    original = yaml.safe_load((ROOT / "_config.yml").read_text())
    copy = yaml.safe_load(out.read_text())
    assert copy["execute"]["execute_notebooks"] == "off"
    assert original["execute"]["execute_notebooks"] == "force"
    for name, folder in copy["sphinx"]["local_extensions"].items():
        assert Path(folder).is_absolute() and (Path(folder) / f"{name}.py").is_file()
    copy["execute"] = original["execute"]
    copy["sphinx"]["local_extensions"] = original["sphinx"]["local_extensions"]
    assert copy == original  # nothing else differs


def test_a_redirect_page_is_checked_by_its_target(tmp_path):
    """The root index.html only redirects: it is not opened (the browser would race its target's
    images), but its target must exist; an ordinary page is not a redirect."""
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.html").write_text("<html><body>intro</body></html>")
    index = tmp_path / "index.html"
    index.write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    assert check_book.check_redirect(index) == []
    assert check_book.check_redirect(tmp_path / "book" / "intro.html") is None
    index.write_text('<meta http-equiv="Refresh" content="0; url=book/gone.html" />')
    assert check_book.check_redirect(index) == ["redirects to a missing page: book/gone.html"]
