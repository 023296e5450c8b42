"""Hessian spectrum: dense and Lanczos agree; the Tikhonov term shifts it by 2 lambda h."""
import pytest
import torch

from autoencode import Architecture, AutoencODE, hessian_matrix, hessian_spectrum, pmp


@pytest.fixture(scope="module")
def problem():
    model = AutoencODE(Architecture.from_phases([3, 2, 3], L=6), T=2.0, seed=1)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(25, 3, generator=g)
    y = torch.randn(25, 3, generator=g)
    return model, x, y


def test_dense_and_lanczos_agree(problem):
    model, x, y = problem
    dense = hessian_spectrum(model, x, y, lam=1e-3, method="dense")
    lanczos = hessian_spectrum(model, x, y, lam=1e-3, method="lanczos")
    assert dense.n_params == lanczos.n_params == sum(p.numel() for p in model.parameters())
    assert dense.min < 0 < dense.max            # an indefinite landscape at a random point
    assert abs(dense.min - lanczos.min) < 1e-6 * max(1, abs(dense.min))
    assert abs(dense.max - lanczos.max) < 1e-6 * max(1, abs(dense.max))


def test_hessian_matches_finite_differences_of_the_costate_gradient(problem):
    model, x, y = problem
    m = AutoencODE(model.arch, T=model.T, seed=1).double()
    m.load_state_dict(model.state_dict())
    xd, yd = x.double(), y.double()
    H = hessian_matrix(m, xd, yd, lam=0.01)
    params = list(m.parameters())
    v = torch.randn(H.shape[0], dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def grad_at(shift):
        with torch.no_grad():
            offset = 0
            for p in params:
                p.add_(shift[offset:offset + p.numel()].view_as(p))
                offset += p.numel()
        _, _, _, grads, _, _ = pmp.cost_and_gradients(m, xd, yd, 0.01)
        flat = torch.cat([g.flatten() for g in
                          [w for k in range(m.depth) for w in grads[k][:1]] +
                          [b for k in range(m.depth) for b in grads[k][1:]]])
        with torch.no_grad():
            offset = 0
            for p in params:
                p.sub_(shift[offset:offset + p.numel()].view_as(p))
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
