"""The claims the figures make, as checks that can fail.

Each function returns a :class:`Claim`: what is claimed, the measured value, the
threshold, and whether it holds. A claim is only worth checking if it can fail: the
test suite (``tests/test_claims.py``) evaluates every one of them on the untrained
(initial) model, or for Fig 10 on the wrong model, and shows that it fails there.
Facts that hold by construction (a reset model has no leak; the shown pairs are the
closest) are kept in the notebooks as *sanity checks*, labelled as such, not here.

Thresholds are ours (see the book's reproduction notes); they sit far from both the
trained and the initial values, so round-off on another CPU cannot flip them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch

__all__ = [
    "Claim",
    "ClaimFailed",
    "assert_claims",
    "reach_targets",
    "class_gap",
    "enters_convex_region",
    "beats_baseline",
    "keeps_order",
    "decoded_means_recognisable",
    "no_leak",
    "leak_detected",
    "bottleneck_more_even",
    "convex_at_large_lambda",
    "deep_limit_converges",
]


class ClaimFailed(AssertionError):
    """A figure's claim does not hold for the model it was checked on."""


@dataclass(frozen=True)
class Claim:
    statement: str
    value: float
    threshold: float
    holds: bool

    def __bool__(self) -> bool:
        return self.holds

    def __str__(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        return (
            f"{verdict}: {self.statement} (measured {self.value:.4g}, "
            f"threshold {self.threshold:.4g})"
        )


def assert_claims(*claims: Claim | Iterable[Claim]) -> None:
    """Raise :class:`ClaimFailed` listing every claim that does not hold."""
    flat: list[Claim] = []
    for c in claims:
        flat.extend([c] if isinstance(c, Claim) else list(c))
    failed = [c for c in flat if not c.holds]
    if failed:
        raise ClaimFailed("claim(s) not reproduced:\n  " + "\n  ".join(map(str, failed)))


def reach_targets(
    xL: torch.Tensor,
    labels: torch.Tensor,
    targets: Sequence[Sequence[float]],
    radius: float = 0.5,
    share: float = 0.99,
) -> Claim:
    """Figs 4-5: at least ``share`` of the points end within ``radius`` of their class's target.

    Stronger than nearest-target accuracy, which a random flow can already reach when
    the class sits in the kept component (1.0 for Fig 4 at initialisation); at
    initialisation no point is within 0.5 of its target.
    """
    t = torch.as_tensor(targets, dtype=xL.dtype, device=xL.device)[labels.to(xL.device)]
    got = float(((xL - t).norm(dim=1) <= radius).to(torch.float64).mean())
    return Claim(
        f"share of points within {radius} of their class target >= {share}",
        got,
        share,
        got >= share,
    )


def class_gap(latent: torch.Tensor, labels: torch.Tensor) -> Claim:
    """Fig 5: the two classes are separated by a threshold on the one latent component."""
    z = latent.reshape(len(latent), -1)[:, 0]
    labels = labels.to(z.device)
    lo, hi = sorted((z[labels == 0], z[labels == 1]), key=lambda v: float(v.mean()))
    gap = float(hi.min() - lo.max())
    return Claim("gap between the classes along the kept component > 0", gap, 0.0, gap > 0)


def enters_convex_region(min_eigenvalue_at_end: float) -> Claim:
    """Table 1: the smallest Hessian eigenvalue at the last logged epoch is >= 0."""
    v = float(min_eigenvalue_at_end)
    return Claim("smallest Hessian eigenvalue at the end of training >= 0", v, 0.0, v >= 0)


def beats_baseline(
    value: float,
    baseline_value: float,
    baseline: str,
    factor: float = 1.0,
    quantity: str = "test MSE",
) -> Claim:
    """Figs 4, 6 and 8: ``value`` (by default a test error) is below ``baseline_value / factor``."""
    bound = float(baseline_value) / factor
    what = baseline if factor == 1 else f"{baseline} / {factor:g}"
    return Claim(f"{quantity} below {what}", float(value), bound, float(value) < bound)


def keeps_order(rho: float, at_least: float = 0.99) -> Claim:
    """Fig 6: the latent value is monotone in the curve parameter (|Spearman rho| >= 0.99).

    An untrained flow folds part of the curve (|rho| = 0.93 for seed 0).
    """
    r = abs(float(rho))
    return Claim(
        f"|Spearman rho| between latent value and curve parameter >= {at_least}",
        r,
        at_least,
        r >= at_least,
    )


def decoded_means_recognisable(matches: int, at_least: int = 8) -> Claim:
    """Fig 9: decoding a digit's mean latent vector gives an image nearest to that digit's
    mean image, for at least ``at_least`` of the 10 digits (1 of 10 untrained)."""
    return Claim(
        f"decoded latent means nearest to their own digit's mean image (of 10) >= {at_least}",
        float(matches),
        float(at_least),
        int(matches) >= at_least,
    )


def no_leak(leak_at_bottleneck: float, at_most: float = 0.01) -> Claim:
    """Fig 10, right: Delta finds (almost) no sensitivity on turned-off bottleneck nodes.

    For a reset model this holds by construction; the claim is that the same analysis
    **fails** it on the wrong (freeze) model, which the tests show.
    """
    v = float(leak_at_bottleneck)
    return Claim(f"leak at the bottleneck <= {at_most}", v, at_most, v <= at_most)


def leak_detected(
    leak_at_bottleneck: float, mse: float, mse_latent_only: float, at_least: float = 0.5
) -> Claim:
    """Fig 10, left: Delta flags the wrong autoencoder (most of the output's sensitivity on
    turned-off nodes) *and* the flag is right: cutting those nodes off at least doubles
    the reconstruction error."""
    v = float(leak_at_bottleneck)
    ok = v >= at_least and float(mse_latent_only) > 2 * float(mse)
    return Claim(
        f"leak at the bottleneck >= {at_least} and error without the leak > 2x", v, at_least, ok
    )


def bottleneck_more_even(
    evenness_trained: float, evenness_initial: float, margin: float = 0.05
) -> Claim:
    """Fig 11 (ours): at the bottleneck, the trained encoder spreads the data's variance more
    evenly over its active components than the untrained one: the normalised spectral
    entropy S_b / log w_b (1: all active directions equally used) exceeds the initial
    model's by at least ``margin``. Normalising by log w_b removes the dip that the width
    alone forces."""
    t, i = float(evenness_trained), float(evenness_initial)
    return Claim(
        f"S_b / log w_b above the untrained model's by >= {margin}", t - i, margin, t - i >= margin
    )


# -- Beyond the paper: local convexity and the deep limit (notebooks/local_convexity,
# notebooks/deep_limit) ------------------------------------------------------------------


def convex_at_large_lambda(min_eigenvalue_at_end: dict, from_lam: float = 0.1) -> Claim:
    """Local convexity map: for every lambda >= ``from_lam``, the smallest Hessian
    eigenvalue at the last logged epoch is >= 0 (the paper's message: larger
    regularisation, locally convex landscape). On the initial weights it is -0.70 and -0.25.
    """
    vals = [float(v) for lam, v in min_eigenvalue_at_end.items() if float(lam) >= from_lam]
    if not vals:
        raise ValueError(f"no lambda >= {from_lam} among {sorted(min_eigenvalue_at_end)}")
    v = min(vals)
    return Claim(
        f"smallest Hessian eigenvalue at the end >= 0 for every lambda >= {from_lam:g}",
        v,
        0.0,
        v >= 0,
    )


def deep_limit_converges(
    Ls: Iterable[float],
    distances: Iterable[float],
    cost_gaps: Iterable[float],
    grad_norms: Iterable[float],
    gtol: float,
    min_rate: float = 0.5,
) -> list[Claim]:
    """Deep limit: every L-layer problem solved (|grad J|_{L^2} <= gtol), and the trained
    controls and costs approach the finest ones at least like L^(-min_rate).

    ``distances`` and ``cost_gaps`` are against the finest L, which is left out of the
    fit. On the initial controls the gradients are large (and the distances are all zero:
    rate 0).
    """
    import math

    import numpy as np

    Ls = [float(L) for L in Ls][:-1]
    out = []
    g = max(float(v) for v in grad_norms)
    out.append(
        Claim(f"every L-layer problem stationary: max |grad J|_L2 <= {gtol:g}", g, gtol, g <= gtol)
    )
    for what, vals in (
        ("L2 distance of theta_L to the finest control", distances),
        ("|J_L - J_finest|", cost_gaps),
    ):
        v = [float(d) for d in vals][:-1]
        if min(v) <= 0 or not all(map(math.isfinite, v)):
            rate = 0.0
        else:
            rate = float(-np.polyfit(np.log(Ls), np.log(v), 1)[0])
        out.append(
            Claim(
                f"{what} decays at least like L^-{min_rate:g} (fitted rate)",
                rate,
                min_rate,
                rate >= min_rate,
            )
        )
    return out
