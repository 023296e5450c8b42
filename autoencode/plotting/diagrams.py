"""Architecture diagrams drawn from :class:`~autoencode.architecture.Architecture` objects.

Every picture here is computed from an architecture's masks (``arch.masks``,
``arch.widths``, ``arch.skips``, ``arch.segments()``), never drawn by hand:
change the width profile and the picture changes with it.

- :func:`draw_network`: a conventional width-varying network, one column of
  nodes per layer (the paper's Fig 1).
- :func:`draw_embedding`: the same network embedded in a constant-width
  dynamical system: one column of d nodes per state x_0..x_L, active nodes
  filled, inactive ones hollow, identity (residual) connections, the field's
  connections and the phases (Fig 2, Fig 3, Fig 4's architecture sketch). For
  large d it draws the active width of each state as a bar instead.
- :func:`draw_skips`: U-net-like skip connections ``arch.skips`` as arcs (Fig 3).
- :func:`draw_pixel_phases`: for an image-shaped state (d = side**2), one
  side x side grid per constant-width segment, inactive pixels in green (Fig 7).
- :func:`draw_width_profile`: the width of each state as a step curve.
- :data:`PHASE_COLOURS` / :func:`phase_colour`: the phase palette used by all of them;
  :func:`legend_handles`: legend entries for the symbols of :func:`draw_embedding`.

All functions take an ``ax`` (or create one when it is None) and return what
they drew on. Artists carry a ``gid`` (``"active-nodes"``, ``"inactive-nodes"``,
``"residual"``, ``"field"``, ``"skip"``, ``"width-bars"``, ``"nodes"``,
``"edges"``) so that tests and notebooks can find and count them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..architecture import Architecture, Segment
from .style import (
    ACTIVE_COLOUR,
    INACTIVE_COLOUR,
    PHASE_COLOURS,
    SKIP_COLOUR,
    phase_colour,
)
from .style import (
    FIELD_COLOUR as _FIELD_COLOUR,
)
from .style import (
    RESIDUAL_COLOUR as _RESIDUAL_COLOUR,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

__all__ = [
    "PHASE_COLOURS",
    "ACTIVE_COLOUR",
    "INACTIVE_COLOUR",
    "SKIP_COLOUR",
    "phase_colour",
    "phase_spans",
    "draw_network",
    "draw_embedding",
    "draw_skips",
    "draw_pixel_phases",
    "draw_width_profile",
    "node_positions",
    "legend_handles",
]


def _get_ax(ax: Axes | None, figsize: tuple[float, float] = (5.0, 2.6)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def _collapse(widths: Sequence[int]) -> list[int]:
    out: list[int] = []
    for w in widths:
        if not out or out[-1] != w:
            out.append(int(w))
    return out


def phase_spans(segments: Sequence[Segment]) -> list[tuple[int, int, str]]:
    """Merge consecutive segments with the same phase into ``(start, stop, phase)``.

    ``start``/``stop`` are state indices (stop exclusive), as in :class:`Segment`.
    An encoder 5 -> 4 -> 3 has three segments but one ``"encoder"`` span.
    """
    spans: list[list[Any]] = []
    for s in segments:
        if spans and spans[-1][2] == s.phase and spans[-1][1] == s.start:
            spans[-1][1] = s.stop
        else:
            spans.append([s.start, s.stop, s.phase])
    return [(s[0], s[1], s[2]) for s in spans]


# ---------------------------------------------------------------------------
# Fig 1: a conventional width-varying network
# ---------------------------------------------------------------------------
def _column_slots(w: int, max_nodes: int) -> tuple[np.ndarray, float | None]:
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
        Width of each layer, or an :class:`Architecture` (its ``arch.widths``,
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
    from matplotlib.collections import LineCollection

    ax = _get_ax(ax)
    if isinstance(widths, Architecture):
        ws = widths.widths
        ws = _collapse(ws) if collapse else [int(w) for w in ws]
    else:
        ws = [int(w) for w in widths]
    if not ws or any(w < 1 for w in ws):
        raise ValueError(f"need at least one layer and widths >= 1, got {ws}")
    if max_nodes < 2:
        raise ValueError("max_nodes must be at least 2")
    if column_colours is not None and len(column_colours) != len(ws):
        raise ValueError(f"{len(column_colours)} column colours for {len(ws)} columns")

    cols = [_column_slots(w, max_nodes) for w in ws]
    xs = [i * spacing for i in range(len(ws))]
    segs = []
    for i in range(len(ws) - 1):
        ya, yb = cols[i][0], cols[i + 1][0]
        for y0 in ya:
            for y1 in yb:
                segs.append([(xs[i], y0), (xs[i + 1], y1)])
    edges = LineCollection(segs, colors=edge_colour, linewidths=edge_width, zorder=1)
    edges.set_gid("edges")
    ax.add_collection(edges)

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

    ymax = max(float(np.max(np.abs(ys))) for ys, _ in cols)
    for i, (w, (_ys, gap)) in enumerate(zip(ws, cols)):
        if gap is not None:
            ax.text(xs[i], gap, r"$\vdots$", ha="center", va="center", fontsize=11, zorder=4)
        if width_labels is True or (width_labels == "auto" and gap is not None):
            ax.text(xs[i], -ymax - 0.9, f"{w}", ha="center", va="top", fontsize=8)
        if layer_labels is not None and i < len(layer_labels) and layer_labels[i]:
            ax.text(xs[i], ymax + 0.9, layer_labels[i], ha="center", va="bottom", fontsize=8)
    ax.set_xlim(xs[0] - 0.6 * spacing, xs[-1] + 0.6 * spacing)
    ax.set_ylim(-ymax - 2.0, ymax + 2.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


# ---------------------------------------------------------------------------
# Fig 2 / 3 / 4: the embedding into a constant-width dynamical system
# ---------------------------------------------------------------------------
def node_positions(arch: Architecture, row_order: Sequence[int] | str | None = None) -> np.ndarray:
    """y coordinate of each component j in :func:`draw_embedding` (component 0 on top).

    ``row_order`` lists the components from top to bottom (default
    ``range(d)``); ``"chain"`` uses :meth:`Architecture.chain_order`, which
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


def _shade_phases(
    ax: Axes, spans: Sequence[tuple[int, int, str]], labels: bool, alpha: float
) -> None:
    """Shade each (start, stop, phase) span of states; names at the top of the axes."""
    for s, t, phase in spans:
        ax.axvspan(
            s - 0.5, t - 0.5, ymin=0, ymax=1, color=phase_colour(phase), alpha=alpha, lw=0, zorder=0
        )
        if labels:
            ax.text(
                (s + t - 1) / 2.0,
                0.985,
                phase,
                ha="center",
                va="top",
                fontsize=8,
                color=phase_colour(phase),
                transform=ax.get_xaxis_transform(),
            )


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
    from matplotlib.collections import LineCollection

    if arch is None:
        raise ValueError("draw_embedding needs an Architecture")
    ax = _get_ax(ax)
    masks = arch.masks.numpy().astype(bool)
    L, d = arch.depth, arch.dim
    segs = list(arch.segments() if segments is None else segments)
    spans = phase_spans(segs)
    nodes = d <= max_nodes

    if nodes:
        y = node_positions(arch, row_order)
        top, bottom = float(y.max()), float(y.min())
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
        if residual:
            res = [
                [(k, y[j]), (k + 1, y[j])]
                for k in range(L)
                for j in np.nonzero(masks[k] & masks[k + 1])[0]
            ]
            rc = LineCollection(res, colors=_RESIDUAL_COLOUR, linewidths=1.0, zorder=2)
            rc.set_gid("residual")
            ax.add_collection(rc)
        if field:
            fs = []
            for k in range(L):
                src = np.nonzero(masks[k])[0]
                dst = np.nonzero(masks[k] & masks[k + 1])[0]
                fs += [[(k, y[i]), (k + 1, y[j])] for i in src for j in dst if i != j]
            fc = LineCollection(fs, colors=_FIELD_COLOUR, linewidths=0.35, alpha=0.7, zorder=1)
            fc.set_gid("field")
            ax.add_collection(fc)
        ax.set_ylim(bottom - 0.8, top + 0.8)
    else:
        widths = masks.sum(1)
        colours = [phase_colour(_phase_of(k, segs)) for k in range(L + 1)]
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

    span = top - bottom if top > bottom else 1.0
    if phases:
        _shade_phases(ax, spans, phase_labels, shade_alpha)
    content_top = top
    if skips and arch.skips:
        y0 = top + (0.45 if nodes else 0.02 * d)
        height = max(1.2, 0.35 * span)
        draw_skips(ax, arch, y=y0, height=height)
        content_top = y0 + height
    ax.set_xlim(-0.6, L + 0.6)
    lo = ax.get_ylim()[0]
    hi = max(ax.get_ylim()[1], content_top + 0.1 * span)
    if phases and phase_labels:  # room for the phase names at the top of the axes
        hi = content_top + 0.16 * (content_top - lo) + (0.6 if nodes else 0.0)
    ax.set_ylim(lo, hi)
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
    return ax


def _phase_of(k: int, segments: Sequence[Segment]) -> str:
    for s in segments:
        if s.start <= k < s.stop:
            return s.phase
    return "constant"


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


# ---------------------------------------------------------------------------
# Fig 7: image-shaped states, one grid per phase
# ---------------------------------------------------------------------------
def draw_pixel_phases(
    axes_or_fig: Figure | Sequence[Axes] | np.ndarray | None = None,
    arch: Architecture | None = None,
    side: int = 28,
    inactive_colour: str = "green",
    active_colour: str = "0.85",
    segments: Sequence[Segment] | None = None,
    titles: bool = True,
    show_states: bool = False,
) -> list[Axes]:
    """One side x side grid per constant-width segment: active pixels light, inactive ones green.

    Component j of the state is pixel (j // side, j % side) (row-major, as
    :func:`autoencode.data.mnist.to_vectors`). The paper's Fig 7 caption: "The
    inactive nodes are marked in green."

    Parameters
    ----------
    axes_or_fig:
        None (a new figure with one row of axes), a Figure (axes are added to
        it), or a sequence/array of at least ``len(segments)`` axes.
    arch:
        Architecture with ``arch.dim == side * side``.
    segments:
        Segments to draw (default ``arch.segments()``).
    titles:
        Title each grid "<phase>, width <w>" (coloured by phase).
    show_states:
        Add the state range ``x_s..x_t`` to the titles.

    Returns
    -------
    List of the axes used, one per segment; ``ax.images[0]`` holds the RGB grid.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure

    if arch is None:
        raise ValueError("draw_pixel_phases needs an Architecture")
    if arch.dim != side * side:
        raise ValueError(f"state dimension {arch.dim} is not side**2 = {side * side}")
    segs = list(arch.segments() if segments is None else segments)
    n = len(segs)
    if axes_or_fig is None:
        fig = plt.figure(figsize=(1.45 * n + 0.3, 1.9))
        axes = list(np.ravel(fig.subplots(1, n, squeeze=False)))
    elif isinstance(axes_or_fig, Figure):
        axes = list(np.ravel(axes_or_fig.subplots(1, n, squeeze=False)))
    else:
        axes = list(np.ravel(np.asarray(axes_or_fig, dtype=object)))
        if len(axes) < n:
            raise ValueError(f"{len(axes)} axes for {n} segments")
    on, off = np.array(to_rgb(active_colour)), np.array(to_rgb(inactive_colour))
    masks = arch.masks.numpy().astype(bool)
    for ax, seg in zip(axes, segs):
        m = masks[seg.start].reshape(side, side)
        img = np.where(m[..., None], on, off)
        ax.imshow(img, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for sp in ax.spines.values():
            sp.set_visible(True)
            sp.set_linewidth(0.5)
        if titles:
            t = f"{seg.phase}, width {seg.width}"
            if show_states:
                t += f"\n$x_{{{seg.start}}}$\u2013$x_{{{seg.stop - 1}}}$"
            ax.set_title(t, fontsize=8, color=phase_colour(seg.phase))
    return axes[:n]


def draw_width_profile(
    ax: Axes | None = None,
    arch: Architecture | None = None,
    *,
    colour_phases: bool = True,
    label: str | None = None,
    **plot_kw: Any,
) -> Axes:
    """The active width of each state x_0..x_L as a step curve over the layer index.

    With ``colour_phases`` the background is shaded by phase. Returns the axes.
    """
    if arch is None:
        raise ValueError("draw_width_profile needs an Architecture")
    ax = _get_ax(ax, figsize=(4.0, 2.2))
    w = np.asarray(arch.widths)
    k = np.arange(arch.depth + 1)
    plot_kw.setdefault("color", ACTIVE_COLOUR)
    ax.step(k, w, where="mid", label=label, **plot_kw)
    ax.plot(k, w, "o", ms=2.5, color=plot_kw["color"])
    if colour_phases:
        _shade_phases(ax, phase_spans(arch.segments()), False, 0.10)
    ax.set_xlabel("layer $k$")
    ax.set_ylabel("active width")
    ax.set_ylim(0, arch.dim * 1.08)
    ax.set_xlim(-0.5, arch.depth + 0.5)
    return ax


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
        h.append(Line2D([], [], color=_RESIDUAL_COLOUR, lw=1.0, label="identity (residual)"))
    if field:
        h.append(Line2D([], [], color=_FIELD_COLOUR, lw=0.8, label="field connection"))
    if skips:
        h.append(Line2D([], [], color=SKIP_COLOUR, lw=1.2, label="skip connection"))
    return h
