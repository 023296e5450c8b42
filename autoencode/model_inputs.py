"""What an :class:`~autoencode.model.AutoencODE` accepts: its settings and its batches.

* :func:`check_settings`: the arguments of ``AutoencODE(...)`` (the architecture, T, the
  initialisation, the off mode, the bias flag), each refused with a message that names it;
* :func:`check_batch`: a batch ``[N, d]`` (shape, emptiness, NaN/inf, device and dtype), what
  :meth:`autoencode.model.AutoencODE.check_input` runs;
* :func:`embed_latent`: the input of :meth:`autoencode.model.AutoencODE.decode`, a bottleneck
  state or its latent components, as a state ``[N, d]``.
"""

from __future__ import annotations

import math

import torch

from .architecture import Architecture
from .arguments import real, whole
from .devices import check_placement
from .initial_weights import INITS

__all__ = ["OFF_MODES", "check_batch", "check_settings", "embed_latent"]

#: How a turned-off component evolves (``AutoencODE(off_mode=...)``).
OFF_MODES = ("reset", "freeze")


def check_settings(
    arch: Architecture,
    T: float,
    bias: bool,
    off_mode: str,
    init_scale: float,
    seed: int,
    init: str,
) -> tuple[float, float, int]:
    """Check the settings of an :class:`~autoencode.model.AutoencODE` (its parameters of the
    same names) and return ``(T, init_scale, seed)`` as numbers; a bad one raises a
    :class:`TypeError` or :class:`ValueError` naming it."""
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    if not isinstance(arch, Architecture):
        raise TypeError(f"arch must be an Architecture, got {type(arch).__name__}")
    if off_mode not in OFF_MODES:
        raise ValueError(f"off_mode must be one of {OFF_MODES}, got {off_mode!r}")
    T = real(T, "T", hint="(the final time, > 0)")
    if not (T > 0 and math.isfinite(T)):
        raise ValueError(f"T must be a positive finite time, got {T}")
    init_scale = real(init_scale, "init_scale", hint="(scale of the initial weights)")
    seed = whole(seed, "seed", hint="(seed of the initial weights)")
    if not isinstance(bias, bool) and bias not in (0, 1):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    return T, init_scale, seed


def check_batch(x: torch.Tensor, like: torch.Tensor, dim: int, name: str = "x") -> torch.Tensor:
    """Validate a batch ``[N, dim]``: shape, emptiness, NaN/inf, device and dtype.

    ``like``: a tensor on the model's device and in its dtype (its weights). A tensor must be
    on that device and, if floating, in that dtype (else an error naming both); integer
    tensors and other array-likes (lists, NumPy arrays) are converted to that dtype on that
    device. ``name`` names the batch in the messages.
    """
    if not isinstance(x, torch.Tensor):
        try:
            x = torch.as_tensor(x, device=like.device)
        except (TypeError, ValueError, RuntimeError) as e:
            raise TypeError(
                f"{name} must be a tensor [N, d={dim}] of real numbers, "
                f"got {type(x).__name__} ({e})"
            ) from None
        if x.is_floating_point():  # not a tensor: no dtype was chosen in torch
            x = x.to(like.dtype)
    if x.is_complex():
        raise TypeError(
            f"{name} is complex ({x.dtype}); the model takes real tensors "
            f"(pass x.real or x.abs() explicitly)"
        )
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape [N, d={dim}], got {tuple(x.shape)}")
    if x.shape[1] != dim:
        raise ValueError(
            f"{name} has last dimension {x.shape[1]}, but the model's state dimension is d = {dim}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (N = 0)")
    # One read: a NaN or inf makes the sum non-finite (so may an overflow of finite values,
    # which the exact scan then clears); meta tensors (tests of where tensors are made) hold
    # no values.
    if x.device.type != "meta" and not bool(torch.isfinite(x.sum())):
        bad = ~torch.isfinite(x)
        if bad.any():
            rows = torch.nonzero(bad.any(1)).flatten()
            raise ValueError(
                f"{name} contains NaN or inf in {len(rows)} sample(s), first at row {int(rows[0])}"
            )
    check_placement(x, like, name)
    return x.to(like.dtype)


def embed_latent(z: torch.Tensor, idx: torch.Tensor, dim: int) -> torch.Tensor:
    """A decoder's input as a state: ``z`` itself (``[N, dim]``), or a latent ``[N, w_b]``
    placed in the bottleneck components ``idx`` (the others 0) when ``z`` has ``len(idx)``
    columns and ``len(idx) != dim``; a ``z`` that is not a tensor raises a :class:`TypeError`.
    """
    if not isinstance(z, torch.Tensor):
        raise TypeError(
            f"z must be a torch.Tensor ([N, d={dim}] or the latent [N, w_b]), got "
            f"{type(z).__name__}; convert it with torch.as_tensor(z)"
        )
    if z.ndim == 2 and z.shape[1] == len(idx) and len(idx) != dim:
        full = z.new_zeros(z.shape[0], dim)
        full[:, idx] = z
        z = full
    return z
