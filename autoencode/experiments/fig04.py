"""Fig 4 and Table 1 (figure ``fig04``): the natural turn-off, and the Hessian across epochs.

Two Gaussian clusters that differ in x1 only, each point moved to its class target by an
AutoencODE 2 -> 1 -> 2 whose middle phase turns x2 off (the *natural* turn-off). The shooting
method (``gradient`` update) against Adam from the same initial weights, the extreme
eigenvalues of the Hessian of J and of its data term along training for two values of lambda,
and the locally convex region around the minimiser each run heads for.

The paper's are the task as its caption states it (classification with a natural turn-off)
and the architecture 2 -> 1 -> 2, L = 20. Ours (the paper's data, targets, hyper-parameters
and Table 1's numbers are not in what we hold): the data set and targets
(:mod:`autoencode.data.toy2d`), T, lambda, the update rule, step sizes and iteration counts
(the figure's ``defaults``), the Adam baseline and the measures (accuracy by nearest target).

:func:`compute` trains, :func:`numbers` measures the trained models and names the numbers and
claims, :func:`draw` draws; :func:`fig04` calls the three in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .. import analysis
from ..data import toy2d
from ..hessian import HessianLogger, flat_parameters, tikhonov_shift
from ..model import AutoencODE
from ..plotting import diagrams, panels
from ..training import Trainer
from .common import (
    AUTOGRAD,
    compare,
    count_parameters,
    draw_phase,
    fig04_problem,
    legend_marker,
    train,
    two_clusters_problem,
)
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims import Claim

__all__ = ["Fig04Runs", "compute", "numbers", "draw", "fig04"]


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points (half per class)
        n_test=200 if quick else 1000,  # held-out points (another seed)
        L=20,  # layers: 7 (initial) + 7 (encoding) + 6 (decoding)
        T=5.0,  # final time; h = T / L = 0.25
        lam=1e-3,  # Tikhonov weight of the Fig 4 run (low)
        lam_large=1e-1,  # second Tikhonov weight (second Hessian table)
        iterations=20 if quick else 1000,  # full-batch iterations (= epochs) of every run
        lr_gradient=0.25,  # shooting, "gradient" update, lam
        lr_gradient_large=0.1,  # same, lam_large
        lr_adam=0.05,  # Adam baseline (autograd)
        hessian_at=[0, 5, 20] if quick else [0, 10, 50, 200, 500, 1000],  # logged epochs
        gtol=1e-8,  # Newton's method to the minimiser: stops at |grad J| <= gtol (float64)
        n_directions=2 if quick else 8,  # random unit directions of the convex-region scan
        radius_first=1e-3,  # first radius of that scan (then x2 steps, then 5 bisections)
        scales=[1] if quick else [1, 4, 16],  # shooting restarted at s x the radius from theta*
        shooting_iterations=20 if quick else 200,  # iterations of each of those runs
        seed=0,  # weights and training data; test data: seed + 1
    )


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig04Runs:
    """What :func:`compute` trains: the runs of Fig 4 and Table 1, their Hessian logs, and the
    minimiser and convex region each shooting run heads for."""

    #: Builds the 2 -> 1 -> 2 AutoencODE from the same initial weights at every call.
    make_model: Callable[[], AutoencODE]
    #: The training points and their class targets.
    x: torch.Tensor
    y: torch.Tensor
    #: :func:`~autoencode.experiments.common.two_clusters_problem`, with the test set.
    problem: dict[str, torch.Tensor]
    #: The model before training.
    initial: AutoencODE
    #: ``"shooting"`` (``gradient`` update) and ``"Adam"`` (autograd), lambda = ``lam``.
    runs: dict[str, Trainer]
    #: Shooting (``gradient`` update), lambda = ``lam_large``.
    large: Trainer
    #: Hessian logs: ``"small"`` and ``"early"`` (the first ten epochs) of the shooting run,
    #: ``"large"`` of :attr:`large`.
    hessian: dict[str, HessianLogger]
    #: :func:`~autoencode.experiments.convexity.region_analysis`: ``"small"`` and ``"large"``.
    regions: dict[str, dict[str, Any]]


def compute(
    *,
    n_train: int,
    n_test: int,
    L: int,
    T: float,
    lam: float,
    lam_large: float,
    iterations: int,
    lr_gradient: float,
    lr_gradient_large: float,
    lr_adam: float,
    hessian_at: list[int],
    scan: Mapping[str, Any],
    seed: int,
) -> Fig04Runs:
    """Fig 4's runs (shooting and Adam from the same initial weights, ``lam``), Table 1's second
    shooting run (``lam_large``), the Hessian logged at ``hessian_at``, and for each shooting
    run the minimiser it heads for and the convex region around it
    (:func:`~autoencode.experiments.convexity.region_analysis`, settings ``scan``: gtol,
    n_directions, radius_first, scales, shooting_iterations)."""
    from .convexity import region_analysis

    make_model, x, y = fig04_problem(n_train, L, T, seed)
    p = two_clusters_problem(n_train, n_test, seed)
    initial = make_model()
    hess_small = HessianLogger(x, y, at=hessian_at)
    hess_early = HessianLogger(x, y, at=range(1, 11))  # the first ten epochs, for the step size
    runs = compare(
        make_model,
        x,
        y,
        {"shooting": ("gradient", lr_gradient), "Adam": (AUTOGRAD, lr_adam)},
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks={"shooting": [hess_small, hess_early]},
    )
    # Table 1: a second run with the larger lambda, the Hessian logged at the same epochs
    hess_large = HessianLogger(x, y, at=hessian_at)
    large = train(
        make_model(),
        x,
        y,
        "gradient",
        lr=lr_gradient_large,
        lam=lam_large,
        iterations=iterations,
        seed=seed,
        progress=False,
        callbacks=[hess_large],
    )
    # The minimiser each run heads for (Newton, float64) and the convex region around it
    regions = {
        tag: region_analysis(
            make_model, x, y, lam_t, flat_parameters(model_t), lr=lr_t, seed=seed, **scan
        )
        for tag, lam_t, model_t, lr_t in (
            ("small", lam, runs["shooting"].model, lr_gradient),
            ("large", lam_large, large.model, lr_gradient_large),
        )
    }
    hessian = {"small": hess_small, "early": hess_early, "large": hess_large}
    return Fig04Runs(make_model, x, y, p, initial, runs, large, hessian, regions)


# -- numbers ----------------------------------------------------------------------------------


def _table1(logger: HessianLogger, shift: float) -> Any:  # a pandas DataFrame (untyped here)
    """Table 1: J's Hessian's extremes across epochs, and the data term's (J's minus the
    Tikhonov term's shift ``2 lambda h``: that term's Hessian is the shift times the identity)."""
    import pandas as pd

    t = logger.table()
    return pd.DataFrame(
        {
            "epoch": t["iteration"],
            "J": t["J"].map(lambda v: f"{v:.4f}"),
            "min eigenvalue": t["min"].map(lambda v: f"{v:.1e}"),
            "max eigenvalue": t["max"].map(lambda v: f"{v:.3f}"),
            "negative eigenvalues": t["n_negative"],
            "data term: min eigenvalue": (t["min"] - shift).map(lambda v: f"{v:.1e}"),
            "data term: max eigenvalue": (t["max"] - shift).map(lambda v: f"{v:.3f}"),
        }
    ).set_index("epoch")


def _row_at(t: Any, epoch: int) -> Any:
    """The logged row of the last epoch <= ``epoch`` (a run stopped earlier keeps its weights)."""
    return t[t["iteration"] <= epoch].iloc[-1]


def _measure(r: Fig04Runs, lam: float) -> tuple[dict[str, Any], list[str]]:
    """The runs of Fig 4 on the data (``acc_init``, ``J_init``, per run ``results``, the test
    points' ``final`` states, ``acc_large``) and the summary's lines that give them."""
    x, y, p, initial = r.x, r.y, r.problem, r.initial
    x_test, labels_test, y_test = p["x_test"], p["labels_test"], p["y_test"]
    arch = initial.arch
    lines = [
        str(arch),
        "segments: " + str([(s.phase, s.start, s.stop, s.width) for s in arch.segments()]),
        f"trained parameters: {count_parameters(initial)}",
    ]
    with torch.no_grad():
        acc_init = toy2d.accuracy(initial(x_test), labels_test)
        J_init = float(initial.cost(x, y, lam)[0])
        results = {}
        for name, tr in r.runs.items():
            J = tr.evaluate(x, y)
            results[name] = dict(
                J=J["cost"],
                data=J["data"],
                reg=J["reg"],
                test_data=float(tr.model.data_loss(tr.model(x_test), y_test)),
                acc=toy2d.accuracy(tr.model(x_test), labels_test),
            )
        final = {name: tr.model(x_test) for name, tr in r.runs.items()}
        acc_large = toy2d.accuracy(r.large.model(x_test), labels_test)
    lines.append(f"at initialisation: J = {J_init:.3f}, test accuracy = {acc_init:.3f}")
    lines.append(
        f"{'method':<10}{'J':>8}{'data':>8}{'lam*reg':>9}{'test data':>11}{'test accuracy':>15}"
    )
    for name, res in results.items():
        lines.append(
            f"{name:<10}{res['J']:8.4f}{res['data']:8.4f}{res['reg']:9.4f}"
            f"{res['test_data']:11.4f}{res['acc']:15.3f}"
        )
    measured = dict(
        acc_init=acc_init, J_init=J_init, results=results, final=final, acc_large=acc_large
    )
    return measured, lines


def _fig4_numbers(m: Mapping[str, Any], n_test: int) -> dict[str, Any]:
    """Fig 4's named numbers, from :func:`_measure`'s ``m``."""
    results = m["results"]
    n: dict[str, Any] = {
        "fig4_n_test": n_test,
        "fig4_accuracy": results["shooting"]["acc"],
        "fig4_accuracy_adam": results["Adam"]["acc"],
        "fig4_accuracy_init": m["acc_init"],
        "fig4_J_shooting": results["shooting"]["J"],
        "fig4_J_adam": results["Adam"]["J"],
        "fig4_J_init": m["J_init"],
    }
    for name, r in results.items():
        for key in ("data", "reg", "test_data"):
            n[f"fig4_{key}_{name.lower()}"] = r[key]
    return n


def _table1_numbers(
    tables: Mapping[str, Any],
    shift: Mapping[str, float],
    hessian_at: Sequence[int],
    iterations: int,
    acc_large: float,
) -> dict[str, Any]:
    """Table 1's named numbers from the Hessian logs' ``tables`` (small, large, early)."""
    n: dict[str, Any] = {}
    t_small, t_large, early = tables["small"], tables["large"], tables["early"]
    for tag, t in (("small", t_small), ("large", t_large)):  # every number of both tables
        for e in hessian_at:  # a run of fewer iterations keeps its last weights
            row = _row_at(t, e)
            n[f"table1_{tag}_J_{e}"] = float(row["J"])
            n[f"table1_{tag}_min_{e}"] = float(row["min"])
            n[f"table1_{tag}_max_{e}"] = float(row["max"])
            n[f"table1_{tag}_negative_{e}"] = int(row["n_negative"])
    last_s, last_l = _row_at(t_small, hessian_at[-1]), _row_at(t_large, hessian_at[-1])
    n["table1_min_start_small"] = float(t_small["min"].iloc[0])
    n["table1_min_end_small"] = float(last_s["min"])
    n["table1_max_end_small"] = float(last_s["max"])
    n["table1_min_end_large"] = float(last_l["min"])
    n["table1_neg_end_small"] = int(last_s["n_negative"])
    n["table1_neg_start_small"] = int(t_small["n_negative"].iloc[0])
    n["table1_data_min_end_small"] = float(last_s["min"]) - shift["small"]
    n["table1_data_min_end_large"] = float(last_l["min"]) - shift["large"]
    n["table1_shift_small"] = shift["small"]
    n["table1_shift_large"] = shift["large"]
    n["table1_epochs"] = iterations
    if len(early):
        n["table1_early_max_small"] = float(early["max"].max())
        n["table1_early_epoch_small"] = int(early["iteration"][early["max"].idxmax()])
    else:  # no iteration made: the initial model's
        n["table1_early_max_small"] = float(t_small["max"].iloc[0])
        n["table1_early_epoch_small"] = 0
    n["table1_accuracy_large"] = acc_large
    n["table1_first_convex_large"] = next(
        (int(e) for e, m in zip(t_large["iteration"], t_large["min"]) if m >= 0), -1
    )
    return n


def _region_numbers(regions: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], list[str]]:
    """The named numbers of the minimiser and convex region of each run, and the summary's
    line of each."""
    n: dict[str, Any] = {}
    lines = []
    for tag, reg in regions.items():
        n[f"table1_grad_end_{tag}"] = reg["grad_end"]
        n[f"table1_grad_star_{tag}"] = reg["grad_star"]
        n[f"table1_distance_end_{tag}"] = reg["distance_end"]
        n[f"table1_theta_norm_{tag}"] = reg["theta_norm"]
        n[f"table1_star_min_{tag}"] = reg["J_min"]
        n[f"table1_star_data_min_{tag}"] = reg["data_min"]
        n[f"table1_radius_min_{tag}"] = reg["radius_min"]
        n[f"table1_radius_median_{tag}"] = reg["radius_median"]
        n[f"table1_region_ratio_{tag}"] = reg["region_ratio"]
        one = next(v for v in reg["shooting"] if v["scale"] == 1.0)
        n[f"table1_contraction_{tag}"] = 1.0 - one["rate"]
        lines.append(
            f"lambda = {reg['lam']:g}: Newton ({reg['newton_iterations']} steps) from the run's "
            f"end (|grad J| = {reg['grad_end']:.1e}) to theta* "
            f"(|grad J| = {reg['grad_star']:.1e}), "
            f"{reg['distance_end']:.3g} away; at theta*: J's eigenvalues [{reg['J_min']:.2e}, "
            f"{reg['J_max']:.3f}], the data term's [{reg['data_min']:.2e}, {reg['data_max']:.3f}], "
            f"2 lambda h = {reg['shift']:g}; convex radius over "
            f"{reg['n_directions']} directions: min {reg['radius_min']:.3g}, median "
            f"{reg['radius_median']:.3g}; shooting from the region's edge: rate "
            f"1 - {1 - one['rate']:.1e} (predicted 1 - {1 - reg['predicted_rate']:.1e})"
        )
    return n, lines


def _claims(
    r: Fig04Runs,
    m: Mapping[str, Any],
    n: Mapping[str, Any],
    tables: Mapping[str, Any],
    shift: Mapping[str, float],
    lam: float,
    lam_large: float,
) -> list[Claim]:
    """The claims of Fig 4 and Table 1, each against the initial model."""
    from .. import claims as C

    p = r.problem
    x_test, labels_test, targets = p["x_test"], p["labels_test"], p["targets"]
    results, J_init = m["results"], m["J_init"]
    with torch.no_grad():
        init_test = r.initial(x_test)
    where = {"small": f" (lambda = {lam:g})", "large": f" (lambda = {lam_large:g})"}
    both = f" at the last epoch (lambda = {lam:g} and {lam_large:g})"
    claims = [
        C.reach_targets(m["final"]["shooting"], labels_test, targets)
        .about("fig4")
        .versus(C.reach_targets(init_test, labels_test, targets), "initial model"),
        C.beats_baseline(
            results["shooting"]["J"], J_init, "the initial cost", 50, "training cost J"
        )
        .about("fig4")
        .versus(
            C.beats_baseline(J_init, J_init, "the initial cost", 50, "training cost J"),
            "initial model",
        ),
        C.within_factor(
            results["shooting"]["J"], results["Adam"]["J"], "Adam's", 2, "shooting's training cost"
        )
        .about("abstract.method")
        .versus(
            C.within_factor(J_init, results["Adam"]["J"], "Adam's", 2, "shooting's training cost"),
            "initial model",
        ),
    ]
    for tag in ("large", "small"):  # claims[3] and claims[4]
        reg = r.regions[tag]
        claims.append(
            C.ends_in_convex_region(reg["distance_end"], reg["radius_min"], where[tag])
            .about("table1")
            .versus(
                C.ends_in_convex_region(reg["distance_initial"], reg["radius_min"], where[tag]),
                "initial model",
            )
        )
    claims.append(
        C.data_term_convex(
            min(n["table1_data_min_end_small"], n["table1_data_min_end_large"]), both
        )
        .about("table1")
        .versus(
            C.data_term_convex(
                min(
                    float(t["min"].iloc[0]) - shift[k]
                    for k, t in (("small", tables["small"]), ("large", tables["large"]))
                ),
                both,
            ),
            "initial model",
        )
    )
    return claims


def _headline(
    claims: Sequence[Claim],
    regions: Mapping[str, Mapping[str, Any]],
    n: Mapping[str, Any],
    shift: Mapping[str, float],
    lam: float,
    lam_large: float,
) -> str:
    """The page's sentence on Table 1, from the claims on the convex regions (3 to 5)."""
    from .convexity import two_digits

    rs, rl = regions["small"], regions["large"]
    return (
        "Read as evidence of local convexity, Table 1 is "
        + (
            "reproduced"
            if all(c.holds for c in claims[3:])
            else "reproduced only partly"
            if any(c.holds for c in claims[3:])
            else "not reproduced"
        )
        + f": with lambda = {lam_large:g} training ends "
        + ("inside" if claims[3].holds else "outside")
        + f" the locally convex region around its minimiser (radius {rl['radius_min']:.2g}, "
        + (
            f"distance {rl['distance_end']:.2g}"
            if rl["distance_end"] >= 1e-3
            else "distance below 1e-3"
        )
        + f"); with the Fig 4 value lambda = {lam:g} it ends "
        + (
            "inside it"
            if claims[4].holds
            else f"about {two_digits(rs['region_ratio'])} radii away from it "
            f"(radius {rs['radius_min']:.2g}, distance {rs['distance_end']:.2g})"
        )
        + "; and at both the data term's own Hessian is "
        + (
            "positive semi-definite."
            if claims[5].holds
            else "indefinite at the last epoch ("
            f"smallest eigenvalue {n['table1_data_min_end_small']:.1e} and "
            f"{n['table1_data_min_end_large']:.1e})"
            + (
                f": the non-negative spectrum of J at lambda = {lam_large:g} is the Tikhonov "
                f"shift 2 lambda h = {shift['large']:g} added to it."
                if n["table1_min_end_large"] >= 0
                else "."
            )
        )
    )


def numbers(
    r: Fig04Runs,
    *,
    n_test: int,
    lam: float,
    lam_large: float,
    iterations: int,
    hessian_at: list[int],
) -> Numbers:
    """Fig 4's and Table 1's named numbers, the claims (see :func:`fig04`), the summary, and
    the details: Table 1 for each lambda and the region table, the Hessian logs, the regions,
    histories, the test points' final states and each run's measures."""
    from .convexity import region_table_frame

    m, lines = _measure(r, lam)
    lines.append(f"lambda = {lam_large:g}: test accuracy = {m['acc_large']:.3f}")
    tables = {tag: logger.table() for tag, logger in r.hessian.items()}
    shift = {"small": tikhonov_shift(r.initial, lam), "large": tikhonov_shift(r.initial, lam_large)}
    n = _fig4_numbers(m, n_test)
    n.update(_table1_numbers(tables, shift, hessian_at, iterations, m["acc_large"]))
    region_numbers, region_lines = _region_numbers(r.regions)
    n.update(region_numbers)
    lines += region_lines
    claims = _claims(r, m, n, tables, shift, lam, lam_large)
    n["table1_text_headline"] = _headline(claims, r.regions, n, shift, lam, lam_large)
    details = dict(
        tables={
            "table1_small": _table1(r.hessian["small"], shift["small"]),
            "table1_large": _table1(r.hessian["large"], shift["large"]),
            "table1_region": region_table_frame(
                {lam: r.regions["small"], lam_large: r.regions["large"]}, [lam, lam_large]
            ),
        },
        hessian={"small": tables["small"], "large": tables["large"], "early": tables["early"]},
        regions=r.regions,
        histories={name: tr.history for name, tr in r.runs.items()},
        final_states=m["final"],
        labels_test=r.problem["labels_test"],
        targets=r.problem["targets"],
        results=m["results"],
        J_init=m["J_init"],
        hessian_at=hessian_at,
    )
    return Numbers(n, claims, lines, details)


# -- draw -------------------------------------------------------------------------------------


def draw(r: Fig04Runs) -> dict[str, Figure]:
    """Fig 4: classification by the shooting run (the paper's left panel), the architecture
    (its right panel) and the training costs of both runs (ours)."""
    import matplotlib.pyplot as plt

    x, labels, targets = r.x, r.problem["labels"], r.problem["targets"]
    runs, arch = r.runs, r.initial.arch
    model = runs["shooting"].model
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.6), width_ratios=[1.0, 1.3, 0.95])
    ax = axes[0]
    phases = analysis.phase_trajectories(model, x)
    panels.plot_classes(ax, x, labels, hollow=True, s=9)
    for _seg, traj in phases:
        draw_phase(ax, traj, labels)
    markers = {"encoder": "^", "bottleneck": "s"}
    for seg, traj in phases[:-1]:
        panels.plot_classes(ax, traj[-1], labels, s=8, marker=markers[seg.phase], alpha=0.7)
    panels.plot_classes(ax, phases[-1][1][-1], labels, s=9)
    panels.plot_targets(ax, targets)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(-2.2, 2.2), ylim=(-1.6, 1.6), aspect="equal")
    ax.set_title("classification, natural turn-off")
    handles = [
        legend_marker("o", False, label="data"),
        legend_marker("^", label="end of initial phase"),
        legend_marker("s", label="end of encoding phase"),
        legend_marker("o", label="final state"),
        legend_marker("*", False, ms=9, label="class targets"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncol=2,
        fontsize=7,
        handletextpad=0.2,
        columnspacing=0.8,
    )
    diagrams.draw_embedding(axes[1], arch)
    axes[1].set_title("AutoencODE $2 \\to 1 \\to 2$: $x_2$ off in the middle phase", pad=14)
    panels.plot_cost_curves(
        axes[2],
        {"shooting (gradient)": runs["shooting"].history, "Adam": runs["Adam"].history},
        styles={"shooting (gradient)": "-", "Adam": "--"},
    )
    axes[2].set_title("training cost, same initial weights")
    fig.tight_layout()
    return {"main": fig}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig04",
    notebook="fig04_table1_natural_turn_off",
    title="Fig 4 and Table 1: the natural turn-off, and the Hessian across epochs",
    defaults=_defaults,
    threads=1,
    control={"iterations": 0, "n_directions": 1, "shooting_iterations": 20},
)
def fig04(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    n_test: int,
    L: int,
    T: float,
    lam: float,
    lam_large: float,
    iterations: int,
    lr_gradient: float,
    lr_gradient_large: float,
    lr_adam: float,
    hessian_at: Sequence[int],
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    seed: int,
    **_: Any,
) -> Result:
    """Fig 4 (classification, natural turn-off: shooting against Adam) and Table 1 (extreme
    Hessian eigenvalues of J and of its data term at ``hessian_at`` for ``lam`` and
    ``lam_large``; for each, the minimiser the run heads for and the locally convex region
    around it, :func:`autoencode.experiments.convexity.region_analysis`).

    Its claims (``Result.claims``), each against the initial model: ``fig4``, the classes
    moved onto their targets by the flow trained by shooting
    (:func:`~autoencode.claims.reach_targets`) and the cost down by 50 times;
    ``abstract.method``, the shooting method's cost within a factor 2 of Adam's; ``table1``,
    each run ends inside the convex region around its minimiser
    (:func:`~autoencode.claims.ends_in_convex_region`) and the data term's Hessian at the last
    epoch is positive semi-definite (:func:`~autoencode.claims.data_term_convex`)."""
    hessian_at = list(hessian_at)
    scan = dict(
        gtol=gtol,
        n_directions=n_directions,
        radius_first=radius_first,
        scales=scales,
        shooting_iterations=shooting_iterations,
    )
    r = compute(
        n_train=n_train,
        n_test=n_test,
        L=L,
        T=T,
        lam=lam,
        lam_large=lam_large,
        iterations=iterations,
        lr_gradient=lr_gradient,
        lr_gradient_large=lr_gradient_large,
        lr_adam=lr_adam,
        hessian_at=hessian_at,
        scan=scan,
        seed=seed,
    )
    out = numbers(
        r, n_test=n_test, lam=lam, lam_large=lam_large, iterations=iterations, hessian_at=hessian_at
    )
    return Result(
        "fig04",
        {},
        numbers=out.numbers,
        figures=draw(r),
        summary="\n".join(out.summary),
        claims=out.claims,
        details=out.details,
    )
