"""The baseline: Adam (or SGD) on J through autograd, on the same model."""

from __future__ import annotations

from typing import Any

import torch

from ..arguments import real
from ..model import AutoencODE
from .loop import Trainer
from .rules import fused_option
from .state import load_optimizer_state

__all__ = ["AdamTrainer"]


class AdamTrainer(Trainer):
    """The baseline: Adam (or SGD) on J by autograd, on the same model.

    Takes :class:`~autoencode.training.Trainer`'s parameters, and:

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
        lr = real(lr, "lr", positive=True, hint="(a finite learning rate > 0)")
        dtype = model.weights[0].dtype
        if lr > torch.finfo(dtype).max:
            raise ValueError(f"lr = {lr:g} overflows {dtype}; choose a smaller lr")
        self.lr = lr
        self.optimizer_name = optimizer
        cls = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = cls(model.parameters(), lr=lr, fused=fused_option(model))

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
        load_optimizer_state(self.optimizer, state.get("optimizer"), self.lr)
