"""Training state on disk: atomic writes, safe reads.

A checkpoint is a ``torch.save`` of plain containers (dicts, lists, numbers,
strings) and tensors, read back with ``weights_only=True`` so loading never
unpickles arbitrary objects. Writes go to a temporary file in the same folder
and are renamed into place, so an interrupted write never leaves half a file.

:class:`CheckpointError` reports a file that cannot be used (unreadable,
incomplete, NaN weights); :class:`CheckpointMismatch`, a subclass that is also a
``ValueError``, a sound file written under other settings than the run that
tries to resume from it (it names the differing field).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

__all__ = ["save_checkpoint", "load_checkpoint", "CheckpointError", "CheckpointMismatch"]


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be read or does not match the model."""


class CheckpointMismatch(CheckpointError, ValueError):
    """A readable checkpoint written under other settings (another model, update rule, data...).

    ``field`` names the first setting that differs (``"lr"``, ``"masks"``, ``"N"``, ...).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _path(path, what: str = "path") -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{what} must be a file path (str or os.PathLike), got {type(path).__name__}"
        )
    return Path(path)


def save_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write ``state`` to ``path`` atomically (temp file + rename)."""
    path = _path(path)
    if not isinstance(state, dict):
        raise TypeError(f"state must be a dict, got {type(state).__name__}")
    if path.is_dir():
        raise ValueError(f"path {path} is a folder; give the path of a checkpoint file")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``)."""
    path = _path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a checkpoint file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # truncated, corrupt, or holding arbitrary objects
        raise CheckpointError(f"{path}: not a readable autoencode checkpoint ({e})") from e
    if not isinstance(state, dict):
        raise CheckpointError(
            f"{path}: expected a dict of training state, got {type(state).__name__}"
        )
    return state
