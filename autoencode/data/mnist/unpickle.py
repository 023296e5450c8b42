"""A restricted unpickler: it rebuilds NumPy arrays and refuses any other global."""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .files import MNISTFormatError

__all__ = ["ArrayUnpickler", "RefusedGlobal", "unpickle_arrays"]


def _numpy_global(module: str, name: str) -> Any:
    if module == "numpy._core.multiarray" or module == "numpy.core.multiarray":
        try:  # NumPy >= 2 (numpy.core is a deprecated alias)
            from numpy._core import multiarray
        except ImportError:  # pragma: no cover - NumPy 1.x
            from numpy.core import multiarray as multiarray_1

            return multiarray_1._reconstruct
        return multiarray._reconstruct
    return {"ndarray": np.ndarray, "dtype": np.dtype}[name]


class RefusedGlobal(pickle.UnpicklingError):
    """A pickle referred to a global that :class:`ArrayUnpickler` does not admit."""


class ArrayUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild NumPy arrays and nothing else.

    :meth:`find_class` admits exactly the globals that pickled ``ndarray`` s refer to,
    ``numpy.core.multiarray._reconstruct`` (or ``numpy._core.multiarray._reconstruct``),
    ``numpy.ndarray`` and ``numpy.dtype``; any other global (``os.system``,
    ``builtins.eval``, ...) raises :class:`RefusedGlobal` (a
    :class:`pickle.UnpicklingError`) before it is even looked up, so it is never called.
    Persistent ids are refused too.
    """

    ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise RefusedGlobal(
                f"global {module}.{name} is not allowed: this unpickler only rebuilds NumPy "
                f"arrays (allowed: {', '.join(sorted(m + '.' + n for m, n in self.ALLOWED))})"
            )
        return _numpy_global(module, name)

    def persistent_load(self, pid: Any) -> NoReturn:
        raise RefusedGlobal("persistent ids are not allowed")


def unpickle_arrays(path: Path, raw: bytes):
    """The arrays pickled in ``raw`` (read from ``path``), by :class:`ArrayUnpickler`; any
    other content raises :class:`~autoencode.data.mnist.files.MNISTFormatError`."""
    try:
        return ArrayUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except RefusedGlobal as err:
        raise MNISTFormatError(f"{path}: refused to unpickle: {err}") from err
    except Exception as err:  # truncated or garbled pickle stream
        raise MNISTFormatError(
            f"{path}: not a valid pickle of NumPy arrays ({type(err).__name__}: {err})"
        ) from err
