"""What the 2D figures share: training one model several ways, the data of Figs 4-5, and two
drawing helpers.

* :func:`train` and :func:`compare` (the same model trained several ways from the same
  initial weights), with :data:`AUTOGRAD`, the name of the Adam baseline: Figs 4-6
  (:mod:`.fig04`, :mod:`.fig05`, :mod:`.fig06`) and the NeurODE page (:mod:`.neurode`);
* :func:`model_maker`, :func:`two_clusters_problem` and :func:`fig04_problem`: the models and
  data of Figs 4 and 5, the Fig 4 problem also that of the local-convexity chapter
  (:mod:`.convexity`);
* :func:`count_parameters`, :func:`draw_phase` and :func:`legend_marker`: what the drawings of
  Figs 4 and 5 share.

Each of those figures is one module in the shape compute, numbers, draw: ``compute`` trains
(the trainers, their logs), ``numbers`` measures the trained models and names the numbers and
claims (:class:`~autoencode.experiments.registry.Numbers`), ``draw`` returns the matplotlib
figures; the registered function calls the three in turn.

Every 2D run takes seconds: they show no progress bars (``progress`` is accepted and unused).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..architecture import Architecture
from ..data import toy2d
from ..model import AutoencODE
from ..plotting import panels
from ..training import AdamTrainer, ShootingTrainer, Trainer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from ..training import Callback

__all__ = [
    "AUTOGRAD",
    "train",
    "compare",
    "model_maker",
    "two_clusters_problem",
    "fig04_problem",
    "count_parameters",
    "draw_phase",
    "legend_marker",
]

#: The method name of the baseline in :func:`train`: Adam on J through autograd.
AUTOGRAD = "autograd"


# -- training the same model several ways ---------------------------------------------------


def train(
    model: AutoencODE,
    x: torch.Tensor,
    y: torch.Tensor | None,
    method: str,
    *,
    lam: float,
    iterations: int,
    lr: float | None = None,
    seed: int = 0,
    progress: bool = False,
    callbacks: Sequence[Callback] = (),
) -> Trainer:
    """Train ``model`` in place and return its trainer (``trainer.history``, ``trainer.model``).

    ``method``: a shooting update (``"gradient"``, ``"adam"``, ``"fixed_point"``,
    ``"proximal"``: :class:`~autoencode.training.ShootingTrainer`) or :data:`AUTOGRAD`
    (Adam on J through autograd: :class:`~autoencode.training.AdamTrainer`). ``lr``: the
    method's step (None: the trainer's default; ``fixed_point`` uses none). ``y=None``:
    reconstruction (targets = inputs).
    """
    kwargs: dict[str, Any] = dict(lam=lam, seed=seed, progress=False, callbacks=list(callbacks))
    if lr is not None:
        kwargs["lr"] = lr
    trainer: Trainer
    if method == AUTOGRAD:
        trainer = AdamTrainer(model, **kwargs)
    else:
        trainer = ShootingTrainer(model, update=method, **kwargs)
    trainer.fit(x, y, iterations=iterations)
    return trainer


def compare(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor | None,
    methods: Mapping[str, tuple[str, float | None]],
    *,
    lam: float,
    iterations: int,
    seed: int = 0,
    progress: bool = False,
    callbacks: Mapping[str, Sequence[Callback]] | None = None,
) -> dict[str, Trainer]:
    """The same model (``make_model()``: the same initial weights each call) trained once per
    method, in the order given: ``{name: trainer}``.

    ``methods``: ``{name: (method, lr)}`` as for :func:`train`; ``callbacks``: per name.
    """
    return {
        name: train(
            make_model(),
            x,
            y,
            method,
            lr=lr,
            lam=lam,
            iterations=iterations,
            seed=seed,
            progress=False,
            callbacks=(callbacks or {}).get(name, ()),
        )
        for name, (method, lr) in methods.items()
    }


# -- the models and data of Figs 4 and 5 -----------------------------------------------------


def model_maker(arch: Architecture, T: float, seed: int = 0) -> Callable[[], AutoencODE]:
    """``make_model`` for :func:`compare`: every call builds the same AutoencODE on ``arch``
    (final time ``T``, initial weights from ``seed``)."""

    def make_model() -> AutoencODE:
        return AutoencODE(arch, T=T, seed=seed)

    return make_model


def two_clusters_problem(n_train: int, n_test: int | None, seed: int) -> dict[str, torch.Tensor]:
    """The data of Figs 4 and 5: training set (``seed``) and test set (``seed + 1``; none
    when ``n_test`` is None) of :func:`~autoencode.data.toy2d.two_clusters`, their class
    targets and the target points: a dict with x, labels, y, x_test, labels_test, y_test,
    targets."""
    x, labels = toy2d.two_clusters(n=n_train, seed=seed)
    p = dict(
        x=x,
        labels=labels,
        y=toy2d.class_targets(labels),
        targets=torch.tensor(toy2d.DEFAULT_TARGETS),
    )
    if n_test is not None:
        x_test, labels_test = toy2d.two_clusters(n=n_test, seed=seed + 1)
        p.update(x_test=x_test, labels_test=labels_test, y_test=toy2d.class_targets(labels_test))
    return p


def fig04_problem(
    n_train: int = 200, L: int = 20, T: float = 5.0, seed: int = 0
) -> tuple[Callable[[], AutoencODE], torch.Tensor, torch.Tensor]:
    """The Fig 4 problem, ``(make_model, x, y)``: the training set of
    :func:`two_clusters_problem` with its class targets, and the :func:`model_maker` of the
    2 -> 1 -> 2 AutoencODE with x2 off in the middle phase (``order=[0, 1]``, L layers,
    final time T, initial weights from ``seed``). Also the problem of the local-convexity
    and deep-limit chapters."""
    p = two_clusters_problem(n_train, None, seed)
    arch = Architecture.from_phases([2, 1, 2], L=L, order=[0, 1])  # x2 off in the middle
    return model_maker(arch, T, seed), p["x"], p["y"]


# -- what the drawings of Figs 4 and 5 share -------------------------------------------------


def count_parameters(model: AutoencODE) -> int:
    """The number of trained parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


def draw_phase(ax: Axes, traj: torch.Tensor, labels: torch.Tensor, every: int = 3) -> None:
    """The trajectories of one phase, of one point in ``every`` (for legibility), by class."""
    shown = torch.arange(traj.shape[1]) % every == 0
    panels.plot_trajectories(ax, traj[:, shown], labels[shown], lw=0.4, alpha=0.35)


def legend_marker(marker: str, filled: bool = True, ms: float = 4, label: str = "") -> Line2D:
    """A legend entry: a black marker, filled or open."""
    from matplotlib.lines import Line2D

    if filled:
        return Line2D([], [], ls="none", marker=marker, color="k", ms=ms, label=label)
    return Line2D(
        [],
        [],
        ls="none",
        marker=marker,
        mfc="none" if marker == "o" else "w",
        mec="k",
        ms=ms,
        label=label,
    )
