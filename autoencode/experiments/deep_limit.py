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
* :func:`deep_limit`: all of it for a list of L;
* :func:`deep_limit_figure` (figure ``deep_limit``, page ``notebooks/deep_limit``): the
  chapter's experiment: every L trained to convergence at lambda = 0.1 and, for contrast,
  at lambda = 1e-2, the smallest Hessian eigenvalue at each minimiser, the fitted rates,
  the figure (trained controls; distances and cost gaps against L) and the page's sentences.

The theorem is Thorpe and van Gennip's; the problem (Fig 4's data and 2 -> 1 -> 2
architecture), the phases at fixed fractions of T, the piecewise-constant theta_0(t), the
training to convergence, lambda = 0.1 and the rates measured against the finest L are ours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ..architecture import Architecture
from ..model import AutoencODE
from .registry import Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims import Claim

__all__ = [
    "PHASE_FRACTIONS",
    "architecture",
    "initial_control",
    "set_control",
    "control",
    "train_to_convergence",
    "gradient_norm_l2",
    "l2_distance",
    "fitted_rate",
    "DeepLimitRun",
    "deep_limit",
    "deep_limit_figure",
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


def _phase_of_layers(model: AutoencODE) -> list[int]:
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
    return [
        torch.cat([p.detach().reshape(-1) for p in model.layer_parameters(k)]).double()
        for k in range(model.depth)
    ]


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


def fitted_rate(Ls: Sequence[float], values: Sequence[float]) -> float:
    """r in values ~ C L^(-r): minus the slope of the least-squares line in log-log."""
    slope = np.polyfit(np.log(np.asarray(Ls, float)), np.log(np.asarray(values, float)), 1)[0]
    return float(-slope)


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


# -- the chapter's figure ----------------------------------------------------------------


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points of the Fig 4 problem
        T=5.0,  # final time, fixed for every L
        Ls=[10, 20, 40] if quick else [10, 20, 40, 80, 160],  # layers; the last is the reference
        lam=0.1,  # Tikhonov weight (see the text)
        lam_contrast=1e-2,  # a lower one, for contrast
        gtol=1e-7,  # stop at |grad J| in L^2(0, T) below this
        max_evaluations=4000,  # most cost evaluations of L-BFGS per problem (0: no training)
        independent_theta0=False,  # True: each L from its own theta_0(t) (seed + L)
        seed=0,  # data and the initial control theta_0(t)
    )


#: How the page prints the table of the runs.
_TABLE_FORMAT = {
    "J0": "{:.4f}".format,
    "J": "{:.6f}".format,
    "data": "{:.5f}".format,
    "reg": "{:.5f}".format,
    "grad_norm": "{:.1e}".format,
    "distance": "{:.2e}".format,
    "cost_gap": "{:.2e}".format,
    "hessian_min": "{:.4f}".format,
}


def _draw(
    run: DeepLimitRun, contrast: DeepLimitRun, Ls: Sequence[int], lam: float, lam_contrast: float
) -> Figure:
    """Left: entries of the trained controls theta_L(t) for every L; right: the distance and
    the cost gap to the finest L against L, with their fitted rates (dotted: lam_contrast)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.3, 1])
    ax = axes[0]
    entries = [
        (0, 0, "$W_{11}$, encoder"),
        (0, 3, "$W_{22}$, encoder"),
        (1, 0, "$W$, bottleneck"),
        (2, 1, "$W_{12}$, decoder"),
    ]
    colors = plt.get_cmap()(np.linspace(0, 0.9, len(Ls)))
    styles = ["-", "--", ":", "-."]
    for L, c in zip(Ls, colors):
        m = run.models[L]
        theta = control(m)
        phase = _phase_of_layers(m)
        for (ph, idx, name), ls in zip(entries, styles):
            ks = [k for k in range(L) if phase[k] == ph]
            vals = [float(theta[k][idx]) for k in ks]
            edges = [k * m.h for k in ks] + [(ks[-1] + 1) * m.h]
            ax.stairs(vals, edges, color=c, ls=ls, lw=1.0, label=name if L == Ls[-1] else None)
    for L, c in zip(Ls, colors):
        ax.plot([], [], color=c, label=f"L = {L}")
    ax.set(
        xlabel="t",
        ylabel="$\\theta_L(t)$ (entries)",
        title=f"trained controls, $\\lambda$ = {lam:g}",
    )
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1]
    table = run.table
    fit = table[table.L < Ls[-1]]
    for col, marker, name in (
        ("distance", "o", "$\\|\\theta_L - \\theta_{max}\\|_{L^2}$"),
        ("cost_gap", "s", "$|J_L - J_{max}|$"),
    ):
        r = fitted_rate(fit.L, fit[col])
        (line,) = ax.loglog(fit.L, fit[col], marker, label=f"{name}: rate {r:.2f}")
        c0 = float(np.exp(np.mean(np.log(fit[col]) + r * np.log(fit.L))))
        ax.loglog(fit.L, c0 * fit.L.astype(float) ** (-r), "-", color=line.get_color(), lw=0.8)
        cf = contrast.table[contrast.table.L < Ls[-1]]
        ax.loglog(
            cf.L,
            cf[col],
            marker + ":",
            color=line.get_color(),
            alpha=0.5,
            ms=3,
            label=f"$\\lambda$ = {lam_contrast:g}, rate {fitted_rate(cf.L, cf[col]):.2f}",
        )
    ax.set(xlabel="L", title=f"against the finest L = {Ls[-1]}")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig


def _compute(
    n_train: int,
    T: float,
    Ls: Sequence[int],
    lam: float,
    lam_contrast: float,
    gtol: float,
    max_evaluations: int,
    independent_theta0: bool,
    seed: int,
) -> dict[str, Any]:
    """The measurements of :func:`deep_limit_figure` on the Fig 4 data: every L trained at
    ``lam`` (``run``) and at ``lam_contrast`` (``contrast``), the smallest Hessian eigenvalue
    at each minimiser of ``run`` (``mins``, also its table's column ``hessian_min``), the
    table of the claims' negative control (``control``) and the summary's lines (``lines``)."""
    import time

    from .. import data
    from ..hessian import hessian_spectrum

    x, labels = data.two_clusters(n=n_train, seed=seed)
    y = data.class_targets(labels)
    t0 = time.perf_counter()
    opts: dict[str, Any] = dict(
        seed=seed, gtol=gtol, max_evaluations=max_evaluations, independent=independent_theta0
    )
    run = deep_limit(Ls, x, y, T=T, lam=lam, **opts)
    contrast = deep_limit(Ls, x, y, T=T, lam=lam_contrast, **opts)
    lines = [f"{2 * len(Ls)} problems solved in {time.perf_counter() - t0:.0f} s"]
    table = run.table
    # smallest Hessian eigenvalue at each trained theta_L (Lanczos, float64): > 0 means a strict
    # minimum; in the metric of L^2(0, T) (u_k = sqrt(h) theta_k) the eigenvalues are those of the
    # Hessian / h
    mins = [
        hessian_spectrum(
            run.models[L], x.double(), y.double(), lam=lam, method="lanczos", tol=1e-6
        ).min
        for L in Ls
    ]
    mins = [mu / run.models[L].h for mu, L in zip(mins, Ls)]
    table["hessian_min"] = mins
    lines.append(table.to_string(formatters=_TABLE_FORMAT))
    # the claims' negative control: untrained controls drawn independently for each L
    control = deep_limit(
        Ls, x, y, T=T, lam=lam, seed=seed, gtol=gtol, max_evaluations=0, independent=True
    ).table
    return dict(run=run, contrast=contrast, mins=mins, control=control, lines=lines)


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


def _numbers(
    m: dict[str, Any], Ls: Sequence[int], lam: float, gtol: float
) -> tuple[dict[str, Any], list[Claim]]:
    """The page's numbers and sentences, and its claims against untrained controls drawn
    independently for each L, from the measurements ``m`` of ``_compute``."""
    from ..claims import deep_limit_converges

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


@figure(
    "deep_limit",
    notebook="deep_limit",
    title="The deep limit L -> infinity at fixed T",
    defaults=_defaults,
    threads=1,
    # untrained, and no common start: controls with no reason to approach one another
    control={"max_evaluations": 0, "independent_theta0": True},
)
def deep_limit_figure(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    T: float,
    Ls: Sequence[int],
    lam: float,
    lam_contrast: float,
    gtol: float,
    max_evaluations: int,
    independent_theta0: bool,
    seed: int,
) -> Result:
    """Every L trained to convergence (lambda and lambda_contrast), the Hessian's smallest
    eigenvalue at each minimiser, the rates and the page's sentences (on one thread).

    Its claims (``Result.claims``, row ``deep_limit``;
    :func:`autoencode.claims.deep_limit_converges`) are checked against a negative control
    that is not degenerate: untrained controls drawn independently for each L (seed + L),
    whose distances and cost gaps to the finest L are of order one and do not decay.

    In turn: the measurements, the numbers and claims from them, and the figure."""
    Ls = [int(L) for L in Ls]
    m = _compute(n_train, T, Ls, lam, lam_contrast, gtol, max_evaluations, independent_theta0, seed)
    numbers, claims = _numbers(m, Ls, lam, gtol)
    run, contrast = m["run"], m["contrast"]
    return Result(
        "deep_limit",
        {},
        numbers=numbers,
        figures={"main": _draw(run, contrast, Ls, lam, lam_contrast)},
        claims=claims,
        summary="\n".join(m["lines"]),
        details=dict(run=run, contrast=contrast, table=run.table, mins=m["mins"], Ls=Ls),
    )
