"""The convexity map of the chapter "Local convexity": training runs across lambda with the
dense Hessian of J logged along them, and what their logs show.

* :func:`convexity_map`: for each lambda, a `gradient`-update shooting run from the same
  initial weights (:func:`convexity_run`), with the dense Hessian of J (all trained parameters)
  at chosen epochs: smallest and largest eigenvalue, number of negative eigenvalues;
* :func:`first_convex_epoch`: the first logged epoch from which the smallest eigenvalue
  stays >= 0 at every later logged epoch (None: not within the run);
* :func:`step_is_stable`: the gradient step ``lr / h`` on J against ``2 / lambda_max``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch

from ..hessian import HessianLogger
from ..model import AutoencODE
from ..training import ShootingTrainer

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = ["COLUMNS", "convexity_run", "convexity_map", "first_convex_epoch", "step_is_stable"]

#: The columns of a convexity map (:func:`convexity_run`, :func:`convexity_map`).
COLUMNS = ["lam", "epoch", "J", "min", "max", "n_negative", "lr", "step"]


def convexity_run(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
    trained: dict[float, AutoencODE] | None = None,
) -> DataFrame:
    """One `gradient`-update shooting run with the dense Hessian logged at ``at``.

    Returns a DataFrame with columns lam, epoch, J, min, max, n_negative, lr and step
    (= lr / h, the gradient step on J). ``trained``: if given, the trained model is stored
    in it under ``lam``.
    """
    import pandas as pd

    logged = sorted({int(a) for a in at if 0 <= int(a) <= iterations})
    model = make_model()
    logger = HessianLogger(x, y, at=logged, lam=lam, method="dense")
    trainer = ShootingTrainer(
        model, update="gradient", lr=lr, lam=lam, seed=seed, progress=False, callbacks=[logger]
    )
    trainer.fit(x, y, iterations=iterations)
    if trained is not None:
        trained[float(lam)] = model
    t = logger.table()
    return pd.DataFrame(
        {
            "lam": float(lam),
            "epoch": t["iteration"].astype(int),
            "J": t["J"],
            "min": t["min"],
            "max": t["max"],
            "n_negative": t["n_negative"].astype(int),
            "lr": float(lr),
            "step": float(lr) / model.h,
        }
    )[COLUMNS]


def convexity_map(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
    trained: dict[float, AutoencODE] | None = None,
) -> DataFrame:
    """:func:`convexity_run` for every ``(lam, lr)`` pair, concatenated (one row per lam,
    epoch); ``trained``: as for :func:`convexity_run`."""
    import pandas as pd

    if len(lams) != len(lrs):
        raise ValueError(f"{len(lams)} values of lambda for {len(lrs)} step sizes")
    logged = list(at)
    return pd.concat(
        [
            convexity_run(make_model, x, y, lam, lr, iterations, logged, seed, trained)
            for lam, lr in zip(lams, lrs)
        ],
        ignore_index=True,
    )


def first_convex_epoch(table: DataFrame, lam: float | None = None) -> int | None:
    """First logged epoch from which the smallest eigenvalue is >= 0 at every later logged one.

    ``table``: rows of one run (or of a map, with ``lam`` selecting the run), with
    columns epoch and min. None when the last logged epoch still has a negative one.
    """
    t = table if lam is None else table[table["lam"] == lam]
    t = t.sort_values("epoch")
    first: int | None = None
    for epoch, lo in zip(t["epoch"], t["min"]):
        if lo >= 0:
            first = int(epoch) if first is None else first
        else:
            first = None
    return first


def step_is_stable(table: DataFrame, lam: float | None = None) -> tuple[bool, float]:
    """``(step * max lambda_max < 2, step * max lambda_max)`` over the logged epochs.

    Plain gradient descent with step s on a quadratic is stable iff s < 2 / lambda_max.
    """
    t = table if lam is None else table[table["lam"] == lam]
    product = float((t["step"] * t["max"]).max())
    return product < 2.0, product
