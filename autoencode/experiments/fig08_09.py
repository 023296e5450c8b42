"""Figs 8 and 9 (figure ``fig08_09``): the trained MNIST AutoencODE's reconstructions, and the
latent means of the ten digits.

* Fig 8: the test error per pixel of the trained (correct, ``reset``) network against PCA of
  the bottleneck's width and the mean training image, and test digits reconstructed.
* Fig 9: the two closest pairs of latent means (ours: the pairs are computed, not picked),
  decoded, and the spread of the encoded vectors.

Every claim is checked on the same network before training (same seed). The set-up and what
is ours: :mod:`.mnist_common`.

:func:`compute` runs the networks, :func:`numbers` names the numbers and claims, :func:`draw`
draws; :func:`fig08_09` calls the three in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import analysis, baselines, claims
from ..data import mnist
from ..model import AutoencODE
from ..plotting.style import class_colour
from .mnist_common import MnistData, mnist_defaults, trained_models, training_settings
from .mnist_model import build_model
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Fig0809Runs", "compute", "numbers", "draw", "draw_fig8", "draw_fig9", "fig08_09"]


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig0809Runs:
    """What :func:`compute` runs: the trained network and the same one before training, on the
    images."""

    #: The training and test images.
    data: MnistData
    #: The trained (correct, ``reset``) network, and its training history.
    model: AutoencODE
    history: dict[str, Any]
    #: The same network before training (same seed): the negative control of every claim.
    initial: AutoencODE
    #: The outputs of the trained network on the test and training images, and of the
    #: initial one on the test images.
    recon: torch.Tensor
    recon_train: torch.Tensor
    recon_initial: torch.Tensor
    #: PCA of the bottleneck's width, fitted on the training images.
    pca: baselines.PCA
    #: The latent means and spreads of the ten digits on the test images.
    stats: analysis.LatentStats
    #: The two closest pairs of latent means ``(a, b, distance)``, and the mean distance
    #: between two digits' latent means.
    pairs: list[tuple[int, int, float]]
    mean_pair: float
    #: The decoded latent means ``[10, 784]``; how many are nearest to their own digit's mean
    #: image, for the trained and the initial network.
    decoded_means: torch.Tensor
    matches: int
    matches_initial: int


@torch.no_grad()
def _reconstruct(model: AutoencODE, x: torch.Tensor) -> torch.Tensor:
    """The network's output for ``x``, in batches of 1,000."""
    return torch.cat([model(x[i : i + 1000]) for i in range(0, len(x), 1000)])


@torch.no_grad()
def _decoded_means(
    model: AutoencODE, stats: analysis.LatentStats, x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, int]:
    """The decoded mean latent vector of each digit ``[10, 784]``, and how many of them are
    nearest (in pixels) to the mean image of their own digit."""
    decoded = model.decode(stats.mean.to(model.dtype))
    class_means = torch.stack([x[y == c].mean(0) for c in range(10)])
    nearest = torch.cdist(decoded, class_means).argmin(1)
    return decoded, int((nearest == stats.classes).sum())


def compute(params: dict[str, Any], progress: bool) -> Fig0809Runs:
    """The trained network (cached) and the initial one on the images of ``params``: their
    reconstructions, PCA, the latent means, their closest pairs and their decoded images."""
    data = MnistData(params, "fig8")
    x_train, x_test, y_test = data.x_train, data.x_test, data.y_test
    run = trained_models(params, ("reset",), progress)["reset"]
    model = run.model
    recon, recon_train = _reconstruct(model, x_test), _reconstruct(model, x_train)
    initial = build_model(training_settings(params))
    recon_initial = _reconstruct(initial, x_test)
    pca = baselines.PCA(model.arch.widths[model.arch.bottleneck]).fit(x_train)
    stats = analysis.latent_means(model, x_test, y_test)
    dist = analysis.pairwise_distances(stats.mean)
    off_diag = dist[~torch.eye(len(dist), dtype=torch.bool)]
    pairs = analysis.closest_pairs(stats, n_pairs=2)
    mean_pair = float(off_diag.mean())
    decoded_means, matches = _decoded_means(model, stats, x_test, y_test)
    _, matches_initial = _decoded_means(
        initial, analysis.latent_means(initial, x_test, y_test), x_test, y_test
    )
    return Fig0809Runs(
        data=data,
        model=model,
        history=run.history,
        initial=initial,
        recon=recon,
        recon_train=recon_train,
        recon_initial=recon_initial,
        pca=pca,
        stats=stats,
        pairs=pairs,
        mean_pair=mean_pair,
        decoded_means=decoded_means,
        matches=matches,
        matches_initial=matches_initial,
    )


# -- numbers ----------------------------------------------------------------------------------


def numbers(r: Fig0809Runs, params: dict[str, Any]) -> Numbers:
    """Fig 8's test errors (ours, PCA's, the mean image's, the initial network's) and Fig 9's
    pairs, the decoded means recognised, and the claims, each with the same check on the
    network before training."""
    x_train, x_test = r.data.x_train, r.data.x_test
    arch, history, stats, pairs, mean_pair = r.model.arch, r.history, r.stats, r.pairs, r.mean_pair
    b = arch.bottleneck
    wb = arch.widths[b]
    lines = [
        r.data.line,
        r.model.extra_repr(),
        f"bottleneck: state x_{b}, width {wb}; "
        f"{sum(p.numel() for p in r.model.parameters()):,} trained parameters",
    ]
    n = dict(r.data.numbers)
    # Fig 8: test error per pixel against PCA of the bottleneck's width and the mean image
    mse_initial = baselines.reconstruction_mse(x_test, r.recon_initial)
    mse = {
        "AutoencODE": baselines.reconstruction_mse(x_test, r.recon),
        f"PCA, {wb} components": baselines.reconstruction_mse(x_test, r.pca.reconstruct(x_test)),
        "mean training image": baselines.reconstruction_mse(
            x_test, x_train.mean(0).expand_as(x_test)
        ),
    }
    mse_ours, mse_pca, mse_mean = mse.values()
    mse_train = baselines.reconstruction_mse(x_train, r.recon_train)
    lines.append("test MSE per pixel")
    lines += [f"  {name:<24}{v:.3f}" for name, v in mse.items()]
    lines.append(f"AutoencODE / PCA: {mse_ours / mse_pca:.1f}")
    n.update(
        fig8_mse_ours=mse_ours,
        fig8_mse_initial=mse_initial,
        fig8_mse_train=mse_train,
        fig8_mse_pca=mse_pca,
        fig8_mse_mean=mse_mean,
        fig8_ratio_pca=mse_ours / mse_pca,
        fig8_iterations=len(history["cost"]),
        fig8_epochs=len(history["cost"]) * params["batch_size"] / params["n_train"],
    )
    # Fig 9: latent means; the two closest pairs of digits; the decoded means
    lines.append("closest pairs of latent means:")
    lines += [
        f"  {a} and {bb}: closer than the mean distance between two digits: {d < mean_pair}"
        for a, bb, d in pairs
    ]
    lines.append(
        f"decoded latent means nearest to the pixel mean of their own digit: {r.matches} of 10 "
        f"(the network before training: {r.matches_initial})"
    )
    n.update(
        fig9_pair1=f"{pairs[0][0]} and {pairs[0][1]}",
        fig9_pair2=f"{pairs[1][0]} and {pairs[1][1]}",
        fig9_rel1=pairs[0][2] / mean_pair,
        fig9_rel2=pairs[1][2] / mean_pair,
        fig9_matches=r.matches,
        fig9_matches_initial=r.matches_initial,
        fig9_gap=_largest_gap(stats, pairs),
    )
    details = dict(
        model=r.model,
        history=history,
        arch=arch,
        b=b,
        wb=wb,
        pairs=pairs,
        mean_pair=mean_pair,
        mse_ours=mse_ours,
        mse_pca=mse_pca,
        mse_mean=mse_mean,
        matches=r.matches,
        mse_initial=mse_initial,
        matches_initial=r.matches_initial,
    )
    return Numbers(n, _claims(r, mse_ours, mse_pca, mse_mean, mse_initial), lines, details)


def _largest_gap(stats: analysis.LatentStats, pairs: Sequence[tuple[int, int, float]]) -> float:
    """The larger, over the pairs, of the mean gap between the two digits' latent means in units
    of their mean spread."""
    gaps = [
        float(
            (stats.of(a) - stats.of(bb)).abs().mean()
            / stats.std[[int(torch.nonzero(stats.classes == c)[0]) for c in (a, bb)]].mean()
        )
        for a, bb, _ in pairs
    ]
    return max(gaps)


def _claims(
    r: Fig0809Runs, mse_ours: float, mse_pca: float, mse_mean: float, mse_initial: float
) -> list[claims.Claim]:
    """The claims, each with the same check on the network before training, and the sanity
    check of the pairs shown."""
    wb = r.model.arch.widths[r.model.arch.bottleneck]
    pairs, mean_pair = r.pairs, r.mean_pair
    init = "initial model (before training)"
    pca_name = f"PCA's ({wb} components)"
    return [
        claims.beats_baseline(mse_ours, mse_pca, pca_name)
        .about("fig8")
        .versus(claims.beats_baseline(mse_initial, mse_pca, pca_name), init),
        claims.beats_baseline(mse_ours, mse_mean, "the mean image's", factor=3)
        .about("fig8")
        .versus(claims.beats_baseline(mse_initial, mse_mean, "the mean image's", factor=3), init),
        claims.decoded_means_recognisable(r.matches)
        .about("fig9")
        .versus(claims.decoded_means_recognisable(r.matches_initial), init),
        # sanity: the pairs shown are the closest by construction (computed, not picked)
        claims.Claim(
            "the two pairs shown are closer than the mean distance between two digits' "
            "latent means",
            pairs[1][2] / mean_pair,
            1.0,
            0 < pairs[0][2] <= pairs[1][2] < mean_pair,
        )
        .about("fig9")
        .by_construction(),
    ]


# -- draw -------------------------------------------------------------------------------------


def _blank(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_visible(False)


def _digit(ax: Axes, vector: torch.Tensor) -> None:
    """One image (a 784-vector), display clipped to [0, 1]."""
    ax.imshow(
        mnist.to_images(vector[None])[0].clamp(0, 1),
        cmap="gray_r",
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    _blank(ax)


def draw_fig8(
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    recon: torch.Tensor,
    pca: baselines.PCA,
    wb: int,
) -> Figure:
    """Two test digits of each class: originals, AutoencODE, PCA."""
    import matplotlib.pyplot as plt

    picks = torch.cat([torch.nonzero(y_test == c).flatten()[:2] for c in range(10)])
    picks = torch.cat([picks[0::2], picks[1::2]])  # 0..9, then 0..9 again
    rows = [
        ("original", x_test[picks]),
        ("AutoencODE", recon[picks]),
        (f"PCA ({wb})", pca.reconstruct(x_test[picks])),
    ]
    fig, axes = plt.subplots(6, 10, figsize=(7.0, 4.6))
    for block in range(2):
        for r, (name, imgs) in enumerate(rows):
            for c in range(10):
                ax = axes[3 * block + r, c]
                _digit(ax, imgs[10 * block + c])
                if c == 0:
                    ax.set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("Reconstruction of test digits (display clipped to [0, 1])", fontsize=9)
    fig.subplots_adjust(left=0.13, right=0.99, top=0.93, bottom=0.01, wspace=0.05, hspace=0.08)
    return fig


def draw_fig9(
    stats: analysis.LatentStats,
    pairs: Sequence[tuple[int, int, float]],
    decoded_means: torch.Tensor,
    wb: int,
) -> Figure:
    """Left and centre: the two closest pairs of latent means (mean, +- one std), each decoded
    below; right: every bottleneck component over all test images."""
    import matplotlib.pyplot as plt

    comp = np.arange(wb)
    fig = plt.figure(figsize=(9.0, 4.4))
    outer = fig.add_gridspec(2, 3, height_ratios=[3.0, 1.35], hspace=0.5, wspace=0.3)
    for p, (a, bb, _d) in enumerate(pairs):
        ax = fig.add_subplot(outer[0, p])
        for c in (a, bb):
            i = int(torch.nonzero(stats.classes == c)[0])
            ax.plot(comp, stats.mean[i], "-o", ms=2.5, color=class_colour(c), label=f"digit {c}")
            lo, hi = stats.mean[i] - stats.std[i], stats.mean[i] + stats.std[i]
            ax.fill_between(comp, lo, hi, color=class_colour(c), alpha=0.25, lw=0)
            for edge in (lo, hi):  # the band's edges, drawn
                ax.plot(comp, edge, "--", color=class_colour(c), lw=0.9, alpha=0.9)
        ax.set_title(("Left" if p == 0 else "Center") + f": latent means of {a} and {bb}")
        ax.set_xlabel("latent component")
        ax.set_ylabel("mean $\\pm$ std" if p == 0 else "")
        ax.legend(loc="lower right", frameon=True, framealpha=0.9)
        inner = outer[1, p].subgridspec(1, 2, wspace=0.05)
        for q, c in enumerate((a, bb)):
            axi = fig.add_subplot(inner[0, q])
            _digit(axi, decoded_means[c])
            axi.set_xlabel(f"decoded {c}", fontsize=7, color=class_colour(c), labelpad=2)
    ax = fig.add_subplot(outer[:, 2])
    ax.errorbar(
        comp,
        stats.overall_mean,
        yerr=stats.overall_std,
        fmt="o",
        ms=3,
        color="k",
        ecolor="0.5",
        elinewidth=0.8,
        capsize=1.5,
    )
    ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    ax.set_title("Right: encoded vectors, mean $\\pm$ std")
    ax.set_xlabel("latent component")
    return fig


def draw(r: Fig0809Runs) -> dict[str, Figure]:
    """Fig 8 (:func:`draw_fig8`) and Fig 9 (:func:`draw_fig9`)."""
    wb = r.model.arch.widths[r.model.arch.bottleneck]
    return {
        "fig8": draw_fig8(r.data.x_test, r.data.y_test, r.recon, r.pca, wb),
        "fig9": draw_fig9(r.stats, r.pairs, r.decoded_means, wb),
    }


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig08_09",
    notebook="fig08_09_mnist_reconstruction",
    title="MNIST reconstruction and latent means (Figs 8 and 9)",
    defaults=mnist_defaults,
    control={"iterations": 0},
)
def fig08_09(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Fig 8: test MSE of the trained AutoencODE against PCA and the mean image, and test
    digits reconstructed; Fig 9: the closest pairs of latent means, decoded, and the spread
    of the encoded vectors."""
    params["quick"] = quick
    r = compute(params, progress)
    out = numbers(r, params)
    return Result(
        "fig08_09",
        params,
        numbers=out.numbers,
        figures=draw(r),
        summary="\n".join(out.summary),
        claims=out.claims,
        details=out.details,
    )
