"""The figures of the chapter "Local convexity"
(:func:`autoencode.experiments.convexity.local_convexity`).

* :func:`draw_convexity_map`: the convexity map, the smallest eigenvalue of J's Hessian on a
  lambda x epoch grid, and the extreme eigenvalues along training;
* :func:`draw_convex_region`: the radius of the locally convex region around each minimiser
  against lambda, and the shooting method started on the region's edge;
* :func:`draw_local_convexity`: both, by the names of the figure's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = ["draw_convexity_map", "draw_convex_region", "draw_local_convexity"]


def draw_convexity_map(table: DataFrame, lams: Sequence[float]) -> Figure:
    """Left: the smallest eigenvalue on a lambda x epoch map (numbers: negative eigenvalues);
    right: the smallest (solid) and largest (dashed) eigenvalue along training."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import SymLogNorm

    epochs = sorted(table["epoch"].unique())
    grid = np.array(
        [
            [float(table[(table.lam == lam) & (table.epoch == e)]["min"].iloc[0]) for e in epochs]
            for lam in lams
        ]
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=[1.2, 1])
    ax = axes[0]
    im = ax.imshow(
        grid,
        cmap="RdBu",
        aspect="auto",  # diverging: red negative, blue positive
        norm=SymLogNorm(linthresh=1e-4, vmin=-1, vmax=1, base=10),
    )
    ax.set_xticks(range(len(epochs)), [str(e) for e in epochs], fontsize=7)
    ax.set_yticks(range(len(lams)), [f"{lam:g}" for lam in lams])
    for i, lam in enumerate(lams):
        for j, e in enumerate(epochs):
            n = int(table[(table.lam == lam) & (table.epoch == e)]["n_negative"].iloc[0])
            ax.text(j, i, str(n), ha="center", va="center", fontsize=6)
    ax.set(
        xlabel="epoch",
        ylabel="$\\lambda$",
        title="smallest eigenvalue (numbers: negative eigenvalues)",
    )
    fig.colorbar(im, ax=ax, shrink=0.9)
    ax = axes[1]
    ax2 = ax.twinx()
    for lam in lams:
        t = table[table.lam == lam]
        (line,) = ax.plot(
            t["epoch"].clip(lower=1), t["min"], "-o", ms=2.5, label=f"$\\lambda$ = {lam:g}"
        )
        ax2.plot(t["epoch"].clip(lower=1), t["max"], "--", color=line.get_color(), lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xlabel="epoch (epoch 0 drawn at 1)", ylabel="smallest eigenvalue (solid)")
    ax2.set_ylabel("largest eigenvalue (dashed)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def draw_convex_region(regions: dict[float, dict[str, Any]], lams: Sequence[float]) -> Figure:
    """Left: against lambda, the radius of the convex region around theta* (smallest and
    median over the random directions, softest direction), the distance from the training
    run's end to theta*, and ``|theta*|``. Right: the shooting method's distance to theta* started
    on the region's edge (s = 1), one line per lambda."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    ax = axes[0]
    lam = list(lams)
    series = [
        ("radius_min", "-o", "convex radius: smallest direction"),
        ("radius_median", "-s", "convex radius: median direction"),
        ("radius_soft", ":^", "convex radius: softest eigenvector"),
        ("distance_end", "--x", "$|\\theta_{end} - \\theta^*|$ (training's end)"),
        ("theta_norm", "-.", "$|\\theta^*|$"),
    ]
    for key, fmt, label in series:
        ax.plot(lam, [max(regions[v][key], 1e-9) for v in lam], fmt, ms=4, label=label)
    ax.set(xscale="log", yscale="log", xlabel="$\\lambda$", ylabel="distance in parameter space")
    ax.legend(fontsize=7)
    ax.set_title("the locally convex region around $\\theta^*$")
    ax = axes[1]
    for v in lam:
        run = next(r for r in regions[v]["shooting"] if r["scale"] == 1.0)
        d = run["distances"]
        ax.plot(range(len(d)), (d / d[0]).clamp(min=1e-16), label=f"$\\lambda$ = {v:g}")
    ax.set(
        yscale="log",
        xlabel="shooting iteration (gradient update)",
        ylabel="$|\\theta_k - \\theta^*| / |\\theta_0 - \\theta^*|$",
    )
    ax.set_title("started on the region's edge")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def draw_local_convexity(
    table: DataFrame, regions: dict[float, dict[str, Any]], lams: Sequence[float]
) -> dict[str, Figure]:
    """The figures of :func:`~autoencode.experiments.convexity.local_convexity`: ``"main"``
    (:func:`draw_convexity_map` of the map ``table``) and ``"region"``
    (:func:`draw_convex_region` of the region analyses ``regions``, by lambda)."""
    fig = draw_convexity_map(table, lams)
    fig_region = draw_convex_region(regions, lams)
    return {"main": fig, "region": fig_region}
