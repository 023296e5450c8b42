"""Figures: one style (:mod:`.style`), architecture diagrams (:mod:`.diagrams`) and the panels
several figures share (:mod:`.panels`)."""

from . import diagrams, panels, style

__all__ = ["diagrams", "panels", "style"]
