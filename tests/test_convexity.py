"""autoencode.experiments.convexity: the convexity map's bookkeeping and the page's experiment,
on small problems (seconds)."""

import pandas as pd
import pytest
import torch

import autoencode as ae
from autoencode.experiments import common, convexity

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
    x, labels = ae.data.two_clusters(n=20, seed=0)
    return (lambda: ae.AutoencODE(arch, T=2.0, seed=0)), x, ae.data.class_targets(labels)


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
    make, x, y = common.fig04_problem(n_train=30, L=20, T=5.0, seed=0)
    a, b = make(), make()
    assert a is not b and all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert a.arch == ae.Architecture.from_phases([2, 1, 2], L=20, order=[0, 1]) and a.T == 5.0
    assert x.shape == (30, 2) and y.shape == (30, 2)
    x0, labels = ae.data.two_clusters(n=30, seed=0)
    assert torch.equal(x, x0) and torch.equal(y, ae.data.class_targets(labels))


@pytest.mark.slow
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
    for f in res.figures.values():
        plt.close(f)
    ref = load_reference("local_convexity")
    assert set(res.numbers) == set(ref["committed"])
    for name in res.numbers:
        tolerance_for(ref, name)  # raises when a number has no tolerance
    assert list(res.details["summary_table"].index) == ["0.0001", "0.001", "0.01", "0.1", "1"]
    assert res.numbers["lc_mnist_n_params"] == sum(
        p.numel() for p in ae.AutoencODE(ae.Architecture.from_phases([3, 2, 3], L=4)).parameters()
    )
    assert "5 runs of 3 iterations, 10 dense Hessians" in res.summary


# -- stationary points, the data term, the size of the convex region -------------------------


def test_newton_reaches_a_stationary_point_to_1e_8():
    make, x, y = small_problem()
    cost, theta0 = ae.hessian.flat_cost(make(), x, y, lam=1e-2)
    sol = ae.hessian.newton_solve(cost, theta0, gtol=1e-8)
    assert sol.converged and sol.grad_norm <= 1e-8
    assert float(torch.func.grad(cost)(sol.theta).norm()) <= 1e-8  # measured again
    assert float(cost(sol.theta)) < float(cost(theta0))
    assert sol.min_eigenvalue > 0  # a strict local minimum, not a saddle


def test_data_term_hessian_plus_the_tikhonov_shift_is_the_hessian_of_J():
    make, x, y = small_problem()
    model = make().double()
    lam = 0.3
    H = ae.hessian_matrix(model, x.double(), y.double(), lam=lam)
    D = ae.hessian_matrix(model, x.double(), y.double(), lam=0.0)
    shift = ae.hessian.tikhonov_shift(model, lam)
    assert shift == pytest.approx(2 * lam * model.h)
    assert torch.allclose(H, D + shift * torch.eye(len(H), dtype=H.dtype), atol=1e-12)


def quartic(theta):
    """sum theta_i^2 / 2 - theta_i^4 / 12: Hessian diag(1 - theta_i^2), positive semi-definite
    exactly while every |theta_i| <= 1; from 0 along the unit direction u: up to 1 / max |u_i|."""
    return (theta**2 / 2 - theta**4 / 12).sum()


def saddle(theta):
    return theta[0] ** 2 - theta[1] ** 2 + (theta[2:] ** 2).sum()


def test_convex_radius_is_the_known_radius_of_a_quartic_and_zero_at_a_saddle(on_device):
    g = torch.Generator().manual_seed(0)
    U = torch.randn(6, 4, generator=g, dtype=torch.float64, device="cpu").to(on_device)
    U = U / U.norm(dim=1, keepdim=True)
    theta = torch.zeros(4, dtype=torch.float64)
    r = ae.hessian.convex_radius(quartic, theta, U, first=1e-3, bisections=5)
    exact = 1 / U.abs().max(dim=1).values
    assert (r <= exact).all() and (r >= exact * (1 - 1 / 32) - 1e-12).all()  # resolution 1/32
    assert (ae.hessian.convex_radius(saddle, theta, U) == 0).all()  # indefinite at the point
    far = ae.hessian.convex_radius(lambda t: (t**2).sum(), theta, U[:2], largest=4.0)
    assert torch.isinf(far).all()  # convex everywhere: beyond the scan


def test_flat_parameters_round_trip():
    make, _, _ = small_problem()
    a, b = make(), make()
    theta = ae.hessian.flat_parameters(a) + 1.0
    ae.hessian.set_flat_parameters(b, theta)
    assert torch.equal(ae.hessian.flat_parameters(b), theta)
    with pytest.raises(ValueError):
        ae.hessian.set_flat_parameters(b, theta[:-1])


def test_region_analysis_on_a_small_problem():
    make, x, y = small_problem()
    trainer = ae.ShootingTrainer(make(), update="gradient", lr=0.1, lam=0.1, progress=False)
    trainer.fit(x, y, iterations=50)
    r = convexity.region_analysis(
        make,
        x,
        y,
        0.1,
        ae.hessian.flat_parameters(trainer.model),
        lr=0.1,
        n_directions=3,
        scales=[1, 4],
        shooting_iterations=30,
    )
    assert r["converged"] and r["grad_star"] <= 1e-8
    assert r["J_min"] == pytest.approx(r["data_min"] + r["shift"], abs=1e-10)
    assert r["J_min"] > 0 and r["radius_min"] > 0 and r["radius_initial"] == 0
    assert r["radius_min"] <= r["radius_median"]
    one = r["shooting"][0]
    assert one["converges"] and one["end"] < one["start"] and 0 < one["rate"] < 1


# -- the page's claims fail on their negative control ------------------------------------------


def test_local_convexity_claims_fail_on_the_initial_model():
    """notebooks/local_convexity: the initial weights' Hessian is indefinite for every lambda of
    the page (radius 0), and they lie far from the minimiser."""
    make, x, y = common.fig04_problem(n_train=200, L=20, T=5.0, seed=0)
    model = make()
    for lam in (1e-4, 1e-3):
        cost, theta0 = ae.hessian.flat_cost(model, x, y, lam)
        U = torch.randn(
            2,
            len(theta0),
            generator=torch.Generator().manual_seed(0),
            dtype=torch.float64,
            device="cpu",
        )
        r0 = float(ae.hessian.convex_radius(cost, theta0, U).min())
        assert r0 == 0
        assert not ae.claims.convex_region(r0, 1e-3)
    assert ae.claims.convex_region(0.0097, 1e-3)  # the minimiser's (lambda = 1e-4): holds
    # |theta_0 - theta*| = 8.6 at lambda = 1e-4 against a radius of ~0.01
    assert not ae.claims.ends_in_convex_region(8.6, 0.0097)
    assert ae.claims.ends_in_convex_region(1e-7, 0.3)  # the lambda = 0.1 run: holds
    assert not ae.claims.ends_in_convex_region(1.0, 0.0)  # no region: cannot be inside
    assert not ae.claims.contracts_to(1.0) and ae.claims.contracts_to(0.9999)
