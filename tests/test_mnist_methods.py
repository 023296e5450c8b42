"""The page "Algorithm 1 on MNIST" (autoencode.experiments.mnist_methods): the four trainings
in quick mode, their cache, the trace, the pilot, and the page's claim failing on its negative
control (no iteration: the initial model)."""

from __future__ import annotations

import math

import pytest
import torch

import autoencode as ae
from autoencode.experiments import mnist_methods as mm
from autoencode.experiments import mnist_methods_training as mt
from autoencode.experiments.mnist_model import build_model

CONTROL = {"iterations": 0, "prox_iterations": 0, "fp_iterations": 0}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    folder = tmp_path_factory.mktemp("cache")
    mp.setenv("AUTOENCODE_CACHE", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="module")
def result(cache):
    return ae.experiments.run("mnist_methods", progress=False, quick=True)


@pytest.fixture(scope="module")
def control(cache):
    return ae.experiments.run("mnist_methods", progress=False, quick=True, **CONTROL)


def test_the_page_is_registered_with_its_control():
    spec = ae.experiments.FIGURES["mnist_methods"]
    assert spec.notebook == "mnist_methods"
    assert dict(spec.control) == CONTROL
    full = ae.experiments.parameters("mnist_methods", quick=False)
    # the problem of Figs 8-9: its profile, lambda, batches, seed, Adam's step and iterations
    for k, v in ae.experiments.mnist_model.MNIST_FULL.items():
        if k != "update":
            assert full[k] == v, k
    assert full["n_test"] == 10000


@pytest.mark.slow
def test_the_quick_run_reports_every_method(result):
    n = result.numbers
    for key, _ in mt.METHODS:
        assert math.isfinite(n[f"mm_mse_{key}"])
        assert n[f"mm_iterations_{key}"] == result.parameters[mt.ITERATIONS[key]]
        h = result.details["runs"][key].history
        assert len(h["cost"]) == n[f"mm_iterations_{key}"]
        assert h["trace_iteration"][0] == 0 and h["trace_iteration"][-1] == len(h["cost"])
        assert h["trace_seconds"] == sorted(h["trace_seconds"])
    assert list(result.details["table"].index[:4]) == [label for _, label in mt.METHODS]
    # the two Adam runs take the same steps (co-states are back-propagation), up to round-off
    a, b = n["mm_mse_shooting_adam"], n["mm_mse_autograd_adam"]
    assert abs(a - b) <= 1e-3 * a
    assert result.figure is not None


@pytest.mark.slow
def test_the_claim_names_its_row_and_fails_on_its_control(result, control):
    (claim,) = result.claims
    assert claim.key == "abstract.method" and claim.control == "initial model"
    assert claim.can_fail  # the initial model's test error is above PCA's
    # the control run: no method iterates, every test error is the initial model's, the claim
    # fails there, and no method reaches PCA's error
    (c,) = control.claims
    assert not c.holds
    n = control.numbers
    for key, _ in mt.METHODS:
        assert n[f"mm_mse_{key}"] == pytest.approx(n["mm_mse_initial"], rel=1e-6)
        assert n[f"mm_iters_pca_{key}"] == -1
    assert c.value == pytest.approx(claim.control_value, rel=1e-6)


def test_the_claim_holds_when_the_error_is_below_pca():
    from autoencode import claims

    ok = claims.beats_baseline(0.01, 0.0168, "PCA's (32 components)")
    assert ok.holds and not claims.beats_baseline(0.09, 0.0168, "PCA's (32 components)").holds


@pytest.mark.slow
def test_runs_are_cached(result, cache):
    params = {k: v for k, v in result.parameters.items() if k not in ("device", "dtype")}
    run = result.details["runs"]["shooting_adam"]
    x = torch.zeros(3, 784)  # not used: the run is loaded
    # keyed by where it computes: the experiment's device and dtype, not the test's default
    with ae.compute_on(result.parameters["device"], result.parameters["dtype"]):
        again = mt.trained_run("shooting_adam", params, x.float(), x.float(), verbose=False)
    assert again.path == run.path, (again.path, run.path)
    assert not again.trained
    assert again.history["trace_mse"] == run.history["trace_mse"]
    names = {p.name.rsplit("-", 1)[0] for p in cache.glob("mnist-methods-*.pt")}
    assert names == {f"mnist-methods-{k.replace('_', '-')}-quick" for k, _ in mt.METHODS}


def test_first_reach():
    assert mm.first_reach([0, 10, 20], [0.0, 1.0, 2.0], [0.3, 0.2, 0.1], 0.2) == (10, 1.0)
    assert mm.first_reach([0, 10], [0.0, 1.0], [0.3, 0.25], 0.2) is None


def test_trace_evaluates_every_k_iterations_and_at_the_end():
    params = ae.experiments.parameters("mnist_methods", quick=True)
    model = build_model(params)
    x = torch.rand(40, 784)
    trace = mt.Trace(x[:5], every=3, last=7)
    trainer = mt.make_trainer("shooting_adam", model, params, callbacks=[trace], progress=False)
    trainer.fit(x, iterations=7)
    assert trace.iteration == [0, 3, 6, 7]
    assert trace.seconds[0] == 0.0 and trace.seconds == sorted(trace.seconds)
    assert trace.mse[-1] == pytest.approx(mt.mse_per_pixel(model, x[:5]))


def test_the_pilot_leaves_the_model_unchanged():
    params = ae.experiments.parameters("mnist_methods", quick=True)
    model = build_model(params)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rows = mm.step_pilot(model, torch.rand(20, 784), params)
    assert len(rows) == len(params["pilot_lrs"]) + 1
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(r["before"] == rows[0]["before"] and r["step"] > 0 for r in rows)


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown method"):
        mt.run_settings("sgd", {})
