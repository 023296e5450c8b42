"""Spectrum of the Hessian of J with respect to all trained parameters (Table 1).

Two ways to the extreme eigenvalues:

* ``"dense"``: the full Hessian (P x P) by ``torch.func.hessian`` (forward-over-reverse,
  vectorised over the P directions) and ``eigvalsh``; exact, for small models (P up to a few
  thousand);
* ``"lanczos"``: ``scipy.sparse.linalg.eigsh`` on Hessian-vector products, for large
  ones. The gradient's graph is built once (:func:`hessian_vector_product`) and every
  product is one backward pass through it, on the parameters as they are (no flat
  vector is split and re-assembled inside the model); one Lanczos run finds both ends of
  the spectrum (``which="BE"``), where two runs (one per end) used to double the work.

``"auto"`` picks dense up to ``dense_limit`` parameters.

For the local-convexity measurements (small models): :func:`tikhonov_shift` (the Tikhonov
term's Hessian is ``2 lambda h`` times the identity, so the Hessian of J is the data term's
(``lam=0``) plus that shift), :func:`newton_solve` (a stationary point of J to
``|grad J| <= gtol``, in float64, by damped Newton steps with the dense Hessian) and
:func:`convex_radius` (how far from a point the Hessian of J stays positive semi-definite,
along given directions).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.func import functional_call

from .model import AutoencODE

if TYPE_CHECKING:
    import pandas as pd

    from .training import Trainer

__all__ = [
    "HessianSpectrum",
    "hessian_spectrum",
    "hessian_matrix",
    "hessian_vector_product",
    "HessianLogger",
    "tikhonov_shift",
    "flat_parameters",
    "set_flat_parameters",
    "flat_cost",
    "NewtonResult",
    "newton_solve",
    "convex_radius",
]


@dataclass(frozen=True)
class HessianSpectrum:
    """Extreme eigenvalues of the Hessian of J; ``n_params`` is its size.

    ``matvecs`` is the number of Hessian-vector products Lanczos used (0 for dense) and
    ``seconds`` the wall time of the call.
    """

    min: float
    max: float
    n_params: int
    method: str
    matvecs: int = 0
    seconds: float = 0.0


def _cost_of_flat(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float):
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def cost(flat: torch.Tensor) -> torch.Tensor:
        params = {n: t.view(s) for n, t, s in zip(names, torch.split(flat, sizes), shapes)}
        xL = functional_call(model, params, (x,))
        return model.data_loss(xL, y) + lam * model.regulariser([flat])

    flat0 = torch.cat([p.detach().flatten() for p in model.parameters()])
    return cost, flat0


def hessian_matrix(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """The dense Hessian of J at the model's current weights, ``[P, P]``."""
    # The data are checked against the model, then computed with in the requested dtype.
    x = model.check_input(x).to(dtype)
    y = model.check_input(y, name="y").to(dtype)
    m = copy.deepcopy(model).to(dtype)
    cost, flat = _cost_of_flat(m, x, y, lam)
    # torch.func's forward-over-reverse Hessian: all P columns in one vectorised pass (about
    # seven times faster than torch.autograd.functional.hessian's P backward passes here).
    H = torch.func.hessian(cost)(flat)
    return 0.5 * (H + H.T)


def hessian_vector_product(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    lam: float = 0.0,
    dtype: torch.dtype = torch.float64,
) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    """``(hvp, n)``: ``hvp(v)`` is the Hessian of J times ``v`` (NumPy vectors of length n).

    The cost and its gradient are evaluated once, with ``create_graph=True``; each call
    is one backward pass through that retained graph (double back-propagation), with
    ``v`` split into views of the parameters' shapes (no copy). The model is copied in
    ``dtype`` and not modified.
    """
    y = x if y is None else y
    # The data are checked against the model, then computed with in the requested dtype.
    x = model.check_input(x).to(dtype)
    y = model.check_input(y, name="y").to(dtype)
    m = copy.deepcopy(model).to(dtype)
    names = [n for n, _ in m.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for _, p in m.named_parameters()]
    sizes = [p.numel() for p in params]
    shapes = [p.shape for p in params]
    n = sum(sizes)
    xL = functional_call(m, dict(zip(names, params)), (x,))
    cost = m.data_loss(xL, y) + lam * m.regulariser(params)
    grads = torch.autograd.grad(cost, params, create_graph=True)
    np_dtype = np.dtype(str(dtype).removeprefix("torch."))  # scipy works in NumPy

    def hvp(v: np.ndarray) -> np.ndarray:
        # scipy's Lanczos works on NumPy vectors: each product goes to the model's device and
        # back (a no-op on the CPU).
        vt = torch.from_numpy(np.ascontiguousarray(np.asarray(v).reshape(-1), dtype=np_dtype))
        vt = vt.to(m.device)
        vs = [c.view(s) for c, s in zip(torch.split(vt, sizes), shapes)]
        hv = torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).cpu().numpy()

    return hvp, n


def hessian_spectrum(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    lam: float = 0.0,
    method: str = "auto",
    dense_limit: int = 2000,
    dtype: torch.dtype = torch.float64,
    tol: float = 1e-8,
    ncv: int | None = None,
    maxiter: int | None = None,
) -> HessianSpectrum:
    """Minimum and maximum eigenvalue of the Hessian of J (``y=None``: reconstruction).

    Lanczos options: ``tol`` is the relative accuracy asked of the two eigenvalues
    (``eigsh``'s), ``ncv`` the size of the Krylov basis (default ``eigsh``'s, at least
    20), ``maxiter`` the number of restarts allowed. For a model of millions of
    parameters ``dtype=torch.float32`` and ``tol=1e-4`` are several times faster than the
    defaults (float32 alone about three times) and agree with them to that tolerance.
    """
    import time

    start = time.perf_counter()
    y = x if y is None else y
    n = sum(p.numel() for p in model.parameters())
    if method == "auto":
        method = "dense" if n <= dense_limit else "lanczos"
    if method == "dense":
        ev = torch.linalg.eigvalsh(hessian_matrix(model, x, y, lam, dtype))
        return HessianSpectrum(
            float(ev[0]), float(ev[-1]), n, "dense", 0, time.perf_counter() - start
        )
    if method != "lanczos":
        raise ValueError(f"method must be 'auto', 'dense' or 'lanczos', got {method!r}")
    from scipy.sparse.linalg import LinearOperator, eigsh

    hvp, n = hessian_vector_product(model, x, y, lam, dtype)
    calls = [0]

    def counted(v):
        calls[0] += 1
        return hvp(v)

    np_dtype = np.dtype(str(dtype).removeprefix("torch."))  # scipy works in NumPy
    op = LinearOperator((n, n), matvec=counted, dtype=np_dtype)
    v0 = np.random.default_rng(0).standard_normal(n).astype(np_dtype)  # fixed: reproducible
    if n <= 3:  # eigsh needs k < n - 1; tiny problems are cheap in dense form
        H = np.stack([counted(e) for e in np.eye(n, dtype=np_dtype)], 1)
        ev = np.linalg.eigvalsh(0.5 * (H + H.T))
        bottom, top = ev[0], ev[-1]
    else:
        ev = np.sort(
            eigsh(
                op,
                k=2,
                which="BE",
                tol=tol,
                v0=v0,
                ncv=ncv,
                maxiter=maxiter,
                return_eigenvectors=False,
            )
        )
        bottom, top = ev[0], ev[-1]
    return HessianSpectrum(
        float(bottom), float(top), n, "lanczos", calls[0], time.perf_counter() - start
    )


class HessianLogger:
    """Trainer callback: extreme eigenvalues of the Hessian of J at chosen iterations.

    Pass it in ``callbacks=[logger]``; it is called with iteration 0 before the
    first update and with n after the n-th one, and at each iteration listed in
    ``at`` computes the spectrum of the Hessian of J (data term + lambda *
    regulariser, w.r.t. all trained parameters) on ``(x, y)``.

    With ``method="dense"`` (the default, for small models) the whole spectrum of
    :func:`~autoencode.hessian.hessian_matrix` is computed, exactly as
    :func:`~autoencode.hessian.hessian_spectrum` does, and the number of negative
    eigenvalues is logged too; ``"lanczos"`` / ``"auto"`` call
    :func:`~autoencode.hessian.hessian_spectrum` and log only the extremes.

    Parameters
    ----------
    x, y:
        The data on which J is evaluated (usually the training set).
    at:
        Iterations (number of updates made) at which to log.
    lam:
        Tikhonov weight; ``None`` uses the trainer's.
    method:
        ``"dense"``, ``"lanczos"`` or ``"auto"``.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        at: Iterable[int],
        lam: float | None = None,
        method: str = "dense",
    ) -> None:
        self.x, self.y = x, y
        self.at = sorted({int(i) for i in at})
        self.lam = lam
        self.method = method
        self.rows: list[dict] = []

    def __call__(self, trainer: Trainer, iteration: int) -> None:
        if iteration not in self.at:
            return
        model = trainer.model
        lam = trainer.lam if self.lam is None else self.lam
        n = sum(p.numel() for p in model.parameters())
        if self.method == "dense":
            ev = torch.linalg.eigvalsh(hessian_matrix(model, self.x, self.y, lam))
            lo, hi, neg = float(ev[0]), float(ev[-1]), int((ev < 0).sum())
        else:
            spec = hessian_spectrum(model, self.x, self.y, lam, method=self.method)
            lo, hi, neg = spec.min, spec.max, None
        with torch.no_grad():
            J = float(model.cost(self.x, self.y, lam)[0])
        self.rows.append(
            {"iteration": iteration, "J": J, "min": lo, "max": hi, "n_negative": neg, "n_params": n}
        )

    def table(self) -> pd.DataFrame:
        """The log as a pandas DataFrame.

        Columns: iteration, J, min, max, n_negative (number of negative
        eigenvalues; None unless dense), n_params.
        """
        import pandas as pd

        return pd.DataFrame(
            self.rows, columns=["iteration", "J", "min", "max", "n_negative", "n_params"]
        )


# -- stationary points and the size of the locally convex region (small models) ----------------


def tikhonov_shift(model: AutoencODE, lam: float) -> float:
    """``2 lambda h``: the Hessian of ``lambda * h * sum |theta|^2`` (every trained parameter is
    regularised), added to every eigenvalue of the data term's Hessian to give J's."""
    return 2.0 * float(lam) * model.h


def flat_parameters(model: AutoencODE) -> torch.Tensor:
    """The trained parameters as one vector (detached copy, in the model's order)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def set_flat_parameters(model: AutoencODE, theta: torch.Tensor) -> AutoencODE:
    """Copy the vector ``theta`` (as :func:`flat_parameters` orders it) into the model."""
    n = sum(p.numel() for p in model.parameters())
    if theta.numel() != n:
        raise ValueError(f"theta has {theta.numel()} entries, the model {n} parameters")
    i = 0
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(theta[i : i + p.numel()].view_as(p))
            i += p.numel()
    return model


def flat_cost(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    dtype: torch.dtype = torch.float64,
) -> tuple[Callable[[torch.Tensor], torch.Tensor], torch.Tensor]:
    """``(cost, theta)``: J (``lam=0``: the data term alone) as a function of the flat parameter
    vector, on a copy of the model in ``dtype``, and the model's current vector."""
    x = model.check_input(x).to(dtype)
    y = model.check_input(y, name="y").to(dtype)
    return _cost_of_flat(copy.deepcopy(model).to(dtype), x, y, lam)


@dataclass(frozen=True)
class NewtonResult:
    """A stationary point of J: ``theta`` (flat, float64), ``grad_norm`` (Euclidean norm of the
    gradient there), ``iterations`` (Newton steps taken), ``converged`` (``grad_norm <= gtol``),
    ``min_eigenvalue`` (smallest eigenvalue of J's Hessian there: > 0 at a strict local
    minimum, < 0 at a saddle)."""

    theta: torch.Tensor
    grad_norm: float
    iterations: int
    converged: bool
    min_eigenvalue: float


def newton_solve(
    cost: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
    gtol: float = 1e-8,
    max_iterations: int = 200,
) -> NewtonResult:
    """A stationary point of ``cost`` near ``theta`` by damped Newton steps on the dense Hessian.

    Each step solves ``(H + mu I) d = -g`` with ``mu = 0`` where H is positive definite, else
    ``mu = -lambda_min + max(1e-6, |g|)`` (a descent direction), followed by a backtracking
    line search on the cost (Armijo, factor 1/2). Where H is positive definite near the
    minimum the full step is taken and convergence is quadratic. Stops at ``|g| <= gtol``.
    """
    grad, hess = torch.func.grad(cost), torch.func.hessian(cost)
    theta = theta.detach().clone()
    g = grad(theta)
    it = 0
    while float(g.norm()) > gtol and it < max_iterations:
        H = hess(theta)
        ev, V = torch.linalg.eigh(0.5 * (H + H.T))
        lo = float(ev[0])
        mu = 0.0 if lo > 1e-12 else -lo + max(1e-6, float(g.norm()))
        d = -(V @ ((V.T @ g) / (ev + mu)))
        J0, slope, t = float(cost(theta)), float(g @ d), 1.0
        while t > 1e-12 and float(cost(theta + t * d)) > J0 + 1e-4 * t * slope:
            t *= 0.5
        theta = theta + t * d
        g = grad(theta)
        it += 1
    H = hess(theta)
    lo = float(torch.linalg.eigvalsh(0.5 * (H + H.T))[0])
    gn = float(g.norm())
    return NewtonResult(theta, gn, it, gn <= gtol, lo)


def convex_radius(
    cost: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
    directions: torch.Tensor,
    first: float = 1e-3,
    factor: float = 2.0,
    largest: float = 64.0,
    bisections: int = 5,
) -> torch.Tensor:
    """For each unit direction u (rows of ``directions``), the largest t such that the Hessian
    of ``cost`` is positive semi-definite at ``theta + s u`` for the scanned s in [0, t].

    The scan takes s = ``first``, ``first * factor``, ... up to ``largest``; the first s
    with a negative eigenvalue and the last one without are then bisected ``bisections`` times
    (resolution ``(factor - 1) / 2**bisections`` of the radius). A point whose own Hessian is
    indefinite has radius 0; a direction that stays positive semi-definite up to ``largest``
    gets ``inf``. All the Hessians of a round are computed in one vectorised call.
    """
    hess = torch.func.vmap(torch.func.hessian(cost))

    def psd(points: torch.Tensor) -> torch.Tensor:
        H = hess(points)
        return torch.linalg.eigvalsh(0.5 * (H + H.transpose(1, 2)))[:, 0] >= 0

    U = directions.to(theta) / directions.norm(dim=1, keepdim=True).to(theta)
    n = len(U)
    if not bool(psd(theta[None])[0]):
        return torch.zeros(n, dtype=theta.dtype, device=theta.device)
    lo = torch.zeros(n, dtype=theta.dtype, device=theta.device)
    hi = torch.full((n,), float("inf"), dtype=theta.dtype, device=theta.device)
    s = float(first)
    while s <= largest:
        open_ = torch.isinf(hi)
        if not bool(open_.any()):
            break
        ok = psd(theta + s * U[open_])
        idx = open_.nonzero().flatten()
        lo[idx[ok]] = s
        hi[idx[~ok]] = s
        s *= factor
    lo[torch.isinf(hi)] = float("inf")
    found = torch.isfinite(hi)
    for _ in range(bisections):
        if not bool(found.any()):
            break
        mid = 0.5 * (lo[found] + hi[found])
        ok = psd(theta + mid[:, None] * U[found])
        idx = found.nonzero().flatten()
        lo[idx[ok]] = mid[ok]
        hi[idx[~ok]] = mid[~ok]
    return lo
