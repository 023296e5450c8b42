"""Local convexity of J along training, against the Tikhonov weight (chapter "Local convexity").

The paper's message: at low regularisation the landscape of J may be non-convex, but
training may enter regions where J is locally convex. This module measures it:

* :func:`convexity_map`: for each lambda, a `gradient`-update shooting run from the same
  initial weights, with the dense Hessian of J (all trained parameters) at chosen epochs:
  smallest and largest eigenvalue, number of negative eigenvalues;
* :func:`first_convex_epoch`: the first logged epoch from which the smallest eigenvalue
  stays >= 0 at every later logged epoch (None: not within the run);
* :func:`step_is_stable`: the gradient step ``lr / h`` on J against ``2 / lambda_max``;
* :func:`lanczos_along_training`: extremes of a large model's Hessian (Lanczos with
  Hessian-vector products, :func:`~autoencode.hessian.hessian_spectrum`) at a few
  iterations of its training, with the time per call.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

import torch

from .experiments2d import HessianLogger
from .hessian import hessian_spectrum
from .model import AutoencODE
from .training import ShootingTrainer, Trainer

__all__ = ["convexity_run", "convexity_map", "first_convex_epoch", "step_is_stable",
           "lanczos_along_training"]

COLUMNS = ["lam", "epoch", "J", "min", "max", "n_negative", "lr", "step"]


def convexity_run(make_model: Callable[[], AutoencODE], x: torch.Tensor, y: torch.Tensor,
                  lam: float, lr: float, iterations: int, at: Iterable[int], seed: int = 0):
    """One `gradient`-update shooting run with the dense Hessian logged at ``at``.

    Returns a DataFrame with columns lam, epoch, J, min, max, n_negative, lr and step
    (= lr / h, the gradient step on J).
    """
    import pandas as pd

    at = sorted({int(a) for a in at if 0 <= int(a) <= iterations})
    model = make_model()
    logger = HessianLogger(x, y, at=at, lam=lam, method="dense")
    trainer = ShootingTrainer(model, update="gradient", lr=lr, lam=lam, seed=seed, progress=False,
                              callbacks=[logger])
    trainer.fit(x, y, iterations=iterations)
    t = logger.table()
    return pd.DataFrame({"lam": float(lam), "epoch": t["iteration"].astype(int), "J": t["J"],
                         "min": t["min"], "max": t["max"], "n_negative": t["n_negative"].astype(int),
                         "lr": float(lr), "step": float(lr) / model.h})[COLUMNS]


def convexity_map(make_model: Callable[[], AutoencODE], x: torch.Tensor, y: torch.Tensor,
                  lams: Sequence[float], lrs: Sequence[float], iterations: int,
                  at: Iterable[int], seed: int = 0):
    """:func:`convexity_run` for every ``(lam, lr)`` pair, concatenated (one row per lam, epoch)."""
    import pandas as pd

    if len(lams) != len(lrs):
        raise ValueError(f"{len(lams)} values of lambda for {len(lrs)} step sizes")
    at = list(at)
    return pd.concat([convexity_run(make_model, x, y, lam, lr, iterations, at, seed)
                      for lam, lr in zip(lams, lrs)], ignore_index=True)


def first_convex_epoch(table, lam: float | None = None) -> int | None:
    """First logged epoch from which the smallest eigenvalue is >= 0 at every later logged one.

    ``table``: rows of one run (or of a map, with ``lam`` selecting the run), with
    columns epoch and min. None when the last logged epoch still has a negative one.
    """
    t = table if lam is None else table[table["lam"] == lam]
    t = t.sort_values("epoch")
    first = None
    for epoch, lo in zip(t["epoch"], t["min"]):
        if lo >= 0:
            first = int(epoch) if first is None else first
        else:
            first = None
    return first


def step_is_stable(table, lam: float | None = None) -> tuple[bool, float]:
    """``(step * max lambda_max < 2, step * max lambda_max)`` over the logged epochs.

    Plain gradient descent with step s on a quadratic is stable iff s < 2 / lambda_max.
    """
    t = table if lam is None else table[table["lam"] == lam]
    product = float((t["step"] * t["max"]).max())
    return product < 2.0, product


def lanczos_along_training(trainer: Trainer, x_train: torch.Tensor, x_hessian: torch.Tensor,
                           at: Iterable[int], y_hessian: torch.Tensor | None = None,
                           dtype: torch.dtype = torch.float32, tol: float = 1e-4):
    """Train ``trainer`` up to ``max(at)`` iterations; Lanczos extremes of J's Hessian at ``at``.

    The Hessian is that of J on ``(x_hessian, y_hessian)`` (default: reconstruction),
    with the trainer's lambda. Returns a DataFrame: iteration, J, min, max, matvecs,
    seconds (the wall time of each Lanczos call).
    """
    import pandas as pd

    at = sorted({int(a) for a in at})
    y_h = x_hessian if y_hessian is None else y_hessian
    rows = []

    def callback(tr, iteration):
        if iteration in at:
            s = hessian_spectrum(tr.model, x_hessian, y_h, lam=tr.lam, method="lanczos",
                                 dtype=dtype, tol=tol)
            with torch.no_grad():
                J = float(tr.model.cost(x_hessian, y_h, tr.lam)[0])
            rows.append({"iteration": iteration, "J": J, "min": s.min, "max": s.max,
                         "matvecs": s.matvecs, "seconds": s.seconds})

    trainer.callbacks.append(callback)
    try:
        trainer.fit(x_train, iterations=max(at))
    finally:
        trainer.callbacks.remove(callback)
    return pd.DataFrame(rows, columns=["iteration", "J", "min", "max", "matvecs", "seconds"])
