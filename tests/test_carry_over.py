"""Sweep records carried to changed code only where that code and the code that made them give
the same numbers, run on one machine."""

from __future__ import annotations

import copy
import json
import math

import pytest

from autoencode import carry_over as carry
from autoencode import sweeps
from autoencode.carry_over import carry_over, largest_difference

FIGURE = "neurode"

pytestmark = pytest.mark.slow  # Dask clusters, quick runs of a figure, a git worktree: ~40 s


def test_largest_difference():
    assert largest_difference({"a": [1.0, 2.0]}, {"a": [1.0, 2.0]}) == 0.0
    assert largest_difference({"a": [1.0, 2.0]}, {"a": [1.0, 2.2]}) == pytest.approx(0.2 / 2.2)
    assert largest_difference({"a": 1.0}, {"b": 1.0}) == math.inf
    assert largest_difference([1.0], [1.0, 2.0]) == math.inf
    assert largest_difference(True, False) == math.inf
    assert largest_difference(float("nan"), float("nan")) == 0.0


@pytest.fixture(scope="module")
def stale_data(tmp_path_factory):
    """A robustness data file whose one figure was recorded by 'other code' (another
    fingerprint) at this checkout's commit."""
    folder = tmp_path_factory.mktemp("made")
    (unit,) = sweeps.plan(FIGURE, [0], quick=True)
    record = sweeps.run_unit(unit, folder, threads=1)
    assert record["status"] == "ok"
    kept = {k: record.get(k) for k in ("seed", "status", "error", "seconds", "numbers", "claims")}
    entry = {"seeds": "0", "quick": True, "fingerprint": "0" * 64, "summary": {}, "records": [kept]}
    provenance = {"commit": "HEAD"}
    return {"format": "autoencode-sweep-1", "figures": {FIGURE: entry}, "provenance": provenance}


def _write(tmp_path, data):
    path = tmp_path / "robustness.json"
    path.write_text(json.dumps(data))
    return path


def test_the_same_code_carries_the_records_over(stale_data, tmp_path):
    """The committed code (a git worktree of HEAD) and the working tree compute the same."""
    path = _write(tmp_path, stale_data)
    assert sweeps.stale_figures(stale_data) == [FIGURE]
    outcome = carry_over(path, tmp_path / "out", workers=1, threads=1, progress=False)
    assert outcome[FIGURE] == {"seed": 0, "largest_difference": 0.0, "carried": True}
    data = json.loads(path.read_text())
    assert sweeps.stale_figures(data) == []
    note = data["figures"][FIGURE]["carried_over"]
    assert note["from_fingerprint"] == "0" * 64 and note["checked_seed"] == 0
    assert note["reference"] == "HEAD" and note["from_record"] == 0.0


def test_code_that_computes_otherwise_keeps_the_figure_stale(stale_data, tmp_path, monkeypatch):
    """The negative control: a reference run whose numbers differ (as another code's would)
    carries nothing over."""
    real = carry.run_reference

    def other_code(*args, **kwargs):
        found = real(*args, **kwargs)
        for rec in found.values():
            name = next(k for k, v in rec["numbers"].items() if isinstance(v, float) and v)
            rec["numbers"][name] *= 1.001
        return found

    monkeypatch.setattr(carry, "run_reference", other_code)
    path = _write(tmp_path, copy.deepcopy(stale_data))
    outcome = carry_over(path, tmp_path / "out", workers=1, threads=1, progress=False)
    assert not outcome[FIGURE]["carried"]
    assert outcome[FIGURE]["largest_difference"] == pytest.approx(0.001 / 1.001, rel=1e-6)
    assert sweeps.stale_figures(json.loads(path.read_text())) == [FIGURE]
