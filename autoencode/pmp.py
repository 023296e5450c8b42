"""Discrete Pontryagin maximum principle: states ``xs``, co-states ``ps``, Hamiltonians.

Written by hand, not by autograd (the reproduction notes, S1 and S7). For the Euler scheme of
:mod:`autoencode.model` and the cost
``J(theta) = (1/N) sum_i l(x_L^i, y^i) + lambda h sum_k |theta_k|^2``::

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

from collections.abc import Sequence
from typing import cast

import torch
from torch.nn import functional as F

from .model import AutoencODE, Flow

__all__ = [
    "forward_states",
    "terminal_costate",
    "backward_costates",
    "layer_hamiltonian",
    "layer_gradient",
    "hamiltonian",
    "hamiltonian_gradients",
    "cost_and_gradients",
]


@torch.no_grad()
def forward_states(model: AutoencODE, x: torch.Tensor) -> Flow:
    """Run the Euler flow from data x ``[N, d]`` and keep every state.

    See :meth:`AutoencODE.flow_states`.
    """
    return model.flow_states(model.to_internal(model.check_input(x), 0))


def terminal_costate(model: AutoencODE, xL: torch.Tensor, yL: torch.Tensor) -> torch.Tensor:
    """``p_L = -(1/N) grad_x |x - y|^2`` at x_L; ``yL = model.to_internal(y, L)``."""
    return (-2.0 / xL.shape[0]) * (xL - yL)


def _delta(model: AutoencODE, k: int, pa: torch.Tensor, fwd: Flow) -> torch.Tensor:
    """delta_k = p_{k+1} on layer k's output block (:meth:`AutoencODE.output_block`) times
    sigma'(z_k)."""
    return model.activation.backward(pa, fwd.zs[k], fwd.acts[k])


@torch.no_grad()
def backward_costates(
    model: AutoencODE, fwd: Flow, pL: torch.Tensor, first: int = 0, whole: bool = True
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Co-states p_first..p_L from p_L, by the discrete adjoint equation, and delta_k =
    p_{k+1}|_output * sigma'(z_k) for every layer (``[N, w_k]``, or the r_k rows that reach
    x_{k+1} in compact storage), the back-propagated error from which the gradients follow:
    ``(ps, deltas)``. See :meth:`AutoencODE.adjoint_step`.

    ``first=1`` stops at p_1: the gradients need the deltas only, and p_0 (the co-state of the
    input, a whole matrix product) none of them. ``ps[k]`` for k < first is None.
    ``whole=False`` (compact storage; the trainers): p_k only on the components layer k-1
    reaches, its first min(w_{k-1}, w_k), the only ones the gradients and the Hamiltonians of
    layers k-1 and k read; a decoder's co-state then skips the columns of the components it
    turns on.
    """
    # Placeholders: every entry is set below (p_L first, then k = L-1 down to first).
    ps = cast(list[torch.Tensor], [None] * (model.depth + 1))
    deltas = cast(list[torch.Tensor], [None] * model.depth)
    ps[-1] = pL
    thetas = model.thetas()
    for k in range(model.depth - 1, -1, -1):
        pa = model.output_block(k, ps[k + 1])
        deltas[k] = _delta(model, k, pa, fwd)
        if k >= first:
            n = None if whole else model.useful_shape(k)[1]
            ps[k] = model.adjoint_step(k, ps[k + 1], deltas[k], pa, thetas[k][0], cols=n)
    return ps, deltas


# -- the Hamiltonian, once ---------------------------------------------------------------
# H_k(theta) = h [ sum_i p_{k+1}^i . sigma(W x_k^i + b) - lambda |theta|^2 ] on layer k's active
# block. Its value and its gradient are written here only; the trainers (gradient steps and the
# inner argmax of the fixed-point and proximal rules), the tests and the analyses use them.


def layer_gradient(
    theta: Sequence[torch.Tensor],
    xa: torch.Tensor,
    delta: torch.Tensor,
    lam: float,
    scale: float,
    ones: torch.Tensor | None = None,
) -> list[torch.Tensor]:
    """``scale`` * dH_k/dtheta / h = scale * (delta^T x_a - 2 lambda theta), as ``[dW, db]``.

    ``scale`` = h gives dH_k/dtheta, -h gives dJ/dtheta_k, 1 the gradient of H_k / h. Each is
    one fused product: the bias's column sum of delta as delta^T times ``ones`` (N ones, made
    here unless the caller, a sweep over the layers, has them). ``delta`` and ``xa`` may cover
    a leading block of W only (the rows that reach x_{k+1}, the columns that can be nonzero:
    :meth:`AutoencODE.output_block`, :meth:`AutoencODE.input_block`); outside it the gradient
    is the regulariser's alone.
    """
    dt, beta = delta.t(), -2 * lam * scale
    W = theta[0]
    r, n = delta.shape[1], xa.shape[1]
    if (r, n) == tuple(W.shape):
        grads = [torch.addmm(W, dt, xa, beta=beta, alpha=scale)]
    else:  # the regulariser everywhere, the data term on the block
        dW = torch.mul(W, beta)
        dW[:r, :n].addmm_(dt, xa, alpha=scale)
        grads = [dW]
    if len(theta) > 1:
        ones = delta.new_ones(delta.shape[0]) if ones is None else ones
        b = theta[1]
        if r == b.shape[0]:
            grads.append(torch.addmv(b, dt, ones, beta=beta, alpha=scale))
        else:
            db = torch.mul(b, beta)
            db[:r].addmv_(dt, ones, alpha=scale)
            grads.append(db)
    return grads


def layer_hamiltonian(
    model: AutoencODE,
    k: int,
    theta: Sequence[torch.Tensor],
    xa: torch.Tensor,
    pa: torch.Tensor,
    lam: float,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``(H_k(theta) / h, its gradient [dW, db])`` at layer k's active blocks ``xa`` (of x_k)
    and ``pa`` (of p_{k+1}); the value is differentiable in theta, the gradient is written by
    hand (:func:`layer_gradient`).
    """
    z = F.linear(xa, theta[0], theta[1] if len(theta) > 1 else None)
    a = model.activation.fn(z)
    value = (pa * a).sum() - lam * sum((t**2).sum() for t in theta)
    delta = model.activation.backward(pa, z, a)
    return value, layer_gradient(theta, xa, delta, lam, scale=1.0)


def hamiltonian(
    model: AutoencODE,
    k: int,
    theta: list[torch.Tensor],
    x_k: torch.Tensor,
    p_next: torch.Tensor,
    lam: float,
) -> torch.Tensor:
    """``H_k(theta) = sum_i p_{k+1}^i . h G_k(x_k^i; theta) - lambda h |theta|^2``.

    ``theta`` = ``[W, b]`` (or ``[W]``); ``x_k``, ``p_next`` internal; differentiable in theta.
    """
    xa, pa = model.active_block(k, x_k), model.active_block(k, p_next)
    return model.h * layer_hamiltonian(model, k, theta, xa, pa, lam)[0]


@torch.no_grad()
def _layer_gradients(
    model: AutoencODE, fwd: Flow, deltas: list[torch.Tensor], lam: float, scale: float
) -> list[list[torch.Tensor]]:
    ones = deltas[0].new_ones(deltas[0].shape[0])
    return [
        layer_gradient(theta, model.input_block(k, fwd.xs[k]), deltas[k], lam, scale, ones)
        for k, theta in enumerate(model.thetas())
    ]


@torch.no_grad()
def hamiltonian_gradients(
    model: AutoencODE, fwd: Flow, ps: list[torch.Tensor], lam: float
) -> list[list[torch.Tensor]]:
    """dH_k/dtheta_k for every layer, as ``[[dW_0, db_0], ...]`` (no bias: ``[[dW_0], ...]``)."""
    deltas = [_delta(model, k, model.output_block(k, ps[k + 1]), fwd) for k in range(model.depth)]
    return _layer_gradients(model, fwd, deltas, lam, scale=model.h)


@torch.no_grad()
def cost_and_gradients(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    first: int = 0,
    checked: bool = False,
    whole: bool = True,
) -> tuple[
    torch.Tensor, torch.Tensor, torch.Tensor, list[list[torch.Tensor]], Flow, list[torch.Tensor]
]:
    """One shooting sweep: forward states, co-states, and dJ/dtheta = -dH/dtheta from them.

    Returns ``(J, data, reg, grads, fwd, ps)``, ``grads`` shaped like
    :func:`hamiltonian_gradients`. ``first``: the co-states are computed down to p_first
    (:func:`backward_costates`; a trainer passes 1), ``whole=False`` only on the components the
    gradients and Hamiltonians read (ditto). ``checked=True``: x and y were checked by
    :meth:`AutoencODE.check_input` already (a trainer checks its data once, not every batch).
    """
    if not checked:
        x, y = model.check_input(x), model.check_input(y, name="y")
    fwd = model.flow_states(model.to_internal(x, 0))
    xL, yL = fwd.xs[-1], model.to_internal(y, model.depth)
    diff = xL - yL
    if model.full_output:  # the whole of y is in yL: the loss in internal order
        data = (diff * diff).sum(1).mean()
    else:  # components turned off in x_L: y's values there count too
        data = model.data_loss(model.to_external(xL), y)
    thetas = model.thetas()
    reg = lam * model.regulariser([t for theta in thetas for t in theta])  # no grad: fast path
    pL = diff.mul_(-2.0 / xL.shape[0])  # terminal_costate, in place of the difference
    ps, deltas = backward_costates(model, fwd, pL, first=first, whole=whole)
    grads = _layer_gradients(model, fwd, deltas, lam, scale=-model.h)
    return data + reg, data, reg, grads, fwd, ps
