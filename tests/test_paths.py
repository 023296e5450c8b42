"""Tests of autoencode.paths: where the library reads and writes files, inside a source
checkout and outside one (an installed wheel), and what it tells the user to run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import autoencode as ae
from autoencode import notebook, paths, reproduction
from autoencode.data import mnist

ROOT = Path(__file__).resolve().parents[1]
ENV = ("AUTOENCODE_CACHE", "AUTOENCODE_DATA")


@pytest.fixture
def no_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def installed(monkeypatch, tmp_path, no_env):
    """As from a wheel: no checkout, the user's cache folder under tmp_path (Linux: XDG)."""
    monkeypatch.setattr(paths, "checkout_root", lambda: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "autoencode"


def test_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODE_CACHE", str(tmp_path / "models"))
    monkeypatch.setenv("AUTOENCODE_DATA", str(tmp_path / "data"))
    assert paths.cache_dir() == tmp_path / "models"
    assert paths.data_dir() == mnist.data_dir() == tmp_path / "data"
    assert mnist.full_path() == tmp_path / "data" / "mnist.pkl.gz"
    assert not (tmp_path / "models").exists()  # paths creates nothing
    assert ae.cache_dir() == tmp_path / "models" and (tmp_path / "models").is_dir()
    monkeypatch.setattr(paths, "checkout_root", lambda: None)  # outside a checkout too
    assert paths.cache_dir() == tmp_path / "models"
    assert paths.data_dir() == tmp_path / "data"


def test_an_empty_variable_counts_as_unset(monkeypatch):
    monkeypatch.setenv("AUTOENCODE_CACHE", "")
    monkeypatch.setenv("AUTOENCODE_DATA", "")
    assert paths.cache_dir() == ROOT / ".cache" / "autoencode"
    assert paths.data_dir() == ROOT / ".cache" / "data"


def test_this_checkout_is_found(no_env):
    assert paths.checkout_root() == ROOT
    assert notebook.REPO_ROOT == ROOT
    assert reproduction.REFERENCE_DIR == ROOT / "notebooks" / "reference"
    assert paths.cache_dir() == ROOT / ".cache" / "autoencode"
    assert paths.data_dir() == mnist.data_dir() == ROOT / ".cache" / "data"
    assert paths.fetch_full_command() == "make install"


@pytest.mark.parametrize(
    "pyproject, found",
    [
        ('[project]\nname = "autoencode"\nversion = "0.1.0"\n', True),
        ('[project]\nname = "another"\n', False),
        ('[tool.other]\nname = "autoencode"\n', False),
        ("[project\nname = ", False),  # not TOML
        (None, False),  # no pyproject.toml: site-packages
    ],
    ids=["ours", "another project", "no project table", "malformed", "none"],
)
def test_a_checkout_is_told_by_its_pyproject(tmp_path, pyproject, found):
    package = tmp_path / "autoencode"
    package.mkdir()
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    assert paths._project_root(package) == (tmp_path if found else None)


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="XDG_CACHE_HOME sets the user cache on Linux"
)
def test_outside_a_checkout_files_go_to_the_user_cache(installed):
    assert paths.user_cache_root() == installed
    assert paths.cache_dir() == installed / "models"
    assert paths.data_dir() == mnist.data_dir() == installed / "data"
    assert mnist.full_path() == installed / "data" / "mnist.pkl.gz"
    assert ae.cache_dir() == installed / "models" and (installed / "models").is_dir()


def test_outside_a_checkout_the_mnist_hint_is_the_python_call(installed):
    command = paths.fetch_full_command()
    assert "make" not in command and "fetch_full()" in command
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_full()
    message = str(info.value)
    assert "make" not in message and paths.FETCH_FULL_PYTHON in message
    assert str(mnist.full_path()) in message
    assert "make" not in mnist.full.refetch_hint() and "fetch_full()" in mnist.full.refetch_hint()


def test_inside_the_checkout_the_mnist_hint_is_make_install(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTOENCODE_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="run `make install` \\(conda users: `python -c"):
        mnist.load_full()
