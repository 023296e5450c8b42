"""The training loop every trainer shares: batches, history, callbacks, progress, checkpoints
and the way back after a divergence. A trainer only writes its step (:meth:`Trainer._step`)."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import torch
from tqdm import tqdm

from ..arguments import real, whole
from ..checkpoint import load_checkpoint, save_checkpoint
from ..model import AutoencODE
from .state import HISTORY_FIELDS, Snapshot, TrainerState, data_signature

__all__ = ["Callback", "Trainer", "TrainingDiverged"]

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


def _optional_count(value, name: str, hint: str) -> int | None:
    return None if value is None else whole(value, name, 1, hint=hint)


def _checked_callbacks(callbacks) -> list[Callback]:
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
    return callbacks


def _checked_checkpoint(checkpoint) -> Path | None:
    if checkpoint is None:
        return None
    if not isinstance(checkpoint, (str, os.PathLike)):
        raise TypeError(
            f"checkpoint must be a file path (str or os.PathLike) or None, "
            f"got {type(checkpoint).__name__}"
        )
    checkpoint = Path(checkpoint)
    if checkpoint.is_dir():
        raise ValueError(f"checkpoint must be the path of a file, but {checkpoint} is a folder")
    return checkpoint


def _divergence(
    J: float, at: int, kept: int | None, kept_cost: float | None, saved_in: Path | None
) -> TrainingDiverged:
    """The error for a cost ``J`` that is not finite at iteration ``at``; ``kept``: the iteration
    of the state the trainer went back to (None: there was none), saved in ``saved_in``."""
    if kept is None:
        return TrainingDiverged(
            f"cost is {J} at iteration {at}, the first state this run evaluated: there is no "
            f"state with a finite cost to go back to, and nothing was saved. Check the data, "
            f"the initial weights (init_scale) and lam.",
            iteration=at,
            cost=J,
            restored_iteration=None,
        )
    where = "" if saved_in is None else f"; that state is saved in {saved_in}"
    return TrainingDiverged(
        f"cost is {J} at iteration {at}: the trainer went back to iteration "
        f"{kept}, the last state whose cost was finite (J = {kept_cost:.6g}): "
        f"weights, optimizer state, sampler and history{where}. Try a smaller lr or a "
        f"larger lam.",
        iteration=at,
        cost=J,
        restored_iteration=kept,
    )


class Trainer(TrainerState):
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
        self.lam = real(lam, "lam", minimum=0.0, hint="(the Tikhonov weight lambda)")
        self.batch_size = _optional_count(
            batch_size, "batch_size", "(samples per iteration, or None for the full batch)"
        )
        self.seed = whole(seed, "seed", hint="(seed of the mini-batch sampler)")
        self.callbacks = _checked_callbacks(callbacks)
        self.checkpoint = _checked_checkpoint(checkpoint)
        self.checkpoint_every = _optional_count(
            checkpoint_every, "checkpoint_every", "(iterations between checkpoints, or None)"
        )
        self.model = model
        self.progress = progress
        self.iteration = 0
        self.history: dict[str, list[float]] = {k: [] for k in HISTORY_FIELDS}
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

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """:meth:`update` on a checked batch. When J is not finite the weights must not change."""
        raise NotImplementedError

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
        iterations = whole(iterations, "iterations", 0, hint="(the total number of updates)")
        if tol is not None:
            tol = real(tol, "tol", minimum=0.0, hint="(relative decrease of J, or None)")
        x, y = self._start(x, y, resume)
        if self.iteration == 0:
            self._call_back(0)
        every = self.checkpoint_every or max(1, iterations // 10)
        start = self.iteration
        n = x.shape[0]
        snap = good = spare = None  # good: the latest state whose cost was evaluated and finite
        good_cost = None
        busy = False  # True while the state is between two consistent states
        bar = _progress_bar(self.name, self.progress, self.iteration, iterations)
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
                    self._write(self._state(good, good_cost))
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
                self._reinstate(cast(Snapshot, snap))  # taken before busy was set
            if self.checkpoint is not None:
                self._finish(x, y, good, good_cost, interrupted=True)
            raise
        finally:
            bar.close()
        self._finish(x, y, good, good_cost)
        return self.history

    def _start(
        self, x: torch.Tensor, y: torch.Tensor | None, resume: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The checked batch and targets of :meth:`fit`; the checkpoint's state when resuming."""
        x = self.model.check_input(x)
        y = x if y is None else self.model.check_input(y, name="y")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        data = data_signature(x, y)
        if resume and self.checkpoint is not None and self.checkpoint.exists():
            self.load_state_dict(
                load_checkpoint(self.checkpoint), data=data, where=str(self.checkpoint)
            )
        self._data = data
        return x, y

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, float]:
        """J, data term and lambda*regulariser on the given data (no update)."""
        y = x if y is None else y
        J, data, reg = self.model.cost(x, y, self.lam)
        return {"cost": float(J), "data": float(data), "reg": float(reg)}

    def _diverged(
        self,
        J: float,
        at: int,
        good: Snapshot | None,
        good_cost: float | None,
        start: Snapshot | None,
    ) -> None:
        """Go back to the last state with a finite cost, save it, and raise TrainingDiverged."""
        if good is None:
            if start is not None:
                self._reinstate(start)
            raise _divergence(J, at, None, None, None)
        self._reinstate(good)
        if self.checkpoint is not None:
            self._write(self._state(good, good_cost))
        raise _divergence(J, at, good.iteration, good_cost, self.checkpoint)

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
                self._write(self._state(good, good_cost))

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

    def _write(self, state: dict) -> None:
        # Called only when a checkpoint path is set.
        save_checkpoint(cast(Path, self.checkpoint), state)


def _progress_bar(name: str, progress: bool, done: int, iterations: int) -> tqdm:
    """The progress bar of :meth:`Trainer.fit`: ``done`` of ``iterations`` updates made."""
    # On a terminal the bar redraws in place; elsewhere (a notebook, a log) every redraw is
    # kept, so it redraws every 10 s only.
    interactive = getattr(sys.stderr, "isatty", lambda: False)()
    return tqdm(
        total=iterations,
        initial=min(done, iterations),
        disable=not progress,
        desc=name,
        leave=False,
        mininterval=0.1 if interactive else 10.0,
    )
