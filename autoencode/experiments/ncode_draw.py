"""The figures of the two-autoencoders page
(:func:`autoencode.experiments.ncode.two_autoencodes`).

:func:`draw` draws what :func:`autoencode.experiments.ncode_compute.compute` measured: the
same test digits reconstructed by both models and PCA, and both training curves against
iterations and against the estimated training time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from ..data import mnist
from .ncode_compute import TwoAutoencodesRuns

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["draw"]


def draw(r: TwoAutoencodesRuns, *, smooth: int) -> dict[str, Figure]:
    """The reconstructions of the same test digits, and the training curves against
    iterations and estimated time (each mean of ``smooth`` mini-batches)."""
    return {
        "reconstructions": _draw_reconstructions(r.x_test, r.y_test, r.recon, r.wb),
        "training": _draw_training(r.curves, r.seconds, r.mse["pca"], smooth, r.wb),
    }


def _draw_reconstructions(
    x_test: torch.Tensor, y_test: torch.Tensor, recon: dict[str, torch.Tensor], wb: int
) -> Figure:
    """Two test digits of each class (those of Fig 8): originals, ours, N-CODE, PCA."""
    import matplotlib.pyplot as plt

    picks = torch.cat([torch.nonzero(y_test == c).flatten()[:2] for c in range(10)])
    picks = torch.cat([picks[0::2], picks[1::2]])
    rows = [
        ("original", x_test[picks]),
        ("AutoencODE\n(ours)", recon["ours"][picks]),
        ("N-CODE\n(our reconstr.)", recon["ncode"][picks]),
        (f"PCA ({wb})", recon["pca"][picks]),
    ]
    n = len(picks) // 2
    fig, axes = plt.subplots(8, n, figsize=(7.0, 6.2), squeeze=False)
    for block in range(2):
        for r, (name, imgs) in enumerate(rows):
            for c in range(n):
                ax = axes[4 * block + r, c]
                ax.imshow(
                    mnist.to_images(imgs[n * block + c][None])[0].clamp(0, 1).numpy(),
                    cmap="gray_r",
                    vmin=0,
                    vmax=1,
                    interpolation="nearest",
                )
                ax.set_xticks([])
                ax.set_yticks([])
                for sp in ax.spines.values():
                    sp.set_visible(False)
                if c == 0:
                    ax.set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("The same test digits, reconstructed (display clipped to [0, 1])", fontsize=9)
    fig.subplots_adjust(left=0.16, right=0.99, top=0.94, bottom=0.01, wspace=0.05, hspace=0.08)
    return fig


def _draw_training(
    curves: dict[str, list[float]],
    sec: dict[str, float],
    target: float,
    smooth: int,
    wb: int,
) -> Figure:
    """The smoothed mini-batch error per pixel against iterations (left) and against the
    estimated training time (iterations x seconds per step, right), with PCA's test error."""
    import matplotlib.pyplot as plt

    from ..plotting.style import class_colour

    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.2), sharey=True)
    labels = {"ours": "AutoencODE (ours)", "ncode": "N-CODE (our reconstruction)"}
    for i, (k, c) in enumerate(curves.items()):
        t = torch.tensor(c, dtype=torch.float64)
        if len(t) == 0:  # not trained (the negative control, iterations = 0): no curve
            continue
        s = max(1, min(int(smooth), len(t)))
        m = t.unfold(0, s, 1).mean(1).numpy()
        it = torch.arange(s, len(t) + 1, dtype=torch.float64).numpy()
        for ax, xs in ((axes[0], it), (axes[1], it * sec[k])):
            ax.plot(xs, m, color=class_colour(i), label=labels[k])
    for ax in axes:
        ax.axhline(target, color="0.4", ls="--", lw=1, label=f"PCA ({wb}), test")
        ax.set_yscale("log")
    axes[0].set_xlabel("iteration (mini-batch)")
    axes[1].set_xlabel("estimated training time (s): iterations x s/step")
    axes[0].set_ylabel(f"training MSE per pixel\n(mean of {smooth} mini-batches)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
