"""autoencode.experiments.convexity: the convexity map's bookkeeping and the page's experiment,
on small problems (seconds)."""

import pandas as pd
import pytest
import torch

import autoencode as ae
from autoencode.experiments import convexity, toy2d

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def table(mins, maxs=None, step=0.4, lam=0.1):
    maxs = maxs or [1.0] * len(mins)
    return pd.DataFrame(
        {
            "lam": lam,
            "epoch": list(range(0, 10 * len(mins), 10)),
            "J": 1.0,
            "min": mins,
            "max": maxs,
            "n_negative": [int(m < 0) for m in mins],
            "lr": step / 4,
            "step": step,
        }
    )


def test_first_convex_epoch_needs_every_later_epoch_non_negative():
    assert convexity.first_convex_epoch(table([-1, -0.1, 0.0, 0.2])) == 20
    assert convexity.first_convex_epoch(table([-1, 0.1, -0.1, 0.2])) == 30
    assert convexity.first_convex_epoch(table([-1, 0.1, 0.2, -1e-6])) is None
    assert convexity.first_convex_epoch(table([0.1, 0.2])) == 0
    both = pd.concat([table([-1, 1], lam=0.1), table([-1, -1], lam=1.0)])
    assert convexity.first_convex_epoch(both, 0.1) == 10
    assert convexity.first_convex_epoch(both, 1.0) is None


def test_step_is_stable():
    assert convexity.step_is_stable(table([0, 0], maxs=[1.0, 4.9], step=0.4)) == (
        True,
        pytest.approx(1.96),
    )
    ok, prod = convexity.step_is_stable(table([0, 0], maxs=[1.0, 5.1], step=0.4))
    assert not ok and prod == pytest.approx(2.04)


def small_problem():
    arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1])
    x, labels = ae.datasets.two_clusters(n=20, seed=0)
    return (lambda: ae.AutoencODE(arch, T=2.0, seed=0)), x, ae.datasets.class_targets(labels)


def test_convexity_map_matches_the_dense_spectrum():
    make, x, y = small_problem()
    t = convexity.convexity_map(make, x, y, [1e-3, 1.0], [0.1, 0.1], iterations=3, at=[0, 3, 99])
    assert list(t.columns) == convexity.COLUMNS
    assert list(t["epoch"]) == [0, 3, 0, 3]  # epochs beyond the run are dropped
    s = ae.hessian_spectrum(make(), x, y, lam=1.0, method="dense")
    row = t[(t.lam == 1.0) & (t.epoch == 0)].iloc[0]
    assert row["min"] == pytest.approx(s.min) and row["max"] == pytest.approx(s.max)
    assert row["step"] == pytest.approx(0.1 / make().h)
    with pytest.raises(ValueError):
        convexity.convexity_map(make, x, y, [1e-3], [0.1, 0.2], iterations=1, at=[0])


def test_lanczos_along_training_logs_the_extremes_and_time():
    make, x, _ = small_problem()
    x3 = torch.cat([x, x[:, :1]], 1)
    model = ae.AutoencODE(ae.Architecture.from_phases([3, 2, 3], L=4), T=1.0, seed=0)
    trainer = ae.ShootingTrainer(model, update="adam", lr=1e-2, lam=1e-3, progress=False)
    t = convexity.lanczos_along_training(trainer, x3, x3, at=[0, 2], dtype=torch.float64, tol=1e-8)
    assert list(t["iteration"]) == [0, 2] and (t["matvecs"] > 0).all() and (t["seconds"] > 0).all()
    assert trainer.callbacks == []  # the callback is removed again
    s = ae.hessian_spectrum(model, x3, x3, lam=1e-3, method="dense")  # the model after 2 steps
    assert t["min"].iloc[-1] == pytest.approx(s.min, rel=1e-5, abs=1e-7)
    assert t["max"].iloc[-1] == pytest.approx(s.max, rel=1e-5)


def test_fig04_problem_builds_the_same_initial_model_every_time():
    make, x, y = toy2d.fig04_problem(n_train=30, L=20, T=5.0, seed=0)
    a, b = make(), make()
    assert a is not b and all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a.arch == ae.Architecture.from_phases([2, 1, 2], L=20, order=[0, 1]) and a.T == 5.0
    assert x.shape == (30, 2) and y.shape == (30, 2)
    x0, labels = ae.datasets.two_clusters(n=30, seed=0)
    assert torch.equal(x, x0) and torch.equal(y, ae.datasets.class_targets(labels))


def test_the_figure_reports_every_number_of_its_page(monkeypatch):
    """The experiment of notebooks/local_convexity on a tiny budget (the MNIST model replaced by
    a small one): the book's lambdas and MNIST iterations give exactly the page's numbers, each
    with a tolerance in its reference file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autoencode.reproduction import load_reference, tolerance_for

    def tiny_mnist(quick, seed, progress=False):
        model = ae.AutoencODE(ae.Architecture.from_phases([3, 2, 3], L=4), T=1.0, seed=seed)
        trainer = ae.ShootingTrainer(model, update="adam", lr=1e-2, lam=1e-3, progress=False)
        x = torch.randn(16, 3, generator=torch.Generator(torch.get_default_device()).manual_seed(0))
        return {"source": "tiny", "lam": 1e-3}, trainer, x

    monkeypatch.setattr(convexity, "mnist_problem", tiny_mnist)
    res = ae.experiments.run(
        "local_convexity",
        quick=True,
        progress=False,
        n_train=20,
        L=6,
        iterations=3,
        logged=[0, 3],
        mnist_at=[0, 20, 100],
        mnist_hessian_images=8,
    )
    plt.close(res.figure)
    ref = load_reference("local_convexity")
    assert set(res.numbers) == set(ref["committed"])
    for name in res.numbers:
        tolerance_for(ref, name)  # raises when a number has no tolerance
    assert list(res.details["summary_table"].index) == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert res.numbers["lc_mnist_n_params"] == sum(
        p.numel() for p in ae.AutoencODE(ae.Architecture.from_phases([3, 2, 3], L=4)).parameters()
    )
    assert "5 runs of 3 iterations, 10 dense Hessians" in res.summary
