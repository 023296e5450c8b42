"""Fig 6 (figure ``fig06``): reconstruction of a curve in the plane.

Points on a sine curve reconstructed by an AutoencODE 2 -> 1 -> 2 through a width-one
bottleneck that keeps x1 (shooting with the ``adam`` and the ``gradient`` update, and Adam
through autograd, from the same initial weights), against PCA with one component and against
the other turn-off (x2 kept, shooting with the ``adam`` update).

The paper's are the task as its caption states it (a 2D reconstruction) and the architecture
2 -> 1 -> 2, L = 20. Ours (the paper's data and hyper-parameters are not in what we hold): the
curve (:func:`autoencode.data.toy2d.sine_curve`), T, lambda, the update rules, step sizes and
iteration counts (the figure's ``defaults``), the Adam and PCA baselines and the measures
(test error, Spearman's rho of the latent value against the position along the curve).

:func:`compute` trains, :func:`numbers` measures the trained models and names the numbers and
claims, :func:`draw` draws; :func:`fig06` calls the three in turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import analysis
from ..architecture import Architecture
from ..baselines import PCA, reconstruction_mse
from ..data import toy2d
from ..model import AutoencODE
from ..plotting import style
from ..training import Trainer
from .common import AUTOGRAD, compare, model_maker, train
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure

    from ..claims import Claim

__all__ = ["FIG06_RADIUS", "FIG06_NAMES", "Fig06Runs", "compute", "numbers", "draw", "fig06"]


def _defaults(quick: bool) -> dict[str, Any]:
    return dict(
        n_train=40 if quick else 200,  # training points on the curve
        n_test=100 if quick else 500,  # held-out points (another seed)
        amplitude=0.6,  # curve: (t, amplitude * sin(pi t)), t in [-1, 1]
        noise=0.0,  # no noise: an exact 1D manifold
        L=20,  # layers: 7 (initial) + 7 (bottleneck) + 6 (decoding)
        T=5.0,  # final time; h = T / L
        lam=1e-3,  # Tikhonov weight (low, the paper's regime)
        iterations=40 if quick else 600,  # iterations of every training run
        lr_shooting=0.05,  # shooting, "adam" update: Adam step on the ascent of H_k
        lr_gradient=0.2,  # shooting, "gradient" update: step on H_k / h
        lr_adam=0.05,  # Adam baseline (autograd)
        seed=0,  # weights, training data; test data: seed + 1
    )


#: Fig 6's claim that the latent encodes the position along the curve: the share of held-out
#: points the network decodes within this distance of themselves (a third of the curve's
#: amplitude; the zero-weight network, which returns (x1, 0), brings back 0.19 of them).
FIG06_RADIUS = 0.2

#: The runs of Fig 6 and their names in the table and the legend.
FIG06_NAMES = {
    "shooting": "ours, shooting (adam update)",
    "adam": "ours, Adam (autograd)",
    "gradient": "ours, shooting (gradient update)",
    "alternative": "alternative, shooting (adam update)",
    "pca": "PCA, 1 component",
}


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig06Runs:
    """What :func:`compute` trains: the four runs and PCA, on points of the curve."""

    #: The training and held-out points, and the held-out points' curve parameter t.
    x: torch.Tensor
    x_test: torch.Tensor
    t_test: torch.Tensor
    #: Ours (keeps x1 in the bottleneck) and the alternative (keeps x2).
    arch: Architecture
    arch_alt: Architecture
    #: Ours before training.
    initial: AutoencODE
    #: ``"shooting"`` (``adam`` update), ``"adam"`` (autograd), ``"gradient"`` (``gradient``
    #: update) on ours, and ``"alternative"`` (``adam`` update) on the alternative.
    runs: dict[str, Trainer]
    #: PCA with one component, fit on the training points.
    pca: PCA


def compute(
    *,
    n_train: int,
    n_test: int,
    amplitude: float,
    noise: float,
    L: int,
    T: float,
    lam: float,
    iterations: int,
    lr_shooting: float,
    lr_gradient: float,
    lr_adam: float,
    seed: int,
) -> Fig06Runs:
    """The curve's points, the three runs on ours from the same initial weights, the run on the
    alternative architecture, and PCA."""
    x = toy2d.sine_curve(n_train, seed=seed, amplitude=amplitude, noise=noise)
    x_test = toy2d.sine_curve(n_test, seed=seed + 1, amplitude=amplitude, noise=noise)
    t_test = x_test[:, 0]  # the curve parameter t (noise = 0)
    arch = Architecture.from_phases([2, 1, 2], L=L)  # keeps component 1
    arch_alt = Architecture.from_phases([2, 1, 2], L=L, order=[1, 0])  # keeps component 2
    initial = AutoencODE(arch, T=T, seed=seed)
    runs = compare(
        model_maker(arch, T, seed),
        x,
        None,  # y = None: targets = inputs
        {
            "shooting": ("adam", lr_shooting),
            "adam": (AUTOGRAD, lr_adam),
            "gradient": ("gradient", lr_gradient),
        },
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    runs["alternative"] = train(
        AutoencODE(arch_alt, T=T, seed=seed),
        x,
        None,
        "adam",
        lr=lr_shooting,
        lam=lam,
        iterations=iterations,
        seed=seed,
        progress=False,
    )
    pca = PCA(1).fit(x)  # best affine 1D reconstruction, fit on the training points
    return Fig06Runs(x, x_test, t_test, arch, arch_alt, initial, runs, pca)


# -- numbers ----------------------------------------------------------------------------------


def _measure(r: Fig06Runs, lam: float, T: float, seed: int) -> dict[str, Any]:
    """Each run and PCA on the held-out points (``results``: test error, rho, J on the training
    points), the initial models' test errors (``mse0``, ``mse0_alt``), and the zero-weight
    network's rho (``rho_zero``) and its and the shooting run's ``decoded`` points."""
    x, x_test, t_test, arch, arch_alt = r.x, r.x_test, r.t_test, r.arch, r.arch_alt
    results = {}
    with torch.no_grad():
        for kind, tr in r.runs.items():
            m = tr.model
            results[kind] = dict(
                mse=reconstruction_mse(x_test, m(x_test), per="sample"),
                rho=analysis.spearman(m.latent(x_test)[:, 0], t_test),
                J=float(m.cost(x, x, lam)[0]),
            )
        mse0 = reconstruction_mse(x_test, r.initial(x_test), per="sample")
        mse0_alt = reconstruction_mse(
            x_test, AutoencODE(arch_alt, T=T, seed=seed)(x_test), per="sample"
        )
        # the zero-weight network: its latent is x1 = t itself, its output (x1, 0)
        zero = AutoencODE(arch, T=T, seed=seed)
        for p in zero.parameters():
            p.zero_()
        rho_zero = analysis.spearman(zero.latent(x_test)[:, 0], t_test)
        decoded = {"shooting": r.runs["shooting"].model(x_test), "zero": zero(x_test)}
    results["pca"] = dict(
        mse=reconstruction_mse(x_test, r.pca.reconstruct(x_test), per="sample"),
        rho=analysis.spearman(r.pca.encode(x_test)[:, 0], t_test),
        J=float("nan"),
    )
    return dict(results=results, mse0=mse0, mse0_alt=mse0_alt, rho_zero=rho_zero, decoded=decoded)


def _claims(m: dict[str, Any], x_test: torch.Tensor) -> list[Claim]:
    """The figure's claims (row fig6), each with the same check on its negative control."""
    from .. import claims as C

    results, mse0, decoded = m["results"], m["mse0"], m["decoded"]
    mse, pca_mse, alt_mse = (results[k]["mse"] for k in ("shooting", "pca", "alternative"))
    position = C.encodes_position(
        results["shooting"]["rho"], x_test, decoded["shooting"], FIG06_RADIUS
    )
    position0 = C.encodes_position(m["rho_zero"], x_test, decoded["zero"], FIG06_RADIUS)
    return [
        C.beats_baseline(mse, pca_mse, "PCA's", factor=5)
        .about("fig6")
        .versus(C.beats_baseline(mse0, pca_mse, "PCA's", factor=5), "initial model"),
        position.about("fig6").versus(position0, "zero weights"),
        C.beats_baseline(mse, alt_mse, "the alternative architecture's", factor=5)
        .about("fig6")
        .versus(
            C.beats_baseline(mse0, m["mse0_alt"], "the alternative architecture's", factor=5),
            "initial models",
        ),
    ]


def numbers(r: Fig06Runs, *, lam: float, T: float, seed: int) -> Numbers:
    """Fig 6's named numbers, the claims (see :func:`fig06`), the summary, and the details:
    each run's measures, histories and models, the initial model and the held-out points."""
    x_test, arch = r.x_test, r.arch
    lines = [
        f"{name:<12} {a}  bottleneck keeps component {a.active(a.bottleneck).tolist()}"
        for name, a in (("ours", arch), ("alternative", r.arch_alt))
    ]
    lines.append("phases: " + str([(s.phase, s.start, s.stop, s.width) for s in arch.segments()]))
    m = _measure(r, lam, T, seed)
    results, mse0, decoded, rho_zero = m["results"], m["mse0"], m["decoded"], m["rho_zero"]
    lines.append(f"at initialisation: test MSE = {mse0:.4f}")
    lines.append(f"{'method':<38}{'test MSE':>9}{'J train':>9}{'|rho|':>7}")
    for kind, res in results.items():
        J = "" if kind == "pca" else f"{res['J']:.4f}"
        lines.append(f"{FIG06_NAMES[kind]:<38}{res['mse']:9.4f}{J:>9}{abs(res['rho']):7.3f}")
    n: dict[str, Any] = {}
    for kind, key in (
        ("shooting", "ours"),
        ("adam", "adam"),
        ("gradient", "gradient"),
        ("alternative", "alt"),
        ("pca", "pca"),
    ):
        n[f"fig6_mse_{key}"] = results[kind]["mse"]
        n[f"fig6_rho_{key}"] = abs(results[kind]["rho"])
        if kind != "pca":
            n[f"fig6_J_{key}"] = results[kind]["J"]
    n["fig6_mse_init"] = mse0
    n["fig6_ratio_pca"] = results["pca"]["mse"] / results["shooting"]["mse"]
    n["fig6_ratio_alt"] = results["alternative"]["mse"] / results["shooting"]["mse"]
    claims = _claims(m, x_test)
    n["fig6_share_ours"] = float(
        ((decoded["shooting"] - x_test).norm(dim=1) <= FIG06_RADIUS).double().mean()
    )
    n["fig6_share_zero"] = float(
        ((decoded["zero"] - x_test).norm(dim=1) <= FIG06_RADIUS).double().mean()
    )
    n["fig6_rho_zero"] = abs(rho_zero)
    n["fig6_radius"] = FIG06_RADIUS
    lines.append(f"at initialisation, alternative: test MSE = {m['mse0_alt']:.4f}")
    lines.append(f"zero weights: |rho| = {abs(rho_zero):.3f}")
    details = dict(
        results=results,
        histories={k: tr.history for k, tr in r.runs.items()},
        models={k: tr.model for k, tr in r.runs.items()},
        initial=r.initial,
        x_test=x_test,
    )
    return Numbers(n, claims, lines, details)


# -- draw -------------------------------------------------------------------------------------


def _draw_reconstruction(r: Fig06Runs, amplitude: float) -> Figure:
    """The state at the end of each phase: after the phase's last layer, *before* the
    components that the next phase turns off are reset (a panel shows what the phase did);
    ours against PCA, and the alternative architecture."""
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors

    x_test, t_test = r.x_test, r.t_test
    model, model_alt = r.runs["shooting"].model, r.runs["alternative"].model
    with torch.no_grad():
        ends = [pts for _, pts in analysis.phase_end_states(model, x_test)]  # 3 x [N, 2]
        ends_alt = [pts for _, pts in analysis.phase_end_states(model_alt, x_test)]
        x_pca = r.pca.reconstruct(x_test)
    tt = np.linspace(-1, 1, 400)
    curve = np.stack([tt, amplitude * np.sin(np.pi * tt)], 1)
    norm = mcolors.Normalize(-1, 1)
    cmap = plt.get_cmap("viridis")
    order = torch.argsort(t_test)

    def panel(ax: Axes, pts: torch.Tensor, title: str) -> PathCollection:
        ax.plot(
            curve[:, 0],
            curve[:, 1],
            color=style.INACTIVE_COLOUR,
            lw=2.5,
            zorder=0,
            label="data curve",
        )
        sc = ax.scatter(
            pts[order, 0], pts[order, 1], c=t_test[order], cmap=cmap, norm=norm, s=7, lw=0
        )
        ax.set(
            title=title,
            xlabel="$x_1$",
            ylabel="$x_2$",
            xlim=(-1.75, 1.75),
            ylim=(-1.1, 1.1),
            aspect="equal",
        )
        return sc

    fig, axes = plt.subplots(2, 2, figsize=(7.2, 5.0), layout="constrained")
    panel(axes[0, 0], ends[0], "initial phase")
    panel(axes[0, 1], ends[1], "encoding phase (only $x_1$ active)")
    sc = panel(axes[1, 0], ends[2], "decoding phase: reconstruction $x_L$")
    axes[1, 0].plot(
        x_pca[order, 0], x_pca[order, 1], "--", color="k", lw=0.8, label="PCA, 1 component"
    )
    axes[1, 0].legend(loc="lower right", handlelength=1.5)
    panel(axes[1, 1], ends_alt[2], "alternative architecture: reconstruction $x_L$")
    axes[1, 1].text(
        0.02,
        0.98,
        "only $x_2$ active in the middle phase",
        transform=axes[1, 1].transAxes,
        va="top",
        fontsize=7,
    )
    # insets: the value kept in the bottleneck (end of the encoding phase) against t
    for ax, latent, label in (
        (axes[0, 1], ends[1][:, 0], "latent $x_1$"),
        (axes[1, 1], ends_alt[1][:, 1], "latent $x_2$"),
    ):
        inset = ax.inset_axes([0.64, 0.06, 0.33, 0.3])
        inset.scatter(t_test, latent, c=t_test, cmap=cmap, norm=norm, s=2, lw=0)
        inset.set_title(f"{label} against $t$", fontsize=6, pad=2)  # a title: no label meets a tick
        inset.set_xticks([-1, 0, 1])
        inset.locator_params(axis="y", nbins=3)
        inset.tick_params(labelsize=5, length=2, pad=1)
    cbar = fig.colorbar(sc, ax=axes, shrink=0.6)
    cbar.set_label("curve parameter $t$")
    return fig


def _draw_costs(runs: dict[str, Trainer]) -> Figure:
    """The training costs of the four runs."""
    import matplotlib.pyplot as plt

    styles = {
        "shooting": ("-", "k"),
        "adam": ("--", style.class_colour(3)),
        "gradient": (":", "k"),
        "alternative": ("-.", style.RESIDUAL_COLOUR),
    }
    fig_costs, ax = plt.subplots(figsize=(4.6, 2.6))
    for kind, tr in runs.items():
        ls, col = styles[kind]
        cost = tr.history["cost"]
        ax.plot(np.arange(1, len(cost) + 1), cost, ls, color=col, label=FIG06_NAMES[kind])
    ax.set(yscale="log", xlabel="iteration", ylabel="cost $J$ (training points)")
    ax.legend(fontsize=7)
    fig_costs.tight_layout()
    return fig_costs


def draw(r: Fig06Runs, *, amplitude: float) -> dict[str, Figure]:
    """Fig 6 (``main``: the end of each phase, ours against PCA and the alternative
    architecture) and the training costs (``costs``)."""
    return {"main": _draw_reconstruction(r, amplitude), "costs": _draw_costs(r.runs)}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig06",
    notebook="fig06_reconstruction_2d",
    title="Fig 6: reconstruction of a curve in the plane",
    defaults=_defaults,
    threads=1,
    control={"iterations": 0},
)
def fig06(
    *,
    progress: bool = True,
    quick: bool = False,
    n_train: int,
    n_test: int,
    amplitude: float,
    noise: float,
    L: int,
    T: float,
    lam: float,
    iterations: int,
    lr_shooting: float,
    lr_gradient: float,
    lr_adam: float,
    seed: int,
    **_: Any,
) -> Result:
    """Fig 6: a 2 -> 1 -> 2 AutoencODE reconstructs a sine curve (shooting with the ``adam``
    update, autograd Adam, the ``gradient`` update, the other turn-off, and PCA).

    Its claims (``Result.claims``, row ``fig6``): the shooting run's test error below PCA's / 5
    and below the alternative architecture's / 5, each against the initial models, and the
    latent encoding the position along the curve (:func:`autoencode.claims.encodes_position`)
    against the zero-weight network, whose latent is x1 itself (rho = 1) and whose decoder
    returns (x1, 0)."""
    r = compute(
        n_train=n_train,
        n_test=n_test,
        amplitude=amplitude,
        noise=noise,
        L=L,
        T=T,
        lam=lam,
        iterations=iterations,
        lr_shooting=lr_shooting,
        lr_gradient=lr_gradient,
        lr_adam=lr_adam,
        seed=seed,
    )
    out = numbers(r, lam=lam, T=T, seed=seed)
    return Result(
        "fig06",
        {},
        numbers=out.numbers,
        figures=draw(r, amplitude=amplitude),
        claims=out.claims,
        summary="\n".join(out.summary),
        details=out.details,
    )
