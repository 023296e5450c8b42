"""The book's launch buttons (Binder, Colab) and the Binder environment, checked offline.

Neither service can be reached from here: what is checked is the configuration, that the
Binder files install the pinned set of ``requirements.lock`` and the library, and that the
links the book's theme makes from the configuration are well-formed and name notebooks that
exist in the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
REPOSITORY = "https://github.com/autoencode/autoencode"


def config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def pins(path: Path) -> dict[str, str]:
    """``name==version`` lines of a requirements file, names normalised (PEP 503); options
    (``--extra-index-url``) and comments aside. Anything else is refused: a pin set is pins."""
    found: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("--"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert m, f"{path.name}: not an exact pin: {raw!r}"
        found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return found


def test_the_config_has_the_launch_buttons():
    c = config()
    assert c["repository"]["url"] == REPOSITORY
    assert c["repository"]["branch"] == "main"
    buttons = c["launch_buttons"]
    assert buttons["binderhub_url"] == "https://mybinder.org"
    assert buttons["colab_url"] == "https://colab.research.google.com"
    assert buttons.get("notebook_interface", "classic") in ("classic", "jupyterlab")


def test_binder_installs_the_pinned_set():
    lock = pins(ROOT / "requirements.lock")
    binder = pins(BINDER / "requirements.txt")
    assert len(lock) > 50
    assert binder == lock, {
        "only in binder/requirements.txt": sorted(binder.keys() - lock.keys()),
        "only in requirements.lock": sorted(lock.keys() - binder.keys()),
        "other versions": sorted(k for k in lock.keys() & binder.keys() if lock[k] != binder[k]),
    }


def test_the_pin_comparison_can_fail(tmp_path):
    (tmp_path / "a.txt").write_text("torch==2.13.0\nnumpy==2.0.0\n")
    (tmp_path / "b.txt").write_text("--extra-index-url https://x\nTorch==2.13.0\nnumpy==2.0.1\n")
    assert pins(tmp_path / "a.txt") != pins(tmp_path / "b.txt")
    (tmp_path / "c.txt").write_text("-r ../requirements.lock\n")
    with pytest.raises(AssertionError, match="not an exact pin"):
        pins(tmp_path / "c.txt")


def test_binder_has_no_local_reference_in_its_requirements():
    """repo2docker installs a requirements file without local references before it copies the
    repository (a cached image layer); the library itself comes from postBuild."""
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        assert not line.startswith(("-r", "-c", "-e", ".", "--requirement", "--constraint"))
        assert "file://" not in line


def test_binder_post_build_installs_the_library_and_its_data():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    text = post.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert "set -euo pipefail" in text
    assert re.search(r"pip install .*--no-deps -e \.$", text, re.M)
    assert "m.fetch_full()" in text  # the full MNIST set, as make install obtains it


def test_binder_runs_the_python_of_the_lock():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    makefile = (ROOT / "Makefile").read_text()
    version = re.search(r"^PYTHON\s*\?=\s*python(\d+\.\d+)$", makefile, re.M).group(1)
    assert runtime == f"python-{version}"


def launch_urls(pagename: str) -> dict[str, str]:
    """The launch links the book's theme puts on ``pagename`` (sphinx-book-theme's own code,
    on the Sphinx configuration jupyter-book derives from _config.yml)."""
    from jupyter_book.config import get_final_config
    from sphinx_book_theme.header_buttons import update_context_with_repository_info
    from sphinx_book_theme.header_buttons.launch import add_launch_buttons

    sphinx_config, _ = get_final_config(
        user_yaml=ROOT / "_config.yml", cli_config={"latex_individualpages": False}, sourcedir=ROOT
    )

    class Config(SimpleNamespace):
        def __getitem__(self, key: str) -> Any:
            return getattr(self, key)

    app = SimpleNamespace(
        builder=None,
        config=Config(html_theme_options=sphinx_config["html_theme_options"], html_context={}),
        env=SimpleNamespace(
            doc2path=lambda name: str(ROOT / f"{name}.ipynb"),
            metadata={pagename: {"kernelspec": {"name": "python3"}}},
        ),
        outdir=str(ROOT / "_build" / "html"),
    )
    update_context_with_repository_info(app)
    context = {
        "pagename": pagename,
        "header_buttons": [],
        "sourcename": f"{pagename}.ipynb",
        "page_source_suffix": ".ipynb",
        **app.config.html_context,
    }
    add_launch_buttons(app, pagename, "page.html", context, None)
    (group,) = context["header_buttons"]
    return {b["text"]: b["url"] for b in group["buttons"]}


NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_launch_links_are_well_formed(notebook):
    urls = launch_urls(f"notebooks/{notebook}")
    assert set(urls) == {"Binder", "Colab"}

    colab = urlparse(urls["Colab"])
    assert (colab.scheme, colab.netloc) == ("https", "colab.research.google.com")
    assert colab.path == f"/github/autoencode/autoencode/blob/main/notebooks/{notebook}.ipynb"

    binder = urlparse(urls["Binder"])
    assert (binder.scheme, binder.netloc) == ("https", "mybinder.org")
    assert binder.path == "/v2/gh/autoencode/autoencode/main"
    (urlpath,) = parse_qs(binder.query)["urlpath"]
    assert urlpath == f"tree/notebooks/{notebook}.ipynb"
    # Both name a file of the repository, at the path the repository URL gives it.
    assert (ROOT / urlpath.removeprefix("tree/")).is_file()
    assert (ROOT / colab.path.split("/blob/main/", 1)[1]).is_file()
