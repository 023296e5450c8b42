"""The initial weights of an :class:`~autoencode.model.AutoencODE`.

They are drawn on the CPU in float32 from a private generator seeded by the model's ``seed``
(the global RNG is untouched), then moved: a seed gives the same initial weights on every
device and in every dtype.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["INITS", "initial_weights"]

#: Initialisations of the trained entries (``AutoencODE(init=...)``).
INITS = ("normal", "constant")


def initial_weights(
    widths: Sequence[int],
    init: str,
    init_scale: float,
    seed: int,
    bias: bool,
    device: torch.device,
    dtype: torch.dtype,
) -> tuple[nn.ParameterList, nn.ParameterList]:
    """``(weights, biases)``: W_k ``[w_k, w_k]`` and b_k ``[w_k]`` of each layer k, w_k =
    ``widths[k]`` (no biases without ``bias``), on ``device`` in ``dtype``.

    ``init="normal"``: W_k is N(0, init_scale^2 / w_k), drawn layer by layer, b_k is 0;
    ``init="constant"``: every entry equals ``init_scale`` (``seed`` unused).
    """
    gen = torch.Generator().manual_seed(int(seed))
    weights = nn.ParameterList()
    biases = nn.ParameterList()
    for w in widths:
        if init == "constant":
            W = torch.full((w, w), float(init_scale), device=device, dtype=dtype)
        else:
            W = torch.randn(w, w, generator=gen, device="cpu", dtype=torch.float32)
            W = (W * (init_scale / math.sqrt(w))).to(device=device, dtype=dtype)
        weights.append(nn.Parameter(W))
        if bias:
            b0 = float(init_scale) if init == "constant" else 0.0
            b = torch.full((w,), b0, device=device, dtype=dtype)
            biases.append(nn.Parameter(b))
    return weights, biases
