"""The claims the figures make, as checks that can fail.

Each function returns a :class:`Claim`: what is claimed, the measured value, the
threshold, and whether it holds. A check is only evidence if it can fail: each experiment
evaluates the same check on a negative control (the initial model, zero weights, the wrong
model, shuffled weights or targets: whichever a sceptic would try first) and attaches it
(:meth:`Claim.versus`); the pages refuse a check that holds on its control, and
``tests/test_claims.py`` shows each one failing there. Facts that hold by construction are
*sanity checks* (:meth:`Claim.by_construction`), reported and never counted as evidence.

Thresholds are ours (see the book's reproduction notes); they sit far from both the
trained and the control values, so round-off on another CPU cannot flip them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import torch

__all__ = [
    "Claim",
    "ClaimFailed",
    "assert_claims",
    "reach_targets",
    "class_gap",
    "ends_in_convex_region",
    "data_term_convex",
    "within_factor",
    "beats_baseline",
    "keeps_order",
    "encodes_position",
    "decoded_means_recognisable",
    "no_leak",
    "leak_detected",
    "bottleneck_even",
    "convex_region",
    "contracts_to",
    "deep_limit_converges",
    "lowers_cost",
    "stationary",
    "same_stationary_cost",
]


class ClaimFailed(AssertionError):
    """A figure's claim does not hold for the model it was checked on."""


@dataclass(frozen=True)
class Claim:
    """One check of one claim: what is claimed, the measured value, the threshold, whether it
    holds; and, once attached with :meth:`about` and :meth:`versus`, which row of the Verdicts
    table it supports (:data:`autoencode.verdicts.CLAIMS`) and what the same check gives on a
    negative control (the initial model, zero weights, the wrong model, shuffled targets).

    A check that holds by construction is a *sanity* check (``sanity=True``): it is reported,
    and never counted as evidence.
    """

    statement: str
    value: float
    threshold: float
    holds: bool
    key: str = ""
    control: str = ""
    control_value: float | None = None
    control_holds: bool | None = None
    sanity: bool = False

    def __bool__(self) -> bool:
        return self.holds

    def __str__(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        text = (
            f"{verdict}: {self.statement} (measured {self.value:.4g}, "
            f"threshold {self.threshold:.4g})"
        )
        if self.sanity:
            text += " [sanity check: true by construction]"
        elif self.control:
            on = "holds" if self.control_holds else "fails"
            text += f"; on the {self.control}: {self.control_value:.4g}, {on}"
        return text

    def about(self, key: str) -> Claim:
        """This check, as evidence for row ``key`` of the Verdicts table."""
        return replace(self, key=key)

    def versus(self, control: Claim, name: str) -> Claim:
        """This check with its negative control attached: ``control`` is the same check
        evaluated on the model named ``name`` (``"initial model"``, ``"zero weights"``, ...)."""
        if control.statement != self.statement:
            raise ValueError(
                f"the control checks something else: {control.statement!r} is not "
                f"{self.statement!r}; evaluate the same check on the control"
            )
        return replace(self, control=name, control_value=control.value, control_holds=control.holds)

    def by_construction(self) -> Claim:
        """This check, labelled a sanity check (true by construction, never evidence)."""
        return replace(self, sanity=True)

    @property
    def can_fail(self) -> bool:
        """A control is attached and the check fails on it."""
        return bool(self.control) and self.control_holds is False


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
    targets: torch.Tensor | Sequence[Sequence[float]],
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


def ends_in_convex_region(distance: float, radius: float, where: str = "") -> Claim:
    """Table 1 and local convexity: training ends inside the locally convex region around the
    minimiser it heads for: ``|theta_end - theta*| <= r``, with r the smallest radius (over the
    sampled directions) within which the Hessian of J stays positive semi-definite around
    theta* (:func:`autoencode.hessian.convex_radius`). The value is the ratio distance / r.

    On the initial model the ratio is ``|theta_0 - theta*| / r``, hundreds or more.
    """
    d, r = float(distance), float(radius)
    ratio = d / r if r > 0 else float("inf")
    return Claim(
        f"training ends inside the convex region around its minimiser{where}: "
        "|theta_end - theta*| / r_min <= 1",
        ratio,
        1.0,
        ratio <= 1.0,
    )


def data_term_convex(min_eigenvalue: float, where: str = "") -> Claim:
    """Table 1: the Hessian of the data term alone (J without its Tikhonov shift 2 lambda h)
    is positive semi-definite: its smallest eigenvalue is >= 0. At the initial model it is
    about -0.75."""
    v = float(min_eigenvalue)
    return Claim(f"smallest eigenvalue of the data term's Hessian{where} >= 0", v, 0.0, v >= 0)


def within_factor(
    value: float, reference: float, reference_name: str, factor: float, quantity: str
) -> Claim:
    """``value <= factor * reference`` (e.g. the shooting method's cost against Adam's)."""
    v, bound = float(value), float(factor) * float(reference)
    return Claim(f"{quantity} within a factor {factor:g} of {reference_name}", v, bound, v <= bound)


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
    """The latent value is monotone in the curve parameter (``|Spearman rho| >= 0.99``).

    An untrained flow folds part of the curve (``|rho| = 0.93`` for Fig 6, seed 0), but the
    zero-weight network, whose latent is x1 itself, passes it: on its own it is no claim for
    Fig 6, whose check is :func:`encodes_position`.
    """
    r = abs(float(rho))
    return Claim(
        f"|Spearman rho| between latent value and curve parameter >= {at_least}",
        r,
        at_least,
        r >= at_least,
    )


def encodes_position(
    rho: float,
    x: torch.Tensor,
    x_decoded: torch.Tensor,
    radius: float = 0.1,
    at_least: float = 0.99,
) -> Claim:
    """Fig 6: the one latent number encodes the position along the curve *and* the decoder
    maps it back: the smaller of ``|Spearman rho|`` (latent value against the curve parameter)
    and the share of points decoded within ``radius`` of themselves is >= ``at_least``.

    Order alone cannot fail on the natural turn-off: with zero weights the latent *is* x1,
    the curve parameter (rho = 1), but the decoder returns (x1, 0), off the curve (share 0.12
    within 0.1 on the sine arc of Fig 6). A decoder that brings almost every point back close
    to itself needs a latent that tells the points apart.
    """
    err = (x_decoded.reshape(len(x), -1) - x.reshape(len(x), -1)).norm(dim=1)
    share = float((err <= radius).to(torch.float64).mean())
    v = min(abs(float(rho)), share)
    return Claim(
        f"min(|Spearman rho| of latent value and curve parameter, share of points decoded "
        f"within {radius:g} of themselves) >= {at_least}",
        v,
        at_least,
        v >= at_least,
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
    """Fig 10, right: Delta finds (almost) no sensitivity of the output on the bottleneck nodes
    that the declared width profile turns off (the leak of
    :func:`autoencode.analysis.leak_fraction`, measured against the profile's masks).

    A reset model built on the profile passes this whatever its weights, trained or not: its
    co-state is masked on turned-off nodes, so their Delta is 0 by construction. What the check
    can fail on is a model whose leak is not set by ``off_mode``: a reset model whose masks keep
    more nodes on through the bottleneck than the profile declares (a mask mistake, or Fig 3's
    copy block around the bottleneck) fails it, and so does any freeze model.
    """
    v = float(leak_at_bottleneck)
    return Claim(f"leak at the bottleneck <= {at_most}", v, at_most, v <= at_most)


def leak_detected(
    leak_at_bottleneck: float, mse: float, mse_latent_only: float, at_least: float = 0.5
) -> Claim:
    """Fig 10, left: Delta flags the wrong autoencoder (most of the output's sensitivity on
    turned-off nodes) *and* the flag is right: cutting those nodes off at least doubles
    the reconstruction error.

    Any freeze model passes this, trained or not (at zero weights its leak is exactly the share
    of turned-off nodes, 752/784 on the MNIST profile, and cutting them off turns an error of 0
    into a positive one); the correct (reset) model fails it (leak 0).
    """
    v = float(leak_at_bottleneck)
    ok = v >= at_least and float(mse_latent_only) > 2 * float(mse)
    return Claim(
        f"leak at the bottleneck >= {at_least} and error without the leak > 2x", v, at_least, ok
    )


def bottleneck_even(evenness: float, at_least: float = 0.9) -> Claim:
    """Fig 11 (ours): at the bottleneck, the data's variance is spread evenly over the active
    components: the normalised spectral entropy S_b / log w_b (1: every active direction
    equally used) is at least ``at_least``. Normalising by log w_b removes the dip that the
    width alone forces.

    Random weights do not reach it on the MNIST profile (the first 2,000 test images): 0.68 at
    zero weights, 0.74 at the initial scale, 0.78, 0.84 and 0.86 at 2, 5 and 10 times it; nor does
    the trained network with its weights shuffled within each layer (same values, no learned
    structure), the negative control the page reports.
    """
    v = float(evenness)
    return Claim(f"S_b / log w_b at the bottleneck >= {at_least}", v, at_least, v >= at_least)


# -- Beyond the paper: local convexity and the deep limit (notebooks/local_convexity,
# notebooks/deep_limit) ------------------------------------------------------------------


def convex_region(radius: float, at_least: float, where: str = "") -> Claim:
    """Local convexity: around the point, the Hessian of J stays positive semi-definite out to
    a radius >= ``at_least`` along every sampled direction (``radius``: the smallest over the
    directions, :func:`autoencode.hessian.convex_radius`). The initial model's Hessian is
    indefinite: radius 0."""
    r = float(radius)
    return Claim(
        f"Hessian of J positive semi-definite within radius >= {at_least:g} of the point along "
        f"every sampled direction{where}",
        r,
        float(at_least),
        r >= at_least,
    )


def contracts_to(max_ratio: float, where: str = "") -> Claim:
    """Local convexity: started near the point, the shooting method's distance to it shrinks at
    every iteration (``max_ratio``: the largest ratio ``|theta_{k+1} - theta*| / |theta_k -
    theta*|`` over the run). For the ``gradient`` update inside a convex region of a strict
    minimum, with a step below 2 / lambda_max, this holds by construction (it is gradient descent
    on J): a sanity check."""
    v = float(max_ratio)
    return Claim(
        f"the shooting method's distance to theta* shrinks at every iteration{where}", v, 1.0, v < 1
    )


def deep_limit_converges(
    Ls: Iterable[float],
    distances: Iterable[float],
    cost_gaps: Iterable[float],
    grad_norms: Iterable[float],
    gtol: float,
    min_rate: float = 0.75,
) -> list[Claim]:
    """Deep limit: every L-layer problem solved (``|grad J|_{L^2} <= gtol``), and the trained
    controls and costs approach the finest ones at least like L^(-min_rate).

    ``distances`` and ``cost_gaps`` are against the finest L, which is left out of the
    fit. The negative control is not the shared initial control theta_0(t) (its distances
    are all zero: no rate can be fitted) but untrained controls drawn independently for
    each L: there the gradients are large and the fitted rates scatter around 0 (over ten
    draws of L = 10..160, distance rates within +-0.2, cost rates below 0.6), so the default
    ``min_rate`` sits between them and the first order of the Euler scheme.
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


# -- Beyond the paper: the plain NeurODE (notebooks/neurode_two_clusters) ---------------------


def lowers_cost(J: float, J0: float) -> Claim:
    """NeurODE page: training lowers J below its value J0 at theta_0 (ratio 1 there)."""
    r = float(J) / float(J0)
    return Claim("J below its value at theta_0 (J / J0 < 1)", r, 1.0, r < 1)


def stationary(grad_ratio: float, at_most: float = 5e-2) -> Claim:
    """NeurODE page: the trained network is stationary, ``|grad J| <= at_most |grad J(theta_0)|``
    (the optimality conditions the shooting solves; the ratio is 1 at theta_0)."""
    r = float(grad_ratio)
    return Claim(f"|grad J| / |grad J(theta_0)| <= {at_most:g}", r, at_most, r <= at_most)


def same_stationary_cost(
    grad_ratios: dict, costs: dict, reference: str, at_most: float = 1e-2, rel: float = 5e-3
) -> Claim:
    """NeurODE page: every run (update rule or Adam) is stationary, ``|grad J| <= at_most |grad
    J(theta_0)|``, *and* ends within ``rel`` of the ``reference`` run's J. The value is the largest
    gradient ratio; runs that all start at theta_0 agree in J without training, so the stationarity
    is what makes this check fail on the initial model."""
    g = max(float(v) for v in grad_ratios.values())
    J_ref = float(costs[reference])
    gap = max(abs(float(c) - J_ref) for c in costs.values()) / J_ref
    return Claim(
        f"every run stationary (max |grad J| / |grad J(theta_0)| <= {at_most:g}) and within "
        f"{rel:g} of {reference}'s J",
        g,
        at_most,
        g <= at_most and gap <= rel,
    )
