"""The numbers of Fig 4 and Table 1 (:func:`autoencode.experiments.fig04.fig04`).

:func:`numbers` measures the runs of :func:`autoencode.experiments.fig04_compute.compute`:
the costs and test accuracies of Fig 4, the extreme Hessian eigenvalues of Table 1 at the
logged epochs (of J and of its data term), the minimiser and convex region of each shooting
run; it names them, adds the claims and the sentence on Table 1
(:mod:`autoencode.experiments.fig04_claims`) and writes the summary and the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ..data import toy2d
from ..hessian import HessianLogger, tikhonov_shift
from .common import count_parameters
from .fig04_claims import claims_of_fig04, table1_headline
from .fig04_compute import Fig04Runs
from .registry import Numbers

__all__ = ["numbers"]


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


def numbers(
    r: Fig04Runs,
    *,
    n_test: int,
    lam: float,
    lam_large: float,
    iterations: int,
    hessian_at: list[int],
) -> Numbers:
    """Fig 4's and Table 1's named numbers, the claims (see
    :func:`autoencode.experiments.fig04.fig04`), the summary, and the details: Table 1 for
    each lambda and the region table, the Hessian logs, the regions, histories, the test
    points' final states and each run's measures."""
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
    claims = claims_of_fig04(r, m, n, tables, shift, lam, lam_large)
    n["table1_text_headline"] = table1_headline(claims, r.regions, n, shift, lam, lam_large)
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
