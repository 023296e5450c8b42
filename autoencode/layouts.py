"""How an AutoencODE stores its states, and how layer k reads and writes them.

The model keeps its states in a permuted coordinate system in which, when the masks form a
chain (every encoder, autoencoder and U-net), every mask is a prefix. Three storages follow:

* :class:`CompactLayout` (a chain, ``off_mode="reset"``): state k is its w_k active columns
  only; layer k computes only the block of W_k whose rows reach x_{k+1} and whose columns can
  meet a nonzero x_k (the zeros of turned-off components are never stored or multiplied);
* :class:`PrefixLayout` (a chain, ``off_mode="freeze"``): states ``[N, d]``, layer k reads and
  writes the slice ``[:, :w_k]`` and carries the inactive tail through;
* :class:`GatheredLayout` (masks that are not a chain): states ``[N, d]``, layer k gathers
  and scatters its active components by index; in reset mode the next mask is applied.

Each class owns its slicing of states, co-states and blocks of W_k: the model's Euler step,
adjoint step and flow ask it (:func:`layout_for` picks it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch.nn import functional as F

__all__ = ["CompactLayout", "GatheredLayout", "Layout", "PrefixLayout", "fit_width", "layout_for"]

Activation = Callable[[torch.Tensor], torch.Tensor]


def fit_width(t: torch.Tensor, w: int) -> torch.Tensor:
    """The first w columns of t, zero-padded if t has fewer (t itself if it has w)."""
    n = t.shape[1]
    if n == w:
        return t
    return t[:, :w] if n > w else F.pad(t, (0, w - n))


class Layout:
    """The storage of the states ``[N, d]`` with each layer's active components taken by
    ``selection(k)``; subclasses change what differs. ``masks``: the ``[L+1, d]`` boolean masks
    in the internal order, on the CPU; the model then hands over its own copy, in its dtype and
    on its device (:meth:`follow`)."""

    #: Whether states are stored as their active columns only.
    compact = False

    def __init__(self, masks: torch.Tensor, off_mode: str) -> None:
        self.masks = masks
        self.off_mode = off_mode
        self.dim = masks.shape[1]
        self.width = [int(w) for w in masks.sum(1)]
        # The useful block of layer k in compact storage: its rows r_k that reach x_{k+1}
        # (an encoder's layer computes w_k rows, but state k+1 keeps only w_{k+1} of them) and
        # its columns n_k that can be nonzero in x_k (a decoder's state k is zero beyond the
        # w_{k-1} components state k-1 had). Outside it a product reads or writes zeros only.
        self.rows = [min(w, v) for w, v in zip(self.width, self.width[1:])]
        self.cols = self.width[:1] + self.rows[:-1]

    def follow(self, masks: torch.Tensor) -> None:
        """Take the model's masks (on its device, in its dtype), at the start and after each
        move (``.to()``, ``.double()``)."""
        self.masks = masks

    def selection(self, k: int) -> slice | torch.Tensor:
        """State k's active components in the internal order: a slice, or an index tensor."""
        return slice(0, self.width[k])

    def to_internal(self, u: torch.Tensor, k: int) -> torch.Tensor:
        """State k ``[N, d]`` (already in the internal order) as this layout stores it."""
        return u

    def active_block(self, k: int, t: torch.Tensor) -> torch.Tensor:
        """The columns of layer k's active set ``[N, w_k]`` of a state or co-state t."""
        return t[:, self.selection(k)]

    def useful_shape(self, k: int) -> tuple[int, int]:
        """The rows and columns of W_k that layer k multiplies."""
        return self.width[k], self.width[k]

    def output_block(self, k: int, p: torch.Tensor) -> torch.Tensor:
        """A co-state p_{k+1} on the rows of layer k that reach x_{k+1}."""
        return self.active_block(k, p)

    def input_block(self, k: int, x: torch.Tensor) -> torch.Tensor:
        """The columns of a state x_k that layer k reads and that can be nonzero."""
        return self.active_block(k, x)

    def scatter(self, k: int, t: torch.Tensor) -> torch.Tensor:
        """Layer k's output ``[N, w_k]`` placed in a state, zeros elsewhere (before unpermuting)."""
        return t

    def step(self, k: int, x: torch.Tensor, a: torch.Tensor, h: float) -> torch.Tensor:
        """x_{k+1} = x_k + h a on layer k's active block (the carried tail: prefix storage)."""
        w = self.width[k]
        return torch.cat([torch.add(x[:, :w], a, alpha=h), x[:, w:]], 1)

    def adjoint_step(
        self,
        k: int,
        p_next: torch.Tensor,
        pa: torch.Tensor,
        delta: torch.Tensor,
        W: torch.Tensor,
        h: float,
        cols: int | None,
    ) -> torch.Tensor:
        """p_k = p_{k+1} + h (dG_k/dx)^T p_{k+1}, from delta = p_a * sigma'(z_k) and W_k."""
        w = self.width[k]
        return torch.cat([torch.addmm(pa, delta, W, alpha=h), p_next[:, w:]], 1)

    def layer(
        self,
        k: int,
        u: torch.Tensor,
        theta: Sequence[torch.Tensor],
        fresh: bool,
        sigma: Activation,
        h: float,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Layer k: ``(z, a, x_{k+1})`` from x_k; ``fresh``: the flow starts at k."""
        z = F.linear(self.active_block(k, u), theta[0], theta[1] if len(theta) > 1 else None)
        a = sigma(z)
        return z, a, self.step(k, u, a, h)


class PrefixLayout(Layout):
    """A chain of masks with ``off_mode="freeze"``: slices ``[:, :w_k]``, the tail carried."""


class CompactLayout(Layout):
    """A chain of masks with ``off_mode="reset"``: state k stored as its w_k active columns."""

    compact = True

    def to_internal(self, u: torch.Tensor, k: int) -> torch.Tensor:
        return u[:, : self.width[k]]

    def active_block(self, k: int, t: torch.Tensor) -> torch.Tensor:
        # x_k, or p_{k+1}, which may be narrower or wider than w_k: the missing columns are
        # turned-off components, i.e. zeros
        return fit_width(t, self.width[k])

    def useful_shape(self, k: int) -> tuple[int, int]:
        return self.rows[k], self.cols[k]

    def output_block(self, k: int, p: torch.Tensor) -> torch.Tensor:
        # its first r_k = min(w_k, w_{k+1}) columns: the other rows of G_k are off at k+1
        r = self.rows[k]
        return p if p.shape[1] == r else p[:, :r]

    def input_block(self, k: int, x: torch.Tensor) -> torch.Tensor:
        # its first n_k = min(w_{k-1}, w_k) columns (n_0 = w_0): a decoder's components just
        # turned on start from 0
        n = self.cols[k]
        return x if x.shape[1] == n else x[:, :n]

    def step(self, k: int, x: torch.Tensor, a: torch.Tensor, h: float) -> torch.Tensor:
        # a may hold only the rows that reach x_{k+1}; x + h a in one kernel
        x = x if x.shape[1] == a.shape[1] else x[:, : a.shape[1]]
        return fit_width(torch.add(x, a, alpha=h), self.width[k + 1])

    def adjoint_step(self, k, p_next, pa, delta, W, h, cols):
        # from the rows r_k of delta, on the first ``cols`` components (default all w_k)
        n = self.width[k] if cols is None else cols
        r = delta.shape[1]
        if (r, n) != W.shape:
            W = W[:r, :n]
        return torch.addmm(fit_width(pa, n), delta, W, alpha=h)

    def layer(self, k, u, theta, fresh, sigma, h):
        # z and a on the rows r_k that reach x_{k+1}, read from the columns of x_k that can be
        # nonzero (all of them when the flow starts at k)
        xa = u if fresh else self.input_block(k, u)
        W, b = theta[0], (theta[1] if len(theta) > 1 else None)
        r = self.rows[k]
        if (r, xa.shape[1]) != W.shape:  # a smaller block: slice (a whole W_k is used as is)
            W, b = W[:r, : xa.shape[1]], (None if b is None else b[:r])
        z = F.linear(xa, W, b)
        a = sigma(z)
        return z, a, self.step(k, u, a, h)


class GatheredLayout(Layout):
    """Masks that are not a chain: each layer gathers and scatters its components by index."""

    def __init__(self, masks: torch.Tensor, off_mode: str) -> None:
        super().__init__(masks, off_mode)
        self._index = [torch.nonzero(m).flatten() for m in masks]

    def follow(self, masks: torch.Tensor) -> None:
        super().follow(masks)
        self._index = [s.to(masks.device) for s in self._index]

    def selection(self, k: int) -> torch.Tensor:
        return self._index[k]

    def to_internal(self, u: torch.Tensor, k: int) -> torch.Tensor:
        if self.off_mode == "reset" and self.width[k] < self.dim:
            return u * self.masks[k]
        return u

    def scatter(self, k: int, t: torch.Tensor) -> torch.Tensor:
        return t.new_zeros(t.shape[0], self.dim).index_copy(1, self._index[k], t)

    def step(self, k: int, x: torch.Tensor, a: torch.Tensor, h: float) -> torch.Tensor:
        y = x.index_add(1, self._index[k], a, alpha=h)
        return y * self.masks[k + 1] if self.off_mode == "reset" else y

    def adjoint_step(self, k, p_next, pa, delta, W, h, cols):
        # the co-state of a turned-off component is 0 in reset mode, as its state is
        p = p_next.index_add(1, self._index[k], delta @ W, alpha=h)
        return p * self.masks[k] if self.off_mode == "reset" else p


def layout_for(masks: torch.Tensor, chain: bool, off_mode: str) -> Layout:
    """The storage of a model with these (internal-order) masks: compact for a chain in reset
    mode, prefix slices for a chain in freeze mode, gathered otherwise."""
    if not chain:
        return GatheredLayout(masks, off_mode)
    return CompactLayout(masks, off_mode) if off_mode == "reset" else PrefixLayout(masks, off_mode)
