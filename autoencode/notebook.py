"""Set-up shared by every notebook of the book.

Each notebook starts with::

    import autoencode as ae
    ae.setup()

which makes the run reproducible (seeds, thread count, dtype) and gives all figures
the same look.  ``quick_mode()`` tells whether the notebook runs in quick mode
(``AUTOENCODE_QUICK=1``: tiny sizes, a few iterations, used by the tests and by
``make book-quick``), and ``cache_dir()`` is where notebooks may keep trained models
(:func:`autoencode.paths.cache_dir`).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

from . import paths
from .plotting import style

__all__ = ["setup", "quick_mode", "cache_dir", "REPO_ROOT"]

#: Repository root when the library runs from a source checkout, else None
#: (:func:`autoencode.paths.checkout_root`).
REPO_ROOT = paths.checkout_root()


def quick_mode() -> bool:
    """Whether ``AUTOENCODE_QUICK=1`` is set (read now, not at import)."""
    return os.environ.get("AUTOENCODE_QUICK") == "1"


def cache_dir() -> Path:
    """Folder for cached artefacts, created on demand: ``$AUTOENCODE_CACHE``, else
    ``<repo>/.cache/autoencode`` in a source checkout, else the user's cache folder
    (:func:`autoencode.paths.cache_dir`)."""
    path = paths.cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def setup(seed: int = 0, threads: int = 2) -> None:
    """Seed ``random``, NumPy and torch, fix threads and dtype, set the figure style.

    Parameters
    ----------
    seed:
        Seed for Python's ``random``, NumPy's global generator and torch.
    threads:
        ``torch.set_num_threads(threads)``; the reference machine has 2 cores.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.set_default_dtype(torch.float32)
    style.apply()
