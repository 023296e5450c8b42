"""The 2D data sets of Figs 4-6, generated from a seed.

* :func:`two_clusters`: two Gaussian classes separable along the first
  coordinate only (Figs 4 and 5), with :func:`class_targets` giving each
  sample the target point of its class;
* :func:`sine_curve`: points on a 1D curve in R^2 (Fig 6's reconstruction task).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

__all__ = ["two_clusters", "class_targets", "nearest_target", "accuracy", "sine_curve",
           "DEFAULT_TARGETS"]

#: Target point of each class: separated in both coordinates (spec section 3).
DEFAULT_TARGETS = ((-1.0, -1.0), (1.0, 1.0))


def two_clusters(n: int = 200, seed: int = 0, centers: Sequence[Sequence[float]] = ((-1.0, 0.0), (1.0, 0.0)),
                 std: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points (half per class, float32 ``[n, 2]``) and their labels (int64 ``[n]``)."""
    if n < 2:
        raise ValueError(f"need at least 2 points (one per class), got n = {n}")
    if std < 0:
        raise ValueError(f"std must be non-negative, got {std}")
    g = torch.Generator().manual_seed(int(seed))
    centers = torch.as_tensor(centers, dtype=torch.float32)
    labels = torch.arange(n) % len(centers)
    labels = labels[torch.randperm(n, generator=g)]
    x = centers[labels] + std * torch.randn(n, centers.shape[1], generator=g)
    return x, labels


def class_targets(labels: torch.Tensor, targets: Sequence[Sequence[float]] = DEFAULT_TARGETS) -> torch.Tensor:
    """The target point of each sample's class, ``[n, 2]``."""
    targets = torch.as_tensor(targets, dtype=torch.float32)
    if labels.min() < 0 or labels.max() >= len(targets):
        raise ValueError(f"labels must lie in 0..{len(targets) - 1}")
    return targets[labels]


def nearest_target(xL: torch.Tensor, targets: Sequence[Sequence[float]] = DEFAULT_TARGETS) -> torch.Tensor:
    """Predicted class: the index of the nearest target point."""
    targets = torch.as_tensor(targets, dtype=xL.dtype)
    return torch.cdist(xL, targets).argmin(1)


def accuracy(xL: torch.Tensor, labels: torch.Tensor,
             targets: Sequence[Sequence[float]] = DEFAULT_TARGETS) -> float:
    """Fraction of samples whose final state is nearest to their own class's target."""
    return float((nearest_target(xL, targets) == labels).float().mean())


def sine_curve(n: int = 200, seed: int = 0, amplitude: float = 0.6, noise: float = 0.0) -> torch.Tensor:
    """``n`` points (t, amplitude * sin(pi t)), t uniform in [-1, 1], float32 ``[n, 2]``.

    A 1D manifold in R^2 that no straight line fits: the best affine 1D
    reconstruction (PCA) cannot follow it, a 2 -> 1 -> 2 AutoencODE can.
    """
    if n < 1:
        raise ValueError(f"need at least one point, got n = {n}")
    g = torch.Generator().manual_seed(int(seed))
    t = 2 * torch.rand(n, generator=g) - 1
    x = torch.stack([t, amplitude * torch.sin(math.pi * t)], 1)
    if noise:
        x = x + noise * torch.randn(n, 2, generator=g)
    return x
