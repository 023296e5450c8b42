"""The seeded 2D data sets of Figs 4-6."""
import pytest
import torch

from autoencode import datasets


def test_two_clusters_are_reproducible_balanced_and_separated_along_x1():
    x, labels = datasets.two_clusters(200, seed=4)
    x2, labels2 = datasets.two_clusters(200, seed=4)
    assert torch.equal(x, x2) and torch.equal(labels, labels2)
    assert not torch.equal(x, datasets.two_clusters(200, seed=5)[0])
    assert x.shape == (200, 2) and x.dtype == torch.float32 and labels.dtype == torch.int64
    assert (labels == 0).sum() == (labels == 1).sum() == 100
    assert torch.all(x[labels == 0, 0] < 0) and torch.all(x[labels == 1, 0] > 0)
    assert abs(float(x[labels == 0, 1].mean()) - float(x[labels == 1, 1].mean())) < 0.1


def test_targets_and_accuracy():
    labels = torch.tensor([0, 1, 1, 0])
    y = datasets.class_targets(labels)
    assert torch.equal(y, torch.tensor([[-1.0, -1.0], [1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]]))
    assert datasets.accuracy(y, labels) == 1.0
    assert datasets.accuracy(-y, labels) == 0.0
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        datasets.class_targets(torch.tensor([0, 2]))


def test_sine_curve_lies_on_the_curve():
    x = datasets.sine_curve(300, seed=1, amplitude=0.6)
    assert x.shape == (300, 2)
    torch.testing.assert_close(x[:, 1], 0.6 * torch.sin(torch.pi * x[:, 0]))
    assert x[:, 0].min() >= -1 and x[:, 0].max() <= 1
    with pytest.raises(ValueError):
        datasets.sine_curve(0)
