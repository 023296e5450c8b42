"""Activation functions by name, each with the derivative the co-states need.

A registry in the spirit of torchdiffeq's solver table: the model looks the
name up once; the discrete Pontryagin code calls ``derivative(z, a)`` with the
pre-activation z and the activation a = sigma(z) (tanh' = 1 - a^2 is cheaper
from a than from z); ``backward(g, z, a)`` = g * sigma'(z) is the product the co-states take,
one fused kernel for tanh and the sigmoid (one pass over memory instead of three).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["Activation", "ACTIVATIONS", "get_activation"]


@dataclass(frozen=True)
class Activation:
    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]
    derivative: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    #: ``fused(g, a)`` = g * sigma'(z) from a = sigma(z) in one kernel, where torch has one.
    fused: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None

    def backward(self, g: torch.Tensor, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """g * sigma'(z), given z and a = sigma(z)."""
        return self.fused(g, a) if self.fused is not None else g * self.derivative(z, a)


ACTIVATIONS = {
    "tanh": Activation("tanh", torch.tanh, lambda z, a: 1 - a * a, torch.ops.aten.tanh_backward),
    "sigmoid": Activation(
        "sigmoid", torch.sigmoid, lambda z, a: a * (1 - a), torch.ops.aten.sigmoid_backward
    ),
    "softplus": Activation("softplus", torch.nn.functional.softplus, lambda z, a: torch.sigmoid(z)),
    "relu": Activation("relu", torch.relu, lambda z, a: (z > 0).to(z.dtype)),
    "identity": Activation("identity", lambda z: z, lambda z, a: torch.ones_like(z)),
}


def get_activation(name: str) -> Activation:
    """The activation called ``name`` (one of ``ACTIVATIONS``)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
