"""Two AutoencODEs on the same MNIST: ours (Cipriani, Fornasier, Scagliotti: one set of
controls for the whole data set, trained by the shooting method) and a data-conditioned-control
autoencoder in the spirit of N-CODE (Chalvidal et al.: an encoder maps each image to the
control of the ODE), :class:`autoencode.ncode.NCODE`, OUR reconstruction from that paper's
abstract.

Both have a bottleneck of width 32 and see the same training images (those of Figs 8-9), the
same batch size and the same number of iterations; both are compared on the same test images
with PCA of that width and the mean image. Ours is the cached network of Figs 8-11
(:func:`.mnist_model.trained_autoencoder`); N-CODE is trained here by autograd and Adam and
cached too (:func:`~autoencode.experiments.ncode_model.trained_ncode`).

Each job is one module: N-CODE's settings and cached training in
:mod:`autoencode.experiments.ncode_model`;
:func:`~autoencode.experiments.ncode_compute.compute` loads or trains both models and measures
them (test errors, codes, flows, depths, seconds per step),
:func:`~autoencode.experiments.ncode_numbers.numbers` names the numbers and the claims,
:func:`~autoencode.experiments.ncode_draw.draw` draws; :func:`two_autoencodes` calls the three
in turn. Their public names are importable from here too.
"""

from __future__ import annotations

from typing import Any

from .mnist_model import MNIST_FULL, MNIST_QUICK
from .ncode_compute import TwoAutoencodesRuns, compute, time_to_target
from .ncode_draw import draw
from .ncode_model import NCODE_FULL, NCODE_QUICK, build_ncode, trained_ncode
from .ncode_numbers import numbers
from .registry import Result, figure

__all__ = [
    "NCODE_FULL",
    "NCODE_QUICK",
    "build_ncode",
    "trained_ncode",
    "time_to_target",
    "TwoAutoencodesRuns",
    "compute",
    "numbers",
    "draw",
    "two_autoencodes",
]


def _defaults(quick: bool) -> dict[str, Any]:
    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    params["widths"] = list(params["widths"])
    params["n_test"] = 200 if quick else 10000
    params.update(NCODE_QUICK if quick else NCODE_FULL)
    params["timing_steps"] = 2 if quick else 10  # timed training steps of each model
    params["smooth"] = 2 if quick else 50  # iterations averaged for the time to the target
    params["cluster_restarts"] = 2 if quick else 10  # k-means starts on the codes
    params["flow_images"] = 100 if quick else 1000  # test images whose trajectories are measured
    params["ours_Ls"] = [6, 10] if quick else [10, 20]  # depths of ours (>= its 10 phases)
    params["ncode_Ls"] = [5, 10] if quick else [5, 10, 20]  # depths of N-CODE
    return params


@figure(
    "two_autoencodes",
    notebook="two_autoencodes",
    title="Two AutoencODEs: ours and a data-conditioned-control one (N-CODE)",
    defaults=_defaults,
    control={"iterations": 0},
)
def two_autoencodes(*, progress: bool = True, quick: bool = False, **params: Any) -> Result:
    """Test MSE, parameters, seconds per step and to PCA's error, and reconstructions of the
    same test digits by our AutoencODE, N-CODE (our reconstruction) and PCA."""
    params["quick"] = quick
    r = compute(params, progress=progress)
    out = numbers(r, iterations=params["iterations"])
    return Result(
        "two_autoencodes",
        params,
        numbers=out.numbers,
        figures=draw(r, smooth=params["smooth"]),
        summary="\n".join(out.summary),
        claims=out.claims,
        details=out.details,
    )
