"""Train once, reuse everywhere: a content-addressed store of trained models.

An experiment whose trained model is analysed in several places (several figures, several
pages) trains it through :func:`cached_fit` (or :func:`cached_trainer_fit`): the first call
trains it and stores the trained weights and the training history in the folder the caller
hands over; later calls, from any process, load them instead of training again. The store
knows nothing of any experiment: the caller names the run, its parameters, its folder and the
module that sets the training up (``entry``). The model may be any :class:`torch.nn.Module`
(an :class:`~autoencode.AutoencODE`, :class:`~autoencode.ncode.NCODE`, ...); a ``check`` hook
(:data:`StateCheck`) may add the model's own checks of a stored state to the store's.

The cache file is named by a key: a SHA-256 hash of

* the run's name and its parameters (a JSON-serialisable dict),
* the source of the library code the training run executes: the caller's ``entry`` module
  and every ``autoencode`` module it imports, transitively (found by reading their
  ``import`` statements, relative ones in subpackages included: :func:`training_modules`),
  except the modules that only analyse, draw or report (:data:`NOT_TRAINING`). Editing
  one of those, or adding an unrelated module, keeps the trained models; and
* the torch version and the default dtype,

so any change of a parameter or of the training code gives a new key and a new training
run; stale files are never used. Files are written atomically
(:func:`~autoencode.checkpoint.save_checkpoint`) and read with ``weights_only=True``. A cache
file that cannot be read, does not match the model (weight names and shapes, finite values, a
history of numbers) or is refused by the caller's ``check`` is reported (a
:class:`CacheWarning`), moved aside as ``*.corrupt`` and the model is retrained: it is never
used silently.

While training, the trainer writes its own checkpoint next to the cache file
(``<name>-<key>.ckpt``); a run that was interrupted (Ctrl-C, a killed kernel)
resumes from it (``fit(..., resume=True)``) and ends with the same weights as
an uninterrupted run. That checkpoint only ever holds a state whose cost was
finite (a diverged run keeps its last good state there); one that is
incomplete, holds NaN/inf, or was written under other settings is moved aside
(``*.corrupt``, with a :class:`CacheWarning`) and training starts afresh. For an
AutoencODE the store checks that checkpoint before training resumes; for another
model, the ``train`` function reads its own checkpoint, and a
:class:`~autoencode.CheckpointError` it raises naming the file has the same effect.

One process trains a given run at a time (a ``filelock.FileLock`` on
``<name>-<key>.lock``); a process that has to wait for another says so on stderr, naming the
file, and gives up after ``lock_timeout`` seconds (default :data:`LOCK_TIMEOUT`) with a
:class:`TimeoutError` that says what to do.

The code fingerprint is :mod:`autoencode.fingerprint`'s and the lock
:mod:`autoencode.store_lock`'s; their public names import from here too.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .fingerprint import NOT_TRAINING as NOT_TRAINING
from .fingerprint import code_text as code_text
from .fingerprint import library_fingerprint as library_fingerprint
from .fingerprint import training_modules as training_modules
from .model import AutoencODE
from .store_lock import LOCK_TIMEOUT as LOCK_TIMEOUT
from .store_lock import exclusive
from .training import check_state

__all__ = [
    "CacheWarning",
    "CachedRun",
    "StateCheck",
    "LOCK_TIMEOUT",
    "NOT_TRAINING",
    "training_modules",
    "library_fingerprint",
    "code_text",
    "cache_key",
    "cache_path",
    "cached_fit",
    "cached_trainer_fit",
]

FORMAT = "autoencode-cache-1"

#: A ``check`` hook of :func:`cached_fit`: ``check(state, model, where)`` looks at a state read
#: from the store (``state["model"]``: the weights, already known to match ``model``'s names
#: and shapes and to be finite; ``state["history"]``, ``state["params"]``, ...) and raises
#: :class:`~autoencode.CheckpointError`, with a message that starts with ``where`` (the file),
#: if it does not fit ``model``; the file is then moved aside and the model retrained.
StateCheck = Callable[[dict[str, Any], torch.nn.Module, str], None]

_M = TypeVar("_M", bound=torch.nn.Module)


class CacheWarning(UserWarning):
    """A cache file was unreadable or did not match, and was replaced."""


@dataclass
class CachedRun(Generic[_M]):
    """What :func:`cached_fit` returns.

    ``model`` holds the trained weights, ``history`` the trainer's history
    (for the AutoencODE's trainers ``"cost"``, ``"data"``, ``"reg"`` per iteration),
    ``path`` the cache file, ``key`` its key and ``trained`` whether this call trained
    (False: loaded).
    """

    model: _M
    history: dict
    path: Path
    key: str
    trained: bool
    params: dict = field(default_factory=dict)


def _canonical(params: dict) -> str:
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"cache parameters must be a JSON-serialisable dict of finite "
            f"numbers, strings, lists and dicts: {e}"
        ) from e


def cache_key(name: str, params: dict, fingerprint: str) -> str:
    """The 16-hex-digit key of a run: hash of its name, its parameters, the library fingerprint
    (:func:`library_fingerprint`), the torch version, and torch's default dtype and device type
    (a run under :func:`autoencode.devices.compute_on` is keyed by where it computes)."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict, got {type(params).__name__}")
    if not isinstance(fingerprint, str):
        raise TypeError(
            f"fingerprint must be a string (library_fingerprint(...)), "
            f"got {type(fingerprint).__name__}"
        )
    blob = "\n".join(
        [
            name,
            _canonical(params),
            fingerprint,
            torch.__version__,
            str(torch.get_default_dtype()),
            torch.get_default_device().type,
        ]
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _check_name(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string (a file-name-safe label), got {type(name).__name__}"
        )
    if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
        raise ValueError(
            f"name must be a non-empty file-name-safe string "
            f"(letters, digits, '-', '_', '.'), got {name!r}"
        )
    return name


def cache_path(
    name: str, params: dict, cache: str | os.PathLike, *, entry: str | os.PathLike
) -> Path:
    """Where :func:`cached_fit` stores the run: ``<cache>/<name>-<key>.pt``, the key from
    ``name``, ``params`` and the code of :func:`training_modules` ``(entry)``."""
    _check_name(name)
    folder = _check_folder(cache)
    return (
        folder
        / f"{name}-{cache_key(name, params, library_fingerprint(training_modules(entry)))}.pt"
    )


def _check_folder(cache) -> Path:
    """``cache`` as a Path, refusing a file (or a path through a file) with a clear error."""
    if not isinstance(cache, (str, os.PathLike)):
        raise TypeError(
            f"cache must be a folder path (str or os.PathLike), got {type(cache).__name__}"
        )
    folder = Path(cache)
    for p in (folder, *folder.parents):
        if p.exists():
            if not p.is_dir():
                raise ValueError(
                    f"cache must be a folder, but {p} is a file"
                    + ("" if p == folder else f" (in the path {folder})")
                )
            break
    return folder


def _load(path: Path, key: str, model: torch.nn.Module, check: StateCheck | None) -> dict:
    """Read a cache file and check it against the key, the model and ``check``; raise
    CheckpointError."""
    state = load_checkpoint(path)
    if state.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not an autoencode cache file (format {state.get('format')!r})"
        )
    if state.get("key") != key:
        raise CheckpointError(f"{path}: written for key {state.get('key')!r}, expected {key!r}")
    weights = state.get("model")
    own = model.state_dict()
    if (
        not isinstance(weights, dict)
        or set(weights) != set(own)
        or any(
            not isinstance(weights[k], torch.Tensor) or weights[k].shape != own[k].shape
            for k in own
        )
    ):
        raise CheckpointError(f"{path}: the stored weights do not match the model's architecture")
    if not all(torch.isfinite(w).all() for w in weights.values()):
        raise CheckpointError(f"{path}: the stored weights contain NaN or inf")
    history = state.get("history")
    if not isinstance(history, dict) or not all(
        isinstance(v, list) and all(isinstance(e, float) for e in v) for v in history.values()
    ):
        raise CheckpointError(f"{path}: missing training history (a dict of lists of numbers)")
    if check is not None:
        check(state, model, str(path))
    return state


def _move_aside(path: Path, reason: str) -> None:
    bad = path.with_name(path.name + ".corrupt")
    os.replace(path, bad)
    warnings.warn(f"{reason}; moved to {bad.name} and retraining", CacheWarning, stacklevel=3)


def cached_fit(
    name: str,
    params: dict,
    build: Callable[[], _M],
    train: Callable[[_M, Path], dict],
    *,
    cache: str | os.PathLike,
    entry: str | os.PathLike,
    retrain: bool = False,
    verbose: bool = True,
    check: Callable[[dict[str, Any], torch.nn.Module, str], None] | None = None,
    lock_timeout: float | None = LOCK_TIMEOUT,
) -> CachedRun[_M]:
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
        ``build() -> model``: the untrained model, any :class:`torch.nn.Module` (its
        initial weights must depend on ``params`` only).
    train:
        ``train(model, checkpoint) -> history``: trains the model in place,
        checkpointing to the given path, and returns the trainer's history.
        It should pass ``checkpoint=checkpoint`` to the trainer and call
        ``fit(..., resume=True)`` so an interrupted run resumes; see
        :func:`cached_trainer_fit`, which does exactly that. A ``train`` that does
        not checkpoint ignores the path.
    cache:
        The folder of the store (created on demand), e.g. ``ae.cache_dir()``.
    entry:
        The module that sets the training up (``build``, ``train``): a dotted name relative
        to the package (``"experiments.fig04"``), a module's ``__name__`` or a file's path.
        The source of the library code it reaches (:func:`training_modules`) is part of the key.
    retrain:
        Ignore an existing cache file and train again (it is overwritten).
    verbose:
        Print one line saying whether the run was loaded or trained.
    check:
        ``check(state, model, where)`` (:data:`StateCheck`): the model's own checks of a
        stored state, after the store's; a state it refuses is moved aside and retrained.
    lock_timeout:
        Seconds to wait for another process training the same run (None: no limit); then
        :class:`TimeoutError`.

    Returns
    -------
    CachedRun
    """
    _check_functions(build, train, check)
    path = cache_path(name, params, cache, entry=entry)
    key = path.stem.rsplit("-", 1)[1]
    ckpt = path.with_suffix(".ckpt")
    model = build()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            f"build() must return a torch.nn.Module (the untrained model), "
            f"got {type(model).__name__}"
        )
    _check_keyed_placement(model, name)
    # One process trains, the others wait for it and load its result.
    with exclusive(path.with_suffix(".lock"), what=f"{name} ({path.name})", timeout=lock_timeout):
        if path.exists() and not retrain:
            try:
                state = _load(path, key, model, check)
            except CheckpointError as e:
                _move_aside(path, f"unusable cache file {path} ({e})")
            else:
                model.load_state_dict(state["model"])
                if verbose:
                    print(f"{name}: loaded the trained model from the cache ({path.name})")
                return CachedRun(model, state["history"], path, key, trained=False, params=params)
        return _train_and_store(name, params, build, train, model, path, key, ckpt, verbose)


def _check_functions(build: Any, train: Any, check: Any) -> None:
    """Refuse a ``build``, ``train`` or ``check`` (None allowed) that is not a function."""
    if not callable(build):
        raise TypeError(
            f"build must be a function build() -> torch.nn.Module, got {type(build).__name__}"
        )
    if not callable(train):
        raise TypeError(
            f"train must be a function train(model, checkpoint) -> history, "
            f"got {type(train).__name__}"
        )
    if check is not None and not callable(check):
        raise TypeError(
            f"check must be a function check(state, model, where) that raises CheckpointError, "
            f"got {type(check).__name__}"
        )


def _check_keyed_placement(model: torch.nn.Module, name: str) -> None:
    """The key names torch's default device type and dtype: the model must be built there
    (a model without parameters passes)."""
    p = next(model.parameters(), None)
    if p is None:
        return
    where = (torch.get_default_device().type, torch.get_default_dtype())
    if (p.device.type, p.dtype) != where:
        raise ValueError(
            f"{name}: build() made a model on {p.device.type} in {p.dtype}, but the cache is keyed "
            f"by torch's defaults ({where[0]}, {where[1]}); build it with the defaults, or run "
            f"under autoencode.compute_on({p.device.type!r}, {str(p.dtype)!r})"
        )


def _check_training_checkpoint(ckpt: Path, model: AutoencODE) -> None:
    """Raise CheckpointError unless ``ckpt`` is a complete trainer checkpoint of this model's shape,
    with finite weights, history and cost (its settings are checked by the trainer on resume)."""
    check_state(load_checkpoint(ckpt), model, str(ckpt))


def _train_and_store(name, params, build, train, model, path, key, ckpt, verbose) -> CachedRun:
    # An interrupted run of an AutoencODE: resume it if the file is sound. Another model's
    # train() reads its own checkpoint (a CheckpointError naming the file sets it aside below).
    if ckpt.exists() and isinstance(model, AutoencODE):
        try:
            _check_training_checkpoint(ckpt, model)
        except CheckpointError as e:
            _move_aside(ckpt, f"unusable training checkpoint {ckpt} ({e})")
    try:
        history = train(model, ckpt)
    except CheckpointError as e:  # the trainer refused the file (other settings): start afresh
        if not ckpt.exists() or str(ckpt) not in str(e):
            raise
        _move_aside(ckpt, f"unusable training checkpoint {ckpt} ({e})")
        model = build()
        history = train(model, ckpt)
    if not isinstance(history, dict) or not all(
        isinstance(v, (list, tuple)) for v in history.values()
    ):
        raise TypeError(
            f"{name}: train(model, checkpoint) must return the trainer's history, a dict "
            f"of lists, got {type(history).__name__}"
        )
    try:
        history = {k: [float(v) for v in vals] for k, vals in history.items()}
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"{name}: the history returned by train() must hold numbers ({e})"
        ) from None
    bad = [float(v) for v in history.get("cost", []) if not math.isfinite(float(v))]
    if bad:
        raise ValueError(f"{name}: the training history contains non-finite costs; not cached")
    save_checkpoint(
        path,
        {
            "format": FORMAT,
            "key": key,
            "name": name,
            "params": _canonical(params),
            "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
            "history": history,
        },
    )
    ckpt.unlink(missing_ok=True)
    if verbose:
        print(f"{name}: trained and cached ({path.name})")
    return CachedRun(model, history, path, key, trained=True, params=params)


def cached_trainer_fit(
    name: str,
    params: dict,
    build: Callable[[], _M],
    make_trainer: Callable[..., Any],
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    iterations: int = 100,
    *,
    cache: str | os.PathLike,
    entry: str | os.PathLike,
    retrain: bool = False,
    verbose: bool = True,
    check: Callable[[dict[str, Any], torch.nn.Module, str], None] | None = None,
    lock_timeout: float | None = LOCK_TIMEOUT,
) -> CachedRun[_M]:
    """:func:`cached_fit` for the usual case: one trainer, one ``fit``.

    ``make_trainer(model, checkpoint=path)`` must return a trainer
    (:class:`~autoencode.ShootingTrainer`, :class:`~autoencode.AdamTrainer`)
    writing its checkpoint to ``path``; it is run with
    ``fit(x, y, iterations, resume=True)``. ``x``, ``y`` and ``iterations``
    must be determined by ``params`` (they are not hashed themselves); ``check`` and
    ``lock_timeout`` are :func:`cached_fit`'s.
    """
    if not callable(make_trainer):
        raise TypeError(
            f"make_trainer must be a function make_trainer(model, checkpoint=path) -> trainer, "
            f"got {type(make_trainer).__name__}"
        )

    def train(model, checkpoint):
        trainer = make_trainer(model, checkpoint=checkpoint)
        return trainer.fit(x, y, iterations=iterations, resume=True)

    return cached_fit(
        name,
        params,
        build,
        train,
        cache=cache,
        entry=entry,
        retrain=retrain,
        verbose=verbose,
        check=check,
        lock_timeout=lock_timeout,
    )
