"""Hessian spectrum: dense and Lanczos agree; the Tikhonov term shifts it by 2 lambda h."""

import pytest
import torch

from autoencode import Architecture, AutoencODE, hessian_matrix, hessian_spectrum, pmp

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


@pytest.fixture(scope="module")
def problem(on_device):
    model = AutoencODE(Architecture.from_phases([3, 2, 3], L=6), T=2.0, seed=1)
    g = torch.Generator(torch.get_default_device()).manual_seed(0)
    x = torch.randn(25, 3, generator=g)
    y = torch.randn(25, 3, generator=g)
    return model, x, y


def test_dense_and_lanczos_agree(problem):
    model, x, y = problem
    dense = hessian_spectrum(model, x, y, lam=1e-3, method="dense")
    lanczos = hessian_spectrum(model, x, y, lam=1e-3, method="lanczos")
    assert dense.n_params == lanczos.n_params == sum(p.numel() for p in model.parameters())
    assert dense.min < 0 < dense.max  # an indefinite landscape at a random point
    assert abs(dense.min - lanczos.min) < 1e-6 * max(1, abs(dense.min))
    assert abs(dense.max - lanczos.max) < 1e-6 * max(1, abs(dense.max))


def test_hessian_matches_finite_differences_of_the_costate_gradient(problem):
    model, x, y = problem
    m = AutoencODE(model.arch, T=model.T, seed=1).double()
    m.load_state_dict(model.state_dict())
    xd, yd = x.double(), y.double()
    H = hessian_matrix(m, xd, yd, lam=0.01)
    params = list(m.parameters())
    v = torch.randn(
        H.shape[0],
        dtype=torch.float64,
        generator=torch.Generator(torch.get_default_device()).manual_seed(1),
    )

    def grad_at(shift):
        with torch.no_grad():
            offset = 0
            for p in params:
                p.add_(shift[offset : offset + p.numel()].view_as(p))
                offset += p.numel()
        _, _, _, grads, _, _ = pmp.cost_and_gradients(m, xd, yd, 0.01)
        flat = torch.cat(
            [
                g.flatten()
                for g in [w for k in range(m.depth) for w in grads[k][:1]]
                + [b for k in range(m.depth) for b in grads[k][1:]]
            ]
        )
        with torch.no_grad():
            offset = 0
            for p in params:
                p.sub_(shift[offset : offset + p.numel()].view_as(p))
                offset += p.numel()
        return flat

    eps = 1e-5
    fd = (grad_at(eps * v) - grad_at(-eps * v)) / (2 * eps)
    torch.testing.assert_close(H @ v, fd, rtol=1e-6, atol=1e-8)


def test_regularisation_shifts_the_spectrum_by_two_lambda_h(problem):
    model, x, y = problem
    lam = 0.5
    s0 = hessian_spectrum(model, x, y, lam=0.0, method="dense")
    s1 = hessian_spectrum(model, x, y, lam=lam, method="dense")
    shift = 2 * lam * model.h
    assert abs((s1.min - s0.min) - shift) < 1e-10
    assert abs((s1.max - s0.max) - shift) < 1e-10


def test_unknown_method(problem):
    model, x, y = problem
    with pytest.raises(ValueError, match="method must be"):
        hessian_spectrum(model, x, y, method="power")


# -- HessianLogger: a trainer callback (Table 1) ---------------------------------------------


def _logger_problem():
    from autoencode.data import toy2d as datasets

    model = AutoencODE(Architecture.from_phases([2, 1, 2], L=6, order=[0, 1]), T=2.0, seed=0)
    x, labels = datasets.two_clusters(n=12, seed=0)
    return model, x, datasets.class_targets(labels)


def test_hessian_logger_logs_at_chosen_iterations():
    from autoencode import HessianLogger, ShootingTrainer

    model, x, y = _logger_problem()
    logger = HessianLogger(x, y, at=[0, 2, 3])
    trainer = ShootingTrainer(model, lr=0.1, lam=1e-2, progress=False, callbacks=[logger])
    trainer.fit(x, y, iterations=3)
    table = logger.table()
    assert list(table.columns) == ["iteration", "J", "min", "max", "n_negative", "n_params"]
    assert table["iteration"].tolist() == [0, 2, 3]
    assert (table["min"] <= table["max"]).all()
    n = sum(p.numel() for p in model.parameters())
    assert (table["n_params"] == n).all()
    # the last row is the spectrum and cost of the final weights
    spec = hessian_spectrum(model, x, y, 1e-2, method="dense")
    assert table["min"].iloc[-1] == pytest.approx(spec.min)
    assert table["max"].iloc[-1] == pytest.approx(spec.max)
    assert table["J"].iloc[-1] == pytest.approx(trainer.evaluate(x, y)["cost"], rel=1e-6)
    ev = torch.linalg.eigvalsh(hessian_matrix(model, x, y, 1e-2))
    assert table["n_negative"].iloc[-1] == int((ev < 0).sum())
    assert table["n_negative"].iloc[0] >= 1  # indefinite at initialisation


def test_hessian_logger_lanczos_logs_extremes_only():
    from autoencode import HessianLogger, ShootingTrainer

    model, x, y = _logger_problem()
    logger = HessianLogger(x, y, at=[0], method="lanczos")
    ShootingTrainer(model, lr=0.1, lam=1e-2, progress=False, callbacks=[logger]).fit(
        x, y, iterations=1
    )
    row = logger.rows[0]
    spec = hessian_spectrum(_logger_problem()[0], x, y, 1e-2, method="dense")
    assert row["n_negative"] is None
    assert row["min"] == pytest.approx(spec.min, abs=1e-6)
    assert row["max"] == pytest.approx(spec.max, abs=1e-6)


def test_hessian_logger_own_lambda():
    from autoencode import HessianLogger, ShootingTrainer

    model, x, y = _logger_problem()
    logger = HessianLogger(x, y, at=[0], lam=0.5)
    ShootingTrainer(model, lr=0.1, lam=1e-3, progress=False, callbacks=[logger]).fit(
        x, y, iterations=1
    )
    spec = hessian_spectrum(_logger_problem()[0], x, y, 0.5, method="dense")  # the initial weights
    assert logger.rows[0]["min"] == pytest.approx(spec.min)
