"""Fig 1: a conventional width-varying network, one column of nodes per layer.

:func:`draw_network` draws every connection between consecutive columns; a column wider than
``max_nodes`` draws that many nodes around a vertical ellipsis. The public face of the
diagrams is :mod:`autoencode.plotting.diagrams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..architecture import Architecture
from .diagram_parts import axes_or_new
from .style import ACTIVE_COLOUR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["draw_network"]

#: A column's drawn nodes: their y positions and the y of its ellipsis (None: all drawn).
_Column = tuple[np.ndarray, float | None]


def _collapse(widths: Sequence[int]) -> list[int]:
    """Consecutive equal widths merged into one."""
    out: list[int] = []
    for w in widths:
        if not out or out[-1] != w:
            out.append(int(w))
    return out


def _column_slots(w: int, max_nodes: int) -> _Column:
    """y positions of the drawn nodes of a column of width w (centred on 0).

    When w > max_nodes only max_nodes nodes are drawn, split around a gap whose
    centre is returned (where the ellipsis goes); otherwise the gap is None.
    """
    if w <= max_nodes:
        return (np.arange(w) - (w - 1) / 2.0)[::-1], None
    top = max_nodes // 2
    bottom = max_nodes - top
    slots = np.arange(max_nodes + 1) - max_nodes / 2.0  # one extra slot for the ellipsis
    slots = slots[::-1]
    ys = np.concatenate([slots[:top], slots[top + 1 : top + 1 + bottom]])
    return ys, float(slots[top])


def draw_network(
    ax: Axes | None = None,
    widths: Sequence[int] | Architecture = (),
    *,
    collapse: bool = True,
    max_nodes: int = 12,
    node_size: float = 60.0,
    node_colour: str = ACTIVE_COLOUR,
    edge_colour: str = "0.78",
    edge_width: float = 0.6,
    column_colours: Sequence[str] | None = None,
    width_labels: bool | str = "auto",
    layer_labels: Sequence[str] | None = None,
    spacing: float = 1.6,
) -> Axes:
    """Draw a fully connected width-varying network: one column of nodes per layer.

    Parameters
    ----------
    ax:
        Matplotlib axes (created when None).
    widths:
        Width of each layer, or an :class:`~autoencode.Architecture` (its ``arch.widths``,
        one per state x_0..x_L).
    collapse:
        For an Architecture, merge consecutive states of equal width into one
        column (a phase of an AutoencODE is one layer of the conventional
        network). Ignored for a plain list.
    max_nodes:
        Columns wider than this draw ``max_nodes`` nodes around a vertical
        ellipsis, and the width is written below the column.
    width_labels:
        ``"auto"``: write the width below truncated columns only; True: below
        every column; False: never.
    layer_labels:
        Optional text above each column (e.g. ``["input", "", "output"]``).
    column_colours:
        Optional node colour per column (default ``node_colour`` everywhere).
    spacing:
        Horizontal distance between columns (node spacing is 1).

    Returns
    -------
    The axes. Nodes are one scatter (gid ``"nodes"``, one offset per drawn node),
    edges one LineCollection (gid ``"edges"``).
    """
    ax = axes_or_new(ax)
    ws = _layer_widths(widths, collapse)
    if max_nodes < 2:
        raise ValueError("max_nodes must be at least 2")
    if column_colours is not None and len(column_colours) != len(ws):
        raise ValueError(f"{len(column_colours)} column colours for {len(ws)} columns")

    cols = [_column_slots(w, max_nodes) for w in ws]
    xs = [i * spacing for i in range(len(ws))]
    _draw_edges(ax, cols, xs, edge_colour, edge_width)
    _draw_nodes(ax, cols, xs, node_size, node_colour, column_colours)
    ymax = max(float(np.max(np.abs(ys))) for ys, _ in cols)
    _label_columns(ax, ws, cols, xs, ymax, width_labels, layer_labels)
    ax.set_xlim(xs[0] - 0.6 * spacing, xs[-1] + 0.6 * spacing)
    ax.set_ylim(-ymax - 2.0, ymax + 2.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _layer_widths(widths: Sequence[int] | Architecture, collapse: bool) -> list[int]:
    """The width of each column: the states' widths (merged where equal, with ``collapse``)
    of an Architecture, or the given widths."""
    if isinstance(widths, Architecture):
        ws = widths.widths
        ws = _collapse(ws) if collapse else [int(w) for w in ws]
    else:
        ws = [int(w) for w in widths]
    if not ws or any(w < 1 for w in ws):
        raise ValueError(f"need at least one layer and widths >= 1, got {ws}")
    return ws


def _draw_edges(
    ax: Axes, cols: Sequence[_Column], xs: Sequence[float], colour: str, width: float
) -> None:
    """Every drawn node of a column joined to every drawn node of the next (gid ``"edges"``)."""
    from matplotlib.collections import LineCollection

    segs = []
    for i in range(len(cols) - 1):
        ya, yb = cols[i][0], cols[i + 1][0]
        for y0 in ya:
            for y1 in yb:
                segs.append([(xs[i], y0), (xs[i + 1], y1)])
    edges = LineCollection(segs, colors=colour, linewidths=width, zorder=1)
    edges.set_gid("edges")
    ax.add_collection(edges)


def _draw_nodes(
    ax: Axes,
    cols: Sequence[_Column],
    xs: Sequence[float],
    node_size: float,
    node_colour: str,
    column_colours: Sequence[str] | None,
) -> None:
    """Every drawn node as one scatter (gid ``"nodes"``), coloured per column if asked."""
    pts = np.concatenate(
        [np.column_stack([np.full(len(ys), x), ys]) for x, (ys, _) in zip(xs, cols)]
    )
    colours = None
    if column_colours is not None:
        colours = [c for c, (ys, _) in zip(column_colours, cols) for _ in ys]
    sc = ax.scatter(
        pts[:, 0],
        pts[:, 1],
        s=node_size,
        c=colours if colours else node_colour,
        edgecolors="white",
        linewidths=0.6,
        zorder=3,
    )
    sc.set_gid("nodes")


def _label_columns(
    ax: Axes,
    ws: Sequence[int],
    cols: Sequence[_Column],
    xs: Sequence[float],
    ymax: float,
    width_labels: bool | str,
    layer_labels: Sequence[str] | None,
) -> None:
    """The ellipsis of each truncated column, its width below, its layer label above."""
    for i, (w, (_ys, gap)) in enumerate(zip(ws, cols)):
        if gap is not None:
            ax.text(xs[i], gap, r"$\vdots$", ha="center", va="center", fontsize=11, zorder=4)
        if width_labels is True or (width_labels == "auto" and gap is not None):
            ax.text(xs[i], -ymax - 0.9, f"{w}", ha="center", va="top", fontsize=8)
        if layer_labels is not None and i < len(layer_labels) and layer_labels[i]:
            ax.text(xs[i], ymax + 0.9, layer_labels[i], ha="center", va="bottom", fontsize=8)
