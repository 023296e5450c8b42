"""A plain NeurODE (every mask one): the earlier paper's 2D experiment, and a comparison.

The experiment of Bonnet, Cipriani, Fornasier and Huang (2021), facts read in its public
code (``bidimensional.py``, ``modules/training_nobias_2D.py``, the command in its README),
not our choices: 100 points per class from a standard normal truncated to the disc of
radius 0.2 around (-1, -1) and (1, 1), targets (-2, -2) and (2, 2); the field
tanh(theta_k x) without bias, every weight initialised to one; L = 9 Euler steps of size
0.1; lambda = 0.1; 8 shooting iterations, each maximising every layer's Hamiltonian (our
update ``fixed_point``).

Ours: the co-state (the exact discrete adjoint), the inner argmax (L-BFGS over the whole
theta_k), the seeded sample, the comparison with the ``gradient`` and ``proximal`` updates
and Adam (:func:`.common.compare`), and the run on the data of Figs 4-5 that shows the
period-2 oscillation of the fixed-point update there. Every run takes seconds: no progress bars
(``progress`` is accepted and unused).

:func:`compute` trains, :func:`numbers` measures the trained models and names the numbers and
claims, :func:`draw` draws; :func:`neurode` calls the three in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import torch

from .. import data as D
from ..architecture import Architecture
from ..model import AutoencODE
from .common import AUTOGRAD, compare, train
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from ..claims import Claim
    from ..training import Trainer

__all__ = [
    "neurode_model",
    "grad_norm",
    "stationary_claim",
    "NeurodeRuns",
    "compute",
    "numbers",
    "draw",
    "neurode",
]


def neurode_model(L: int, h: float, theta0: float) -> AutoencODE:
    """The earlier network: L Euler steps of size h, field tanh(theta_k x), no bias, every
    weight equal to ``theta0``."""
    return AutoencODE(
        Architecture.neurode(d=2, L=L), T=L * h, bias=False, init="constant", init_scale=theta0
    )


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


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        # the earlier paper's experiment (its public code)
        n=25 if quick else 100,  # points per class
        L=9,  # Euler steps: a time grid of 10 nodes
        h=0.1,  # step dt (final time: L times h)
        lam=0.1,  # Tikhonov weight lambda
        outer_iterations=8,  # shooting iterations, exact argmax of each H_k
        theta0=1.0,  # initial value of every weight (no bias)
        # our comparison, from the same theta0: other update rules and Adam
        iterations=15 if quick else 300,  # iterations of the other runs
        lr_gradient=0.1,  # shooting, "gradient" update: step on H_k / h
        lr_proximal=1.0,  # shooting, "proximal" update: 1 / rho
        lr_adam=0.05,  # Adam baseline
        oscillation_iterations=20,  # fixed_point on this page's former data
        seed=0,
    )


# -- compute ----------------------------------------------------------------------------------


@dataclass
class NeurodeRuns:
    """What :func:`compute` trains: the earlier experiment (``fixed_point``), the other update
    rules and Adam from the same theta_0, and ``fixed_point`` on the data of Figs 4-5."""

    #: The points (``[2n, 2]``), their classes and each point's class target.
    x: torch.Tensor
    labels: torch.Tensor
    y: torch.Tensor
    #: The two class targets (``[2, 2]``).
    targets: torch.Tensor
    #: The network at theta_0 (untrained).
    initial: AutoencODE
    #: The network trained by ``fixed_point`` (the earlier experiment).
    model: AutoencODE
    #: The weights ``[L, 2, 2]`` after each ``fixed_point`` iteration (0: theta_0).
    thetas: list[torch.Tensor]
    #: J, its data term and lambda * regulariser (``cost``, ``data``, ``reg``) at theta_0, ...,
    #: theta_K of the ``fixed_point`` run.
    history: dict[str, list[float]]
    #: The trained network's states ``[L+1, 2n, 2]``, and the initial network's outputs.
    trajectory: torch.Tensor
    initial_output: torch.Tensor
    #: Per run (``fixed_point``, ``gradient``, ``proximal``, ``adam``): its trained model and J
    #: before each update and after the last.
    runs: dict[str, tuple[AutoencODE, list[float]]]
    #: J of ``fixed_point`` on the data of Figs 4-5, before each update and after the last.
    J_old: list[float]


def compute(
    *,
    n: int,
    L: int,
    h: float,
    lam: float,
    outer_iterations: int,
    theta0: float,
    iterations: int,
    lr_gradient: float,
    lr_proximal: float,
    lr_adam: float,
    oscillation_iterations: int,
    seed: int,
) -> NeurodeRuns:
    """The earlier experiment (``fixed_point``, ``outer_iterations``), the ``gradient`` and
    ``proximal`` updates and Adam (``iterations``) from the same theta0, and ``fixed_point``
    (``oscillation_iterations``) on the data of Figs 4-5."""
    targets = torch.tensor(D.BONNET2021_TARGETS)
    x, labels = D.truncated_gaussians(
        n, seed=seed, centers=D.BONNET2021_CENTERS, radius=D.BONNET2021_RADIUS, std=D.BONNET2021_STD
    )
    # the datasets functions take the targets as points (the tuple; the same values as `targets`)
    y = D.class_targets(labels, D.BONNET2021_TARGETS)

    def make_model() -> AutoencODE:
        return neurode_model(L, h, theta0)

    initial = make_model()
    trainer, thetas = _fixed_point_run(
        make_model(), x, y, lam=lam, iterations=outer_iterations, seed=seed
    )
    model = trainer.model
    # J, its data term and lambda * regulariser at theta_0, ..., theta_K: the history holds
    # them before each update, evaluate() after the last one.
    end = trainer.evaluate(x, y)
    hist = {key: trainer.history[key] + [end[key]] for key in ("cost", "data", "reg")}
    with torch.no_grad():
        xs = model.trajectory(x)  # [L+1, 2n, 2]
        xL0 = initial(x)
    # the other update rules and Adam, from the same theta_0
    others = compare(
        make_model,
        x,
        y,
        {
            "gradient": ("gradient", lr_gradient),
            "proximal": ("proximal", lr_proximal),
            "adam": (AUTOGRAD, lr_adam),
        },
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    runs = {"fixed_point": (model, hist["cost"])}
    runs.update(
        {
            kind: (tr.model, tr.history["cost"] + [tr.evaluate(x, y)["cost"]])
            for kind, tr in others.items()
        }
    )
    J_old = _oscillation_run(make_model, n=n, lam=lam, iterations=oscillation_iterations, seed=seed)
    return NeurodeRuns(x, labels, y, targets, initial, model, thetas, hist, xs, xL0, runs, J_old)


def _fixed_point_run(
    model: AutoencODE, x: torch.Tensor, y: torch.Tensor, *, lam: float, iterations: int, seed: int
) -> tuple[Trainer, list[torch.Tensor]]:
    """The earlier experiment: ``iterations`` of the method of successive approximations
    (``fixed_point``) from ``model``. Its trainer, and the weights ``[L, 2, 2]`` after each
    iteration."""
    thetas: list[torch.Tensor] = []  # theta after each iteration (0: theta_0)

    def record(trainer: Trainer, iteration: int) -> None:
        thetas.append(torch.stack([W.detach().clone() for W in trainer.model.weights]))

    trainer = train(
        model,
        x,
        y,
        "fixed_point",
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks=[record],
    )
    return trainer, thetas


def _oscillation_run(
    make_model: Callable[[], AutoencODE], *, n: int, lam: float, iterations: int, seed: int
) -> list[float]:
    """J of ``fixed_point`` on the data of Figs 4-5 (same network, theta0 and lambda), before
    each update and after the last."""
    x_old, labels_old = D.two_clusters(n=2 * n, seed=seed)
    y_old = D.class_targets(labels_old)
    tr_old = train(
        make_model(),
        x_old,
        y_old,
        "fixed_point",
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    return tr_old.history["cost"] + [tr_old.evaluate(x_old, y_old)["cost"]]


# -- numbers ----------------------------------------------------------------------------------


def _lowest_final_cost(costs: dict[str, list[float]]) -> float:
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
    J_min = _lowest_final_cost({kind: costs for kind, (_, costs) in runs.items()})
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
    """The page's named numbers, the claims (see :func:`neurode`), the summary, and the
    details: the tables, the ``fixed_point`` history, the stationarity checks, each run's
    costs, the iterations each run needs to reach the lowest J, and J on the data of
    Figs 4-5."""
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


# -- draw -------------------------------------------------------------------------------------


def _draw_main(r: NeurodeRuns, *, L: int, h: float, theta0: float) -> Figure:
    """(a) the cost along the ``fixed_point`` iterations, (b) the trained weights per layer
    (grey: the iterates), (c) the trained flow (crosses: the initial network's outputs)."""
    import matplotlib.pyplot as plt

    from ..plotting.style import class_colour

    hist, thetas, labels, targets = r.history, r.thetas, r.labels, r.targets
    W = thetas[-1]  # [L, 2, 2]
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.1))
    ax = axes[0]
    its = range(len(hist["cost"]))
    ax.plot(its, hist["cost"], "o-", color="k", label="$J$")
    ax.plot(its, hist["data"], "s--", color="0.45", label="data term")
    ax.plot(its, hist["reg"], "^:", color="0.45", label=r"$\lambda\,$regulariser")
    ax.set(xlabel="shooting iteration", ylabel="cost", title="(a) cost along the iterations")
    ax.set_ylim(bottom=0)
    ax.legend()
    ax = axes[1]
    t = [k * h for k in range(L)]
    for th in thetas[1:-1]:
        ax.plot(t, th.reshape(L, 4), color="0.8", lw=0.6)
    ax.axhline(theta0, color="0.6", ls="--", lw=0.8, label=r"$\theta_0$")
    names = [r"$\theta_{11}$", r"$\theta_{12}$", r"$\theta_{21}$", r"$\theta_{22}$"]
    for j, (a, b) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        ax.plot(t, W[:, a, b], "o-", color=class_colour(j), label=names[j])
    ax.set(
        xlabel="layer time $t_k = k h$",
        ylabel="weight",
        title="(b) trained weights (grey: iterates)",
    )
    ax.legend(ncol=2, loc="lower left")
    ax = axes[2]
    xs, xL0 = r.trajectory, r.initial_output  # [L+1, 2n, 2], [2n, 2]
    for c in (0, 1):
        sel = labels == c
        ax.plot(xs[:, sel, 0], xs[:, sel, 1], color=class_colour(c), lw=0.3, alpha=0.4)
        ax.scatter(
            xs[0, sel, 0], xs[0, sel, 1], s=6, facecolors="none", edgecolors=class_colour(c), lw=0.5
        )
        ax.scatter(xs[-1, sel, 0], xs[-1, sel, 1], s=6, color=class_colour(c))
        ax.scatter(xL0[sel, 0], xL0[sel, 1], s=6, marker="x", color="0.5", lw=0.5)
    ax.scatter(targets[:, 0], targets[:, 1], marker="*", s=120, color="k", zorder=3)
    ax.set_aspect("equal")
    ax.set_title("(c) trained flow")
    fig.tight_layout()
    return fig


def _draw_comparison(costs: dict[str, list[float]]) -> Figure:
    """J minus the lowest final J along the iterations of each run (``costs``: per run)."""
    import matplotlib.pyplot as plt

    J_min = _lowest_final_cost(costs)
    styles = {"fixed_point": "o-", "gradient": "-", "proximal": "--", "adam": ":"}
    fig, ax = plt.subplots(figsize=(4.6, 2.9))
    for kind, run_costs in costs.items():
        ax.plot(
            range(len(run_costs)),
            [max(c - J_min, 1e-7) for c in run_costs],
            styles[kind],
            color="k",
            label=kind,
        )
    ax.set_xscale("symlog", linthresh=1)
    ax.set(
        yscale="log",
        xlabel="iteration",
        ylabel=r"$J - J_{\min}$",
        title="distance to the lowest final cost, four runs",
    )
    ax.legend()
    fig.tight_layout()
    return fig


def _draw_oscillation(J_old: list[float]) -> Figure:
    """J along the ``fixed_point`` iterations on the data of Figs 4-5."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6, 2.9))
    ax.plot(range(len(J_old)), J_old, "o-", color="k")
    # a linear axis's default locator is an AutoLocator, a MaxNLocator
    cast("MaxNLocator", ax.xaxis.get_major_locator()).set_params(integer=True)
    ax.set(xlabel="shooting iteration", ylabel="cost $J$")
    fig.tight_layout()
    return fig


def draw(r: NeurodeRuns, *, L: int, h: float, theta0: float) -> dict[str, Figure]:
    """The page's figures: ``main`` (the earlier experiment), ``comparison`` (the four runs)
    and ``oscillation`` (``fixed_point`` on the data of Figs 4-5)."""
    return {
        "main": _draw_main(r, L=L, h=h, theta0=theta0),
        "comparison": _draw_comparison({k: c for k, (_, c) in r.runs.items()}),
        "oscillation": _draw_oscillation(r.J_old),
    }


# -- the figure -------------------------------------------------------------------------------


@figure(
    "neurode",
    notebook="neurode_two_clusters",
    title="A plain NeurODE: the earlier paper's 2D experiment",
    defaults=_defaults,
    threads=1,
    control={"outer_iterations": 0, "iterations": 0, "oscillation_iterations": 0},
)
def neurode(
    *,
    progress: bool = True,
    quick: bool = False,
    n: int,
    L: int,
    h: float,
    lam: float,
    outer_iterations: int,
    theta0: float,
    iterations: int,
    lr_gradient: float,
    lr_proximal: float,
    lr_adam: float,
    oscillation_iterations: int,
    seed: int,
    **_: Any,
) -> Result:
    """The earlier experiment (``fixed_point``, ``outer_iterations``), the other update
    rules and Adam from the same theta0, and ``fixed_point`` on the data of Figs 4-5.

    Its claims (``Result.claims``, row ``neurode``), each against the initial network
    theta = theta0: J below J(theta_0); ``|grad J| <= 5e-2 |grad J(theta_0)|``; every run stationary
    and at fixed_point's J. Nearest-target accuracy = 1 is a sanity check: it holds at
    theta_0 already."""
    r = compute(
        n=n,
        L=L,
        h=h,
        lam=lam,
        outer_iterations=outer_iterations,
        theta0=theta0,
        iterations=iterations,
        lr_gradient=lr_gradient,
        lr_proximal=lr_proximal,
        lr_adam=lr_adam,
        oscillation_iterations=oscillation_iterations,
        seed=seed,
    )
    out = numbers(
        r,
        n=n,
        L=L,
        h=h,
        lam=lam,
        theta0=theta0,
        outer_iterations=outer_iterations,
        iterations=iterations,
        oscillation_iterations=oscillation_iterations,
    )
    return Result(
        "neurode",
        {},
        numbers=out.numbers,
        figures=draw(r, L=L, h=h, theta0=theta0),
        claims=out.claims,
        summary="\n".join(out.summary),
        details=out.details,
    )
