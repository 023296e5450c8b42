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

The drawings live in :mod:`autoencode.plotting.diagram_network` (Fig 1),
:mod:`autoencode.plotting.diagram_embedding` (Figs 2-4) and
:mod:`autoencode.plotting.diagram_widths` (Fig 7), on the shared parts of
:mod:`autoencode.plotting.diagram_parts`; every name of ``__all__`` imports from here.
"""

from __future__ import annotations

from .diagram_embedding import draw_embedding, draw_skips, legend_handles, node_positions
from .diagram_network import draw_network
from .diagram_parts import phase_spans
from .diagram_widths import draw_pixel_phases, draw_width_profile
from .style import (
    ACTIVE_COLOUR,
    INACTIVE_COLOUR,
    PHASE_COLOURS,
    SKIP_COLOUR,
    phase_colour,
)

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
