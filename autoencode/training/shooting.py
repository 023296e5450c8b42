"""Algorithm 1, the shooting method: forward states, backward co-states
(:mod:`autoencode.pmp`), then the update of every layer's control by a rule of
:data:`~autoencode.training.rules.RULES`."""

from __future__ import annotations

import math
from typing import Any

import torch

from .. import pmp
from ..arguments import real, whole
from ..model import AutoencODE
from .loop import Trainer
from .rules import RULES, UPDATES, Rule

__all__ = ["ShootingTrainer"]


class ShootingTrainer(Trainer):
    """Algorithm 1: forward states, backward co-states, update of the controls.

    Takes :class:`~autoencode.training.Trainer`'s parameters, and:

    Parameters
    ----------
    update:
        The name of a rule in :data:`~autoencode.training.rules.RULES`: ``"gradient"``
        (default), ``"adam"``, ``"fixed_point"`` or ``"proximal"``.
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
        if not isinstance(update, str) or update not in RULES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
        lr = real(lr, "lr", positive=True, hint="(a finite step size > 0)")
        inner_iterations = whole(
            inner_iterations, "inner_iterations", 1, hint="(L-BFGS iterations of the inner argmax)"
        )
        self.rule = update
        self.lr = lr
        self.inner_iterations = inner_iterations
        self.update_rule: Rule = RULES[update](model, lr, inner_iterations)

    @property
    def optimizer(self) -> torch.optim.Optimizer | None:
        """The torch optimizer that keeps the rule's lr and state (None for a rule without)."""
        return self.update_rule.optimizer

    def _rule_config(self) -> dict:
        return self.update_rule.config()

    def _step(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        # The co-states stop at p_1, and each holds only the components its neighbouring layers
        # read: the gradients and the inner argmax of fixed_point / proximal use nothing else.
        J_t, data_t, reg_t, grads, fwd, ps = pmp.cost_and_gradients(
            self.model, x, y, self.lam, first=1, checked=True, whole=False
        )
        J, data, reg = float(J_t), float(data_t), float(reg_t)
        if math.isfinite(J):
            self.update_rule.step(self.lam, grads, fwd, ps)
        return J, data, reg

    def _extra_state(self) -> dict:
        return self.update_rule.state()

    def _load_extra_state(self, state: dict) -> None:
        self.update_rule.load_state(state)
