"""The seeded 2D data sets of Figs 4-6 and of the NeurODE page."""

import math

import pytest
import torch

from autoencode.data import toy2d as datasets

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def test_two_clusters_are_reproducible_balanced_and_separated_along_x1():
    x, labels = datasets.two_clusters(200, seed=4)
    x2, labels2 = datasets.two_clusters(200, seed=4)
    assert torch.equal(x, x2) and torch.equal(labels, labels2)
    assert not torch.equal(x, datasets.two_clusters(200, seed=5)[0])
    assert x.shape == (200, 2) and x.dtype == torch.get_default_dtype()
    assert labels.dtype == torch.int64
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
    # drawn in float32 whatever the dtype they are returned in
    torch.testing.assert_close(x[:, 1], 0.6 * torch.sin(torch.pi * x[:, 0]), rtol=1e-6, atol=1e-6)
    assert x[:, 0].min() >= -1 and x[:, 0].max() <= 1
    with pytest.raises(ValueError):
        datasets.sine_curve(0)


def test_truncated_gaussians_default_is_the_earlier_papers_data():
    x, labels = datasets.truncated_gaussians(seed=3)
    x2, labels2 = datasets.truncated_gaussians(seed=3)
    assert torch.equal(x, x2) and torch.equal(labels, labels2)
    assert not torch.equal(x, datasets.truncated_gaussians(seed=4)[0])
    assert x.shape == (200, 2) and x.dtype == torch.get_default_dtype()
    assert labels.dtype == torch.int64
    assert torch.equal(labels, torch.tensor([0] * 100 + [1] * 100))  # class by class
    centres = torch.tensor(datasets.BONNET2021_CENTERS)
    r = (x - centres[labels]).norm(dim=1)
    assert r.max() <= datasets.BONNET2021_RADIUS + 1e-6
    assert datasets.BONNET2021_TARGETS == ((-2.0, -2.0), (2.0, 2.0))


def test_truncated_gaussians_follow_the_truncated_law():
    n = 20000
    # Radius 1, std 1 in 2D: |x|^2 / 2 is Exp(1) truncated to 1/2,
    # E|x|^2 = 2 - e^{-1/2} / (1 - e^{-1/2}), below both the uniform disc's 0.5 and the
    # untruncated 2.
    x, _ = datasets.truncated_gaussians(n, seed=1, centers=[[0.0, 0.0]], radius=1.0, std=1.0)
    expected = 2 - math.exp(-0.5) / (1 - math.exp(-0.5))
    assert abs(float((x**2).sum(1).mean()) - expected) < 0.01
    assert (x.norm(dim=1) <= 1.0 + 1e-6).all()
    # A radius far beyond the spread: an ordinary Gaussian, also in 5D.
    x, labels = datasets.truncated_gaussians(
        n, seed=2, centers=[[3.0, 0, 0, 0, 0], [0, 0, 0, 0, -3.0]], radius=100.0, std=0.5
    )
    assert x.shape == (2 * n, 5)
    torch.testing.assert_close(
        x[labels == 0].mean(0), torch.tensor([3.0, 0, 0, 0, 0]), atol=0.02, rtol=0
    )
    torch.testing.assert_close(x[labels == 1].var(0), torch.full((5,), 0.25), atol=0.02, rtol=0)
    # The earlier data: nearly uniform on the disc,
    # P(|x - c| <= R/2) = (1 - e^{-R^2/8}) / (1 - e^{-R^2/2}).
    x, labels = datasets.truncated_gaussians(n, seed=3)
    c = torch.tensor(datasets.BONNET2021_CENTERS)[labels]
    share = float(((x - c).norm(dim=1) <= 0.1).float().mean())
    assert abs(share - (1 - math.exp(-0.005)) / (1 - math.exp(-0.02))) < 0.01


def test_truncated_gaussians_bad_arguments():
    with pytest.raises(ValueError, match="positive integer"):
        datasets.truncated_gaussians(0)
    with pytest.raises(ValueError, match="positive integer"):
        datasets.truncated_gaussians(2.5)
    with pytest.raises(ValueError, match="radius must be a positive finite number"):
        datasets.truncated_gaussians(radius=0.0)
    with pytest.raises(ValueError, match="radius must be a positive finite number"):
        datasets.truncated_gaussians(radius=float("inf"))
    with pytest.raises(ValueError, match="std must be a positive finite number"):
        datasets.truncated_gaussians(std=-1.0)
    with pytest.raises(ValueError, match="std must be a positive finite number"):
        datasets.truncated_gaussians(std=float("nan"))
    with pytest.raises(ValueError, match="centers must be"):
        datasets.truncated_gaussians(centers=[1.0, 2.0])
    with pytest.raises(ValueError, match="centers must be"):
        datasets.truncated_gaussians(centers=[])
    with pytest.raises(ValueError, match="NaN or inf"):
        datasets.truncated_gaussians(centers=[[0.0, float("nan")]])
