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

This module runs the units (here, or on Dask) and the book's sweeps; the units are planned by
:mod:`autoencode.sweep_plan`, run and recorded by :mod:`autoencode.sweep_records`, and
summarised by :mod:`autoencode.sweep_statistics`; their public names import from here too.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sweep_plan import SweepError, Unit, code_fingerprint, parse_grid, parse_seeds, plan
from .sweep_records import RECORD_FORMAT, load_records, run_unit, write_atomic
from .sweep_statistics import plot_summary, summarise

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


@dataclass
class SweepResult:
    """What :func:`sweep` returns: every unit's record (in the order of the plan), the
    summary, and how many units this call ran (the others had records already)."""

    records: list[dict[str, Any]]
    summary: dict[str, Any]
    ran: int

    def __iter__(self):  # records, summary = ae.sweep(...)
        return iter((self.records, self.summary))


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
