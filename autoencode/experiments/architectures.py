"""Figs 1-3: width-varying networks, their embedding into a dynamical system, and the U-net.

The paper's three opening diagrams (an encoder and an autoencoder as networks, Fig 1; the same
embedded into a constant-width dynamical system, Fig 2; the U-net embedded into a
higher-dimensional system, Fig 3). The captions are the paper's; the drawings are not available to
us, so every picture here is **ours**, computed from :class:`Architecture` masks by
:mod:`autoencode.plotting.diagrams`: the width profiles and depths, the U-net embedding
(:meth:`~autoencode.Architecture.unet`: one copy block per skip) and the Jacobian-rank check that
its masks route information around the bottleneck (:func:`~autoencode.analysis.jacobian_rank`) are
our choices. Drawing is fast: quick mode uses the same values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import matplotlib.pyplot as plt

from ..analysis import jacobian_rank
from ..architecture import Architecture
from ..plotting import diagrams
from .registry import Result, figure

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["fig01_03", "count", "other_profiles"]


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        ENCODER_WIDTHS=[5, 4, 3, 2],  # Fig 1/2 left: width of each phase
        ENCODER_L=8,  # layers of the embedded encoder (2 per phase)
        AUTOENCODER_WIDTHS=[5, 3, 1, 3, 5],  # Fig 1/2 right
        AUTOENCODER_L=10,  # layers of the embedded autoencoder (2 per phase)
        UNET_LEVELS=[4, 3, 2],  # Fig 3: main-path width per level (last = bottleneck)
        UNET_STATES_PER_LEVEL=3,  # states per level in the embedding (>= 2)
        seed=0,  # the random weights of the Jacobian-rank check
    )


def count(ax: Axes, gid: str) -> int:
    """Number of points of the collection with this ``gid`` on ``ax`` (0 when none): the
    nodes a diagram drew (see :mod:`autoencode.plotting.diagrams`)."""
    found = [c for c in ax.collections if c.get_gid() == gid]
    # the offsets of a drawn collection are an [n, 2] array (the stubs say any ArrayLike)
    return len(cast("np.ndarray", found[0].get_offsets())) if found else 0


def other_profiles() -> list[tuple[str, Architecture]]:
    """Two more profiles drawn by the same functions: 4 -> 2 -> 4 switching off the *first*
    components, and Fig 4's 2 -> 1 -> 2 with the second component off (L = 20)."""
    return [
        (
            "4 → 2 → 4, first components off",
            Architecture.from_phases([4, 2, 4], L=6, order=[2, 3, 0, 1]),
        ),
        (
            "2 → 1 → 2, second component off",
            Architecture.from_phases([2, 1, 2], L=20, order=[0, 1]),
        ),
    ]


def _phases(arch: Architecture) -> str:
    return ", ".join(f"{s.phase} {s.width} (x_{s.start}..x_{s.stop - 1})" for s in arch.segments())


def _draw_networks(encoder: Architecture, autoencoder: Architecture) -> tuple[Figure, Any]:
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.6))
    diagrams.draw_network(axes[0], encoder, width_labels=True)
    diagrams.draw_network(axes[1], autoencoder, width_labels=True)
    axes[0].set_title("network with an encoder structure")
    axes[1].set_title("autoencoder")
    fig.text(
        0.5, 0.02, "numbers below the columns: layer widths", ha="center", fontsize=8, color="0.4"
    )
    return fig, axes


def _draw_embeddings(encoder: Architecture, autoencoder: Architecture) -> tuple[Figure, Any]:
    fig, axes = plt.subplots(
        1,
        2,
        figsize=(8.0, 3.0),
        gridspec_kw={"width_ratios": [encoder.depth + 1, autoencoder.depth + 1]},
    )
    diagrams.draw_embedding(axes[0], encoder)
    diagrams.draw_embedding(axes[1], autoencoder)
    axes[0].set_title("embedding of an encoder into a dynamical system", pad=4)
    axes[1].set_title("model for an autoencoder", pad=4)
    fig.legend(
        handles=diagrams.legend_handles(), loc="upper center", ncol=4, bbox_to_anchor=(0.5, 0.0)
    )
    return fig, axes


def _draw_unet(
    unet: Architecture, main: Architecture, levels: Sequence[int]
) -> tuple[Figure, Axes]:
    fig, ax = plt.subplots(figsize=(7.5, 3.9))
    diagrams.draw_embedding(ax, unet, segments=main.segments())
    ax.set_title(
        "embedding of the U-net into a higher-dimensional dynamical system (our construction)",
        pad=4,
    )
    # name the blocks of components on the left
    y = diagrams.node_positions(unet)
    names = ["main path"] + [f"copy $M_{i}$" for i in range(len(levels) - 1)]
    for label, (a, c) in zip(names, Architecture.unet_blocks(levels)):
        ax.text(-0.9, y[a:c].mean(), label, ha="right", va="center", fontsize=8)
        ax.plot([-0.75, -0.75], [y[c - 1], y[a]], color="0.4", lw=0.8, clip_on=False)
    ax.set_xlim(-3.2, unet.depth + 0.6)
    ax.legend(
        handles=diagrams.legend_handles(skips=True),
        loc="upper center",
        ncol=5,
        bbox_to_anchor=(0.5, -0.2),
    )
    return fig, ax


def _draw_others(others: Sequence[tuple[str, Architecture]]) -> tuple[Figure, Any]:
    fig, axes = plt.subplots(1, 2, figsize=(8.5, 2.3), gridspec_kw={"width_ratios": [1.3, 2]})
    for ax, (title, arch) in zip(axes, others):
        diagrams.draw_embedding(ax, arch)
        ax.set_title(title, pad=4)
    return fig, axes


@figure(
    "fig01_03",
    notebook="fig01_03_architectures",
    title="Figs 1-3: encoder, autoencoder and U-net as dynamical systems",
    defaults=_defaults,
)
def fig01_03(
    *,
    progress: bool = True,
    quick: bool = False,
    ENCODER_WIDTHS: Sequence[int],
    ENCODER_L: int,
    AUTOENCODER_WIDTHS: Sequence[int],
    AUTOENCODER_L: int,
    UNET_LEVELS: Sequence[int],
    UNET_STATES_PER_LEVEL: int,
    seed: int,
) -> Result:
    """The architectures of Figs 1-3, their drawings, and the U-net's Jacobian-rank check."""
    encoder = Architecture.from_phases(ENCODER_WIDTHS, L=ENCODER_L)
    autoencoder = Architecture.from_phases(AUTOENCODER_WIDTHS, L=AUTOENCODER_L)
    lines = []
    for name, arch in [("encoder", encoder), ("autoencoder", autoencoder)]:
        lines.append(
            f"{name:12s} d = {arch.dim}, L = {arch.depth}, widths of x_0..x_L = {arch.widths}"
        )
        lines.append(" " * 13 + "phases: " + _phases(arch))
    fig1, axes1 = _draw_networks(encoder, autoencoder)
    fig2, axes2 = _draw_embeddings(encoder, autoencoder)
    b = autoencoder.bottleneck

    unet = Architecture.unet(UNET_LEVELS, UNET_STATES_PER_LEVEL)
    w0 = int(UNET_LEVELS[0])
    main = Architecture(unet.masks[:, :w0])  # the main block alone: a plain autoencoder
    lines += [
        "",
        f"U-net embedding: d = {unet.dim}, L = {unet.depth}, skips (s, t) = {unet.skips}",
        f"main-path widths   = {main.widths}",
        f"active widths      = {unet.widths}",
        "main-path phases   : " + _phases(main),
    ]
    fig3, ax3 = _draw_unet(unet, main, UNET_LEVELS)

    rank_unet = jacobian_rank(unet, w0, seed)
    rank_main = jacobian_rank(main, w0, seed)
    lines += [
        "",
        f"rank of d(main block of x_L)/d x_0: U-net embedding {rank_unet}, without skips "
        f"{rank_main} (bottleneck width {UNET_LEVELS[-1]}, input width {w0})",
    ]
    others = other_profiles()
    fig4, axes4 = _draw_others(others)

    numbers = {
        "fig02_bottleneck_state": b,
        "fig02_bottleneck_width": autoencoder.widths[b],
        "fig03_unet_dim": unet.dim,
        "fig03_unet_max_width": max(unet.widths),
        "fig03_rank_unet": rank_unet,
        "fig03_rank_main": rank_main,
        "fig02_encoder_widths": str(encoder.widths),
        "fig02_autoencoder_widths": str(autoencoder.widths),
        "fig03_unet_widths": str(unet.widths),
        "fig03_unet_skips": str(unet.skips),
    }
    details = dict(
        encoder=encoder,
        autoencoder=autoencoder,
        unet=unet,
        main=main,
        others=others,
        blocks=Architecture.unet_blocks(UNET_LEVELS),
        axes={"fig1": axes1, "fig2": axes2, "fig3": ax3, "others": axes4},
    )
    return Result(
        "fig01_03",
        {},
        numbers=numbers,
        figures={"fig1": fig1, "fig2": fig2, "fig3": fig3, "others": fig4},
        summary="\n".join(lines),
        details=details,
    )
