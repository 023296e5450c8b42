"""Sweep records carried to changed code, after a run of the changed code gives the same numbers.

A sweep's records are kept only for the code that made them (:func:`autoencode.sweeps.
code_fingerprint`): when the library changes, the robustness page calls them stale. A change
that moves code without changing what it computes need not cost the hours of a new sweep:
:func:`carry_over` runs, for each stale figure, the recorded seed that took least time, with the
code as it is now, and compares every number and every claim's value with the record. Where all
agree (within ``rtol``: by default 1e-9 relative, the last bits that a Lanczos eigenvalue
solver changes from one call to the next on one machine), the figure's records take the new
fingerprint and
say so (``carried_over``: the fingerprint they were made with, the seed run again, the largest
relative difference); where any differs, the figure stays stale and a new sweep is needed.

Records made by other code stay what they are: the provenance keeps the commit that made them,
and each carried figure names the commit it was carried to.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import sweeps

__all__ = ["WALL_TIMES", "carry_over", "largest_difference"]


def largest_difference(recorded: Any, again: Any) -> float:
    """The largest relative difference between two JSON values of the same shape (numbers
    compared as ``|a - b| / max(|a|, |b|)``); ``inf`` where the shapes or non-numbers differ."""
    if isinstance(recorded, bool) or isinstance(again, bool) or recorded is None or again is None:
        return 0.0 if recorded == again else math.inf
    if isinstance(recorded, (int, float)) and isinstance(again, (int, float)):
        a, b = float(recorded), float(again)
        if a == b or (math.isnan(a) and math.isnan(b)):
            return 0.0
        scale = max(abs(a), abs(b))
        return abs(a - b) / scale if math.isfinite(scale) else math.inf
    if isinstance(recorded, dict) and isinstance(again, dict):
        if set(recorded) != set(again):
            return math.inf
        return max((largest_difference(recorded[k], again[k]) for k in recorded), default=0.0)
    if isinstance(recorded, list) and isinstance(again, list):
        if len(recorded) != len(again):
            return math.inf
        return max((largest_difference(a, b) for a, b in zip(recorded, again)), default=0.0)
    return 0.0 if recorded == again else math.inf


#: The numbers that are wall times (seconds, and ratios of seconds): they differ from run to run
#: and are never compared.
WALL_TIMES = re.compile(r"seconds|speedup")


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """What a run must reproduce: its numbers (wall times aside, :data:`WALL_TIMES`) and each
    claim's value, control value and verdict."""
    fields = ("value", "holds", "control_value", "control_holds")
    numbers = record.get("numbers") or {}
    return {
        "numbers": {k: v for k, v in numbers.items() if not WALL_TIMES.search(k)},
        "claims": [{k: c.get(k) for k in fields} for c in record.get("claims") or []],
    }


def carry_over(
    data_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    figures: Sequence[str] | None = None,
    *,
    rtol: float = 1e-9,
    workers: int | None = None,
    threads: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Check each stale figure of ``data_file`` (the robustness page's data; ``figures``: only
    these) by one run of the current code, on Dask, its records in ``out``; carry the figure's
    records over where the run agrees with them. Returns, per figure checked, the seed, the
    largest relative difference and whether it was carried; ``data_file`` is rewritten."""
    say: Callable[[str], None] = (
        (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    )
    data = json.loads(Path(data_file).read_text())
    stale = [f for f in sweeps.stale_figures(data) if figures is None or f in figures]
    units, recorded = [], {}
    for figure in stale:
        entry = data["figures"][figure]
        ok = [r for r in entry["records"] if r["status"] == "ok"]
        if not ok:
            say(f"{figure}: no run that ended well to check against; it stays stale")
            continue
        record = min(ok, key=lambda r: r["seconds"])
        (unit,) = sweeps.plan(figure, [record["seed"]], quick=entry["quick"])
        units.append(unit)
        recorded[unit.key] = (figure, record)
    if not units:
        say("nothing to carry over: no figure is stale")
        return {}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [u for u in units if u.key not in sweeps.load_records(out, units)]
    if todo:
        n = workers or sweeps.default_workers()
        sweeps.run_on_dask(
            todo, out, scheduler, workers, threads or max(1, (os.cpu_count() or 1) // n), 0, say
        )
    again = sweeps.load_records(out, units)
    outcome: dict[str, dict[str, Any]] = {}
    for key, (figure, record) in recorded.items():
        new = again.get(key)
        diff = (
            largest_difference(_comparable(record), _comparable(new))
            if new is not None and new["status"] == "ok"
            else math.inf
        )
        carried = diff <= rtol
        outcome[figure] = {"seed": record["seed"], "largest_difference": diff, "carried": carried}
        say(
            f"{figure}: seed {record['seed']} run again, largest relative difference {diff:.3g}: "
            + ("records carried over" if carried else "not carried over, a new sweep is needed")
        )
        if carried:
            now = sweeps.provenance_of({})
            entry = data["figures"][figure]
            entry["carried_over"] = {
                "from_fingerprint": entry.get("carried_over", {}).get(
                    "from_fingerprint", entry["fingerprint"]
                ),
                "checked_seed": record["seed"],
                "largest_difference": diff,
                "commit": now["commit"],
                "uncommitted_changes": now["uncommitted_changes"],
            }
            entry["fingerprint"] = sweeps.code_fingerprint(figure)
            sweeps.write_atomic(Path(data_file), data)
    return outcome
