"""Width profiles as data: which components of the constant-width state are active.

An AutoencODE lives in R^d, d the largest width. Its depth-L Euler scheme has
states x_0, ..., x_L; state k carries a boolean mask m_k in {0,1}^d of the
components that are "on" (the book's reproduction notes, the model). An
:class:`Architecture` holds those L+1 masks and derives from them everything the model,
the solvers and the figures need: widths, constant-width segments, the bottleneck, the phases.

Masks are data, not code: build them from a per-state width list, from a
width profile over phases, or give them explicitly. *Which* components stay
on is an ``order`` (a permutation of range(d)): a state of width w keeps the
first w entries of the order active. ``order=None`` means first-k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .arguments import sequence, whole
from .masks import phase_widths, unet_blocks, unet_masks, widths_masks

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

    def __init__(
        self, masks: torch.Tensor | Sequence[Sequence[bool]], skips: Sequence[tuple[int, int]] = ()
    ) -> None:
        allowed = "masks must be a boolean tensor [L+1, d] or a sequence of L+1 rows of 0/1 values"
        if not isinstance(masks, torch.Tensor):
            if isinstance(masks, (str, bytes)) or not hasattr(masks, "__iter__"):
                raise TypeError(f"{allowed}, got {type(masks).__name__}")
            rows = []
            for k, m in enumerate(masks):
                if isinstance(m, (str, bytes)) or not hasattr(m, "__iter__"):
                    raise TypeError(f"{allowed}; row {k} is {type(m).__name__} {m!r}")
                rows.append(list(m))
            for k, m in enumerate(rows):
                if rows and len(m) != len(rows[0]):
                    raise ValueError(
                        f"state {k}: mask has {len(m)} entries, expected d = {len(rows[0])}"
                    )
            masks = rows
        try:
            masks = torch.as_tensor(masks, device="cpu")
        except (TypeError, ValueError, RuntimeError) as e:
            raise TypeError(f"{allowed} ({e})") from None
        if masks.is_complex():
            raise TypeError(f"{allowed}, got complex values")
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
                    f"{torch.nonzero(b & ~a).flatten().tolist()} turn on)"
                )
        self.masks = masks
        pairs = sequence(skips, "skips", "(source_state, target_state) pairs")
        self.skips = []
        for i, pair in enumerate(pairs):
            if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
                raise TypeError(
                    f"skips[{i}] must be a (source_state, target_state) pair of whole "
                    f"numbers, got {pair!r}"
                )
            self.skips.append(
                (whole(pair[0], f"skips[{i}] source"), whole(pair[1], f"skips[{i}] target"))
            )
        for s, t in self.skips:
            if not (0 <= s < t <= self.depth):
                raise ValueError(
                    f"skip ({s}, {t}): the source state must come before the target state, "
                    f"both among the states 0 ... L = {self.depth}"
                )

    # -- constructors -----------------------------------------------------
    @classmethod
    def from_widths(
        cls,
        widths: Sequence[int],
        order: Sequence[int] | torch.Tensor | None = None,
        dim: int | None = None,
        skips: Sequence[tuple[int, int]] = (),
    ) -> Architecture:
        """One width per state (``len(widths) == L + 1``).

        ``dim`` defaults to ``max(widths)``; ``order`` says which components
        stay active (state k keeps ``order[:widths[k]]``).
        """
        return cls(widths_masks(widths, order, dim), skips=skips)

    @classmethod
    def from_phases(
        cls,
        widths: Sequence[int],
        L: int,
        order: Sequence[int] | torch.Tensor | None = None,
        lengths: Sequence[int] | None = None,
        dim: int | None = None,
        skips: Sequence[tuple[int, int]] = (),
    ) -> Architecture:
        """A width profile over phases, spread over L layers.

        The L layers are split into ``len(widths)`` consecutive phases (evenly,
        the first phases one layer longer when L does not divide, or by
        ``lengths``); every state of phase i has width ``widths[i]``, and the
        final state x_L takes the last phase's width. Example: ``[2, 1, 2]``
        with L = 20 gives 7 + 7 + 6 layers with the middle phase of width 1.
        """
        per_state = phase_widths(widths, L, lengths)
        return cls.from_widths(per_state, order=order, dim=dim, skips=skips)

    @classmethod
    def neurode(cls, d: int, L: int) -> Architecture:
        """The plain NeurODE / ResNet: every component on in every layer."""
        d = whole(d, "d", 1)
        L = whole(L, "L")
        if L < 1:
            raise ValueError(f"L must be at least 1 layer, got L = {L}")
        return cls(torch.ones(L + 1, d, dtype=torch.bool, device="cpu"))

    @staticmethod
    def unet_blocks(levels: Sequence[int]) -> list[tuple[int, int]]:
        """The component ranges ``(start, stop)`` of :meth:`unet`'s state: the main block first,
        then the copy block M_l of each level l above the bottleneck."""
        return unet_blocks(levels)

    @classmethod
    def unet(cls, levels: Sequence[int], states_per_level: int = 3) -> Architecture:
        """A U-net embedded in a higher-dimensional system: one copy block per skip (Fig 3).

        ``levels = (w_0, ..., w_b)`` are the widths of the U-net's main path, level by level,
        the last one the bottleneck (every ``w_l <= w_0``). The state has a **main block** of
        ``w_0`` components (the encoder-bottleneck-decoder path, its first ``w_l`` active at
        level l) and, for each level ``l < b``, a **copy block** M_l of ``w_l`` components
        (:meth:`unet_blocks` gives their ranges), so ``d = w_0 + w_0 + ... + w_{b-1}``.

        Each encoder and decoder level spans ``states_per_level`` states (>= 2), and so does
        the bottleneck. M_l is switched on (from 0) at the last encoder state s_l of level l,
        stays active through the bottleneck and is read at the first decoder state t_l of
        level l, then switched off at t_l + 1; every switch happens in its own layer, since
        consecutive masks must be nested. ``skips`` holds the pairs ``(s_l, t_l)``, outermost
        level first. The copies are learned by the field (not an exact identity), and they
        are active in between, so the narrowest mask is not the U-net's bottleneck: take the
        phases of the main block, ``Architecture(arch.masks[:, :w_0]).segments()``. This d is
        not minimal (copies could reuse main components that are off); it is ours.

        Example: ``Architecture.unet([4, 3, 2])`` has d = 11, L = 15 and skips (2, 12), (5, 9).
        """
        masks, skips = unet_masks(levels, states_per_level)
        return cls(masks, skips=skips)

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
        prefix = torch.arange(self.dim, device="cpu")[None, :] < w[:, None]
        return perm if torch.equal(permuted, prefix) else None

    def __repr__(self) -> str:
        return f"Architecture(d={self.dim}, L={self.depth}, widths={_compress(self.widths)})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Architecture)
            and torch.equal(self.masks, other.masks)
            and self.skips == other.skips
        )


def _compress(widths: list[int]) -> str:
    """[2, 2, 2, 1, 1, 2] -> '2x3, 1x2, 2x1' for a short repr."""
    parts: list[str] = []
    prev: int | None = widths[0]
    n = 0
    for w in widths + [None]:
        if w == prev:
            n += 1
        else:
            parts.append(f"{prev}x{n}")
            prev, n = w, 1
    return "[" + ", ".join(parts) + "]"


def centre_out_order(side: int = 28) -> torch.Tensor:
    """The ``side * side`` row-major pixel indices, from the centre outwards.

    Pixels are sorted by their Euclidean distance from the image centre
    ``((side - 1) / 2, (side - 1) / 2)`` (13.5, 13.5 for an MNIST image, side 28), computed
    exactly in integers; ties are broken by the row-major index. The first k
    entries are therefore the k most central pixels (for side 28, the first 4
    are (13, 13), (13, 14), (14, 13), (14, 14), i.e. indices 377, 378, 405,
    406). The AutoencODE uses this order to decide which components stay
    active in its narrow layers.

    Returns
    -------
    LongTensor ``[side * side]``, a permutation of ``range(side * side)``.
    """
    if not isinstance(side, (int, np.integer)) or isinstance(side, bool) or side < 1:
        raise ValueError(f"side must be a positive integer, got {side!r}")
    r, c = np.divmod(np.arange(side * side, dtype=np.int64), side)
    # squared distance in half-pixel units: (2r - (side-1))^2 + (2c - (side-1))^2
    d2 = (2 * r - (side - 1)) ** 2 + (2 * c - (side - 1)) ** 2
    return torch.from_numpy(np.argsort(d2, kind="stable")).long()
