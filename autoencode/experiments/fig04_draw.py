"""The figure of Fig 4 (:func:`autoencode.experiments.fig04.fig04`).

:func:`draw` draws the runs of :func:`autoencode.experiments.fig04_compute.compute`: the
classification by the shooting run, the architecture, and the training costs of both runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import analysis
from ..plotting import diagrams, panels
from .common import draw_phase, legend_marker
from .fig04_compute import Fig04Runs

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw"]


def draw(r: Fig04Runs) -> dict[str, Figure]:
    """Fig 4: classification by the shooting run (the paper's left panel), the architecture
    (its right panel) and the training costs of both runs (ours)."""
    import matplotlib.pyplot as plt

    x, labels, targets = r.x, r.problem["labels"], r.problem["targets"]
    runs, arch = r.runs, r.initial.arch
    model = runs["shooting"].model
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), width_ratios=[1.0, 1.3, 0.95])
    ax = axes[0]
    phases = analysis.phase_trajectories(model, x)
    panels.plot_classes(ax, x, labels, hollow=True, s=9)
    for _seg, traj in phases:
        draw_phase(ax, traj, labels)
    markers = {"encoder": "^", "bottleneck": "s"}
    for seg, traj in phases[:-1]:
        panels.plot_classes(ax, traj[-1], labels, s=8, marker=markers[seg.phase], alpha=0.7)
    panels.plot_classes(ax, phases[-1][1][-1], labels, s=9)
    panels.plot_targets(ax, targets)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(-2.2, 2.2), ylim=(-1.6, 1.6), aspect="equal")
    ax.set_title("classification, natural turn-off")
    handles = [
        legend_marker("o", False, label="data"),
        legend_marker("^", label="end of initial phase"),
        legend_marker("s", label="end of encoding phase"),
        legend_marker("o", label="final state"),
        legend_marker("*", False, ms=9, label="class targets"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2,
        fontsize=7,
        handletextpad=0.2,
        columnspacing=0.8,
    )
    diagrams.draw_embedding(axes[1], arch)
    axes[1].set_title("AutoencODE $2 \\to 1 \\to 2$: $x_2$ off in the middle phase", pad=14)
    panels.plot_cost_curves(
        axes[2],
        {"shooting (gradient)": runs["shooting"].history, "Adam": runs["Adam"].history},
        styles={"shooting (gradient)": "-", "Adam": "--"},
    )
    axes[2].set_title("training cost, same initial weights")
    fig.tight_layout()
    return {"main": fig}
