"""The minimiser a training run heads for, and the locally convex region around it.

* :func:`region_analysis`: the minimiser (Newton's method to ``|grad J| <= 1e-8``, float64),
  the spectra of J and of its data term there beside the Tikhonov shift ``2 lambda h``, the
  radius of the region around it in which J's Hessian stays positive semi-definite, and the
  shooting method restarted in and beyond that region;
* :func:`shooting_distances`: the distance to a point along a shooting run started elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from ..hessian import (
    convex_radius,
    flat_cost,
    flat_parameters,
    newton_solve,
    set_flat_parameters,
    tikhonov_shift,
)
from ..model import AutoencODE
from ..training import ShootingTrainer, Trainer

__all__ = ["shooting_distances", "region_analysis"]


def shooting_distances(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    start: torch.Tensor,
    target: torch.Tensor,
    iterations: int,
) -> torch.Tensor:
    """``|theta_k - target|`` for k = 0..iterations along a `gradient`-update shooting run (float64)
    started at the flat parameter vector ``start``."""
    model = set_flat_parameters(make_model().to(torch.float64), start)
    out: list[float] = []

    def callback(tr: Trainer, iteration: int) -> None:
        out.append(float((flat_parameters(tr.model) - target).norm()))

    ShootingTrainer(
        model, update="gradient", lr=lr, lam=lam, progress=False, callbacks=[callback]
    ).fit(x.to(torch.float64), y.to(torch.float64), iterations=iterations)
    return torch.tensor(out, dtype=torch.float64, device="cpu")


def _rate(d: torch.Tensor) -> float:
    """Linear rate of a distance sequence: geometric mean of d_{k+1} / d_k over the second half
    of the iterations at which d is still above 1e-9 of its start (below: round-off)."""
    d = d[d > 1e-9 * float(d[0])]
    tail = d[len(d) // 2 :]
    if len(tail) < 2:
        return 0.0
    return float((tail[-1] / tail[0]) ** (1.0 / (len(tail) - 1)))


def _eigenvalues(f: Callable[[torch.Tensor], torch.Tensor], t: torch.Tensor) -> torch.Tensor:
    """The eigenvalues (ascending) of the symmetrised Hessian of ``f`` at ``t``."""
    H = torch.func.hessian(f)(t)
    return torch.linalg.eigvalsh(0.5 * (H + H.T))


def _spectra(
    cost: Callable[[torch.Tensor], torch.Tensor],
    data: Callable[[torch.Tensor], torch.Tensor],
    star: torch.Tensor,
    theta_end: torch.Tensor,
    theta0: torch.Tensor,
    shift: float,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The eigenvalues of J's Hessian at ``star``, and the entries of :func:`region_analysis`
    on the spectra: the extremes of the Hessians of J (``cost``) and of its data term
    (``data``) at ``star``, at ``theta_end`` and at ``theta0``, beside the shift ``shift``."""
    ev_J, ev_data = _eigenvalues(cost, star), _eigenvalues(data, star)
    ev_J_end, ev_data_end = _eigenvalues(cost, theta_end), _eigenvalues(data, theta_end)
    ev_J0 = _eigenvalues(cost, theta0)
    return ev_J, dict(
        J_min=float(ev_J[0]),
        J_max=float(ev_J[-1]),
        J_negative=int((ev_J < 0).sum()),
        data_min=float(ev_data[0]),
        data_max=float(ev_data[-1]),
        data_negative=int((ev_data < 0).sum()),
        shift=shift,
        J_min_end=float(ev_J_end[0]),
        J_negative_end=int((ev_J_end < 0).sum()),
        data_min_end=float(ev_data_end[0]),
        J_min_initial=float(ev_J0[0]),
        data_min_initial=float(ev_J0[0]) - shift,
    )


def _convex_radii(
    cost: Callable[[torch.Tensor], torch.Tensor],
    star: torch.Tensor,
    theta0: torch.Tensor,
    n_directions: int,
    seed: int,
    radius_first: float,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """The random unit directions (rows), and the entries of :func:`region_analysis` on the
    convex radii: around ``star`` along those directions and along the softest eigenvector
    (both signs), and around ``theta0`` along the first direction."""
    g = torch.Generator().manual_seed(seed)  # on the CPU: the same directions on every device
    U = torch.randn(n_directions, star.numel(), generator=g, dtype=torch.float64, device="cpu")
    U = (U / U.norm(dim=1, keepdim=True)).to(star.device)
    radii = convex_radius(cost, star, U, first=radius_first)
    H = torch.func.hessian(cost)(star)
    soft = torch.linalg.eigh(0.5 * (H + H.T)).eigenvectors[:, 0]
    r_soft = convex_radius(cost, star, torch.stack([soft, -soft]), first=radius_first)
    r0 = convex_radius(cost, theta0, U[:1], first=radius_first)
    return U, dict(
        radii=radii,
        radius_min=float(radii.min()),
        radius_median=float(radii.median()),
        radius_soft=float(r_soft.min()),
        radius_initial=float(r0.min()),
        n_directions=int(n_directions),
        radius_first=float(radius_first),
    )


def _restarts(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    star: torch.Tensor,
    direction: torch.Tensor,
    unit: float,
    scales: Sequence[float],
    iterations: int,
) -> list[dict[str, Any]]:
    """The shooting method started at ``star + s * unit * direction`` for each s in ``scales``:
    per start its distances to ``star``, their largest successive ratio and linear rate."""
    shooting = []
    for s in scales:
        start = star + float(s) * unit * direction
        d = shooting_distances(make_model, x, y, lam, lr, start, star, iterations)
        above = d[d > 1e-9 * float(d[0])]  # below: round-off
        ratios = above[1:] / above[:-1]
        shooting.append(
            dict(
                distances=d,
                scale=float(s),
                start=float(d[0]),
                end=float(d[-1]),
                max_ratio=float(ratios.max()),
                rate=_rate(d),
                converges=bool((ratios < 1).all()),
            )
        )
    return shooting


def region_analysis(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    theta_end: torch.Tensor,
    *,
    lr: float,
    n_directions: int = 8,
    scales: Sequence[float] = (0.5, 1, 4, 16, 64),
    shooting_iterations: int = 200,
    gtol: float = 1e-8,
    radius_first: float = 1e-3,
    seed: int = 0,
) -> dict[str, Any]:
    """The stationary point that training heads for, and the locally convex region around it.

    From ``theta_end`` (the flat weights where a training run ended), in float64:

    * theta* by :func:`~autoencode.hessian.newton_solve` (``|grad J| <= gtol``);
    * the extremes of the Hessian of J, of the data term alone and the shift 2 lambda h, at
      theta* and at ``theta_end``;
    * the radius of the region around theta* in which J's Hessian stays positive semi-definite
      (:func:`~autoencode.hessian.convex_radius`) along ``n_directions`` random unit directions
      (seed ``seed``) and along the softest eigenvector (both signs), and the same at the
      initial weights (the negative control: 0 where their Hessian is indefinite);
    * the shooting method (`gradient` update, ``lr``) started at theta* + s r_min u for each
      s in ``scales`` (u: the direction of the smallest radius), ``shooting_iterations``
      iterations: its distances to theta*, their largest successive ratio and linear rate,
      against the rate the Hessian at theta* predicts, ``max |1 - (lr / h) mu|``.
    """
    model = make_model()
    theta0 = flat_parameters(model).to(torch.float64)
    cost, _ = flat_cost(model, x, y, lam)
    data, _ = flat_cost(model, x, y, 0.0)
    theta_end = theta_end.to(torch.float64)
    sol = newton_solve(cost, theta_end, gtol=gtol)
    star = sol.theta
    shift = tikhonov_shift(model, lam)
    ev_J, spectra = _spectra(cost, data, star, theta_end, theta0, shift)
    U, radius = _convex_radii(cost, star, theta0, n_directions, seed, radius_first)
    radii, r_min = radius["radii"], radius["radius_min"]
    step = lr / model.h
    predicted = float(torch.maximum((1 - step * ev_J[0]).abs(), (1 - step * ev_J[-1]).abs()))
    u = U[int(radii.argmin())]
    # the restarts' unit: the radius (the scan's end where it found none, its first step
    # where the point itself is not in a convex region)
    unit = min(r_min, 64.0) if r_min > 0 else radius_first
    shooting = _restarts(make_model, x, y, lam, lr, star, u, unit, scales, shooting_iterations)
    return dict(
        lam=float(lam),
        grad_end=float(torch.func.grad(cost)(theta_end).norm()),
        grad_star=sol.grad_norm,
        newton_iterations=sol.iterations,
        converged=sol.converged,
        J_star=float(cost(star)),
        theta_norm=float(star.norm()),
        distance_end=float((theta_end - star).norm()),
        distance_initial=float((theta0 - star).norm()),
        # |theta_end - theta*| / r_min, with r_min capped at the scan's end (64)
        region_ratio=float((theta_end - star).norm()) / min(r_min, 64.0)
        if r_min > 0
        else float("inf"),
        **spectra,
        **radius,
        predicted_rate=predicted,
        shooting=shooting,
        shooting_iterations=int(shooting_iterations),
        theta_star=star,
    )
