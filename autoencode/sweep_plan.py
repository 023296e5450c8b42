"""What a sweep runs: its seeds and grid read from text, and its units, each checked and keyed.

A *unit* (:class:`autoencode.sweeps.Unit`) is one run of a figure's experiment for one seed and
one point of the parameter grid. :func:`autoencode.sweeps.plan` lists a sweep's units and checks
every one before any work; a unit's key names its record (:mod:`autoencode.sweep_records`) by
the figure, its parameters, the seed and the fingerprint of the code it runs
(:func:`autoencode.sweeps.code_fingerprint`).
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["SweepError", "Unit", "parse_seeds", "parse_grid", "code_fingerprint", "plan"]


class SweepError(ValueError):
    """A sweep that cannot start: a bad seed list, grid, parameter or folder."""


@dataclass(frozen=True)
class Unit:
    """One run: ``figure`` with ``params`` (the caller's overrides, the grid point and the
    seed), in quick mode or not, and its record's ``key``."""

    figure: str
    params: dict[str, Any]
    quick: bool
    key: str

    @property
    def seed(self) -> int:
        return int(self.params["seed"])

    @property
    def point(self) -> dict[str, Any]:
        """The parameters without the seed: which grid point this unit belongs to."""
        return {k: v for k, v in self.params.items() if k != "seed"}


def parse_seeds(text: str | Iterable[int]) -> list[int]:
    """``"0-9"``, ``"0,3,7"``, ``"0-4,10"`` or an iterable of ints -> a sorted list of seeds."""
    if not isinstance(text, str):
        given = list(text)
        if not given or not all(isinstance(s, int) and s >= 0 for s in given):
            raise SweepError(f"seeds must be non-negative integers, got {given!r}")
        return sorted(set(given))
    seeds: set[int] = set()
    for part in text.replace(" ", "").split(","):
        lo, sep, hi = part.partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise SweepError(
                f"bad --seeds {text!r}: use a range like 0-9, a list like 0,3,7, or both (0-4,10)"
            ) from None
        if a < 0 or b < a:
            raise SweepError(
                f"bad --seeds {text!r}: {part!r} is not a range lo-hi with 0 <= lo <= hi"
            )
        seeds.update(range(a, b + 1))
    return sorted(seeds)


def parse_grid(items: Sequence[str] | Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """``["lam=[1e-3,1e-2]", "L=[20,40]"]`` (or a mapping) -> ``{"lam": [...], "L": [...]}``."""
    if isinstance(items, Mapping):
        grid = {str(k): list(v) for k, v in items.items()}
    else:
        grid = {}
        for item in items:
            key, sep, text = item.partition("=")
            key = key.strip()
            try:
                values = ast.literal_eval(text.strip()) if sep else None
            except (ValueError, SyntaxError):
                values = None
            if not key or not isinstance(values, (list, tuple)):
                raise SweepError(
                    f"bad --grid {item!r}: use key=[v1,v2,...], e.g. --grid lam=[1e-3,1e-2]"
                )
            if key in grid:
                raise SweepError(f"bad --grid: {key!r} is given twice")
            grid[key] = list(values)
    for key, values in grid.items():
        if not values:
            raise SweepError(f"bad --grid: {key!r} has no values")
        if key == "seed":
            raise SweepError("bad --grid: the seeds are given by --seeds, not by the grid")
    return grid


def code_fingerprint(figure: str) -> str:
    """SHA-256 of the library code a figure's experiment runs (its module and what it
    imports, drawing aside): a record made by other code is not reused."""
    from .cache import library_fingerprint, training_modules
    from .experiments.registry import FIGURES

    module = FIGURES[figure].function.__module__
    return library_fingerprint(training_modules(module, exclude=("plotting",)))


def plan(
    figure: str,
    seeds: Iterable[int] | str,
    params: Mapping[str, Any] | None = None,
    grid: Mapping[str, Sequence[Any]] | Sequence[str] | None = None,
    quick: bool = False,
) -> list[Unit]:
    """Every unit of a sweep, each checked now (an unknown figure or parameter, a value that
    breaks its rule or the figure's consistency: :mod:`autoencode.experiments.parameter_checks`)
    so that a mistake is refused before any work."""
    from .cache import cache_key
    from .experiments import parameter_checks, registry

    if figure not in registry.FIGURES:
        raise SweepError(
            f"no figure named {figure!r}; the figures are: {', '.join(sorted(registry.FIGURES))}"
        )
    seed_list = parse_seeds(seeds)
    grid = parse_grid(grid or {})
    params = dict(params or {})
    clash = sorted(set(params) & (set(grid) | {"seed"}))
    if clash:
        raise SweepError(f"{clash} given both as a parameter (-p) and by the grid or --seeds")
    spec = registry.FIGURES[figure]
    if spec.control is None or "seed" not in spec.defaults(quick):
        raise SweepError(
            f"figure {figure!r} trains nothing (a drawing): its numbers do not depend on a seed"
        )
    fingerprint = code_fingerprint(figure)
    units = []
    for values in itertools.product(*grid.values()):
        point = dict(params, **dict(zip(grid, values, strict=True)))
        for seed in seed_list:
            p = dict(point, seed=seed)
            try:  # every value against its rule and the figure's consistency
                parameter_checks.parameters(figure, quick=quick, **p)
            except (TypeError, ValueError) as e:
                raise SweepError(str(e)) from e
            key = cache_key(f"sweep-{figure}", {"params": p, "quick": quick}, fingerprint)
            units.append(Unit(figure, p, quick, key))
    return units
