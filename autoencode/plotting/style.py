"""The book's one figure style: colours (classes, phases, diagram symbols) and rcParams.

Every figure of the book, in a notebook or from ``python -m autoencode figure``, takes its
colours from here; :func:`apply` sets matplotlib's rcParams (``ae.setup()`` calls it).
"""

from __future__ import annotations

__all__ = [
    "CLASS_COLOURS",
    "PHASE_COLOURS",
    "ACTIVE_COLOUR",
    "INACTIVE_COLOUR",
    "SKIP_COLOUR",
    "FIELD_COLOUR",
    "RESIDUAL_COLOUR",
    "class_colour",
    "phase_colour",
    "apply",
]

#: Fixed colour per class (class 0, 1, 2, ...), used as matplotlib's colour cycle.
CLASS_COLOURS = (
    "#1f5fa8",  # blue
    "#d1495b",  # red
    "#2e933c",  # green
    "#edae49",  # amber
    "#6a4c93",  # purple
    "#00798c",  # teal
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
)


#: One colour per phase label of :meth:`~autoencode.Architecture.segments` (used for shading,
#: bars and titles everywhere in the book).
PHASE_COLOURS = {
    "encoder": "#1f5fa8",  # blue
    "bottleneck": "#edae49",  # amber
    "decoder": "#d1495b",  # red
    "constant": "#7f7f7f",  # grey (a plain NeurODE)
}
#: Fill of an active node.
ACTIVE_COLOUR = "#1b2631"
#: Edge colour of an inactive (hollow) node.
INACTIVE_COLOUR = "#b3b3b3"
#: Colour of skip-connection arcs.
SKIP_COLOUR = "#6a4c93"

FIELD_COLOUR = "#9aa5b1"
RESIDUAL_COLOUR = "#4d4d4d"


def phase_colour(phase: str) -> str:
    """The palette colour of a phase name (grey for an unknown name)."""
    return PHASE_COLOURS.get(phase, "#7f7f7f")


def class_colour(c: int) -> str:
    """The colour of class c (the palette repeats after 10 classes)."""
    return CLASS_COLOURS[int(c) % len(CLASS_COLOURS)]


def apply() -> None:
    """Set matplotlib's rcParams to the book's style."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "font.family": "serif",
            "font.serif": ["DejaVu Serif", "Times New Roman", "Times", "serif"],
            "mathtext.fontset": "dejavuserif",
            "font.size": 9,
            "axes.titlesize": 9,
            "axes.labelsize": 9,
            "xtick.labelsize": 8,
            "ytick.labelsize": 8,
            "legend.fontsize": 8,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=list(CLASS_COLOURS)),
            "lines.linewidth": 1.2,
            "lines.markersize": 3,
            "scatter.marker": "o",
            "image.cmap": "viridis",
            "figure.dpi": 110,
            "figure.figsize": (6.0, 3.2),
            "figure.constrained_layout.use": False,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
        }
    )
