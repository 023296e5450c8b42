"""Helpers of the 2D classification pages (Figs 4 and 5, Table 1).

* :func:`phase_trajectories`, :func:`phase_end_states`: the trajectory of each
  phase of a trained AutoencODE (initial / encoding / decoding) and its end
  state, taken *before* the components that the next phase turns off are
  reset, so that a panel shows what the phase did;
* :func:`plot_classes`, :func:`plot_trajectories`, :func:`plot_targets`: points,
  trajectories and target points coloured by class
  (:data:`autoencode.notebook.CLASS_COLOURS`);
* :func:`plot_cost_curves`: the cost J along the iterations of several runs;
* :class:`HessianLogger`: a trainer callback that records the extreme
  eigenvalues of the Hessian of J (and, dense, how many are negative) at
  chosen iterations (Table 1), and returns them as a table.

Only plotting and bookkeeping: nothing here changes how a model is trained.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import torch

from .architecture import Segment
from .hessian import hessian_matrix, hessian_spectrum
from .model import AutoencODE
from .notebook import CLASS_COLOURS

__all__ = ["PHASE_NAMES", "phase_trajectories", "phase_end_states", "plot_classes",
           "plot_trajectories", "plot_targets", "plot_cost_curves", "HessianLogger"]

#: The paper's names of the three phases of a 2 -> 1 -> 2 AutoencODE (Fig 5's caption),
#: indexed by :attr:`Segment.phase`.
PHASE_NAMES = {"encoder": "initial phase", "bottleneck": "encoding phase",
               "decoder": "decoding phase", "constant": "flow"}


@torch.no_grad()
def phase_trajectories(model: AutoencODE, x: torch.Tensor) -> list[tuple[Segment, torch.Tensor]]:
    """The trajectory of each constant-width phase, ``[(segment, [K, N, d]), ...]``.

    A segment of states ``start..stop-1`` is driven by layers ``start..stop-1``
    and ends at time ``stop * h``. Its trajectory is x_start, ..., x_{stop-1}
    followed by the *end state* of the phase: the last Euler step
    x_{stop-1} + h G_{stop-1}(x_{stop-1}) *without* the mask of the next state.
    Components that the next phase turns off therefore still show their value
    (the model resets them to 0 only in x_stop); components that the next phase
    turns back on are 0. The last segment ends at x_L.
    """
    xs = model.trajectory(x)                       # [L+1, N, d], original coordinates
    out = []
    for seg in model.arch.segments():
        k = seg.stop - 1
        if k >= model.depth:                       # last segment: ends at x_L
            out.append((seg, xs[seg.start:].clone()))
            continue
        end = xs[k] + model.increment(k, xs[k])
        out.append((seg, torch.cat([xs[seg.start:seg.stop], end[None]])))
    return out


def phase_end_states(model: AutoencODE, x: torch.Tensor) -> list[tuple[Segment, torch.Tensor]]:
    """The state at the end of each phase, ``[(segment, [N, d]), ...]``.

    The last point of each :func:`phase_trajectories` trajectory: before the
    reset of the components that the next phase turns off.
    """
    return [(seg, traj[-1]) for seg, traj in phase_trajectories(model, x)]


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t


def plot_classes(ax, points: torch.Tensor, labels: torch.Tensor, *, hollow: bool = False,
                 s: float = 10.0, label: str | None = None, **kwargs):
    """Scatter 2D points coloured by class (filled, or ``hollow`` circles).

    ``label`` (e.g. ``"data"``) is formatted with ``{c}`` for the class index when
    it contains it, and otherwise given to class 0 only (one legend entry).
    """
    points, labels = _np(points), _np(labels)
    for c in sorted(set(labels.tolist())):
        sel = labels == c
        colour = CLASS_COLOURS[c % len(CLASS_COLOURS)]
        lab = None
        if label is not None:
            lab = label.format(c=c) if "{c}" in label else (label if c == 0 else None)
        style = dict(facecolors="none", edgecolors=colour, linewidths=0.6) if hollow \
            else dict(color=colour)
        ax.scatter(points[sel, 0], points[sel, 1], s=s, label=lab, **style, **kwargs)
    return ax


def plot_trajectories(ax, traj: torch.Tensor, labels: torch.Tensor, *, lw: float = 0.4,
                      alpha: float = 0.35, **kwargs):
    """Trajectories ``traj[k, i, :]`` (``[K, N, 2]``) as lines coloured by class."""
    traj, labels = _np(traj), _np(labels)
    for c in sorted(set(labels.tolist())):
        sel = labels == c
        ax.plot(traj[:, sel, 0], traj[:, sel, 1], color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                lw=lw, alpha=alpha, **kwargs)
    return ax


def plot_targets(ax, targets: Sequence[Sequence[float]], *, s: float = 140.0,
                 label: str | None = "targets"):
    """The class target points as stars in their class colour, black edge."""
    targets = _np(torch.as_tensor(targets))
    for c, (tx, ty) in enumerate(targets):
        ax.scatter([tx], [ty], marker="*", s=s, color=CLASS_COLOURS[c % len(CLASS_COLOURS)],
                   edgecolors="k", linewidths=0.6, zorder=5, label=label if c == 0 else None)
    return ax


def plot_cost_curves(ax, histories: Mapping[str, Mapping[str, Sequence[float]]], *,
                     key: str = "cost", styles: Mapping[str, str] | None = None,
                     log: bool = True, colour: str = "k"):
    """J (or ``key``) per iteration for several runs, one line per ``{name: history}``.

    Iterations are counted from 1 (the history stores J *before* each update).
    """
    default = ["-", "--", ":", "-."]
    for i, (name, hist) in enumerate(histories.items()):
        vals = list(hist[key])
        style = (styles or {}).get(name, default[i % len(default)])
        ax.plot(range(1, len(vals) + 1), vals, style, color=colour, label=name)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel({"cost": "cost $J$", "data": "data term", "reg": "regulariser"}.get(key, key))
    ax.legend()
    return ax


class HessianLogger:
    """Trainer callback: extreme eigenvalues of the Hessian of J at chosen iterations.

    Pass it in ``callbacks=[logger]``; it is called with iteration 0 before the
    first update and with n after the n-th one, and at each iteration listed in
    ``at`` computes the spectrum of the Hessian of J (data term + lambda *
    regulariser, w.r.t. all trained parameters) on ``(x, y)``.

    With ``method="dense"`` (the default, for small models) the whole spectrum of
    :func:`~autoencode.hessian.hessian_matrix` is computed, exactly as
    :func:`~autoencode.hessian.hessian_spectrum` does, and the number of negative
    eigenvalues is logged too; ``"lanczos"`` / ``"auto"`` call
    :func:`~autoencode.hessian.hessian_spectrum` and log only the extremes.

    Parameters
    ----------
    x, y:
        The data on which J is evaluated (usually the training set).
    at:
        Iterations (number of updates made) at which to log.
    lam:
        Tikhonov weight; ``None`` uses the trainer's.
    method:
        ``"dense"``, ``"lanczos"`` or ``"auto"``.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, at: Iterable[int],
                 lam: float | None = None, method: str = "dense"):
        self.x, self.y = x, y
        self.at = sorted({int(i) for i in at})
        self.lam = lam
        self.method = method
        self.rows: list[dict] = []

    def __call__(self, trainer, iteration: int) -> None:
        if iteration not in self.at:
            return
        model = trainer.model
        lam = trainer.lam if self.lam is None else self.lam
        n = sum(p.numel() for p in model.parameters())
        if self.method == "dense":
            ev = torch.linalg.eigvalsh(hessian_matrix(model, self.x, self.y, lam))
            lo, hi, neg = float(ev[0]), float(ev[-1]), int((ev < 0).sum())
        else:
            spec = hessian_spectrum(model, self.x, self.y, lam, method=self.method)
            lo, hi, neg = spec.min, spec.max, None
        with torch.no_grad():
            J = float(model.cost(self.x, self.y, lam)[0])
        self.rows.append({"iteration": iteration, "J": J, "min": lo, "max": hi,
                          "n_negative": neg, "n_params": n})

    def table(self):
        """The log as a pandas DataFrame.

        Columns: iteration, J, min, max, n_negative (number of negative
        eigenvalues; None unless dense), n_params.
        """
        import pandas as pd

        return pd.DataFrame(self.rows,
                            columns=["iteration", "J", "min", "max", "n_negative", "n_params"])
