"""The AutoencODE: a constant-width controlled ODE with components turned off.

Discrete model (our reconstruction of the paper's construction; the reproduction notes, M1-M10):
explicit Euler with L layers and step h = T / L on states x_k in R^d,

    G_k(x)   = m_k * sigma(W_k (m_k * x) + b_k)
    reset:   x_{k+1} = m_{k+1} * (x_k + h G_k(x_k))     (default)
    freeze:  x_{k+1} = x_k + h G_k(x_k)

with m_k the mask of state k (an :class:`~autoencode.architecture.Architecture`).
Only the active block of W_k (w_k x w_k) and b_k (w_k) is stored, trained and
regularised, so a layer of width w costs O(w^2) per sample, not O(d^2).

Internally the state is kept in a permuted coordinate system in which every
mask is a prefix (when the masks form a chain, as in every encoder, autoencoder
and U-net): a layer then reads a slice ``x[:, :w]`` instead of gathering
indices, and in reset mode state k is stored as its w_k active columns only. Rows and
columns of ``weights[k]`` follow :meth:`AutoencODE.components`.
Everything a user sees (inputs, outputs, trajectories) is in the original order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch

from .activations import get_activation
from .architecture import Architecture
from .devices import resolve_device, resolve_dtype
from .euler_flow import EulerFlow
from .euler_flow import Flow as Flow
from .initial_weights import INITS as INITS
from .initial_weights import initial_weights
from .layouts import Layout, layout_for
from .layouts import fit_width as fit_width
from .model_inputs import OFF_MODES as OFF_MODES
from .model_inputs import check_batch, check_settings, embed_latent

__all__ = ["AutoencODE", "Flow", "OFF_MODES", "INITS", "fit_width"]


def _sum_of_squares(params: list[torch.Tensor]) -> torch.Tensor:
    """sum |theta|^2 over the parameters, in few kernels: many small tensors are joined and
    dotted (one product instead of a Python loop over them), large ones summed from their norms
    (one read of each, no joined copy)."""
    if sum(p.numel() for p in params) <= 1 << 16:
        flat = torch.cat([p.reshape(-1) for p in params])
        return torch.dot(flat, flat)
    return torch.stack(torch._foreach_norm(params)).square().sum()


class AutoencODE(EulerFlow):
    """Width-varying residual network embedded in a constant-width Euler flow.

    Parameters
    ----------
    arch:
        The masks of the L+1 states (:class:`Architecture`).
    T:
        Final time; the step is h = T / L.
    activation:
        Name of sigma (``"tanh"`` default; see ``autoencode.activations``).
    bias:
        Whether each layer has a bias b_k.
    off_mode:
        ``"reset"`` (a turned-off component loses its value; a true
        width-varying network) or ``"freeze"`` (it keeps it: the skip connection
        carries it around the bottleneck, the wrong autoencoder of Fig 10).
    init_scale:
        With ``init="normal"``: initial weights are N(0, init_scale^2 / w_k), biases 0.
        With ``init="constant"``: every trained entry (weights, and biases if
        ``bias``) equals init_scale.
    seed:
        Seed of the initial weights (a private generator; the global RNG is untouched).
        Unused by ``init="constant"``.
    init:
        ``"normal"`` (default, see init_scale) or ``"constant"``: e.g.
        ``init="constant", init_scale=1.0, bias=False`` starts from theta = 1, as
        the earlier paper's code (Bonnet, Cipriani, Fornasier, Huang 2021) does.
    """

    def __init__(
        self,
        arch: Architecture,
        T: float = 1.0,
        activation: str = "tanh",
        bias: bool = True,
        off_mode: str = "reset",
        init_scale: float = 1.0,
        seed: int = 0,
        init: str = "normal",
        device: str | torch.device | None = None,
        dtype: str | torch.dtype | None = None,
    ) -> None:
        super().__init__()
        device, dtype = resolve_device(device), resolve_dtype(dtype)
        T, init_scale, seed = check_settings(arch, T, bias, off_mode, init_scale, seed, init)
        self.arch = arch
        self.T = float(T)
        self.h = self.T / arch.depth
        self.activation = get_activation(activation)
        self.off_mode = off_mode
        self.has_bias = bool(bias)

        order = arch.chain_order()
        # A chain is permuted into prefixes; the identity order (every 2D figure) needs no
        # gather into or out of the internal order.
        self._permuted = order is not None and not torch.equal(
            order, torch.arange(arch.dim, device="cpu")
        )
        perm = order if order is not None else torch.arange(arch.dim, device="cpu")
        self.register_buffer("perm", perm.to(device), persistent=False)
        self.register_buffer("inv_perm", torch.argsort(perm).to(device), persistent=False)
        masks = arch.masks[:, perm]
        self.register_buffer("masks", masks.to(device=device, dtype=dtype), persistent=False)
        #: The storage of the states (:mod:`autoencode.layouts`).
        self.layout: Layout = layout_for(masks, order is not None, off_mode)
        self.layout.follow(self.masks)
        width = self.layout.width

        self.weights, self.biases = initial_weights(
            width[: arch.depth], init, init_scale, seed, self.has_bias, device, dtype
        )

    def _apply(self, fn, recurse=True):
        # .to(), .cuda(), .double() move parameters and buffers; the layout follows the masks.
        super()._apply(fn, recurse)
        self.layout.follow(self.masks)
        return self

    @property
    def device(self) -> torch.device:
        """Where the weights (and every tensor the model makes) live."""
        return self.weights[0].device

    @property
    def dtype(self) -> torch.dtype:
        """The floating dtype of the weights, the states and the co-states."""
        return self.weights[0].dtype

    def extra_repr(self) -> str:
        return (
            f"{self.arch!r}, T={self.T:g}, h={self.h:g}, activation={self.activation.name}, "
            f"off_mode={self.off_mode}, bias={self.has_bias}"
        )

    # -- input checks -----------------------------------------------------------
    def check_input(self, x: torch.Tensor, name: str = "x") -> torch.Tensor:
        """Validate a batch ``[N, d]``: shape, emptiness, NaN/inf, device and dtype.

        A tensor must be on the model's device and, if floating, in its dtype (else an error
        naming both); integer tensors and other array-likes (lists, NumPy arrays) are converted
        to the model's dtype on its device.
        """
        return check_batch(x, self.weights[0], self.dim, name)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The final state x_L ``[N, d]`` of the flow started at x."""
        x = self.check_input(x)
        return self.to_external(self.flow(self.to_internal(x, 0)))

    def trajectory(self, x: torch.Tensor) -> torch.Tensor:
        """All states x_0..x_L as a tensor ``[L+1, N, d]`` (for figures that show phases)."""
        x = self.check_input(x)
        states = self.flow_states(self.to_internal(x, 0)).xs
        return torch.stack([self.to_external(u) for u in states])

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The bottleneck state x_b ``[N, d]`` (b = ``arch.bottleneck``)."""
        x = self.check_input(x)
        u = self.flow(self.to_internal(x, 0), 0, self.arch.bottleneck)
        return self.to_external(u)

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        """The active bottleneck components ``[N, w_b]``, in the order of ``arch.active(b)``."""
        return self.encode(x)[:, self.arch.active(self.arch.bottleneck)]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_L from a bottleneck state: ``[N, d]``, or the latent ``[N, w_b]`` of :meth:`latent`."""
        b = self.arch.bottleneck
        z = embed_latent(z, self.arch.active(b), self.dim)
        z = self.check_input(z, name="z")
        return self.to_external(self.flow(self.to_internal(z, b), b))

    # -- cost ---------------------------------------------------------------------
    def data_loss(self, xL: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``(1/N) sum_i |x_L^i - y^i|^2``."""
        return ((xL - y) ** 2).sum(1).mean()

    def regulariser(self, params: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """``h * sum_k (|W_k|_F^2 + |b_k|^2)``, the Tikhonov term without lambda.

        ``params``: other values of the parameters (e.g. a functional call's), default the
        model's own.
        """
        ps = list(self.parameters() if params is None else params)
        if not torch.is_grad_enabled():  # a value only (a trainer's cost): the fewest kernels
            return self.h * _sum_of_squares(ps)
        # sum() starts from the int 0; with at least one parameter the result is a tensor.
        return cast(torch.Tensor, self.h * sum((p**2).sum() for p in ps))

    def cost(
        self, x: torch.Tensor, y: torch.Tensor, lam: float
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(J, data term, lambda * regulariser) for inputs x and targets y (autograd-friendly)."""
        if isinstance(lam, (bool, str, bytes)) or lam is None:
            raise TypeError(f"lam must be a real number (the Tikhonov weight), got {lam!r}")
        y = self.check_input(y, name="y")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        data = self.data_loss(self(x), y)
        reg = lam * self.regulariser()
        return data + reg, data, reg
