"""N-CODE (autoencode.ncode, our reconstruction of Chalvidal et al.'s data-conditioned-control
autoencoder) and its page's experiment (autoencode.experiments.ncode): shapes, gradients against
finite differences, bad inputs, and the page's claims failing on the untrained model."""

from __future__ import annotations

import pytest
import torch

import autoencode as ae
from autoencode import claims
from autoencode.experiments.mnist_model import MNIST_FULL
from autoencode.experiments.ncode import NCODE_FULL, build_ncode, time_to_target, trained_ncode
from autoencode.ncode import NCODE, train_ncode

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def book_model(x_train: torch.Tensor) -> NCODE:
    """The page's N-CODE (full mode) at its initial weights, starting from x_train's mean."""
    return build_ncode({**NCODE_FULL, "widths": MNIST_FULL["widths"], "seed": 0}, x_train)


def tiny(**kw) -> NCODE:
    args = dict(dim=6, code=2, hidden=5, width=3, L=4, T=1.0, seed=0)
    args.update(kw)
    return NCODE(**args)


# -- shapes -----------------------------------------------------------------------------


def test_shapes_and_size_of_the_book_model():
    x = torch.rand(5, 784)
    m = book_model(x)
    z = m.encode(x)
    assert z.shape == (5, 32)
    assert m.controls(z).shape == (5, 10, 64)
    assert m.flow(z, all_states=True).shape == (11, 5, 784)
    assert m(x).shape == (5, 784)
    assert torch.equal(m(x), m.decode(z))
    n = sum(p.numel() for p in m.parameters())
    assert n == 331_440 and n < 1_000_000


def test_the_flow_starts_at_start_and_the_output_depends_on_the_input_only_through_the_code():
    start = torch.linspace(0, 1, 6)
    m = tiny(start=start)
    x = torch.rand(3, 6)
    z = m.encode(x)
    states = m.flow(z, all_states=True)
    assert torch.equal(states[0], start.expand(3, 6))
    # two inputs with the same code give the same output
    assert torch.allclose(m.decode(z[:1].expand(2, -1)), m(x[:1]).expand(2, -1))


def test_the_initial_weights_depend_on_the_seed_only():
    torch.manual_seed(123)
    a = tiny(seed=3)
    torch.manual_seed(7)
    b = tiny(seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(tiny(seed=4).A.weight, a.A.weight)


# -- gradients ----------------------------------------------------------------------------


def test_input_gradient_matches_finite_differences():
    m = tiny().double()
    x = torch.rand(3, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-6)


def test_parameter_gradient_of_the_training_loss_matches_finite_differences():
    """The training loss (mean squared error per pixel) is differentiated by autograd; check the
    directional derivative along a random direction of all parameters by central differences."""
    m = tiny().double()
    x = torch.rand(4, 6, dtype=torch.float64)
    params = list(m.parameters())

    def loss() -> torch.Tensor:
        return ((m(x) - x) ** 2).mean()

    grads = torch.autograd.grad(loss(), params)
    gen = torch.Generator(torch.get_default_device()).manual_seed(0)
    dirs = [torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in params]
    analytic = sum(float((g * d).sum()) for g, d in zip(grads, dirs))
    eps = 1e-6
    with torch.no_grad():
        for p, d in zip(params, dirs):
            p.add_(eps * d)
        plus = float(loss())
        for p, d in zip(params, dirs):
            p.sub_(2 * eps * d)
        minus = float(loss())
        for p, d in zip(params, dirs):
            p.add_(eps * d)
    numeric = (plus - minus) / (2 * eps)
    assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-10)


def test_training_lowers_the_error_and_records_the_history():
    m = tiny(start=torch.full((6,), 0.5))
    x = torch.rand(40, 6)
    with torch.no_grad():
        before = float(((m(x) - x) ** 2).mean())
    h = train_ncode(m, x, iterations=200, batch_size=10, lr=1e-2, seed=0)
    assert set(h) == {"cost", "data", "seconds"} and all(len(v) == 200 for v in h.values())
    assert h["cost"] == h["data"] and all(t >= 0 for t in h["seconds"])
    with torch.no_grad():
        after = float(((m(x) - x) ** 2).mean())
    assert after < 0.5 * before


# -- bad inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(code=6), "narrower"),
        (dict(L=0), "L must be a positive integer"),
        (dict(hidden=2.5), "hidden must be a positive integer"),
        (dict(T=-1.0), "T must be a positive finite number"),
        (dict(T=float("nan")), "T must be a positive finite number"),
        (dict(start=torch.zeros(5)), "start must hold 6 values"),
    ],
)
def test_bad_settings_are_refused(kw, match):
    with pytest.raises(ValueError, match=match):
        tiny(**kw)


@pytest.mark.parametrize(
    "x, err, match",
    [
        (torch.rand(3, 5), ValueError, r"shape \[N, 6\]"),
        (torch.rand(6), ValueError, r"shape \[N, 6\]"),
        (torch.ones(3, 6, dtype=torch.int64), TypeError, "floating-point"),
        (torch.full((3, 6), float("nan")), ValueError, "NaN or inf"),
        ([[0.0] * 6], TypeError, "torch.Tensor"),
    ],
)
def test_bad_inputs_give_clear_errors(x, err, match):
    m = tiny()
    with pytest.raises(err, match=match):
        m(x)
    with pytest.raises(err, match=match):
        m.encode(x)


def test_a_code_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match=r"z must be a tensor \[N, 2\]"):
        tiny().decode(torch.rand(3, 3))


def test_bad_training_settings_are_refused():
    m, x = tiny(), torch.rand(10, 6)
    with pytest.raises(ValueError, match="batch_size"):
        train_ncode(m, x, 1, batch_size=0)
    with pytest.raises(ValueError, match="lr"):
        train_ncode(m, x, 1, lr=-1.0)
    with pytest.raises(ValueError, match="iterations"):
        train_ncode(m, x, -1)


# -- the time to a target error -------------------------------------------------------------


def test_time_to_target():
    mse = [1.0, 0.8, 0.6, 0.4, 0.2]
    assert time_to_target(mse, 0.5, smooth=1) == 4  # iteration 4 (0.4) is the first <= 0.5
    assert time_to_target(mse, 0.5, smooth=2) == 4  # mean(0.6, 0.4) = 0.5
    assert time_to_target(mse, 0.1, smooth=1) is None
    assert time_to_target(mse[:1], 2.0, smooth=3) is None


# -- the page's claims fail on the untrained N-CODE ----------------------------------------


@pytest.mark.slow
def test_the_pages_claims_fail_on_the_untrained_model():
    """The book's N-CODE at initialisation (start: the mean training image), on the first
    10,000 training and 2,000 test images of the full set: its error is about the mean image's
    (0.064), far from a third of it, and above PCA's (0.018)."""
    train, _ = ae.data.mnist.load_mnist(source="full", split="train")
    test, _ = ae.data.mnist.load_mnist(source="full", split="test")
    x_train, x_test = ae.data.mnist.to_vectors(train[:10000]), ae.data.mnist.to_vectors(test[:2000])
    m = book_model(x_train)
    with torch.no_grad():
        mse = ae.baselines.reconstruction_mse(x_test, m(x_test))
    mse_pca = ae.baselines.reconstruction_mse(
        x_test, ae.baselines.PCA(32).fit(x_train).reconstruct(x_test)
    )
    mse_mean = ae.baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))
    assert mse > mse_mean / 3 and mse > mse_pca
    assert not claims.beats_baseline(mse, mse_mean, "the mean image's", factor=3)
    assert not claims.beats_baseline(mse, mse_pca, "PCA's (32 components)")
    # and so does our AutoencODE before training (error 0.105)
    from autoencode.experiments.mnist_model import MNIST_FULL, build_model

    ours = build_model(MNIST_FULL)
    with torch.no_grad():
        mse_ours = ae.baselines.reconstruction_mse(x_test, ours(x_test))
    assert not claims.beats_baseline(mse_ours, mse_mean, "the mean image's", factor=3)
    assert not claims.beats_baseline(mse_ours, mse_pca, "PCA's (32 components)")


# -- the experiment, quick mode, and its cache -----------------------------------------------


@pytest.mark.slow
def test_quick_experiment_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOENCODE_CACHE", str(tmp_path))
    r = ae.experiments.run("two_autoencodes", quick=True, progress=False)
    n = r.numbers
    assert n["nc_bottleneck"] == 32 and n["nc_params_ncode"] < 1_000_000
    assert n["nc_params_ours_effective"] < n["nc_params_ours"]
    assert n["nc_params_ratio"] == n["nc_params_ncode"] / n["nc_params_ours_effective"]
    # four claims of ours (each model against PCA and the mean image), each with its control;
    # then N-CODE's: classification from the codes, and two measures of simpler dynamics
    assert [c.key for c in r.claims] == ["two_autoencodes"] * 4 + ["ncode.classification"] + [
        "ncode.dynamics"
    ] * 2
    assert all(c.control for c in r.claims)
    assert all(c.can_fail or c.sanity for c in r.claims)
    for k in ("ours", "ncode", "pca"):
        assert 0 <= n[f"nc_kmeans_acc_{k}"] <= 1 and 0 <= n[f"nc_probe_{k}"] <= 1
    assert n["nc_depth_within_ours"] in (6, 10) and n["nc_depth_within_ncode"] in (5, 10)
    assert set(n) >= {"nc_depth_mse_ours_L6", "nc_depth_mse_ncode_L5", "nc_energy_unit_ours"}
    assert set(r.figures) == {"reconstructions", "training"}
    for key in ("nc_mse_ours", "nc_mse_ncode", "nc_mse_pca", "nc_mse_mean"):
        assert 0 < n[key] < 1
    # N-CODE was cached: a second call loads the same weights and history
    params = dict(r.parameters)
    x = r.details["ncode"].start.expand(1, -1)  # any input
    with ae.compute_on(params["device"], params["dtype"]):  # where run() trained it
        model, history = trained_ncode(params, _train_images(params), verbose=False)
    assert history == r.details["hist_ncode"]
    with torch.no_grad():
        assert torch.equal(model(x), r.details["ncode"](x))


def _train_images(params):
    images, _ = ae.data.mnist.load_mnist(source=params["source"], split="train")
    return ae.data.mnist.to_vectors(images[: params["n_train"]])
