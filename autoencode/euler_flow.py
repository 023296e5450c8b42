"""The Euler flow of an :class:`~autoencode.model.AutoencODE` in its internal representation.

:class:`EulerFlow` is the base class of the model: the states in the permuted coordinates in
which every mask of a chain is a prefix, stored as the model's layout
(:mod:`autoencode.layouts`) says; one Euler step of layer k and its transpose, the co-state
step; and the flows from one state to another that the model, the trainers and the discrete
Pontryagin solver (:mod:`autoencode.pmp`) run. :class:`Flow` holds every state of a flow for
the backward pass. :class:`~autoencode.model.AutoencODE` sets the attributes up (its
architecture, step, activation, order, layout and weights) and checks what it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .activations import Activation
from .architecture import Architecture
from .layouts import Layout

__all__ = ["EulerFlow", "Flow"]


@dataclass
class Flow:
    """Every state of a flow, kept for the backward pass (internal representation).

    ``xs[k]`` is x_k (k = 0..L); ``zs[k]`` and ``acts[k]`` the pre-activation and the
    activation of layer k on the rows of its active block that reach x_{k+1}
    (:meth:`EulerFlow.output_block`: ``[N, w_k]``, or ``[N, min(w_k, w_{k+1})]`` in compact
    storage).
    """

    xs: list[torch.Tensor]
    zs: list[torch.Tensor]
    acts: list[torch.Tensor]


class EulerFlow(nn.Module):
    """The flow of an AutoencODE in its internal representation (see the module's docstring).

    Rows and columns of ``weights[k]`` follow :meth:`components`. The attributes are set by
    :class:`autoencode.model.AutoencODE`.
    """

    #: The masks of the L+1 states.
    arch: Architecture
    #: The Euler step h = T / L.
    h: float
    #: sigma and its derivative.
    activation: Activation
    #: Whether each layer has a bias b_k.
    has_bias: bool
    #: The storage of the states (:mod:`autoencode.layouts`).
    layout: Layout
    #: W_0 .. W_{L-1}, each on its active block (:meth:`components`).
    weights: torch.nn.ParameterList
    #: b_0 .. b_{L-1} (empty without bias).
    biases: torch.nn.ParameterList
    # Buffers: the internal order of the components, its inverse and the masks in that order.
    perm: torch.Tensor
    inv_perm: torch.Tensor
    masks: torch.Tensor
    # Whether the internal order is not the identity (then states are gathered in and out).
    _permuted: bool

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
