"""Where the numbers live: the device and the floating dtype of a run.

The library creates every tensor on the device and in the dtype of the model (or of the data it
is given); nothing is placed on a hard-coded device. Constructors (``AutoencODE``, the data
sets, the MNIST vectors, ``NCODE``) take ``device=`` and ``dtype=``, default torch's defaults,
which :func:`compute_on` sets for a whole run (a figure of the book, ``python -m autoencode
figure --device cuda --dtype float64``).

Random draws (initial weights, data sets, mini-batch orders) are made on the CPU from seeded
generators and then moved, so a seed gives the same initial weights, data and batches on every
device; only the round-off of the arithmetic differs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = [
    "DTYPES",
    "available_devices",
    "resolve_device",
    "resolve_dtype",
    "compute_on",
    "check_placement",
    "has_fused_optimizers",
]

#: Device types with torch's fused (one kernel for every parameter) Adam and SGD steps.
FUSED_OPTIMIZER_DEVICES = ("cpu", "cuda", "mps", "xpu")


def has_fused_optimizers(device: torch.device) -> bool:
    """Whether ``torch.optim.Adam(..., fused=True)`` runs on this device (not on ``meta``)."""
    return device.type in FUSED_OPTIMIZER_DEVICES


#: The floating dtypes the library computes in, by name.
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}
_ALIASES = {"float": "float32", "single": "float32", "double": "float64", "half": "float16"}


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def available_devices() -> list[str]:
    """The device types this machine can compute on: ``"cpu"``, then ``"cuda"``, ``"mps"``."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    return found


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``device`` as a :class:`torch.device` (None: torch's default device, normally the CPU).

    A device this machine does not have is an error that says which ones it has.
    """
    if device is None:
        return torch.get_default_device()
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"device must be a name like 'cpu', 'cuda', 'cuda:1' or 'mps' (or a torch.device), "
            f"got {type(device).__name__} {device!r}"
        )
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as e:
        raise ValueError(
            f"unknown device {device!r} ({e}); use one of {', '.join(available_devices())}"
        ) from None
    if dev.type == "meta":  # no data: for checking where tensors are made, not for results
        return dev
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {str(device)!r} is not available here (torch.cuda.is_available() is "
                f"False: no CUDA GPU or a CPU-only torch); available: "
                f"{', '.join(available_devices())}"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {str(device)!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s)"
            )
    elif dev.type == "mps":
        if not _mps_available():
            raise ValueError(
                f"device 'mps' is not available here (Apple GPUs only); available: "
                f"{', '.join(available_devices())}"
            )
    elif dev.type != "cpu":
        raise ValueError(
            f"device type {dev.type!r} is not supported; use one of "
            f"{', '.join(available_devices())}"
        )
    return dev


def resolve_dtype(dtype: str | torch.dtype | None) -> torch.dtype:
    """``dtype`` as a floating :class:`torch.dtype` (None: torch's default dtype).

    Names: ``"float32"`` (``"float"``, ``"single"``), ``"float64"`` (``"double"``),
    ``"float16"`` (``"half"``), ``"bfloat16"``, with or without ``"torch."``.
    """
    if dtype is None:
        return torch.get_default_dtype()
    if isinstance(dtype, torch.dtype):
        if not dtype.is_floating_point:
            raise ValueError(
                f"dtype must be a floating dtype (float32 or float64), got {dtype}: the model's "
                f"states and weights are real numbers"
            )
        return dtype
    if not isinstance(dtype, str):
        raise TypeError(
            f"dtype must be a name like 'float32' or 'float64' (or a torch.dtype), "
            f"got {type(dtype).__name__} {dtype!r}"
        )
    name = dtype.strip().removeprefix("torch.")
    name = _ALIASES.get(name, name)
    if name not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    return DTYPES[name]


@contextlib.contextmanager
def compute_on(
    device: str | torch.device | None = None, dtype: str | torch.dtype | None = None
) -> Iterator[tuple[torch.device, torch.dtype]]:
    """Run the block with torch's default device and dtype set to ``device`` and ``dtype``
    (None: unchanged), then restore them. Yields the resolved ``(device, dtype)``."""
    dev, dt = resolve_device(device), resolve_dtype(dtype)
    before_device, before_dtype = torch.get_default_device(), torch.get_default_dtype()
    torch.set_default_device(dev)
    torch.set_default_dtype(dt)
    try:
        yield dev, dt
    finally:
        torch.set_default_device(before_device)
        torch.set_default_dtype(before_dtype)


def check_placement(
    t: torch.Tensor, like: torch.Tensor, name: str, owner: str = "the model"
) -> None:
    """Refuse a tensor ``t`` on another device, or in another floating dtype, than ``like``
    (a tensor of ``owner``), naming both and the fix."""
    if t.device.type != like.device.type or (
        t.device.index is not None
        and like.device.index is not None
        and t.device.index != like.device.index
    ):
        raise ValueError(
            f"{name} is on device {t.device} but {owner} is on {like.device}; move one to the "
            f"other ({name}.to({str(like.device)!r}) or model.to({str(t.device)!r}))"
        )
    if t.is_floating_point() and t.dtype != like.dtype:
        raise TypeError(
            f"{name} is {str(t.dtype).removeprefix('torch.')} but {owner} computes in "
            f"{str(like.dtype).removeprefix('torch.')}; convert one to the other "
            f"({name}.to({like.dtype}) or model.to({t.dtype})) rather than mixing precisions"
        )
