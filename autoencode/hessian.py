"""Spectrum of the Hessian of J with respect to all trained parameters (Table 1).

Two ways to the extreme eigenvalues:
* ``"dense"``: the full Hessian (P x P) by autograd and ``eigvalsh``; exact, for
  small models (P up to a few thousand);
* ``"lanczos"``: ``scipy.sparse.linalg.eigsh`` on Hessian-vector products
  (double back-propagation), for large ones.
``"auto"`` picks dense up to ``dense_limit`` parameters.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import functional_call

from .model import AutoencODE

__all__ = ["HessianSpectrum", "hessian_spectrum", "hessian_matrix"]


@dataclass(frozen=True)
class HessianSpectrum:
    """Extreme eigenvalues of the Hessian of J; ``n_params`` is its size."""

    min: float
    max: float
    n_params: int
    method: str


def _cost_of_flat(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float):
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def cost(flat: torch.Tensor) -> torch.Tensor:
        params = {n: t.view(s) for n, t, s in zip(names, torch.split(flat, sizes), shapes)}
        xL = functional_call(model, params, (x,))
        reg = model.h * (flat ** 2).sum()
        return model.data_loss(xL, y) + lam * reg

    flat0 = torch.cat([p.detach().flatten() for p in model.parameters()])
    return cost, flat0


def hessian_matrix(model: AutoencODE, x: torch.Tensor, y: torch.Tensor, lam: float,
                   dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The dense Hessian of J at the model's current weights, ``[P, P]``."""
    m = copy.deepcopy(model).to(dtype)
    x = m.check_input(x).to(dtype)
    y = m.check_input(y, name="y").to(dtype)
    cost, flat = _cost_of_flat(m, x, y, lam)
    H = torch.autograd.functional.hessian(cost, flat)
    return 0.5 * (H + H.T)


def hessian_spectrum(model: AutoencODE, x: torch.Tensor, y: torch.Tensor | None = None,
                     lam: float = 0.0, method: str = "auto", dense_limit: int = 2000,
                     dtype: torch.dtype = torch.float64, tol: float = 1e-8) -> HessianSpectrum:
    """Minimum and maximum eigenvalue of the Hessian of J (``y=None``: reconstruction)."""
    y = x if y is None else y
    n = sum(p.numel() for p in model.parameters())
    if method == "auto":
        method = "dense" if n <= dense_limit else "lanczos"
    if method == "dense":
        ev = torch.linalg.eigvalsh(hessian_matrix(model, x, y, lam, dtype))
        return HessianSpectrum(float(ev[0]), float(ev[-1]), n, "dense")
    if method != "lanczos":
        raise ValueError(f"method must be 'auto', 'dense' or 'lanczos', got {method!r}")
    from scipy.sparse.linalg import LinearOperator, eigsh

    m = copy.deepcopy(model).to(dtype)
    x = m.check_input(x).to(dtype)
    y = m.check_input(y, name="y").to(dtype)
    cost, flat = _cost_of_flat(m, x, y, lam)
    flat = flat.clone().requires_grad_(True)
    grad = torch.autograd.grad(cost(flat), flat, create_graph=True)[0]

    def hvp(v: np.ndarray) -> np.ndarray:
        vt = torch.as_tensor(np.asarray(v).ravel(), dtype=dtype)
        hv = torch.autograd.grad(grad, flat, grad_outputs=vt, retain_graph=True)[0]
        return hv.detach().numpy()

    op = LinearOperator((n, n), matvec=hvp, dtype=np.float64)
    v0 = np.random.default_rng(0).standard_normal(n)   # fixed start: reproducible tables
    top = eigsh(op, k=1, which="LA", tol=tol, v0=v0, return_eigenvectors=False)[0]
    bottom = eigsh(op, k=1, which="SA", tol=tol, v0=v0, return_eigenvectors=False)[0]
    return HessianSpectrum(float(bottom), float(top), n, "lanczos")
