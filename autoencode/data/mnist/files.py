"""What every MNIST source shares: the image size, the error of a malformed file, the label
check and the checksum."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

__all__ = ["N_PIXELS", "SIDE", "MNISTFormatError", "check_labels", "sha256"]

SIDE = 28
"""Height and width of an MNIST image, in pixels."""

N_PIXELS = SIDE * SIDE


class MNISTFormatError(ValueError):
    """A truncated, corrupt or mismatched MNIST data file.

    The message starts with the path of the offending file and says what is
    wrong with it (bad magic number, truncated or trailing bytes, image sizes,
    label range, image/label count mismatch, checksum mismatch, ...).
    """


def check_labels(path: Path, labels: np.ndarray) -> None:
    """Raise :class:`MNISTFormatError` naming ``path`` unless every label is a digit 0..9."""
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        i = int(bad[0])
        raise MNISTFormatError(
            f"{path}: label {int(labels[i])} out of range 0..9 (entry {i}; {bad.size} bad entries)"
        )


def sha256(data: bytes) -> str:
    """The SHA-256 of ``data``, in hexadecimal."""
    return hashlib.sha256(data).hexdigest()
