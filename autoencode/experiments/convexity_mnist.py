"""A large model's Hessian along its training: the MNIST AutoencODE of Figs 8-11 and the
extremes of its Hessian by Lanczos.

* :func:`mnist_problem`: the MNIST AutoencODE from its initial weights, with its trainer (the
  chapter's other set-up, the Fig 4 problem, is
  :func:`autoencode.experiments.common.fig04_problem`);
* :func:`lanczos_along_training`: extremes of a large model's Hessian (Lanczos with
  Hessian-vector products, :func:`autoencode.hessian.hessian_spectrum`) at a few iterations
  of its training, with the time per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from ..hessian import hessian_spectrum
from ..training import ShootingTrainer, Trainer

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = ["mnist_problem", "lanczos_along_training"]


def mnist_problem(
    quick: bool = False, seed: int = 0, progress: bool = False
) -> tuple[dict[str, Any], ShootingTrainer, torch.Tensor]:
    """The MNIST AutoencODE of Figs 8-11 at its initial weights, with its trainer.

    The settings are :data:`~autoencode.experiments.mnist_model.MNIST_FULL` (``quick``:
    ``MNIST_QUICK``), the model and the trainer seeded with ``seed``. Returns
    ``(settings, trainer, x_train)``: the model is ``trainer.model``.
    """
    from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model, build_trainer, training_images

    p = dict(MNIST_QUICK if quick else MNIST_FULL)
    x = training_images(p)
    trainer = build_trainer(build_model(p, "reset", seed=seed), p, progress=progress, seed=seed)
    return p, trainer, x


def lanczos_along_training(
    trainer: Trainer,
    x_train: torch.Tensor,
    x_hessian: torch.Tensor,
    at: Iterable[int],
    y_hessian: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
    tol: float = 1e-4,
) -> DataFrame:
    """Train ``trainer`` up to ``max(at)`` iterations; Lanczos extremes of J's Hessian at ``at``.

    The Hessian is that of J on ``(x_hessian, y_hessian)`` (default: reconstruction),
    with the trainer's lambda. Returns a DataFrame: iteration, J, min, max, matvecs,
    seconds (the wall time of each Lanczos call).
    """
    import pandas as pd

    logged = sorted({int(a) for a in at})
    y_h = x_hessian if y_hessian is None else y_hessian
    rows: list[dict[str, Any]] = []

    def callback(tr: Trainer, iteration: int) -> None:
        if iteration in logged:
            s = hessian_spectrum(
                tr.model, x_hessian, y_h, lam=tr.lam, method="lanczos", dtype=dtype, tol=tol
            )
            with torch.no_grad():
                J = float(tr.model.cost(x_hessian, y_h, tr.lam)[0])
            rows.append(
                {
                    "iteration": iteration,
                    "J": J,
                    "min": s.min,
                    "max": s.max,
                    "matvecs": s.matvecs,
                    "seconds": s.seconds,
                }
            )

    trainer.callbacks.append(callback)
    try:
        trainer.fit(x_train, iterations=max(logged))
    finally:
        trainer.callbacks.remove(callback)
    return pd.DataFrame(rows, columns=["iteration", "J", "min", "max", "matvecs", "seconds"])
