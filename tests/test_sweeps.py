"""Seed sweeps on Dask (autoencode.sweeps): the same records as a serial loop, nothing lost when a
worker dies, nothing done twice, failures recorded, bad input refused.

The runs are the Fig 6 experiment in quick mode (about 3 s each). Every cluster is closed by
the test that starts it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time

import pytest

from autoencode import sweeps
from autoencode.__main__ import main
from autoencode.experiments.registry import FIGURES

FIGURE = "fig06"


def strip(record):
    """What a run computed (not where or how long)."""
    return {k: record[k] for k in ("figure", "parameters", "seed", "status", "numbers", "claims")}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return sweeps.sweep(FIGURE, "0-1", out=out, quick=True, serial=True, threads=1, progress=False)


@pytest.mark.slow
def test_a_local_cluster_gives_the_serial_records(serial, tmp_path):
    dask = sweeps.sweep(FIGURE, [0, 1], out=tmp_path, quick=True, workers=2, threads=1)
    assert dask.ran == 2
    assert [strip(r) for r in dask.records] == [strip(r) for r in serial.records]
    assert {r["status"] for r in dask.records} == {"ok"}
    point = dask.summary["points"]["book parameters"]
    assert point["runs"] == 2 and point["seeds"] == [0, 1]
    assert json.loads((tmp_path / "summary.json").read_text()) == dask.summary


@pytest.mark.slow
def test_resume_does_no_repeated_work(tmp_path):
    first = sweeps.sweep(FIGURE, "0", out=tmp_path, quick=True, serial=True, progress=False)
    assert first.ran == 1  # as if a sweep of seeds 0-1 had been interrupted after one run
    again = sweeps.sweep(FIGURE, "0-1", out=tmp_path, quick=True, serial=True, progress=False)
    assert again.ran == 1 and again.records[0] == first.records[0]  # only the missing seed
    assert sweeps.sweep(FIGURE, "0-1", out=tmp_path, quick=True, serial=True).ran == 0
    (tmp_path / "records" / f"{FIGURE}-{again.records[1]['key']}.json").write_text("{trunc")
    assert sweeps.sweep(FIGURE, "0-1", out=tmp_path, quick=True, serial=True).ran == 1


def test_a_failing_run_is_recorded_and_counted(tmp_path, monkeypatch):
    # a run that raises once under way (a bad value is refused before any work: test_parameters)
    spec = FIGURES[FIGURE]

    def diverges(**params):
        raise RuntimeError("the cost became NaN at iteration 3")

    diverges.__module__ = spec.function.__module__  # the same code fingerprint
    monkeypatch.setitem(FIGURES, FIGURE, dataclasses.replace(spec, function=diverges))
    res = sweeps.sweep(FIGURE, "0", out=tmp_path, quick=True, serial=True, progress=False)
    (rec,) = res.records
    assert rec["status"] == "failed" and "became NaN at iteration 3" in rec["error"]
    (point,) = res.summary["points"].values()
    assert point["failed"] == [{"seed": 0, "error": rec["error"]}]


@pytest.mark.slow
def test_a_worker_killed_mid_sweep_still_yields_every_record(tmp_path):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        outcome = {}

        def run():
            outcome["result"] = sweeps.sweep(
                FIGURE,
                "0-3",
                out=tmp_path,
                quick=True,
                threads=1,
                scheduler=cluster.scheduler_address,
                progress=False,
            )

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 120
        busy = {}
        while not busy and time.monotonic() < deadline:  # a worker in the middle of a run
            busy = {w: t for w, t in client.processing().items() if t}
            time.sleep(0.2)
        assert busy, "no run started"
        pids = client.run(os.getpid)
        victim = next(iter(busy))
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=300)
    assert not thread.is_alive()
    res = outcome["result"]
    assert [r["seed"] for r in res.records] == [0, 1, 2, 3]
    assert {r["status"] for r in res.records} == {"ok"}


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--seeds", "3-1"], "is not a range lo-hi"),
        (["--seeds", "a,b"], "use a range like 0-9"),
        (["--seeds", "0", "--grid", "lam=1e-3"], "use key=[v1,v2,...]"),
        (["--seeds", "0", "--grid", "lam=[]"], "'lam' has no values"),
        (["--seeds", "0", "--grid", "seed=[1,2]"], "given by --seeds"),
        (["--seeds", "0", "--grid", "nope=[1]"], "has no parameter(s) ['nope']"),
        (["--seeds", "0", "-p", "seed=3"], "given both as a parameter"),
    ],
)
def test_bad_seeds_or_grid_get_a_clear_error(args, fragment, tmp_path, capsys):
    code = main(["sweep", FIGURE, "--quick", "--out", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err
    assert not (tmp_path / "records").exists()  # refused before any work


def test_a_figure_without_training_is_refused():
    with pytest.raises(sweeps.SweepError, match="trains nothing"):
        sweeps.plan("fig07", "0")


def test_statistics_use_scipy_intervals():
    recs = [
        {
            "parameters": {"seed": s},
            "seed": s,
            "status": "ok",
            "numbers": {"x": float(s)},
            "claims": [{"key": "k", "statement": "s", "holds": s < 3, "sanity": False}],
        }
        for s in range(10)
    ]
    point = sweeps.summarise(recs)["points"]["book parameters"]
    c = point["claims"]["k: s"]
    assert (c["passes"], c["n"]) == (3, 10) and c["seeds_failing"] == list(range(3, 10))
    lo, hi = c["ci95"]
    assert 0.10 < lo < 0.11 and 0.60 < hi < 0.61  # Wilson interval of 3/10
    x = point["numbers"]["x"]
    assert x["mean"] == 4.5 and x["iqm"] == 4.5 and x["min"] == 0 and x["max"] == 9
    assert x["mean_ci95"][0] < 4.5 < x["mean_ci95"][1]


@pytest.mark.slow
def test_the_book_sweep_feeds_the_robustness_page(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from autoencode import robustness

    monkeypatch.setattr(sweeps, "BOOK_SWEEPS", {FIGURE: "0-1"})
    data_file = tmp_path / "robustness.json"
    data = sweeps.book_sweep(tmp_path / "runs", data_file, quick=True, serial=True, progress=False)
    assert robustness.load(data_file) == json.loads(json.dumps(data))
    assert data["provenance"]["seeds"] == {FIGURE: "0-1"} and data["provenance"]["host"]["cores"]
    assert sweeps.stale_figures(data) == []
    claims = robustness.claims_table(data)
    assert set(claims["holds in"]) <= {"0/2", "1/2", "2/2"} and len(claims)
    numbers = robustness.numbers_table(data, {FIGURE: "fig06_reconstruction_2d"})
    assert {"IQM", "mean, 95 % interval", "tolerance"} <= set(numbers.columns)
    counts = robustness.seed_counts(data)
    assert counts["fig6"][1] == 2
    robustness.claims_figure(data)
    monkeypatch.setattr(sweeps, "code_fingerprint", lambda figure: "other code")
    assert sweeps.stale_figures(data) == [FIGURE]
    assert robustness.load(tmp_path / "absent.json") is None


@pytest.mark.slow
def test_two_sweeps_into_one_folder_do_not_corrupt_each_other(tmp_path):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "autoencode", "sweep", FIGURE, "--quick", "--out", str(tmp_path)]
    procs = [
        subprocess.Popen([*cmd, "--seeds", seeds, "--workers", "1"], stderr=subprocess.PIPE)
        for seeds in ("0-1", "1-2")
    ]
    errors = [p.communicate(timeout=600)[1] for p in procs]  # reads and closes the pipes
    assert all(p.returncode == 0 for p in procs), errors
    files = sorted((tmp_path / "records").iterdir())
    assert len(files) == 3  # seed 1 is one record, whichever sweep wrote it last
    assert all(json.loads(f.read_text())["status"] == "ok" for f in files)
    json.loads((tmp_path / "summary.json").read_text())
