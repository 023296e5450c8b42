"""The deep limit L -> infinity at fixed T (chapter "The deep limit").

Thorpe and van Gennip (*Deep limits of residual neural networks*) show that the
L-layer training problem Gamma-converges, as L -> infinity with the final time fixed,
to a continuous-time control problem, and that minimisers of the L-layer problems
converge (up to subsequences) to minimisers of the limit. This module measures it on
the Fig 4 problem:

* :func:`architecture`: the 2 -> 1 -> 2 AutoencODE with L layers whose phases cover the
  same fractions of [0, T] for every L (so the turn-off times do not move with L);
* :func:`initial_control`: one initial control function theta_0(t), constant in time
  within each phase, drawn once from a seed, and :func:`set_control` samples it on the
  grid of any L;
* :func:`train_to_convergence`: L-BFGS (float64) on J until the gradient of J in
  L^2(0, T) is below ``gtol``;
* :func:`l2_distance`: the L^2-in-time distance between two piecewise-constant controls;
* :func:`fitted_rate`: the slope of a log-log least-squares line;
* :func:`deep_limit`: all of it for a list of L.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from .architecture import Architecture
from .model import AutoencODE

__all__ = ["PHASE_FRACTIONS", "architecture", "initial_control", "set_control", "control",
           "train_to_convergence", "gradient_norm_l2", "l2_distance", "fitted_rate",
           "DeepLimitRun", "deep_limit"]

#: Fractions of [0, T] of the three phases (encoder, bottleneck, decoder): 4 + 3 + 3
#: layers for L = 10, and exactly the same turn-off times for every multiple of 10.
PHASE_FRACTIONS = (0.4, 0.3, 0.3)


def architecture(L: int, widths: Sequence[int] = (2, 1, 2), order: Sequence[int] = (0, 1),
                 fractions: Sequence[float] = PHASE_FRACTIONS) -> Architecture:
    """``Architecture.from_phases(widths, L, order, lengths)`` with phases at fixed fractions of T."""
    lengths = [round(f * L) for f in fractions]
    if sum(lengths) != L or any(abs(n - f * L) > 1e-9 for n, f in zip(lengths, fractions)):
        raise ValueError(f"L = {L} does not split into phases of fractions {tuple(fractions)} of "
                         f"[0, T] exactly (use a multiple of 10 for the default fractions)")
    return Architecture.from_phases(list(widths), L=L, order=list(order), lengths=lengths)


def initial_control(widths: Sequence[int] = (2, 1, 2), seed: int = 0,
                    scale: float = 1.0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """theta_0(t): per phase one ``(W, b)``, constant in time within the phase.

    W has N(0, scale^2 / w) entries (the model's own initialisation law), b is zero.
    Drawn once from ``seed`` (float64), independently of L.
    """
    g = torch.Generator().manual_seed(int(seed))
    out = []
    for w in widths:
        W = torch.randn(w, w, generator=g, dtype=torch.float64) * (scale / math.sqrt(w))
        out.append((W, torch.zeros(w, dtype=torch.float64)))
    return out


def _phase_of_layers(model: AutoencODE) -> list[int]:
    """Index of the phase of each layer k (by its width changes along the layers)."""
    phase, out = 0, []
    widths = [int(w.shape[0]) for w in model.weights]
    for k, w in enumerate(widths):
        if k > 0 and w != widths[k - 1]:
            phase += 1
        out.append(phase)
    return out


def set_control(model: AutoencODE, theta0) -> AutoencODE:
    """Set every layer k to theta_0(t_k) (the phase's ``(W, b)``); returns the model."""
    phases = _phase_of_layers(model)
    with torch.no_grad():
        for k, ph in enumerate(phases):
            W, b = theta0[ph]
            model.weights[k].copy_(W.to(model.weights[k].dtype))
            if model.has_bias:
                model.biases[k].copy_(b.to(model.biases[k].dtype))
    return model


def control(model: AutoencODE) -> list[torch.Tensor]:
    """theta_k for k = 0..L-1, each flattened (W_k then b_k), detached, float64."""
    return [torch.cat([p.detach().reshape(-1) for p in model.layer_parameters(k)]).double()
            for k in range(model.depth)]


def gradient_norm_l2(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float) -> float:
    """Norm of the gradient of J in L^2(0, T): sqrt(sum_k |dJ/dtheta_k|^2 / h)."""
    params = list(model.parameters())
    g = torch.autograd.grad(model.cost(x, y, lam)[0], params)
    return math.sqrt(sum(float((gi ** 2).sum()) for gi in g) / model.h)


def train_to_convergence(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float,
                         gtol: float = 1e-7, max_evaluations: int = 4000,
                         history_size: int = 50) -> dict:
    """Minimise J by L-BFGS (strong Wolfe line search) until |grad J|_{L^2(0,T)} <= gtol.

    The model should be float64. The parameters are scaled as u_k = sqrt(h) theta_k, so
    that the Euclidean gradient in u is the L^2(0, T) gradient and the stopping test
    and the quasi-Newton metric do not depend on L. Returns J, data term, the final
    gradient norm, the number of cost evaluations and whether gtol was reached.
    """
    x = x.to(model.weights[0].dtype)
    y = y.to(model.weights[0].dtype)
    params = list(model.parameters())
    s = math.sqrt(model.h)
    u = [(p.detach() * s).clone().requires_grad_(True) for p in params]
    evaluations = [0]

    def load():
        with torch.no_grad():
            for p, ui in zip(params, u):
                p.copy_(ui / s)

    def closure():
        opt.zero_grad()
        load()
        evaluations[0] += 1
        J = model.cost(x, y, lam)[0]
        g = torch.autograd.grad(J, params)
        for ui, gi in zip(u, g):
            ui.grad = gi / s
        return J

    opt = torch.optim.LBFGS(u, lr=1.0, max_iter=200, max_eval=250, tolerance_grad=0.0,
                            tolerance_change=0.0, history_size=history_size,
                            line_search_fn="strong_wolfe")
    gnorm = gradient_norm_l2(model, x, y, lam)
    while gnorm > gtol and evaluations[0] < max_evaluations:
        before = evaluations[0]
        opt.step(closure)
        load()
        gnorm = gradient_norm_l2(model, x, y, lam)
        if evaluations[0] == before:      # no progress possible (line search stalled)
            break
    with torch.no_grad():
        J, data, reg = model.cost(x, y, lam)
    return {"J": float(J), "data": float(data), "reg": float(reg), "grad_norm": gnorm,
            "evaluations": evaluations[0], "converged": gnorm <= gtol}


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
            raise ValueError(f"layer {j} of L = {b.depth} and layer {j // r} of L = {a.depth} have "
                             f"different shapes {tuple(tb.shape)} and {tuple(ta.shape)}")
        total += b.h * float(((ta - tb) ** 2).sum())
    return math.sqrt(total)


def fitted_rate(Ls: Sequence[float], values: Sequence[float]) -> float:
    """r in values ~ C L^(-r): minus the slope of the least-squares line in log-log."""
    slope = np.polyfit(np.log(np.asarray(Ls, float)), np.log(np.asarray(values, float)), 1)[0]
    return float(-slope)


@dataclass
class DeepLimitRun:
    """What :func:`deep_limit` returns: the trained models by L and a table."""

    models: dict = field(default_factory=dict)
    table: object = None        # pandas DataFrame


def deep_limit(Ls: Sequence[int], x: torch.Tensor, y: torch.Tensor, T: float, lam: float,
               seed: int = 0, gtol: float = 1e-7, max_evaluations: int = 4000,
               widths: Sequence[int] = (2, 1, 2), order: Sequence[int] = (0, 1)) -> DeepLimitRun:
    """Train the L-layer problem to convergence for every L, from the same theta_0(t).

    The table has, per L: J, data, grad_norm, evaluations, converged, J at theta_0,
    the L^2 distance of theta_L to the finest solution and |J_L - J_finest|.
    """
    import pandas as pd

    Ls = sorted(int(L) for L in Ls)
    theta0 = initial_control(widths, seed)
    x = x.double()
    y = y.double()
    run = DeepLimitRun()
    rows = []
    for L in Ls:
        model = AutoencODE(architecture(L, widths, order), T=T, seed=seed).double()
        set_control(model, theta0)
        with torch.no_grad():
            J0 = float(model.cost(x, y, lam)[0])
        info = train_to_convergence(model, x, y, lam, gtol=gtol, max_evaluations=max_evaluations)
        run.models[L] = model
        rows.append({"L": L, "J0": J0, **info})
    finest = run.models[Ls[-1]]
    J_finest = rows[-1]["J"]
    for row in rows:
        row["distance"] = l2_distance(run.models[row["L"]], finest)
        row["cost_gap"] = abs(row["J"] - J_finest)
    run.table = pd.DataFrame(rows, columns=["L", "J0", "J", "data", "reg", "grad_norm", "evaluations",
                                            "converged", "distance", "cost_gap"])
    return run
