"""The deep limit L -> infinity at fixed T (chapter "The deep limit").

Thorpe and van Gennip (*Deep limits of residual neural networks*) show that the
L-layer training problem Gamma-converges, as L -> infinity with the final time fixed,
to a continuous-time control problem, and that minimisers of the L-layer problems
converge (up to subsequences) to minimisers of the limit. This module measures it on the
Fig 4 problem, with:

* :func:`~autoencode.experiments.deep_limit_controls.architecture`: the 2 -> 1 -> 2 AutoencODE
  with L layers whose phases cover the same fractions of [0, T] for every L (so the turn-off
  times do not move with L);
* :func:`~autoencode.experiments.deep_limit_controls.initial_control`: one initial control
  function theta_0(t), constant in time within each phase, drawn once from a seed, and
  :func:`~autoencode.experiments.deep_limit_controls.set_control` samples it on the grid of
  any L;
* :func:`~autoencode.experiments.deep_limit_training.train_to_convergence`: L-BFGS (float64) on
  J until the gradient of J in L^2(0, T) is below ``gtol``;
* :func:`~autoencode.experiments.deep_limit_controls.l2_distance`: the L^2-in-time distance
  between two piecewise-constant controls;
* :func:`~autoencode.experiments.deep_limit_numbers.fitted_rate`: the slope of a log-log
  least-squares line;
* :func:`~autoencode.experiments.deep_limit_training.deep_limit`: all of it for a list of L;
* :func:`deep_limit_figure` (figure ``deep_limit``, page ``notebooks/deep_limit``): the
  chapter's experiment: every L trained to convergence at lambda = 0.1 and, for contrast,
  at lambda = 1e-2, the smallest Hessian eigenvalue at each minimiser, the fitted rates,
  the figure (trained controls; distances and cost gaps against L;
  :func:`~autoencode.experiments.deep_limit_draw.draw`) and the page's sentences
  (:func:`~autoencode.experiments.deep_limit_numbers.numbers_and_claims`).

The theorem is Thorpe and van Gennip's; the problem (Fig 4's data and 2 -> 1 -> 2
architecture), the phases at fixed fractions of T, the piecewise-constant theta_0(t), the
training to convergence, lambda = 0.1 and the rates measured against the finest L are ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .deep_limit_controls import PHASE_FRACTIONS as PHASE_FRACTIONS
from .deep_limit_controls import architecture as architecture
from .deep_limit_controls import control as control
from .deep_limit_controls import initial_control as initial_control
from .deep_limit_controls import l2_distance as l2_distance
from .deep_limit_controls import set_control as set_control
from .deep_limit_draw import draw
from .deep_limit_numbers import fitted_rate as fitted_rate
from .deep_limit_numbers import numbers_and_claims
from .deep_limit_training import DeepLimitRun as DeepLimitRun
from .deep_limit_training import deep_limit
from .deep_limit_training import gradient_norm_l2 as gradient_norm_l2
from .deep_limit_training import train_to_convergence as train_to_convergence
from .registry import Result, figure

# The names above are importable from here; each is documented in the module that defines it.
__all__ = ["deep_limit_figure"]


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points of the Fig 4 problem
        T=5.0,  # final time, fixed for every L
        Ls=[10, 20, 40] if quick else [10, 20, 40, 80, 160],  # layers; the last is the reference
        lam=0.1,  # Tikhonov weight (see the text)
        lam_contrast=1e-2,  # a lower one, for contrast
        gtol=1e-7,  # stop at |grad J| in L^2(0, T) below this
        max_evaluations=4000,  # most cost evaluations of L-BFGS per problem (0: no training)
        independent_theta0=False,  # True: each L from its own theta_0(t) (seed + L)
        seed=0,  # data and the initial control theta_0(t)
    )


#: How the page prints the table of the runs.
_TABLE_FORMAT = {
    "J0": "{:.4f}".format,
    "J": "{:.6f}".format,
    "data": "{:.5f}".format,
    "reg": "{:.5f}".format,
    "grad_norm": "{:.1e}".format,
    "distance": "{:.2e}".format,
    "cost_gap": "{:.2e}".format,
    "hessian_min": "{:.4f}".format,
}


def _compute(
    n_train: int,
    T: float,
    Ls: Sequence[int],
    lam: float,
    lam_contrast: float,
    gtol: float,
    max_evaluations: int,
    independent_theta0: bool,
    seed: int,
) -> dict[str, Any]:
    """The measurements of :func:`deep_limit_figure` on the Fig 4 data: every L trained at
    ``lam`` (``run``) and at ``lam_contrast`` (``contrast``), the smallest Hessian eigenvalue
    at each minimiser of ``run`` (``mins``, also its table's column ``hessian_min``), the
    table of the claims' negative control (``control``) and the summary's lines (``lines``)."""
    import time

    from .. import data
    from ..hessian import hessian_spectrum

    x, labels = data.two_clusters(n=n_train, seed=seed)
    y = data.class_targets(labels)
    t0 = time.perf_counter()
    opts: dict[str, Any] = dict(
        seed=seed, gtol=gtol, max_evaluations=max_evaluations, independent=independent_theta0
    )
    run = deep_limit(Ls, x, y, T=T, lam=lam, **opts)
    contrast = deep_limit(Ls, x, y, T=T, lam=lam_contrast, **opts)
    lines = [f"{2 * len(Ls)} problems solved in {time.perf_counter() - t0:.0f} s"]
    table = run.table
    # smallest Hessian eigenvalue at each trained theta_L (Lanczos, float64): > 0 means a strict
    # minimum; in the metric of L^2(0, T) (u_k = sqrt(h) theta_k) the eigenvalues are those of the
    # Hessian / h
    mins = [
        hessian_spectrum(
            run.models[L], x.double(), y.double(), lam=lam, method="lanczos", tol=1e-6
        ).min
        for L in Ls
    ]
    mins = [mu / run.models[L].h for mu, L in zip(mins, Ls)]
    table["hessian_min"] = mins
    lines.append(table.to_string(formatters=_TABLE_FORMAT))
    # the claims' negative control: untrained controls drawn independently for each L
    control = deep_limit(
        Ls, x, y, T=T, lam=lam, seed=seed, gtol=gtol, max_evaluations=0, independent=True
    ).table
    return dict(run=run, contrast=contrast, mins=mins, control=control, lines=lines)


@figure(
    "deep_limit",
    notebook="deep_limit",
    title="The deep limit L -> infinity at fixed T",
    defaults=_defaults,
    threads=1,
    # untrained, and no common start: controls with no reason to approach one another
    control={"max_evaluations": 0, "independent_theta0": True},
)
def deep_limit_figure(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    T: float,
    Ls: Sequence[int],
    lam: float,
    lam_contrast: float,
    gtol: float,
    max_evaluations: int,
    independent_theta0: bool,
    seed: int,
) -> Result:
    """Every L trained to convergence (lambda and lambda_contrast), the Hessian's smallest
    eigenvalue at each minimiser, the rates and the page's sentences (on one thread).

    Its claims (``Result.claims``, row ``deep_limit``;
    :func:`autoencode.claims.deep_limit_converges`) are checked against a negative control
    that is not degenerate: untrained controls drawn independently for each L (seed + L),
    whose distances and cost gaps to the finest L are of order one and do not decay.

    In turn: the measurements, the numbers and claims from them, and the figure."""
    Ls = [int(L) for L in Ls]
    m = _compute(n_train, T, Ls, lam, lam_contrast, gtol, max_evaluations, independent_theta0, seed)
    numbers, claims = numbers_and_claims(m, Ls, lam, gtol)
    run, contrast = m["run"], m["contrast"]
    return Result(
        "deep_limit",
        {},
        numbers=numbers,
        figures={"main": draw(run, contrast, Ls, lam, lam_contrast)},
        claims=claims,
        summary="\n".join(m["lines"]),
        details=dict(run=run, contrast=contrast, table=run.table, mins=m["mins"], Ls=Ls),
    )
