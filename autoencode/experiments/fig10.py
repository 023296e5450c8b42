"""Fig 10 (figure ``fig10``): Delta tells the wrong autoencoder from the correct one.

Our Delta, the sensitivity of the output to every node of every state, on the test images,
for the wrong network (turned-off components frozen, ``off_mode="freeze"``) and the correct
one (reset), both trained identically: the leak per state (the share of Delta on the nodes the
declared profile turns off), and what each network does without its turned-off nodes. The
negative control of "no leak" is a reset network whose masks keep extra nodes on through the
bottleneck (:func:`leaky_widths`, untrained). The set-up and what is ours:
:mod:`.mnist_common`.

:func:`compute` runs the networks, :func:`numbers` names the numbers and claims, :func:`draw`
draws; :func:`fig10` calls the three in turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import analysis, baselines, claims
from ..architecture import Architecture, centre_out_order
from ..model import AutoencODE
from ..plotting.panels import shade_phases
from ..plotting.style import class_colour
from .mnist_common import MnistData, mnist_defaults, trained_models, training_settings
from .mnist_model import build_model
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "NETWORK_NAMES",
    "ZERO_DELTA_COLOUR",
    "leaky_widths",
    "Fig10Runs",
    "compute",
    "numbers",
    "draw",
    "delta_panel",
    "fig10",
]

#: The networks of Fig 10, by ``off_mode`` (and the negative control, ``"leaky"``).
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


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig10Runs:
    """What :func:`compute` runs: Delta, the leak and the test errors of each network."""

    #: The training and test images.
    data: MnistData
    #: The declared profile's architecture (that of the trained networks).
    arch: Architecture
    #: The nodes off at the bottleneck x_b.
    off_b: torch.Tensor
    #: The widths of the negative control (:func:`leaky_widths`).
    wide: list[int]
    #: Delta ``[L+1, d]`` and the leak per state ``[L+1]`` (against the declared masks) of
    #: each network: ``"freeze"``, ``"reset"`` (trained) and ``"leaky"`` (untrained).
    D: dict[str, torch.Tensor]
    leak: dict[str, torch.Tensor]
    #: Each network's test error, its error from the kept bottleneck nodes only, the mean
    #: ``|x_b|`` on the nodes turned off, its leak at x_b and its mean Delta off and on there.
    summary: dict[str, dict[str, float]]
    #: The same measures on untrained networks (what the construction alone decides):
    #: ``"reset"``, ``"freeze"`` (zero weights) and ``"freeze_initial"``.
    sanity: dict[str, dict[str, float]]


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


def compute(params: dict[str, Any], progress: bool) -> Fig10Runs:
    """Delta and the leak of the trained wrong and correct networks on the test images, and of
    the negative control on the first 1,000; the same measures on untrained networks."""
    data = MnistData(params, "fig10")
    x_test = data.x_test
    models = {
        mode: r.model for mode, r in trained_models(params, ("freeze", "reset"), progress).items()
    }
    arch = models["reset"].arch
    b = arch.bottleneck
    off_b = ~arch.masks[b]  # nodes that are off at the bottleneck
    # the negative control of "no leak": a reset network whose masks keep the next most central
    # nodes on through the bottleneck (a mask mistake), untrained, on the first 1,000 test
    # images; its leak is measured, like every network's, against the declared masks
    wide = leaky_widths(params["widths"])
    models["leaky"] = build_model(dict(training_settings(params), widths=wide), "reset")
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

    # sanity: what the construction alone decides, whatever the weights. Any reset network on
    # the declared masks has no leak (its co-state is masked), the untrained one included; any
    # freeze network has one: at zero weights its flow is the identity, Delta = 1 on every
    # node, and the leak is the share of turned-off nodes (752/784).
    untrained = {
        "reset": build_model(training_settings(params), "reset"),
        "freeze": build_model(dict(training_settings(params), init_scale=0.0), "freeze"),
        "freeze_initial": build_model(training_settings(params), "freeze"),
    }
    sanity = {}
    for mode, m in untrained.items():
        d0 = analysis.delta(m, x_few, probes=1, seed=params["seed"])
        sanity[mode] = _without_leak(m, x_few, arch)
        sanity[mode]["leak"] = float(analysis.leak_fraction(d0, arch.masks)[b])
        sanity[mode]["delta_p1"], sanity[mode]["delta_p99"] = (
            float(q) for q in np.percentile(d0[d0 > 0].cpu().numpy(), [1, 99])
        )
    return Fig10Runs(data, arch, off_b, wide, D, leak, summary, sanity)


# -- numbers ----------------------------------------------------------------------------------


def _table(r: Fig10Runs) -> list[str]:
    """The summary's lines: the bottleneck, and one row of measures per network."""
    b, off_b = r.arch.bottleneck, r.off_b
    lines = [
        r.data.line,
        str(r.arch),
        f"bottleneck x_{b}: {int((~off_b).sum())} active nodes, {int(off_b.sum())} turned off",
    ]
    # (coarse rounding: the MSEs to their order of magnitude; the exact values are in the text)
    lines.append(
        f"{'':36}{'test MSE':>9}{'MSE, latent only':>18}{'leak at x_b':>12}"
        f"{'Delta off':>10}{'Delta on':>9}{'|x_b| off':>10}"
    )
    for mode, s in r.summary.items():
        lines.append(
            f"{NETWORK_NAMES[mode]:36}{s['mse']:9.0e}{s['mse_latent']:18.0e}"
            f"{s['leak']:12.2f}{s['delta_off']:10.2f}{s['delta_on']:9.2f}{s['value_off']:10.2f}"
        )
    return lines


def numbers(r: Fig10Runs, params: dict[str, Any]) -> Numbers:
    """Each network's measures, the leak of the negative control and of the untrained networks,
    the scale of the wrong network's Delta, and the claims, each with its negative control."""
    arch, off_b, D, summary, sanity = r.arch, r.off_b, r.D, r.summary, r.sanity
    b = arch.bottleneck
    x_train, x_test = r.data.x_train, r.data.x_test
    lines = _table(r)
    n = dict(r.data.numbers)
    for mode in ("freeze", "reset"):
        for key, v in summary[mode].items():
            n[f"fig10_{mode}_{key}"] = v
    # the wrong network's tiny error is reproducible in its order of magnitude only
    n["fig10_freeze_mse_log10"] = math.log10(n.pop("fig10_freeze_mse"))
    n["fig10_leaky_leak"] = summary["leaky"]["leak"]
    # what Delta would be on the nodes off at x_b that x_{b+1} switches on, without the mask of
    # the reset network's co-state: their value passes to x_{b+1} unchanged, so it is Delta_{b+1}
    # there (a sensitivity to a value that is 0 for every input)
    turned_on = arch.masks[b + 1] & off_b
    n["fig10_reset_delta_turned_on"] = float(D["reset"][b + 1][turned_on].mean())
    n["fig10_leaky_width_b"] = r.wide[params["widths"].index(min(params["widths"]))]
    mse_mean = baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))
    n["fig10_mse_mean"] = mse_mean
    n["fig10_initial_reset_leak"] = sanity["reset"]["leak"]
    n["fig10_zero_freeze_leak"] = sanity["freeze"]["leak"]
    # Delta ~ 1 needs no training in a freeze network: the untrained one has it too
    n["fig10_initial_freeze_delta_p1"] = sanity["freeze_initial"]["delta_p1"]
    n["fig10_initial_freeze_delta_p99"] = sanity["freeze_initial"]["delta_p99"]
    lines.append(
        f"by construction: leak of the untrained reset network {sanity['reset']['leak']:.2f}, "
        f"of the zero-weight freeze network {sanity['freeze']['leak']:.4f} "
        f"({int(off_b.sum())}/{arch.dim} = {float(off_b.sum()) / arch.dim:.4f})"
    )

    f, rs, lk = summary["freeze"], summary["reset"], summary["leaky"]
    z = sanity["freeze"]
    leaky_name = (
        f"reset model with {n['fig10_leaky_width_b'] - int((~off_b).sum())} extra nodes "
        "on through the bottleneck (untrained)"
    )
    checks = [
        claims.leak_detected(f["leak"], f["mse"], f["mse_latent"])
        .about("fig10.wrong")
        .versus(claims.leak_detected(rs["leak"], rs["mse"], rs["mse_latent"]), "correct model"),
        claims.no_leak(rs["leak"])
        .about("fig10.correct")
        .versus(claims.no_leak(lk["leak"]), leaky_name),
        claims.no_leak(sanity["reset"]["leak"]).about("fig10.correct").by_construction(),
        claims.leak_detected(z["leak"], z["mse"], z["mse_latent"])
        .about("fig10.wrong")
        .by_construction(),
    ]
    _, vmin, vmax = delta_panel(D["freeze"])  # the wrong network's scale, quoted in the text
    n.update(fig10_freeze_delta_p1=float(10**vmin), fig10_freeze_delta_p99=float(10**vmax))
    details = dict(
        arch=arch, b=b, D=D, leak=r.leak, summary=summary, sanity=sanity, mse_mean=mse_mean
    )
    return Numbers(n, checks, lines, details)


# -- draw -------------------------------------------------------------------------------------


def delta_panel(D: torch.Tensor) -> tuple[np.ma.MaskedArray, float, float]:
    """log10 Delta per node (rows, by rank from the centre: 0 = the most central pixel) and
    state (columns), masked where Delta = 0, and its scale: the 1st and 99th percentile over the
    nodes with Delta > 0."""
    order = centre_out_order()  # node rank: 0 = the most central pixel
    img = D[:, order].T.numpy()  # [d, L+1], rows by centre-out rank
    img = np.ma.masked_where(img <= 0, np.log10(np.where(img > 0, img, 1.0)))
    vmin, vmax = np.percentile(img.compressed(), [1, 99])
    return img, vmin, vmax


def draw(r: Fig10Runs) -> dict[str, Figure]:
    """Top: log10 Delta per node (rows, by rank from the centre) and state (columns), each
    panel on its own scale (:func:`delta_panel`); bottom: the leak per state."""
    import matplotlib.pyplot as plt

    arch, leak = r.arch, r.leak
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
    for col, mode in enumerate(("freeze", "reset")):
        ax = fig.add_subplot(gs[0, col])
        img, vmin, vmax = delta_panel(r.D[mode])
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
    return {"main": fig}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig10",
    notebook="fig10_delta",
    title="Detecting a wrong autoencoder with Delta",
    defaults=lambda quick: mnist_defaults(quick, probes=4),
    control={"iterations": 0},
)
def fig10(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Delta of the wrong (freeze) and the correct (reset) network on the test images, the leak
    per state, and what each network does without its turned-off nodes; and the same for a
    reset network whose masks keep extra nodes on through the bottleneck (the negative control
    of the "no leak" check: a leak that ``off_mode`` does not set)."""
    params["quick"] = quick
    r = compute(params, progress)
    out = numbers(r, params)
    return Result(
        "fig10",
        params,
        numbers=out.numbers,
        figures=draw(r),
        summary="\n".join(out.summary),
        details=out.details,
        claims=out.claims,
    )
