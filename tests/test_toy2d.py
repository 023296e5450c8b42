"""The 2D experiments of Figs 4-6 (autoencode.experiments.common, .fig04, .fig05, .fig06):
training the same model several ways, the data of Figs 4-5, each figure's defaults against
its reference file, and the names of the numbers each figure reports."""

from __future__ import annotations

import re

import pytest
import torch

import autoencode as ae
from autoencode.experiments import common
from autoencode.reproduction import load_reference

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

FIGURES = ("fig04", "fig05", "fig06")


def _problem(n=16):
    x, labels = ae.data.two_clusters(n=n, seed=0)
    return x, ae.data.class_targets(labels)


def _make_model():
    return ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1]), T=2.0, seed=0)


def test_train_picks_the_trainer_of_the_method():
    x, y = _problem()
    tr = common.train(_make_model(), x, y, common.AUTOGRAD, lr=0.05, lam=1e-3, iterations=2)
    assert isinstance(tr, ae.AdamTrainer) and tr.lr == 0.05 and len(tr.history["cost"]) == 2
    tr = common.train(_make_model(), x, y, "gradient", lr=0.2, lam=1e-2, iterations=1)
    assert isinstance(tr, ae.ShootingTrainer) and tr.rule == "gradient" and tr.lam == 1e-2
    tr = common.train(_make_model(), x, y, "fixed_point", lam=0.1, iterations=1)  # lr: none needed
    assert tr.rule == "fixed_point"
    with pytest.raises(ValueError, match="update must be one of"):
        common.train(_make_model(), x, y, "newton", lam=0.1, iterations=1)


def test_compare_starts_every_method_from_the_same_weights():
    x, y = _problem()
    runs = common.compare(
        _make_model,
        x,
        y,
        {"a": ("gradient", 0.1), "b": (common.AUTOGRAD, 0.05)},
        lam=1e-3,
        iterations=0,
    )
    assert list(runs) == ["a", "b"]
    for p, q in zip(runs["a"].model.parameters(), runs["b"].model.parameters()):
        assert torch.equal(p, q)
    assert runs["a"].model is not runs["b"].model


def test_compare_shooting_with_the_adam_update_takes_autograd_adams_steps():
    """Fig 6's statement: with the `adam` update, shooting and autograd Adam take the same steps
    (our co-states are back-propagation), up to round-off."""
    x, _ = _problem()
    runs = common.compare(
        _make_model,
        x,
        None,
        {"shooting": ("adam", 0.05), "adam": (common.AUTOGRAD, 0.05)},
        lam=1e-3,
        iterations=5,
    )
    torch.testing.assert_close(
        torch.tensor(runs["shooting"].history["cost"]),
        torch.tensor(runs["adam"].history["cost"]),
        rtol=1e-4,
        atol=1e-6,
    )
    for p, q in zip(runs["shooting"].model.parameters(), runs["adam"].model.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_compare_gives_callbacks_to_the_named_run_only():
    x, y = _problem()
    calls = []
    common.compare(
        _make_model,
        x,
        y,
        {"a": ("gradient", 0.1), "b": (common.AUTOGRAD, 0.05)},
        lam=1e-3,
        iterations=3,
        callbacks={"b": [lambda tr, it: calls.append(it)]},
    )
    assert calls == [0, 1, 2, 3]


def test_two_clusters_problem():
    p = common.two_clusters_problem(20, 30, seed=3)
    x, labels = ae.data.two_clusters(n=20, seed=3)
    assert torch.equal(p["x"], x) and torch.equal(p["labels"], labels)
    assert p["x_test"].shape == (30, 2) and not torch.equal(p["x_test"][:20], x)  # seed + 1
    torch.testing.assert_close(p["y"], ae.data.class_targets(labels))
    torch.testing.assert_close(p["y_test"], ae.data.class_targets(p["labels_test"]))
    assert p["targets"].tolist() == [list(t) for t in ae.data.DEFAULT_TARGETS]


@pytest.mark.parametrize("name", FIGURES)
def test_defaults_are_the_books_parameters(name):
    """The full-mode defaults are the values of the reference file's [parameters] (the book's
    run), and quick mode changes only sizes, never the names."""
    spec = ae.experiments.FIGURES[name]
    full, quick = spec.defaults(False), spec.defaults(True)
    assert set(full) == set(quick) and "seed" in full
    book = load_reference(spec.notebook)["parameters"]
    assert set(book) == set(full)
    assert {k: full[k] for k in book} == book


def _names(numbers):
    """Quantity names with the logged epochs of Table 1 folded (quick mode logs other epochs)."""
    return {re.sub(r"^(table1_(small|large)_\w+?)_\d+$", r"\1_E", k) for k in numbers}


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.slow
def test_quick_run_reports_the_reference_quantities(name):
    spec = ae.experiments.FIGURES[name]
    result = ae.experiments.run(name, quick=True, progress=False)
    committed = load_reference(spec.notebook)["committed"]
    assert _names(result.numbers) == _names(committed)
    assert all(isinstance(v, (int, float, str)) for v in result.numbers.values())
    assert list(result.figures)[0] == "main" and result.summary
    import matplotlib.pyplot as plt

    for fig in result.figures.values():
        plt.close(fig)


@pytest.mark.slow
def test_fig04_details_hold_table1():
    result = ae.experiments.run("fig04", quick=True, progress=False)
    import matplotlib.pyplot as plt

    plt.close(result.figure)
    t = result.details["hessian"]["small"]
    assert t["iteration"].tolist() == result.parameters["hessian_at"]
    assert set(result.details["tables"]) == {"table1_small", "table1_large", "table1_region"}
    table = result.details["tables"]["table1_small"]
    assert list(table.index) == result.parameters["hessian_at"]
    assert result.numbers["table1_min_start_small"] == pytest.approx(t["min"].iloc[0])
    # the data term's column: J's minus the Tikhonov shift 2 lambda h
    shift = result.numbers["table1_shift_small"]
    assert shift == pytest.approx(2 * result.parameters["lam"] * 5.0 / 20)
    assert float(table["data term: min eigenvalue"].iloc[0]) == pytest.approx(
        t["min"].iloc[0] - shift, rel=0.05
    )
    # the minimisers are solved for, and every claim names its row and fails on its control
    for tag in ("small", "large"):
        assert result.details["regions"][tag]["grad_star"] <= 1e-8
    keys = {c.key for c in result.claims}
    assert keys == {"fig4", "abstract.method", "table1"}
    assert all(c.can_fail for c in result.claims)


@pytest.mark.slow
def test_fig04_control_runs_and_reports_the_same_quantities():
    """The negative control (no training): every Table 1 epoch is still reported (the weights
    of epoch 0), and the claims of training fail."""
    spec = ae.experiments.FIGURES["fig04"]
    result = ae.experiments.run("fig04", quick=True, progress=False, **spec.control)
    import matplotlib.pyplot as plt

    plt.close(result.figure)
    assert result.numbers["table1_small_min_20"] == result.numbers["table1_small_min_0"]
    by_key = {c.statement: c for c in result.claims}
    assert not any(c.holds for c in by_key.values() if c.key in ("fig4", "table1"))


def test_model_maker_and_the_fig04_problem():
    make_model, x, y = common.fig04_problem(n_train=30, L=10, T=2.0, seed=2)
    a, b = make_model(), make_model()
    assert a is not b and all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a.depth == 10 and a.T == 2.0
    assert a.arch.active(a.arch.bottleneck).tolist() == [0]  # x2 off in the middle
    p = common.two_clusters_problem(30, None, seed=2)
    assert torch.equal(x, p["x"]) and torch.equal(y, p["y"]) and "x_test" not in p
    other = common.model_maker(a.arch, 2.0, seed=3)()
    assert not torch.equal(other.weights[0], a.weights[0])


@pytest.mark.parametrize(("name", "keys"), [("fig05", {"fig5", "fig5.L20"}), ("fig06", {"fig6"})])
def test_claims_name_their_row_and_fail_on_their_control(name, keys):
    """Figs 5 and 6 return their claims, each naming its row of the Verdicts table and failing
    on its negative control (the initial model; for Fig 6's position check, zero weights)."""
    import matplotlib.pyplot as plt

    result = ae.experiments.run(name, quick=True, progress=False)
    for fig in result.figures.values():
        plt.close(fig)
    assert result.claims and {c.key for c in result.claims} == keys
    for c in result.claims:
        assert not c.sanity and c.can_fail, c
    assert len({(c.key, c.statement) for c in result.claims}) == len(result.claims)


@pytest.mark.parametrize("name", ["fig05", "fig06"])
def test_the_control_run_reports_the_same_quantities(name):
    """The negative control of the page's numbers (no training) runs and reports every number
    of the page."""
    import matplotlib.pyplot as plt

    spec = ae.experiments.FIGURES[name]
    assert spec.control == {"iterations": 0}
    result = ae.experiments.run(name, quick=True, progress=False, **spec.control)
    for fig in result.figures.values():
        plt.close(fig)
    assert _names(result.numbers) == _names(load_reference(spec.notebook)["committed"])
    assert all(not c.holds for c in result.claims)
