"""The state masks that the constructors of :class:`~autoencode.architecture.Architecture`
build, each from its own description, with the checks of that description.

* :func:`widths_masks`: one width per state, the components kept given by an ``order``
  (``Architecture.from_widths``);
* :func:`phase_widths`: a width profile over phases spread over L layers, as one width per
  state (``Architecture.from_phases``);
* :func:`unet_blocks` and :func:`unet_masks`: a U-net embedded in a higher-dimensional
  system, a main block and one copy block per skip (``Architecture.unet``).

Masks live on the CPU: an architecture is a description, and the model copies its masks to
its own device.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .arguments import whole, whole_list

__all__ = ["phase_widths", "unet_blocks", "unet_masks", "widths_masks"]


def widths_masks(
    widths: Sequence[int], order: Sequence[int] | torch.Tensor | None, dim: int | None
) -> torch.Tensor:
    """The masks ``[L+1, d]`` of one width per state: state k keeps ``order[:widths[k]]``
    (``order=None``: the first components); ``dim`` defaults to ``max(widths)``."""
    widths = whole_list(widths, "widths")
    if len(widths) < 2:
        raise ValueError(
            f"widths must give one width per state, at least 2 (L + 1 with L >= 1 "
            f"layer), got {len(widths)}"
        )
    for k, w in enumerate(widths):
        if w <= 0:
            raise ValueError(f"state {k}: width {w}; widths must be at least 1")
    d = whole(dim, "dim", 1) if dim is not None else max(widths)
    perm = _check_order(order, d)
    masks = torch.zeros(len(widths), d, dtype=torch.bool, device="cpu")
    for k, w in enumerate(widths):
        if w > d:
            raise ValueError(f"state {k}: width {w} exceeds the state dimension d = {d}")
        masks[k, perm[:w]] = True
    return masks


def _check_order(order, d: int) -> torch.Tensor:
    if order is None:
        return torch.arange(d, device="cpu")
    allowed = f"order must be a permutation of range({d}) (a sequence of whole numbers)"
    if isinstance(order, (str, bytes)):
        raise TypeError(f"{allowed}, got a string")
    try:
        perm = torch.as_tensor(order, device="cpu").flatten()
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{allowed} ({e})") from None
    if perm.dtype == torch.bool or perm.is_complex():
        raise TypeError(f"{allowed}, got {perm.dtype} values")
    if perm.is_floating_point():
        if not bool(torch.all(torch.isfinite(perm) & (perm == perm.floor()))):
            raise ValueError(f"{allowed}; got non-whole entries")
    perm = perm.long()
    if perm.numel() != d or not torch.equal(torch.sort(perm).values, torch.arange(d, device="cpu")):
        raise ValueError(f"order must be a permutation of range({d}), got {perm.numel()} entries")
    return perm


def phase_widths(widths: Sequence[int], L: int, lengths: Sequence[int] | None) -> list[int]:
    """The width of each state x_0..x_L of a profile ``widths`` over phases of ``lengths``
    layers (default: L split evenly, the first phases one layer longer when L does not
    divide); x_L takes the last phase's width."""
    widths = whole_list(widths, "widths")
    if not widths:
        raise ValueError("widths is empty: a width profile needs at least one phase width")
    L = whole(L, "L")
    if L < 1:
        raise ValueError(f"L must be at least 1 layer, got L = {L}")
    if lengths is None:
        if L < len(widths):
            raise ValueError(f"L = {L} layers cannot hold {len(widths)} phases")
        q, r = divmod(L, len(widths))
        lengths = [q + (1 if i < r else 0) for i in range(len(widths))]
    lengths = whole_list(lengths, "lengths")
    if len(lengths) != len(widths):
        raise ValueError(f"{len(lengths)} phase lengths for {len(widths)} phase widths")
    if any(n < 1 for n in lengths):
        raise ValueError(f"phase lengths must be at least 1 layer, got {lengths}")
    if sum(lengths) != L:
        raise ValueError(f"phase lengths {lengths} add up to {sum(lengths)}, not L = {L}")
    return [w for w, n in zip(widths, lengths) for _ in range(n)] + [widths[-1]]


def unet_blocks(levels: Sequence[int]) -> list[tuple[int, int]]:
    """The component ranges ``(start, stop)`` of a U-net's state (:func:`unet_masks`): the
    main block first, then the copy block M_l of each level l above the bottleneck."""
    levels = whole_list(levels, "levels", 1)
    if len(levels) < 2:
        raise ValueError(
            f"levels must list at least two main-path widths (the last is the "
            f"bottleneck), got {levels}"
        )
    blocks, start = [(0, levels[0])], levels[0]
    for w in levels[:-1]:
        blocks.append((start, start + w))
        start += w
    return blocks


def unet_masks(
    levels: Sequence[int], states_per_level: int
) -> tuple[torch.Tensor, list[tuple[int, int]]]:
    """``(masks, skips)`` of a U-net with main-path widths ``levels``, each level (and the
    bottleneck) spanning ``states_per_level`` states: the layout that
    :meth:`autoencode.Architecture.unet` describes."""
    blocks = unet_blocks(levels)
    levels = whole_list(levels, "levels", 1)
    if max(levels) > levels[0]:
        raise ValueError(
            f"levels {levels}: every main-path width must be at most the first, "
            f"{levels[0]} (the main block)"
        )
    n = whole(states_per_level, "states_per_level")
    if n < 2:
        raise ValueError(
            f"states_per_level must be at least 2 (a level switches its copy "
            f"block in its own layer), got {n}"
        )
    b, d = len(levels) - 1, blocks[-1][1]

    def mask(main_width: int, copies) -> torch.Tensor:
        m = torch.zeros(d, dtype=torch.bool, device="cpu")
        m[:main_width] = True
        for c in copies:
            m[blocks[c + 1][0] : blocks[c + 1][1]] = True
        return m

    states, source, target = [], {}, {}
    for lv in range(b):  # encoder, level l
        states += [mask(levels[lv], range(lv))] * (n - 1)
        source[lv] = len(states)
        states.append(mask(levels[lv], range(lv + 1)))  # M_l switched on
    states += [mask(levels[b], range(b))] * n  # bottleneck of the main path
    for lv in reversed(range(b)):  # decoder, level l
        target[lv] = len(states)
        states.append(mask(levels[lv], range(lv + 1)))  # main widens, M_l read here
        states += [mask(levels[lv], range(lv))] * (n - 1)  # M_l switched off
    states.append(states[-1])  # x_L
    return torch.stack(states), [(source[lv], target[lv]) for lv in range(b)]
