"""Figs 2-4: an architecture embedded in a constant-width dynamical system.

:func:`draw_embedding` draws one column of d nodes per state x_0..x_L, active nodes filled and
inactive ones hollow, the identity (residual) connections, the field's connections, the phases
and the skip connections (:func:`draw_skips`); for large d it draws the active width of each
state as a bar instead. :func:`node_positions` places the rows, :func:`legend_handles` names
the symbols. The public face of the diagrams is :mod:`autoencode.plotting.diagrams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..architecture import Architecture, Segment
from .diagram_parts import axes_or_new, phase_of, phase_spans, shade_phases
from .style import (
    ACTIVE_COLOUR,
    FIELD_COLOUR,
    INACTIVE_COLOUR,
    RESIDUAL_COLOUR,
    SKIP_COLOUR,
    phase_colour,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

__all__ = ["node_positions", "draw_embedding", "draw_skips", "legend_handles"]


def node_positions(arch: Architecture, row_order: Sequence[int] | str | None = None) -> np.ndarray:
    """y coordinate of each component j in :func:`draw_embedding` (component 0 on top).

    ``row_order`` lists the components from top to bottom (default
    ``range(d)``); ``"chain"`` uses :meth:`~autoencode.Architecture.chain_order`, which
    puts the components that stay on longest on top.
    """
    d = arch.dim
    if isinstance(row_order, str):
        if row_order != "chain":
            raise ValueError(f"row_order must be None, 'chain' or a permutation, got {row_order!r}")
        chain = arch.chain_order()
        perm = np.arange(d) if chain is None else chain.numpy()
    elif row_order is None:
        perm = np.arange(d)
    else:
        perm = np.asarray(row_order, dtype=int)
        if sorted(perm.tolist()) != list(range(d)):
            raise ValueError(f"row_order must be a permutation of range({d})")
    y = np.empty(d)
    y[perm] = -np.arange(d, dtype=float)
    return y


def draw_embedding(
    ax: Axes | None = None,
    arch: Architecture | None = None,
    *,
    max_nodes: int = 40,
    field: bool = True,
    residual: bool = True,
    skips: bool = True,
    segments: Sequence[Segment] | None = None,
    phases: bool = True,
    phase_labels: bool = True,
    row_order: Sequence[int] | str | None = None,
    node_size: float | None = None,
    active_colour: str = ACTIVE_COLOUR,
    inactive_colour: str = INACTIVE_COLOUR,
    time_axis: bool = True,
    max_ticks: int = 11,
    shade_alpha: float = 0.10,
) -> Axes:
    """Draw an architecture as a constant-width dynamical system.

    One column per state x_0..x_L (x = k), one row per component (d nodes per
    column, component 0 on top). Active components (``arch.masks[k, j]``) are
    filled, inactive ones hollow. Between consecutive states k and k+1:

    - residual (identity) connections: a horizontal line for every component
      active in both states (the "x_k +" of the Euler step);
    - the field's connections: a thin line from every component active in x_k
      (what layer k reads) to every other component active in both x_k and
      x_{k+1} (what it writes and keeps); components turned on at k+1 receive
      no input from layer k, since they start from 0 (our ``reset`` model).

    The background is shaded by phase (encoder / bottleneck / decoder from
    ``arch.segments()``, or the ``segments`` you pass, e.g. those of a main
    path), and skip connections ``arch.skips`` are drawn as arcs.

    When d > ``max_nodes`` the nodes are replaced by a width profile: one bar per
    state of height = active width, centred, coloured by phase (gid
    ``"width-bars"``), inside the outline of the full width d.

    Parameters
    ----------
    row_order:
        Components from top to bottom (see :func:`node_positions`).
    segments:
        Segments used for the phase shading and labels (default ``arch.segments()``).
    phases, phase_labels:
        Shade the phases / write their names above the diagram.
    time_axis:
        Show a "layer k" axis below the diagram.

    Returns
    -------
    The axes. Artists: scatters ``"active-nodes"`` (one offset per active node,
    sum(arch.widths) in all) and ``"inactive-nodes"``, LineCollections
    ``"residual"`` and ``"field"``, patches ``"skip"``.
    """
    if arch is None:
        raise ValueError("draw_embedding needs an Architecture")
    ax = axes_or_new(ax)
    masks = arch.masks.numpy().astype(bool)
    segs = list(arch.segments() if segments is None else segments)
    nodes = arch.dim <= max_nodes
    if nodes:
        y = node_positions(arch, row_order)
        _draw_nodes(ax, arch, masks, y, node_size, active_colour, inactive_colour)
        _draw_connections(ax, masks, y, arch.depth, residual=residual, field=field)
        top, bottom = float(y.max()), float(y.min())
        ax.set_ylim(bottom - 0.8, top + 0.8)
    else:
        top, bottom = _draw_width_bars(ax, arch, masks, segs, inactive_colour)
    if phases:
        shade_phases(ax, phase_spans(segs), phase_labels, shade_alpha)
    _skips_and_limits(ax, arch, top, bottom, nodes, skips, phases and phase_labels)
    _layer_axis(ax, arch.depth, time_axis, max_ticks)
    return ax


def _draw_nodes(
    ax: Axes,
    arch: Architecture,
    masks: np.ndarray,
    y: np.ndarray,
    node_size: float | None,
    active_colour: str,
    inactive_colour: str,
) -> None:
    """Active nodes filled (gid ``"active-nodes"``), inactive ones hollow (``"inactive-nodes"``);
    the default size shrinks as the diagram grows."""
    L, d = arch.depth, arch.dim
    if node_size is None:
        node_size = float(np.clip(900.0 / max(d, L + 1) ** 1.3, 4.0, 60.0))
    kk, jj = np.nonzero(masks)
    act = ax.scatter(
        kk,
        y[jj],
        s=node_size,
        c=active_colour,
        edgecolors=active_colour,
        linewidths=0.5,
        zorder=4,
    )
    act.set_gid("active-nodes")
    ki, ji = np.nonzero(~masks)
    ina = ax.scatter(
        ki,
        y[ji],
        s=node_size,
        facecolors="white",
        edgecolors=inactive_colour,
        linewidths=0.8,
        zorder=4,
    )
    ina.set_gid("inactive-nodes")


def _draw_connections(
    ax: Axes, masks: np.ndarray, y: np.ndarray, L: int, *, residual: bool, field: bool
) -> None:
    """The identity connections of the components active in both x_k and x_{k+1} (gid
    ``"residual"``) and the field's, from every component active in x_k to every other of
    those (gid ``"field"``)."""
    from matplotlib.collections import LineCollection

    if residual:
        res = [
            [(k, y[j]), (k + 1, y[j])]
            for k in range(L)
            for j in np.nonzero(masks[k] & masks[k + 1])[0]
        ]
        rc = LineCollection(res, colors=RESIDUAL_COLOUR, linewidths=1.0, zorder=2)
        rc.set_gid("residual")
        ax.add_collection(rc)
    if field:
        fs = []
        for k in range(L):
            src = np.nonzero(masks[k])[0]
            dst = np.nonzero(masks[k] & masks[k + 1])[0]
            fs += [[(k, y[i]), (k + 1, y[j])] for i in src for j in dst if i != j]
        fc = LineCollection(fs, colors=FIELD_COLOUR, linewidths=0.35, alpha=0.7, zorder=1)
        fc.set_gid("field")
        ax.add_collection(fc)


def _draw_width_bars(
    ax: Axes,
    arch: Architecture,
    masks: np.ndarray,
    segs: Sequence[Segment],
    inactive_colour: str,
) -> tuple[float, float]:
    """One bar per state, its active width centred and coloured by phase (gid
    ``"width-bars"``), inside the outline of the full width d; returns the top and bottom."""
    L, d = arch.depth, arch.dim
    widths = masks.sum(1)
    colours = [phase_colour(phase_of(k, segs)) for k in range(L + 1)]
    ax.bar(
        np.arange(L + 1),
        [d] * (L + 1),
        bottom=-d / 2.0,
        width=0.8,
        color="none",
        edgecolor=inactive_colour,
        linewidth=0.5,
        zorder=1,
    )
    bars = ax.bar(
        np.arange(L + 1),
        widths,
        bottom=-widths / 2.0,
        width=0.8,
        color=colours,
        edgecolor="none",
        zorder=2,
    )
    for b in bars:
        b.set_gid("width-bars")
    top, bottom = d / 2.0, -d / 2.0
    ax.set_ylim(bottom - 0.05 * d, top + 0.05 * d)
    return top, bottom


def _skips_and_limits(
    ax: Axes,
    arch: Architecture,
    top: float,
    bottom: float,
    nodes: bool,
    skips: bool,
    label_room: bool,
) -> None:
    """The skip arcs just above the top row, then the limits: room for the arcs and, with
    ``label_room``, for the phase names at the top of the axes."""
    L, d = arch.depth, arch.dim
    span = top - bottom if top > bottom else 1.0
    content_top = top
    if skips and arch.skips:
        y0 = top + (0.45 if nodes else 0.02 * d)
        height = max(1.2, 0.35 * span)
        draw_skips(ax, arch, y=y0, height=height)
        content_top = y0 + height
    ax.set_xlim(-0.6, L + 0.6)
    lo = ax.get_ylim()[0]
    hi = max(ax.get_ylim()[1], content_top + 0.1 * span)
    if label_room:
        hi = content_top + 0.16 * (content_top - lo) + (0.6 if nodes else 0.0)
    ax.set_ylim(lo, hi)


def _layer_axis(ax: Axes, L: int, time_axis: bool, max_ticks: int) -> None:
    """Only the bottom spine, over the states; with ``time_axis``, at most ``max_ticks`` layer
    ticks and their label."""
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_yticks([])
    ax.spines["bottom"].set_bounds(-0.5, L + 0.5)
    if time_axis:
        step = max(1, int(np.ceil((L + 1) / max_ticks)))
        ax.set_xticks(np.arange(0, L + 1, step))
        ax.set_xlabel("layer $k$ (state $x_k$)")
    else:
        ax.spines["bottom"].set_visible(False)
        ax.set_xticks([])


def draw_skips(
    ax: Axes,
    arch: Architecture,
    *,
    y: float = 0.5,
    height: float = 1.5,
    colour: str = SKIP_COLOUR,
    linewidth: float = 1.2,
    arrows: bool = True,
) -> list[FancyArrowPatch]:
    """Draw each skip connection ``(s, t)`` of ``arch.skips`` as an arc from state s to state t.

    The arcs are quadratic curves in data coordinates from ``(s, y)`` to
    ``(t, y)`` that bulge upwards; the longest skip rises ``height`` above
    ``y`` and the others proportionally to their length ``t - s``, so the
    nested skips of a U-net do not cross. :func:`draw_embedding` puts ``y``
    just above its top row. Each arc is a FancyArrowPatch with gid ``"skip"``
    and label ``"_skip s->t"``.
    Returns the list of patches.
    """
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    out: list[FancyArrowPatch] = []
    if not arch.skips:
        return out
    longest = max(t - s for s, t in arch.skips)
    for s, t in arch.skips:
        h = height * (t - s) / longest
        # control point at 2h gives a curve whose apex is h above y
        path = Path(
            [(s, y), ((s + t) / 2.0, y + 2.0 * h), (t, y)], [Path.MOVETO, Path.CURVE3, Path.CURVE3]
        )
        p = FancyArrowPatch(
            path=path,
            arrowstyle="-|>" if arrows else "-",
            mutation_scale=8,
            color=colour,
            linewidth=linewidth,
            zorder=5,
        )
        p.set_gid("skip")
        p.set_label(f"_skip {s}->{t}")  # leading "_": kept out of legends
        ax.add_patch(p)
        out.append(p)
    return out


def legend_handles(skips: bool = False, field: bool = True, residual: bool = True) -> list[Line2D]:
    """Proxy artists for a legend of :func:`draw_embedding`'s symbols.

    Use as ``ax.legend(handles=legend_handles(skips=True), ...)``.
    """
    from matplotlib.lines import Line2D

    h = [
        Line2D([], [], ls="none", marker="o", ms=5, color=ACTIVE_COLOUR, label="active node"),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=5,
            mfc="white",
            mec=INACTIVE_COLOUR,
            label="inactive node",
        ),
    ]
    if residual:
        h.append(Line2D([], [], color=RESIDUAL_COLOUR, lw=1.0, label="identity (residual)"))
    if field:
        h.append(Line2D([], [], color=FIELD_COLOUR, lw=0.8, label="field connection"))
    if skips:
        h.append(Line2D([], [], color=SKIP_COLOUR, lw=1.2, label="skip connection"))
    return h
