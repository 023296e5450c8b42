"""Argument checks shared by the library: each returns the value in its canonical type or
raises a ``TypeError`` / ``ValueError`` that names the argument and what it must be."""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

__all__ = ["real", "real_scalar", "sequence", "whole", "whole_list"]


def real_scalar(value: Any, name: str, kind: str, hint: str) -> Any:
    """A one-element real tensor as its Python number; anything but a real number (a string, a
    bool, a complex number) refused with a TypeError saying ``name`` must be ``kind``."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {kind}{hint}, got {value!r} ({type(value).__name__})")
    return value


def whole(value, name: str, minimum: int | None = None, hint: str = "") -> int:
    """``value`` as an int: an integer, or a float with a whole value (2.0); else a clear error.

    Strings, booleans, NaN/inf and non-whole numbers (2.5) are refused, never truncated.
    ``hint`` (e.g. ``"(samples per iteration)"``) is appended to the messages.
    """
    hint = f" {hint}" if hint else ""
    value = real_scalar(value, name, "a whole number", hint)
    if not isinstance(value, numbers.Integral):
        f = float(value)
        if not math.isfinite(f) or f != math.floor(f):
            raise ValueError(f"{name} must be a whole number{hint}, got {value!r}")
        value = f
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}{hint}, got {value}")
    return value


def real(
    value, name: str, minimum: float | None = None, positive: bool = False, hint: str = ""
) -> float:
    """``value`` as a finite float: a real number (not a string, bool, complex, NaN or inf)."""
    hint = f" {hint}" if hint else ""
    value = real_scalar(value, name, "a real number", hint)
    f = float(value)
    if not math.isfinite(f):
        raise ValueError(f"{name} must be a finite number{hint}, got {value!r}")
    if positive and not f > 0:
        raise ValueError(f"{name} must be positive{hint}, got {value!r}")
    if minimum is not None and f < minimum:
        raise ValueError(f"{name} must be a finite number >= {minimum:g}{hint}, got {value!r}")
    return f


def sequence(value, name: str, what: str = "whole numbers") -> list:
    """A list from a sequence (list, tuple, 1-D tensor or array).

    Strings and scalars are refused.
    """
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(
            f"{name} must be a sequence of {what}, got {type(value).__name__} {value!r}"
        )
    if isinstance(value, torch.Tensor) and value.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-D sequence of {what}, got a tensor of shape {tuple(value.shape)}"
        )
    return list(value)


def whole_list(value, name: str, minimum: int | None = None) -> list[int]:
    items = sequence(value, name)
    return [whole(v, f"{name}[{i}]", minimum) for i, v in enumerate(items)]
