"""Panels that several figures draw: points and trajectories by class, target points, cost
curves, and the shading of an architecture's phases along the states k.

Each takes the ``ax`` to draw on and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..architecture import Architecture
from .diagrams import phase_spans
from .style import class_colour, phase_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_classes", "plot_trajectories", "plot_targets", "plot_cost_curves", "shade_phases"]

#: Labels of the phases on a states axis (k = 0..L).
PHASE_LABELS = {
    "encoder": "encoding phase",
    "bottleneck": "bottleneck",
    "decoder": "decoding phase",
}


def _np(t: Any) -> Any:
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t


def plot_classes(
    ax: Axes,
    points: torch.Tensor,
    labels: torch.Tensor,
    *,
    hollow: bool = False,
    s: float = 10.0,
    label: str | None = None,
    **kwargs: Any,
) -> Axes:
    """Scatter 2D points coloured by class (filled, or ``hollow`` circles).

    ``label`` (e.g. ``"data"``) is formatted with ``{c}`` for the class index when
    it contains it, and otherwise given to class 0 only (one legend entry).
    """
    points, labels = _np(points), _np(labels)
    for c in sorted(set(labels.tolist())):
        sel = labels == c
        colour = class_colour(c)
        lab = None
        if label is not None:
            lab = label.format(c=c) if "{c}" in label else (label if c == 0 else None)
        style = (
            dict(facecolors="none", edgecolors=colour, linewidths=0.6)
            if hollow
            else dict(color=colour)
        )
        ax.scatter(points[sel, 0], points[sel, 1], s=s, label=lab, **style, **kwargs)
    return ax


def plot_trajectories(
    ax: Axes,
    traj: torch.Tensor,
    labels: torch.Tensor,
    *,
    lw: float = 0.4,
    alpha: float = 0.35,
    **kwargs: Any,
) -> Axes:
    """Trajectories ``traj[k, i, :]`` (``[K, N, 2]``) as lines coloured by class."""
    traj, labels = _np(traj), _np(labels)
    for c in sorted(set(labels.tolist())):
        sel = labels == c
        ax.plot(
            traj[:, sel, 0], traj[:, sel, 1], color=class_colour(c), lw=lw, alpha=alpha, **kwargs
        )
    return ax


def plot_targets(
    ax: Axes,
    targets: Sequence[Sequence[float]] | torch.Tensor,
    *,
    s: float = 140.0,
    label: str | None = "targets",
) -> Axes:
    """The class target points as stars in their class colour, black edge."""
    targets = _np(torch.as_tensor(targets))
    for c, (tx, ty) in enumerate(targets):
        ax.scatter(
            [tx],
            [ty],
            marker="*",
            s=s,
            color=class_colour(c),
            edgecolors="k",
            linewidths=0.6,
            zorder=5,
            label=label if c == 0 else None,
        )
    return ax


def plot_cost_curves(
    ax: Axes,
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    *,
    key: str = "cost",
    styles: Mapping[str, str] | None = None,
    log: bool = True,
    colour: str = "k",
) -> Axes:
    """J (or ``key``) per iteration for several runs, one line per ``{name: history}``.

    Iterations are counted from 1 (the history stores J *before* each update).
    """
    default = ["-", "--", ":", "-."]
    for i, (name, hist) in enumerate(histories.items()):
        vals = list(hist[key])
        style = (styles or {}).get(name, default[i % len(default)])
        ax.plot(range(1, len(vals) + 1), vals, style, color=colour, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel({"cost": "cost $J$", "data": "data term", "reg": "regulariser"}.get(key, key))
    ax.legend()
    return ax


def shade_phases(ax: Axes, arch: Architecture, labels: bool = True, alpha: float = 0.10) -> Axes:
    """Shade the encoding phase, the bottleneck and the decoding phase (states k on the x-axis)."""
    for s, t, phase in phase_spans(arch.segments()):
        ax.axvspan(s - 0.5, t - 0.5, color=phase_colour(phase), alpha=alpha, lw=0, zorder=0)
        if labels:
            ax.text(
                (s + t - 1) / 2,
                0.98,
                PHASE_LABELS.get(phase, phase),
                ha="center",
                va="top",
                fontsize=7,
                color=phase_colour(phase),
                transform=ax.get_xaxis_transform(),
            )
    return ax
