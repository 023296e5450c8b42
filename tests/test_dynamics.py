"""Kinetic energy of trajectories and total variation of controls: exact on cases worked by
hand; zero only for a flow that does not move and controls that do not change."""

import math

import pytest
import torch

from autoencode import Architecture, AutoencODE, dynamics
from autoencode.ncode import NCODE


def test_a_straight_path_at_constant_speed_has_energy_distance_squared_over_T():
    L, T = 8, 2.0
    x0, x1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [1.0, 1.0]])
    states = torch.stack([x0 + (x1 - x0) * k / L for k in range(L + 1)])
    # image 1 travels 5 in time T, image 2 stays: mean energy (25 / T + 0) / 2
    assert dynamics.kinetic_energy(states, T / L) == pytest.approx(25 / T / 2)
    # the same ends by a detour cost more
    detour = states.clone()
    detour[L // 2, 0] += torch.tensor([0.0, 3.0])
    assert dynamics.kinetic_energy(detour, T / L) > 25 / T / 2
    with pytest.raises(ValueError, match="L >= 1"):
        dynamics.kinetic_energy(states[:1], 0.1)
    with pytest.raises(ValueError, match="h must be"):
        dynamics.kinetic_energy(states, 0)


def test_total_and_relative_variation():
    same = [torch.ones(2, 2)] * 5
    assert dynamics.total_variation(same) == 0 and dynamics.relative_variation(same) == 0
    alternating = [torch.zeros(3), torch.tensor([3.0, 4.0, 0.0])] * 2  # jumps of norm 5
    assert dynamics.total_variation(alternating) == pytest.approx(15)
    assert dynamics.relative_variation(alternating) == pytest.approx(15 / 2.5)
    # a smooth control sampled at more layers travels the same relative distance
    coarse = [torch.tensor([math.cos(t), math.sin(t)]) for t in torch.linspace(0, 1, 5)]
    fine = [torch.tensor([math.cos(t), math.sin(t)]) for t in torch.linspace(0, 1, 41)]
    assert dynamics.relative_variation(fine) == pytest.approx(
        dynamics.relative_variation(coarse), rel=0.01
    )
    with pytest.raises(ValueError, match="at least 2"):
        dynamics.total_variation([torch.zeros(2)])
    with pytest.raises(ValueError, match="same shape"):
        dynamics.total_variation([torch.zeros(2), torch.zeros(3)])


def test_our_controls_are_the_acting_blocks_in_one_frame():
    arch = Architecture.from_phases([6, 4, 2, 4, 6], L=6)
    model = AutoencODE(arch, seed=0)
    assert model.compact
    ctrl = dynamics.autoencode_controls(model)
    assert len(ctrl) == 6 and all(c.shape == (6, 7) for c in ctrl)
    for k, c in enumerate(ctrl):
        r, n = model.useful_shape(k)
        assert c[r:].abs().sum() == 0 and c[:, n:6].abs().sum() == 0
        assert torch.equal(c[:r, :n], model.thetas()[k][0][:r, :n].detach())
        assert torch.equal(c[:r, 6], model.thetas()[k][1][:r].detach())
    assert dynamics.total_variation(ctrl) > 0
    with pytest.raises(ValueError, match="compact storage"):
        dynamics.autoencode_controls(AutoencODE(arch, off_mode="freeze"))


def test_ncode_controls_vary_only_with_the_code_map():
    torch.manual_seed(0)
    model = NCODE(dim=6, code=2, hidden=4, width=3, L=5)
    x = torch.randn(10, 6)
    tv, rel = dynamics.ncode_controls(model, x)
    assert tv > 0 and rel > 0
    with torch.no_grad():  # every step's control the same: u_k = c
        model.control.weight.zero_()
        model.control.bias.copy_(torch.arange(3.0).repeat(5))
    assert dynamics.ncode_controls(model, x) == (0.0, 0.0)
