"""How much a discrete flow moves and how much its controls change: two measures of simple
dynamics, for any model whose trajectories and controls are at hand.

* :func:`kinetic_energy`: ``sum_k h |(x_{k+1} - x_k) / h|^2`` along each trajectory, averaged
  over the data: the motion the flow makes to carry each input to its output (a straight path
  at constant speed over ``[0, T]`` has energy ``|x_L - x_0|^2 / T``, the least for its ends).
* :func:`total_variation`: ``sum_k |u_{k+1} - u_k|`` of a sequence of controls (Frobenius norm),
  and :func:`relative_variation`: that sum divided by the controls' mean norm, a number
  without units: how many times its own size the control travels across the layers (it does
  not grow when a smooth control is sampled at more layers).
* :func:`autoencode_controls` and :func:`ncode_controls`: the controls of our AutoencODE (each
  layer's weights and bias, in the full ``d x d`` frame, zero where the layer does not act:
  the width-varying architecture switches them on and off) and of N-CODE (each image's
  control vectors ``u_k(z)``; its shared field ``A``, ``B``, ``a`` does not vary).
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = [
    "kinetic_energy",
    "total_variation",
    "relative_variation",
    "autoencode_controls",
    "ncode_controls",
]


def kinetic_energy(states: torch.Tensor, h: float) -> float:
    """``(1/N) sum_n sum_k h |(x^n_{k+1} - x^n_k) / h|^2`` of trajectories ``states``
    ``[L+1, N, d]`` with step ``h``."""
    if not isinstance(states, torch.Tensor) or states.ndim != 3 or states.shape[0] < 2:
        shape = tuple(states.shape) if isinstance(states, torch.Tensor) else type(states).__name__
        raise ValueError(f"states must be a tensor [L+1, N, d] with L >= 1, got {shape}")
    if not (isinstance(h, (int, float)) and h > 0):
        raise ValueError(f"h must be a positive number, got {h!r}")
    steps = states.diff(dim=0).double()
    return float((steps.pow(2).sum(dim=(0, 2)) / h).mean())


def _sequence(controls: Any) -> list[torch.Tensor]:
    seq = list(controls)
    if len(seq) < 2:
        raise ValueError(f"a total variation needs at least 2 controls, got {len(seq)}")
    shape = seq[0].shape
    if any(c.shape != shape for c in seq):
        raise ValueError("the controls must all have the same shape")
    return [c.detach().double() for c in seq]


def total_variation(controls: Any) -> float:
    """``sum_k |u_{k+1} - u_k|`` (Frobenius norm) of the controls ``u_0, ..., u_{L-1}`` (a list of
    equally shaped tensors, or a tensor whose first axis is k). For per-sample controls pass
    ``[L, N, m]`` through :func:`ncode_controls`, which averages over the samples."""
    seq = _sequence(controls)
    return float(sum(torch.linalg.vector_norm(b - a) for a, b in zip(seq, seq[1:], strict=False)))


def relative_variation(controls: Any) -> float:
    """:func:`total_variation` divided by the mean norm of the controls (0 for a constant
    control; inf for controls that are all zero but one)."""
    seq = _sequence(controls)
    size = float(sum(torch.linalg.vector_norm(c) for c in seq)) / len(seq)
    tv = total_variation(seq)
    return tv / size if size > 0 else (0.0 if tv == 0 else float("inf"))


@torch.no_grad()
def autoencode_controls(model: Any) -> list[torch.Tensor]:
    """Each layer's control of our AutoencODE as one ``[d, d+1]`` tensor (weights and bias),
    zero outside the block that acts (:meth:`~autoencode.AutoencODE.useful_shape`: the rows
    that reach ``x_{k+1}``, the columns that can meet a nonzero ``x_k``), in the model's
    internal coordinates (compact storage: the active components of every state first)."""
    if not model.compact:
        raise ValueError(
            "autoencode_controls needs a model in compact storage (the active components of "
            "every state first, reset mode: every MNIST model of the book)"
        )
    d = model.dim
    out = []
    for k, theta in enumerate(model.thetas()):
        W = theta[0]
        r, n = model.useful_shape(k)
        full = W.new_zeros(d, d + 1)
        full[:r, :n] = W[:r, :n]
        if len(theta) > 1:
            full[:r, d] = theta[1][:r]
        out.append(full)
    return out


@torch.no_grad()
def ncode_controls(model: Any, x: torch.Tensor) -> tuple[float, float]:
    """N-CODE's controls ``u_k(z)`` for the images ``x``: their total variation and relative
    variation across the steps, each averaged over the images."""
    u = model.controls(model.encode(x)).double()  # [N, L, m]
    steps = torch.linalg.vector_norm(u.diff(dim=1), dim=2).sum(1)  # [N]
    size = torch.linalg.vector_norm(u, dim=2).mean(1)  # [N]
    return float(steps.mean()), float((steps / size.clamp_min(1e-300)).mean())
