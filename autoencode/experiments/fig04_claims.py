"""The claims of Fig 4 and Table 1 (:func:`autoencode.experiments.fig04.fig04`), and the
page's sentence on Table 1 that follows from them.

* :func:`claims_of_fig04`: each claim of the figure and the table, checked on the trained runs
  and, as its negative control, on the initial model;
* :func:`table1_headline`: whether Table 1 is reproduced, read as evidence of local
  convexity, in one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ..claims import Claim
from .fig04_compute import Fig04Runs

__all__ = ["claims_of_fig04", "table1_headline"]


def claims_of_fig04(
    r: Fig04Runs,
    m: Mapping[str, Any],
    n: Mapping[str, Any],
    tables: Mapping[str, Any],
    shift: Mapping[str, float],
    lam: float,
    lam_large: float,
) -> list[Claim]:
    """The claims of Fig 4 and Table 1, each against the initial model.

    ``m``: the measures of the trained runs (``J_init``, per run ``results``, the test points'
    ``final`` states); ``n``: the named numbers of Table 1; ``tables``: the Hessian logs'
    tables (``"small"``, ``"large"``); ``shift``: the Tikhonov term's shift ``2 lambda h`` of
    each. The claims, in this order: the classes reach their targets, the cost is down by 50
    times, the shooting method's cost is within a factor 2 of Adam's (``fig4``,
    ``abstract.method``); the runs with ``lam_large`` and ``lam`` end inside their convex
    regions, and the data term's Hessian is positive semi-definite at the last epoch
    (``table1``)."""
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


def table1_headline(
    claims: Sequence[Claim],
    regions: Mapping[str, Mapping[str, Any]],
    n: Mapping[str, Any],
    shift: Mapping[str, float],
    lam: float,
    lam_large: float,
) -> str:
    """The page's sentence on Table 1, from the claims on the convex regions (3 to 5 of
    :func:`claims_of_fig04`), the ``regions`` of
    :class:`~autoencode.experiments.fig04_compute.Fig04Runs` and the named numbers ``n``."""
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
