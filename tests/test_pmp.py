"""Our discrete co-states reproduce autograd's gradient to round-off (float64)."""
import pytest
import torch

from autoencode import Architecture, AutoencODE, pmp

ARCHS = {
    "prefix (first-k)": lambda: Architecture.from_phases([4, 2, 1, 2, 4], L=10),
    "prefix (permuted)": lambda: Architecture.from_phases([4, 1, 4], L=9, order=[2, 0, 3, 1]),
    "gather (non-chain)": lambda: Architecture([[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]]),
    "neurode": lambda: Architecture.neurode(3, 5),
}


def setup_problem(name, mode, bias, activation="tanh", seed=0):
    arch = ARCHS[name]()
    model = AutoencODE(arch, T=2.0, off_mode=mode, bias=bias, activation=activation, seed=seed).double()
    with torch.no_grad():
        for b in model.biases:
            b.normal_(0, 0.5)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(13, arch.dim, generator=g, dtype=torch.float64)
    y = torch.randn(13, arch.dim, generator=g, dtype=torch.float64)
    return model, x, y


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
@pytest.mark.parametrize("bias", [True, False])
def test_costate_gradient_equals_autograd(name, mode, bias):
    model, x, y = setup_problem(name, mode, bias)
    lam = 0.03
    J, data, reg, grads, fwd, ps = pmp.cost_and_gradients(model, x, y, lam)
    J_auto, _, _ = model.cost(x, y, lam)
    J_auto.backward()
    assert abs(J.item() - J_auto.item()) < 1e-13
    for k in range(model.depth):
        for g, p in zip(grads[k], model.layer_parameters(k)):
            torch.testing.assert_close(g, p.grad, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", ["sigmoid", "softplus"])
def test_costates_with_other_activations(activation):
    model, x, y = setup_problem("prefix (permuted)", "reset", True, activation=activation)
    _, _, _, grads, _, _ = pmp.cost_and_gradients(model, x, y, 0.0)
    model.cost(x, y, 0.0)[0].backward()
    for k in range(model.depth):
        for g, p in zip(grads[k], model.layer_parameters(k)):
            torch.testing.assert_close(g, p.grad, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("mode", ["reset", "freeze"])
def test_costate_is_minus_the_gradient_of_the_data_term_wrt_the_state(mode):
    """p_0 = -d(data)/dx_0 on the active components (the co-state is back-propagation)."""
    model, x, y = setup_problem("prefix (first-k)", mode, True)
    fwd = pmp.forward_states(model, x)
    pL = pmp.terminal_costate(model, fwd.xs[-1], model.to_internal(y, model.depth))
    ps = pmp.backward_costates(model, fwd, pL)
    x0 = x.clone().requires_grad_(True)
    model.data_loss(model(x0), y).backward()
    torch.testing.assert_close(model.to_external(ps[0]), -x0.grad, rtol=1e-10, atol=1e-13)


def test_hamiltonian_gradients_are_the_gradients_of_the_hamiltonian():
    model, x, y = setup_problem("prefix (permuted)", "reset", True)
    lam = 0.1
    _, _, _, _, fwd, ps = pmp.cost_and_gradients(model, x, y, lam)
    hand = pmp.hamiltonian_gradients(model, fwd, ps, lam)
    for k in range(model.depth):
        theta = [t.detach().clone().requires_grad_(True) for t in model.layer_parameters(k)]
        pmp.hamiltonian(model, k, theta, fwd.xs[k], ps[k + 1], lam).backward()
        for g, t in zip(hand[k], theta):
            torch.testing.assert_close(g, t.grad, rtol=1e-10, atol=1e-13)


def test_compact_storage_of_reset_states():
    """Reset-mode states are stored with their active width only (no zeros for off components)."""
    model, x, _ = setup_problem("prefix (first-k)", "reset", True)
    fwd = pmp.forward_states(model, x)
    assert [u.shape[1] for u in fwd.xs] == model.arch.widths
