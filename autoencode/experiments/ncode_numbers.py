"""The numbers of the two-autoencoders page
(:func:`autoencode.experiments.ncode.two_autoencodes`).

:func:`numbers` names what :func:`autoencode.experiments.ncode_compute.compute` measured
(the ``nc_*`` numbers), checks the claims (each model beats PCA and the mean image, against
its initial model; then N-CODE's own, :mod:`autoencode.experiments.ncode_claims`) and writes
the summary's table.
"""

from __future__ import annotations

from typing import Any

from .. import claims
from . import ncode_claims
from .ncode_compute import TwoAutoencodesRuns
from .registry import Numbers

__all__ = ["numbers"]


def _table(r: TwoAutoencodesRuns) -> list[str]:
    """The summary's lines on the data, the test errors, parameters and training cost."""
    mse, n_params, sec, iters, wb = r.mse, r.n_params, r.seconds, r.iters, r.wb
    lines = [
        f"data: {r.source_name} (source={r.source!r}): {len(r.x_train):,} training and "
        f"{len(r.x_test):,} test images"
    ]
    names = {"ours": "AutoencODE (ours)", "ncode": "N-CODE (our reconstr.)"}
    lines.append(
        f"{'':24}{'test MSE':>9}{'parameters':>12}{'s/step':>8}{'iter. to PCA':>14}{'s to PCA':>10}"
    )
    for k in ("ours", "ncode"):
        it = iters[k]
        lines.append(
            f"{names[k]:24}{mse[k]:9.4f}{n_params[k]:12,}{sec[k]:8.3f}"
            f"{(str(it) if it else 'never'):>14}"
            f"{(f'{it * sec[k]:.0f}' if it else '-'):>10}"
        )
    lines.append(f"{f'PCA, {wb} components':24}{mse['pca']:9.4f}{n_params['pca']:12,}")
    lines.append(f"{'mean training image':24}{mse['mean']:9.4f}{r.x_train.shape[1]:12,}")
    lines.append(
        f"ours: {n_params['ours']:,} stored parameters, {n_params['ours_effective']:,} of them "
        f"can reach the output; N-CODE / ours (those): "
        f"{n_params['ncode'] / n_params['ours_effective']:.2f}"
    )
    return lines


def _named_numbers(r: TwoAutoencodesRuns, iterations: int) -> dict[str, Any]:
    """The page's named numbers (``nc_*``)."""
    mse, mse_initial, n_params, sec = r.mse, r.mse_initial, r.n_params, r.seconds
    numbers: dict[str, Any] = {
        "nc_source": r.source_name,
        "nc_n_train": len(r.x_train),
        "nc_n_test": len(r.x_test),
        "nc_bottleneck": r.wb,
        "nc_iterations": iterations,
        "nc_mse_ours": mse["ours"],
        "nc_mse_ncode": mse["ncode"],
        "nc_mse_pca": mse["pca"],
        "nc_mse_mean": mse["mean"],
        "nc_ratio_ncode_pca": mse["ncode"] / mse["pca"],
        "nc_ratio_ncode_ours": mse["ncode"] / mse["ours"],
        "nc_mse_ours_initial": mse_initial["ours"],
        "nc_mse_ncode_initial": mse_initial["ncode"],
        "nc_params_ours": n_params["ours"],
        "nc_params_ours_effective": n_params["ours_effective"],
        "nc_params_ncode": n_params["ncode"],
        "nc_params_pca": n_params["pca"],
        "nc_params_ratio": n_params["ncode"] / n_params["ours_effective"],
        "nc_seconds_step_ours": sec["ours"],
        "nc_seconds_step_ncode": sec["ncode"],
        "nc_speedup_step": sec["ours"] / sec["ncode"],
    }
    for k in ("ours", "ncode", "pca"):
        numbers[f"nc_kmeans_acc_{k}"] = r.scores[k]["accuracy"]
        numbers[f"nc_nmi_{k}"] = r.scores[k]["nmi"]
        numbers[f"nc_probe_{k}"] = r.scores[k]["probe"]
    for k in ("ours", "ncode"):
        numbers[f"nc_kmeans_acc_{k}_initial"] = r.scores_initial[k]["accuracy"]
        numbers[f"nc_probe_{k}_initial"] = r.scores_initial[k]["probe"]
        numbers[f"nc_energy_{k}"] = r.flows[k]["energy"]
        numbers[f"nc_energy_unit_{k}"] = r.flows[k]["energy_unit_time"]
        numbers[f"nc_energy_unit_{k}_initial"] = r.flows_initial[k]["energy_unit_time"]
        numbers[f"nc_rel_tv_{k}"] = r.flows[k]["relative_tv"]
        numbers[f"nc_rel_tv_{k}_initial"] = r.flows_initial[k]["relative_tv"]
        for L, e in r.depth[k].items():
            numbers[f"nc_depth_mse_{k}_L{L}"] = e
        numbers[f"nc_depth_within_{k}"] = ncode_claims.within(r.depth[k])
    numbers["nc_flow_images"] = len(r.x_flow)
    for k in ("ours", "ncode"):
        it = r.iters[k]
        numbers[f"nc_iters_target_{k}"] = -1 if it is None else it
        numbers[f"nc_seconds_target_{k}"] = -1.0 if it is None else it * sec[k]
    beats = mse["ncode"] < mse["pca"]
    numbers["nc_text_verdict"] = (
        "N-CODE beats PCA with the same bottleneck"
        + (" and our AutoencODE" if mse["ncode"] < mse["ours"] else ", but not our AutoencODE")
        if beats
        else "N-CODE does not beat PCA with the same bottleneck"
    )
    return numbers


def _claims(r: TwoAutoencodesRuns) -> list[claims.Claim]:
    """Each model beats both baselines (PCA; the mean image, by a factor 3), against its
    initial model; then N-CODE's own claims (:func:`.ncode_claims.claims_of_ncode`)."""
    mse, mse_initial = r.mse, r.mse_initial
    checks = []
    init = "initial model (before training)"
    pca_name = f"PCA's ({r.wb} components)"
    for k, who in (("ours", "our AutoencODE's"), ("ncode", "N-CODE's")):
        for base, name, factor in (("pca", pca_name, 1), ("mean", "the mean image's", 3)):
            quantity = f"{who} test MSE"

            def check(value: float) -> claims.Claim:
                return claims.beats_baseline(value, mse[base], name, factor, quantity)  # noqa: B023

            checks.append(
                check(mse[k]).about("two_autoencodes").versus(check(mse_initial[k]), init)
            )
    checks += ncode_claims.claims_of_ncode(r.scores, r.scores_initial, r.flows, r.flows_initial)
    return checks


def numbers(r: TwoAutoencodesRuns, *, iterations: int) -> Numbers:
    """The page's named numbers, the claims (see
    :func:`autoencode.experiments.ncode.two_autoencodes`), the summary, and the details: both
    models and their histories, the errors, codes, flows and depths."""
    named = _named_numbers(r, iterations)
    checks = _claims(r)
    lines = _table(r) + ncode_claims.summary_lines(r.scores, r.scores_initial, r.flows, r.depth)
    details = dict(
        ours=r.ours,
        ncode=r.ncode,
        hist_ours=r.hist_ours,
        hist_ncode=r.hist_ncode,
        mse=r.mse,
        mse_initial=r.mse_initial,
        n_params=r.n_params,
        seconds=r.seconds,
        iters=r.iters,
        wb=r.wb,
        scores=r.scores,
        scores_initial=r.scores_initial,
        flows=r.flows,
        flows_initial=r.flows_initial,
        depth=r.depth,
    )
    return Numbers(named, checks, lines, details)
