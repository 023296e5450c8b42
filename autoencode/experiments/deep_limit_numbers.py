"""The deep limit page's numbers, sentences and claims, from the runs of
:func:`autoencode.experiments.deep_limit_training.deep_limit`.

:func:`fitted_rate` fits a rate in L; :func:`numbers_and_claims` names the page's numbers by L,
the fitted rates and the two sentences, and checks its claims
(:func:`autoencode.claims.deep_limit_converges`) against untrained controls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..claims import Claim, deep_limit_converges
from .deep_limit_controls import l2_distance
from .deep_limit_training import DeepLimitRun

__all__ = ["fitted_rate", "numbers_and_claims"]


def fitted_rate(Ls: Sequence[float], values: Sequence[float]) -> float:
    """r in values ~ C L^(-r): minus the slope of the least-squares line in log-log."""
    slope = np.polyfit(np.log(np.asarray(Ls, float)), np.log(np.asarray(values, float)), 1)[0]
    return float(-slope)


def _values(run: DeepLimitRun, contrast: DeepLimitRun, Ls: Sequence[int]) -> dict[str, Any]:
    """The page's numbers by L (costs, Hessian minima, distances and cost gaps to the finest
    L, the contrast's distances) and the fitted rates."""
    table = run.table
    fit = table[table.L < Ls[-1]]
    rate_d, rate_c = fitted_rate(fit.L, fit.distance), fitted_rate(fit.L, fit.cost_gap)
    succ = [l2_distance(run.models[a], run.models[b]) for a, b in zip(Ls[:-1], Ls[1:])]
    rate_s = fitted_rate(Ls[:-1], succ)
    cf = contrast.table[contrast.table.L < Ls[-1]]
    rate_dc, rate_cc = fitted_rate(cf.L, cf.distance), fitted_rate(cf.L, cf.cost_gap)
    numbers: dict[str, Any] = {}
    for _, r in table.iterrows():
        L = int(r.L)
        numbers[f"dl_J_{L}"] = float(r.J)
        numbers[f"dl_hessian_min_{L}"] = float(r.hessian_min)
        if L < Ls[-1]:
            numbers[f"dl_distance_{L}"] = float(r.distance)
            numbers[f"dl_cost_gap_{L}"] = float(r.cost_gap)
    for _, r in contrast.table.iterrows():
        if int(r.L) < Ls[-1]:
            numbers[f"dl_contrast_distance_{int(r.L)}"] = float(r.distance)
    numbers.update(
        dl_rate_distance=rate_d,
        dl_rate_cost=rate_c,
        dl_rate_successive=rate_s,
        dl_rate_distance_contrast=rate_dc,
        dl_rate_cost_contrast=rate_cc,
    )
    return numbers


def _text(
    table: Any,
    Ls: Sequence[int],
    mins: Sequence[float],
    lam: float,
    gtol: float,
    rate_d: float,
    rate_c: float,
) -> str:
    """The page's sentence on the runs at ``lam`` (``table``: their table, with the fitted
    rates ``rate_d`` of the distances and ``rate_c`` of the cost gaps)."""
    fit = table[table.L < Ls[-1]]
    monotone = bool(np.all(np.diff(fit.distance) < 0))
    monotone_c = bool(np.all(np.diff(fit.cost_gap) < 0))
    J_monotone = bool(np.all(np.diff(table.J) < 0))
    return (
        # (the bound is the stopping tolerance: the last gradient norms below it are round-off
        # and the last L-BFGS step, one digit of which moves with the CPU's kernels)
        f"At lambda = {lam:g} "
        f"{'every problem is solved' if table.converged.all() else 'NOT every problem is solved'}"
        f" (|grad J| in L2 below {gtol:.0e}) and "
        f"{'its minimiser is strict' if min(mins) > 0 else 'NOT every end point is strict'}"
        f" (smallest Hessian eigenvalue, in the L2(0, T) metric, "
        f"between {min(mins):.3f} and {max(mins):.3f}). The trained controls approach the "
        f"finest one "
        f"{'monotonically' if monotone else 'but not monotonically'}, from an L2 distance of "
        f"{fit.distance.iloc[0]:.3f} at L = {Ls[0]} to {fit.distance.iloc[-1]:.4f} at L = "
        f"{int(fit.L.iloc[-1])}, with a fitted rate of {rate_d:.2f}; the costs "
        f"{'likewise' if monotone_c else 'not monotonically'}, |J_L - J_{Ls[-1]}| from "
        f"{fit.cost_gap.iloc[0]:.1e} to {fit.cost_gap.iloc[-1]:.1e}, rate {rate_c:.2f}, and J_L "
        f"{'decreases' if J_monotone else 'does not decrease monotonically'} with L. The theorem "
        f"gives convergence of the minimisers (up to subsequences) and of the minimal costs, "
        f"neither a monotone decrease nor a rate: those are measurements on this problem."
    )


def _text_contrast(table: Any, dc: Any, Ls: Sequence[int], lam: float) -> str:
    """The page's sentence on the contrast's runs (``dc``: their table; ``table``: that of the
    runs at ``lam``)."""
    fit = table[table.L < Ls[-1]]
    fails = [
        int(L) for L, d0, d1 in zip(dc.L[1:-1], dc.distance[:-2], dc.distance[1:-1]) if d1 >= d0
    ]
    return (
        "slower, and the controls stay far apart: the L2 distance at L = "
        f"{int(dc.L.iloc[-2])} is still {dc.distance.iloc[-2]:.2f} (against "
        f"{fit.distance.iloc[-1]:.4f} at lambda = {lam:g})"
        + (f", and it does not decrease from L = {fails[0] // 2} to {fails[0]}" if fails else "")
        + ": the trained controls of a flat landscape need not be close even when the costs are."
    )


def numbers_and_claims(
    m: dict[str, Any], Ls: Sequence[int], lam: float, gtol: float
) -> tuple[dict[str, Any], list[Claim]]:
    """The page's numbers and sentences, and its claims against untrained controls drawn
    independently for each L, from the figure's measurements ``m``: the runs at lambda
    (``run``) and at the contrast's lambda (``contrast``), the Hessian minima (``mins``) and
    the untrained controls' table (``control``)."""
    run, contrast = m["run"], m["contrast"]
    table = run.table
    numbers = _values(run, contrast, Ls)
    numbers["dl_text"] = _text(
        table, Ls, m["mins"], lam, gtol, numbers["dl_rate_distance"], numbers["dl_rate_cost"]
    )
    numbers["dl_text_contrast"] = _text_contrast(table, contrast.table, Ls, lam)
    checks = [
        deep_limit_converges(Ls, t.distance, t.cost_gap, t.grad_norm, gtol=gtol)
        for t in (table, m["control"])
    ]
    claims = [
        c.about("deep_limit").versus(c0, "untrained controls, drawn independently for each L")
        for c, c0 in zip(*checks)
    ]
    return numbers, claims
