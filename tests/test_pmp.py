"""Our discrete co-states reproduce autograd's gradient to round-off (float64)."""

import pytest
import torch

from autoencode import Architecture, AutoencODE, pmp

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

ARCHS = {
    "prefix (first-k)": lambda: Architecture.from_phases([4, 2, 1, 2, 4], L=10),
    "prefix (permuted)": lambda: Architecture.from_phases([4, 1, 4], L=9, order=[2, 0, 3, 1]),
    "gather (non-chain)": lambda: Architecture(
        [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]]
    ),
    "neurode": lambda: Architecture.neurode(3, 5),
}


def setup_problem(name, mode, bias, activation="tanh", seed=0):
    arch = ARCHS[name]()
    model = AutoencODE(
        arch, T=2.0, off_mode=mode, bias=bias, activation=activation, seed=seed
    ).double()
    with torch.no_grad():
        for b in model.biases:
            b.normal_(0, 0.5)
    g = torch.Generator(torch.get_default_device()).manual_seed(seed)
    x = torch.randn(13, arch.dim, generator=g, dtype=torch.float64)
    y = torch.randn(13, arch.dim, generator=g, dtype=torch.float64)
    return model, x, y


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("whole", [True, False], ids=["whole", "trainer's"])
def test_costate_gradient_equals_autograd(name, mode, bias, whole):
    model, x, y = setup_problem(name, mode, bias)
    lam = 0.03
    first = 0 if whole else 1  # the trainers stop at p_1, on the components layers read
    J, data, reg, grads, fwd, ps = pmp.cost_and_gradients(model, x, y, lam, first, whole=whole)
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
    ps, _ = pmp.backward_costates(model, fwd, pL)
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


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
def test_adjoint_step_is_the_transpose_of_the_step(name, mode):
    """The model's co-state step applies (d x_{k+1}/d x_k)^T, in each storage layout (in reset
    mode on the components active in x_k: an off component is 0 and so is its co-state)."""
    model, x, _ = setup_problem(name, mode, True)
    fwd = pmp.forward_states(model, x)
    g = torch.Generator(torch.get_default_device()).manual_seed(3)
    for k in range(model.depth):
        u = fwd.xs[k].detach().clone().requires_grad_(True)
        _, z = model.pre_activation(k, u)
        nxt = model.step(k, u, model.activation.fn(z))
        p_next = torch.randn(nxt.shape, generator=g, dtype=nxt.dtype)
        p_next = model.to_internal(
            model.to_external(p_next), k + 1
        )  # a co-state: 0 where x_{k+1} is
        (vjp,) = torch.autograd.grad(nxt, u, p_next)
        with torch.no_grad():
            pa = model.output_block(k, p_next)
            delta = pa * model.activation.derivative(fwd.zs[k], fwd.acts[k])
            p = model.adjoint_step(k, p_next, delta)
        on = model.arch.masks[k].to(p.device) if mode == "reset" else torch.ones(model.dim).bool()
        torch.testing.assert_close(
            model.to_external(p) * on, model.to_external(vjp) * on, rtol=1e-10, atol=1e-13
        )


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
def test_the_trainers_costates_are_the_whole_ones_where_layers_read_them(name, mode):
    """``whole=False`` keeps of p_k only the components layer k-1 reaches: on them it is the
    whole co-state, and the blocks every Hamiltonian reads are the same."""
    model, x, y = setup_problem(name, mode, True)
    ps = pmp.cost_and_gradients(model, x, y, 0.03)[5]
    kept = pmp.cost_and_gradients(model, x, y, 0.03, first=1, whole=False)[5]
    assert kept[0] is None
    for k in range(1, model.depth + 1):
        torch.testing.assert_close(kept[k], ps[k][:, : kept[k].shape[1]], rtol=1e-12, atol=0)
        read = model.active_block(k - 1, kept[k]), model.active_block(k - 1, ps[k])
        torch.testing.assert_close(*read, rtol=1e-12, atol=0)
    if name == "prefix (first-k)" and mode == "reset":  # a decoder's p_k skips new components
        assert any(kept[k].shape[1] < ps[k].shape[1] for k in range(1, model.depth))


def test_inner_hamiltonian_gradient_equals_autograd():
    """The gradient of H_k / h the inner argmax uses is the gradient of its value."""
    model, x, y = setup_problem("gather (non-chain)", "reset", True)
    lam = 0.05
    _, _, _, _, fwd, ps = pmp.cost_and_gradients(model, x, y, lam)
    for k in range(model.depth):
        theta = [t.detach().clone().requires_grad_(True) for t in model.layer_parameters(k)]
        xa, pa = model.active_block(k, fwd.xs[k]), model.active_block(k, ps[k + 1])
        value, hand = pmp.layer_hamiltonian(model, k, theta, xa, pa, lam)
        value.backward()
        torch.testing.assert_close(
            value * model.h, pmp.hamiltonian(model, k, theta, fwd.xs[k], ps[k + 1], lam)
        )
        for gh, t in zip(hand, theta):
            torch.testing.assert_close(gh, t.grad, rtol=1e-10, atol=1e-13)


def test_pmp_uses_only_the_models_public_api():
    """pmp never reads a private attribute of the model: the storage layout is the model's."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(pmp))
    private = sorted(
        {
            n.attr
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute)
            and n.attr.startswith("_")
            and not n.attr.startswith("__")
        }
    )
    assert not private, f"pmp reads private attributes {private}"


def test_the_continuous_hamiltonian_of_the_theory_page_is_the_discrete_one():
    """book/mean_field_pmp.md: the ensemble Hamiltonian sum_i p^i . F(x^i, theta) - lambda
    |theta|^2 (the regulariser once, not once per sample), times h, is the layer Hamiltonian the
    solver maximises, and its gradient is -dJ/dtheta_k. Counting the regulariser once per sample
    (sum_i H(x^i, p^i, theta)) would weight it N times: its stationary points are not J's."""
    model, x, y = setup_problem("prefix (first-k)", "reset", True)
    lam, n = 0.1, x.shape[0]
    _, _, _, grads, fwd, ps = pmp.cost_and_gradients(model, x, y, lam)
    for k in range(model.depth):
        theta = [t.detach().clone().requires_grad_(True) for t in model.layer_parameters(k)]
        xa, pa = model.active_block(k, fwd.xs[k]), model.active_block(k, ps[k + 1])
        field = torch.tanh(xa @ theta[0].T + theta[1])  # F(x^i, theta) on the active block
        reg = sum((t**2).sum() for t in theta)
        ensemble = (pa * field).sum() - lam * reg
        per_sample = sum((pa[i] * field[i]).sum() - lam * reg for i in range(n))
        torch.testing.assert_close(
            model.h * ensemble, pmp.hamiltonian(model, k, theta, fwd.xs[k], ps[k + 1], lam)
        )
        g_ensemble = torch.autograd.grad(model.h * ensemble, theta, retain_graph=True)
        g_per_sample = torch.autograd.grad(model.h * per_sample, theta)
        for ge, dj in zip(g_ensemble, grads[k], strict=True):
            torch.testing.assert_close(ge, -dj, rtol=1e-10, atol=1e-13)
        assert not torch.allclose(g_per_sample[0], -grads[k][0])
