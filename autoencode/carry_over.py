"""Sweep records carried to changed code, after the changed code is shown to compute the same.

A sweep's records are kept only for the code that made them
(:func:`autoencode.sweeps.code_fingerprint`): when the library changes, the robustness page
calls them stale. A change that moves code without changing what it computes need not cost the
hours of a new sweep.
:func:`carry_over` runs, for each stale figure, the recorded seed that took least time twice on
this machine: with the code of the commit that made the records (``reference``, checked out in
a temporary git worktree) and with the code as it is now. Where both runs give the same numbers
and claims (within ``rtol``: by default 1e-9 relative, the last bits that a Lanczos eigenvalue
solver changes from one call to the next), the two codes compute the same, and the figure's
records take the new fingerprint and say so (``carried_over``: the fingerprint and commit they
were made with, the seed run again, the largest relative difference between the two runs, and
how far this machine's runs are from the records). Where any differs, the figure stays stale
and a new sweep is needed.

The two runs are compared with each other, not with the records: a record made on another
machine (other CPU kernels) differs from any run here by round-off, amplified by training.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import paths, sweeps

__all__ = ["REFERENCE_RUN", "WALL_TIMES", "carry_over", "largest_difference", "run_reference"]


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


#: Run by the reference code (``python -c``, its package first on ``PYTHONPATH``): the units
#: ``[[figure, seed, quick], ...]`` of ``argv[1]`` into the folder ``argv[2]``, on a local Dask
#: cluster of ``argv[3]`` workers of ``argv[4]`` threads.
REFERENCE_RUN = """
import json, sys
from pathlib import Path
from autoencode import sweeps
spec, out = json.loads(sys.argv[1]), Path(sys.argv[2])
workers, threads = int(sys.argv[3]), int(sys.argv[4])
units = [u for f, s, q in spec for u in sweeps.plan(f, [s], quick=q)]
have = sweeps.load_records(out, units)
missing = [u for u in units if u.key not in have]
run = getattr(sweeps, "run_on_dask", None) or getattr(sweeps, "_run_on_dask")
if missing:
    run(missing, out, None, workers, threads, 0, lambda m: print(m, file=sys.stderr, flush=True))
"""


def _by_seed(folder: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The records in ``folder/records`` by (figure, seed)."""
    found = {}
    for path in sorted((folder / "records").glob("*.json")):
        rec = json.loads(path.read_text())
        found[(rec["figure"], rec["seed"])] = rec
    return found


def run_reference(
    commit: str, spec: list[list[Any]], out: Path, workers: int, threads: int
) -> dict[tuple[str, int], dict[str, Any]]:
    """Run the units ``spec`` (``[figure, seed, quick]``) with the code of ``commit``, checked
    out in a temporary git worktree of this checkout, into ``out``; its trained models in
    ``out/models``. Returns its records by (figure, seed)."""
    root, out = paths.checkout_root(), out.resolve()
    if root is None:
        raise sweeps.SweepError(
            "carrying records over runs the code that made them from git: run it in a clone"
        )
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "reference"
        git = ["git", "-C", str(root)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
        try:
            env = dict(
                os.environ,
                PYTHONPATH=str(tree),
                AUTOENCODE_CACHE=str(out / "models"),
                AUTOENCODE_DATA=str(paths.data_dir()),
            )
            subprocess.run(
                [sys.executable, "-c", REFERENCE_RUN, json.dumps(spec), str(out), str(workers),
                 str(threads)],
                env=env, cwd=tmp, check=True,
            )  # fmt: skip
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], capture_output=True)
    return _by_seed(out)


def carry_over(
    data_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    figures: Sequence[str] | None = None,
    *,
    reference: str | None = None,
    rtol: float = 1e-9,
    workers: int | None = None,
    threads: int | None = None,
    progress: bool = True,
) -> dict[str, dict[str, Any]]:
    """Check each stale figure of ``data_file`` (the robustness page's data; ``figures``: only
    these): its fastest recorded seed run with the code of ``reference`` (default: the commit
    that made the records) and with the current code, on local Dask clusters, their records in
    ``out``; carry the figure's records over where the two runs agree. Returns, per figure
    checked, the seed, the largest relative difference between the two runs and whether the
    records were carried; ``data_file`` is rewritten."""
    say: Callable[[str], None] = (
        (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    )
    data = json.loads(Path(data_file).read_text())
    reference = reference or data["provenance"]["commit"]
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
        recorded[(figure, record["seed"])] = record
    if not units:
        say("nothing to carry over: no figure is stale")
        return {}
    out = Path(out).resolve()  # the reference code runs in another folder
    n = workers or sweeps.default_workers()
    threads = threads or max(1, (os.cpu_count() or 1) // n)
    missing = [u for u in units if u.key not in sweeps.load_records(out / "current", units)]
    if missing:
        say(f"the current code: {len(missing)} run(s)")
        sweeps.run_on_dask(missing, out / "current", None, n, threads, 0, say)
    current = _by_seed(out / "current")
    say(f"the code of {reference}: {len(units)} run(s)")
    spec = [[u.figure, u.seed, u.quick] for u in units]
    before = run_reference(reference, spec, out / f"reference-{reference}", n, threads)
    now = sweeps.provenance_of({})  # before this function writes the data file
    outcome: dict[str, dict[str, Any]] = {}
    for (figure, seed), record in recorded.items():
        new, old = current.get((figure, seed)), before.get((figure, seed))
        both = new is not None and old is not None and new["status"] == old["status"] == "ok"
        diff = math.inf
        if new is not None and old is not None and both:
            diff = largest_difference(_comparable(old), _comparable(new))
        carried = diff <= rtol
        outcome[figure] = {"seed": seed, "largest_difference": diff, "carried": carried}
        say(
            f"{figure}: seed {seed}, the code of {reference} and the current code differ by "
            f"{diff:.3g} at most: "
            + ("records carried over" if carried else "not carried over, a new sweep is needed")
        )
        if carried:
            entry = data["figures"][figure]
            entry["carried_over"] = {
                "from_fingerprint": entry.get("carried_over", {}).get(
                    "from_fingerprint", entry["fingerprint"]
                ),
                "reference": reference,
                "checked_seed": seed,
                "largest_difference": diff,
                "from_record": largest_difference(_comparable(record), _comparable(new or {})),
                "commit": now["commit"],
                "uncommitted_changes": now["uncommitted_changes"],
            }
            entry["fingerprint"] = sweeps.code_fingerprint(figure)
            sweeps.write_atomic(Path(data_file), data)
    return outcome
