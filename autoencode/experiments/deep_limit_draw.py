"""The deep limit page's figure: the trained controls for every L, and their distances and cost
gaps to the finest L with the fitted rates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .deep_limit_controls import control, phase_of_layers
from .deep_limit_numbers import fitted_rate
from .deep_limit_training import DeepLimitRun

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw"]


def draw(
    run: DeepLimitRun, contrast: DeepLimitRun, Ls: Sequence[int], lam: float, lam_contrast: float
) -> Figure:
    """Left: entries of the trained controls theta_L(t) for every L; right: the distance and
    the cost gap to the finest L against L, with their fitted rates (dotted: lam_contrast)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.3, 1])
    ax = axes[0]
    entries = [
        (0, 0, "$W_{11}$, encoder"),
        (0, 3, "$W_{22}$, encoder"),
        (1, 0, "$W$, bottleneck"),
        (2, 1, "$W_{12}$, decoder"),
    ]
    colors = plt.get_cmap()(np.linspace(0, 0.9, len(Ls)))
    styles = ["-", "--", ":", "-."]
    for L, c in zip(Ls, colors):
        m = run.models[L]
        theta = control(m)
        phase = phase_of_layers(m)
        for (ph, idx, name), ls in zip(entries, styles):
            ks = [k for k in range(L) if phase[k] == ph]
            vals = [float(theta[k][idx]) for k in ks]
            edges = [k * m.h for k in ks] + [(ks[-1] + 1) * m.h]
            ax.stairs(vals, edges, color=c, ls=ls, lw=1.0, label=name if L == Ls[-1] else None)
    for L, c in zip(Ls, colors):
        ax.plot([], [], color=c, label=f"L = {L}")
    ax.set(
        xlabel="t",
        ylabel="$\\theta_L(t)$ (entries)",
        title=f"trained controls, $\\lambda$ = {lam:g}",
    )
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1]
    table = run.table
    fit = table[table.L < Ls[-1]]
    for col, marker, name in (
        ("distance", "o", "$\\|\\theta_L - \\theta_{max}\\|_{L^2}$"),
        ("cost_gap", "s", "$|J_L - J_{max}|$"),
    ):
        r = fitted_rate(fit.L, fit[col])
        (line,) = ax.loglog(fit.L, fit[col], marker, label=f"{name}: rate {r:.2f}")
        c0 = float(np.exp(np.mean(np.log(fit[col]) + r * np.log(fit.L))))
        ax.loglog(fit.L, c0 * fit.L.astype(float) ** (-r), "-", color=line.get_color(), lw=0.8)
        cf = contrast.table[contrast.table.L < Ls[-1]]
        ax.loglog(
            cf.L,
            cf[col],
            marker + ":",
            color=line.get_color(),
            alpha=0.5,
            ms=3,
            label=f"$\\lambda$ = {lam_contrast:g}, rate {fitted_rate(cf.L, cf[col]):.2f}",
        )
    ax.set(xlabel="L", title=f"against the finest L = {Ls[-1]}")
    ax.legend(fontsize=6)
    fig.tight_layout()
    return fig
