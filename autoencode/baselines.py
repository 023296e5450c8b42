"""Baselines the AutoencODE results are compared with.

* :class:`PCA`: the best affine reconstruction through k components (Figs 6 and 8
  compare the AutoencODE's reconstruction error with PCA at the bottleneck width).
"""

from __future__ import annotations

from typing import cast

import torch

__all__ = ["PCA", "reconstruction_mse"]


class PCA:
    """Principal component analysis fitted by an SVD of the centred data.

    ``PCA(k).fit(x)``; then ``encode`` ([N, k] coefficients), ``decode`` and
    ``reconstruct`` (= decode(encode(x))), the optimal rank-k affine map in the
    least-squares sense on the fitted data.
    """

    def __init__(self, k: int) -> None:
        if k < 1:
            raise ValueError(f"PCA needs at least one component, got k = {k}")
        self.k = int(k)
        self.mean: torch.Tensor | None = None
        self.components: torch.Tensor | None = None  # [k, d], orthonormal rows

    def fit(self, x: torch.Tensor) -> PCA:
        x = torch.as_tensor(x, dtype=torch.float64)
        if x.ndim != 2 or x.shape[0] < 1:
            raise ValueError(f"PCA.fit needs data of shape [N, d], got {tuple(x.shape)}")
        if self.k > min(x.shape):
            raise ValueError(f"k = {self.k} exceeds min(N, d) = {min(x.shape)}")
        self.mean = x.mean(0)
        _, _, vh = torch.linalg.svd(x - self.mean, full_matrices=False)
        self.components = vh[: self.k]
        return self

    def _check(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, components) of the fit."""
        if self.components is None:
            raise RuntimeError("call fit(x) first")
        return cast(torch.Tensor, self.mean), self.components  # fit sets both

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        mean, components = self._check()
        x = torch.as_tensor(x, dtype=torch.float64).to(mean.device)
        return (x - mean) @ components.T

    def decode(self, c: torch.Tensor) -> torch.Tensor:
        mean, components = self._check()
        return c @ components + mean

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The rank-k affine reconstruction of x, in x's dtype."""
        x = torch.as_tensor(x)
        return self.decode(self.encode(x)).to(device=x.device, dtype=x.dtype)


def reconstruction_mse(x: torch.Tensor, x_hat: torch.Tensor, per: str = "entry") -> float:
    """Mean squared reconstruction error.

    Per ``"entry"`` (pixel) or per ``"sample"`` (summed over d).
    """
    x_hat = torch.as_tensor(x_hat, dtype=torch.float64)
    err = (x_hat - torch.as_tensor(x, dtype=torch.float64).to(x_hat.device)) ** 2
    if per == "entry":
        return float(err.mean())
    if per == "sample":
        return float(err.sum(1).mean())
    raise ValueError(f"per must be 'entry' or 'sample', got {per!r}")
