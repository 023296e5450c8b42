"""Unsupervised classification from codes (k-means, matched accuracy, NMI) and the linear probe:
right on separable codes, at chance on shuffled labels (the negative control)."""

import numpy as np
import pytest
import torch

from autoencode import codes


def _blobs(n_per=60, k=4, dim=5, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 3
    x = np.concatenate([c + spread * rng.normal(size=(n_per, dim)) for c in centres])
    y = np.repeat(np.arange(k), n_per)
    return x, y


def test_separable_codes_are_classified_and_shuffled_labels_are_not():
    x, y = _blobs()
    score = codes.cluster_codes(torch.tensor(x), torch.tensor(y), restarts=3, seed=1)
    assert score.accuracy == 1.0 and score.nmi == pytest.approx(1.0)
    shuffled = np.random.default_rng(0).permutation(y)
    control = codes.cluster_codes(x, shuffled, restarts=3)
    assert control.accuracy < 0.4 and control.nmi < 0.1, control


def test_the_match_of_clusters_to_classes_is_one_to_one():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert codes.matched_accuracy(np.array([2, 2, 0, 0, 1, 1]), y) == 1.0
    # two classes in one cluster: only one of them can be matched to it
    assert codes.matched_accuracy(np.array([0, 0, 0, 0, 1, 1]), y) == pytest.approx(4 / 6)


def test_the_linear_probe_reads_separable_codes_and_not_shuffled_ones():
    x, y = _blobs(n_per=100)
    xt, yt = _blobs(n_per=50, seed=0)
    assert codes.linear_probe(x, y, xt, yt) == 1.0
    shuffled = np.random.default_rng(1).permutation(y)
    assert codes.linear_probe(x, shuffled, xt, yt) < 0.5


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((np.full((4, 2), np.nan), np.zeros(4, int)), "NaN or inf"),
        ((np.zeros(4), np.zeros(4, int)), r"\[N, c\]"),
        ((np.zeros((4, 2)), np.zeros(3, int)), "4 integer labels"),
        ((np.zeros((4, 2)), np.zeros(4)), "integer labels"),
    ],
)
def test_bad_codes_or_labels_are_refused(args, match):
    with pytest.raises(ValueError, match=match):
        codes.cluster_codes(*args)


def test_bad_k_restarts_or_widths_are_refused():
    x, y = _blobs(n_per=3)
    with pytest.raises(ValueError, match="k must be"):
        codes.cluster_codes(x, y, k=1)
    with pytest.raises(ValueError, match="restarts"):
        codes.cluster_codes(x, y, restarts=0)
    with pytest.raises(ValueError, match="differ in width"):
        codes.linear_probe(x, y, x[:, :2], y)
