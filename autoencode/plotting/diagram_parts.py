"""What the architecture diagrams share: an axes when the caller gives none, and the phases.

An architecture's segments (:meth:`~autoencode.Architecture.segments`) are merged into phase
spans (:func:`phase_spans`), shaded behind a diagram (:func:`shade_phases`); a state's phase
colours the width bars of :func:`autoencode.plotting.diagrams.draw_embedding`
(:func:`phase_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..architecture import Segment
from .style import phase_colour

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["axes_or_new", "phase_spans", "phase_of", "shade_phases"]


def axes_or_new(ax: Axes | None, figsize: tuple[float, float] = (5.0, 2.6)) -> Axes:
    """``ax``, or the axes of a new figure of ``figsize`` when it is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=figsize)
    return ax


def phase_spans(segments: Sequence[Segment]) -> list[tuple[int, int, str]]:
    """Merge consecutive segments with the same phase into ``(start, stop, phase)``.

    ``start``/``stop`` are state indices (stop exclusive), as in :class:`~autoencode.Segment`.
    An encoder 5 -> 4 -> 3 has three segments but one ``"encoder"`` span.
    """
    spans: list[list[Any]] = []
    for s in segments:
        if spans and spans[-1][2] == s.phase and spans[-1][1] == s.start:
            spans[-1][1] = s.stop
        else:
            spans.append([s.start, s.stop, s.phase])
    return [(s[0], s[1], s[2]) for s in spans]


def phase_of(k: int, segments: Sequence[Segment]) -> str:
    """The phase of the segment that holds state ``k`` (``"constant"`` if none does)."""
    for s in segments:
        if s.start <= k < s.stop:
            return s.phase
    return "constant"


def shade_phases(
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
