"""A trainer's state: what a checkpoint holds, how it is checked, and how a trainer goes back
to an earlier state after a divergence.

:class:`TrainerState` is the part of :class:`~autoencode.training.Trainer` that reads and
writes that state (:meth:`~TrainerState.state_dict`, :meth:`~TrainerState.load_state_dict`,
:meth:`~TrainerState.save`, :meth:`~TrainerState.restore`); :func:`check_state` is the check a
saved state passes before any of it is used, and :mod:`autoencode.cache` uses it too.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..architecture import Architecture
from ..checkpoint import CheckpointError, CheckpointMismatch, load_checkpoint, save_checkpoint

if TYPE_CHECKING:
    from ..model import AutoencODE

__all__ = [
    "FORMAT",
    "HISTORY_FIELDS",
    "Snapshot",
    "TrainerState",
    "check_header",
    "check_state",
    "copy_into",
    "data_signature",
    "load_optimizer_state",
]

#: Format tag of a trainer checkpoint.
FORMAT = "autoencode-trainer-2"
OLD_FORMATS = ("autoencode-trainer-1",)
FIELDS = ("trainer", "config", "model", "iteration", "history", "sampler", "extra")
#: The lists of a trainer's history, one entry per iteration.
HISTORY_FIELDS = ("iteration", "cost", "data", "reg")


@dataclass
class Snapshot:
    """A consistent training state kept in memory (to go back to after a divergence)."""

    model: dict
    extra: dict
    generator: torch.Tensor
    order: torch.Tensor | None
    pos: int
    iteration: int
    n_history: int


def copy_into(dst, src):
    """A deep copy of ``src`` (nested dicts/lists/tensors).

    ``dst``'s tensors are reused when they fit.
    """
    if isinstance(src, torch.Tensor):
        if (
            isinstance(dst, torch.Tensor)
            and dst.shape == src.shape
            and dst.dtype == src.dtype
            and dst.device == src.device
            and dst.data_ptr() != src.data_ptr()
        ):
            return dst.copy_(src.detach())
        return src.detach().clone()
    if isinstance(src, dict):
        d = dst if isinstance(dst, dict) else {}
        return {k: copy_into(d.get(k), v) for k, v in src.items()}
    if isinstance(src, (list, tuple)):
        d = dst if isinstance(dst, (list, tuple)) and len(dst) == len(src) else [None] * len(src)
        out = [copy_into(a, b) for a, b in zip(d, src)]
        return out if isinstance(src, list) else tuple(out)
    return copy.deepcopy(src)


def _tensors(obj):
    """Every tensor in a nested structure."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


def data_signature(x: torch.Tensor, y: torch.Tensor) -> dict:
    """N and a SHA-256 fingerprint of the inputs and targets (their bytes, shapes and dtypes)."""
    digest = hashlib.sha256()
    for t in (x, y):
        t = t.detach().contiguous().cpu()
        digest.update(f"{tuple(t.shape)} {t.dtype};".encode())
        # An ndarray is a buffer; numpy's stubs declare __buffer__ only for Python >= 3.12.
        digest.update(t.reshape(-1).view(torch.uint8).numpy())  # type: ignore[arg-type]
    return {"N": int(x.shape[0]), "data": digest.hexdigest()[:32]}


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_header(state, where: str) -> None:
    """The format tag and the presence of every field (CheckpointError otherwise)."""
    if not isinstance(state, dict):
        raise CheckpointError(
            f"{where}: expected a dict of training state, got {type(state).__name__}"
        )
    tag = state.get("format")
    if tag in OLD_FORMATS:
        missing = [k for k in FIELDS if k not in state]
        raise CheckpointError(
            f"{where}: written by an older version of autoencode (format {tag!r}) that does not "
            f"record its settings (missing field(s) {', '.join(map(repr, missing))}), so it "
            f"cannot be checked against this run and is not resumed; delete it to train from "
            f"scratch"
        )
    if tag != FORMAT:
        raise CheckpointError(
            f"{where}: not an autoencode trainer checkpoint (format {tag!r}, expected {FORMAT!r})"
        )
    missing = [k for k in FIELDS if k not in state]
    if missing:
        raise CheckpointError(
            f"{where}: incomplete trainer checkpoint, missing field(s) "
            f"{', '.join(map(repr, missing))}"
        )
    if not isinstance(state["config"], dict):
        raise CheckpointError(
            f"{where}: the field 'config' must be a dict of settings, "
            f"got {type(state['config']).__name__}"
        )


def _check_weights(weights, model: torch.nn.Module, where: str) -> None:
    own = model.state_dict()
    if not isinstance(weights, dict) or not all(
        isinstance(v, torch.Tensor) for v in weights.values()
    ):
        raise CheckpointError(f"{where}: the field 'model' must be a dict of weight tensors")
    if set(weights) != set(own) or any(weights[k].shape != own[k].shape for k in own):
        raise CheckpointMismatch(
            f"{where}: checkpoint weights do not match this model's architecture "
            f"(weights {sorted(weights)} vs {sorted(own)}, or their shapes)",
            field="masks",
        )
    bad = [
        k for k, v in weights.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())
    ]
    if bad:
        raise CheckpointError(
            f"{where}: the checkpoint's weights contain NaN or inf ({', '.join(bad)}); "
            f"refusing to resume from them"
        )


def _check_history(hist, it: int, where: str) -> None:
    if not isinstance(hist, dict) or any(k not in hist for k in HISTORY_FIELDS):
        raise CheckpointError(
            f"{where}: the field 'history' must be a dict with the lists {HISTORY_FIELDS}"
        )
    for k in HISTORY_FIELDS:
        v = hist[k]
        if not isinstance(v, list) or len(v) != it or not all(_is_number(e) for e in v):
            raise CheckpointError(
                f"{where}: history[{k!r}] must be a list of {it} numbers (one per iteration)"
            )
        if not all(math.isfinite(e) for e in v):
            raise CheckpointError(
                f"{where}: history[{k!r}] holds NaN or inf: the state is not one "
                f"whose cost was finite; refusing to resume from it"
            )


def _check_sampler(sampler, where: str) -> None:
    if not isinstance(sampler, dict) or any(
        k not in sampler for k in ("generator", "order", "pos")
    ):
        raise CheckpointError(
            f"{where}: the field 'sampler' must hold 'generator', 'order' and 'pos'"
        )
    gen, order, pos = sampler["generator"], sampler["order"], sampler["pos"]
    if not isinstance(gen, torch.Tensor) or gen.dtype != torch.uint8:
        raise CheckpointError(
            f"{where}: sampler['generator'] must be a generator state (uint8 tensor)"
        )
    try:
        torch.Generator().set_state(gen)
    except (RuntimeError, TypeError, ValueError) as e:
        raise CheckpointError(
            f"{where}: sampler['generator'] is not a valid generator state ({e})"
        ) from None
    if order is not None and (
        not isinstance(order, torch.Tensor) or order.ndim != 1 or order.dtype != torch.long
    ):
        raise CheckpointError(f"{where}: sampler['order'] must be None or a 1-D int64 tensor")
    if not _is_int(pos) or pos < 0 or (order is not None and pos > order.numel()):
        raise CheckpointError(
            f"{where}: sampler['pos'] must be a whole number in 0..N, got {pos!r}"
        )
    if order is not None and not torch.equal(
        torch.sort(order).values, torch.arange(order.numel(), device=order.device)
    ):
        raise CheckpointError(f"{where}: sampler['order'] is not a permutation")


def check_state(state, model: torch.nn.Module, where: str) -> None:
    """Raise CheckpointError unless ``state`` is a complete, finite trainer checkpoint.

    The checkpoint must fit ``model``'s shape.

    Checks everything but the settings (see :meth:`TrainerState.config`): the format
    tag, the fields, the weights (names, shapes, finite), the iteration count,
    the history (one finite entry per iteration), the sampler and the cost.
    """
    check_header(state, where)
    _check_weights(state["model"], model, where)
    it = state["iteration"]
    if not _is_int(it) or it < 0:
        raise CheckpointError(
            f"{where}: the field 'iteration' must be a whole number >= 0, got {it!r}"
        )
    _check_history(state["history"], it, where)
    _check_sampler(state["sampler"], where)
    if not isinstance(state["extra"], dict):
        raise CheckpointError(f"{where}: the field 'extra' must be a dict")
    for t in _tensors(state["extra"]):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(
                f"{where}: the optimizer state contains NaN or inf; refusing to resume"
            )
    cost = state.get("cost")
    if cost is not None and (not _is_number(cost) or not math.isfinite(cost)):
        raise CheckpointError(
            f"{where}: the checkpoint's state has cost {cost!r}, not a finite number; "
            f"refusing to resume from it"
        )


def _describe(key: str, value) -> str:
    if key == "masks" and isinstance(value, torch.Tensor):
        try:
            return repr(Architecture(value))
        except (TypeError, ValueError):
            return f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


def _same(a, b) -> bool:
    """Equality of two settings (tensors by value; True/1 and None/0 are not the same)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return (
            isinstance(a, torch.Tensor)
            and isinstance(b, torch.Tensor)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and torch.equal(a, b)
        )
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    return a == b


def _mismatch(key: str, theirs, mine, where: str) -> CheckpointMismatch:
    if key == "masks":
        a, b = _describe(key, theirs), _describe(key, mine)
        extra = " (the same widths, but other components active: another order)" if a == b else ""
        return CheckpointMismatch(
            f"{where}: written for another architecture (field 'masks'): the "
            f"checkpoint's is {a}, this model's is {b}{extra}; refusing to resume under "
            f"other settings",
            field=key,
        )
    return CheckpointMismatch(
        f"{where}: written with {key} = {_describe(key, theirs)}, but this run has {key} = "
        f"{_describe(key, mine)}; refusing to resume under other settings (use the same "
        f"{key}, another checkpoint file, or train from scratch)",
        field=key,
    )


def _check_data(saved: dict, data: dict, where: str) -> None:
    for key in ("N", "data"):
        if key not in saved:
            raise CheckpointError(
                f"{where}: incomplete trainer checkpoint, its configuration lacks the field {key!r}"
            )
    if saved["N"] is not None and saved["N"] != data["N"]:
        raise CheckpointMismatch(
            f"{where}: written for N = {saved['N']} samples, but this fit has N = {data['N']}; "
            f"refusing to resume on other data",
            field="N",
        )
    if saved["data"] is not None and saved["data"] != data["data"]:
        raise CheckpointMismatch(
            f"{where}: written for other data (the same N = {data['N']}, but data fingerprint "
            f"{saved['data'][:12]}... instead of {data['data'][:12]}...); refusing to "
            f"resume on other data",
            field="data",
        )


def load_optimizer_state(optimizer: torch.optim.Optimizer, saved, lr: float) -> None:
    """Restore an optimizer's saved state, then apply the requested lr (never the saved one)
    and this optimizer's own implementation (fused or not)."""
    if not isinstance(saved, dict):
        raise ValueError(f"expected the {type(optimizer).__name__} state, got {saved!r:.60}")
    fused = [group.get("fused") for group in optimizer.param_groups]
    optimizer.load_state_dict(saved)
    for group, f in zip(optimizer.param_groups, fused):
        group["lr"] = lr
        group["fused"] = f


class TrainerState:
    """Settings, checkpoints and snapshots of a :class:`~autoencode.training.Trainer`.

    The trainer provides the attributes read here (``model``, ``lam``, ``batch_size``,
    ``seed``, ``iteration``, ``history``, the sampler's ``_gen``, ``_order``, ``_pos`` and
    ``_data``) and the hooks ``_rule_config``, ``_extra_state`` and ``_load_extra_state``.
    """

    name = "trainer"
    model: AutoencODE
    lam: float
    batch_size: int | None
    seed: int
    iteration: int
    history: dict[str, list[float]]
    _gen: torch.Generator
    _order: torch.Tensor | None
    _pos: int
    _data: dict | None

    def _rule_config(self) -> dict:
        """The update rule and its hyper-parameters (part of :meth:`config`)."""
        return {}

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    def config(self) -> dict:
        """The settings a checkpoint records and a resume must match.

        The model's masks, T, off_mode, activation, bias and dtype; the update
        rule and its hyper-parameters; lambda, batch size and sampler seed; and,
        once :meth:`~autoencode.training.Trainer.fit` has seen data, N and a fingerprint
        of the data.
        """
        m = self.model
        data = self._data or {"N": None, "data": None}
        return {
            "trainer": self.name,
            "masks": m.arch.masks.clone(),
            "T": m.T,
            "off_mode": m.off_mode,
            "activation": m.activation.name,
            "bias": m.has_bias,
            "dtype": str(m.weights[0].dtype),
            **self._rule_config(),
            "lam": self.lam,
            "batch_size": self.batch_size,
            "seed": self.seed,
            "N": data["N"],
            "data": data["data"],
        }

    def _check_config(self, saved: dict, where: str, data: dict | None) -> None:
        for key, mine in self.config().items():
            if key in ("N", "data"):
                continue
            if key not in saved:
                raise CheckpointError(
                    f"{where}: incomplete trainer checkpoint, its configuration lacks "
                    f"the field {key!r}"
                )
            if not _same(saved[key], mine):
                raise _mismatch(key, saved[key], mine, where)
        if data is not None:
            _check_data(saved, data, where)

    def _state(self, snap: Snapshot, cost: float | None) -> dict:
        return {
            "format": FORMAT,
            "trainer": self.name,
            "config": self.config(),
            "model": snap.model,
            "iteration": snap.iteration,
            "history": {k: list(v[: snap.n_history]) for k, v in self.history.items()},
            "sampler": {"generator": snap.generator, "order": snap.order, "pos": snap.pos},
            "extra": snap.extra,
            "cost": cost,
        }

    def state_dict(self, cost: float | None = None) -> dict:
        """Everything needed to resume: settings, weights, sampler, history, optimizer state.

        ``cost``: the cost of this state when known (checkpoints written by
        :meth:`~autoencode.training.Trainer.fit` always carry it).
        """
        return self._state(self._capture(), cost)

    def load_state_dict(
        self, state: dict, data: dict | None = None, where: str = "checkpoint"
    ) -> None:
        """Resume from ``state`` after checking it (nothing changes when a check fails).

        Raises :class:`~autoencode.checkpoint.CheckpointError` for an incomplete
        or non-finite state and :class:`~autoencode.checkpoint.CheckpointMismatch`
        (also a ``ValueError``) for one written under other settings. ``data``
        (N and fingerprint, given by :meth:`~autoencode.training.Trainer.fit`) is compared too.
        """
        check_header(state, where)
        if state["trainer"] != self.name:
            raise CheckpointMismatch(
                f"{where}: checkpoint was written by a {state['trainer']!r} trainer, "
                f"this is a {self.name!r} trainer",
                field="trainer",
            )
        self._check_config(state["config"], where, data)
        check_state(state, self.model, where)
        order = state["sampler"]["order"]
        if data is not None and order is not None and order.numel() != data["N"]:
            raise CheckpointMismatch(
                f"{where}: the sampler's order covers {order.numel()} samples, "
                f"but this fit has N = {data['N']}",
                field="N",
            )
        previous = copy_into(None, self._extra_state())
        try:
            self._load_extra_state(copy_into(None, state["extra"]))
        except (KeyError, ValueError, TypeError, IndexError, RuntimeError) as e:
            self._load_extra_state(previous)
            raise CheckpointError(
                f"{where}: the optimizer state does not fit this trainer ({e!r})"
            ) from None
        self.model.load_state_dict(state["model"])
        self.iteration = state["iteration"]
        self.history = {k: list(state["history"][k]) for k in HISTORY_FIELDS}
        self._gen.set_state(state["sampler"]["generator"])
        self._order = order
        self._pos = state["sampler"]["pos"]
        cfg = state["config"]
        if cfg.get("N") is not None:
            self._data = {"N": cfg["N"], "data": cfg.get("data")}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the current training state atomically (see :mod:`autoencode.checkpoint`)."""
        return save_checkpoint(path, self.state_dict())

    def restore(self, path: str | os.PathLike) -> Any:
        """Load the training state written by :meth:`save` or
        :meth:`~autoencode.training.Trainer.fit`, after checking it; returns the trainer."""
        self.load_state_dict(load_checkpoint(path), where=str(path))
        return self

    def _capture(self, into: Snapshot | None = None) -> Snapshot:
        """The current state, copied.

        Into the tensors of ``into`` when given, to save allocations.
        """
        return Snapshot(
            model=copy_into(into.model if into else None, self.model.state_dict()),
            extra=copy_into(into.extra if into else None, self._extra_state()),
            generator=self._gen.get_state(),
            order=self._order,
            pos=self._pos,
            iteration=self.iteration,
            n_history=len(self.history["cost"]),
        )

    @torch.no_grad()
    def _reinstate(self, snap: Snapshot) -> None:
        """Make ``snap`` the current state (weights, optimizer, sampler, iteration, history)."""
        own = self.model.state_dict()
        for k, v in snap.model.items():
            own[k].copy_(v)
        self._load_extra_state(copy_into(None, snap.extra))
        self._gen.set_state(snap.generator)
        self._order, self._pos = snap.order, snap.pos
        self.iteration = snap.iteration
        for v in self.history.values():
            del v[snap.n_history :]
