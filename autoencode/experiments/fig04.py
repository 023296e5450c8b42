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

Each job is one module: :func:`~autoencode.experiments.fig04_compute.compute` trains,
:func:`~autoencode.experiments.fig04_numbers.numbers` measures the trained models and names the
numbers (the claims in :mod:`autoencode.experiments.fig04_claims`),
:func:`~autoencode.experiments.fig04_draw.draw` draws; :func:`fig04` calls the three in turn.
All three are importable from here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fig04_compute import Fig04Runs, compute
from .fig04_draw import draw
from .fig04_numbers import numbers
from .registry import Result, figure

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
