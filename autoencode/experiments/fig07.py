"""Fig 7 (figure ``fig07``): the MNIST AutoencODE's architecture, drawn; no images are read.

The width profile of :data:`~.mnist_model.MNIST_FULL` (ours; see :mod:`.mnist_common`) over
equal phases, the most central pixels staying active: the active pixels of each run of states,
and the width of every state.

:func:`compute` builds the architecture, :func:`numbers` names its bottleneck and the sanity
checks of what is drawn, :func:`draw` draws; :func:`fig07` calls the three in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .. import claims
from ..architecture import Architecture, Segment, centre_out_order
from ..plotting import diagrams
from ..plotting.style import phase_colour
from .mnist_model import MNIST_FULL
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Fig07Layout", "compute", "numbers", "draw", "fig07"]


def _fig07_defaults(quick: bool) -> dict[str, Any]:
    # drawing only: quick mode changes nothing
    return dict(
        widths=list(MNIST_FULL["widths"]), L=MNIST_FULL["L"], side=28, seed=MNIST_FULL["seed"]
    )


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig07Layout:
    """What :func:`compute` builds: the architecture and its runs of states of equal width."""

    #: The masks of x_0..x_L: the width profile, the most central pixels active.
    arch: Architecture
    #: The runs of states of equal width, with their phase.
    segments: list[Segment]


def compute(*, widths: Sequence[int], L: int, side: int) -> Fig07Layout:
    """The architecture of the width profile ``widths`` over ``L`` layers, the pixels of a
    ``side`` x ``side`` image kept active from the centre out."""
    arch = Architecture.from_phases(widths, L=L, order=centre_out_order(side))
    return Fig07Layout(arch, arch.segments())


# -- numbers ----------------------------------------------------------------------------------


def numbers(r: Fig07Layout, *, L: int, side: int) -> Numbers:
    """The bottleneck (width, state, first state), the summary (one line per run of states),
    and two sanity checks of what is drawn (true by construction of the profile)."""
    arch, segments = r.arch, r.segments
    lines = [str(arch)] + [
        f"  {s.phase:<10} states x_{s.start}..x_{s.stop - 1}: width {s.width}" for s in segments
    ]
    n = {
        "fig7_bottleneck_width": arch.widths[arch.bottleneck],
        "fig7_bottleneck_state": arch.bottleneck,
        "fig7_bottleneck_first": [s.start for s in segments if s.phase == "bottleneck"][0],
    }
    # a drawing: nothing to reproduce, only sanity checks of what is drawn (true by construction
    # of the profile), reported and never counted as evidence
    order = centre_out_order(side)
    nested = all(
        bool((a <= c).all()) or bool((c <= a).all())
        for a, c in zip(arch.masks[:-1], arch.masks[1:])
    )
    central = all(
        set(arch.active(k).tolist()) == set(order[: arch.widths[k]].tolist()) for k in range(L + 1)
    )
    checks = [
        claims.Claim("consecutive active sets are nested", float(nested), 1.0, nested),
        claims.Claim(
            "every state keeps its most central pixels active", float(central), 1.0, central
        ),
    ]
    details = dict(arch=arch, segments=segments, order=order)
    return Numbers(n, [c.about("fig7").by_construction() for c in checks], lines, details)


# -- draw -------------------------------------------------------------------------------------


def draw(r: Fig07Layout, *, L: int, side: int) -> dict[str, Figure]:
    """Top: the active pixels of each run of states (above each: the states, the width);
    bottom: the width profile, its phases named."""
    import matplotlib.pyplot as plt

    arch, segments = r.arch, r.segments
    fig = plt.figure(figsize=(9.0, 4.4))
    # two rows: an array of two SubFigures (the stubs also allow a single SubFigure)
    top, bottom = cast(np.ndarray, fig.subfigures(2, 1, height_ratios=[1.15, 1.0]))
    grids = diagrams.draw_pixel_phases(
        top.subplots(1, len(segments)), arch, side=side, titles=False
    )
    for ax, s in zip(grids, segments):
        # two short lines at the body text's size: the states, then the width (colour: the phase)
        ax.set_title(
            f"$x_{{{s.start}}}$–$x_{{{s.stop - 1}}}$\n{s.width}",
            fontsize=10.5,
            color=phase_colour(s.phase),
            linespacing=1.3,
        )
    top.subplots_adjust(left=0.02, right=0.98, top=0.76, bottom=0.02, wspace=0.15)
    top.suptitle(
        "active pixels (light) and inactive ones (green), by run of states; above each: "
        "states, width",
        fontsize=10,
        y=0.985,
    )
    ax = bottom.subplots()
    bottom.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.2)
    diagrams.draw_width_profile(ax, arch)
    for start, stop, phase in diagrams.phase_spans(segments):  # name the shaded phases
        ax.text(
            (start + stop - 1) / 2,
            0.97,
            {"encoder": "encoding phase", "decoder": "decoding phase"}.get(phase, phase),
            ha="center",
            va="top",
            fontsize=10,
            color=phase_colour(phase),
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xticks(range(0, L + 1, 2))
    ax.set_xlabel("state $k$")
    return {"main": fig}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig07",
    notebook="fig07_mnist_architecture",
    title="The MNIST architecture",
    defaults=_fig07_defaults,
)
def fig07(
    *,
    progress: bool = True,
    quick: bool = False,
    widths: Sequence[int],
    L: int,
    side: int,
    seed: int,
) -> Result:
    """The MNIST AutoencODE's active pixels per run of states, and its width profile."""
    r = compute(widths=widths, L=L, side=side)
    out = numbers(r, L=L, side=side)
    return Result(
        "fig07",
        {},
        numbers=out.numbers,
        figures=draw(r, L=L, side=side),
        summary="\n".join(out.summary),
        details=out.details,
        claims=out.claims,
    )
