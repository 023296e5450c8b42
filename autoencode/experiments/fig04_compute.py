"""The training of Fig 4 and Table 1 (:func:`autoencode.experiments.fig04.fig04`).

:func:`compute` trains the 2 -> 1 -> 2 AutoencODE on two Gaussian clusters by the shooting
method and by Adam from the same initial weights, trains a second shooting run with the larger
lambda of Table 1, logs the Hessian of both shooting runs along training, and finds for each
the minimiser it heads for and the locally convex region around it. What it returns,
:class:`Fig04Runs`, is what :func:`autoencode.experiments.fig04_numbers.numbers` measures and
:func:`autoencode.experiments.fig04_draw.draw` draws.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from ..hessian import HessianLogger, flat_parameters
from ..model import AutoencODE
from ..training import Trainer
from .common import AUTOGRAD, compare, fig04_problem, train, two_clusters_problem

__all__ = ["Fig04Runs", "compute"]


@dataclass
class Fig04Runs:
    """What :func:`compute` trains: the runs of Fig 4 and Table 1, their Hessian logs, and the
    minimiser and convex region each shooting run heads for."""

    #: Builds the 2 -> 1 -> 2 AutoencODE from the same initial weights at every call.
    make_model: Callable[[], AutoencODE]
    #: The training points and their class targets.
    x: torch.Tensor
    y: torch.Tensor
    #: :func:`~autoencode.experiments.common.two_clusters_problem`, with the test set.
    problem: dict[str, torch.Tensor]
    #: The model before training.
    initial: AutoencODE
    #: ``"shooting"`` (``gradient`` update) and ``"Adam"`` (autograd), lambda = ``lam``.
    runs: dict[str, Trainer]
    #: Shooting (``gradient`` update), lambda = ``lam_large``.
    large: Trainer
    #: Hessian logs: ``"small"`` and ``"early"`` (the first ten epochs) of the shooting run,
    #: ``"large"`` of :attr:`large`.
    hessian: dict[str, HessianLogger]
    #: :func:`~autoencode.experiments.convexity.region_analysis`: ``"small"`` and ``"large"``.
    regions: dict[str, dict[str, Any]]


def compute(
    *,
    n_train: int,
    n_test: int,
    L: int,
    T: float,
    lam: float,
    lam_large: float,
    iterations: int,
    lr_gradient: float,
    lr_gradient_large: float,
    lr_adam: float,
    hessian_at: list[int],
    scan: Mapping[str, Any],
    seed: int,
) -> Fig04Runs:
    """Fig 4's runs (shooting and Adam from the same initial weights, ``lam``), Table 1's second
    shooting run (``lam_large``), the Hessian logged at ``hessian_at``, and for each shooting
    run the minimiser it heads for and the convex region around it
    (:func:`~autoencode.experiments.convexity.region_analysis`, settings ``scan``: gtol,
    n_directions, radius_first, scales, shooting_iterations)."""
    from .convexity import region_analysis

    make_model, x, y = fig04_problem(n_train, L, T, seed)
    p = two_clusters_problem(n_train, n_test, seed)
    initial = make_model()
    hess_small = HessianLogger(x, y, at=hessian_at)
    hess_early = HessianLogger(x, y, at=range(1, 11))  # the first ten epochs, for the step size
    runs = compare(
        make_model,
        x,
        y,
        {"shooting": ("gradient", lr_gradient), "Adam": (AUTOGRAD, lr_adam)},
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks={"shooting": [hess_small, hess_early]},
    )
    # Table 1: a second run with the larger lambda, the Hessian logged at the same epochs
    hess_large = HessianLogger(x, y, at=hessian_at)
    large = train(
        make_model(),
        x,
        y,
        "gradient",
        lr=lr_gradient_large,
        lam=lam_large,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks=[hess_large],
    )
    # The minimiser each run heads for (Newton, float64) and the convex region around it
    regions = {
        tag: region_analysis(
            make_model, x, y, lam_t, flat_parameters(model_t), lr=lr_t, seed=seed, **scan
        )
        for tag, lam_t, model_t, lr_t in (
            ("small", lam, runs["shooting"].model, lr_gradient),
            ("large", lam_large, large.model, lr_gradient_large),
        )
    }
    hessian = {"small": hess_small, "early": hess_early, "large": hess_large}
    return Fig04Runs(make_model, x, y, p, initial, runs, large, hessian, regions)
