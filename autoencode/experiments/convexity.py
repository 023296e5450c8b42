"""Local convexity of J against the Tikhonov weight (chapter "Local convexity").

The paper's message (its abstract): the global results obtained for high Tikhonov
regularisation may not hold at low regularisation, but many of them can be recovered in
regions where the loss is locally convex. This module registers the chapter's experiment,
:func:`local_convexity` (figure ``local_convexity``, page ``notebooks/local_convexity``), on
the Fig 4 problem: the convexity map and the region analysis for five lambdas, their figures
and tables, the claims (row ``abstract.convexity``, at low lambda, each against the initial
model), the Lanczos extremes of the MNIST model early in training, and the page's sentences.
Its parts, one module each:

* :mod:`autoencode.experiments.convexity_sweep`: the convexity map, training runs across
  lambda with the dense Hessian of J logged along them
  (:func:`~autoencode.experiments.convexity_sweep.convexity_map`), and what their logs show;
* :mod:`autoencode.experiments.convexity_region`: the minimiser a run heads for (Newton's
  method), the spectra there and the locally convex region around it
  (:func:`~autoencode.experiments.convexity_region.region_analysis`);
* :mod:`autoencode.experiments.convexity_mnist`: the MNIST AutoencODE of Figs 8-11 and the
  Lanczos extremes of its Hessian along training;
* :mod:`autoencode.experiments.convexity_measure`: the three measured in turn;
* :mod:`autoencode.experiments.convexity_numbers` and
  :mod:`autoencode.experiments.convexity_claims`: the page's numbers and tables, its claims
  and sentences;
* :mod:`autoencode.experiments.convexity_draw`: the figures.

Their public names are also importable from here.

The message is the paper's (its abstract); the problem, the lambdas, the step sizes, the
logged epochs, the solver, the directions and resolution of the region scan and the MNIST
measurement are ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .convexity_claims import two_digits as two_digits
from .convexity_draw import draw_local_convexity
from .convexity_measure import measure_local_convexity
from .convexity_mnist import lanczos_along_training as lanczos_along_training
from .convexity_mnist import mnist_problem
from .convexity_numbers import page_numbers
from .convexity_numbers import region_table_frame as region_table_frame
from .convexity_region import region_analysis as region_analysis
from .convexity_region import shooting_distances as shooting_distances
from .convexity_sweep import COLUMNS as COLUMNS
from .convexity_sweep import convexity_map as convexity_map
from .convexity_sweep import convexity_run as convexity_run
from .convexity_sweep import first_convex_epoch as first_convex_epoch
from .convexity_sweep import step_is_stable as step_is_stable
from .registry import Result, figure

__all__ = ["local_convexity"]


def _defaults(quick: bool) -> dict[str, Any]:
    """The figure's parameters (``quick``: those of the quick run)."""
    return dict(
        n_train=40 if quick else 200,  # training points of the Fig 4 problem
        L=20,  # layers (7 + 7 + 6), as Fig 4
        T=5.0,  # final time, as Fig 4
        lams=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],  # Tikhonov weights of the map
        lrs=[0.1, 0.1, 0.1, 0.1, 0.1],  # `gradient` update per lambda: step lr / h on J
        iterations=20 if quick else 1000,  # full-batch iterations (= epochs)
        logged=[0, 5, 10, 20] if quick else [0, 5, 10, 20, 50, 100, 200, 300, 500, 700, 1000],
        low=1e-3,  # the low-regularisation regime of the paper's claim: lambda <= low
        gtol=1e-8,  # Newton's method stops at |grad J| <= gtol (float64)
        n_directions=2 if quick else 8,  # random unit directions of the convex-region scan
        radius_first=1e-3,  # first radius of the scan (then x2 steps, then 5 bisections)
        scales=[1, 4] if quick else [0.5, 1, 4, 16, 64],  # shooting starts: s x the radius
        shooting_iterations=20 if quick else 200,  # iterations of each of those runs
        mnist_at=[0, 2] if quick else [0, 20, 100],  # MNIST training iterations with a Lanczos run
        mnist_hessian_images=64 if quick else 256,  # images on which the MNIST Hessian is taken
        lanczos_tol=1e-4,  # relative accuracy asked of the two extreme eigenvalues
        seed=0,
    )


@figure(
    "local_convexity",
    notebook="local_convexity",
    title="Local convexity of J against lambda (Fig 4 problem; MNIST by Lanczos)",
    defaults=_defaults,
    threads=1,
    control={"iterations": 0, "mnist_at": [0], "n_directions": 1, "shooting_iterations": 20},
)
def local_convexity(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    L: int,
    T: float,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    low: float,
    gtol: float,
    n_directions: int,
    radius_first: float,
    scales: Sequence[float],
    shooting_iterations: int,
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
    seed: int,
) -> Result:
    """The convexity map of the Fig 4 problem; for each lambda the stationary point the run
    heads for (Newton), the spectra of J and of its data term there and the size of the
    locally convex region around it, with the shooting method's convergence in and beyond it;
    then the MNIST model's extremes by Lanczos (on one thread: tiny 2D layers, and the Lanczos
    runs of the committed numbers). The negative control (``iterations=0``) measures the
    same at the initial weights.

    In turn: the measurements
    (:func:`~autoencode.experiments.convexity_measure.measure_local_convexity`), the numbers
    and claims from them (:func:`~autoencode.experiments.convexity_numbers.page_numbers`), and
    the figures (:func:`~autoencode.experiments.convexity_draw.draw_local_convexity`)."""
    lams, lrs = [float(v) for v in lams], [float(v) for v in lrs]
    m = measure_local_convexity(
        progress=progress,
        quick=quick,
        n_train=n_train,
        L=L,
        T=T,
        lams=lams,
        lrs=lrs,
        iterations=iterations,
        logged=logged,
        gtol=gtol,
        n_directions=n_directions,
        radius_first=radius_first,
        scales=scales,
        shooting_iterations=shooting_iterations,
        mnist_at=mnist_at,
        mnist_hessian_images=mnist_hessian_images,
        lanczos_tol=lanczos_tol,
        seed=seed,
        mnist_problem=mnist_problem,  # looked up here at each call, so that it can be swapped
    )
    numbers, claims, details = page_numbers(m, lams, iterations, low, radius_first)
    return Result(
        "local_convexity",
        {},
        numbers=numbers,
        figures=draw_local_convexity(m["table"], m["regions"], lams),
        summary="\n".join(m["lines"]),
        details=details,
        claims=claims,
    )
