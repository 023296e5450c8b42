"""Fig 7: wide states drawn by which components are active, not node by node.

:func:`draw_pixel_phases` draws an image-shaped state (d = side**2) as one side x side grid per
constant-width segment, inactive pixels in green; :func:`draw_width_profile` draws the active
width of each state as a step curve. The public face of the diagrams is
:mod:`autoencode.plotting.diagrams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..architecture import Architecture, Segment
from .diagram_parts import axes_or_new, phase_spans, shade_phases
from .style import ACTIVE_COLOUR, phase_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["draw_pixel_phases", "draw_width_profile"]


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
    ax = axes_or_new(ax, figsize=(4.0, 2.2))
    w = np.asarray(arch.widths)
    k = np.arange(arch.depth + 1)
    plot_kw.setdefault("color", ACTIVE_COLOUR)
    ax.step(k, w, where="mid", label=label, **plot_kw)
    ax.plot(k, w, "o", ms=2.5, color=plot_kw["color"])
    if colour_phases:
        shade_phases(ax, phase_spans(arch.segments()), False, 0.10)
    ax.set_xlabel("layer $k$")
    ax.set_ylabel("active width")
    ax.set_ylim(0, arch.dim * 1.08)
    ax.set_xlim(-0.5, arch.depth + 0.5)
    return ax
