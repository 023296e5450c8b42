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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

from .activations import get_activation
from .architecture import Architecture
from .arguments import real, whole
from .devices import check_placement, resolve_device, resolve_dtype
from .layouts import Layout, fit_width, layout_for

__all__ = ["AutoencODE", "Flow", "OFF_MODES", "INITS", "fit_width"]

OFF_MODES = ("reset", "freeze")

#: Initialisations of the trained entries (``AutoencODE(init=...)``).
INITS = ("normal", "constant")


def _sum_of_squares(params: list[torch.Tensor]) -> torch.Tensor:
    """sum |theta|^2 over the parameters, in few kernels: many small tensors are joined and
    dotted (one product instead of a Python loop over them), large ones summed from their norms
    (one read of each, no joined copy)."""
    if sum(p.numel() for p in params) <= 1 << 16:
        flat = torch.cat([p.reshape(-1) for p in params])
        return torch.dot(flat, flat)
    return torch.stack(torch._foreach_norm(params)).square().sum()


@dataclass
class Flow:
    """Every state of a flow, kept for the backward pass (internal representation).

    ``xs[k]`` is x_k (k = 0..L); ``zs[k]`` and ``acts[k]`` the pre-activation and the
    activation of layer k on the rows of its active block that reach x_{k+1}
    (:meth:`AutoencODE.output_block`: ``[N, w_k]``, or ``[N, min(w_k, w_{k+1})]`` in compact
    storage).
    """

    xs: list[torch.Tensor]
    zs: list[torch.Tensor]
    acts: list[torch.Tensor]


class AutoencODE(nn.Module):
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

    # Buffers (registered in __init__), declared for the type checker.
    perm: torch.Tensor
    inv_perm: torch.Tensor
    masks: torch.Tensor

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

        # Drawn on the CPU in float32 from a private generator, then moved: a seed gives the
        # same initial weights on every device and in every dtype.
        gen = torch.Generator().manual_seed(int(seed))
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for k in range(arch.depth):
            w = width[k]
            if init == "constant":
                W = torch.full((w, w), float(init_scale), device=device, dtype=dtype)
            else:
                W = torch.randn(w, w, generator=gen, device="cpu", dtype=torch.float32)
                W = (W * (init_scale / math.sqrt(w))).to(device=device, dtype=dtype)
            self.weights.append(nn.Parameter(W))
            if self.has_bias:
                b0 = float(init_scale) if init == "constant" else 0.0
                b = torch.full((w,), b0, device=device, dtype=dtype)
                self.biases.append(nn.Parameter(b))

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

    # -- description ----------------------------------------------------------
    @property
    def depth(self) -> int:
        return self.arch.depth

    @property
    def dim(self) -> int:
        return self.arch.dim

    def components(self, k: int) -> torch.Tensor:
        """Original indices of the rows/columns of ``weights[k]`` (state k's active set)."""
        return self.perm[self.layout.selection(k)]

    def layer_parameters(self, k: int) -> list[nn.Parameter]:
        """theta_k: ``[W_k, b_k]`` (or ``[W_k]`` without bias)."""
        return [self.weights[k], self.biases[k]] if self.has_bias else [self.weights[k]]

    def thetas(self) -> list[list[nn.Parameter]]:
        """Every theta_k at once, ``[[W_0, b_0], ...]``: what the sweeps read, fetched once per
        sweep (indexing a ParameterList costs about 2 us, and a sweep reads each layer 3 times).
        """
        # The lists' own storage, in index order (ParameterList keeps it in _parameters).
        Ws = list(self.weights._parameters.values())
        if not self.has_bias:
            return [[W] for W in Ws]  # type: ignore[list-item]
        return [[W, b] for W, b in zip(Ws, self.biases._parameters.values())]  # type: ignore[list-item]

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
        like = self.weights[0]
        if not isinstance(x, torch.Tensor):
            try:
                x = torch.as_tensor(x, device=like.device)
            except (TypeError, ValueError, RuntimeError) as e:
                raise TypeError(
                    f"{name} must be a tensor [N, d={self.dim}] of real numbers, "
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
            raise ValueError(f"{name} must have shape [N, d={self.dim}], got {tuple(x.shape)}")
        if x.shape[1] != self.dim:
            raise ValueError(
                f"{name} has last dimension {x.shape[1]}, but the model's state "
                f"dimension is d = {self.dim}"
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
                    f"{name} contains NaN or inf in {len(rows)} sample(s), first at row "
                    f"{int(rows[0])}"
                )
        check_placement(x, like, name)
        return x.to(like.dtype)

    # -- internal representation (:mod:`autoencode.layouts`) ------------------------
    @property
    def compact(self) -> bool:
        """Whether states are stored as their active columns only
        (:class:`~autoencode.layouts.CompactLayout`)."""
        return self.layout.compact

    def to_internal(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """State k, given in original coordinates ``[N, d]``, in the internal representation."""
        # index_select: the same gather as x[:, perm], about three times faster on the CPU
        u = x.index_select(1, self.perm) if self._permuted else x
        return self.layout.to_internal(u, k)

    @property
    def full_output(self) -> bool:
        """Whether every component is on in x_L (an autoencoder): the internal x_L then holds the
        whole output, in permuted order, and a loss over it is the loss over the output."""
        return self.layout.width[-1] == self.dim

    def to_external(self, u: torch.Tensor) -> torch.Tensor:
        """Back to original coordinates ``[N, d]`` (zeros for turned-off components)."""
        if u.shape[-1] < self.dim:
            u = F.pad(u, (0, self.dim - u.shape[-1]))
        return u.index_select(-1, self.inv_perm) if self._permuted else u

    # -- one Euler step (internal representation) ----------------------------
    def active_block(self, k: int, t: torch.Tensor) -> torch.Tensor:
        """The columns of layer k's active set ``[N, w_k]`` of a state or co-state t.

        t is x_k, or p_{k+1} (which in compact storage may be narrower or wider
        than w_k: missing columns are turned-off components, i.e. zeros).
        """
        return self.layout.active_block(k, t)

    def useful_shape(self, k: int) -> tuple[int, int]:
        """(r_k, n_k): the rows of W_k that reach x_{k+1} and the columns that can meet a
        nonzero x_k (:meth:`output_block`, :meth:`input_block`); (w_k, w_k) unless compact."""
        return self.layout.useful_shape(k)

    def output_block(self, k: int, p: torch.Tensor) -> torch.Tensor:
        """The columns of a co-state p_{k+1} on the rows of layer k that reach x_{k+1}: the
        active block of layer k (:meth:`active_block`), or in compact storage its first
        r_k = min(w_k, w_{k+1}) columns (the other rows of G_k are turned off at k+1)."""
        return self.layout.output_block(k, p)

    def input_block(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """The columns of a state x_k that layer k reads and that can be nonzero: the active
        block, or in compact storage its first n_k = min(w_{k-1}, w_k) columns (n_0 = w_0; a
        decoder's components just turned on start from 0)."""
        return self.layout.input_block(k, x)

    def pre_activation(
        self, k: int, x: torch.Tensor, theta: Sequence[torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(x_k on its active block ``[N, w_k]``, z = W_k x_a + b_k); ``theta``: theta_k when
        the caller has it (:meth:`thetas`)."""
        xa = self.active_block(k, x)
        if theta is None:
            theta = self.layer_parameters(k)
        return xa, F.linear(xa, theta[0], theta[1] if len(theta) > 1 else None)

    def increment(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """h G_k(x) in original coordinates ``[N, d]``, for a state x of layer k (``[N, d]``).

        The Euler step before the mask of x_{k+1} is applied (figures use it to
        show the end of a phase before components are turned off).
        """
        _, z = self.pre_activation(k, self.to_internal(x, k))
        return self.to_external(self.layout.scatter(k, self.h * self.activation.fn(z)))

    def step(self, k: int, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """x_{k+1} from x_k and the activation a = sigma(z_k) (in compact storage a may hold only
        the rows that reach x_{k+1}, :meth:`output_block`)."""
        return self.layout.step(k, x, a, self.h)

    def adjoint_step(
        self,
        k: int,
        p_next: torch.Tensor,
        delta: torch.Tensor,
        pa: torch.Tensor | None = None,
        W: torch.Tensor | None = None,
        cols: int | None = None,
    ) -> torch.Tensor:
        """The co-state step: p_k = (d x_{k+1} / d x_k)^T p_{k+1}, the transpose of :meth:`step`.

        ``delta`` = p_{k+1} on layer k's output block times sigma'(z_k) (:meth:`output_block`);
        ``pa`` is that block of p_{k+1} when the caller has it, ``W`` likewise W_k. In reset
        mode the co-state of a turned-off component is 0, as its state is (p_{k+1} too).
        ``cols`` (compact storage only): p_k on its first ``cols`` components only, e.g. the
        n_k = min(w_{k-1}, w_k) that layer k-1 reaches (default all w_k).
        """
        pa = self.output_block(k, p_next) if pa is None else pa
        W = self.weights[k] if W is None else W
        return self.layout.adjoint_step(k, p_next, pa, delta, W, self.h, cols)

    # -- flows ------------------------------------------------------------------
    def flow(self, u: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """x_stop from x_start (internal representation, see :meth:`to_internal`)."""
        stop = self.depth if stop is None else stop
        thetas, sigma, layer = self.thetas(), self.activation.fn, self.layout.layer
        for k in range(start, stop):
            u = layer(k, u, thetas[k], k == start, sigma, self.h)[2]
        return u

    def flow_states(self, u: torch.Tensor) -> Flow:
        """Every state x_0..x_L from x_0, with each layer's pre-activation and activation
        (internal representation): the forward pass the co-states go back through."""
        xs, zs, acts = [u], [], []
        sigma, layer = self.activation.fn, self.layout.layer
        for k, theta in enumerate(self.thetas()):
            z, a, u = layer(k, u, theta, k == 0, sigma, self.h)
            xs.append(u)
            zs.append(z)
            acts.append(a)
        return Flow(xs, zs, acts)

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
        if not isinstance(z, torch.Tensor):
            raise TypeError(
                f"z must be a torch.Tensor ([N, d={self.dim}] or the latent [N, w_b]), got "
                f"{type(z).__name__}; convert it with torch.as_tensor(z)"
            )
        b = self.arch.bottleneck
        idx = self.arch.active(b)
        if z.ndim == 2 and z.shape[1] == len(idx) and len(idx) != self.dim:
            full = z.new_zeros(z.shape[0], self.dim)
            full[:, idx] = z
            z = full
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
