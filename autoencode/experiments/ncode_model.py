"""N-CODE as the two-autoencoders page (:func:`autoencode.experiments.ncode.two_autoencodes`)
builds and trains it: :class:`autoencode.ncode.NCODE`, its code as wide as our AutoencODE's
bottleneck, trained by autograd and Adam on the same images, batch size and iterations as
ours.

* :data:`NCODE_FULL`, :data:`NCODE_QUICK`: N-CODE's own settings;
* :func:`build_ncode`: the untrained model of a figure's parameters;
* :func:`trained_ncode`: that model trained once and cached in the model store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..cache import cached_fit
from ..ncode import NCODE, train_ncode

__all__ = ["NCODE_FULL", "NCODE_QUICK", "build_ncode", "trained_ncode"]

#: N-CODE's own settings (full mode); the data, batch size, iterations and seed are ours' (the
#: defaults of the figure in :mod:`autoencode.experiments.ncode`). All of it is our choice (the
#: reproduction notes, "Beyond the paper").
NCODE_FULL: dict[str, Any] = dict(
    ncode_hidden=256, ncode_width=64, ncode_L=10, ncode_T=1.0, ncode_lr=3e-3
)
#: Quick mode (tests): the same model, a few iterations.
NCODE_QUICK: dict[str, Any] = dict(NCODE_FULL)


def _ncode_settings(params: dict[str, Any]) -> dict[str, Any]:
    """Everything N-CODE's training depends on (its cache key)."""
    keys = ("source", "n_train", "batch_size", "iterations", "seed", *NCODE_FULL)
    return {k: params[k] for k in keys}


def build_ncode(params: dict[str, Any], x_train: torch.Tensor) -> NCODE:
    """The untrained N-CODE of ``params``: its code as wide as the AutoencODE's bottleneck
    (``min(params["widths"])``), every image starting from the mean training image."""
    return NCODE(
        dim=x_train.shape[1],
        code=min(params["widths"]),
        hidden=params["ncode_hidden"],
        width=params["ncode_width"],
        L=params["ncode_L"],
        T=params["ncode_T"],
        start=x_train.mean(0),
        seed=params["seed"],
    )


def trained_ncode(
    params: dict[str, Any], x_train: torch.Tensor, cache: Any = None, verbose: bool = True
) -> tuple[NCODE, dict[str, list[float]]]:
    """N-CODE trained on ``x_train`` (determined by ``params``), once; later calls load it.

    Through the model store (:func:`autoencode.cache.cached_fit`): the file is
    ``<cache>/ncode-<key>.pt`` (``cache`` default ``ae.cache_dir()``), the key from
    :func:`_ncode_settings` and the code of :mod:`autoencode.ncode`; one process trains at a
    time, and a file that cannot be used is moved aside and the model retrained.
    """
    from ..notebook import cache_dir

    name = "ncode" + ("-quick" if params.get("quick") else "")

    def build() -> NCODE:
        return build_ncode(params, x_train)

    def train(model: NCODE, checkpoint: Path) -> dict[str, list[float]]:
        return train_ncode(
            model,
            x_train,
            params["iterations"],
            batch_size=params["batch_size"],
            lr=params["ncode_lr"],
            seed=params["seed"],
            progress=verbose,
        )

    run = cached_fit(
        name,
        _ncode_settings(params),
        build,
        train,
        cache=cache_dir() if cache is None else cache,
        entry="autoencode.ncode",
        verbose=verbose,
    )
    return run.model, run.history
