"""The NeurODE page's figures, drawn from the runs of
:func:`autoencode.experiments.neurode_compute.compute`: the earlier experiment, the comparison
of the four runs, and the oscillation on the data of Figs 4-5."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .neurode_compute import NeurodeRuns
from .neurode_numbers import lowest_final_cost

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

__all__ = ["draw"]


def _draw_main(r: NeurodeRuns, *, L: int, h: float, theta0: float) -> Figure:
    """(a) the cost along the ``fixed_point`` iterations, (b) the trained weights per layer
    (grey: the iterates), (c) the trained flow (crosses: the initial network's outputs)."""
    import matplotlib.pyplot as plt

    from ..plotting.style import class_colour

    hist, thetas, labels, targets = r.history, r.thetas, r.labels, r.targets
    W = thetas[-1]  # [L, 2, 2]
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.1))
    ax = axes[0]
    its = range(len(hist["cost"]))
    ax.plot(its, hist["cost"], "o-", color="k", label="$J$")
    ax.plot(its, hist["data"], "s--", color="0.45", label="data term")
    ax.plot(its, hist["reg"], "^:", color="0.45", label=r"$\lambda\,$regulariser")
    ax.set(xlabel="shooting iteration", ylabel="cost", title="(a) cost along the iterations")
    ax.set_ylim(bottom=0)
    ax.legend()
    ax = axes[1]
    t = [k * h for k in range(L)]
    for th in thetas[1:-1]:
        ax.plot(t, th.reshape(L, 4), color="0.8", lw=0.6)
    ax.axhline(theta0, color="0.6", ls="--", lw=0.8, label=r"$\theta_0$")
    names = [r"$\theta_{11}$", r"$\theta_{12}$", r"$\theta_{21}$", r"$\theta_{22}$"]
    for j, (a, b) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        ax.plot(t, W[:, a, b], "o-", color=class_colour(j), label=names[j])
    ax.set(
        xlabel="layer time $t_k = k h$",
        ylabel="weight",
        title="(b) trained weights (grey: iterates)",
    )
    ax.legend(ncol=2, loc="lower left")
    ax = axes[2]
    xs, xL0 = r.trajectory, r.initial_output  # [L+1, 2n, 2], [2n, 2]
    for c in (0, 1):
        sel = labels == c
        ax.plot(xs[:, sel, 0], xs[:, sel, 1], color=class_colour(c), lw=0.3, alpha=0.4)
        ax.scatter(
            xs[0, sel, 0], xs[0, sel, 1], s=6, facecolors="none", edgecolors=class_colour(c), lw=0.5
        )
        ax.scatter(xs[-1, sel, 0], xs[-1, sel, 1], s=6, color=class_colour(c))
        ax.scatter(xL0[sel, 0], xL0[sel, 1], s=6, marker="x", color="0.5", lw=0.5)
    ax.scatter(targets[:, 0], targets[:, 1], marker="*", s=120, color="k", zorder=3)
    ax.set_aspect("equal")
    ax.set_title("(c) trained flow")
    fig.tight_layout()
    return fig


def _draw_comparison(costs: dict[str, list[float]]) -> Figure:
    """J minus the lowest final J along the iterations of each run (``costs``: per run)."""
    import matplotlib.pyplot as plt

    J_min = lowest_final_cost(costs)
    styles = {"fixed_point": "o-", "gradient": "-", "proximal": "--", "adam": ":"}
    fig, ax = plt.subplots(figsize=(4.6, 2.9))
    for kind, run_costs in costs.items():
        ax.plot(
            range(len(run_costs)),
            [max(c - J_min, 1e-7) for c in run_costs],
            styles[kind],
            color="k",
            label=kind,
        )
    ax.set_xscale("symlog", linthresh=1)
    ax.set(
        yscale="log",
        xlabel="iteration",
        ylabel=r"$J - J_{\min}$",
        title="distance to the lowest final cost, four runs",
    )
    ax.legend()
    fig.tight_layout()
    return fig


def _draw_oscillation(J_old: list[float]) -> Figure:
    """J along the ``fixed_point`` iterations on the data of Figs 4-5."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6, 2.9))
    ax.plot(range(len(J_old)), J_old, "o-", color="k")
    # a linear axis's default locator is an AutoLocator, a MaxNLocator
    cast("MaxNLocator", ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.set(xlabel="shooting iteration", ylabel="cost $J$")
    fig.tight_layout()
    return fig


def draw(r: NeurodeRuns, *, L: int, h: float, theta0: float) -> dict[str, Figure]:
    """The page's figures: ``main`` (the earlier experiment), ``comparison`` (the four runs)
    and ``oscillation`` (``fixed_point`` on the data of Figs 4-5)."""
    return {
        "main": _draw_main(r, L=L, h=h, theta0=theta0),
        "comparison": _draw_comparison({k: c for k, (_, c) in r.runs.items()}),
        "oscillation": _draw_oscillation(r.J_old),
    }
