"""Tests of autoencode.plotting.panels, the panels several figures share (on a backend-free
Figure): points, trajectories and targets by class, cost curves, phase shading."""

from __future__ import annotations

import matplotlib.colors as mc
import pytest
from matplotlib.figure import Figure

import autoencode as ae
from autoencode.plotting import panels
from autoencode.plotting.style import CLASS_COLOURS, phase_colour


def _model(order=(0, 1), L=6):
    arch = ae.Architecture.from_phases([2, 1, 2], L=L, order=list(order))
    return ae.AutoencODE(arch, T=2.0, seed=0)


def _data(n=12):
    x, labels = ae.data.two_clusters(n=n, seed=0)
    return x, labels


def test_plot_helpers_draw_in_class_colours():
    model = _model()
    x, labels = _data()
    ax = Figure().add_subplot()
    assert panels.plot_classes(ax, x, labels, label="data") is ax
    panels.plot_classes(ax, x, labels, hollow=True, label="class {c}")
    panels.plot_trajectories(ax, model.trajectory(x).detach(), labels)
    panels.plot_targets(ax, ae.data.DEFAULT_TARGETS)
    scatters = ax.collections
    assert len(scatters) == 2 + 2 + 2  # two classes twice, two targets
    first = scatters[0].get_facecolor()[0][:3]
    assert tuple(first) == pytest.approx(mc.to_rgb(CLASS_COLOURS[0]))
    hollow = scatters[2]
    assert hollow.get_facecolor().size == 0 or hollow.get_facecolor()[0][3] == 0
    labels_drawn = [c.get_label() for c in scatters]
    assert "data" in labels_drawn and "class 1" in labels_drawn and "targets" in labels_drawn
    assert len(ax.lines) == len(x)  # one line per trajectory


def test_plot_cost_curves():
    ax = Figure().add_subplot()
    hist = {"a": {"cost": [3.0, 2.0, 1.0]}, "b": {"cost": [3.0, 1.5, 0.5]}}
    panels.plot_cost_curves(ax, hist, styles={"a": "-", "b": "--"})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "cost $J$"


def test_shade_phases_one_band_per_phase():
    arch = _model().arch
    ax = Figure().add_subplot()
    panels.shade_phases(ax, arch)
    spans = ae.diagrams.phase_spans(arch.segments())
    assert len(ax.patches) == len(spans) == 3
    assert [t.get_text() for t in ax.texts] == [panels.PHASE_LABELS[p] for _, _, p in spans]
    assert ax.patches[0].get_facecolor()[:3] == pytest.approx(mc.to_rgb(phase_colour("encoder")))
