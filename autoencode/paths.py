"""Where the library reads and writes files, decided in one place.

The library runs either from a source checkout (the package folder's parent holds the
``pyproject.toml`` of the project ``autoencode``: a clone, installed with ``make install`` or
``pip install -e .``) or from an installed copy (a wheel in ``site-packages``). It never writes
into its own installation:

* trained models (:func:`cache_dir`): ``$AUTOENCODE_CACHE``; else ``<checkout>/.cache/autoencode``
  in a checkout; else ``models`` in the user's cache folder (``platformdirs``: on Linux
  ``$XDG_CACHE_HOME/autoencode/models``, by default ``~/.cache/autoencode/models``);
* the full MNIST set (:func:`data_dir`): ``$AUTOENCODE_DATA``; else ``<checkout>/.cache/data``;
  else ``data`` in the user's cache folder.

An empty variable counts as unset. :func:`fetch_full_command` is the command that obtains the
full MNIST set for the way the library is installed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs

__all__ = [
    "PACKAGE_DIR",
    "FETCH_FULL_PYTHON",
    "checkout_root",
    "user_cache_root",
    "cache_dir",
    "data_dir",
    "fetch_full_command",
]

#: The folder of the package itself (``.../autoencode``).
PACKAGE_DIR = Path(__file__).resolve().parent

#: The command that obtains the full MNIST set with any installation of the library.
FETCH_FULL_PYTHON = 'python -c "import autoencode.data.mnist as m; m.fetch_full()"'


def _project_root(package_dir: Path) -> Path | None:
    """``package_dir``'s parent if its ``pyproject.toml`` names the project ``autoencode``."""
    root = package_dir.parent
    try:
        with open(root / "pyproject.toml", "rb") as f:
            meta = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError):
        return None
    project = meta.get("project")
    return root if isinstance(project, dict) and project.get("name") == "autoencode" else None


def checkout_root() -> Path | None:
    """The repository root when the package runs from a source checkout, else None."""
    return _project_root(PACKAGE_DIR)


def user_cache_root() -> Path:
    """The user's cache folder for this library (``platformdirs.user_cache_path``)."""
    return platformdirs.user_cache_path("autoencode", appauthor=False)


def _from_env(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def cache_dir() -> Path:
    """Folder of the trained models: ``$AUTOENCODE_CACHE``, else ``<checkout>/.cache/autoencode``
    in a checkout, else ``<user cache>/models``. Not created here."""
    root = checkout_root()
    fallback = root / ".cache" / "autoencode" if root else user_cache_root() / "models"
    return _from_env("AUTOENCODE_CACHE") or fallback


def data_dir() -> Path:
    """Folder of the full MNIST set: ``$AUTOENCODE_DATA``, else ``<checkout>/.cache/data`` in a
    checkout, else ``<user cache>/data``. Not created here."""
    root = checkout_root()
    fallback = root / ".cache" / "data" if root else user_cache_root() / "data"
    return _from_env("AUTOENCODE_DATA") or fallback


def fetch_full_command() -> str:
    """The command that obtains the full MNIST set into :func:`data_dir`: ``make install`` in a
    checkout, else :data:`FETCH_FULL_PYTHON`."""
    return "make install" if checkout_root() else FETCH_FULL_PYTHON
