"""The numbers and tables of the chapter "Local convexity", from its measurements
(:func:`autoencode.experiments.convexity_measure.measure_local_convexity`).

* :func:`page_numbers`: the page's numbers (``lc_...``, by lambda, its sentences, the MNIST
  model's), its claims and the result's details;
* :func:`region_table_frame`: the table of the region analyses, one row per lambda.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .convexity_claims import convex_epoch_text, headline_text, low_lambda_claims, shift_text
from .convexity_sweep import first_convex_epoch

if TYPE_CHECKING:
    from ..claims import Claim

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = ["page_numbers", "region_table_frame"]


#: Names of the lambdas in the reported quantities (``lc_min_end_lam1e-4`` ...).
_TAG = {1e-4: "1e-4", 1e-3: "1e-3", 1e-2: "1e-2", 1e-1: "1e-1", 1.0: "1"}


def _tag(lam: float) -> str:
    return _TAG.get(float(lam), f"{lam:g}")


def _summary_table(table: DataFrame, lams: Sequence[float], iterations: int) -> DataFrame:
    """The convexity map's table, one row per lambda: its first convex epoch and its run's
    last logged row."""
    import pandas as pd

    rows = []
    for lam in lams:
        t = table[table.lam == lam].sort_values("epoch")
        first = first_convex_epoch(table, lam)
        rows.append(
            {
                "lambda": f"{lam:g}",
                "first convex epoch": f"not within {iterations} epochs" if first is None else first,
                "min at the end": f"{t['min'].iloc[-1]:.2e}",
                "max at the end": f"{t['max'].iloc[-1]:.3f}",
                "negative at the end": int(t["n_negative"].iloc[-1]),
                "negative at epoch 0": int(t["n_negative"].iloc[0]),
                "J at the end": f"{t['J'].iloc[-1]:.4f}",
            }
        )
    return pd.DataFrame(rows).set_index("lambda")


def region_table_frame(regions: dict[float, dict[str, Any]], lams: Sequence[float]) -> DataFrame:
    """The region analyses ``regions`` (by lambda, as
    :func:`autoencode.experiments.convexity_region.region_analysis` returns them) as a table,
    one row per lambda of ``lams``."""
    import pandas as pd

    rows = []
    for lam in lams:
        r = regions[lam]
        far = [x["scale"] for x in r["shooting"] if x["converges"]]
        one = next(x for x in r["shooting"] if x["scale"] == 1.0)
        rows.append(
            {
                "lambda": f"{lam:g}",
                "|grad J| at theta*": f"{r['grad_star']:.1e}",
                "J: min eig": f"{r['J_min']:.2e}",
                "J: max eig": f"{r['J_max']:.3f}",
                "data term: min eig": f"{r['data_min']:.2e}",
                "data term: max eig": f"{r['data_max']:.3f}",
                "2 lambda h": f"{r['shift']:.0e}",
                "radius: min": f"{r['radius_min']:.3g}",
                "radius: median": f"{r['radius_median']:.3g}",
                "|theta*|": f"{r['theta_norm']:.2f}",
                "|theta_end - theta*|": f"{r['distance_end']:.2g}",
                "shooting rate (s = 1)": f"1 - {1 - one['rate']:.1e}",
                "predicted rate": f"1 - {1 - r['predicted_rate']:.1e}",
                "converges from s <=": max(far) if far else "none",
            }
        )
    return pd.DataFrame(rows).set_index("lambda")


def _lambda_numbers(
    table: DataFrame,
    regions: dict[float, dict[str, Any]],
    lams: Sequence[float],
    stability: dict[float, tuple[bool, float]],
) -> tuple[dict[float, Any], dict[float, Any], dict[float, int | None], dict[str, Any]]:
    """The first and last logged rows of each run,
    :func:`autoencode.experiments.convexity_sweep.first_convex_epoch` by lambda, and
    the page's numbers of each lambda (``lc_..._lam<lambda>``)."""
    t_end = {lam: table[table.lam == lam].sort_values("epoch").iloc[-1] for lam in lams}
    t_start = {lam: table[table.lam == lam].sort_values("epoch").iloc[0] for lam in lams}
    first = {lam: first_convex_epoch(table, lam) for lam in lams}
    numbers: dict[str, Any] = {}
    for lam in lams:
        s = _tag(lam)
        r = regions[lam]
        one = next(x for x in r["shooting"] if x["scale"] == 1.0)
        far = [x["scale"] for x in r["shooting"] if x["converges"]]
        numbers[f"lc_first_convex_lam{s}"] = -1 if first[lam] is None else first[lam]
        numbers[f"lc_min_end_lam{s}"] = float(t_end[lam]["min"])
        numbers[f"lc_max_end_lam{s}"] = float(t_end[lam]["max"])
        numbers[f"lc_neg_end_lam{s}"] = int(t_end[lam]["n_negative"])
        numbers[f"lc_neg0_lam{s}"] = int(t_start[lam]["n_negative"])
        numbers[f"lc_J_end_lam{s}"] = float(t_end[lam]["J"])
        numbers[f"lc_step_lmax_lam{s}"] = stability[lam][1]
        numbers[f"lc_data_min_end_lam{s}"] = r["data_min_end"]
        numbers[f"lc_grad_end_lam{s}"] = r["grad_end"]
        numbers[f"lc_distance_end_lam{s}"] = r["distance_end"]
        numbers[f"lc_grad_star_lam{s}"] = r["grad_star"]
        numbers[f"lc_J_star_lam{s}"] = r["J_star"]
        numbers[f"lc_theta_norm_lam{s}"] = r["theta_norm"]
        numbers[f"lc_star_min_lam{s}"] = r["J_min"]
        numbers[f"lc_star_max_lam{s}"] = r["J_max"]
        numbers[f"lc_star_data_min_lam{s}"] = r["data_min"]
        numbers[f"lc_star_data_max_lam{s}"] = r["data_max"]
        numbers[f"lc_shift_lam{s}"] = r["shift"]
        numbers[f"lc_radius_min_lam{s}"] = r["radius_min"]
        numbers[f"lc_radius_median_lam{s}"] = r["radius_median"]
        numbers[f"lc_radius_soft_lam{s}"] = r["radius_soft"]
        numbers[f"lc_radius_share_lam{s}"] = r["radius_min"] / r["theta_norm"]
        numbers[f"lc_region_ratio_lam{s}"] = r["region_ratio"]
        numbers[f"lc_contraction_lam{s}"] = 1.0 - one["rate"]
        numbers[f"lc_contraction_pred_lam{s}"] = 1.0 - r["predicted_rate"]
        numbers[f"lc_shrink_lam{s}"] = one["end"] / one["start"]
        numbers[f"lc_farthest_lam{s}"] = max(far) if far else 0.0
    return t_start, t_end, first, numbers


def _mnist_numbers(mnist_table: DataFrame, p: dict[str, Any], n_mnist: int) -> dict[str, Any]:
    """The page's numbers of the MNIST model (``lc_mnist_...``) and its sentence, from the
    table of :func:`autoencode.experiments.convexity_mnist.lanczos_along_training`, the
    settings ``p`` and the number of parameters."""
    numbers: dict[str, Any] = {}
    mean_s = float(mnist_table["seconds"].mean())
    numbers["lc_mnist_n_params"] = n_mnist
    numbers["lc_mnist_seconds"] = mean_s
    for _, r in mnist_table.iterrows():
        it = int(r["iteration"])
        numbers[f"lc_mnist_min_{it}"] = float(r["min"])
        numbers[f"lc_mnist_max_{it}"] = float(r["max"])
        numbers[f"lc_mnist_J_{it}"] = float(r["J"])
    first_r, last_r = mnist_table.iloc[0], mnist_table.iloc[-1]
    indefinite = bool((mnist_table["min"] < 0).all())
    numbers["lc_mnist_text"] = (
        f"At every logged iteration the smallest eigenvalue is "
        f"{'negative' if indefinite else 'not always negative'} "
        f"({first_r['min']:.2f} at iteration {int(first_r['iteration'])}, {last_r['min']:.2f} at "
        f"iteration {int(last_r['iteration'])}), against a largest of {first_r['max']:.0f} and "
        f"{last_r['max']:.0f}: early in training, at the low lambda = {p['lam']:g} of the MNIST "
        f"experiment, the landscape is "
        + (
            "not locally convex, as along the 2D problem's training runs at low lambda; whether "
            "the fully trained network sits in a convex region we do not measure here."
            if indefinite
            else "locally convex at some logged iteration."
        )
    )
    return numbers


def page_numbers(
    m: dict[str, Any],
    lams: Sequence[float],
    iterations: int,
    low: float,
    radius_first: float,
) -> tuple[dict[str, Any], list[Claim], dict[str, Any]]:
    """The page's numbers (by lambda, its sentences, the MNIST model's), its claims and the
    result's details (tables and per-lambda rows), from the measurements ``m`` of
    :func:`autoencode.experiments.convexity_measure.measure_local_convexity`."""
    table, regions, stability = m["table"], m["regions"], m["stability"]
    t_start, t_end, first, numbers = _lambda_numbers(table, regions, lams, stability)
    claims = low_lambda_claims(regions, lams, low, radius_first)
    numbers["lc_text_headline"] = headline_text(
        regions, lams, low, radius_first, iterations, claims
    )
    numbers["lc_text_shift"] = shift_text(regions, lams)
    numbers["lc_text_convex"] = convex_epoch_text(first, lams)
    numbers.update(_mnist_numbers(m["mnist_table"], m["mnist_settings"], m["n_mnist"]))
    details = dict(
        table=table,
        summary_table=_summary_table(table, lams, iterations),
        stability=stability,
        t_start=t_start,
        t_end=t_end,
        first=first,
        mnist_table=m["mnist_table"],
        mnist_settings=m["mnist_settings"],
        regions=regions,
        region_table=region_table_frame(regions, lams),
    )
    return numbers, claims, details
