"""Local convexity of J along training, against the Tikhonov weight (chapter "Local convexity").

The paper's message: at low regularisation the landscape of J may be non-convex, but
training may enter regions where J is locally convex. This module measures it:

* :func:`convexity_map`: for each lambda, a `gradient`-update shooting run from the same
  initial weights, with the dense Hessian of J (all trained parameters) at chosen epochs:
  smallest and largest eigenvalue, number of negative eigenvalues;
* :func:`first_convex_epoch`: the first logged epoch from which the smallest eigenvalue
  stays >= 0 at every later logged epoch (None: not within the run);
* :func:`step_is_stable`: the gradient step ``lr / h`` on J against ``2 / lambda_max``;
* :func:`lanczos_along_training`: extremes of a large model's Hessian (Lanczos with
  Hessian-vector products, :func:`~autoencode.hessian.hessian_spectrum`) at a few
  iterations of its training, with the time per call;
* :func:`mnist_problem`: the MNIST AutoencODE of Figs 8-11 from its initial weights, with its
  trainer (the chapter's other set-up, the Fig 4 problem, is
  :func:`autoencode.experiments.toy2d.fig04_problem`);
* :func:`local_convexity` (figure ``local_convexity``, page ``notebooks/local_convexity``):
  the chapter's experiment: the convexity map of the Fig 4 problem for five lambdas, its
  figure and summary table, the Lanczos extremes of the MNIST model early in training,
  and the page's sentences.

The message is the paper's (its abstract); the problem, the lambdas, the step sizes, the
logged epochs and the MNIST measurement are ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..hessian import HessianLogger, hessian_spectrum
from ..model import AutoencODE
from ..training import ShootingTrainer, Trainer
from .registry import Result, figure
from .toy2d import fig04_problem

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: A pandas DataFrame (pandas ships no type information: Any to the checker).
DataFrame = Any

__all__ = [
    "convexity_run",
    "convexity_map",
    "first_convex_epoch",
    "step_is_stable",
    "lanczos_along_training",
    "mnist_problem",
    "local_convexity",
]

COLUMNS = ["lam", "epoch", "J", "min", "max", "n_negative", "lr", "step"]


def convexity_run(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lam: float,
    lr: float,
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
) -> DataFrame:
    """One `gradient`-update shooting run with the dense Hessian logged at ``at``.

    Returns a DataFrame with columns lam, epoch, J, min, max, n_negative, lr and step
    (= lr / h, the gradient step on J).
    """
    import pandas as pd

    logged = sorted({int(a) for a in at if 0 <= int(a) <= iterations})
    model = make_model()
    logger = HessianLogger(x, y, at=logged, lam=lam, method="dense")
    trainer = ShootingTrainer(
        model, update="gradient", lr=lr, lam=lam, seed=seed, progress=False, callbacks=[logger]
    )
    trainer.fit(x, y, iterations=iterations)
    t = logger.table()
    return pd.DataFrame(
        {
            "lam": float(lam),
            "epoch": t["iteration"].astype(int),
            "J": t["J"],
            "min": t["min"],
            "max": t["max"],
            "n_negative": t["n_negative"].astype(int),
            "lr": float(lr),
            "step": float(lr) / model.h,
        }
    )[COLUMNS]


def convexity_map(
    make_model: Callable[[], AutoencODE],
    x: torch.Tensor,
    y: torch.Tensor,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    at: Iterable[int],
    seed: int = 0,
) -> DataFrame:
    """:func:`convexity_run` for every ``(lam, lr)`` pair, concatenated (one row per lam,
    epoch)."""
    import pandas as pd

    if len(lams) != len(lrs):
        raise ValueError(f"{len(lams)} values of lambda for {len(lrs)} step sizes")
    logged = list(at)
    return pd.concat(
        [
            convexity_run(make_model, x, y, lam, lr, iterations, logged, seed)
            for lam, lr in zip(lams, lrs)
        ],
        ignore_index=True,
    )


def first_convex_epoch(table: DataFrame, lam: float | None = None) -> int | None:
    """First logged epoch from which the smallest eigenvalue is >= 0 at every later logged one.

    ``table``: rows of one run (or of a map, with ``lam`` selecting the run), with
    columns epoch and min. None when the last logged epoch still has a negative one.
    """
    t = table if lam is None else table[table["lam"] == lam]
    t = t.sort_values("epoch")
    first: int | None = None
    for epoch, lo in zip(t["epoch"], t["min"]):
        if lo >= 0:
            first = int(epoch) if first is None else first
        else:
            first = None
    return first


def step_is_stable(table: DataFrame, lam: float | None = None) -> tuple[bool, float]:
    """``(step * max lambda_max < 2, step * max lambda_max)`` over the logged epochs.

    Plain gradient descent with step s on a quadratic is stable iff s < 2 / lambda_max.
    """
    t = table if lam is None else table[table["lam"] == lam]
    product = float((t["step"] * t["max"]).max())
    return product < 2.0, product


def lanczos_along_training(
    trainer: Trainer,
    x_train: torch.Tensor,
    x_hessian: torch.Tensor,
    at: Iterable[int],
    y_hessian: torch.Tensor | None = None,
    dtype: torch.dtype = torch.float32,
    tol: float = 1e-4,
) -> DataFrame:
    """Train ``trainer`` up to ``max(at)`` iterations; Lanczos extremes of J's Hessian at ``at``.

    The Hessian is that of J on ``(x_hessian, y_hessian)`` (default: reconstruction),
    with the trainer's lambda. Returns a DataFrame: iteration, J, min, max, matvecs,
    seconds (the wall time of each Lanczos call).
    """
    import pandas as pd

    logged = sorted({int(a) for a in at})
    y_h = x_hessian if y_hessian is None else y_hessian
    rows: list[dict[str, Any]] = []

    def callback(tr: Trainer, iteration: int) -> None:
        if iteration in logged:
            s = hessian_spectrum(
                tr.model, x_hessian, y_h, lam=tr.lam, method="lanczos", dtype=dtype, tol=tol
            )
            with torch.no_grad():
                J = float(tr.model.cost(x_hessian, y_h, tr.lam)[0])
            rows.append(
                {
                    "iteration": iteration,
                    "J": J,
                    "min": s.min,
                    "max": s.max,
                    "matvecs": s.matvecs,
                    "seconds": s.seconds,
                }
            )

    trainer.callbacks.append(callback)
    try:
        trainer.fit(x_train, iterations=max(logged))
    finally:
        trainer.callbacks.remove(callback)
    return pd.DataFrame(rows, columns=["iteration", "J", "min", "max", "matvecs", "seconds"])


# -- the chapter's figure ----------------------------------------------------------------


def mnist_problem(
    quick: bool = False, seed: int = 0, progress: bool = False
) -> tuple[dict[str, Any], ShootingTrainer, torch.Tensor]:
    """The MNIST AutoencODE of Figs 8-11 at its initial weights, with its trainer.

    The settings are :data:`~autoencode.experiments.mnist.MNIST_FULL` (``quick``:
    ``MNIST_QUICK``), the model and the trainer seeded with ``seed``. Returns
    ``(settings, trainer, x_train)``: the model is ``trainer.model``.
    """
    from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model, build_trainer, training_images

    p = dict(MNIST_QUICK if quick else MNIST_FULL)
    x = training_images(p)
    trainer = build_trainer(build_model(p, "reset", seed=seed), p, progress=progress, seed=seed)
    return p, trainer, x


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points of the Fig 4 problem
        L=20,  # layers (7 + 7 + 6), as Fig 4
        T=5.0,  # final time, as Fig 4
        lams=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],  # Tikhonov weights of the map
        lrs=[0.1, 0.1, 0.1, 0.1, 0.1],  # `gradient` update per lambda: step lr / h on J
        iterations=20 if quick else 1000,  # full-batch iterations (= epochs)
        logged=[0, 5, 10, 20] if quick else [0, 5, 10, 20, 50, 100, 200, 300, 500, 700, 1000],
        mnist_at=[0, 2] if quick else [0, 20, 100],  # MNIST training iterations with a Lanczos run
        mnist_hessian_images=64 if quick else 256,  # images on which the MNIST Hessian is taken
        lanczos_tol=1e-4,  # relative accuracy asked of the two extreme eigenvalues
        lanczos_target_s=15.0,  # the target time per MNIST Lanczos call
        seed=0,
    )


#: Names of the lambdas in the reported quantities (``lc_min_end_lam1e-4`` ...).
_TAG = {1e-4: "1e-4", 1e-3: "1e-3", 1e-2: "1e-2", 1e-1: "1e-1", 1.0: "1"}


def _tag(lam: float) -> str:
    return _TAG.get(float(lam), f"{lam:g}")


def _draw(table: DataFrame, lams: Sequence[float]) -> Figure:
    """Left: the smallest eigenvalue on a lambda x epoch map (numbers: negative eigenvalues);
    right: the smallest (solid) and largest (dashed) eigenvalue along training."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import SymLogNorm

    epochs = sorted(table["epoch"].unique())
    grid = np.array(
        [
            [float(table[(table.lam == lam) & (table.epoch == e)]["min"].iloc[0]) for e in epochs]
            for lam in lams
        ]
    )
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), width_ratios=[1.2, 1])
    ax = axes[0]
    im = ax.imshow(
        grid,
        cmap="RdBu",
        aspect="auto",  # diverging: red negative, blue positive
        norm=SymLogNorm(linthresh=1e-4, vmin=-1, vmax=1, base=10),
    )
    ax.set_xticks(range(len(epochs)), [str(e) for e in epochs], fontsize=7)
    ax.set_yticks(range(len(lams)), [f"{lam:g}" for lam in lams])
    for i, lam in enumerate(lams):
        for j, e in enumerate(epochs):
            n = int(table[(table.lam == lam) & (table.epoch == e)]["n_negative"].iloc[0])
            ax.text(j, i, str(n), ha="center", va="center", fontsize=6)
    ax.set(
        xlabel="epoch",
        ylabel="$\\lambda$",
        title="smallest eigenvalue (numbers: negative eigenvalues)",
    )
    fig.colorbar(im, ax=ax, shrink=0.9)
    ax = axes[1]
    ax2 = ax.twinx()
    for lam in lams:
        t = table[table.lam == lam]
        (line,) = ax.plot(
            t["epoch"].clip(lower=1), t["min"], "-o", ms=2.5, label=f"$\\lambda$ = {lam:g}"
        )
        ax2.plot(t["epoch"].clip(lower=1), t["max"], "--", color=line.get_color(), lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.axhline(0, color="k", lw=0.6)
    ax.set(xlabel="epoch (epoch 0 drawn at 1)", ylabel="smallest eigenvalue (solid)")
    ax2.set_ylabel("largest eigenvalue (dashed)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def _summary_table(table: DataFrame, lams: Sequence[float], iterations: int) -> DataFrame:
    import pandas as pd

    rows = []
    for lam in lams:
        t = table[table.lam == lam].sort_values("epoch")
        first = first_convex_epoch(table, lam)
        rows.append(
            {
                "lambda": f"{lam:g}",
                "first convex epoch": f"not within {iterations} epochs" if first is None else first,
                "min at the end": f"{t['min'].iloc[-1]:.2e}",
                "max at the end": f"{t['max'].iloc[-1]:.3f}",
                "negative at the end": int(t["n_negative"].iloc[-1]),
                "negative at epoch 0": int(t["n_negative"].iloc[0]),
                "J at the end": f"{t['J'].iloc[-1]:.4f}",
            }
        )
    return pd.DataFrame(rows).set_index("lambda")


@figure(
    "local_convexity",
    notebook="local_convexity",
    title="Local convexity of J against lambda (Fig 4 problem; MNIST by Lanczos)",
    defaults=_defaults,
    threads=1,
)
def local_convexity(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    L: int,
    T: float,
    lams: Sequence[float],
    lrs: Sequence[float],
    iterations: int,
    logged: Sequence[int],
    mnist_at: Sequence[int],
    mnist_hessian_images: int,
    lanczos_tol: float,
    lanczos_target_s: float,
    seed: int,
) -> Result:
    """The convexity map of the Fig 4 problem, then the MNIST model's extremes by Lanczos (on one
    thread: tiny 2D layers, and the Lanczos runs of the committed numbers)."""
    import time

    lams, lrs = [float(v) for v in lams], [float(v) for v in lrs]
    make_model, x, y = fig04_problem(n_train, L, T, seed)
    t0 = time.perf_counter()
    table = convexity_map(make_model, x, y, lams, lrs, iterations, logged, seed=seed)
    lines = [
        f"{len(lams)} runs of {iterations} iterations, {len(table)} dense Hessians: "
        f"{time.perf_counter() - t0:.0f} s"
    ]
    stability = {lam: step_is_stable(table, lam) for lam in lams}
    for lam, lr in zip(lams, lrs):
        ok, prod = stability[lam]
        lines.append(
            f"lambda = {lam:g}: lr = {lr:g}, step = {lr / make_model().h:g}, "
            f"step * max lambda_max = {prod:.2f} ({'< 2, stable' if ok else '>= 2: UNSTABLE'})"
        )
    fig = _draw(table, lams)
    summary_table = _summary_table(table, lams, iterations)

    t_end = {lam: table[table.lam == lam].sort_values("epoch").iloc[-1] for lam in lams}
    t_start = {lam: table[table.lam == lam].sort_values("epoch").iloc[0] for lam in lams}
    first = {lam: first_convex_epoch(table, lam) for lam in lams}
    numbers: dict[str, Any] = {}
    for lam in lams:
        s = _tag(lam)
        numbers[f"lc_first_convex_lam{s}"] = -1 if first[lam] is None else first[lam]
        numbers[f"lc_min_end_lam{s}"] = float(t_end[lam]["min"])
        numbers[f"lc_max_end_lam{s}"] = float(t_end[lam]["max"])
        numbers[f"lc_neg_end_lam{s}"] = int(t_end[lam]["n_negative"])
        numbers[f"lc_neg0_lam{s}"] = int(t_start[lam]["n_negative"])
        numbers[f"lc_J_end_lam{s}"] = float(t_end[lam]["J"])
        numbers[f"lc_step_lmax_lam{s}"] = stability[lam][1]
    convex = [lam for lam in lams if first[lam] is not None]
    not_convex = [lam for lam in lams if first[lam] is None]
    numbers["lc_text_convex"] = (
        (
            "The smallest eigenvalue becomes and stays non-negative for "
            + ", ".join(f"lambda = {lam:g} (from epoch {first[lam]})" for lam in convex)
            + ": these runs end in a region where J is locally convex, as the paper's message "
            "has it."
        )
        if convex
        else "For no lambda does the smallest eigenvalue become and stay non-negative."
    )
    numbers["lc_text_not_convex"] = (
        (
            "It does not within our "
            + str(iterations)
            + " epochs for "
            + ", ".join(
                f"lambda = {lam:g} ({int(t_end[lam]['n_negative'])} negative eigenvalues at the "
                f"end, "
                f"the smallest {float(t_end[lam]['min']):.1e} against a largest of "
                f"{float(t_end[lam]['max']):.2f})"
                for lam in not_convex
            )
            + ": there the trained weights sit in a landscape that is convex up to a few very flat "
            "directions, which the small Tikhonov term barely bends; this part of the paper's "
            "message we do not observe at low lambda."
        )
        if not_convex
        else ""
    )

    # The MNIST AutoencODE from its initial weights, Lanczos at the iterations mnist_at
    p, trainer, x_mnist = mnist_problem(quick, seed, progress=progress)
    x_hess = x_mnist[:mnist_hessian_images]
    n_mnist = sum(q.numel() for q in trainer.model.parameters())
    mnist_table = lanczos_along_training(
        trainer, x_mnist, x_hess, mnist_at, dtype=trainer.model.dtype, tol=lanczos_tol
    )  # the model's own dtype: float32 in the book (three times faster than float64)
    lines += ["", f"MNIST ({p['source']}, {len(x_mnist)} training images), {n_mnist:,} parameters"]
    for _, r in mnist_table.iterrows():
        lines.append(
            f"iteration {int(r['iteration']):4d}: J = {r['J']:.4f}, min = {r['min']:+.3f}, "
            f"max = {r['max']:.2f}, {int(r['matvecs'])} Hessian-vector products, "
            f"{r['seconds']:.1f} s (target <= {lanczos_target_s:g} s)"
        )
    mean_s = float(mnist_table["seconds"].mean())
    numbers["lc_mnist_n_params"] = n_mnist
    numbers["lc_mnist_seconds"] = mean_s
    for _, r in mnist_table.iterrows():
        it = int(r["iteration"])
        numbers[f"lc_mnist_min_{it}"] = float(r["min"])
        numbers[f"lc_mnist_max_{it}"] = float(r["max"])
        numbers[f"lc_mnist_J_{it}"] = float(r["J"])
    first_r, last_r = mnist_table.iloc[0], mnist_table.iloc[-1]
    indefinite = bool((mnist_table["min"] < 0).all())
    numbers["lc_mnist_text"] = (
        f"At every logged iteration the smallest eigenvalue is "
        f"{'negative' if indefinite else 'not always negative'} "
        f"({first_r['min']:.2f} at iteration {int(first_r['iteration'])}, {last_r['min']:.2f} at "
        f"iteration {int(last_r['iteration'])}), against a largest of {first_r['max']:.0f} and "
        f"{last_r['max']:.0f}: early in training, at the low lambda = {p['lam']:g} of the MNIST "
        f"experiment, the landscape is "
        + (
            "not locally convex, as for the 2D problem at low lambda; whether the fully trained "
            "network sits in a convex region we do not measure here."
            if indefinite
            else "locally convex at some logged iteration."
        )
    )
    lines.append(f"mean time per Lanczos call: {mean_s:.1f} s (target <= {lanczos_target_s:g} s)")
    details = dict(
        table=table,
        summary_table=summary_table,
        stability=stability,
        t_start=t_start,
        t_end=t_end,
        first=first,
        mnist_table=mnist_table,
        mnist_settings=p,
    )
    return Result(
        "local_convexity",
        {},
        numbers=numbers,
        figures={"main": fig},
        summary="\n".join(lines),
        details=details,
    )
