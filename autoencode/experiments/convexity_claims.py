"""What the chapter "Local convexity" asserts: its claims (row ``abstract.convexity``, at low
lambda, each against the initial model) and the page's sentences that read its numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..claims import Claim

__all__ = [
    "two_digits",
    "low_lambda_claims",
    "headline_text",
    "shift_text",
    "convex_epoch_text",
]


def two_digits(v: float) -> str:
    """``v`` rounded to two significant digits, written plainly (741.1 -> "740"): a sentence
    that round-off cannot change."""
    return f"{float(f'{v:.2g}'):g}"


def low_lambda_claims(
    regions: dict[float, dict[str, Any]], lams: Sequence[float], low: float, radius_first: float
) -> list[Claim]:
    """The claims: the abstract's, in the low-regularisation regime lambda <= ``low``; the
    negative control is the initial model (the same measures at the initial weights theta_0).
    Empty when no lambda is that low."""
    from .. import claims as C

    low_lams = [lam for lam in lams if lam <= low]
    claims: list[C.Claim] = []
    if low_lams:
        where = f" (every lambda <= {low:g})"
        worst_r = min(low_lams, key=lambda v: regions[v]["radius_min"])
        claims.append(
            C.convex_region(regions[worst_r]["radius_min"], radius_first, where)
            .about("abstract.convexity")
            .versus(
                C.convex_region(
                    max(regions[v]["radius_initial"] for v in low_lams), radius_first, where
                ),
                "initial model",
            )
        )
        worst_d = max(
            low_lams,
            key=lambda v: regions[v]["distance_end"] / max(regions[v]["radius_min"], 1e-300),
        )
        rw = regions[worst_d]
        claims.append(
            C.ends_in_convex_region(rw["distance_end"], rw["radius_min"], where)
            .about("abstract.convexity")
            .versus(
                C.ends_in_convex_region(rw["distance_initial"], rw["radius_min"], where),
                "initial model",
            )
        )
        inside = [
            x["max_ratio"] for v in low_lams for x in regions[v]["shooting"] if x["scale"] <= 1
        ]
        if inside:
            claims.append(
                C.contracts_to(
                    max(inside), f" from inside the convex region (s <= 1, every lambda <= {low:g})"
                )
                .about("abstract.convexity")
                .by_construction()
            )
    return claims


def headline_text(
    regions: dict[float, dict[str, Any]],
    lams: Sequence[float],
    low: float,
    radius_first: float,
    iterations: int,
    claims: Sequence[Claim],
) -> str:
    """The page's headline sentence: the claims' verdict at low regularisation, from the
    numbers."""
    low_lams = [lam for lam in lams if lam <= low]
    r_low = {v: regions[v] for v in low_lams}
    held = [c.holds for c in claims if not c.sanity]
    if not low_lams:
        return f"No lambda <= {low:g} is among those run."
    worst_r = min(low_lams, key=lambda v: regions[v]["radius_min"])
    lo = min(low_lams)
    r1 = regions[lo]
    verdict = (
        "reproduced"
        if held and all(held)
        else "partly reproduced"
        if any(held)
        else "not reproduced"
    )
    return (
        f"At low regularisation (lambda <= {low:g}) the paper's claim is {verdict} here: "
        + (
            "around each minimiser J is locally convex in a region of radius "
            f"{min(r['radius_min'] for r in r_low.values()):.2g} or more, and the shooting "
            "method converges linearly inside it, "
            if regions[worst_r]["radius_min"] >= radius_first
            else "no locally convex region around the minimiser is found at our resolution, "
        )
        + (
            f"but that region is small (radius {r1['radius_min']:.2g} at lambda = {lo:g}, "
            f"{100 * r1['radius_min'] / r1['theta_norm']:.2g} % of |theta*|), and "
            f"{iterations} epochs of the shooting method from the initial weights do not "
            "enter it: they end "
            f"about {two_digits(min(r['region_ratio'] for r in r_low.values()))} to "
            f"{two_digits(max(r['region_ratio'] for r in r_low.values()))} "
            "radii away from the minimiser."
            if not claims[1].holds
            else f"and {iterations} epochs of training end inside it."
        )
    )


def shift_text(regions: dict[float, dict[str, Any]], lams: Sequence[float]) -> str:
    """The page's sentence on the data term's Hessian at each minimiser."""
    shift_only = [lam for lam in lams if regions[lam]["data_min"] < 0 <= regions[lam]["J_min"]]
    return (
        (
            "At every minimiser where J's Hessian is positive definite, the data term's own "
            "Hessian is indefinite ("
            + ", ".join(
                f"smallest eigenvalue {regions[lam]['data_min']:.2g} against a shift "
                f"2 lambda h = {regions[lam]['shift']:.0e} at lambda = {lam:g}"
                for lam in shift_only
            )
            + "): the convexity of J there is the Tikhonov term's shift, added to a data term "
            "that is not convex."
        )
        if len(shift_only) == len(lams)
        else (
            "The data term's own Hessian is positive semi-definite at the minimiser for lambda = "
            + ", ".join(f"{lam:g}" for lam in lams if lam not in shift_only)
            + "."
        )
    )


def convex_epoch_text(first: dict[float, int | None], lams: Sequence[float]) -> str:
    """The page's sentence on the first convex epoch of each run."""
    convex = [lam for lam in lams if first[lam] is not None]
    return (
        (
            "Along the runs themselves, the smallest eigenvalue of J's Hessian becomes and stays "
            "non-negative for "
            + ", ".join(f"lambda = {lam:g} (from epoch {first[lam]})" for lam in convex)
            + "; for the other values it is still negative at the last epoch, "
            "where the runs have not reached their minimiser (see the table above)."
        )
        if convex
        else "Along the runs themselves, the smallest eigenvalue of J's Hessian does not become "
        "and stay non-negative for any lambda."
    )
