"""Trainers: the shooting method of Algorithm 1 and an autograd baseline.

One interface (as in msalib): a :class:`Trainer` owns a model, the Tikhonov
weight lambda, a mini-batch sampler and a history, and implements ``update``.

* :class:`ShootingTrainer`: forward states, backward co-states (our own code,
  :mod:`autoencode.pmp`), then an update of every layer's control from its
  Hamiltonian H_k (the reproduction notes, S2-S5):

  - ``"gradient"``: theta_k <- theta_k + lr * grad H_k / h (gradient ascent on H);
  - ``"adam"``: the same ascent direction, preconditioned by Adam's moments;
  - ``"fixed_point"``: theta_k <- argmax H_k (x_k, p_{k+1} frozen), the method of
    successive approximations; needs lambda large enough to contract;
  - ``"proximal"``: argmax of ``H_k(theta) - h / (2 lr) |theta - theta_old|^2``, the
    extended-MSA-like step (Li, Chen, Tai, E 2018).

* :class:`AdamTrainer`: Adam (or SGD) on J through autograd, the baseline.

Training state (weights, optimizer moments, sampler position, history) is
checkpointed atomically and a run resumes to the same result as an
uninterrupted one. A checkpoint records the settings it belongs to
(:meth:`Trainer.config`: masks, T, off_mode, activation, bias, dtype, update
rule and its hyper-parameters, lambda, batch size, sampler seed, N and a
fingerprint of the data) and a resume under any other setting is refused with a
:class:`~autoencode.checkpoint.CheckpointMismatch` naming the field.

A NaN/inf cost stops training with :class:`TrainingDiverged`: the trainer goes
back to the last state whose cost was finite (weights, optimizer state, sampler,
iteration count and history) and the checkpoint holds that state. A checkpoint
written by :meth:`Trainer.fit` only ever holds a state whose cost was evaluated
and finite (its ``"cost"`` field).
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch
from tqdm import tqdm

from . import pmp
from .architecture import Architecture, _real, _whole
from .checkpoint import CheckpointError, CheckpointMismatch, load_checkpoint, save_checkpoint
from .devices import has_fused_optimizers
from .model import AutoencODE, Flow

__all__ = ["Trainer", "ShootingTrainer", "AdamTrainer", "TrainingDiverged", "UPDATES", "FORMAT"]

UPDATES = ("gradient", "adam", "fixed_point", "proximal")

#: Format tag of a trainer checkpoint.
FORMAT = "autoencode-trainer-2"
_OLD_FORMATS = ("autoencode-trainer-1",)
_FIELDS = ("trainer", "config", "model", "iteration", "history", "sampler", "extra")
_HISTORY = ("iteration", "cost", "data", "reg")

Callback = Callable[["Trainer", int], None]


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or inf.

    The trainer is back at the last state whose cost was finite (weights,
    optimizer state, sampler, iteration count, history) and, with a checkpoint,
    the file holds that state. Attributes: ``iteration``, the iteration at which
    the cost was not finite; ``cost``, that value; ``restored_iteration``, the
    iteration of the state kept (``None`` when no state of the run had a finite
    cost: then nothing was saved).
    """

    def __init__(
        self,
        message: str,
        iteration: int | None = None,
        cost: float | None = None,
        restored_iteration: int | None = None,
    ) -> None:
        super().__init__(message)
        self.iteration = iteration
        self.cost = cost
        self.restored_iteration = restored_iteration


@dataclass
class _Snapshot:
    """A consistent training state kept in memory (to go back to after a divergence)."""

    model: dict
    extra: dict
    generator: torch.Tensor
    order: torch.Tensor | None
    pos: int
    iteration: int
    n_history: int


def _copy_into(dst, src):
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
        return {k: _copy_into(d.get(k), v) for k, v in src.items()}
    if isinstance(src, (list, tuple)):
        d = dst if isinstance(dst, (list, tuple)) and len(dst) == len(src) else [None] * len(src)
        out = [_copy_into(a, b) for a, b in zip(d, src)]
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


def _data_signature(x: torch.Tensor, y: torch.Tensor) -> dict:
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


def _check_header(state, where: str) -> None:
    """The format tag and the presence of every field (CheckpointError otherwise)."""
    if not isinstance(state, dict):
        raise CheckpointError(
            f"{where}: expected a dict of training state, got {type(state).__name__}"
        )
    tag = state.get("format")
    if tag in _OLD_FORMATS:
        missing = [k for k in _FIELDS if k not in state]
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
    missing = [k for k in _FIELDS if k not in state]
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


def _check_structure(state, model: AutoencODE, where: str) -> None:
    """Raise CheckpointError unless ``state`` is a complete, finite trainer checkpoint.

    The checkpoint must fit ``model``'s shape.

    Checks everything but the settings (see :meth:`Trainer.config`): the format
    tag, the fields, the weights (names, shapes, finite), the iteration count,
    the history (one finite entry per iteration), the sampler and the cost.
    """
    _check_header(state, where)
    weights, own = state["model"], model.state_dict()
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
    it = state["iteration"]
    if not _is_int(it) or it < 0:
        raise CheckpointError(
            f"{where}: the field 'iteration' must be a whole number >= 0, got {it!r}"
        )
    hist = state["history"]
    if not isinstance(hist, dict) or any(k not in hist for k in _HISTORY):
        raise CheckpointError(
            f"{where}: the field 'history' must be a dict with the lists {_HISTORY}"
        )
    for k in _HISTORY:
        v = hist[k]
        if (
            not isinstance(v, list)
            or len(v) != it
            or not all(isinstance(e, (int, float)) and not isinstance(e, bool) for e in v)
        ):
            raise CheckpointError(
                f"{where}: history[{k!r}] must be a list of {it} numbers (one per iteration)"
            )
        if not all(math.isfinite(e) for e in v):
            raise CheckpointError(
                f"{where}: history[{k!r}] holds NaN or inf: the state is not one "
                f"whose cost was finite; refusing to resume from it"
            )
    sampler = state["sampler"]
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
    if not isinstance(state["extra"], dict):
        raise CheckpointError(f"{where}: the field 'extra' must be a dict")
    for t in _tensors(state["extra"]):
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise CheckpointError(
                f"{where}: the optimizer state contains NaN or inf; refusing to resume"
            )
    cost = state.get("cost")
    if cost is not None and (
        not isinstance(cost, (int, float)) or isinstance(cost, bool) or not math.isfinite(cost)
    ):
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


class Trainer:
    """Common loop: batches, history, callbacks, progress bar, checkpoints.

    Parameters
    ----------
    model:
        The :class:`AutoencODE` to train (in place).
    lam:
        Tikhonov weight lambda in ``J = data + lambda h sum_k |theta_k|^2``.
    batch_size:
        Samples per iteration; ``None`` for the full batch. Mini-batches are
        drawn without replacement, epoch by epoch, from a seeded generator.
    seed:
        Seed of the mini-batch sampler.
    progress:
        Show a tqdm progress bar.
    callbacks:
        Functions ``f(trainer, iteration)`` called with iteration 0 before the
        first update and after each update with its number (e.g. to log Hessian
        spectra at chosen epochs).
    checkpoint:
        Path of a checkpoint file; written every ``checkpoint_every`` iterations,
        at the end, on interruption (Ctrl-C) and on divergence, always with a
        state whose cost was found finite. ``fit(..., resume=True)`` picks it up,
        after checking that it was written under the same settings.
    """

    name = "trainer"

    def __init__(
        self,
        model: AutoencODE,
        lam: float = 1e-3,
        batch_size: int | None = None,
        seed: int = 0,
        progress: bool = True,
        callbacks: Sequence[Callback] = (),
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: int | None = None,
    ) -> None:
        if not isinstance(model, AutoencODE):
            raise TypeError(f"model must be an AutoencODE, got {type(model).__name__}")
        lam = _real(lam, "lam", minimum=0.0, hint="(the Tikhonov weight lambda)")
        if batch_size is not None:
            batch_size = _whole(
                batch_size,
                "batch_size",
                1,
                hint="(samples per iteration, or None for the full batch)",
            )
        seed = _whole(seed, "seed", hint="(seed of the mini-batch sampler)")
        if (
            callable(callbacks)
            or isinstance(callbacks, (str, bytes))
            or not hasattr(callbacks, "__iter__")
        ):
            raise TypeError(
                f"callbacks must be a sequence of functions f(trainer, iteration) (wrap a "
                f"single function in a list), got {type(callbacks).__name__}"
            )
        callbacks = list(callbacks)
        for i, cb in enumerate(callbacks):
            if not callable(cb):
                raise TypeError(
                    f"callbacks[{i}] must be a function f(trainer, iteration), "
                    f"got {type(cb).__name__} {cb!r}"
                )
        if checkpoint is not None:
            if not isinstance(checkpoint, (str, os.PathLike)):
                raise TypeError(
                    f"checkpoint must be a file path (str or os.PathLike) or None, "
                    f"got {type(checkpoint).__name__}"
                )
            checkpoint = Path(checkpoint)
            if checkpoint.is_dir():
                raise ValueError(
                    f"checkpoint must be the path of a file, but {checkpoint} is a folder"
                )
        if checkpoint_every is not None:
            checkpoint_every = _whole(
                checkpoint_every,
                "checkpoint_every",
                1,
                hint="(iterations between checkpoints, or None)",
            )
        self.model = model
        self.lam = lam
        self.batch_size = batch_size
        self.seed = seed
        self.progress = progress
        self.callbacks = callbacks
        self.checkpoint = checkpoint
        self.checkpoint_every = checkpoint_every
        self.iteration = 0
        self.history: dict[str, list[float]] = {k: [] for k in _HISTORY}
        self._gen = torch.Generator().manual_seed(self.seed)
        self._order: torch.Tensor | None = None
        self._pos = 0
        self._data: dict | None = None

    def update(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """One iteration on a batch: returns (J, data, reg) *before* the update.

        The batch is checked (:meth:`AutoencODE.check_input`); :meth:`fit` checks its data once
        and calls :meth:`_step` on each batch.
        """
        x, y = self.model.check_input(x), self.model.check_input(y, name="y")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        return self._step(x, y)

    # -- to implement -----------------------------------------------------
    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """:meth:`update` on a checked batch. When J is not finite the weights must not change."""
        raise NotImplementedError

    def _rule_config(self) -> dict:
        """The update rule and its hyper-parameters (part of :meth:`config`)."""
        return {}

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    # -- the loop -----------------------------------------------------------
    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor | None = None,
        iterations: int = 100,
        tol: float | None = None,
        resume: bool = False,
    ) -> dict[str, list[float]]:
        """Train until ``iterations`` updates have been made in total.

        ``y=None`` means reconstruction (targets = inputs). ``tol``: stop early
        when the relative decrease of J between two iterations falls below it.
        ``resume=True`` continues from ``checkpoint`` if that file exists; it must
        have been written under the same settings and data (else
        :class:`~autoencode.checkpoint.CheckpointMismatch`, naming the field).
        Returns the history: per iteration, J, its data term and lambda*regulariser,
        evaluated on the batch before the update.

        Raises :class:`TrainingDiverged` when the cost becomes NaN or inf (also
        for the final weights, which are evaluated once on the next batch); the
        trainer then holds the last state whose cost was finite.
        """
        iterations = _whole(iterations, "iterations", 0, hint="(the total number of updates)")
        if tol is not None:
            tol = _real(tol, "tol", minimum=0.0, hint="(relative decrease of J, or None)")
        x = self.model.check_input(x)
        y = x if y is None else self.model.check_input(y, name="y")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        data = _data_signature(x, y)
        if resume and self.checkpoint is not None and self.checkpoint.exists():
            self.load_state_dict(
                load_checkpoint(self.checkpoint), data=data, where=str(self.checkpoint)
            )
        self._data = data
        if self.iteration == 0:
            self._call_back(0)
        every = self.checkpoint_every or max(1, iterations // 10)
        start = self.iteration
        n = x.shape[0]
        snap = good = spare = None  # good: the latest state whose cost was evaluated and finite
        good_cost = None
        busy = False  # True while the state is between two consistent states
        # On a terminal the bar redraws in place; elsewhere (a notebook, a log) every redraw is
        # kept, so it redraws every 10 s only.
        interactive = getattr(sys.stderr, "isatty", lambda: False)()
        bar = tqdm(
            total=iterations,
            initial=min(self.iteration, iterations),
            disable=not self.progress,
            desc=self.name,
            leave=False,
            mininterval=0.1 if interactive else 10.0,
        )
        try:
            while self.iteration < iterations:
                snap = self._capture(spare)
                busy = True
                idx = self._next_batch(n)
                xb, yb = (x, y) if idx is None else (x[idx.to(x.device)], y[idx.to(y.device)])
                J, data_term, reg = self._step(xb, yb)
                if not math.isfinite(J):
                    self._diverged(J, snap.iteration, good, good_cost, snap)
                spare, good, good_cost = good, snap, J
                if (
                    self.checkpoint is not None
                    and good.iteration % every == 0
                    and good.iteration > start
                ):
                    self._write(self._snapshot_state(good, good_cost))
                self._record(J, data_term, reg)
                self.iteration += 1
                busy = False
                bar.update(1)
                bar.set_postfix(J=f"{J:.4g}", refresh=False)  # drawn at the next redraw
                self._call_back(self.iteration)
                if tol is not None and len(self.history["cost"]) > 1:
                    prev, cur = self.history["cost"][-2], self.history["cost"][-1]
                    if abs(prev - cur) <= tol * abs(prev):
                        break
        except KeyboardInterrupt:
            if busy:  # an update was cut short: go back to the state before it
                self._reinstate(cast(_Snapshot, snap))  # taken before busy was set
            if self.checkpoint is not None:
                self._finish(x, y, good, good_cost, interrupted=True)
            raise
        finally:
            bar.close()
        self._finish(x, y, good, good_cost)
        return self.history

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, float]:
        """J, data term and lambda*regulariser on the given data (no update)."""
        y = x if y is None else y
        J, data, reg = self.model.cost(x, y, self.lam)
        return {"cost": float(J), "data": float(data), "reg": float(reg)}

    # -- divergence ---------------------------------------------------------------
    def _diverged(
        self,
        J: float,
        at: int,
        good: _Snapshot | None,
        good_cost: float | None,
        start: _Snapshot | None,
    ) -> None:
        """Go back to the last state with a finite cost, save it, and raise TrainingDiverged."""
        if good is None:
            if start is not None:
                self._reinstate(start)
            raise TrainingDiverged(
                f"cost is {J} at iteration {at}, the first state this run evaluated: there is no "
                f"state with a finite cost to go back to, and nothing was saved. Check the data, "
                f"the initial weights (init_scale) and lam.",
                iteration=at,
                cost=J,
                restored_iteration=None,
            )
        self._reinstate(good)
        where = ""
        if self.checkpoint is not None:
            self._write(self._snapshot_state(good, good_cost))
            where = f"; that state is saved in {self.checkpoint}"
        raise TrainingDiverged(
            f"cost is {J} at iteration {at}: the trainer went back to iteration "
            f"{good.iteration}, the last state whose cost was finite (J = {good_cost:.6g}): "
            f"weights, optimizer state, sampler and history{where}. Try a smaller lr or a "
            f"larger lam.",
            iteration=at,
            cost=J,
            restored_iteration=good.iteration,
        )

    @torch.no_grad()
    def _peek_cost(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """J of the current weights on the batch the next update would use.

        The sampler is untouched.
        """
        gen, order, pos = self._gen.get_state(), self._order, self._pos
        try:
            idx = self._next_batch(x.shape[0])
        finally:
            self._gen.set_state(gen)
            self._order, self._pos = order, pos
        xb, yb = (x, y) if idx is None else (x[idx.to(x.device)], y[idx.to(y.device)])
        J, _, _ = self.model.cost(xb, yb, self.lam)
        return float(J)

    def _finish(self, x, y, good, good_cost, interrupted: bool = False) -> None:
        """Evaluate the current state; save it when its cost is finite, else go back to ``good``."""
        J = self._peek_cost(x, y)
        if math.isfinite(J):
            if self.checkpoint is not None:
                self._write(self.state_dict(cost=J))
            return
        if not interrupted:
            self._diverged(J, self.iteration, good, good_cost, None)
        if good is not None:  # interrupted: keep the last finite state, then stop
            self._reinstate(good)
            if self.checkpoint is not None:
                self._write(self._snapshot_state(good, good_cost))

    # -- helpers ------------------------------------------------------------
    def _call_back(self, it: int) -> None:
        for cb in self.callbacks:
            cb(self, it)

    def _record(self, J: float, data: float, reg: float) -> None:
        self.history["iteration"].append(self.iteration)
        self.history["cost"].append(float(J))
        self.history["data"].append(float(data))
        self.history["reg"].append(float(reg))

    def _next_batch(self, n: int) -> torch.Tensor | None:
        if self.batch_size is None or self.batch_size >= n:
            return None
        if self._order is None or self._pos + self.batch_size > n:
            # Drawn on the CPU (the generator's device): the same batches on every device.
            self._order = torch.randperm(n, generator=self._gen, device="cpu")
            self._pos = 0
        idx = self._order[self._pos : self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx

    def _capture(self, into: _Snapshot | None = None) -> _Snapshot:
        """The current state, copied.

        Into the tensors of ``into`` when given, to save allocations.
        """
        return _Snapshot(
            model=_copy_into(into.model if into else None, self.model.state_dict()),
            extra=_copy_into(into.extra if into else None, self._extra_state()),
            generator=self._gen.get_state(),
            order=self._order,
            pos=self._pos,
            iteration=self.iteration,
            n_history=len(self.history["cost"]),
        )

    @torch.no_grad()
    def _reinstate(self, snap: _Snapshot) -> None:
        """Make ``snap`` the current state (weights, optimizer, sampler, iteration, history)."""
        own = self.model.state_dict()
        for k, v in snap.model.items():
            own[k].copy_(v)
        self._load_extra_state(_copy_into(None, snap.extra))
        self._gen.set_state(snap.generator)
        self._order, self._pos = snap.order, snap.pos
        self.iteration = snap.iteration
        for v in self.history.values():
            del v[snap.n_history :]

    def _write(self, state: dict) -> None:
        # Called only when a checkpoint path is set.
        save_checkpoint(cast(Path, self.checkpoint), state)

    # -- state ----------------------------------------------------------------
    def config(self) -> dict:
        """The settings a checkpoint records and a resume must match.

        The model's masks, T, off_mode, activation, bias and dtype; the update
        rule and its hyper-parameters; lambda, batch size and sampler seed; and,
        once :meth:`fit` has seen data, N and a fingerprint of the data.
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
        own = self.config()
        for key, mine in own.items():
            if key in ("N", "data"):
                continue
            if key not in saved:
                raise CheckpointError(
                    f"{where}: incomplete trainer checkpoint, its configuration lacks "
                    f"the field {key!r}"
                )
            theirs = saved[key]
            if _same(theirs, mine):
                continue
            if key == "masks":
                a, b = _describe(key, theirs), _describe(key, mine)
                extra = (
                    " (the same widths, but other components active: another order)"
                    if a == b
                    else ""
                )
                raise CheckpointMismatch(
                    f"{where}: written for another architecture (field 'masks'): the "
                    f"checkpoint's is {a}, this model's is {b}{extra}; refusing to resume under "
                    f"other settings",
                    field=key,
                )
            raise CheckpointMismatch(
                f"{where}: written with {key} = {_describe(key, theirs)}, but this run has {key} = "
                f"{_describe(key, mine)}; refusing to resume under other settings (use the same "
                f"{key}, another checkpoint file, or train from scratch)",
                field=key,
            )
        if data is None:
            return
        for key in ("N", "data"):
            if key not in saved:
                raise CheckpointError(
                    f"{where}: incomplete trainer checkpoint, its configuration lacks "
                    f"the field {key!r}"
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

    def _state(
        self,
        model: dict,
        extra: dict,
        generator,
        order,
        pos,
        iteration: int,
        n_history: int,
        cost: float | None,
    ) -> dict:
        return {
            "format": FORMAT,
            "trainer": self.name,
            "config": self.config(),
            "model": model,
            "iteration": iteration,
            "history": {k: list(v[:n_history]) for k, v in self.history.items()},
            "sampler": {"generator": generator, "order": order, "pos": pos},
            "extra": extra,
            "cost": cost,
        }

    def _snapshot_state(self, snap: _Snapshot, cost: float | None) -> dict:
        return self._state(
            snap.model,
            snap.extra,
            snap.generator,
            snap.order,
            snap.pos,
            snap.iteration,
            snap.n_history,
            cost,
        )

    def state_dict(self, cost: float | None = None) -> dict:
        """Everything needed to resume: settings, weights, sampler, history, optimizer state.

        ``cost``: the cost of this state when known (checkpoints written by
        :meth:`fit` always carry it).
        """
        return self._state(
            {k: v.detach().clone() for k, v in self.model.state_dict().items()},
            _copy_into(None, self._extra_state()),
            self._gen.get_state(),
            self._order,
            self._pos,
            self.iteration,
            len(self.history["cost"]),
            cost,
        )

    def load_state_dict(
        self, state: dict, data: dict | None = None, where: str = "checkpoint"
    ) -> None:
        """Resume from ``state`` after checking it (nothing changes when a check fails).

        Raises :class:`~autoencode.checkpoint.CheckpointError` for an incomplete
        or non-finite state and :class:`~autoencode.checkpoint.CheckpointMismatch`
        (also a ``ValueError``) for one written under other settings. ``data``
        (N and fingerprint, given by :meth:`fit`) is compared too.
        """
        _check_header(state, where)
        if state["trainer"] != self.name:
            raise CheckpointMismatch(
                f"{where}: checkpoint was written by a {state['trainer']!r} trainer, "
                f"this is a {self.name!r} trainer",
                field="trainer",
            )
        self._check_config(state["config"], where, data)
        _check_structure(state, self.model, where)
        order = state["sampler"]["order"]
        if data is not None and order is not None and order.numel() != data["N"]:
            raise CheckpointMismatch(
                f"{where}: the sampler's order covers {order.numel()} samples, "
                f"but this fit has N = {data['N']}",
                field="N",
            )
        previous = _copy_into(None, self._extra_state())
        try:
            self._load_extra_state(_copy_into(None, state["extra"]))
        except (KeyError, ValueError, TypeError, IndexError, RuntimeError) as e:
            self._load_extra_state(previous)
            raise CheckpointError(
                f"{where}: the optimizer state does not fit this trainer ({e!r})"
            ) from None
        self.model.load_state_dict(state["model"])
        self.iteration = state["iteration"]
        self.history = {k: list(state["history"][k]) for k in _HISTORY}
        self._gen.set_state(state["sampler"]["generator"])
        self._order = order
        self._pos = state["sampler"]["pos"]
        cfg = state["config"]
        if cfg.get("N") is not None:
            self._data = {"N": cfg["N"], "data": cfg.get("data")}

    def save(self, path: str | os.PathLike) -> Path:
        """Write the current training state atomically (see :mod:`autoencode.checkpoint`)."""
        return save_checkpoint(path, self.state_dict())

    def restore(self, path: str | os.PathLike) -> Trainer:
        """Load the training state written by :meth:`save` or :meth:`fit`, after checking it."""
        self.load_state_dict(load_checkpoint(path), where=str(path))
        return self


class ShootingTrainer(Trainer):
    """Algorithm 1: forward states, backward co-states, update of the controls.

    Takes :class:`Trainer`'s parameters, and:

    Parameters
    ----------
    update:
        ``"gradient"`` (default), ``"adam"``, ``"fixed_point"`` or ``"proximal"``
        (see the module docstring).
    lr:
        Step of the ascent on H_k / h (``"gradient"``, ``"adam"``), or the proximal
        weight 1/rho (``"proximal"``). Unused by ``"fixed_point"``.
    inner_iterations:
        L-BFGS iterations of the inner argmax (``"fixed_point"``, ``"proximal"``).
    """

    name = "shooting"

    def __init__(
        self,
        model: AutoencODE,
        update: str = "gradient",
        lr: float = 0.1,
        inner_iterations: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(model, **kwargs)
        if not isinstance(update, str) or update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
        lr = _real(lr, "lr", positive=True, hint="(a finite step size > 0)")
        inner_iterations = _whole(
            inner_iterations, "inner_iterations", 1, hint="(L-BFGS iterations of the inner argmax)"
        )
        dtype = model.weights[0].dtype
        big = torch.finfo(dtype).max
        if update == "gradient" and lr / model.h > big:
            raise ValueError(
                f"lr = {lr:g} gives a gradient step lr / h = {lr / model.h:g} that overflows "
                f"{dtype} (largest {big:g}); choose a smaller lr"
            )
        if update == "adam" and lr > big:
            raise ValueError(
                f"lr = {lr:g} overflows {dtype} (largest {big:g}); choose a smaller lr"
            )
        if update == "proximal" and 1.0 / lr > big:
            raise ValueError(
                f"lr = {lr:g} gives a proximal weight 1 / lr that overflows {dtype}; "
                f"choose a larger lr"
            )
        self.rule = update
        self.lr = lr
        self.inner_iterations = inner_iterations
        params = list(model.parameters())
        self._optimizer_lr: float | None
        self.optimizer: torch.optim.Optimizer | None
        # The ascent on H_k / h is a descent on J with step lr / h (dJ/dtheta = -dH/dtheta).
        if update == "gradient":  # the step is taken in _step; the SGD object keeps lr and state
            self._optimizer_lr = self.lr / model.h
            self.optimizer = torch.optim.SGD(params, lr=self._optimizer_lr)
        elif update == "adam":
            self._optimizer_lr = self.lr
            self.optimizer = torch.optim.Adam(params, lr=self._optimizer_lr, fused=_fused(model))
        else:
            self._optimizer_lr = None
            self.optimizer = None
        self._adam_state: tuple[list[torch.Tensor], ...] | None = None
        self._link_adam_state()

    def _rule_config(self) -> dict:
        inner = self.rule in ("fixed_point", "proximal")
        return {
            "update": self.rule,
            "lr": None if self.rule == "fixed_point" else self.lr,
            "inner_iterations": self.inner_iterations if inner else None,
        }

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        model = self.model
        # The co-states stop at p_1, and each holds only the components its neighbouring layers
        # read: the gradients and the inner argmax of fixed_point / proximal use nothing else.
        J_t, data_t, reg_t, grads, fwd, ps = pmp.cost_and_gradients(
            model, x, y, self.lam, first=1, checked=True, whole=False
        )
        J, data, reg = float(J_t), float(data_t), float(reg_t)
        if not math.isfinite(J):
            return J, data, reg
        if self.optimizer is None:
            self._argmax_hamiltonians(fwd, ps)
            return J, data, reg
        # The optimizer's parameters are the model's, in model.parameters() order: every W_k,
        # then every b_k.
        group = self.optimizer.param_groups[0]
        flat = [gs[0] for gs in grads] + [gs[1] for gs in grads if len(gs) > 1]
        if self.rule == "gradient":  # theta <- theta - (lr / h) dJ/dtheta: SGD's step, one call
            with torch.no_grad():  # (the lr is the SGD object's, so a scheduler's applies)
                torch._foreach_add_(group["params"], flat, alpha=-group["lr"])
        elif self._adam_state is not None:  # Adam's fused kernel on the co-states' gradients
            steps, exp_avgs, exp_avg_sqs = self._adam_state
            steps[0].add_(1)  # one counter, shared by every parameter (they step together)
            beta1, beta2 = group["betas"]
            torch._fused_adam_(
                group["params"], flat, exp_avgs, exp_avg_sqs, [], steps, lr=group["lr"],
                beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
                amsgrad=False, maximize=False,
            )  # fmt: skip
        else:  # a device without the fused kernel: torch's Adam
            for p, g in zip(group["params"], flat):
                p.grad = g
            self.optimizer.step()  # .grad is overwritten at the next step: no zero_grad
        return J, data, reg

    def _link_adam_state(self) -> None:
        """Adam's state (moments and step counters) as the lists its fused kernel takes, made in
        the optimizer's own state so that checkpoints hold it; the step counters are made one
        shared tensor (a single increment per step, instead of one per parameter)."""
        self._adam_state = None
        opt = self.optimizer
        if self.rule != "adam" or opt is None or not has_fused_optimizers(self.model.device):
            return
        params = opt.param_groups[0]["params"]
        if not opt.state:  # before the first step: torch's own initial state
            for p in params:
                opt.state[p] = {
                    # torch's fused Adam counts its steps in float32, on the parameter's device
                    "step": torch.tensor(0.0, dtype=torch.float32, device=p.device),
                    "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                    "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
                }
        step = opt.state[params[0]]["step"]
        for p in params:
            opt.state[p]["step"] = step
        self._adam_state = (
            [step] * len(params),
            [opt.state[p]["exp_avg"] for p in params],
            [opt.state[p]["exp_avg_sq"] for p in params],
        )

    def _argmax_hamiltonians(self, fwd: Flow, ps: list[torch.Tensor]) -> None:
        """theta_k <- argmax_theta H_k(theta) [- h/(2 lr)|theta - theta_old|^2], all k at once.

        The H_k are independent across layers, so one L-BFGS run on
        -sum_k H_k / h maximises each of them; its gradient is written by hand.
        """
        model, lam = self.model, self.lam
        prox = 1.0 / self.lr if self.rule == "proximal" else 0.0
        params = list(model.parameters())
        old = [[t.detach().clone() for t in model.layer_parameters(k)] for k in range(model.depth)]
        opt = torch.optim.LBFGS(
            params,
            lr=1.0,
            max_iter=self.inner_iterations,
            tolerance_grad=1e-10,
            tolerance_change=1e-14,
            history_size=20,
            line_search_fn="strong_wolfe",
        )

        def closure():
            with torch.no_grad():
                total = 0.0
                for k in range(model.depth):
                    theta = model.layer_parameters(k)
                    xa = model.active_block(k, fwd.xs[k])
                    pa = model.active_block(k, ps[k + 1])
                    value, gs = pmp.layer_hamiltonian(model, k, theta, xa, pa, lam)
                    if prox:
                        for j, t in enumerate(theta):
                            diff = t - old[k][j]
                            value = value - 0.5 * prox * (diff**2).sum()
                            gs[j] = gs[j] - prox * diff
                    total += float(value)
                    for t, g in zip(theta, gs):
                        t.grad = -g  # minimise -H_k / h
                return torch.tensor(-total, dtype=model.dtype, device=model.device)

        opt.step(closure)
        for p in params:
            p.grad = None

    def _extra_state(self) -> dict:
        return {"optimizer": self.optimizer.state_dict() if self.optimizer is not None else None}

    def _load_extra_state(self, state: dict) -> None:
        if self.optimizer is not None:
            # With an optimizer, its lr is set.
            lr = cast(float, self._optimizer_lr)
            _load_optimizer(self.optimizer, state.get("optimizer"), lr)
            self._link_adam_state()  # the loaded tensors are new ones


def _fused(model: AutoencODE) -> bool | None:
    """``fused=True`` where torch has the fused step (one kernel for all parameters instead of a
    Python loop over them: the same update, to round-off), else torch's default."""
    return True if has_fused_optimizers(model.device) else None


def _load_optimizer(optimizer: torch.optim.Optimizer, saved, lr: float) -> None:
    """Restore an optimizer's saved state, then apply the requested lr (never the saved one)
    and this optimizer's own implementation (fused or not)."""
    if not isinstance(saved, dict):
        raise ValueError(f"expected the {type(optimizer).__name__} state, got {saved!r:.60}")
    fused = [group.get("fused") for group in optimizer.param_groups]
    optimizer.load_state_dict(saved)
    for group, f in zip(optimizer.param_groups, fused):
        group["lr"] = lr
        group["fused"] = f


class AdamTrainer(Trainer):
    """The baseline: Adam (or SGD) on J by autograd, on the same model.

    Takes :class:`Trainer`'s parameters, and:

    Parameters
    ----------
    lr:
        Learning rate.
    optimizer:
        ``"adam"`` (default) or ``"sgd"``.
    """

    name = "adam"

    def __init__(
        self, model: AutoencODE, lr: float = 1e-2, optimizer: str = "adam", **kwargs: Any
    ) -> None:
        super().__init__(model, **kwargs)
        if not isinstance(optimizer, str) or optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        lr = _real(lr, "lr", positive=True, hint="(a finite learning rate > 0)")
        dtype = model.weights[0].dtype
        if lr > torch.finfo(dtype).max:
            raise ValueError(f"lr = {lr:g} overflows {dtype}; choose a smaller lr")
        self.lr = lr
        self.optimizer_name = optimizer
        cls = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = cls(model.parameters(), lr=lr, fused=_fused(model))

    def _rule_config(self) -> dict:
        return {"optimizer": self.optimizer_name, "lr": self.lr}

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        self.optimizer.zero_grad(set_to_none=True)
        J, data, reg = self.model.cost(x, y, self.lam)
        if torch.isfinite(J):
            J.backward()
            self.optimizer.step()
        return J.item(), data.item(), reg.item()

    def _extra_state(self) -> dict:
        return {"optimizer": self.optimizer.state_dict()}

    def _load_extra_state(self, state: dict) -> None:
        _load_optimizer(self.optimizer, state.get("optimizer"), self.lr)
