"""Trainers: the shooting method of Algorithm 1 and an autograd baseline.

One interface (as in msalib): a :class:`Trainer` owns a model, the Tikhonov
weight lambda, a mini-batch sampler and a history, and implements ``update``.

* :class:`ShootingTrainer`: forward states, backward co-states (our own code,
  :mod:`autoencode.pmp`), then an update of every layer's control from its
  Hamiltonian H_k (spec section 2):

  - ``"gradient"``: theta_k <- theta_k + lr * grad H_k / h (gradient ascent on H);
  - ``"adam"``: the same ascent direction, preconditioned by Adam's moments;
  - ``"fixed_point"``: theta_k <- argmax H_k (x_k, p_{k+1} frozen), the method of
    successive approximations; needs lambda large enough to contract;
  - ``"proximal"``: argmax of H_k(theta) - h / (2 lr) |theta - theta_old|^2, the
    extended-MSA-like step (Li, Chen, Tai, E 2018).

* :class:`AdamTrainer`: Adam (or SGD) on J through autograd, the baseline.

Training state (weights, optimizer moments, sampler position, history) is
checkpointed atomically and a run resumes to the same result as an
uninterrupted one. A NaN/inf cost stops training with :class:`TrainingDiverged`
and restores the last finite weights.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Callable, Iterable, Sequence

import torch
from tqdm import tqdm

from . import pmp
from .checkpoint import load_checkpoint, save_checkpoint
from .model import AutoencODE

__all__ = ["Trainer", "ShootingTrainer", "AdamTrainer", "TrainingDiverged", "UPDATES"]

UPDATES = ("gradient", "adam", "fixed_point", "proximal")

Callback = Callable[["Trainer", int], None]


class TrainingDiverged(FloatingPointError):
    """The cost became NaN or inf; the model holds the last finite weights."""


class Trainer:
    """Common loop: batches, history, callbacks, progress bar, checkpoints.

    Parameters
    ----------
    model:
        The :class:`AutoencODE` to train (in place).
    lam:
        Tikhonov weight lambda in J = data + lambda h sum_k |theta_k|^2.
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
        at the end, and on interruption (Ctrl-C). ``fit(..., resume=True)`` picks
        it up.
    """

    name = "trainer"

    def __init__(self, model: AutoencODE, lam: float = 1e-3, batch_size: int | None = None,
                 seed: int = 0, progress: bool = True, callbacks: Sequence[Callback] = (),
                 checkpoint: str | os.PathLike | None = None, checkpoint_every: int | None = None):
        if not isinstance(model, AutoencODE):
            raise TypeError(f"model must be an AutoencODE, got {type(model).__name__}")
        if lam < 0 or not math.isfinite(lam):
            raise ValueError(f"lam must be a finite non-negative number, got {lam}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size}")
        self.model = model
        self.lam = float(lam)
        self.batch_size = batch_size
        self.seed = int(seed)
        self.progress = progress
        self.callbacks = list(callbacks)
        self.checkpoint = Path(checkpoint) if checkpoint is not None else None
        self.checkpoint_every = checkpoint_every
        self.iteration = 0
        self.history: dict[str, list[float]] = {"iteration": [], "cost": [], "data": [], "reg": []}
        self._gen = torch.Generator().manual_seed(self.seed)
        self._order: torch.Tensor | None = None
        self._pos = 0

    # -- to implement -----------------------------------------------------
    def update(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """One iteration on a batch: returns (J, data, reg) *before* the update."""
        raise NotImplementedError

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    # -- the loop -----------------------------------------------------------
    def fit(self, x: torch.Tensor, y: torch.Tensor | None = None, iterations: int = 100,
            tol: float | None = None, resume: bool = False) -> dict[str, list[float]]:
        """Train until ``iterations`` updates have been made in total.

        ``y=None`` means reconstruction (targets = inputs). ``tol``: stop early
        when the relative decrease of J between two iterations falls below it.
        ``resume=True`` continues from ``checkpoint`` if that file exists.
        Returns the history: per iteration, J, its data term and lambda*regulariser,
        evaluated on the batch before the update.
        """
        x = self.model.check_input(x)
        y = x if y is None else self.model.check_input(y, name="y")
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"x has {x.shape[0]} samples but y has {y.shape[0]}")
        if resume and self.checkpoint is not None and self.checkpoint.exists():
            self.restore(self.checkpoint)
        if self.iteration == 0:
            self._call_back(0)
        every = self.checkpoint_every or max(1, iterations // 10)
        last_finite = self._snapshot()
        bar = tqdm(total=iterations, initial=min(self.iteration, iterations), disable=not self.progress,
                   desc=self.name, leave=False)
        try:
            while self.iteration < iterations:
                idx = self._next_batch(x.shape[0])
                xb, yb = (x, y) if idx is None else (x[idx], y[idx])
                J, data, reg = self.update(xb, yb)
                if not math.isfinite(J):
                    self._restore_snapshot(last_finite)
                    where = ""
                    if self.checkpoint is not None:
                        self.save(self.checkpoint)
                        where = f"; the last finite state is saved in {self.checkpoint}"
                    raise TrainingDiverged(
                        f"cost is {J} at iteration {self.iteration}: the weights were restored to "
                        f"the last finite iterate{where}. Try a smaller learning rate or a larger lambda.")
                self._record(J, data, reg)
                self.iteration += 1
                last_finite = self._snapshot()
                bar.update(1)
                bar.set_postfix(J=f"{J:.4g}")
                self._call_back(self.iteration)
                if self.checkpoint is not None and self.iteration % every == 0:
                    self.save(self.checkpoint)
                if tol is not None and len(self.history["cost"]) > 1:
                    prev, cur = self.history["cost"][-2], self.history["cost"][-1]
                    if abs(prev - cur) <= tol * abs(prev):
                        break
        except KeyboardInterrupt:
            if self.checkpoint is not None:
                self.save(self.checkpoint)
            raise
        finally:
            bar.close()
        if self.checkpoint is not None:
            self.save(self.checkpoint)
        return self.history

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor | None = None) -> dict[str, float]:
        """J, data term and lambda*regulariser on the given data (no update)."""
        y = x if y is None else y
        J, data, reg = self.model.cost(x, y, self.lam)
        return {"cost": float(J), "data": float(data), "reg": float(reg)}

    # -- helpers ------------------------------------------------------------
    def _call_back(self, it: int) -> None:
        for cb in self.callbacks:
            cb(self, it)

    def _record(self, J: float, data: float, reg: float) -> None:
        self.history["iteration"].append(self.iteration)
        self.history["cost"].append(J)
        self.history["data"].append(data)
        self.history["reg"].append(reg)

    def _next_batch(self, n: int) -> torch.Tensor | None:
        if self.batch_size is None or self.batch_size >= n:
            return None
        if self._order is None or self._pos + self.batch_size > n:
            self._order = torch.randperm(n, generator=self._gen)
            self._pos = 0
        idx = self._order[self._pos:self._pos + self.batch_size]
        self._pos += self.batch_size
        return idx

    def _snapshot(self) -> list[torch.Tensor]:
        return [p.detach().clone() for p in self.model.parameters()]

    @torch.no_grad()
    def _restore_snapshot(self, snap: list[torch.Tensor]) -> None:
        for p, s in zip(self.model.parameters(), snap):
            p.copy_(s)

    # -- state ----------------------------------------------------------------
    def state_dict(self) -> dict:
        """Everything needed to resume: weights, sampler, history, optimizer state."""
        return {
            "format": "autoencode-trainer-1",
            "trainer": self.name,
            "model": {k: v.detach().clone() for k, v in self.model.state_dict().items()},
            "iteration": self.iteration,
            "history": {k: list(v) for k, v in self.history.items()},
            "sampler": {"generator": self._gen.get_state(), "order": self._order, "pos": self._pos},
            "extra": self._extra_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        if state.get("format") != "autoencode-trainer-1":
            raise ValueError("not an autoencode trainer checkpoint (missing format tag)")
        if state.get("trainer") != self.name:
            raise ValueError(f"checkpoint was written by a {state.get('trainer')!r} trainer, "
                             f"this is a {self.name!r} trainer")
        own = self.model.state_dict()
        saved = state["model"]
        if set(own) != set(saved) or any(own[k].shape != saved[k].shape for k in own):
            raise ValueError("checkpoint weights do not match this model's architecture")
        self.model.load_state_dict(saved)
        self.iteration = int(state["iteration"])
        self.history = {k: list(v) for k, v in state["history"].items()}
        self._gen.set_state(state["sampler"]["generator"])
        self._order = state["sampler"]["order"]
        self._pos = int(state["sampler"]["pos"])
        self._load_extra_state(state["extra"])

    def save(self, path: str | os.PathLike) -> Path:
        """Write the training state atomically (see :mod:`autoencode.checkpoint`)."""
        return save_checkpoint(path, self.state_dict())

    def restore(self, path: str | os.PathLike) -> "Trainer":
        """Load the training state written by :meth:`save`."""
        self.load_state_dict(load_checkpoint(path))
        return self


class ShootingTrainer(Trainer):
    """Algorithm 1: forward states, backward co-states, update of the controls.

    Parameters (beyond :class:`Trainer`'s)
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

    def __init__(self, model: AutoencODE, update: str = "gradient", lr: float = 0.1,
                 inner_iterations: int = 20, **kwargs):
        super().__init__(model, **kwargs)
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
        if not lr > 0:
            raise ValueError(f"lr must be positive, got {lr}")
        self.rule = update
        self.lr = float(lr)
        self.inner_iterations = int(inner_iterations)
        params = list(model.parameters())
        # The ascent on H_k / h is a descent on J with step lr / h (dJ/dtheta = -dH/dtheta).
        if update == "gradient":
            self.optimizer = torch.optim.SGD(params, lr=self.lr / model.h)
        elif update == "adam":
            self.optimizer = torch.optim.Adam(params, lr=self.lr)
        else:
            self.optimizer = None

    def update(self, x, y):
        model = self.model
        J, data, reg, grads, fwd, ps = pmp.cost_and_gradients(model, x, y, self.lam)
        J, data, reg = float(J), float(data), float(reg)
        if not math.isfinite(J):
            return J, data, reg
        if self.optimizer is not None:
            for k in range(model.depth):
                for p, g in zip(model.layer_parameters(k), grads[k]):
                    p.grad = g
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        else:
            self._argmax_hamiltonians(fwd, ps)
        return J, data, reg

    def _argmax_hamiltonians(self, fwd: pmp.Forward, ps: list[torch.Tensor]) -> None:
        """theta_k <- argmax_theta H_k(theta) [- h/(2 lr)|theta - theta_old|^2], all k at once.

        The H_k are independent across layers, so one L-BFGS run on
        -sum_k H_k / h maximises each of them; its gradient is written by hand.
        """
        model, h, lam = self.model, self.model.h, self.lam
        prox = 1.0 / self.lr if self.rule == "proximal" else 0.0
        params = list(model.parameters())
        old = [[t.detach().clone() for t in model.layer_parameters(k)] for k in range(model.depth)]
        opt = torch.optim.LBFGS(params, lr=1.0, max_iter=self.inner_iterations,
                                tolerance_grad=1e-10, tolerance_change=1e-14,
                                history_size=20, line_search_fn="strong_wolfe")

        def closure():
            with torch.no_grad():
                total = 0.0
                for k in range(model.depth):
                    theta = model.layer_parameters(k)
                    xa = model.active_block(k, fwd.xs[k])
                    pa = model.active_block(k, ps[k + 1])
                    z = xa @ theta[0].T + (theta[1] if len(theta) > 1 else 0)
                    a = model.activation.fn(z)
                    delta = pa * model.activation.derivative(z, a)
                    value = (pa * a).sum() - lam * sum((t ** 2).sum() for t in theta)
                    gW = delta.T @ xa - 2 * lam * theta[0]
                    gs = [gW, delta.sum(0) - 2 * lam * theta[1]] if len(theta) > 1 else [gW]
                    if prox:
                        for j, t in enumerate(theta):
                            diff = t - old[k][j]
                            value = value - 0.5 * prox * (diff ** 2).sum()
                            gs[j] = gs[j] - prox * diff
                    total += float(value)
                    for t, g in zip(theta, gs):
                        t.grad = -g          # minimise -H_k / h
                return torch.tensor(-total)

        opt.step(closure)
        for p in params:
            p.grad = None

    def _extra_state(self):
        return {"optimizer": self.optimizer.state_dict() if self.optimizer is not None else None}

    def _load_extra_state(self, state):
        if self.optimizer is not None and state.get("optimizer") is not None:
            self.optimizer.load_state_dict(state["optimizer"])


class AdamTrainer(Trainer):
    """The baseline: Adam (or SGD) on J by autograd, on the same model.

    Parameters (beyond :class:`Trainer`'s)
    ----------
    lr:
        Learning rate.
    optimizer:
        ``"adam"`` (default) or ``"sgd"``.
    """

    name = "adam"

    def __init__(self, model: AutoencODE, lr: float = 1e-2, optimizer: str = "adam", **kwargs):
        super().__init__(model, **kwargs)
        if optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
        cls = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = cls(model.parameters(), lr=lr)

    def update(self, x, y):
        self.optimizer.zero_grad(set_to_none=True)
        J, data, reg = self.model.cost(x, y, self.lam)
        if torch.isfinite(J):
            J.backward()
            self.optimizer.step()
        return J.item(), data.item(), reg.item()

    def _extra_state(self):
        return {"optimizer": self.optimizer.state_dict()}

    def _load_extra_state(self, state):
        self.optimizer.load_state_dict(state["optimizer"])
