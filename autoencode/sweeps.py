"""Every claim across seeds: one experiment run per seed and grid point, on a Dask cluster.

::

    records, summary = ae.sweep("fig04", seeds=range(10), out="sweeps/fig04")
    python -m autoencode sweep fig04 --seeds 0-9 --out sweeps/fig04

A *unit* is one run of a figure's experiment (:func:`autoencode.experiments.run`) for one seed
and one point of the parameter grid. Units run on `Dask distributed
<https://distributed.dask.org>`_: by default on a :class:`distributed.LocalCluster` started
here, ``workers`` processes each with its own torch thread budget (``threads``), so that the
workers never oversubscribe the cores; with ``scheduler="tcp://host:8786"``, on any running
Dask cluster (started by hand, or by ``dask-jobqueue`` on a batch system). Dask is imported
only when there is work to send.

Nothing is lost and nothing is done twice:

* each finished unit is written at once, atomically, as a JSON record in ``out/records/``,
  named by a key of the figure, its parameters, the seed and the fingerprint of the code it
  runs (as the model cache keys its files, :func:`autoencode.cache.cache_key`): a sweep run
  again skips every unit that has a record, so an interrupted sweep resumes where it stopped;
* a unit that raises (a diverging run, a bad value) is recorded as ``failed`` with its error,
  and counted in the summary; a worker that dies mid-unit has its unit run again elsewhere
  (Dask's ``retries``);
* Ctrl-C cancels what is queued and keeps every record already written; two sweeps writing
  into one folder write whole files under distinct temporary names, never half of one.

The summary (:func:`summarise`) gives, per grid point, each claim's pass count with a 95 %
Wilson interval, and each reported number's mean, standard deviation, interquartile mean,
bootstrap 95 % interval (:func:`scipy.stats.bootstrap`), minimum and maximum.
"""

from __future__ import annotations

import ast
import itertools
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "SweepError",
    "Unit",
    "SweepResult",
    "parse_seeds",
    "parse_grid",
    "code_fingerprint",
    "plan",
    "run_unit",
    "sweep",
    "load_records",
    "summarise",
    "plot_summary",
    "BOOK_SWEEPS",
    "book_sweep",
    "stale_figures",
]

RECORD_FORMAT = "autoencode-sweep-1"


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


@dataclass
class SweepResult:
    """What :func:`sweep` returns: every unit's record (in the order of the plan), the
    summary, and how many units this call ran (the others had records already)."""

    records: list[dict[str, Any]]
    summary: dict[str, Any]
    ran: int

    def __iter__(self):  # records, summary = ae.sweep(...)
        return iter((self.records, self.summary))


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


def write_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """The whole file or nothing: a temporary name of this process, then an atomic rename."""
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _record_path(out: Path, unit: Unit) -> Path:
    return out / "records" / f"{unit.figure}-{unit.key}.json"


def run_unit(unit: Unit, out: str | os.PathLike[str], threads: int = 1) -> dict[str, Any]:
    """Run one unit here, write its record, return it. An exception of the experiment is
    recorded (``status: failed``) rather than raised; Ctrl-C and a dying process are not."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    from .experiments import registry
    from .experiments.registry import jsonable
    from .notebook import setup

    setup(seed=unit.seed, threads=threads)
    start = time.perf_counter()
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "figure": unit.figure,
        "key": unit.key,
        "parameters": jsonable(unit.params),
        "seed": unit.seed,
        "quick": unit.quick,
        "fingerprint": code_fingerprint(unit.figure),
        "host": socket.gethostname(),
        "threads": threads,
    }
    try:
        result = registry.run(unit.figure, progress=False, quick=unit.quick, **unit.params)
    except Exception as e:  # a run that fails is a result of the sweep, never dropped
        record.update(status="failed", error=f"{type(e).__name__}: {e}")
    else:
        record.update(
            status="ok",
            resolved=jsonable(result.parameters),
            numbers=jsonable(result.numbers),
            claims=[jsonable(vars(c)) for c in result.claims],
        )
    finally:
        plt.close("all")
    record["seconds"] = round(time.perf_counter() - start, 3)
    path = _record_path(Path(out), unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, record)
    return record


def load_records(out: str | os.PathLike[str], units: Iterable[Unit]) -> dict[str, dict[str, Any]]:
    """The records already written for ``units``, by key (a file that cannot be read is left
    out, so its unit runs again)."""
    found = {}
    for u in units:
        path = _record_path(Path(out), u)
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if rec.get("format") == RECORD_FORMAT and rec.get("key") == u.key:
            found[u.key] = rec
    return found


def _progress(i: int, n: int, rec: Mapping[str, Any]) -> str:
    line = (
        f"[{i}/{n}] {rec['figure']} seed {rec['seed']} {rec['status']} in "
        f"{rec['seconds']:.1f} s on {rec['host']}"
    )
    return line + (f": {rec['error']}" if rec["status"] != "ok" else "")


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 2))


def run_on_dask(
    todo: list[Unit],
    out: Path,
    scheduler: str | None,
    workers: int | None,
    threads: int,
    retries: int,
    say: Callable[[str], None],
) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as e:  # the extra is not installed
        raise SweepError(
            "a sweep runs on Dask: install it with `pip install 'autoencode[sweep]'` "
            f"(or dask[distributed]); {e}"
        ) from e
    cluster = None
    if scheduler is None:
        n = workers or default_workers()
        # One unit at a time per worker process, each with its own torch threads.
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,  # the progress lines below say what happens
        )
        client = Client(cluster)
        say(f"local Dask cluster: {n} worker process(es) x {threads} torch thread(s)")
    else:
        client = Client(scheduler, timeout="30s")
        say(f"Dask scheduler {scheduler}: {len(client.scheduler_info()['workers'])} worker(s)")
    futures = []
    try:
        futures = [
            client.submit(
                run_unit,
                u,
                str(out),
                threads,
                key=f"{u.figure}-{u.key}",
                pure=False,
                retries=retries,
            )
            for u in todo
        ]
        done = 0
        for fut in as_completed(futures):
            rec = fut.result()
            done += 1
            say(_progress(done, len(todo), rec))
    except KeyboardInterrupt:
        say("interrupted: the records written so far are kept; run the sweep again to resume")
        client.cancel(futures)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def sweep(
    figure: str,
    seeds: Iterable[int] | str,
    params: Mapping[str, Any] | None = None,
    grid: Mapping[str, Sequence[Any]] | Sequence[str] | None = None,
    *,
    out: str | os.PathLike[str],
    scheduler: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    quick: bool = False,
    retries: int = 2,
    serial: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Run ``figure`` for every seed and grid point; return the records and their summary.

    ``params``: overrides of the figure's parameters for every unit; ``grid``:
    ``{name: [values]}``, every combination is a point; ``out``: the folder of the records and
    the summary (``summary.json``, ``summary.png``). ``scheduler``: the address of a running
    Dask scheduler; else a local cluster of ``workers`` processes (default: 2, at most the
    cores), each running torch on ``threads`` threads (default: the cores shared out).
    ``serial=True`` runs the units here, one after the other (the reference the tests and
    the benchmark compare with). Units that have a record in ``out`` are not run again.
    """
    say = (lambda msg: print(msg, file=sys.stderr, flush=True)) if progress else (lambda msg: None)
    units = plan(figure, seeds, params, grid, quick)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    have = load_records(out, units)
    todo = [u for u in units if u.key not in have]
    if have:
        say(f"{len(have)} of {len(units)} runs already recorded in {out}: not run again")
    n_workers = 1 if serial else workers or default_workers()
    threads = threads or max(1, (os.cpu_count() or 1) // n_workers)
    if todo and serial:
        for i, u in enumerate(todo, 1):
            rec = run_unit(u, out, threads)
            say(_progress(i, len(todo), rec))
    elif todo:
        run_on_dask(todo, out, scheduler, workers, threads, retries, say)
    found = load_records(out, units)
    missing = [u for u in units if u.key not in found]
    if missing:
        raise SweepError(f"{len(missing)} run(s) have no record after the sweep: {missing[:3]}")
    records = [found[u.key] for u in units]
    summary = summarise(records, figure=figure)
    write_atomic(out / "summary.json", summary)
    return SweepResult(records, summary, ran=len(todo))


# -- statistics ---------------------------------------------------------------------------


def _wilson(k: int, n: int) -> list[float]:
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def _describe(values: list[float]) -> dict[str, Any]:
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype=float)
    out: dict[str, Any] = {
        "n": len(x),
        "mean": float(x.mean()),
        "std": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        "iqm": float(stats.trim_mean(x, 0.25)),
        "min": float(x.min()),
        "max": float(x.max()),
    }
    if len(x) > 1 and np.ptp(x) > 0:
        boot = stats.bootstrap(
            (x,), np.mean, confidence_level=0.95, n_resamples=2000, method="percentile", rng=0
        )
        out["mean_ci95"] = [
            float(boot.confidence_interval.low),
            float(boot.confidence_interval.high),
        ]
    else:  # one value, or all equal: the interval is that value
        out["mean_ci95"] = [out["mean"], out["mean"]]
    return out


def _point_label(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "book parameters"


def summarise(records: Sequence[Mapping[str, Any]], figure: str | None = None) -> dict[str, Any]:
    """Per grid point: runs, failures (with their errors), each claim's passes of n with a
    95 % Wilson interval, and each number's statistics across seeds."""
    points: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        point = {k: v for k, v in r["parameters"].items() if k != "seed"}
        points.setdefault(_point_label(point), []).append(r)
    summary: dict[str, Any] = {"figure": figure, "points": {}}
    for label, recs in points.items():
        ok = [r for r in recs if r["status"] == "ok"]
        claims: dict[str, dict[str, Any]] = {}
        for r in ok:
            for c in r.get("claims", []):
                name = f"{c['key'] or '-'}: {c['statement']}" + (" [sanity]" if c["sanity"] else "")
                entry = claims.setdefault(
                    name,
                    {
                        "key": c["key"],
                        "sanity": c["sanity"],
                        "passes": 0,
                        "n": 0,
                        "seeds_failing": [],
                    },
                )
                entry["n"] += 1
                entry["passes"] += bool(c["holds"])
                if not c["holds"]:
                    entry["seeds_failing"].append(r["seed"])
        for entry in claims.values():
            entry["ci95"] = _wilson(entry["passes"], entry["n"])
        numbers: dict[str, list[float]] = {}
        for r in ok:
            for name, v in r.get("numbers", {}).items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    numbers.setdefault(name, []).append(float(v))
        summary["points"][label] = {
            "runs": len(recs),
            "seeds": sorted(r["seed"] for r in recs),
            "failed": [
                {"seed": r["seed"], "error": r.get("error", "")}
                for r in recs
                if r["status"] != "ok"
            ],
            "seconds": round(sum(float(r.get("seconds", 0)) for r in recs), 1),
            "claims": claims,
            "numbers": {name: _describe(vals) for name, vals in sorted(numbers.items())},
        }
    return summary


def plot_summary(
    records: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    committed: Mapping[str, Any] | None = None,
) -> Any:
    """One figure: left, each claim's pass rate with its 95 % interval; right, each number
    across seeds relative to its committed (single-seed) value, drawn with seaborn, the
    committed value at 0."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    committed = dict(committed or {})
    rows = []
    for label, point in summary["points"].items():
        for name, c in point["claims"].items():
            if not c["sanity"]:
                rows.append({"point": label, "claim": name, "rate": c["passes"] / c["n"], **c})
    claims = pd.DataFrame(rows)
    values = []
    for r in records:
        if r["status"] != "ok":
            continue
        for name, v in r.get("numbers", {}).items():
            ref = committed.get(name)
            if isinstance(v, (int, float)) and isinstance(ref, (int, float)) and ref != 0:
                values.append({"number": name, "relative": (float(v) - ref) / abs(ref)})
    numbers = pd.DataFrame(values)
    fig, (ax_c, ax_n) = plt.subplots(
        1,
        2,
        figsize=(
            11,
            0.35 * max(len(claims), numbers["number"].nunique() if len(numbers) else 1) + 1.5,
        ),
    )
    if len(claims):
        y = range(len(claims))
        lo = claims["rate"] - claims["ci95"].str[0]
        hi = claims["ci95"].str[1] - claims["rate"]
        ax_c.errorbar(claims["rate"], list(y), xerr=[lo, hi], fmt="o", capsize=3)
        ax_c.set_yticks(list(y), [textwrap_short(n) for n in claims["claim"]], fontsize=7)
        ax_c.set(xlim=(-0.05, 1.05), xlabel="pass rate across seeds (95 % Wilson interval)")
        ax_c.invert_yaxis()
    if len(numbers):
        sns.stripplot(data=numbers, x="relative", y="number", ax=ax_n, size=4, jitter=0.15)
        ax_n.axvline(0, color="k", lw=0.8)
        ax_n.set(xlabel="(value - committed) / |committed| across seeds", ylabel="")
        ax_n.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def textwrap_short(text: str, width: int = 60) -> str:
    """A claim's name cut to ``width`` characters for an axis label."""
    return text if len(text) <= width else text[: width - 1] + "…"


# -- the book's sweeps ----------------------------------------------------------------------

#: The seeds the book sweeps for each figure that trains: 10 for the 2D pages, 5 for the
#: pages trained on the full MNIST set (minutes per seed).
BOOK_SWEEPS: dict[str, str] = {
    "fig04": "0-9",
    "fig05": "0-9",
    "fig06": "0-9",
    "neurode": "0-9",
    "deep_limit": "0-9",
    "local_convexity": "0-9",
    "fig08_09": "0-4",
    "fig10": "0-4",
    "fig11": "0-4",
    "two_autoencodes": "0-4",
    "mnist_methods": "0-4",
}


def provenance_of(figures: Mapping[str, Any]) -> dict[str, Any]:
    import platform
    import subprocess
    from importlib.metadata import PackageNotFoundError, version

    import torch

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    versions = {}
    for p in ("torch", "numpy", "scipy", "dask", "distributed"):
        try:
            versions[p] = version(p)
        except PackageNotFoundError:
            versions[p] = "absent"
    return {
        "commit": git("rev-parse", "--short", "HEAD") or "not a git checkout",
        "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no")),
        "versions": versions,
        "python": platform.python_version(),
        "host": {
            "machine": platform.machine(),
            "processor": platform.processor() or "unknown",
            "cores": os.cpu_count(),
            "torch_kernels": torch.backends.cpu.get_cpu_capability(),
        },
        "seeds": {f: d["seeds"] for f, d in figures.items()},
        "wall_seconds": round(sum(d.get("wall_seconds", 0) for d in figures.values()), 1),
    }


def book_sweep(
    out: str | os.PathLike[str],
    data_file: str | os.PathLike[str] | None = None,
    figures: Sequence[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Every sweep of :data:`BOOK_SWEEPS` (or ``figures`` of it) into ``out/<figure>/``, then
    their records and summaries, with provenance (commit, versions, CPU, seeds, wall time),
    written to ``data_file`` (the data of the book's robustness page) after each figure, beside
    the figures it already holds. ``options`` go to :func:`sweep` (``workers``, ``threads``,
    ``scheduler``, ``quick``)."""
    figures = list(figures or BOOK_SWEEPS)
    unknown = sorted(set(figures) - set(BOOK_SWEEPS))
    if unknown:
        raise SweepError(f"not among the book's sweeps: {unknown}; they are {list(BOOK_SWEEPS)}")
    data: dict[str, Any] = {"format": RECORD_FORMAT, "figures": {}}
    if data_file is not None and Path(data_file).is_file():  # the figures swept before
        data["figures"] = json.loads(Path(data_file).read_text()).get("figures", {})
    for figure in figures:
        started = time.time()
        res = sweep(figure, BOOK_SWEEPS[figure], out=Path(out) / figure, **options)
        previous = data["figures"].get(figure, {})
        data["figures"][figure] = {
            "seeds": BOOK_SWEEPS[figure],
            # resumed runs add to the time the figure's earlier runs took
            "wall_seconds": round(time.time() - started, 1)
            + (previous.get("wall_seconds", 0) if res.ran < len(res.records) else 0),
            "fingerprint": code_fingerprint(figure),
            "quick": bool(options.get("quick", False)),
            "summary": res.summary,
            "records": [
                {k: r.get(k) for k in ("seed", "status", "error", "seconds", "numbers", "claims")}
                for r in res.records
            ],
        }
        # Written after each figure: a sweep cut short keeps what it finished.
        data["provenance"] = provenance_of(data["figures"])
        if data_file is not None:
            Path(data_file).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(Path(data_file), data)
    return data


def stale_figures(data: Mapping[str, Any]) -> list[str]:
    """The figures whose code has changed since their sweep was recorded."""
    return [f for f, d in data["figures"].items() if d["fingerprint"] != code_fingerprint(f)]
