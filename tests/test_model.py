"""The AutoencODE forward map: reset vs freeze, compact storage, input checks."""

import math

import pytest
import torch

from autoencode import Architecture, AutoencODE

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def dense_reference(model, x):
    """x_{k+1} = m_{k+1} * (x + h m_k * tanh(W (m_k * x) + b)), written with d x d matrices."""
    arch, h, d = model.arch, model.h, model.dim
    m = arch.masks.to(x)  # the architecture's masks live on the CPU
    states = [x * m[0] if model.off_mode == "reset" else x]
    for k in range(model.depth):
        idx = model.components(k)
        W = x.new_zeros(d, d)
        W[idx[:, None], idx[None, :]] = model.weights[k].detach()
        b = x.new_zeros(d)
        if model.has_bias:
            b[idx] = model.biases[k].detach()
        u = states[-1]
        G = m[k] * torch.tanh((m[k] * u) @ W.T + b)
        nxt = u + h * G
        states.append(m[k + 1] * nxt if model.off_mode == "reset" else nxt)
    return torch.stack(states)


ARCHS = {
    "autoencoder": lambda: Architecture.from_phases([5, 3, 1, 3, 5], L=10),
    "permuted": lambda: Architecture.from_phases([5, 2, 5], L=6, order=[3, 1, 4, 0, 2]),
    "non-chain": lambda: Architecture(
        [[1, 1, 1], [1, 1, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 1, 1]]
    ),
    "neurode": lambda: Architecture.neurode(3, 4),
}


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
@pytest.mark.parametrize("bias", [True, False])
def test_trajectory_matches_dense_masked_reference(name, mode, bias):
    arch = ARCHS[name]()
    model = AutoencODE(arch, T=2.0, off_mode=mode, bias=bias, seed=3).double()
    with torch.no_grad():
        for b in model.biases:
            b.normal_()
    x = torch.randn(7, arch.dim, dtype=torch.float64)
    traj = model.trajectory(x).detach()
    assert traj.shape == (arch.depth + 1, 7, arch.dim)
    torch.testing.assert_close(traj, dense_reference(model, x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model(x).detach(), traj[-1])


def test_reset_drops_the_turned_off_component():
    arch = Architecture.from_phases([2, 1, 2], L=9)  # second component off in states 3..5
    model = AutoencODE(arch, T=3.0, off_mode="reset", seed=0)
    x = torch.randn(20, 2)
    z = model.encode(x)
    assert torch.all(z[:, 1] == 0)
    z2 = z.clone()
    z2[:, 1] = torch.randn(20) * 5  # whatever the off component holds ...
    assert torch.equal(model.decode(z), model.decode(z2))  # ... the output ignores it
    z3 = z.clone()
    z3[:, 0] += 1.0
    assert not torch.allclose(model.decode(z), model.decode(z3))


def test_freeze_carries_the_turned_off_component_around_the_bottleneck():
    arch = Architecture.from_phases([2, 1, 2], L=9)
    model = AutoencODE(arch, T=3.0, off_mode="freeze", seed=0)
    x = torch.randn(20, 2)
    traj = model.trajectory(x).detach()
    torch.testing.assert_close(
        traj[6, :, 1], traj[3, :, 1], rtol=0, atol=0
    )  # held through states 3..6
    assert traj[3, :, 1].abs().min() > 0
    z = model.encode(x)
    z2 = z.clone()
    z2[:, 1] += 1.0
    assert not torch.allclose(model.decode(z), model.decode(z2))


def test_reset_states_are_zero_outside_their_masks():
    arch = Architecture.from_phases([6, 4, 2, 4, 6], L=10, order=[5, 4, 3, 2, 1, 0])
    model = AutoencODE(arch, seed=1)
    traj = model.trajectory(torch.randn(11, 6)).detach()
    assert torch.all(traj[~arch.masks[:, None, :].expand_as(traj)] == 0)


def test_encode_then_decode_is_the_forward_map():
    arch = Architecture.from_phases([6, 4, 2, 4, 6], L=10, order=[2, 0, 1, 3, 4, 5])
    model = AutoencODE(arch, seed=2).double()
    x = torch.randn(9, 6, dtype=torch.float64)
    torch.testing.assert_close(model.decode(model.encode(x)), model(x))
    z = model.latent(x)
    assert z.shape == (9, 2)
    torch.testing.assert_close(model.decode(z), model(x))


def test_only_active_blocks_are_stored():
    arch = Architecture.from_phases([784, 392, 196, 64, 32, 32, 64, 196, 392, 784], L=20)
    model = AutoencODE(arch)
    widths = arch.widths[:-1]
    assert sum(p.numel() for p in model.parameters()) == sum(w * w + w for w in widths)
    assert [tuple(W.shape) for W in model.weights] == [(w, w) for w in widths]


def test_step_and_initialisation():
    arch = Architecture.from_phases([3, 2, 3], L=6)
    model = AutoencODE(arch, T=1.5, seed=5, init_scale=2.0)
    assert math.isclose(model.h, 0.25)
    same = AutoencODE(arch, T=1.5, seed=5, init_scale=2.0)
    other = AutoencODE(arch, T=1.5, seed=6, init_scale=2.0)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), same.parameters()))
    assert not torch.equal(model.weights[0], other.weights[0])


def test_init_normal_is_the_default_and_unchanged():
    arch = Architecture.from_phases([3, 2, 3], L=6)
    default = AutoencODE(arch, seed=5, init_scale=2.0)
    normal = AutoencODE(arch, seed=5, init_scale=2.0, init="normal")
    assert all(torch.equal(a, b) for a, b in zip(default.parameters(), normal.parameters()))
    # The draw is N(0, init_scale^2 / w_k) from a private generator, layer after layer, made on
    # the CPU in float32 on every device and in every dtype, then moved; biases 0.
    gen = torch.Generator().manual_seed(5)
    for k, W in enumerate(default.weights):
        w = arch.widths[k]
        drawn = torch.randn(w, w, generator=gen, device="cpu", dtype=torch.float32)
        assert torch.equal(W.detach(), (drawn * (2.0 / math.sqrt(w))).to(W))
        assert torch.equal(default.biases[k].detach(), torch.zeros(w))


def test_init_constant_sets_every_trained_entry():
    arch = Architecture.from_phases([3, 2, 3], L=6)
    model = AutoencODE(arch, init="constant", init_scale=0.5, seed=7)
    assert [tuple(W.shape) for W in model.weights] == [(w, w) for w in arch.widths[:-1]]
    assert len(model.biases) == arch.depth
    assert all(torch.all(p == 0.5) for p in model.parameters())
    assert all(p.dtype == torch.get_default_dtype() for p in model.parameters())
    other_seed = AutoencODE(arch, init="constant", init_scale=0.5, seed=8)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), other_seed.parameters()))
    # The earlier paper's network: no bias, theta = 1, so x_{k+1} = x_k + h tanh(1 1^T x_k).
    ones = AutoencODE(
        Architecture.neurode(2, 9), T=0.9, bias=False, init="constant", init_scale=1.0
    )
    assert len(ones.biases) == 0 and all(torch.equal(W, torch.ones(2, 2)) for W in ones.weights)
    x = torch.tensor([[-1.0, -1.0], [1.0, 1.2], [0.3, -0.1]], dtype=torch.float64)
    ref = x.clone()
    for _ in range(9):
        ref = ref + 0.1 * torch.tanh(ref.sum(1, keepdim=True)).expand(-1, 2)
    torch.testing.assert_close(ones.double()(x).detach(), ref, rtol=1e-12, atol=1e-12)
    with pytest.raises(
        ValueError, match=r"init must be one of \('normal', 'constant'\), got 'zeros'"
    ):
        AutoencODE(arch, init="zeros")


@pytest.mark.parametrize("activation", ["sigmoid", "softplus", "relu", "identity"])
def test_activations_by_name(activation):
    model = AutoencODE(Architecture.neurode(2, 3), activation=activation)
    assert model(torch.randn(4, 2)).shape == (4, 2)


def test_bad_arguments_raise():
    arch = Architecture.neurode(2, 3)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        AutoencODE(arch, activation="swish")
    with pytest.raises(ValueError, match="off_mode"):
        AutoencODE(arch, off_mode="drop")
    with pytest.raises(ValueError, match="positive finite time"):
        AutoencODE(arch, T=0.0)
    with pytest.raises(TypeError, match="Architecture"):
        AutoencODE([2, 1, 2])


def test_bad_input_raises_clear_errors():
    model = AutoencODE(Architecture.from_phases([3, 1, 3], L=6))
    with pytest.raises(
        ValueError, match="last dimension 2, but the model's state dimension is d = 3"
    ):
        model(torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"shape \[N, d=3\]"):
        model(torch.zeros(3))
    with pytest.raises(ValueError, match="empty batch"):
        model(torch.zeros(0, 3))
    x = torch.zeros(5, 3)
    x[3, 1] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf in 1 sample\\(s\\), first at row 3"):
        model(x)
    x[3, 1] = float("inf")
    with pytest.raises(ValueError, match="NaN or inf"):
        model.trajectory(x)
    with pytest.raises(ValueError, match="x has 5 samples but y has 4"):
        model.cost(torch.zeros(5, 3), torch.zeros(4, 3), lam=0.1)


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("mode", ["reset", "freeze"])
def test_increment_is_the_euler_step_before_the_next_mask(name, mode):
    arch = ARCHS[name]()
    model = AutoencODE(arch, T=2.0, off_mode=mode, seed=4).double()
    traj = model.trajectory(torch.randn(6, arch.dim, dtype=torch.float64)).detach()
    for k in range(model.depth):
        step = traj[k] + model.increment(k, traj[k]).detach()
        expected = step * arch.masks[k + 1].to(step) if mode == "reset" else step
        torch.testing.assert_close(expected, traj[k + 1], rtol=1e-12, atol=1e-12)
