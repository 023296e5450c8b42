"""Every figure's claim (autoencode.claims) fails where it must: on the untrained model, or
for Fig 10 on the wrong model. The notebooks assert the same claims on the trained models, so
a claim that held here would be no claim at all.

The set-ups are the notebooks' (same architectures, T, seeds and data); the values quoted in
comments are those of the initial models.
"""

from __future__ import annotations

import pytest
import torch

import autoencode as ae
from autoencode import analysis, claims
from autoencode.experiments.mnist import MNIST_FULL

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

TARGETS = torch.tensor(ae.datasets.DEFAULT_TARGETS)


def initial_2d(order, L, seed=0):
    """The initial model of Figs 4-6: 2 -> 1 -> 2 over L layers, T = 5."""
    return ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=L, order=order), T=5.0, seed=seed)


@pytest.fixture(scope="module")
def clusters_test(on_device):
    return ae.datasets.two_clusters(n=1000, seed=1)  # the held-out points of Figs 4-5


# -- Fig 4 and Table 1 --------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fig4_claim_fails_on_the_initial_model(clusters_test, seed):
    x, labels = clusters_test
    model = initial_2d([0, 1], L=20, seed=seed)
    with torch.no_grad():
        xL = model(x)
    # nearest-target accuracy is 1.0 here: that is why it is not the claim
    assert ae.datasets.accuracy(xL, labels) > 0.99
    assert not claims.reach_targets(xL, labels, TARGETS)  # no point within 0.5


def test_table1_claim_fails_on_the_initial_model():
    x, labels = ae.datasets.two_clusters(n=200, seed=0)
    y = ae.datasets.class_targets(labels)
    spectrum = ae.hessian_spectrum(initial_2d([0, 1], L=20), x, y, lam=0.1)
    assert spectrum.min < -0.5  # -0.70: indefinite
    assert not claims.enters_convex_region(spectrum.min)


def test_table1_claim_holds_for_a_positive_minimum():  # sanity: the check is not always False
    assert claims.enters_convex_region(0.04) and not claims.enters_convex_region(-1e-6)


# -- Fig 5 ----------------------------------------------------------------------------


@pytest.mark.parametrize("L", [40, 20])
def test_fig5_claims_fail_on_the_initial_model(clusters_test, L):
    x, labels = clusters_test
    model = initial_2d([1, 0], L=L)
    with torch.no_grad():
        assert not claims.class_gap(model.latent(x), labels)  # gap -0.69 (L=40), -0.09 (L=20)
        assert not claims.reach_targets(model(x), labels, TARGETS)


# -- Fig 6 ----------------------------------------------------------------------------


def test_fig6_claims_fail_on_the_initial_model():
    x = ae.datasets.sine_curve(200, seed=0, amplitude=0.6)
    x_test = ae.datasets.sine_curve(500, seed=1, amplitude=0.6)
    model = initial_2d([0, 1], L=20)
    pca = ae.baselines.PCA(1).fit(x)
    with torch.no_grad():
        mse = ae.baselines.reconstruction_mse(x_test, model(x_test), per="sample")  # 0.38
        rho = ae.analysis.spearman(model.latent(x_test)[:, 0], x_test[:, 0])  # 0.93
    mse_pca = ae.baselines.reconstruction_mse(x_test, pca.reconstruct(x_test), per="sample")
    assert not claims.beats_baseline(mse, mse_pca, "PCA's", factor=5)
    assert not claims.keeps_order(rho)


# -- Figs 8-11: the MNIST model before training -----------------------------------------

MNIST_TRAIN_USED, MNIST_TEST_USED = 10000, 2000  # of the full set's 60,000 / 10,000: fast enough


@pytest.fixture(scope="module")
def mnist_initial(on_device):
    """The book's MNIST AutoencODE (reset and freeze) at initialisation, and its data: the
    book's source (the full MNIST set), the first 10,000 training images (for PCA and the mean
    image) and the first 2,000 test images, which keeps these tests fast; every claim fails on
    them by a wide margin (values below)."""
    p = MNIST_FULL
    assert p["source"] == "full"
    train, _ = ae.mnist.load_mnist(source=p["source"], split="train")
    test, labels = ae.mnist.load_mnist(source=p["source"], split="test")
    arch = ae.Architecture.from_phases(p["widths"], L=p["L"], order=ae.mnist.centre_out_order())
    models = {
        mode: ae.AutoencODE(
            arch,
            T=p["T"],
            activation=p["activation"],
            off_mode=mode,
            init_scale=p["init_scale"],
            seed=p["seed"],
        )
        for mode in ("reset", "freeze")
    }
    n_train, n_test = min(p["n_train"], MNIST_TRAIN_USED), MNIST_TEST_USED
    return (
        models,
        ae.mnist.to_vectors(train[:n_train]),
        ae.mnist.to_vectors(test[:n_test]),
        labels[:n_test],
    )


def test_fig8_claims_fail_on_the_initial_model(mnist_initial):
    models, x_train, x_test, _ = mnist_initial
    with torch.no_grad():
        mse = ae.baselines.reconstruction_mse(x_test, models["reset"](x_test))  # 0.105
    mse_pca = ae.baselines.reconstruction_mse(
        x_test, ae.baselines.PCA(32).fit(x_train).reconstruct(x_test)
    )  # 0.018
    mse_mean = ae.baselines.reconstruction_mse(x_test, x_train.mean(0).expand_as(x_test))  # 0.064
    assert not claims.beats_baseline(mse, mse_pca, "PCA's")
    assert not claims.beats_baseline(mse, mse_mean, "the mean image's", factor=3)


def test_fig9_claim_fails_on_the_initial_model(mnist_initial):
    models, _, x_test, labels = mnist_initial
    model = models["reset"]
    stats = analysis.latent_means(model, x_test, labels)
    with torch.no_grad():
        decoded = model.decode(stats.mean.to(model.dtype))
    class_means = torch.stack([x_test[labels == c].mean(0) for c in range(10)])
    matches = int((torch.cdist(decoded, class_means).argmin(1) == stats.classes).sum())  # 1
    assert not claims.decoded_means_recognisable(matches)


def test_fig10_no_leak_check_fails_on_the_wrong_model(mnist_initial):
    """Delta's "no leak" verdict is not true by construction: the freeze model fails it."""
    models, _, x_test, _ = mnist_initial
    x = x_test[:200]
    arch = models["reset"].arch
    b = arch.bottleneck
    leaks = {
        mode: float(analysis.leak_fraction(analysis.delta(m, x, probes=2), arch.masks)[b])
        for mode, m in models.items()
    }
    assert not claims.no_leak(leaks["freeze"])  # 0.95
    assert claims.no_leak(leaks["reset"])  # by construction for the reset model
    # and the detection claim does not hold for the correct model
    with torch.no_grad():
        m = models["reset"]
        mse = ae.baselines.reconstruction_mse(x, m(x))
        mse_latent = ae.baselines.reconstruction_mse(x, m.decode(m.latent(x)))
    assert not claims.leak_detected(leaks["reset"], mse, mse_latent)


def test_fig11_claim_fails_on_the_initial_model(mnist_initial):
    models, _, x_test, _ = mnist_initial
    model = models["reset"]
    arch = model.arch
    b = arch.bottleneck
    S = analysis.spectral_entropy(analysis.states(model, x_test))
    evenness = float(S[b] / torch.log(torch.tensor(float(arch.widths[b]), dtype=torch.float64)))
    assert not claims.bottleneck_more_even(evenness, evenness)  # 0.74 against itself


# -- the helpers ------------------------------------------------------------------------


def test_assert_claims_lists_every_failing_claim():
    good, bad = claims.keeps_order(1.0), claims.keeps_order(0.5)
    claims.assert_claims(good, [good])
    with pytest.raises(claims.ClaimFailed, match=r"(?s)Spearman.*measured 0\.5"):
        claims.assert_claims(good, bad)


# -- Beyond the paper: local convexity map and deep limit ----------------------------------


def test_local_convexity_claim_fails_on_the_initial_model():
    """notebooks/local_convexity: the initial model's smallest eigenvalues for lambda = 0.1, 1."""
    x, labels = ae.datasets.two_clusters(n=200, seed=0)
    y = ae.datasets.class_targets(labels)
    model = initial_2d([0, 1], L=20)
    mins = {
        lam: ae.hessian_spectrum(model, x, y, lam=lam, method="dense").min
        for lam in (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    }  # -0.75 ... -0.70, -0.25
    assert not claims.convex_at_large_lambda(mins)
    assert claims.convex_at_large_lambda({1e-3: -1.0, 0.1: 0.04, 1.0: 0.45})  # sanity
    with pytest.raises(ValueError):
        claims.convex_at_large_lambda({1e-3: 0.1})


def test_deep_limit_claims_fail_on_the_initial_controls():
    """notebooks/deep_limit: at theta_0 the problems are not solved and the controls coincide."""
    from autoencode.experiments import deep_limit as dl

    x, labels = ae.datasets.two_clusters(n=200, seed=0)
    x, y = x.double(), ae.datasets.class_targets(labels).double()
    Ls = [10, 20, 40]
    theta0 = dl.initial_control(seed=0)
    models = {
        L: dl.set_control(ae.AutoencODE(dl.architecture(L), T=5.0).double(), theta0) for L in Ls
    }
    grads = [dl.gradient_norm_l2(models[L], x, y, 0.1) for L in Ls]
    dist = [dl.l2_distance(models[L], models[Ls[-1]]) for L in Ls]  # all zero
    with torch.no_grad():
        J = [float(models[L].cost(x, y, 0.1)[0]) for L in Ls]
    gaps = [abs(j - J[-1]) for j in J]
    stationary, controls, costs = claims.deep_limit_converges(Ls, dist, gaps, grads, gtol=1e-7)
    assert not stationary and not controls
    assert costs  # the cost gaps do shrink at theta_0: that is why stationarity is claimed too
    with pytest.raises(claims.ClaimFailed):
        claims.assert_claims(claims.deep_limit_converges(Ls, dist, gaps, grads, gtol=1e-7))
