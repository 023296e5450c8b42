"""Width profiles as data: which components of the constant-width state are active.

An AutoencODE lives in R^d, d the largest width. Its depth-L Euler scheme has
states x_0, ..., x_L; state k carries a boolean mask m_k in {0,1}^d of the
components that are "on" (spec section 1). An :class:`Architecture` holds those
L+1 masks and derives from them everything the model, the solvers and the
figures need: widths, constant-width segments, the bottleneck, the phases.

Masks are data, not code: build them from a per-state width list, from a
width profile over phases, or give them explicitly. *Which* components stay
on is an ``order`` (a permutation of range(d)): a state of width w keeps the
first w entries of the order active. ``order=None`` means first-k.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

__all__ = ["Architecture", "Segment"]


@dataclass(frozen=True)
class Segment:
    """A maximal run of states with the same mask.

    ``start``/``stop`` are state indices (``stop`` exclusive), ``width`` the
    number of active components and ``phase`` one of ``"encoder"``,
    ``"bottleneck"``, ``"decoder"`` (or ``"constant"`` for a plain NeurODE).
    """

    start: int
    stop: int
    width: int
    phase: str


class Architecture:
    """The L+1 state masks of an AutoencODE.

    Parameters
    ----------
    masks:
        Boolean tensor ``[L+1, d]``: ``masks[k, j]`` is True when component j of
        state x_k is active. Consecutive masks must be nested (one contains the
        other): a layer either turns components off or turns them back on.
    skips:
        Optional list of ``(source_state, target_state)`` pairs, only used to
        draw U-net-like skip connections (Fig 3); the dynamics ignore them.
    """

    def __init__(self, masks: torch.Tensor | Sequence[Sequence[bool]],
                 skips: Sequence[tuple[int, int]] = ()):
        if not isinstance(masks, torch.Tensor):
            rows = [list(m) for m in masks]
            for k, m in enumerate(rows):
                if rows and len(m) != len(rows[0]):
                    raise ValueError(f"state {k}: mask has {len(m)} entries, expected d = {len(rows[0])}")
            masks = rows
        masks = torch.as_tensor(masks)
        if masks.dtype != torch.bool:
            if not torch.all((masks == 0) | (masks == 1)):
                raise ValueError("masks must be boolean (or 0/1) values")
            masks = masks.bool()
        if masks.ndim != 2:
            raise ValueError(f"masks must have shape [L+1, d], got {tuple(masks.shape)}")
        if masks.shape[0] < 2:
            raise ValueError(f"need at least two states (one layer), got {masks.shape[0]} mask(s)")
        if masks.shape[1] < 1:
            raise ValueError("masks have zero components (d = 0)")
        for k in range(masks.shape[0]):
            if not masks[k].any():
                raise ValueError(f"state {k}: width 0 (no active component)")
        for k in range(masks.shape[0] - 1):
            a, b = masks[k], masks[k + 1]
            if (a & ~b).any() and (b & ~a).any():
                raise ValueError(
                    f"layer {k}: masks of states {k} and {k + 1} are not nested "
                    f"(components {torch.nonzero(a & ~b).flatten().tolist()} turn off while "
                    f"{torch.nonzero(b & ~a).flatten().tolist()} turn on)")
        self.masks = masks
        self.skips = [(int(s), int(t)) for s, t in skips]
        for s, t in self.skips:
            if not (0 <= s < t <= self.depth):
                raise ValueError(f"skip ({s}, {t}): need 0 <= source < target <= L = {self.depth}")

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_widths(cls, widths: Sequence[int], order: Sequence[int] | None = None,
                    dim: int | None = None, skips: Sequence[tuple[int, int]] = ()) -> "Architecture":
        """One width per state (``len(widths) == L + 1``).

        ``dim`` defaults to ``max(widths)``; ``order`` says which components
        stay active (state k keeps ``order[:widths[k]]``).
        """
        widths = [int(w) for w in widths]
        d = int(dim) if dim is not None else max(widths)
        perm = _check_order(order, d)
        masks = torch.zeros(len(widths), d, dtype=torch.bool)
        for k, w in enumerate(widths):
            if w <= 0:
                raise ValueError(f"state {k}: width {w}; widths must be at least 1")
            if w > d:
                raise ValueError(f"state {k}: width {w} exceeds the state dimension d = {d}")
            masks[k, perm[:w]] = True
        return cls(masks, skips=skips)

    @classmethod
    def from_phases(cls, widths: Sequence[int], L: int, order: Sequence[int] | None = None,
                    lengths: Sequence[int] | None = None, dim: int | None = None,
                    skips: Sequence[tuple[int, int]] = ()) -> "Architecture":
        """A width profile over phases, spread over L layers.

        The L layers are split into ``len(widths)`` consecutive phases (evenly,
        the first phases one layer longer when L does not divide, or by
        ``lengths``); every state of phase i has width ``widths[i]``, and the
        final state x_L takes the last phase's width. Example: ``[2, 1, 2]``
        with L = 20 gives 7 + 7 + 6 layers with the middle phase of width 1.
        """
        widths = [int(w) for w in widths]
        if lengths is None:
            if L < len(widths):
                raise ValueError(f"L = {L} layers cannot hold {len(widths)} phases")
            q, r = divmod(L, len(widths))
            lengths = [q + (1 if i < r else 0) for i in range(len(widths))]
        lengths = [int(n) for n in lengths]
        if len(lengths) != len(widths):
            raise ValueError(f"{len(lengths)} phase lengths for {len(widths)} phase widths")
        if any(n < 1 for n in lengths):
            raise ValueError(f"phase lengths must be at least 1 layer, got {lengths}")
        if sum(lengths) != L:
            raise ValueError(f"phase lengths {lengths} add up to {sum(lengths)}, not L = {L}")
        per_state = [w for w, n in zip(widths, lengths) for _ in range(n)] + [widths[-1]]
        return cls.from_widths(per_state, order=order, dim=dim, skips=skips)

    @classmethod
    def neurode(cls, d: int, L: int) -> "Architecture":
        """The plain NeurODE / ResNet: every component on in every layer."""
        return cls(torch.ones(L + 1, d, dtype=torch.bool))

    # -- derived quantities -------------------------------------------------
    @property
    def depth(self) -> int:
        """Number of layers L."""
        return self.masks.shape[0] - 1

    @property
    def dim(self) -> int:
        """State dimension d (the largest width)."""
        return self.masks.shape[1]

    @property
    def widths(self) -> list[int]:
        """Active width of each state x_0..x_L."""
        return self.masks.sum(1).tolist()

    def active(self, k: int) -> torch.Tensor:
        """Indices of the active components of state k (sorted)."""
        return torch.nonzero(self.masks[k]).flatten()

    @property
    def bottleneck(self) -> int:
        """Index of the last state of the narrowest segment: the latent state.

        The encoder maps x_0 to this state; the decoder starts from it.
        """
        w = self.widths
        return max(k for k in range(len(w)) if w[k] == min(w))

    @property
    def is_constant_width(self) -> bool:
        return bool(self.masks.all())

    def segments(self) -> list[Segment]:
        """Maximal runs of states with the same mask, labelled by phase."""
        runs = []
        start = 0
        for k in range(1, self.depth + 2):
            if k == self.depth + 1 or not torch.equal(self.masks[k], self.masks[start]):
                runs.append((start, k, int(self.masks[start].sum())))
                start = k
        if self.is_constant_width:
            return [Segment(0, self.depth + 1, self.dim, "constant")]
        b = self.bottleneck
        out = []
        for s, t, w in runs:
            if s <= b < t:
                phase = "bottleneck"
            elif t <= b:
                phase = "encoder"
            else:
                phase = "decoder"
            out.append(Segment(s, t, w, phase))
        return out

    def chain_order(self) -> torch.Tensor | None:
        """A permutation making every mask a prefix, when the masks form a chain.

        Components active in more states come first. Returns None when the
        masks are not totally ordered by inclusion (then no single ordering
        makes all of them prefixes and the model gathers indices instead).
        """
        counts = self.masks.sum(0)
        perm = torch.sort(-counts, stable=True).indices
        permuted = self.masks[:, perm]
        w = permuted.sum(1)
        prefix = torch.arange(self.dim)[None, :] < w[:, None]
        return perm if torch.equal(permuted, prefix) else None

    def __repr__(self) -> str:
        return f"Architecture(d={self.dim}, L={self.depth}, widths={_compress(self.widths)})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Architecture) and torch.equal(self.masks, other.masks) \
            and self.skips == other.skips


def _check_order(order, d: int) -> torch.Tensor:
    if order is None:
        return torch.arange(d)
    perm = torch.as_tensor(order, dtype=torch.long).flatten()
    if perm.numel() != d or not torch.equal(torch.sort(perm).values, torch.arange(d)):
        raise ValueError(f"order must be a permutation of range({d}), got {perm.numel()} entries")
    return perm


def _compress(widths: list[int]) -> str:
    """[2, 2, 2, 1, 1, 2] -> '2x3, 1x2, 2x1' for a short repr."""
    parts, prev, n = [], widths[0], 0
    for w in widths + [None]:
        if w == prev:
            n += 1
        else:
            parts.append(f"{prev}x{n}")
            prev, n = w, 1
    return "[" + ", ".join(parts) + "]"
