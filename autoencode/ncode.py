"""A data-conditioned-control autoencoder in the spirit of N-CODE (Chalvidal et al., "Neural
optimal control for representation learning"): OUR reconstruction from that paper's abstract.

The abstract proposes, instead of one set of controls for the whole data set, "a
data-conditioned distribution of optimal controls over the network dynamics" ("input-dependent
fast neural plasticity"), and a "functional" AutoencODE built on it. We know only the abstract;
everything below is our choice (see the book's reproduction notes, "Beyond the paper"):

* **encoder**: ``z = E(x) = W_2 tanh(W_1 x + b_1) + b_2``, a code of ``code`` (32) numbers;
* **control**: the code sets the control of the ODE, one vector per step,
  ``u_k(z) = C_k z + c_k`` in ``R^width`` (an affine map of the code: a low-rank hypernetwork
  that shifts the field's inner pre-activation; ``u_0`` is the initial control);
* **flow**: explicit Euler on ``d = 784`` pixels, from the same start ``x_0`` for every image
  (the mean training image, a fixed buffer):
  ``x_{k+1} = x_k + h A tanh(B x_k + u_k(z)) + h a``, ``h = T / L``; ``A``, ``B``, ``a`` are
  shared by all images and all steps;
* **reconstruction**: ``x_L``. The only path from the input to the output is the code, so the
  bottleneck is ``code`` wide, as in our AutoencODE.

Training (:func:`train_ncode`): end to end by autograd (backpropagation through the Euler
steps, not our co-states) with Adam on the mean squared error per pixel.
"""

from __future__ import annotations

import math
import time
from typing import Any

import torch
from torch import nn

from .devices import check_placement, resolve_device, resolve_dtype

__all__ = ["NCODE", "train_ncode"]


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class NCODE(nn.Module):
    """Encoder -> code -> per-image control of an explicit-Euler controlled ODE -> image.

    Parameters
    ----------
    dim:
        The data dimension (784 for MNIST), also the ODE's state dimension.
    code:
        The width of the code (the bottleneck).
    hidden:
        The encoder's hidden width.
    width:
        The field's inner width (the dimension of the control ``u_k``).
    L, T:
        Euler steps and final time (``h = T / L``).
    start:
        The common initial state ``x_0`` (``[dim]``); default zeros.
    seed:
        Seed of the initial weights.
    """

    start: torch.Tensor  # a buffer: the common initial state x_0

    def __init__(
        self,
        dim: int = 784,
        code: int = 32,
        hidden: int = 256,
        width: int = 64,
        L: int = 10,
        T: float = 1.0,
        start: torch.Tensor | None = None,
        seed: int = 0,
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
    ) -> None:
        super().__init__()
        device, dtype = resolve_device(device), resolve_dtype(dtype)
        self.dim = _positive_int(dim, "dim")
        self.code = _positive_int(code, "code")
        self.hidden = _positive_int(hidden, "hidden")
        self.width = _positive_int(width, "width")
        self.L = _positive_int(L, "L")
        if (
            isinstance(T, bool)
            or not isinstance(T, (int, float))
            or not (T > 0 and math.isfinite(T))
        ):
            raise ValueError(f"T must be a positive finite number, got {T!r}")
        self.T = float(T)
        if code >= dim:
            raise ValueError(f"the code ({code}) must be narrower than the data ({dim})")
        # The initial weights depend on seed only: drawn on the CPU in float32, then moved.
        with torch.random.fork_rng(devices=[]), torch.device("cpu"):
            torch.manual_seed(int(seed))
            f32 = torch.float32
            self.enc1 = nn.Linear(dim, hidden, dtype=f32)
            self.enc2 = nn.Linear(hidden, code, dtype=f32)
            self.control = nn.Linear(code, L * width, dtype=f32)  # z -> (u_0, ..., u_{L-1})
            self.B = nn.Linear(dim, width, bias=False, dtype=f32)
            self.A = nn.Linear(width, dim, dtype=f32)
        self.to(device=device, dtype=dtype)
        if start is None:
            start = torch.zeros(dim, device=device, dtype=dtype)
        start = torch.as_tensor(start, dtype=dtype, device=device).reshape(-1)
        if start.shape != (dim,):
            raise ValueError(f"start must hold {dim} values, got shape {tuple(start.shape)}")
        self.register_buffer("start", start.clone())

    @property
    def h(self) -> float:
        return self.T / self.L

    def extra_repr(self) -> str:
        n = sum(p.numel() for p in self.parameters())
        return (
            f"dim={self.dim}, code={self.code}, hidden={self.hidden}, width={self.width}, "
            f"L={self.L}, T={self.T:g}: {n:,} parameters"
        )

    def check_input(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(
                f"{name} must be a torch.Tensor [N, {self.dim}], got {type(x).__name__}"
            )
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"{name} must have shape [N, {self.dim}], got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")
        if not torch.isfinite(x).all():
            raise ValueError(f"{name} holds NaN or inf")
        check_placement(x, self.start, name, owner="the N-CODE")
        return x

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The code ``z = E(x)``, ``[N, code]``."""
        x = self.check_input(x)
        return self.enc2(torch.tanh(self.enc1(x)))

    def controls(self, z: torch.Tensor) -> torch.Tensor:
        """The controls ``u_k(z)`` of the code, ``[N, L, width]``."""
        if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[1] != self.code:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"z must be a tensor [N, {self.code}], got {shape}")
        return self.control(z).reshape(len(z), self.L, self.width)

    def flow(self, z: torch.Tensor, all_states: bool = False) -> torch.Tensor:
        """The Euler flow from ``start`` under the controls of ``z``: ``x_L`` ``[N, dim]``
        (or every state, ``[L+1, N, dim]``)."""
        u = self.controls(z)
        x = self.start.expand(len(z), self.dim)
        states = [x]
        for k in range(self.L):
            x = x + self.h * self.A(torch.tanh(self.B(x) + u[:, k]))
            states.append(x)
        return torch.stack(states) if all_states else x

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The reconstruction from a code: ``x_L`` of the flow it controls."""
        return self.flow(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def train_ncode(
    model: NCODE,
    x: torch.Tensor,
    iterations: int,
    batch_size: int = 256,
    lr: float = 1e-3,
    seed: int = 0,
    progress: bool = False,
) -> dict[str, list[float]]:
    """Train ``model`` in place by autograd and Adam on mini-batches of ``x`` (reconstruction).

    Returns the history, per iteration: ``"cost"`` and ``"data"`` (the mini-batch's mean squared
    error per pixel, before the update) and ``"seconds"`` (wall time of the update).
    """
    iterations = int(iterations)
    if iterations < 0:
        raise ValueError(f"iterations must be >= 0, got {iterations}")
    batch_size = _positive_int(batch_size, "batch_size")
    x = model.check_input(x)
    if not (isinstance(lr, (int, float)) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    opt = torch.optim.Adam(model.parameters(), lr=float(lr))
    gen = torch.Generator().manual_seed(int(seed))  # CPU: the same batches on every device
    n = len(x)
    history: dict[str, list[float]] = {"cost": [], "data": [], "seconds": []}
    perm = torch.randperm(n, generator=gen, device="cpu")
    pos = 0
    for it in range(iterations):
        t0 = time.perf_counter()
        if pos + batch_size > n:
            perm, pos = torch.randperm(n, generator=gen, device="cpu"), 0
        xb = x[perm[pos : pos + batch_size].to(x.device)]
        pos += batch_size
        loss = ((model(xb) - xb) ** 2).mean()
        mse = float(loss.detach())
        if not math.isfinite(mse):
            raise FloatingPointError(f"N-CODE training diverged at iteration {it} (loss {mse})")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        history["cost"].append(mse)
        history["data"].append(mse)
        history["seconds"].append(time.perf_counter() - t0)
        if progress and (it + 1) % max(1, iterations // 10) == 0:
            print(f"N-CODE: iteration {it + 1}/{iterations}, mini-batch MSE {mse:.4f}")
    return history
