"""Discrete Pontryagin maximum principle: states ``xs``, co-states ``ps``, Hamiltonians.

Written by hand, not by autograd (spec section 2). For the Euler scheme of
:mod:`autoencode.model` and the cost
J(theta) = (1/N) sum_i l(x_L^i, y^i) + lambda h sum_k |theta_k|^2:

    p_L = -(1/N) grad l(x_L, y)                                  (masked by m_L in reset mode)
    p_k = (d x_{k+1} / d x_k)^T p_{k+1}                          (masked by m_k in reset mode)
    H_k(theta) = sum_i p_{k+1}^i . h G_k(x_k^i; theta) - lambda h |theta|^2
    dJ/dtheta_k = -dH_k/dtheta_k

so gradient ascent on every H_k is gradient descent on J: the discrete
co-state *is* back-propagation, which ``tests/test_pmp.py`` checks against
autograd to round-off. All tensors here are in the model's internal
representation (see :meth:`~autoencode.model.AutoencODE.to_internal`).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .model import AutoencODE

__all__ = ["Forward", "forward_states", "terminal_costate", "backward_costates",
           "hamiltonian_gradients", "hamiltonian", "cost_and_gradients"]


@dataclass
class Forward:
    """A forward pass kept for the backward one (internal representation).

    ``xs[k]`` is x_k (k = 0..L); ``zs[k]`` and ``acts[k]`` the pre-activation
    and activation of layer k on its active block ``[N, w_k]``.
    """

    xs: list[torch.Tensor]
    zs: list[torch.Tensor]
    acts: list[torch.Tensor]


@torch.no_grad()
def forward_states(model: AutoencODE, x: torch.Tensor) -> Forward:
    """Run the Euler flow from data x ``[N, d]`` and keep every state."""
    u = model.to_internal(model.check_input(x), 0)
    xs, zs, acts = [u], [], []
    for k in range(model.depth):
        _, z = model.pre_activation(k, u)
        a = model.activation.fn(z)
        u = model.step(k, u, a)
        xs.append(u)
        zs.append(z)
        acts.append(a)
    return Forward(xs, zs, acts)


def terminal_costate(model: AutoencODE, xL: torch.Tensor, yL: torch.Tensor) -> torch.Tensor:
    """p_L = -(1/N) grad_x |x - y|^2 at x_L; ``yL = model.to_internal(y, L)``."""
    return (-2.0 / xL.shape[0]) * (xL - yL)


@torch.no_grad()
def backward_costates(model: AutoencODE, fwd: Forward, pL: torch.Tensor,
                      return_deltas: bool = False):
    """Co-states p_0..p_L from p_L, by the discrete adjoint equation.

    With ``return_deltas`` also returns delta_k = p_{k+1}|_active * sigma'(z_k)
    ``[N, w_k]``, the back-propagated error from which the gradients follow.
    """
    ps = [None] * (model.depth + 1)
    deltas = [None] * model.depth
    ps[-1] = pL
    h = model.h
    for k in range(model.depth - 1, -1, -1):
        p_next, s, w = ps[k + 1], model._sel[k], model._width[k]
        pa = model.active_block(k, p_next)
        delta = pa * model.activation.derivative(fwd.zs[k], fwd.acts[k])
        if model.compact:                       # p_k = p_a + h (dG_k/dx)^T p_a
            p = torch.addmm(pa, delta, model.weights[k], alpha=h)
        elif model._prefix:                     # freeze: the inactive tail passes through
            p = torch.cat([torch.addmm(pa, delta, model.weights[k], alpha=h), p_next[:, w:]], 1)
        else:
            p = p_next.index_add(1, s, delta @ model.weights[k], alpha=h)
            if model.off_mode == "reset":
                p = p * model.masks[k]
        ps[k] = p
        deltas[k] = delta
    return (ps, deltas) if return_deltas else ps


@torch.no_grad()
def _layer_gradients(model: AutoencODE, fwd: Forward, deltas: list[torch.Tensor], lam: float,
                     sign: float) -> list[list[torch.Tensor]]:
    """sign * dH_k/dtheta_k for every layer (sign = -1 gives dJ/dtheta_k)."""
    h, grads = model.h, []
    for k in range(model.depth):
        xa = model.active_block(k, fwd.xs[k])
        W = model.weights[k]
        layer = [torch.addmm(W, deltas[k].T, xa, beta=-2 * lam * h * sign, alpha=h * sign)]
        if model.has_bias:
            b = model.biases[k]
            layer.append(deltas[k].sum(0).mul_(h * sign).add_(b, alpha=-2 * lam * h * sign))
        grads.append(layer)
    return grads


@torch.no_grad()
def hamiltonian_gradients(model: AutoencODE, fwd: Forward, ps: list[torch.Tensor],
                          lam: float) -> list[list[torch.Tensor]]:
    """dH_k/dtheta_k for every layer, as ``[[dW_0, db_0], ...]`` (no bias: ``[[dW_0], ...]``)."""
    deltas = []
    for k in range(model.depth):
        pa = model.active_block(k, ps[k + 1])
        deltas.append(pa * model.activation.derivative(fwd.zs[k], fwd.acts[k]))
    return _layer_gradients(model, fwd, deltas, lam, sign=1.0)


def hamiltonian(model: AutoencODE, k: int, theta: list[torch.Tensor], x_k: torch.Tensor,
                p_next: torch.Tensor, lam: float) -> torch.Tensor:
    """H_k(theta) = sum_i p_{k+1}^i . h G_k(x_k^i; theta) - lambda h |theta|^2.

    ``theta`` = ``[W, b]`` (or ``[W]``); ``x_k``, ``p_next`` internal; differentiable in theta.
    """
    xa = model.active_block(k, x_k)
    pa = model.active_block(k, p_next)
    z = xa @ theta[0].T
    if len(theta) > 1:
        z = z + theta[1]
    reg = sum((t ** 2).sum() for t in theta)
    return model.h * (pa * model.activation.fn(z)).sum() - lam * model.h * reg


@torch.no_grad()
def cost_and_gradients(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float):
    """One shooting sweep: forward states, co-states, and dJ/dtheta = -dH/dtheta from them.

    Returns ``(J, data, reg, grads, fwd, ps)``, ``grads`` shaped like
    :func:`hamiltonian_gradients`.
    """
    fwd = forward_states(model, x)
    y = model.check_input(y, name="y")
    xL = fwd.xs[-1]
    data = model.data_loss(model.to_external(xL), y)
    reg = lam * model.regulariser()
    pL = terminal_costate(model, xL, model.to_internal(y, model.depth))
    ps, deltas = backward_costates(model, fwd, pL, return_deltas=True)
    grads = _layer_gradients(model, fwd, deltas, lam, sign=-1.0)
    return data + reg, data, reg, grads, fwd, ps
