"""A plain NeurODE (every mask one): the earlier paper's 2D experiment, and a comparison.

The experiment of Bonnet, Cipriani, Fornasier and Huang (2021), facts read in its public
code (``bidimensional.py``, ``modules/training_nobias_2D.py``, the command in its README),
not our choices: 100 points per class from a standard normal truncated to the disc of
radius 0.2 around (-1, -1) and (1, 1), targets (-2, -2) and (2, 2); the field
tanh(theta_k x) without bias, every weight initialised to one; L = 9 Euler steps of size
0.1; lambda = 0.1; 8 shooting iterations, each maximising every layer's Hamiltonian (our
update ``fixed_point``).

Ours: the co-state (the exact discrete adjoint), the inner argmax (L-BFGS over the whole
theta_k), the seeded sample, the comparison with the ``gradient`` and ``proximal`` updates
and Adam (:func:`.common.compare`), and the run on the data of Figs 4-5 that shows the
period-2 oscillation of the fixed-point update there. Every run takes seconds: no progress bars
(``progress`` is accepted and unused).

:func:`~autoencode.experiments.neurode_compute.compute` trains,
:func:`~autoencode.experiments.neurode_numbers.numbers` measures the trained models and names the
numbers and claims, :func:`~autoencode.experiments.neurode_draw.draw` draws; :func:`neurode`
calls the three in turn.
"""

from __future__ import annotations

from typing import Any

from .neurode_compute import NeurodeRuns as NeurodeRuns
from .neurode_compute import compute
from .neurode_compute import neurode_model as neurode_model
from .neurode_draw import draw
from .neurode_numbers import grad_norm as grad_norm
from .neurode_numbers import numbers
from .neurode_numbers import stationary_claim as stationary_claim
from .registry import Result, figure

# The names above are importable from here; each is documented in the module that defines it.
__all__ = ["neurode"]


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        # the earlier paper's experiment (its public code)
        n=25 if quick else 100,  # points per class
        L=9,  # Euler steps: a time grid of 10 nodes
        h=0.1,  # step dt (final time: L times h)
        lam=0.1,  # Tikhonov weight lambda
        outer_iterations=8,  # shooting iterations, exact argmax of each H_k
        theta0=1.0,  # initial value of every weight (no bias)
        # our comparison, from the same theta0: other update rules and Adam
        iterations=15 if quick else 300,  # iterations of the other runs
        lr_gradient=0.1,  # shooting, "gradient" update: step on H_k / h
        lr_proximal=1.0,  # shooting, "proximal" update: 1 / rho
        lr_adam=0.05,  # Adam baseline
        oscillation_iterations=20,  # fixed_point on this page's former data
        seed=0,
    )


@figure(
    "neurode",
    notebook="neurode_two_clusters",
    title="A plain NeurODE: the earlier paper's 2D experiment",
    defaults=_defaults,
    threads=1,
    control={"outer_iterations": 0, "iterations": 0, "oscillation_iterations": 0},
)
def neurode(
    *,
    progress: bool = True,
    quick: bool = False,
    n: int,
    L: int,
    h: float,
    lam: float,
    outer_iterations: int,
    theta0: float,
    iterations: int,
    lr_gradient: float,
    lr_proximal: float,
    lr_adam: float,
    oscillation_iterations: int,
    seed: int,
    **_: Any,
) -> Result:
    """The earlier experiment (``fixed_point``, ``outer_iterations``), the other update
    rules and Adam from the same theta0, and ``fixed_point`` on the data of Figs 4-5.

    Its claims (``Result.claims``, row ``neurode``), each against the initial network
    theta = theta0: J below J(theta_0); ``|grad J| <= 5e-2 |grad J(theta_0)|``; every run stationary
    and at fixed_point's J. Nearest-target accuracy = 1 is a sanity check: it holds at
    theta_0 already."""
    r = compute(
        n=n,
        L=L,
        h=h,
        lam=lam,
        outer_iterations=outer_iterations,
        theta0=theta0,
        iterations=iterations,
        lr_gradient=lr_gradient,
        lr_proximal=lr_proximal,
        lr_adam=lr_adam,
        oscillation_iterations=oscillation_iterations,
        seed=seed,
    )
    out = numbers(
        r,
        n=n,
        L=L,
        h=h,
        lam=lam,
        theta0=theta0,
        outer_iterations=outer_iterations,
        iterations=iterations,
        oscillation_iterations=oscillation_iterations,
    )
    return Result(
        "neurode",
        {},
        numbers=out.numbers,
        figures=draw(r, L=L, h=h, theta0=theta0),
        claims=out.claims,
        summary="\n".join(out.summary),
        details=out.details,
    )
