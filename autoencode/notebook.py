"""Set-up shared by every notebook of the book.

Each notebook starts with::

    import autoencode as ae
    ae.setup()

which makes the run reproducible (seeds, thread count, dtype) and gives all figures
the same look.  ``quick_mode()`` tells whether the notebook runs in quick mode
(``AUTOENCODE_QUICK=1``: tiny sizes, a few iterations, used by the tests and by
``make book-quick``), and ``cache_dir()`` is where notebooks may keep trained models.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

from .plotting import style

__all__ = ["setup", "quick_mode", "cache_dir", "REPO_ROOT"]

#: Repository root: the parent of the package folder.
REPO_ROOT = Path(__file__).resolve().parent.parent


def quick_mode() -> bool:
    """Whether ``AUTOENCODE_QUICK=1`` is set (read now, not at import)."""
    return os.environ.get("AUTOENCODE_QUICK") == "1"


def cache_dir() -> Path:
    """Folder for cached artefacts (``$AUTOENCODE_CACHE`` or ``<repo>/.cache/autoencode``).

    Created on demand.
    """
    path = Path(os.environ.get("AUTOENCODE_CACHE", REPO_ROOT / ".cache" / "autoencode"))
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
