"""The measurements of the chapter "Local convexity": the convexity map of the Fig 4 problem,
the region analysis at the end of each of its runs, and the MNIST model's Hessian extremes
early in training, each with the summary's lines.

:func:`measure_local_convexity` runs the three in turn for
:func:`autoencode.experiments.convexity.local_convexity`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..hessian import flat_parameters
from ..model import AutoencODE
from ..training import ShootingTrainer
from .common import fig04_problem
from .convexity_mnist import lanczos_along_training
from .convexity_region import region_analysis
from .convexity_sweep import convexity_map, step_is_stable

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = ["measure_local_convexity"]


def _measure_map(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    seed: int,
) -> tuple[DataFrame, dict[float, AutoencODE], dict[float, tuple[bool, float]], list[str]]:
    """:func:`autoencode.experiments.convexity_sweep.convexity_map` of the problem
    ``(make_model, x, y)``: its table, the trained models by lambda,
    :func:`autoencode.experiments.convexity_sweep.step_is_stable` by lambda and the summary's
    lines."""
    import time

    t0 = time.perf_counter()
    trained: dict[float, AutoencODE] = {}
    table = convexity_map(make_model, x, y, lams, lrs, iterations, logged, seed, trained)
    lines = [
        f"{len(lams)} runs of {iterations} iterations, {len(table)} dense Hessians: "
        f"{time.perf_counter() - t0:.0f} s"
    ]
    stability = {lam: step_is_stable(table, lam) for lam in lams}
    for lam, lr in zip(lams, lrs):
        ok, prod = stability[lam]
        lines.append(
            f"lambda = {lam:g}: lr = {lr:g}, step = {lr / make_model().h:g}, "
            f"step * max lambda_max = {prod:.2f} ({'< 2, stable' if ok else '>= 2: UNSTABLE'})"
        )
    return table, trained, stability, lines


def _measure_regions(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    trained: dict[float, AutoencODE],
    *,
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    seed: int,
) -> tuple[dict[float, dict[str, Any]], list[str]]:
    """:func:`autoencode.experiments.convexity_region.region_analysis` from the end of each
    trained run (by lambda), with the summary's lines."""
    import time

    t0 = time.perf_counter()
    regions = {
        lam: region_analysis(
            make_model,
            x,
            y,
            lam,
            flat_parameters(trained[lam]),
            lr=lr,
            n_directions=n_directions,
            scales=scales,
            shooting_iterations=shooting_iterations,
            gtol=gtol,
            radius_first=radius_first,
            seed=seed,
        )
        for lam, lr in zip(lams, lrs)
    }
    lines = [
        f"Newton to |grad J| <= {gtol:g}, spectra, convex radii ({n_directions} random "
        f"directions + the softest eigenvector) and {len(scales)} shooting runs of "
        f"{shooting_iterations} iterations per lambda: {time.perf_counter() - t0:.0f} s"
    ]
    for lam in lams:
        r = regions[lam]
        lines.append(
            f"lambda = {lam:g}: {r['newton_iterations']} Newton steps from the run's end, "
            f"|grad J| {r['grad_end']:.1e} -> {r['grad_star']:.1e}; radii "
            + " ".join(f"{v:.3g}" for v in r["radii"].tolist())
            + "; shooting from s x r_min: "
            + ", ".join(
                f"s = {sh['scale']:g}: {sh['start']:.3g} -> {sh['end']:.3g}" for sh in r["shooting"]
            )
        )
    return regions, lines


def _measure_mnist(
    mnist_problem: Callable[..., tuple[dict[str, Any], ShootingTrainer, torch.Tensor]],
    quick: bool,
    seed: int,
    progress: bool,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
) -> tuple[dict[str, Any], int, DataFrame, list[str]]:
    """The MNIST AutoencODE (``mnist_problem``) trained from its initial weights, with the
    Lanczos extremes of its Hessian at the iterations ``mnist_at``: its settings, its number
    of parameters, the table of
    :func:`autoencode.experiments.convexity_mnist.lanczos_along_training` and the summary's
    lines."""
    p, trainer, x_mnist = mnist_problem(quick, seed, progress=progress)
    x_hess = x_mnist[:mnist_hessian_images]
    n_mnist = sum(q.numel() for q in trainer.model.parameters())
    mnist_table = lanczos_along_training(
        trainer, x_mnist, x_hess, mnist_at, dtype=trainer.model.dtype, tol=lanczos_tol
    )  # the model's own dtype: float32 in the book (three times faster than float64)
    lines = ["", f"MNIST ({p['source']}, {len(x_mnist)} training images), {n_mnist:,} parameters"]
    for _, r in mnist_table.iterrows():
        lines.append(
            f"iteration {int(r['iteration']):4d}: J = {r['J']:.4f}, min = {r['min']:+.3f}, "
            f"max = {r['max']:.2f}, {int(r['matvecs'])} Hessian-vector products, "
            f"{r['seconds']:.1f} s"
        )
    lines.append(f"mean time per Lanczos call: {float(mnist_table['seconds'].mean()):.1f} s")
    return p, n_mnist, mnist_table, lines


def measure_local_convexity(
    *,
    progress: bool,
    quick: bool,
    n_train: int,
    L: int,
    T: float,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
    seed: int,
    mnist_problem: Callable[..., tuple[dict[str, Any], ShootingTrainer, torch.Tensor]],
) -> dict[str, Any]:
    """The measurements of :func:`autoencode.experiments.convexity.local_convexity`: the
    convexity map of the Fig 4 problem (``table``, ``stability``), the region analysis of each
    lambda (``regions``), the MNIST model's Lanczos extremes (``mnist_settings``, ``n_mnist``,
    ``mnist_table``) and the summary's lines (``lines``). ``mnist_problem`` sets up the MNIST
    model (:func:`autoencode.experiments.convexity_mnist.mnist_problem` in the book)."""
    make_model, x, y = fig04_problem(n_train, L, T, seed)
    table, trained, stability, lines = _measure_map(
        make_model, x, y, lams, lrs, iterations, logged, seed
    )
    regions, region_lines = _measure_regions(
        make_model,
        x,
        y,
        lams,
        lrs,
        trained,
        gtol=gtol,
        n_directions=n_directions,
        radius_first=radius_first,
        scales=scales,
        shooting_iterations=shooting_iterations,
        seed=seed,
    )
    p, n_mnist, mnist_table, mnist_lines = _measure_mnist(
        mnist_problem, quick, seed, progress, mnist_at, mnist_hessian_images, lanczos_tol
    )
    return dict(
        table=table,
        stability=stability,
        regions=regions,
        mnist_settings=p,
        n_mnist=n_mnist,
        mnist_table=mnist_table,
        lines=lines + region_lines + mnist_lines,
    )
