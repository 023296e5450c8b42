"""Tests of autoencode.experiments2d: phase trajectories and end states, the plotting
helpers (on a backend-free Figure) and the Hessian-logging callback."""
from __future__ import annotations

import pytest
import torch
from matplotlib.figure import Figure

import autoencode as ae
from autoencode import experiments2d as ex2d
from autoencode.notebook import CLASS_COLOURS


def _model(order=(0, 1), L=6, off_mode="reset", seed=0):
    arch = ae.Architecture.from_phases([2, 1, 2], L=L, order=list(order))
    return ae.AutoencODE(arch, T=2.0, off_mode=off_mode, seed=seed)


def _data(n=12):
    x, labels = ae.datasets.two_clusters(n=n, seed=0)
    return x, labels, ae.datasets.class_targets(labels)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
@pytest.mark.parametrize("off_mode", ["reset", "freeze"])
def test_phase_trajectories_follow_the_flow(order, off_mode):
    model = _model(order, off_mode=off_mode)
    x, _, _ = _data()
    xs = model.trajectory(x).detach()
    phases = ex2d.phase_trajectories(model, x)
    segs = model.arch.segments()
    assert [s for s, _ in phases] == segs
    assert [s.phase for s in segs] == ["encoder", "bottleneck", "decoder"]
    for seg, traj in phases[:-1]:
        # x_start..x_{stop-1} are the model's states, then one unmasked step
        assert traj.shape == (seg.stop - seg.start + 1, len(x), 2)
        torch.testing.assert_close(traj[:-1], xs[seg.start:seg.stop])
        # masked by the next state's mask, the end state is the next state
        mask = model.arch.masks[seg.stop].to(traj.dtype)
        if off_mode == "reset":
            torch.testing.assert_close(traj[-1] * mask, xs[seg.stop])
        else:
            torch.testing.assert_close(traj[-1], xs[seg.stop])
    seg, traj = phases[-1]
    torch.testing.assert_close(traj, xs[seg.start:])
    torch.testing.assert_close(traj[-1], model(x).detach())


def test_end_of_initial_phase_keeps_the_component_turned_off_next():
    """x_{stop} has the turned-off component at 0; the end state of the phase does not."""
    model = _model((1, 0))              # x1 (component 0) off in the middle
    x, _, _ = _data()
    (seg, end), (seg2, end2), _ = ex2d.phase_end_states(model, x)
    xs = model.trajectory(x).detach()
    assert torch.all(xs[seg.stop][:, 0] == 0)
    assert end[:, 0].abs().min() > 0
    # the end of the encoding phase: component 0 is still off (it restarts from 0)
    assert torch.all(end2[:, 0] == 0)


def test_phase_end_states_without_bias():
    arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1])
    model = ae.AutoencODE(arch, T=1.0, bias=False, seed=1)
    x, _, _ = _data()
    ends = ex2d.phase_end_states(model, x)
    assert len(ends) == 3
    torch.testing.assert_close(ends[-1][1], model(x).detach())


def test_plot_helpers_draw_in_class_colours():
    model = _model()
    x, labels, _ = _data()
    ax = Figure().add_subplot()
    ex2d.plot_classes(ax, x, labels, label="data")
    ex2d.plot_classes(ax, x, labels, hollow=True, label="class {c}")
    ex2d.plot_trajectories(ax, model.trajectory(x).detach(), labels)
    ex2d.plot_targets(ax, ae.datasets.DEFAULT_TARGETS)
    scatters = ax.collections
    assert len(scatters) == 2 + 2 + 2           # two classes twice, two targets
    first = scatters[0].get_facecolor()[0][:3]
    import matplotlib.colors as mc
    assert tuple(first) == pytest.approx(mc.to_rgb(CLASS_COLOURS[0]))
    labels_drawn = [c.get_label() for c in scatters]
    assert "data" in labels_drawn and "class 1" in labels_drawn and "targets" in labels_drawn
    assert len(ax.lines) == len(x)              # one line per trajectory


def test_plot_cost_curves():
    ax = Figure().add_subplot()
    hist = {"a": {"cost": [3.0, 2.0, 1.0]}, "b": {"cost": [3.0, 1.5, 0.5]}}
    ex2d.plot_cost_curves(ax, hist, styles={"a": "-", "b": "--"})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3]
    assert ax.get_yscale() == "log"


def test_hessian_logger_logs_at_chosen_iterations():
    model = _model()
    x, _, y = _data()
    logger = ex2d.HessianLogger(x, y, at=[0, 2, 3])
    trainer = ae.ShootingTrainer(model, lr=0.1, lam=1e-2, progress=False, callbacks=[logger])
    trainer.fit(x, y, iterations=3)
    table = logger.table()
    assert list(table.columns) == ["iteration", "J", "min", "max", "n_negative", "n_params"]
    assert table["iteration"].tolist() == [0, 2, 3]
    assert (table["min"] <= table["max"]).all()
    n = sum(p.numel() for p in model.parameters())
    assert (table["n_params"] == n).all()
    # the last row is the spectrum and cost of the final weights
    spec = ae.hessian_spectrum(model, x, y, 1e-2, method="dense")
    assert table["min"].iloc[-1] == pytest.approx(spec.min)
    assert table["max"].iloc[-1] == pytest.approx(spec.max)
    assert table["J"].iloc[-1] == pytest.approx(trainer.evaluate(x, y)["cost"], rel=1e-6)
    ev = torch.linalg.eigvalsh(ae.hessian_matrix(model, x, y, 1e-2))
    assert table["n_negative"].iloc[-1] == int((ev < 0).sum())
    assert table["n_negative"].iloc[0] >= 1        # indefinite at initialisation


def test_hessian_logger_lanczos_logs_extremes_only():
    model = _model()
    x, _, y = _data()
    logger = ex2d.HessianLogger(x, y, at=[0], method="lanczos")
    ae.ShootingTrainer(model, lr=0.1, lam=1e-2, progress=False, callbacks=[logger]).fit(
        x, y, iterations=1)
    row = logger.rows[0]
    spec = ae.hessian_spectrum(_model(), x, y, 1e-2, method="dense")
    assert row["n_negative"] is None
    assert row["min"] == pytest.approx(spec.min, abs=1e-6)
    assert row["max"] == pytest.approx(spec.max, abs=1e-6)


def test_hessian_logger_own_lambda():
    model = _model()
    x, _, y = _data()
    logger = ex2d.HessianLogger(x, y, at=[0], lam=0.5)
    ae.ShootingTrainer(model, lr=0.1, lam=1e-3, progress=False, callbacks=[logger]).fit(
        x, y, iterations=1)
    spec = ae.hessian_spectrum(_model(), x, y, 0.5, method="dense")   # the initial weights
    assert logger.rows[0]["min"] == pytest.approx(spec.min)
