"""The shooting method's update rules: one class per rule, and the table :data:`RULES`.

A rule receives, at each iteration, what the forward pass and the discrete Pontryagin co-states
give (:func:`autoencode.pmp.cost_and_gradients`) and updates every layer's control from its
Hamiltonian H_k (the book's reproduction notes, S2-S5):

- ``"gradient"``: theta_k <- theta_k + lr * grad H_k / h (gradient ascent on H);
- ``"adam"``: the same ascent direction, preconditioned by Adam's moments;
- ``"fixed_point"``: theta_k <- argmax H_k (x_k, p_{k+1} frozen), the method of successive
  approximations; needs lambda large enough to contract;
- ``"proximal"``: argmax of ``H_k(theta) - h / (2 lr) |theta - theta_old|^2``, the
  extended-MSA-like step (Li, Chen, Tai, E 2018).

Adding a rule is one subclass of :class:`Rule` (its ``name``, ``step`` and, if it keeps an
optimizer, ``make_optimizer``) and one entry in :data:`RULES`.
"""

from __future__ import annotations

from typing import cast

import torch

from .. import pmp
from ..devices import has_fused_optimizers
from ..model import AutoencODE, Flow
from .state import load_optimizer_state

__all__ = [
    "RULES",
    "UPDATES",
    "AdamRule",
    "FixedPointRule",
    "GradientRule",
    "ProximalRule",
    "Rule",
    "fused_option",
]


def fused_option(model: AutoencODE) -> bool | None:
    """``fused=True`` where torch has the fused step (one kernel for all parameters instead of a
    Python loop over them: the same update, to round-off), else torch's default."""
    return True if has_fused_optimizers(model.device) else None


class Rule:
    """One update of the controls. Subclasses set :attr:`name` and write :meth:`step`.

    ``lr``: the rule's step (its meaning is the subclass's); ``inner_iterations``: L-BFGS
    iterations of an inner argmax. :attr:`uses_lr` / :attr:`uses_inner` say which of the two
    the rule reads: the others are recorded as ``None`` in a checkpoint's settings.
    """

    name = "rule"
    uses_lr = True
    uses_inner = False

    def __init__(self, model: AutoencODE, lr: float, inner_iterations: int) -> None:
        self.model = model
        self.lr = lr
        self.inner_iterations = inner_iterations
        self.check_lr(torch.finfo(model.weights[0].dtype).max)
        self.optimizer = self.make_optimizer(list(model.parameters()))

    def check_lr(self, big: float) -> None:
        """Refuse an ``lr`` whose step overflows the model's dtype (``big``: its largest value)."""

    def make_optimizer(self, params: list[torch.Tensor]) -> torch.optim.Optimizer | None:
        """The torch optimizer that holds the rule's lr and state, if it keeps one."""
        return None

    @property
    def optimizer_lr(self) -> float | None:
        """The lr of ``optimizer``, the one restored with a checkpoint's state."""
        return None

    def config(self) -> dict:
        """The rule and its hyper-parameters, as a checkpoint records them."""
        return {
            "update": self.name,
            "lr": self.lr if self.uses_lr else None,
            "inner_iterations": self.inner_iterations if self.uses_inner else None,
        }

    def step(self, lam: float, grads: list, fwd: Flow, ps: list[torch.Tensor]) -> None:
        """Update the model's controls. ``grads[k]``: dJ/dW_k (and dJ/db_k) of layer k;
        ``fwd``: the forward states; ``ps``: the co-states."""
        raise NotImplementedError

    def state(self) -> dict:
        return {"optimizer": self.optimizer.state_dict() if self.optimizer is not None else None}

    def load_state(self, state: dict) -> None:
        if self.optimizer is not None:
            load_optimizer_state(
                self.optimizer, state.get("optimizer"), cast(float, self.optimizer_lr)
            )

    def _flat(self, grads: list) -> list[torch.Tensor]:
        """The gradients in model.parameters() order (every W_k, then every b_k): the
        optimizer's parameter order."""
        return [gs[0] for gs in grads] + [gs[1] for gs in grads if len(gs) > 1]


class GradientRule(Rule):
    """theta <- theta - (lr / h) dJ/dtheta: the ascent on H_k / h (dJ/dtheta = -dH/dtheta)."""

    name = "gradient"
    #: Call torch's multi-tensor kernel directly (True) or go through ``optimizer.step()``.
    direct_kernel = True

    def check_lr(self, big: float) -> None:
        if self.lr / self.model.h > big:
            raise ValueError(
                f"lr = {self.lr:g} gives a gradient step lr / h = {self.lr / self.model.h:g} that "
                f"overflows {self.model.weights[0].dtype} (largest {big:g}); choose a smaller lr"
            )

    def make_optimizer(self, params):
        # The SGD object keeps the step's lr (so that a scheduler's applies) and its state.
        return torch.optim.SGD(params, lr=self.lr / self.model.h)

    @property
    def optimizer_lr(self) -> float:
        return self.lr / self.model.h

    def step(self, lam, grads, fwd, ps) -> None:
        assert self.optimizer is not None
        group = self.optimizer.param_groups[0]
        flat = self._flat(grads)
        if self.direct_kernel:
            # The multi-tensor kernel SGD's foreach step runs, without setting every .grad and
            # the step's Python around it: benchmarks/bench_2d_step.py times both.
            with torch.no_grad():
                torch._foreach_add_(group["params"], flat, alpha=-group["lr"])
            return
        for p, g in zip(group["params"], flat):
            p.grad = g
        self.optimizer.step()


class AdamRule(Rule):
    """The ascent direction of :class:`GradientRule`, preconditioned by Adam's moments.

    Where torch has the fused Adam kernel it is called directly on the co-states' gradients,
    with one step counter shared by every parameter (they step together): the optimizer's
    ``step()`` sets every ``.grad`` and runs its Python around the same kernel, a measurable
    share of a small step (benchmarks/bench_2d_step.py times both; :attr:`direct_kernel`
    chooses). The optimizer's own state holds the moments, so checkpoints keep them.
    """

    name = "adam"
    #: Call torch's fused kernel directly (True) or go through ``optimizer.step()`` (False).
    direct_kernel = True

    def __init__(self, model: AutoencODE, lr: float, inner_iterations: int) -> None:
        super().__init__(model, lr, inner_iterations)
        self._kernel_state: tuple[list[torch.Tensor], ...] | None = None
        self._link_state()

    def check_lr(self, big: float) -> None:
        if self.lr > big:
            raise ValueError(
                f"lr = {self.lr:g} overflows {self.model.weights[0].dtype} (largest {big:g}); "
                f"choose a smaller lr"
            )

    def make_optimizer(self, params):
        return torch.optim.Adam(params, lr=self.lr, fused=fused_option(self.model))

    @property
    def optimizer_lr(self) -> float:
        return self.lr

    def step(self, lam, grads, fwd, ps) -> None:
        assert self.optimizer is not None
        group = self.optimizer.param_groups[0]
        flat = self._flat(grads)
        if self._kernel_state is not None and self.direct_kernel:
            steps, exp_avgs, exp_avg_sqs = self._kernel_state
            steps[0].add_(1)  # the shared counter: one increment for every parameter
            beta1, beta2 = group["betas"]
            torch._fused_adam_(
                group["params"], flat, exp_avgs, exp_avg_sqs, [], steps, lr=group["lr"],
                beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
                amsgrad=False, maximize=False,
            )  # fmt: skip
            return
        for p, g in zip(group["params"], flat):
            p.grad = g
        self.optimizer.step()  # .grad is overwritten at the next step: no zero_grad

    def load_state(self, state: dict) -> None:
        super().load_state(state)
        self._link_state()  # the loaded tensors are new ones

    def _link_state(self) -> None:
        """Adam's state (moments and step counters) as the lists its fused kernel takes, made in
        the optimizer's own state; the step counters are made one shared tensor."""
        self._kernel_state = None
        opt = self.optimizer
        if opt is None or not has_fused_optimizers(self.model.device):
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
        self._kernel_state = (
            [step] * len(params),
            [opt.state[p]["exp_avg"] for p in params],
            [opt.state[p]["exp_avg_sq"] for p in params],
        )


class FixedPointRule(Rule):
    """theta_k <- argmax_theta H_k(theta), all k at once (the method of successive
    approximations).

    The H_k are independent across layers, so one L-BFGS run on -sum_k H_k / h maximises
    each of them; its gradient is written by hand.
    """

    name = "fixed_point"
    uses_lr = False
    uses_inner = True

    def proximal_weight(self) -> float:
        """The weight rho of the term ``- rho / 2 |theta - theta_old|^2`` added to each H_k."""
        return 0.0

    def step(self, lam, grads, fwd, ps) -> None:
        model = self.model
        prox = self.proximal_weight()
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


class ProximalRule(FixedPointRule):
    """argmax of ``H_k(theta) - h / (2 lr) |theta - theta_old|^2``: the extended-MSA-like step,
    ``lr`` the proximal weight 1/rho."""

    name = "proximal"
    uses_lr = True

    def check_lr(self, big: float) -> None:
        if 1.0 / self.lr > big:
            raise ValueError(
                f"lr = {self.lr:g} gives a proximal weight 1 / lr that overflows "
                f"{self.model.weights[0].dtype}; choose a larger lr"
            )

    def proximal_weight(self) -> float:
        return 1.0 / self.lr


#: The shooting method's update rules by name: what ``ShootingTrainer(update=...)`` accepts.
RULES: dict[str, type[Rule]] = {
    rule.name: rule for rule in (GradientRule, AdamRule, FixedPointRule, ProximalRule)
}
#: The rules' names, in the table's order.
UPDATES = tuple(RULES)
