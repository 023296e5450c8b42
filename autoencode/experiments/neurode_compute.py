"""The NeurODE page's trainings: the earlier paper's network and experiment, the other update
rules and Adam from the same weights, and the run on the data of Figs 4-5.

:func:`compute` trains them all and returns them as a :class:`NeurodeRuns`; the page's
numbers and claims are measured on it in :mod:`autoencode.experiments.neurode_numbers`, its
figures drawn in :mod:`autoencode.experiments.neurode_draw`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .. import data as D
from ..architecture import Architecture
from ..model import AutoencODE
from .common import AUTOGRAD, compare, train

if TYPE_CHECKING:
    from ..training import Trainer

__all__ = ["neurode_model", "NeurodeRuns", "compute"]


def neurode_model(L: int, h: float, theta0: float) -> AutoencODE:
    """The earlier network: L Euler steps of size h, field tanh(theta_k x), no bias, every
    weight equal to ``theta0``."""
    return AutoencODE(
        Architecture.neurode(d=2, L=L), T=L * h, bias=False, init="constant", init_scale=theta0
    )


@dataclass
class NeurodeRuns:
    """What :func:`compute` trains: the earlier experiment (``fixed_point``), the other update
    rules and Adam from the same theta_0, and ``fixed_point`` on the data of Figs 4-5."""

    #: The points (``[2n, 2]``), their classes and each point's class target.
    x: torch.Tensor
    labels: torch.Tensor
    y: torch.Tensor
    #: The two class targets (``[2, 2]``).
    targets: torch.Tensor
    #: The network at theta_0 (untrained).
    initial: AutoencODE
    #: The network trained by ``fixed_point`` (the earlier experiment).
    model: AutoencODE
    #: The weights ``[L, 2, 2]`` after each ``fixed_point`` iteration (0: theta_0).
    thetas: list[torch.Tensor]
    #: J, its data term and lambda * regulariser (``cost``, ``data``, ``reg``) at theta_0, ...,
    #: theta_K of the ``fixed_point`` run.
    history: dict[str, list[float]]
    #: The trained network's states ``[L+1, 2n, 2]``, and the initial network's outputs.
    trajectory: torch.Tensor
    initial_output: torch.Tensor
    #: Per run (``fixed_point``, ``gradient``, ``proximal``, ``adam``): its trained model and J
    #: before each update and after the last.
    runs: dict[str, tuple[AutoencODE, list[float]]]
    #: J of ``fixed_point`` on the data of Figs 4-5, before each update and after the last.
    J_old: list[float]


def compute(
    *,
    n: int,
    L: int,
    h: float,
    lam: float,
    outer_iterations: int,
    theta0: float,
    iterations: int,
    lr_gradient: float,
    lr_proximal: float,
    lr_adam: float,
    oscillation_iterations: int,
    seed: int,
) -> NeurodeRuns:
    """The earlier experiment (``fixed_point``, ``outer_iterations``), the ``gradient`` and
    ``proximal`` updates and Adam (``iterations``) from the same theta0, and ``fixed_point``
    (``oscillation_iterations``) on the data of Figs 4-5."""
    targets = torch.tensor(D.BONNET2021_TARGETS)
    x, labels = D.truncated_gaussians(
        n, seed=seed, centers=D.BONNET2021_CENTERS, radius=D.BONNET2021_RADIUS, std=D.BONNET2021_STD
    )
    # the datasets functions take the targets as points (the tuple; the same values as `targets`)
    y = D.class_targets(labels, D.BONNET2021_TARGETS)

    def make_model() -> AutoencODE:
        return neurode_model(L, h, theta0)

    initial = make_model()
    trainer, thetas = _fixed_point_run(
        make_model(), x, y, lam=lam, iterations=outer_iterations, seed=seed
    )
    model = trainer.model
    # J, its data term and lambda * regulariser at theta_0, ..., theta_K: the history holds
    # them before each update, evaluate() after the last one.
    end = trainer.evaluate(x, y)
    hist = {key: trainer.history[key] + [end[key]] for key in ("cost", "data", "reg")}
    with torch.no_grad():
        xs = model.trajectory(x)  # [L+1, 2n, 2]
        xL0 = initial(x)
    # the other update rules and Adam, from the same theta_0
    others = compare(
        make_model,
        x,
        y,
        {
            "gradient": ("gradient", lr_gradient),
            "proximal": ("proximal", lr_proximal),
            "adam": (AUTOGRAD, lr_adam),
        },
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    runs = {"fixed_point": (model, hist["cost"])}
    runs.update(
        {
            kind: (tr.model, tr.history["cost"] + [tr.evaluate(x, y)["cost"]])
            for kind, tr in others.items()
        }
    )
    J_old = _oscillation_run(make_model, n=n, lam=lam, iterations=oscillation_iterations, seed=seed)
    return NeurodeRuns(x, labels, y, targets, initial, model, thetas, hist, xs, xL0, runs, J_old)


def _fixed_point_run(
    model: AutoencODE, x: torch.Tensor, y: torch.Tensor, *, lam: float, iterations: int, seed: int
) -> tuple[Trainer, list[torch.Tensor]]:
    """The earlier experiment: ``iterations`` of the method of successive approximations
    (``fixed_point``) from ``model``. Its trainer, and the weights ``[L, 2, 2]`` after each
    iteration."""
    thetas: list[torch.Tensor] = []  # theta after each iteration (0: theta_0)

    def record(trainer: Trainer, iteration: int) -> None:
        thetas.append(torch.stack([W.detach().clone() for W in trainer.model.weights]))

    trainer = train(
        model,
        x,
        y,
        "fixed_point",
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks=[record],
    )
    return trainer, thetas


def _oscillation_run(
    make_model: Callable[[], AutoencODE], *, n: int, lam: float, iterations: int, seed: int
) -> list[float]:
    """J of ``fixed_point`` on the data of Figs 4-5 (same network, theta0 and lambda), before
    each update and after the last."""
    x_old, labels_old = D.two_clusters(n=2 * n, seed=seed)
    y_old = D.class_targets(labels_old)
    tr_old = train(
        make_model(),
        x_old,
        y_old,
        "fixed_point",
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    return tr_old.history["cost"] + [tr_old.evaluate(x_old, y_old)["cost"]]
