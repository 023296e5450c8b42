"""Throughput of a seed sweep on Dask against the serial loop, on the same quick-mode runs.

    python benchmarks/bench_sweep.py [--figure fig08_09] [--seeds 0-7]

Two ways to run the same units (one figure in quick mode, one unit per seed), measured in one
run of this script, each into a fresh folder and with a fresh model cache (nothing is resumed,
nothing trained is reused). The default figure, the MNIST model of Figs 8-9, runs torch on the
threads it is given (the 2D figures pin one thread, so their serial loop would be on one):

* reference: the serial loop, one unit after the other, torch on 2 threads;
* Dask: a local cluster of 2 worker processes x 1 torch thread (the sweep's default on 2 cores).

Reported: runs per minute of each, and their ratio (Dask / serial). On 2 cores the small 2D
problems run faster on one thread than on two, and two processes keep both cores busy through
the Python between kernels; the cluster's start (seconds) is included in its time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from autoencode import sweeps


def timed(**options) -> float:
    with tempfile.TemporaryDirectory() as out:
        os.environ["AUTOENCODE_CACHE"] = f"{out}/cache"  # the workers inherit it
        start = time.perf_counter()
        res = sweeps.sweep(out=out, progress=False, **options)
        seconds = time.perf_counter() - start
    assert res.ran == len(res.records) and all(r["status"] == "ok" for r in res.records)
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--figure", default="fig08_09")
    ap.add_argument("--seeds", default="0-7")
    a = ap.parse_args()
    n = len(sweeps.parse_seeds(a.seeds))
    common = dict(figure=a.figure, seeds=a.seeds, quick=True)
    serial = timed(serial=True, threads=2, **common)
    dask = timed(workers=2, threads=1, **common)
    print(f"{a.figure}, {n} quick-mode runs:")
    print(f"  serial loop, 2 torch threads: {serial:6.1f} s  ({60 * n / serial:5.1f} runs/min)")
    print(f"  Dask, 2 workers x 1 thread:   {dask:6.1f} s  ({60 * n / dask:5.1f} runs/min)")
    print(f"  throughput ratio (Dask / serial): {serial / dask:.2f}")


if __name__ == "__main__":
    main()
