"""autoencode.experiments.deep_limit: phases at fixed times, one theta_0(t) for every L, L2
distances, and the page's experiment."""

import math

import numpy as np
import pytest
import torch

import autoencode as ae
from autoencode.experiments import deep_limit as dl

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def test_phases_cover_the_same_fractions_of_time():
    for L in (10, 20, 160):
        arch = dl.architecture(L)
        seg = [(s.phase, s.stop - s.start, s.width) for s in arch.segments()]
        assert [n for _, n, _ in seg][:2] == [0.4 * L, 0.3 * L]
    with pytest.raises(ValueError, match="multiple of 10"):
        dl.architecture(15)


def test_the_same_initial_control_gives_distance_zero_across_L():
    theta0 = dl.initial_control(seed=3)
    a = dl.set_control(ae.AutoencODE(dl.architecture(10), T=5.0).double(), theta0)
    b = dl.set_control(ae.AutoencODE(dl.architecture(40), T=5.0).double(), theta0)
    assert dl.l2_distance(a, b) == 0.0
    # one entry moved by 1 on one coarse layer of length h = 0.5: distance sqrt(0.5)
    with torch.no_grad():
        a.weights[0][0, 0] += 1.0
    assert dl.l2_distance(a, b) == pytest.approx(math.sqrt(0.5))
    assert dl.l2_distance(b, a) == pytest.approx(math.sqrt(0.5))
    c = ae.AutoencODE(dl.architecture(30), T=5.0).double()
    with pytest.raises(ValueError, match="do not nest"):
        dl.l2_distance(c, b)


def test_fitted_rate_of_a_power_law():
    Ls = [10, 20, 40, 80]
    assert dl.fitted_rate(Ls, [3.0 * L**-1.5 for L in Ls]) == pytest.approx(1.5)


def test_train_to_convergence_reaches_the_l2_gradient_tolerance():
    x, labels = ae.data.two_clusters(n=40, seed=0)
    y = ae.data.class_targets(labels)
    model = dl.set_control(ae.AutoencODE(dl.architecture(10), T=5.0).double(), dl.initial_control())
    info = dl.train_to_convergence(model, x, y, lam=0.1, gtol=1e-6)
    assert info["converged"] and info["grad_norm"] <= 1e-6
    assert info["grad_norm"] == pytest.approx(
        dl.gradient_norm_l2(model, x.double(), y.double(), 0.1)
    )
    # the L2 gradient norm is the Euclidean one divided by sqrt(h)
    g = torch.autograd.grad(model.cost(x.double(), y.double(), 0.1)[0], list(model.parameters()))
    euclid = math.sqrt(sum(float((gi**2).sum()) for gi in g))
    assert info["grad_norm"] == pytest.approx(euclid / math.sqrt(model.h))


def test_deep_limit_table():
    x, labels = ae.data.two_clusters(n=40, seed=0)
    y = ae.data.class_targets(labels)
    run = dl.deep_limit([10, 20], x, y, T=5.0, lam=0.1, gtol=1e-6)
    t = run.table
    assert list(t.L) == [10, 20] and t.converged.all()
    assert t.distance.iloc[-1] == 0 and t.cost_gap.iloc[-1] == 0 and t.distance.iloc[0] > 0
    assert np.isclose(t.cost_gap.iloc[0], abs(t.J.iloc[0] - t.J.iloc[1]))


@pytest.mark.slow
def test_the_figure_reports_every_number_of_its_page():
    """The experiment of notebooks/deep_limit (three L here): its numbers, each with a tolerance in
    the page's reference file, its sentences, figure and table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autoencode.reproduction import load_reference, tolerance_for

    res = ae.experiments.run(
        "deep_limit", quick=True, progress=False, n_train=20, Ls=[10, 20, 40], gtol=1e-5
    )
    plt.close(res.figure)
    expected = (
        {f"dl_{q}_{L}" for q in ("J", "hessian_min") for L in (10, 20, 40)}
        | {f"dl_{q}_{L}" for q in ("distance", "cost_gap", "contrast_distance") for L in (10, 20)}
        | {
            "dl_rate_distance",
            "dl_rate_cost",
            "dl_rate_successive",
            "dl_rate_distance_contrast",
            "dl_rate_cost_contrast",
            "dl_text",
            "dl_text_contrast",
        }
    )
    assert set(res.numbers) == expected
    ref = load_reference("deep_limit")
    for name in res.numbers:
        tolerance_for(ref, name)  # raises when a number has no tolerance
    assert set(ref["committed"]) >= expected  # the book reports the same names
    t = res.details["table"]
    assert list(t.L) == [10, 20, 40] and (t.hessian_min > 0).all() and t.converged.all()
    assert res.numbers["dl_text"].startswith("At lambda = 0.1 every problem is solved")
    assert "6 problems solved" in res.summary and "hessian_min" in res.summary


@pytest.mark.slow
def test_claims_name_their_row_and_fail_on_independent_controls():
    """The page's claims (row deep_limit) against untrained controls drawn independently for
    each L; the figure's control (no training, no common start) reports every number."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kw = dict(quick=True, progress=False, n_train=20, Ls=[10, 20, 40], gtol=1e-5)
    res = ae.experiments.run("deep_limit", **kw)
    plt.close(res.figure)
    assert len(res.claims) == 3 and {c.key for c in res.claims} == {"deep_limit"}
    for c in res.claims:
        assert c.holds and c.can_fail and "independently" in c.control, c
    spec = ae.experiments.FIGURES["deep_limit"]
    ctl = ae.experiments.run("deep_limit", **kw, **spec.control)
    plt.close(ctl.figure)
    assert set(ctl.numbers) == set(res.numbers)
    assert not any(c.holds for c in ctl.claims)
    assert "NOT every problem is solved" in ctl.numbers["dl_text"]
