"""The controls of the deep limit's L-layer problems, at a fixed final time T.

The layers of every L are split into phases at the same fractions of [0, T]
(:func:`architecture`), so that the turn-off times do not move with L; one control
theta_0(t), constant within each phase (:func:`initial_control`), is sampled on the grid of any
L (:func:`set_control`); :func:`l2_distance` compares two piecewise-constant controls in
L^2(0, T).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ..architecture import Architecture
from ..model import AutoencODE

__all__ = [
    "PHASE_FRACTIONS",
    "architecture",
    "initial_control",
    "phase_of_layers",
    "set_control",
    "control",
    "l2_distance",
]

#: Fractions of [0, T] of the three phases (encoder, bottleneck, decoder): 4 + 3 + 3
#: layers for L = 10, and exactly the same turn-off times for every multiple of 10.
PHASE_FRACTIONS = (0.4, 0.3, 0.3)


def architecture(
    L: int,
    widths: Sequence[int] = (2, 1, 2),
    order: Sequence[int] = (0, 1),
    fractions: Sequence[float] = PHASE_FRACTIONS,
) -> Architecture:
    """``Architecture.from_phases(widths, L, order, lengths)`` with phases at fixed fractions
    of T."""
    lengths = [round(f * L) for f in fractions]
    if sum(lengths) != L or any(abs(n - f * L) > 1e-9 for n, f in zip(lengths, fractions)):
        raise ValueError(
            f"L = {L} does not split into phases of fractions {tuple(fractions)} of "
            f"[0, T] exactly (use a multiple of 10 for the default fractions)"
        )
    return Architecture.from_phases(list(widths), L=L, order=list(order), lengths=lengths)


def initial_control(
    widths: Sequence[int] = (2, 1, 2), seed: int = 0, scale: float = 1.0
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """theta_0(t): per phase one ``(W, b)``, constant in time within the phase.

    W has N(0, scale^2 / w) entries (the model's own initialisation law), b is zero.
    Drawn once from ``seed`` (float64), independently of L.
    """
    g = torch.Generator().manual_seed(int(seed))
    out: list[tuple[torch.Tensor, torch.Tensor]] = []
    for w in widths:
        W = torch.randn(w, w, generator=g, dtype=torch.float64) * (scale / math.sqrt(w))
        out.append((W, torch.zeros(w, dtype=torch.float64)))
    return out


def phase_of_layers(model: AutoencODE) -> list[int]:
    """Index of the phase of each layer k (by its width changes along the layers)."""
    phase = 0
    out: list[int] = []
    widths = [int(w.shape[0]) for w in model.weights]
    for k, w in enumerate(widths):
        if k > 0 and w != widths[k - 1]:
            phase += 1
        out.append(phase)
    return out


def set_control(
    model: AutoencODE, theta0: Sequence[tuple[torch.Tensor, torch.Tensor]]
) -> AutoencODE:
    """Set every layer k to theta_0(t_k) (the phase's ``(W, b)``); returns the model."""
    phases = phase_of_layers(model)
    with torch.no_grad():
        for k, ph in enumerate(phases):
            W, b = theta0[ph]
            model.weights[k].copy_(W.to(model.weights[k].dtype))
            if model.has_bias:
                model.biases[k].copy_(b.to(model.biases[k].dtype))
    return model


def control(model: AutoencODE) -> list[torch.Tensor]:
    """theta_k for k = 0..L-1, each flattened (W_k then b_k), detached, float64."""
    return [
        torch.cat([p.detach().reshape(-1) for p in model.layer_parameters(k)]).double()
        for k in range(model.depth)
    ]


def l2_distance(a: AutoencODE, b: AutoencODE) -> float:
    """L^2(0, T) distance between the piecewise-constant controls of two models.

    theta is constant on each [t_k, t_{k+1}); the two grids must nest (one L divides
    the other) and the layers' shapes must agree where the pieces overlap.
    """
    if abs(a.T - b.T) > 1e-12:
        raise ValueError(f"final times differ: {a.T} and {b.T}")
    if a.depth > b.depth:
        a, b = b, a
    r, rem = divmod(b.depth, a.depth)
    if rem:
        raise ValueError(f"L = {a.depth} does not divide L = {b.depth}: the grids do not nest")
    ca, cb = control(a), control(b)
    total = 0.0
    for j, tb in enumerate(cb):
        ta = ca[j // r]
        if ta.shape != tb.shape:
            raise ValueError(
                f"layer {j} of L = {b.depth} and layer {j // r} of L = {a.depth} have "
                f"different shapes {tuple(tb.shape)} and {tuple(ta.shape)}"
            )
        total += b.h * float(((ta - tb) ** 2).sum())
    return math.sqrt(total)
