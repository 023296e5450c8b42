"""The standard MNIST IDX files (``train-images-idx3-ubyte`` and the three others), plain or
``.gz``, from a folder the user gives: the headers are parsed here (no torchvision, no pickles)
and the ``.gz`` files are checked against the MD5 sums in :data:`IDX_MD5`."""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import torch

from .files import SIDE, MNISTFormatError, check_labels

__all__ = ["IDX_COUNTS", "IDX_MD5", "IMAGES_MAGIC", "LABELS_MAGIC", "load_idx"]

IMAGES_MAGIC = 2051
"""IDX magic number of an image file: unsigned bytes, 3 dimensions (N, rows, cols)."""

LABELS_MAGIC = 2049
"""IDX magic number of a label file: unsigned bytes, 1 dimension (N)."""

IDX_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
"""MD5 of the four standard compressed MNIST files (the sums torchvision lists)."""

IDX_COUNTS = {"train": 60000, "t10k": 10000}
"""Number of images in the standard training and test files."""


_SPLIT_ALIASES = {"train": "train", "test": "t10k", "t10k": "t10k"}


def _idx_names(prefix: str) -> tuple[str, str]:
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _find_idx_pair(root: Path, prefix: str, prefer_gz: bool) -> tuple[Path, Path]:
    """The image and label files of one split, from the first folder holding both.

    Folders searched, in order: ``root``, ``root/MNIST/raw`` (torchvision's
    layout) and ``root/raw`` (for a ``root`` that already ends in ``MNIST``).
    Within a folder, each file may be plain or ``.gz``; when both are present
    the ``.gz`` is taken if ``prefer_gz`` (it is the one with a known checksum),
    the plain one otherwise.
    """
    if not root.is_dir():
        raise FileNotFoundError(f"MNIST folder not found: {root} does not exist or is not a folder")
    folders = [root, root / "MNIST" / "raw", root / "raw"]
    bases = _idx_names(prefix)
    for folder in folders:
        if not folder.is_dir():
            continue
        found = []
        for base in bases:
            candidates = [folder / (base + ".gz"), folder / base]
            if not prefer_gz:
                candidates.reverse()
            hit = next((c for c in candidates if c.is_file()), None)
            if hit is None:
                break
            found.append(hit)
        if len(found) == 2:
            return found[0], found[1]
    names = ", ".join(f"{b} or {b}.gz" for b in bases)
    searched = ", ".join(str(f) for f in folders)
    raise FileNotFoundError(
        f"MNIST {prefix} files not found: looked for {names} (both in the same "
        f"folder) in {searched}. Download them yourself (this library never "
        "does) or use source='subset'."
    )


def _read_bytes(path: Path, verify_checksum: bool) -> bytes:
    """The decompressed content of ``path``, its MD5 checked if it is a standard .gz."""
    raw = path.read_bytes()
    if path.suffix != ".gz":
        return raw
    expected = IDX_MD5.get(path.name)
    if verify_checksum and expected is not None:
        got = hashlib.md5(raw, usedforsecurity=False).hexdigest()
        if got != expected:
            raise MNISTFormatError(
                f"{path}: md5 mismatch: got {got}, expected {expected} (the "
                "file is corrupt or not the standard MNIST file; pass "
                "verify_checksum=False to load it anyway)"
            )
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTFormatError(f"{path}: not a valid gzip file ({err})") from err


def _header(path: Path, data: bytes, magic: int, ndim: int, what: str) -> tuple[int, ...]:
    """Check the magic number of an IDX file and return its dimensions."""
    nbytes = 4 * (1 + ndim)
    if len(data) < 4:
        raise MNISTFormatError(
            f"{path}: truncated: {len(data)} bytes, shorter than the 4-byte IDX magic number"
        )
    (got,) = struct.unpack(">I", data[:4])
    if got != magic:
        raise MNISTFormatError(f"{path}: magic number {got}, expected {magic} (an IDX {what} file)")
    if len(data) < nbytes:
        raise MNISTFormatError(
            f"{path}: truncated: the header needs {nbytes} bytes, file has {len(data)}"
        )
    return struct.unpack(f">{ndim}I", data[4:nbytes])


def _check_payload(path: Path, data: bytes, offset: int, expected: int, description: str) -> None:
    have = len(data) - offset
    if have < expected:
        raise MNISTFormatError(
            f"{path}: truncated: header says {description} = {expected} bytes, file has {have}"
        )
    if have > expected:
        raise MNISTFormatError(
            f"{path}: trailing bytes: header says {description} "
            f"= {expected} bytes, file has {have} "
            f"({have - expected} extra)"
        )


def _parse_images(path: Path, data: bytes) -> np.ndarray:
    n, rows, cols = _header(path, data, IMAGES_MAGIC, 3, "image")
    _check_payload(path, data, 16, n * rows * cols, f"{n} images of {rows}x{cols}")
    if (rows, cols) != (SIDE, SIDE):
        raise MNISTFormatError(f"{path}: images are {rows}x{cols}, expected {SIDE}x{SIDE}")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def _parse_labels(path: Path, data: bytes) -> np.ndarray:
    (n,) = _header(path, data, LABELS_MAGIC, 1, "label")
    _check_payload(path, data, 8, n, f"{n} labels of 1 byte")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8)
    check_labels(path, labels)
    return labels


def load_idx(
    root: str | os.PathLike, split: str = "train", verify_checksum: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """Read one split of MNIST from the standard IDX files.

    Parameters
    ----------
    root:
        Folder holding ``{train,t10k}-{images-idx3,labels-idx1}-ubyte``, each
        plain or gzipped (``.gz``). ``root/MNIST/raw`` (where torchvision puts
        them) and ``root/raw`` are searched too; the first folder holding both
        files of the split wins.
    split:
        ``"train"`` (60,000 images) or ``"test"`` (alias ``"t10k"``, 10,000).
    verify_checksum:
        If True, a ``.gz`` file with one of the four standard names must have
        the MD5 in :data:`IDX_MD5`, and the split must have the standard number
        of images. The checksums are those of the ``.gz`` files: an
        uncompressed file cannot be checksummed, only its header and size are
        checked (which is always done, for any file). When a folder holds both
        forms of a file, the ``.gz`` is read if ``verify_checksum`` is True and
        the plain one otherwise. Pass False to read non-standard IDX files
        (e.g. a small hand-made sample).

    Returns
    -------
    images, labels:
        ``uint8`` tensor ``[N, 28, 28]`` (0 = background, 255 = ink) and
        ``int64`` tensor ``[N]`` of digits 0..9.

    Raises
    ------
    FileNotFoundError
        If no searched folder holds both files of the split.
    MNISTFormatError
        On a bad magic number, a truncated file, trailing bytes, images that
        are not 28x28, different image and label counts, a label outside 0..9,
        an invalid gzip stream, or (``verify_checksum``) an MD5 mismatch or a
        non-standard image count.
    """
    try:
        prefix = _SPLIT_ALIASES[split]
    except KeyError:
        raise ValueError(f"split must be 'train' or 'test' (or 't10k'), got {split!r}") from None
    image_path, label_path = _find_idx_pair(Path(root), prefix, prefer_gz=verify_checksum)
    images = _parse_images(image_path, _read_bytes(image_path, verify_checksum))
    labels = _parse_labels(label_path, _read_bytes(label_path, verify_checksum))
    if len(labels) != len(images):
        raise MNISTFormatError(
            f"{label_path}: labels file has {len(labels)} entries but images "
            f"file {image_path} has {len(images)}"
        )
    if verify_checksum and len(images) != IDX_COUNTS[prefix]:
        raise MNISTFormatError(
            f"{image_path}: {len(images)} images, expected {IDX_COUNTS[prefix]} "
            f"for the standard {prefix} file (pass verify_checksum=False to "
            "load non-standard files)"
        )
    return (torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64)))
