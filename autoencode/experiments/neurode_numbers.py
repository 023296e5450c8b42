"""The NeurODE page's numbers, claims, summary and tables, measured on the trained networks of
:func:`autoencode.experiments.neurode_compute.compute`.

:func:`grad_norm` and :func:`stationary_claim` measure one network; :func:`numbers` names
every number of the page, its claims (row ``neurode``), its summary and its tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import torch

from .. import data as D
from ..model import AutoencODE
from .neurode_compute import NeurodeRuns
from .registry import Numbers

if TYPE_CHECKING:
    from ..claims import Claim

__all__ = ["grad_norm", "stationary_claim", "lowest_final_cost", "numbers"]


def grad_norm(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float) -> float:
    """``|grad J|`` at the model's weights, by autograd (independent of our co-states)."""
    model.zero_grad()
    model.cost(x, y, lam)[0].backward()
    # backward() has just filled every parameter's .grad
    g = torch.cat([cast(torch.Tensor, p.grad).flatten() for p in model.parameters()])
    model.zero_grad()
    return float(g.norm())


def stationary_claim(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    J0: float,
    g0: float,
    at_most: float = 5e-2,
) -> tuple[bool, float, float]:
    """The page's claim for a network: J below its value J0 at theta_0, and the network
    stationary, ``|grad J| <= at_most |grad J(theta_0)|`` (= g0), the optimality conditions
    the shooting solves (measured after 8 iterations: 1e-4 to 2e-2 for lambda in [1e-3, 3]
    and theta0 in [0.5, 2]). Returns ``(holds, J / J0, |grad J| / g0)``."""
    with torch.no_grad():
        J = float(model.cost(x, y, lam)[0])
    ratio = grad_norm(model, x, y, lam) / g0
    return J < J0 and ratio <= at_most, J / J0, ratio


def lowest_final_cost(costs: dict[str, list[float]]) -> float:
    """The lowest final J over the runs (``costs``: per run, J along its iterations)."""
    return min(c[-1] for c in costs.values())


def _setup_lines(
    r: NeurodeRuns, *, n: int, theta0: float, lam: float, iterations: int
) -> list[str]:
    """The summary's set-up facts (no number produced by training)."""
    x, initial = r.x, r.initial
    return [
        f"data: {x.shape[0]} points in R^{x.shape[1]}, {n} per class; "
        f"centres {D.BONNET2021_CENTERS}, "
        f"N(0, {D.BONNET2021_STD:g}^2 I) truncated to radius {D.BONNET2021_RADIUS:g}; "
        f"targets {D.BONNET2021_TARGETS}",
        f"network: {initial.arch}, h = {initial.h:g}, T = {initial.T:g}, "
        f"bias = {initial.has_bias}, "
        f"{sum(p.numel() for p in initial.parameters())} weights, all = {theta0:g}",
        f"training: lambda = {lam:g}, update fixed_point, {iterations} iterations",
    ]


def _fixed_point_numbers(
    r: NeurodeRuns, *, lam: float, J0: float, g0: float, iterations: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The earlier experiment's named numbers, and what the claims and the summary use:
    ``acc``, ``decreasing``, ``claim`` and ``claim0`` (:func:`stationary_claim` of the trained
    and of the initial network)."""
    x, y, labels, model, initial, hist = r.x, r.y, r.labels, r.model, r.initial, r.history
    with torch.no_grad():
        acc = D.accuracy(model(x), labels, D.BONNET2021_TARGETS)
        acc0 = D.accuracy(initial(x), labels, D.BONNET2021_TARGETS)
    W = r.thetas[-1]  # [L, 2, 2]
    J_end, data0, data_end = hist["cost"][-1], hist["data"][0], hist["data"][-1]
    mean_entry = W.mean(dim=(1, 2))  # per layer
    decreasing = bool((mean_entry[1:] < mean_entry[:-1]).all())
    num = {
        "neurode_J0": J0,
        "neurode_J_end": J_end,
        "neurode_J_ratio": J_end / J0,
        "neurode_data0": data0,
        "neurode_data_end": data_end,
        "neurode_reg0": hist["reg"][0],
        "neurode_reg_end": hist["reg"][-1],
        "neurode_data_direction": "rises"
        if data_end > data0
        else "falls"
        if data_end < data0
        else "stays",
        # (no iteration, no last change: nan)
        "neurode_last_change": abs(hist["cost"][-1] - hist["cost"][-2]) / J_end
        if len(hist["cost"]) > 1
        else float("nan"),
        "neurode_grad_ratio": grad_norm(model, x, y, lam) / g0,
        "neurode_theta_first": float(mean_entry[0]),
        "neurode_theta_last": float(mean_entry[-1]),
        "neurode_theta_direction": "decrease from layer to layer"
        if decreasing
        else "are not monotone in the layer",
        "neurode_theta_spread": float((W - mean_entry[:, None, None]).abs().max()),
        "neurode_accuracy": acc,
        "neurode_accuracy0": acc0,
        "neurode_iterations": iterations,
    }
    claim = stationary_claim(model, x, y, lam, J0, g0)
    claim0 = stationary_claim(initial, x, y, lam, J0, g0)
    measured = dict(acc=acc, decreasing=decreasing, claim=claim, claim0=claim0)
    return num, measured


def _comparison_numbers(
    r: NeurodeRuns, *, lam: float, g0: float, iterations: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The comparison's named numbers, and its table (``comparison``: per run, its iterations,
    final J and gradient ratio), ``stationary``, ``reach`` and ``J_fp``."""
    import pandas as pd

    x, y, runs = r.x, r.y, r.runs
    comparison = pd.DataFrame(
        [
            {
                "run": kind,
                "iterations": len(costs) - 1,
                "J": costs[-1],
                "|∇J| / |∇J(θ₀)|": grad_norm(m, x, y, lam) / g0,
            }
            for kind, (m, costs) in runs.items()
        ]
    )
    J_fp = runs["fixed_point"][1][-1]
    stationary = comparison.set_index("run")["|∇J| / |∇J(θ₀)|"] <= 1e-2
    # iterations each run needs to come within 0.01 % of the lowest final cost
    J_min = lowest_final_cost({kind: costs for kind, (_, costs) in runs.items()})
    reach = {
        kind: next((i for i, c in enumerate(costs) if c - J_min <= 1e-4 * J_min), None)
        for kind, (_, costs) in runs.items()
    }
    num: dict[str, Any] = {}
    for kind, i in reach.items():
        num[f"neurode_reach_{kind}"] = "not within the run" if i is None else str(i)
    num["neurode_comparison_J"] = J_fp
    num["neurode_comparison_iterations"] = iterations
    num["neurode_comparison_gap"] = max(abs(costs[-1] - J_fp) for _, costs in runs.values()) / J_fp
    measured = dict(comparison=comparison, stationary=stationary, reach=reach, J_fp=J_fp)
    return num, measured


def _oscillation_numbers(J_old: list[float], iterations: int) -> tuple[dict[str, Any], str, bool]:
    """The named numbers of ``fixed_point`` on the data of Figs 4-5, the summary's line, and
    whether J alternates between two values (a period-2 oscillation)."""
    oscillates = False
    if len(J_old) > 2:
        step = abs(J_old[-1] - J_old[-2])  # change over one iteration
        period2 = abs(J_old[-1] - J_old[-3])  # change over two iterations
        oscillates = step > 0.05 * J_old[-1] and period2 < 1e-2 * step
    line = f"former data: last J values {', '.join(f'{v:.4f}' for v in J_old[-4:])}: " + (
        "period-2 oscillation" if oscillates else "no period-2 oscillation"
    )
    num = {
        "neurode_old_high": max(J_old[-2:]),
        "neurode_old_low": min(J_old[-2:]),
        "neurode_old_behaviour": (
            "alternates between two values"
            if oscillates
            else "does not alternate between two values"
        ),
        "neurode_old_iterations": iterations,
    }
    return num, line, oscillates


def _claims(
    r: NeurodeRuns, fp: dict[str, Any], *, lam: float, J0: float, g0: float, J_end: float
) -> list[Claim]:
    """The page's claims (row neurode), each with the same check on the initial network
    (``fp``: what :func:`_fixed_point_numbers` measures)."""
    from .. import claims as C

    x, y, runs, acc = r.x, r.y, r.runs, fp["acc"]
    grads = {k: grad_norm(m, x, y, lam) / g0 for k, (m, _) in runs.items()}
    finals = {k: costs[-1] for k, (_, costs) in runs.items()}
    grads0 = dict.fromkeys(runs, 1.0)  # every run starts at theta_0
    finals0 = dict.fromkeys(runs, J0)
    return [
        C.lowers_cost(J_end, J0).about("neurode").versus(C.lowers_cost(J0, J0), "initial model"),
        C.stationary(fp["claim"][2])
        .about("neurode")
        .versus(C.stationary(fp["claim0"][2]), "initial model"),
        C.same_stationary_cost(grads, finals, "fixed_point")
        .about("neurode")
        .versus(C.same_stationary_cost(grads0, finals0, "fixed_point"), "initial model"),
        C.Claim("nearest-target accuracy = 1 (already 1 at theta_0)", acc, 1.0, acc >= 1.0)
        .about("neurode")
        .by_construction(),
    ]


def _tables(r: NeurodeRuns, comparison: Any, *, L: int, h: float) -> dict[str, Any]:
    """The page's tables (pandas Stylers): J along the ``fixed_point`` iterations, its trained
    weights per layer, and the comparison of the runs (``comparison``, a DataFrame)."""
    import pandas as pd

    hist, W = r.history, r.thetas[-1]  # W: [L, 2, 2]
    iterations_table = pd.DataFrame(
        {
            "iteration": range(len(hist["cost"])),
            "J": hist["cost"],
            "data term": hist["data"],
            "λ·regulariser": hist["reg"],
        }
    )
    theta_table = pd.DataFrame(
        {
            "layer k": range(L),
            "t_k": [k * h for k in range(L)],
            "θ₁₁": W[:, 0, 0],
            "θ₁₂": W[:, 0, 1],
            "θ₂₁": W[:, 1, 0],
            "θ₂₂": W[:, 1, 1],
        }
    )
    return {
        "neurode_iterations_table": iterations_table.style.hide(axis="index").format(precision=4),
        "neurode_theta_table": theta_table.style.hide(axis="index")
        .format(precision=3, subset=["θ₁₁", "θ₁₂", "θ₂₁", "θ₂₂"])
        .format("{:.1f}", subset=["t_k"]),
        "neurode_comparison_table": comparison.style.hide(axis="index").format(
            {"J": "{:.6f}", "|∇J| / |∇J(θ₀)|": "{:.1e}"}
        ),
    }


def numbers(
    r: NeurodeRuns,
    *,
    n: int,
    L: int,
    h: float,
    lam: float,
    theta0: float,
    outer_iterations: int,
    iterations: int,
    oscillation_iterations: int,
) -> Numbers:
    """The page's named numbers, the claims (see :func:`autoencode.experiments.neurode.neurode`),
    the summary, and the details: the tables, the ``fixed_point`` history, the stationarity
    checks, each run's costs, the iterations each run needs to reach the lowest J, and J on the
    data of Figs 4-5."""
    x, y, hist = r.x, r.y, r.history
    lines = _setup_lines(r, n=n, theta0=theta0, lam=lam, iterations=outer_iterations)
    J0, g0 = hist["cost"][0], grad_norm(r.initial, x, y, lam)
    num, fp = _fixed_point_numbers(r, lam=lam, J0=J0, g0=g0, iterations=outer_iterations)
    claim, claim0 = fp["claim"], fp["claim0"]
    lines.append(f"trained: J/J0 = {claim[1]:.3f}, |grad J|/|grad J0| = {claim[2]:.1e}")
    lines.append(f"initial: J/J0 = {claim0[1]:.3f}, |grad J|/|grad J0| = {claim0[2]:.1e}")
    comparison_num, comp = _comparison_numbers(r, lam=lam, g0=g0, iterations=iterations)
    num.update(comparison_num)
    lines.append(f"iterations to come within 0.01 % of the lowest J: {comp['reach']}")
    old_num, old_line, oscillates = _oscillation_numbers(r.J_old, oscillation_iterations)
    num.update(old_num)
    lines.append(old_line)
    claims = _claims(r, fp, lam=lam, J0=J0, g0=g0, J_end=num["neurode_J_end"])
    details = dict(
        tables=_tables(r, comp["comparison"], L=L, h=h),
        history=hist,
        claim=claim,
        claim_initial=claim0,
        decreasing=fp["decreasing"],
        costs={k: c for k, (_, c) in r.runs.items()},
        stationary=comp["stationary"].to_dict(),
        reach=comp["reach"],
        J0=J0,
        J_fp=comp["J_fp"],
        oscillates=oscillates,
        J_old=r.J_old,
    )
    return Numbers(num, claims, lines, details)
