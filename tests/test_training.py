"""Trainers: shooting (all update rules) and Adam decrease J; resume; divergence."""
import math

import pytest
import torch

import autoencode as ae
from autoencode import AdamTrainer, Architecture, AutoencODE, ShootingTrainer, TrainingDiverged


@pytest.fixture(scope="module")
def clusters():
    x, labels = ae.datasets.two_clusters(60, seed=0)
    return x, ae.datasets.class_targets(labels)


def fig4_model(seed=0):
    return AutoencODE(Architecture.from_phases([2, 1, 2], L=12), T=5.0, seed=seed)


@pytest.mark.parametrize("update, lr, iterations", [("gradient", 0.5, 60), ("adam", 0.05, 60), ("proximal", 0.5, 25)])
def test_shooting_decreases_the_cost(clusters, update, lr, iterations):
    x, y = clusters
    hist = ShootingTrainer(fig4_model(), update=update, lr=lr, lam=1e-3, inner_iterations=5,
                           progress=False).fit(x, y, iterations)
    assert len(hist["cost"]) == iterations
    assert hist["cost"][-1] < 0.3 * hist["cost"][0]
    for J, d, r in zip(hist["cost"], hist["data"], hist["reg"]):
        assert math.isclose(J, d + r, rel_tol=1e-5)


def test_gradient_shooting_is_gradient_descent_with_step_lr_over_h(clusters):
    """Gradient ascent on H_k/h equals autograd SGD on J with step lr/h."""
    x, y = clusters
    a, b = fig4_model(), fig4_model()
    ShootingTrainer(a, update="gradient", lr=0.2, lam=1e-2, progress=False).fit(x, y, 5)
    AdamTrainer(b, lr=0.2 / b.h, optimizer="sgd", lam=1e-2, progress=False).fit(x, y, 5)
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-6)


def test_adam_baseline_decreases_the_cost(clusters):
    x, y = clusters
    hist = AdamTrainer(fig4_model(), lr=0.05, lam=1e-3, progress=False).fit(x, y, 60)
    assert hist["cost"][-1] < 0.3 * hist["cost"][0]


def test_fixed_point_converges_for_large_lambda(clusters):
    """The method of successive approximations contracts when lambda is large enough."""
    x, y = clusters
    model = AutoencODE(Architecture.neurode(2, 10), T=1.0, seed=0).double()
    snapshots = []
    cb = lambda tr, it: snapshots.append(torch.cat([p.detach().flatten() for p in tr.model.parameters()]))
    hist = ShootingTrainer(model, update="fixed_point", lam=3.0, progress=False,
                           callbacks=[cb]).fit(x.double(), y.double(), 12)
    steps = [float((b - a).norm()) for a, b in zip(snapshots, snapshots[1:])]
    assert steps[-1] < 1e-4 * steps[0]
    assert steps[10] < 0.1 * steps[6] < 0.01 * steps[2]      # linear (geometric) convergence
    assert hist["cost"][-1] < hist["cost"][0]


def test_fixed_point_with_small_lambda_does_not_settle(clusters):
    """At low regularisation the plain successive approximations do not converge (why we default to 'gradient')."""
    x, y = clusters
    model = AutoencODE(Architecture.neurode(2, 10), T=1.0, seed=0)
    snapshots = []
    cb = lambda tr, it: snapshots.append(torch.cat([p.detach().flatten() for p in tr.model.parameters()]))
    ShootingTrainer(model, update="fixed_point", lam=0.1, progress=False, callbacks=[cb]).fit(x, y, 12)
    steps = [float((b - a).norm()) for a, b in zip(snapshots, snapshots[1:])]
    assert steps[-1] > 0.1


def test_callbacks_see_every_iteration(clusters):
    x, y = clusters
    seen = []
    ShootingTrainer(fig4_model(), progress=False, callbacks=[lambda tr, it: seen.append(it)]).fit(x, y, 4)
    assert seen == [0, 1, 2, 3, 4]


def test_tolerance_stops_early(clusters):
    x, y = clusters
    hist = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False).fit(x, y, 500, tol=1e-2)
    assert 1 < len(hist["cost"]) < 500


@pytest.mark.parametrize("make", [
    lambda m: ShootingTrainer(m, update="adam", lr=0.05, batch_size=16, seed=3, progress=False),
    lambda m: AdamTrainer(m, lr=0.05, batch_size=16, seed=3, progress=False),
])
def test_resume_equals_uninterrupted(clusters, tmp_path, make):
    x, y = clusters
    full = make(fig4_model())
    full.fit(x, y, 20)

    first = make(fig4_model())
    first.checkpoint = tmp_path / "run.pt"
    first.fit(x, y, 9)
    second = make(fig4_model(seed=99))           # different init: everything must come from the file
    second.checkpoint = tmp_path / "run.pt"
    second.fit(x, y, 20, resume=True)
    assert second.iteration == 20
    for p, q in zip(full.model.parameters(), second.model.parameters()):
        assert torch.equal(p, q)
    assert full.history == second.history


def test_interrupted_run_is_saved_and_resumes(clusters, tmp_path):
    x, y = clusters
    path = tmp_path / "interrupted.pt"

    def stop_at_7(tr, it):
        if it == 7:
            raise KeyboardInterrupt

    tr = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False, checkpoint=path,
                         callbacks=[stop_at_7])
    with pytest.raises(KeyboardInterrupt):
        tr.fit(x, y, 15)
    assert ae.load_checkpoint(path)["iteration"] == 7
    resumed = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False, checkpoint=path)
    resumed.fit(x, y, 15, resume=True)
    straight = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False)
    straight.fit(x, y, 15)
    for p, q in zip(resumed.model.parameters(), straight.model.parameters()):
        assert torch.equal(p, q)


def test_nan_cost_stops_with_the_iteration_and_keeps_the_last_finite_state(clusters, tmp_path):
    x, y = clusters
    path = tmp_path / "diverged.pt"
    saved = {}

    def poison(tr, it):
        if it == 5:
            saved["weights"] = [p.detach().clone() for p in tr.model.parameters()]
            with torch.no_grad():
                tr.model.weights[3][0, 0] = float("nan")

    tr = ShootingTrainer(fig4_model(), update="gradient", lr=0.5, progress=False, checkpoint=path,
                         checkpoint_every=100, callbacks=[poison])
    with pytest.raises(TrainingDiverged, match="cost is nan at iteration 5"):
        tr.fit(x, y, 10)
    assert all(torch.isfinite(p).all() for p in tr.model.parameters())
    state = ae.load_checkpoint(path)
    assert state["iteration"] == 5
    assert all(torch.isfinite(v).all() for v in state["model"].values())


def test_checkpoint_of_another_trainer_or_model_is_refused(clusters, tmp_path):
    x, y = clusters
    path = tmp_path / "a.pt"
    ShootingTrainer(fig4_model(), progress=False, checkpoint=path).fit(x, y, 2)
    with pytest.raises(ValueError, match="written by a 'shooting' trainer"):
        AdamTrainer(fig4_model(), progress=False).restore(path)
    other = AutoencODE(Architecture.from_phases([2, 1, 2], L=9), T=5.0)
    with pytest.raises(ValueError, match="do not match this model's architecture"):
        ShootingTrainer(other, progress=False).restore(path)


def test_bad_trainer_arguments(clusters):
    x, y = clusters
    with pytest.raises(ValueError, match="update must be one of"):
        ShootingTrainer(fig4_model(), update="newton")
    with pytest.raises(ValueError, match="lam must be"):
        ShootingTrainer(fig4_model(), lam=-1.0)
    with pytest.raises(ValueError, match="batch_size"):
        AdamTrainer(fig4_model(), batch_size=0)
    with pytest.raises(ValueError, match="x has 60 samples but y has 59"):
        AdamTrainer(fig4_model(), progress=False).fit(x, y[:-1], 2)
    bad = x.clone()
    bad[4, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        ShootingTrainer(fig4_model(), progress=False).fit(bad, y, 2)
