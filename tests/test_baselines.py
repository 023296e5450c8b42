"""PCA: the best affine rank-k reconstruction."""

import pytest
import torch

from autoencode.baselines import PCA, reconstruction_mse

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def test_pca_reconstructs_points_on_an_affine_line_exactly():
    t = torch.linspace(-1, 1, 50)[:, None]
    x = torch.tensor([0.5, -2.0]) + t * torch.tensor([[3.0, 4.0]])
    assert reconstruction_mse(x, PCA(1).fit(x).reconstruct(x)) < 1e-10


def test_pca_error_is_the_discarded_variance():
    g = torch.Generator(torch.get_default_device()).manual_seed(0)
    x = torch.randn(500, 3, generator=g, dtype=torch.float64) * torch.tensor(
        [3.0, 1.0, 0.1], dtype=torch.float64
    )
    pca = PCA(2).fit(x)
    ev = torch.linalg.eigvalsh(torch.cov(x.T, correction=0))
    assert abs(reconstruction_mse(x, pca.reconstruct(x), per="sample") - float(ev[0])) < 1e-10
    assert pca.encode(x).shape == (500, 2)


def test_pca_errors():
    with pytest.raises(ValueError, match="at least one component"):
        PCA(0)
    with pytest.raises(ValueError, match="exceeds"):
        PCA(5).fit(torch.randn(10, 3))
    with pytest.raises(RuntimeError, match="fit"):
        PCA(1).reconstruct(torch.randn(3, 2))
    with pytest.raises(ValueError, match="per must be"):
        reconstruction_mse(torch.zeros(2, 2), torch.zeros(2, 2), per="pixel")
