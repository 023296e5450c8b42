"""The 2D data sets of Figs 4-6, generated from a seed.

* :func:`two_clusters`: two Gaussian classes separable along the first
  coordinate only (Figs 4 and 5), with :func:`class_targets` giving each
  sample the target point of its class;
* :func:`sine_curve`: points on a 1D curve in R^2 (Fig 6's reconstruction task);
* :func:`truncated_gaussians`: n points per class from Gaussians truncated to a ball
  around each centre (the earlier paper's 2D data, the NeurODE page).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

import torch

from ..devices import resolve_device, resolve_dtype

__all__ = [
    "two_clusters",
    "class_targets",
    "nearest_target",
    "accuracy",
    "sine_curve",
    "DEFAULT_TARGETS",
    "truncated_gaussians",
    "BONNET2021_CENTERS",
    "BONNET2021_TARGETS",
    "BONNET2021_RADIUS",
    "BONNET2021_STD",
]

# Every set is drawn on the CPU in float32 from its seed, then moved to ``device`` in ``dtype``
# (default: torch's defaults, see :mod:`autoencode.devices`): a seed gives the same points
# everywhere.


def _placed(
    x: torch.Tensor, labels: torch.Tensor | None, device, dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    dev = resolve_device(device)
    x = x.to(device=dev, dtype=resolve_dtype(dtype))
    return x, (labels.to(dev) if labels is not None else labels)  # type: ignore[return-value]


#: Target point of each class: separated in both coordinates (our choice, in the reproduction
#: notes).
DEFAULT_TARGETS = ((-1.0, -1.0), (1.0, 1.0))


def two_clusters(
    n: int = 200,
    seed: int = 0,
    centers: Sequence[Sequence[float]] = ((-1.0, 0.0), (1.0, 0.0)),
    std: float = 0.2,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points (half per class, ``[n, 2]``) and their labels (int64 ``[n]``)."""
    if n < 2:
        raise ValueError(f"need at least 2 points (one per class), got n = {n}")
    if std < 0:
        raise ValueError(f"std must be non-negative, got {std}")
    with torch.device("cpu"):
        g = torch.Generator().manual_seed(int(seed))
        c = torch.as_tensor(centers, dtype=torch.float32)
        labels = torch.arange(n) % len(c)
        labels = labels[torch.randperm(n, generator=g)]
        x = c[labels] + std * torch.randn(n, c.shape[1], generator=g)
    return _placed(x, labels, device, dtype)


def _check_labels(labels) -> torch.Tensor:
    """Labels as a non-empty 1-D integer tensor, or a clear error."""
    if not isinstance(labels, torch.Tensor):
        try:
            labels = torch.as_tensor(labels)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"labels must be a 1-D tensor [n] of integer class indices, "
                f"got {type(labels).__name__}"
            ) from None
    if labels.dtype == torch.bool or labels.is_floating_point() or labels.is_complex():
        raise TypeError(
            f"labels must be integer class indices (e.g. int64), got dtype {labels.dtype}"
        )
    if labels.ndim != 1:
        raise ValueError(
            f"labels must be a 1-D tensor [n] of class indices, got shape {tuple(labels.shape)}"
        )
    if labels.numel() == 0:
        raise ValueError("labels is empty (n = 0)")
    return labels


def _check_targets(targets, dtype: torch.dtype) -> torch.Tensor:
    """Target points as a finite ``[C, D]`` tensor, or a clear error."""
    try:
        t = torch.as_tensor(targets, dtype=dtype)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(
            f"targets must be a list of points [C, D] (real numbers), got {targets!r:.80}"
        ) from None
    if t.ndim != 2 or t.shape[0] < 1 or t.shape[1] < 1:
        raise ValueError(
            f"targets must be a non-empty list of points [C, D], got shape {tuple(t.shape)}"
        )
    if not torch.isfinite(t).all():
        raise ValueError("targets contain NaN or inf")
    return t


def class_targets(
    labels: torch.Tensor,
    targets: Sequence[Sequence[float]] = DEFAULT_TARGETS,
    dtype: str | torch.dtype | None = None,
) -> torch.Tensor:
    """The target point of each sample's class, ``[n, 2]``, on the labels' device in ``dtype``
    (default torch's)."""
    labels = _check_labels(labels)
    t = _check_targets(targets, resolve_dtype(dtype)).to(labels.device)
    if labels.min() < 0 or labels.max() >= len(t):
        raise ValueError(f"labels must lie in 0..{len(t) - 1}")
    return t[labels]


def nearest_target(
    xL: torch.Tensor, targets: Sequence[Sequence[float]] = DEFAULT_TARGETS
) -> torch.Tensor:
    """Predicted class: the index of the nearest target point."""
    if not isinstance(xL, torch.Tensor):
        raise TypeError(
            f"xL must be a torch.Tensor [n, D] of final states, got {type(xL).__name__}; "
            f"convert it with torch.as_tensor(xL)"
        )
    if xL.is_complex():
        raise TypeError(f"xL must be real, got dtype {xL.dtype}")
    if xL.ndim != 2:
        raise ValueError(
            f"xL must have shape [n, D] (one final state per row), got {tuple(xL.shape)}"
        )
    if not xL.is_floating_point():
        xL = xL.to(torch.get_default_dtype())
    t = _check_targets(targets, xL.dtype).to(xL.device)
    if t.shape[1] != xL.shape[1]:
        raise ValueError(
            f"targets are points in R^{t.shape[1]}, but xL has {xL.shape[1]} columns (D must agree)"
        )
    return torch.cdist(xL, t).argmin(1)


def accuracy(
    xL: torch.Tensor, labels: torch.Tensor, targets: Sequence[Sequence[float]] = DEFAULT_TARGETS
) -> float:
    """Fraction of samples whose final state is nearest to their own class's target."""
    labels = _check_labels(labels)
    predicted = nearest_target(xL, targets)
    if labels.shape[0] != predicted.shape[0]:
        raise ValueError(
            f"labels has {labels.shape[0]} entries but xL has {predicted.shape[0]} samples"
        )
    return float((predicted == labels.to(predicted.device)).float().mean())


def sine_curve(
    n: int = 200,
    seed: int = 0,
    amplitude: float = 0.6,
    noise: float = 0.0,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> torch.Tensor:
    """``n`` points (t, amplitude * sin(pi t)), t uniform in [-1, 1], ``[n, 2]``.

    A 1D manifold in R^2 that no straight line fits: the best affine 1D
    reconstruction (PCA) cannot follow it, a 2 -> 1 -> 2 AutoencODE can.
    """
    if n < 1:
        raise ValueError(f"need at least one point, got n = {n}")
    with torch.device("cpu"):
        g = torch.Generator().manual_seed(int(seed))
        t = 2 * torch.rand(n, generator=g, dtype=torch.float32) - 1
        x = torch.stack([t, amplitude * torch.sin(math.pi * t)], 1)
        if noise:
            x = x + noise * torch.randn(n, 2, generator=g, dtype=torch.float32)
    return _placed(x, None, device, dtype)[0]


#: The earlier paper's 2D set-up (Bonnet, Cipriani, Fornasier, Huang 2021, public code
#: ``bidimensional.py``): class centres, class targets, truncation radius, and the
#: standard deviation of the Gaussians before truncation.
BONNET2021_CENTERS = ((-1.0, -1.0), (1.0, 1.0))
BONNET2021_TARGETS = ((-2.0, -2.0), (2.0, 2.0))
BONNET2021_RADIUS = 0.2
BONNET2021_STD = 1.0


def truncated_gaussians(
    n: int = 100,
    seed: int = 0,
    centers: Sequence[Sequence[float]] = BONNET2021_CENTERS,
    radius: float = BONNET2021_RADIUS,
    std: float = BONNET2021_STD,
    device: str | torch.device | None = None,
    dtype: str | torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points *per class*, class c drawn from N(centers[c], std^2 I) truncated to the
    ball of the given radius around centers[c].

    Returns the points (``[n * C, D]``, drawn in float64, stored in float32, then in ``dtype``
    on ``device``; class by class: the first n are class 0)
    and their labels (int64 ``[n * C]``), C centres in R^D. The defaults are the earlier
    paper's 2D data: 100 points per class around (-1, -1) and (1, 1), a standard normal
    truncated to radius 0.2 (nearly uniform on the disc: the density varies by 2 % on it).

    Sampled exactly and without rejection (the cost does not depend on how much mass the
    ball holds): a uniform direction times a radius r from the inverse CDF of the radial
    law, r^2 / (2 std^2) ~ Gamma(D/2) truncated to radius^2 / (2 std^2). Points lie in
    their ball up to float32 rounding.
    """
    try:
        n = operator.index(n)
    except TypeError:
        raise ValueError(f"n (points per class) must be a positive integer, got {n!r}") from None
    if n < 1:
        raise ValueError(f"n (points per class) must be a positive integer, got {n}")
    if not (math.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a positive finite number, got {radius}")
    if not (math.isfinite(std) and std > 0):
        raise ValueError(f"std must be a positive finite number, got {std}")
    c = torch.as_tensor(centers, dtype=torch.float64, device="cpu")
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
        raise ValueError(
            f"centers must be a non-empty list of points [C, D], got shape {tuple(c.shape)}"
        )
    if not torch.isfinite(c).all():
        raise ValueError("centers contain NaN or inf")
    n_classes, dim = c.shape
    with torch.device("cpu"):
        x, labels = _truncated_gaussians(n, seed, c, radius, std)
    return _placed(x, labels, device, dtype)


def _truncated_gaussians(
    n: int, seed: int, c: torch.Tensor, radius: float, std: float
) -> tuple[torch.Tensor, torch.Tensor]:
    n_classes, dim = c.shape
    g = torch.Generator().manual_seed(int(seed))
    half_dim = torch.tensor(dim / 2, dtype=torch.float64)
    a = torch.tensor(radius**2 / (2 * std**2), dtype=torch.float64)
    mass = torch.special.gammainc(half_dim, a)  # P(|x - c| <= radius) before truncation
    points = []
    for k in range(n_classes):
        u = torch.rand(n, generator=g, dtype=torch.float64)
        direction = torch.randn(n, dim, generator=g, dtype=torch.float64)
        direction = direction / direction.norm(dim=1, keepdim=True).clamp_min(1e-300)
        if mass > 0:
            # Solve gammainc(D/2, s) = u * mass for s in [0, a] by bisection (60 halvings).
            target, lo, hi = u * mass, torch.zeros_like(u), torch.full_like(u, float(a))
            for _ in range(60):
                mid = (lo + hi) / 2
                below = torch.special.gammainc(half_dim, mid) < target
                lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
            r = std * torch.sqrt(2 * (lo + hi) / 2)
        else:  # a ball so small that the Gaussian is flat on it: uniform in the ball
            r = radius * u ** (1 / dim)
        points.append(c[k] + r[:, None] * direction)
    x = torch.cat(points).to(torch.float32)
    labels = torch.arange(n_classes).repeat_interleave(n)
    return x, labels
