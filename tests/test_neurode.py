"""The NeurODE page's experiment (autoencode.experiments.neurode): the earlier paper's network,
|grad J| by autograd, the page's stationarity claim (fails on the initial network), and the
names of the numbers it reports."""

from __future__ import annotations

import pytest
import torch

import autoencode as ae
from autoencode import pmp
from autoencode.experiments import neurode as nd
from autoencode.experiments.common import train
from autoencode.reproduction import load_reference

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

D = ae.data


def _data(n=20):
    x, labels = D.truncated_gaussians(
        n, seed=0, centers=D.BONNET2021_CENTERS, radius=D.BONNET2021_RADIUS, std=D.BONNET2021_STD
    )
    return x, D.class_targets(labels, D.BONNET2021_TARGETS)


def test_neurode_model_is_the_earlier_network():
    m = nd.neurode_model(L=9, h=0.1, theta0=1.0)
    assert not m.has_bias and m.depth == 9
    assert m.h == pytest.approx(0.1) and m.T == pytest.approx(0.9)
    assert all(torch.all(W == 1.0) for W in m.weights) and len(m.weights) == 9
    assert all(torch.all(W == 0.5) for W in nd.neurode_model(L=3, h=0.2, theta0=0.5).weights)


def test_grad_norm_agrees_with_the_costates():
    x, y = _data()
    m = nd.neurode_model(L=5, h=0.1, theta0=0.7)
    grads = pmp.cost_and_gradients(m, x, y, 0.1)[3]
    expected = torch.cat([g.flatten() for gk in grads for g in gk]).norm()
    assert nd.grad_norm(m, x, y, 0.1) == pytest.approx(float(expected), rel=1e-4)
    assert all(p.grad is None or torch.all(p.grad == 0) for p in m.parameters())  # left clean


def test_stationary_claim_fails_on_the_initial_network_and_holds_after_training():
    x, y = _data()
    initial = nd.neurode_model(L=9, h=0.1, theta0=1.0)
    with torch.no_grad():
        J0 = float(initial.cost(x, y, 0.1)[0])
    g0 = nd.grad_norm(initial, x, y, 0.1)
    holds, J_ratio, g_ratio = nd.stationary_claim(initial, x, y, 0.1, J0, g0)
    assert not holds and J_ratio == pytest.approx(1.0) and g_ratio == pytest.approx(1.0)
    trained = train(
        nd.neurode_model(L=9, h=0.1, theta0=1.0), x, y, "fixed_point", lam=0.1, iterations=8
    ).model
    holds, J_ratio, g_ratio = nd.stationary_claim(trained, x, y, 0.1, J0, g0)
    assert holds and J_ratio < 1 and g_ratio <= 5e-2


def test_defaults_are_the_books_parameters():
    spec = ae.experiments.FIGURES["neurode"]
    full, quick = spec.defaults(False), spec.defaults(True)
    assert set(full) == set(quick)
    book = load_reference(spec.notebook)["parameters"]
    assert {k: full[k] for k in book} == book and set(book) == set(full)


def test_small_run_reports_the_reference_quantities():
    import matplotlib.pyplot as plt

    result = ae.experiments.run(
        "neurode", quick=True, progress=False, n=10, iterations=6, oscillation_iterations=3
    )
    for fig in result.figures.values():
        plt.close(fig)
    assert set(result.numbers) == set(load_reference("neurode_two_clusters")["committed"])
    assert list(result.figures) == ["main", "comparison", "oscillation"]
    assert set(result.details["tables"]) == {
        "neurode_iterations_table",
        "neurode_theta_table",
        "neurode_comparison_table",
    }
    assert not result.details["claim_initial"][0]
    assert len(result.details["costs"]["gradient"]) == 6 + 1


def test_claims_name_their_row_and_fail_on_the_initial_network():
    """The page's claims (row neurode) each fail on the initial network theta = theta0; the
    accuracy is a sanity check (1 at theta0 already), never evidence."""
    import matplotlib.pyplot as plt

    result = ae.experiments.run(
        "neurode", quick=True, progress=False, n=10, iterations=6, oscillation_iterations=3
    )
    for fig in result.figures.values():
        plt.close(fig)
    evidence = [c for c in result.claims if not c.sanity]
    sanity = [c for c in result.claims if c.sanity]
    assert len(evidence) == 3 and len(sanity) == 1 and "accuracy" in sanity[0].statement
    assert {c.key for c in result.claims} == {"neurode"}
    for c in evidence:
        assert c.control == "initial model" and c.can_fail, c


def test_the_control_run_reports_the_same_quantities():
    """No iteration anywhere (the negative control of the page's numbers): it runs, reports
    every number of the page, and no claim holds."""
    import matplotlib.pyplot as plt

    spec = ae.experiments.FIGURES["neurode"]
    result = ae.experiments.run("neurode", quick=True, progress=False, n=10, **spec.control)
    for fig in result.figures.values():
        plt.close(fig)
    assert set(result.numbers) == set(load_reference("neurode_two_clusters")["committed"])
    assert result.numbers["neurode_J_ratio"] == 1.0 and result.numbers["neurode_grad_ratio"] == 1
    assert not any(c.holds for c in result.claims if not c.sanity)


def test_same_stationary_cost_needs_stationarity_and_agreement():
    from autoencode import claims

    g, J = {"a": 1e-3, "b": 2e-3}, {"a": 1.0, "b": 1.001}
    assert claims.same_stationary_cost(g, J, "a")
    assert not claims.same_stationary_cost({"a": 1e-3, "b": 0.5}, J, "a")  # b not stationary
    assert not claims.same_stationary_cost(g, {"a": 1.0, "b": 1.1}, "a")  # b elsewhere
