"""Training the deep limit's L-layer problems to convergence.

:func:`train_to_convergence` runs L-BFGS on J in the metric of L^2(0, T) until the gradient is
below a tolerance; :func:`deep_limit` does it for a list of L from the same theta_0(t) and
tabulates the distances and cost gaps to the finest L.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..model import AutoencODE
from .deep_limit_controls import architecture, initial_control, l2_distance, set_control

__all__ = ["gradient_norm_l2", "train_to_convergence", "DeepLimitRun", "deep_limit"]


def gradient_norm_l2(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float) -> float:
    """Norm of the gradient of J in L^2(0, T): ``sqrt(sum_k |dJ/dtheta_k|^2 / h)``."""
    params = list(model.parameters())
    g = torch.autograd.grad(model.cost(x, y, lam)[0], params)
    return math.sqrt(sum(float((gi**2).sum()) for gi in g) / model.h)


def train_to_convergence(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    gtol: float = 1e-7,
    max_evaluations: int = 4000,
    history_size: int = 50,
) -> dict[str, Any]:
    """Minimise J by L-BFGS (strong Wolfe line search) until ``|grad J|_{L^2(0,T)} <= gtol``.

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

    def load() -> None:
        with torch.no_grad():
            for p, ui in zip(params, u):
                p.copy_(ui / s)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        load()
        evaluations[0] += 1
        J = model.cost(x, y, lam)[0]
        g = torch.autograd.grad(J, params)
        for ui, gi in zip(u, g):
            ui.grad = gi / s
        return J

    opt = torch.optim.LBFGS(
        u,
        lr=1.0,
        max_iter=200,
        max_eval=250,
        tolerance_grad=0.0,
        tolerance_change=0.0,
        history_size=history_size,
        line_search_fn="strong_wolfe",
    )
    gnorm = gradient_norm_l2(model, x, y, lam)
    while gnorm > gtol and evaluations[0] < max_evaluations:
        before = evaluations[0]
        opt.step(closure)
        load()
        gnorm = gradient_norm_l2(model, x, y, lam)
        if evaluations[0] == before:  # no progress possible (line search stalled)
            break
    with torch.no_grad():
        J, data, reg = model.cost(x, y, lam)
    return {
        "J": float(J),
        "data": float(data),
        "reg": float(reg),
        "grad_norm": gnorm,
        "evaluations": evaluations[0],
        "converged": gnorm <= gtol,
    }


@dataclass
class DeepLimitRun:
    """What :func:`deep_limit` returns: the trained models by L and a table."""

    models: dict[int, AutoencODE] = field(default_factory=dict)
    table: Any = None  # pandas DataFrame (pandas is untyped here)


def deep_limit(
    Ls: Sequence[int],
    x: torch.Tensor,
    y: torch.Tensor,
    T: float,
    lam: float,
    seed: int = 0,
    gtol: float = 1e-7,
    max_evaluations: int = 4000,
    widths: Sequence[int] = (2, 1, 2),
    order: Sequence[int] = (0, 1),
    independent: bool = False,
) -> DeepLimitRun:
    """Train the L-layer problem to convergence for every L, from the same theta_0(t).

    ``independent=True``: each L starts instead from its own theta_0(t), drawn from the seed
    ``seed + L``; with ``max_evaluations=0`` (no training) this is the negative control of
    the deep limit's claims: controls that have no reason to approach one another.

    The table has, per L: J, data, grad_norm, evaluations, converged, J at theta_0,
    the L^2 distance of theta_L to the finest solution and ``|J_L - J_finest|``.
    """
    import pandas as pd

    Ls = sorted(int(L) for L in Ls)
    theta0 = initial_control(widths, seed)
    x = x.double()
    y = y.double()
    run = DeepLimitRun()
    rows: list[dict[str, Any]] = []
    for L in Ls:
        model = AutoencODE(architecture(L, widths, order), T=T, seed=seed).double()
        set_control(model, initial_control(widths, seed + L) if independent else theta0)
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
    run.table = pd.DataFrame(
        rows,
        columns=[
            "L",
            "J0",
            "J",
            "data",
            "reg",
            "grad_norm",
            "evaluations",
            "converged",
            "distance",
            "cost_gap",
        ],
    )
    return run
