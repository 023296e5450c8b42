"""Fig 11 (figure ``fig11``): entropy across the layers.

The summed Shannon entropy and our spectral entropy of the states x_0..x_L on the test images,
for the correct (reset) and the wrong (freeze) network, and the evenness at the bottleneck
(the spectral entropy over log w_b) of the trained network against the same network with its
weights shuffled within each layer (the negative control), before training, and with random
weights. The set-up and what is ours: :mod:`.mnist_common`.

:func:`compute` runs the networks, :func:`numbers` names the numbers and claims, :func:`draw`
draws; :func:`fig11` calls the three in turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import analysis, claims
from ..architecture import Architecture
from ..plotting.panels import shade_phases
from ..plotting.style import class_colour
from .mnist_common import MnistData, mnist_defaults, trained_models, training_settings
from .mnist_model import build_model
from .registry import Numbers, Result, figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Fig11Runs", "compute", "numbers", "draw", "fig11"]


# -- compute ----------------------------------------------------------------------------------


@dataclass
class Fig11Runs:
    """What :func:`compute` runs: the entropies of the states of each network."""

    #: The training and test images.
    data: MnistData
    #: The architecture of the trained networks.
    arch: Architecture
    #: The range of the histograms of the Shannon entropy (every state of both networks).
    value_range: tuple[float, float]
    #: The summed Shannon entropy ``H`` and the spectral entropy ``S`` of each state ``[L+1]``,
    #: for ``"reset"`` and ``"freeze"``.
    H: dict[str, torch.Tensor]
    S: dict[str, torch.Tensor]
    #: The spectral entropy of the reset network before training, with its trained weights
    #: shuffled within each layer, and with random weights (by scale: 0 and 10 times the
    #: initial one).
    S_initial: torch.Tensor
    S_shuffled: torch.Tensor
    S_random: dict[float, torch.Tensor]
    #: log w_k and w_k, the active widths (float64).
    log_w: torch.Tensor
    w: torch.Tensor


def compute(params: dict[str, Any], progress: bool) -> Fig11Runs:
    """The states of the trained networks on the test images and their entropies; the spectral
    entropy of the reset network before training, shuffled and with random weights."""
    data = MnistData(params, "fig11")
    x_test = data.x_test
    models = {
        mode: r.model for mode, r in trained_models(params, ("reset", "freeze"), progress).items()
    }
    arch = models["reset"].arch
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
    S_initial = analysis.spectral_entropy(
        analysis.states(build_model(training_settings(params)), x_test)
    )
    # the negative control of the claim: the trained network with its weights shuffled within
    # each layer (same values and norms, no learned structure)
    S_shuffled = analysis.spectral_entropy(
        analysis.states(analysis.shuffled_weights(models["reset"], seed=params["seed"]), x_test)
    )
    # what random weights give, from zero to ten times the initial scale
    S_random = {
        scale: analysis.spectral_entropy(
            analysis.states(
                build_model(
                    dict(training_settings(params), init_scale=scale * params["init_scale"])
                ),
                x_test,
            )
        )
        for scale in (0.0, 10.0)
    }
    log_w = torch.log(torch.tensor(arch.widths, dtype=torch.float64))
    w = torch.tensor(arch.widths, dtype=torch.float64)
    return Fig11Runs(data, arch, value_range, H, S, S_initial, S_shuffled, S_random, log_w, w)


# -- numbers ----------------------------------------------------------------------------------


def _table(r: Fig11Runs, bins: int) -> list[str]:
    """The summary's lines: the histograms' range, and each entropy at x_0, x_b and x_L."""
    b, value_range = r.arch.bottleneck, r.value_range
    lines = [r.data.line]
    lines.append(f"states in [{value_range[0]:.2f}, {value_range[1]:.2f}], {bins} bins")
    lines.append(f"{'':28}{'x_0':>8}{'bottleneck':>12}{'x_L':>8}{'min at':>8}")
    for mode, name in (("reset", "correct"), ("freeze", "wrong")):
        for label, v in (("Shannon (nats)", r.H[mode]), ("ours, spectral (nats)", r.S[mode])):
            digits = 0 if label.startswith("Shannon") else 1
            lines.append(
                f"{name + ', ' + label:28}{float(v[0]):8.{digits}f}{float(v[b]):12.{digits}f}"
                f"{float(v[-1]):8.{digits}f}{'x_' + str(int(v.argmin())):>8}"
            )
    return lines


def numbers(r: Fig11Runs, params: dict[str, Any]) -> Numbers:
    """Each entropy at x_0, x_b and x_L and where it is lowest; the effective number of
    components; the evenness at the bottleneck, trained and in the controls; the claim with
    its negative control, and the sanity check S_b <= log w_b."""
    arch, b, H, S, log_w, w = r.arch, r.arch.bottleneck, r.H, r.S, r.log_w, r.w
    lines = _table(r, params["bins"])
    n = dict(r.data.numbers)
    for mode in ("reset", "freeze"):
        for name, v in (("shannon", H[mode]), ("spectral", S[mode])):
            n[f"fig11_{mode}_{name}_in"] = float(v[0])
            n[f"fig11_{mode}_{name}_b"] = float(v[b])
            n[f"fig11_{mode}_{name}_out"] = float(v[-1])
            n[f"fig11_{mode}_{name}_argmin"] = int(v.argmin())
    n.update(
        fig11_eff_in=float(S["reset"][0].exp()),
        fig11_eff_b=float(S["reset"][b].exp()),
        fig11_eff_out=float(S["reset"][-1].exp()),
    )
    # normalised per active component: what is left once the width is divided out
    n.update(
        fig11_shannon_per_component_in=float(H["reset"][0] / w[0]),
        fig11_shannon_per_component_b=float(H["reset"][b] / w[b]),
        fig11_evenness_in=float(S["reset"][0] / log_w[0]),
        fig11_evenness_b=float(S["reset"][b] / log_w[b]),
        fig11_evenness_b_initial=float(r.S_initial[b] / log_w[b]),
        fig11_evenness_b_shuffled=float(r.S_shuffled[b] / log_w[b]),
        fig11_evenness_b_zero=float(r.S_random[0.0][b] / log_w[b]),
        fig11_evenness_b_random10=float(r.S_random[10.0][b] / log_w[b]),
        fig11_freeze_shannon_min_ratio=float(H["freeze"].min() / H["freeze"][0]),
    )
    lines.append(
        f"evenness S_b / log w_b at the bottleneck: trained {n['fig11_evenness_b']:.3f}, "
        f"before training {n['fig11_evenness_b_initial']:.3f}, weights shuffled "
        f"{n['fig11_evenness_b_shuffled']:.3f}"
    )
    even = claims.bottleneck_even
    checks = [
        even(n["fig11_evenness_b"])
        .about("fig11")
        .versus(
            even(n["fig11_evenness_b_shuffled"]),
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
    details = dict(
        arch=arch, b=b, H=H, S=S, S_initial=r.S_initial, S_shuffled=r.S_shuffled, log_w=log_w, w=w
    )
    return Numbers(n, checks, lines, details)


# -- draw -------------------------------------------------------------------------------------


def draw(r: Fig11Runs) -> dict[str, Figure]:
    """Left: the summed Shannon entropy per state; right: the spectral entropy and log w_k."""
    import matplotlib.pyplot as plt

    arch, H, S = r.arch, r.H, r.S
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
    return {"main": fig}


# -- the figure -------------------------------------------------------------------------------


@figure(
    "fig11",
    notebook="fig11_entropy",
    title="Entropy across the layers",
    defaults=lambda quick: mnist_defaults(quick, bins=31),
    control={"iterations": 0},
)
def fig11(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Summed Shannon entropy and spectral entropy of the states x_0..x_L on the test images,
    for the correct and the wrong network, and the evenness before and after training."""
    params["quick"] = quick
    r = compute(params, progress)
    out = numbers(r, params)
    return Result(
        "fig11",
        params,
        numbers=out.numbers,
        figures=draw(r),
        summary="\n".join(out.summary),
        details=out.details,
        claims=out.claims,
    )
