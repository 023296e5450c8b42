"""Four ways to train the MNIST AutoencODE of Figs 8-9, each once and cached: the shooting
method with Algorithm 1's own updates (``"proximal"``, ``"fixed_point"``), with the book's
``"adam"`` update, and autograd with Adam (:class:`~autoencode.training.AdamTrainer`).

This module is the entry of their cache key (:func:`autoencode.cache.cache_key`): it covers
the code here and the library code it imports, so a change to a trainer or to the trace
retrains, while editing the page's drawing or table (:mod:`.mnist_methods`) does not.

Each run records, besides the trainer's history, a *trace*: the test error per pixel of the
current weights on a fixed set of test images every few iterations, and the training wall
time up to that iteration (the evaluations themselves not counted). The trace is part of
the run, so the runs are not checkpointed: an interrupted run starts again.
"""

from __future__ import annotations

import time
from typing import Any

import torch

from ..cache import CachedRun, cached_fit
from ..model import AutoencODE
from ..training import AdamTrainer, ShootingTrainer, Trainer, TrainingDiverged
from .mnist_model import build_model

__all__ = [
    "METHODS",
    "SETTINGS",
    "run_settings",
    "make_trainer",
    "mse_per_pixel",
    "Trace",
    "trained_run",
]

#: The four trainings, in the page's order: (key, label).
METHODS: tuple[tuple[str, str], ...] = (
    ("proximal", 'shooting, update="proximal" (Algorithm 1, extended MSA)'),
    ("fixed_point", 'shooting, update="fixed_point" (Algorithm 1, exact argmax)'),
    ("shooting_adam", 'shooting, update="adam" (the book\'s)'),
    ("autograd_adam", "autograd + Adam (AdamTrainer)"),
)

#: The parameters every run depends on (the profile of :data:`.mnist_model.MNIST_FULL`, the
#: trace); each method adds its own (:func:`run_settings`).
SETTINGS = (
    "source",
    "n_train",
    "widths",
    "L",
    "T",
    "activation",
    "init_scale",
    "lam",
    "batch_size",
    "seed",
    "n_trace",
    "trace_every",
)

#: Each method's own parameters: its step, inner iterations and iteration count.
OWN = {
    "proximal": ("prox_lr", "prox_inner", "prox_iterations"),
    "fixed_point": ("fp_inner", "fp_iterations"),
    "shooting_adam": ("lr", "iterations"),
    "autograd_adam": ("lr", "iterations"),
}

ITERATIONS = {
    "proximal": "prox_iterations",
    "fixed_point": "fp_iterations",
    "shooting_adam": "iterations",
    "autograd_adam": "iterations",
}


def run_settings(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """Everything the run of ``method`` depends on (its cache key's parameters)."""
    if method not in OWN:
        raise ValueError(f"unknown method {method!r}; the methods are {list(OWN)}")
    keys = (*SETTINGS, *OWN[method])
    return {"method": method, **{k: params[k] for k in keys}}


def make_trainer(method: str, model: AutoencODE, params: dict[str, Any], **kwargs: Any) -> Trainer:
    """The trainer of ``method`` for ``model`` (``kwargs``: callbacks, progress)."""
    common = dict(lam=params["lam"], batch_size=params["batch_size"], seed=params["seed"])
    if method == "proximal":
        return ShootingTrainer(
            model,
            update="proximal",
            lr=params["prox_lr"],
            inner_iterations=params["prox_inner"],
            **common,
            **kwargs,
        )
    if method == "fixed_point":
        return ShootingTrainer(
            model, update="fixed_point", inner_iterations=params["fp_inner"], **common, **kwargs
        )
    if method == "shooting_adam":
        return ShootingTrainer(model, update="adam", lr=params["lr"], **common, **kwargs)
    if method == "autograd_adam":
        return AdamTrainer(model, lr=params["lr"], **common, **kwargs)
    raise ValueError(f"unknown method {method!r}; the methods are {list(OWN)}")


@torch.no_grad()
def mse_per_pixel(model: AutoencODE, x: torch.Tensor, chunk: int = 2000) -> float:
    """Mean squared reconstruction error per pixel of ``model`` on ``x`` ``[N, 784]``."""
    total = 0.0
    for i in range(0, len(x), chunk):
        xb = x[i : i + chunk]
        total += float(((model(xb) - xb).double() ** 2).sum())
    return total / x.numel()


class Trace:
    """A trainer callback: the test error on ``x`` every ``every`` iterations (and at the
    last one, ``last``), with the training wall time up to then, evaluations excluded."""

    def __init__(self, x: torch.Tensor, every: int, last: int) -> None:
        self.x, self.every, self.last = x, max(1, int(every)), int(last)
        self.iteration: list[int] = []
        self.seconds: list[float] = []
        self.mse: list[float] = []
        self._elapsed = 0.0
        self._since: float | None = None

    def __call__(self, trainer: Trainer, it: int) -> None:
        now = time.perf_counter()
        if self._since is not None:
            self._elapsed += now - self._since
        if it % self.every == 0 or it == self.last:
            self.iteration.append(it)
            self.seconds.append(self._elapsed)
            self.mse.append(mse_per_pixel(trainer.model, self.x))
        self._since = time.perf_counter()


def trained_run(
    method: str,
    params: dict[str, Any],
    x_train: torch.Tensor,
    x_trace: torch.Tensor,
    cache: Any = None,
    verbose: bool = True,
) -> CachedRun:
    """The MNIST AutoencODE of ``params`` trained by ``method`` on ``x_train`` (determined by
    ``params``), once; later calls load it. ``x_trace``: the fixed test images of the trace
    (determined by ``params``, ``n_trace``).

    The history holds, besides the trainer's lists, ``trace_iteration``, ``trace_seconds``,
    ``trace_mse`` (:class:`Trace`) and ``diverged`` (``[iteration]`` where the cost became
    NaN or inf, the model then being the last state with a finite cost; empty otherwise).
    """
    from ..notebook import cache_dir

    settings = run_settings(method, params)
    n = int(params[ITERATIONS[method]])
    name = f"mnist-methods-{method.replace('_', '-')}" + ("-quick" if params.get("quick") else "")

    def build() -> AutoencODE:
        return build_model(params)

    def train(model: AutoencODE, _checkpoint: Any) -> dict[str, list[float]]:
        trace = Trace(x_trace, params["trace_every"], n)
        trainer = make_trainer(method, model, params, callbacks=[trace], progress=verbose)
        diverged: list[float] = []
        try:
            trainer.fit(x_train, iterations=n)
        except TrainingDiverged as e:  # the trainer is back at its last finite state
            diverged = [float(e.iteration if e.iteration is not None else trainer.iteration)]
        return {
            **{k: list(map(float, v)) for k, v in trainer.history.items()},
            "trace_iteration": [float(i) for i in trace.iteration],
            "trace_seconds": trace.seconds,
            "trace_mse": trace.mse,
            "diverged": diverged,
        }

    return cached_fit(
        name,
        settings,
        build,
        train,
        cache=cache_dir() if cache is None else cache,
        entry=__name__,
        verbose=verbose,
    )
