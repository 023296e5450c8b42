"""Trainers: shooting (all update rules) and Adam decrease J; resume; divergence."""

import copy
import math

import pytest
import torch
from layouts import gathered

import autoencode as ae
from autoencode import AdamTrainer, Architecture, AutoencODE, ShootingTrainer, TrainingDiverged
from autoencode.experiments.mnist_model import MNIST_FULL, build_model
from autoencode.training import RULES

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


@pytest.fixture(scope="module")
def clusters(on_device):
    x, labels = ae.data.two_clusters(60, seed=0)
    return x, ae.data.class_targets(labels)


def fig4_model(seed=0, dtype=None):
    return AutoencODE(Architecture.from_phases([2, 1, 2], L=12), T=5.0, seed=seed, dtype=dtype)


@pytest.mark.parametrize(
    "update, lr, iterations", [("gradient", 0.5, 60), ("adam", 0.05, 60), ("proximal", 0.5, 25)]
)
def test_shooting_decreases_the_cost(clusters, update, lr, iterations):
    x, y = clusters
    hist = ShootingTrainer(
        fig4_model(), update=update, lr=lr, lam=1e-3, inner_iterations=5, progress=False
    ).fit(x, y, iterations)
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

    def cb(tr, it):
        snapshots.append(torch.cat([p.detach().flatten() for p in tr.model.parameters()]))

    hist = ShootingTrainer(
        model, update="fixed_point", lam=3.0, progress=False, callbacks=[cb]
    ).fit(x.double(), y.double(), 12)
    steps = [float((b - a).norm()) for a, b in zip(snapshots, snapshots[1:])]
    assert steps[-1] < 1e-4 * steps[0]
    assert steps[10] < 0.1 * steps[6] < 0.01 * steps[2]  # linear (geometric) convergence
    assert hist["cost"][-1] < hist["cost"][0]


def test_fixed_point_with_small_lambda_does_not_settle(clusters):
    """At low regularisation the plain successive approximations do not converge (why we
    default to 'gradient')."""
    x, y = clusters
    model = AutoencODE(Architecture.neurode(2, 10), T=1.0, seed=0)
    snapshots = []

    def cb(tr, it):
        snapshots.append(torch.cat([p.detach().flatten() for p in tr.model.parameters()]))

    ShootingTrainer(model, update="fixed_point", lam=0.1, progress=False, callbacks=[cb]).fit(
        x, y, 12
    )
    steps = [float((b - a).norm()) for a, b in zip(snapshots, snapshots[1:])]
    assert steps[-1] > 0.1


def test_callbacks_see_every_iteration(clusters):
    x, y = clusters
    seen = []
    ShootingTrainer(fig4_model(), progress=False, callbacks=[lambda tr, it: seen.append(it)]).fit(
        x, y, 4
    )
    assert seen == [0, 1, 2, 3, 4]


def test_tolerance_stops_early(clusters):
    x, y = clusters
    hist = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False).fit(
        x, y, 500, tol=1e-2
    )
    assert 1 < len(hist["cost"]) < 500


@pytest.mark.parametrize(
    "make",
    [
        lambda m: ShootingTrainer(m, update="adam", lr=0.05, batch_size=16, seed=3, progress=False),
        lambda m: AdamTrainer(m, lr=0.05, batch_size=16, seed=3, progress=False),
    ],
)
def test_resume_equals_uninterrupted(clusters, tmp_path, make):
    x, y = clusters
    full = make(fig4_model())
    full.fit(x, y, 20)

    first = make(fig4_model())
    first.checkpoint = tmp_path / "run.pt"
    first.fit(x, y, 9)
    second = make(fig4_model(seed=99))  # different init: everything must come from the file
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

    tr = ShootingTrainer(
        fig4_model(), update="adam", lr=0.05, progress=False, checkpoint=path, callbacks=[stop_at_7]
    )
    with pytest.raises(KeyboardInterrupt):
        tr.fit(x, y, 15)
    assert ae.load_checkpoint(path)["iteration"] == 7
    resumed = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False, checkpoint=path)
    resumed.fit(x, y, 15, resume=True)
    straight = ShootingTrainer(fig4_model(), update="adam", lr=0.05, progress=False)
    straight.fit(x, y, 15)
    for p, q in zip(resumed.model.parameters(), straight.model.parameters()):
        assert torch.equal(p, q)


def test_interrupt_inside_an_update_goes_back_to_a_consistent_state(clusters, tmp_path):
    """Ctrl-C in the middle of an update: the half-made update is undone and the run resumes
    bit for bit."""
    x, y = clusters
    path = tmp_path / "cut.pt"

    def make():
        return ShootingTrainer(
            fig4_model(),
            update="adam",
            lr=0.05,
            batch_size=16,
            seed=1,
            progress=False,
            checkpoint=path,
            checkpoint_every=100,
        )

    tr = make()
    original = tr._step  # what fit calls on each (checked) batch

    def update_then_interrupt(xb, yb):
        out = original(xb, yb)  # the weights and the optimizer have moved...
        if tr.iteration == 3:
            raise KeyboardInterrupt  # ...but the iteration was not counted
        return out

    tr._step = update_then_interrupt
    with pytest.raises(KeyboardInterrupt):
        tr.fit(x, y, 8)
    assert tr.iteration == 3 and len(tr.history["cost"]) == 3
    assert ae.load_checkpoint(path)["iteration"] == 3
    resumed = make()
    resumed.fit(x, y, 8, resume=True)
    straight = make()
    straight.checkpoint = None
    straight.fit(x, y, 8)
    assert resumed.history == straight.history
    for p, q in zip(resumed.model.parameters(), straight.model.parameters()):
        assert torch.equal(p, q)


def test_nan_cost_goes_back_to_the_last_state_with_a_finite_cost(clusters, tmp_path):
    """Weights, optimizer state, sampler, iteration count and history all return to iteration 4."""
    x, y = clusters
    path = tmp_path / "diverged.pt"
    seen = {}

    def poison(tr, it):
        seen[it] = [p.detach().clone() for p in tr.model.parameters()]
        if it == 5:
            with torch.no_grad():
                tr.model.weights[3][0, 0] = float("nan")

    def make(callbacks=()):
        return ShootingTrainer(
            fig4_model(),
            update="adam",
            lr=0.05,
            batch_size=16,
            seed=2,
            progress=False,
            checkpoint=path,
            checkpoint_every=100,
            callbacks=list(callbacks),
        )

    tr = make([poison])
    with pytest.raises(TrainingDiverged, match="cost is nan at iteration 5") as info:
        tr.fit(x, y, 10)
    assert info.value.iteration == 5 and math.isnan(info.value.cost)
    assert info.value.restored_iteration == 4
    assert tr.iteration == 4 and len(tr.history["cost"]) == 4
    for p, q in zip(tr.model.parameters(), seen[4]):
        assert torch.equal(p, q)
    state = ae.load_checkpoint(path)
    assert state["iteration"] == 4 and math.isfinite(state["cost"])
    assert all(torch.isfinite(v).all() for v in state["model"].values())
    # from there, the same trainer (and a resumed one) continue exactly as an untouched run
    straight = make()
    straight.checkpoint = None
    straight.fit(x, y, 10)
    tr.callbacks = []
    tr.fit(x, y, 10)
    resumed = make()
    resumed.checkpoint = tmp_path / "copy.pt"
    ae.save_checkpoint(resumed.checkpoint, state)
    resumed.fit(x, y, 10, resume=True)
    for other in (tr, resumed):
        assert other.history == straight.history
        for p, q in zip(other.model.parameters(), straight.model.parameters()):
            assert torch.equal(p, q)


@pytest.mark.parametrize(
    "make",
    [
        lambda m, p: ShootingTrainer(
            m, update="gradient", lr=1e8, progress=False, checkpoint=p, checkpoint_every=1
        ),
        lambda m, p: ShootingTrainer(
            m, update="adam", lr=1e30, progress=False, checkpoint=p, checkpoint_every=1
        ),
        lambda m, p: AdamTrainer(
            m, optimizer="sgd", lr=1e8, progress=False, checkpoint=p, checkpoint_every=1
        ),
    ],
    ids=["gradient-1e8", "adam-1e30", "autograd-sgd-1e8"],
)
def test_huge_lr_diverges_and_the_checkpoint_holds_a_finite_cost(clusters, tmp_path, make):
    # These learning rates overflow float32 (the premise), whatever the default dtype.
    x, y = (t.to(torch.float32) for t in clusters)
    path = tmp_path / "run.pt"
    tr = make(fig4_model(dtype=torch.float32), path)
    with pytest.raises(
        TrainingDiverged, match=r"cost is (inf|nan) at iteration \d+: the trainer went back"
    ) as info:
        tr.fit(x, y, 40)
    e = info.value
    assert e.restored_iteration == e.iteration - 1 == tr.iteration
    assert math.isfinite(tr.evaluate(x, y)["cost"])
    state = ae.load_checkpoint(path)
    assert state["iteration"] == tr.iteration and math.isfinite(state["cost"])
    assert len(state["history"]["cost"]) == tr.iteration
    back = fig4_model(seed=5, dtype=torch.float32)
    back.load_state_dict(state["model"])
    with torch.no_grad():
        assert math.isfinite(float(back.cost(x, y, tr.lam)[0]))
    # resuming goes back into the good state, not into the bad one, and diverges at the same place
    again = make(fig4_model(seed=7, dtype=torch.float32), path)
    with pytest.raises(TrainingDiverged) as info2:
        again.fit(x, y, 40, resume=True)
    assert (
        info2.value.iteration == e.iteration
        and info2.value.restored_iteration == e.restored_iteration
    )


def test_infinite_lr_is_refused_and_an_optimizer_forced_to_inf_diverges_cleanly(clusters, tmp_path):
    x, y = clusters
    with pytest.raises(ValueError, match="lr must be a finite number"):
        ShootingTrainer(fig4_model(), lr=float("inf"))
    with pytest.raises(ValueError, match="lr must be a finite number"):
        AdamTrainer(fig4_model(), lr=float("inf"))
    path = tmp_path / "inf.pt"
    tr = ShootingTrainer(fig4_model(), update="gradient", lr=0.1, progress=False, checkpoint=path)
    for group in tr.optimizer.param_groups:
        group["lr"] = float("inf")
    with pytest.raises(TrainingDiverged, match="cost is nan at iteration 1") as info:
        tr.fit(x, y, 5)
    assert info.value.restored_iteration == 0 and tr.iteration == 0 and tr.history["cost"] == []
    for p, q in zip(tr.model.parameters(), fig4_model().parameters()):
        assert torch.equal(p, q)
    assert ae.load_checkpoint(path)["iteration"] == 0


def test_bad_final_weights_are_caught(clusters):
    """The weights left by the last update are evaluated once: a non-finite cost there is
    divergence too."""
    x, y = clusters
    tr = ShootingTrainer(fig4_model(), update="gradient", lr=1e8, progress=False)
    with pytest.raises(TrainingDiverged) as info:
        tr.fit(x, y, 200)
    stop = info.value.iteration
    tr2 = ShootingTrainer(fig4_model(), update="gradient", lr=1e8, progress=False)
    with pytest.raises(TrainingDiverged, match=f"at iteration {stop}") as info2:
        tr2.fit(x, y, stop)  # the bad state is the final one
    assert tr2.iteration == stop - 1 and info2.value.restored_iteration == stop - 1


def test_no_finite_state_at_all(clusters, tmp_path):
    x, y = clusters
    model = fig4_model()
    with torch.no_grad():
        model.weights[0].fill_(float("inf"))
    path = tmp_path / "never.pt"
    tr = ShootingTrainer(model, progress=False, checkpoint=path)
    with pytest.raises(TrainingDiverged, match="no state with a finite cost") as info:
        tr.fit(x, y, 3)
    assert info.value.iteration == 0 and info.value.restored_iteration is None
    assert not path.exists()


def test_checkpoint_of_another_trainer_or_model_is_refused(clusters, tmp_path):
    x, y = clusters
    path = tmp_path / "a.pt"
    ShootingTrainer(fig4_model(), progress=False, checkpoint=path).fit(x, y, 2)
    with pytest.raises(ValueError, match="written by a 'shooting' trainer"):
        AdamTrainer(fig4_model(), progress=False).restore(path)
    other = AutoencODE(Architecture.from_phases([2, 1, 2], L=9), T=5.0)
    with pytest.raises(
        ae.checkpoint.CheckpointMismatch, match="another architecture .field 'masks'."
    ):
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


# -- the fast step is the same step (issue 14) ---------------------------------------------------

STEP_ARCHS = {
    "compact": lambda: Architecture.from_phases([6, 3, 1, 3, 6], L=8, order=[5, 2, 0, 4, 1, 3]),
    "freeze": lambda: Architecture.from_phases([6, 3, 6], L=6),
    "gathered": gathered,  # not a chain: each layer gathers its active set
    "mnist": lambda: build_model(MNIST_FULL).arch,
}


def reference_steps(model, x, y, rule, lr, lam, steps):
    """The step as it was written before the fast paths: autograd's gradient of J, then torch's
    plain (one tensor at a time) SGD with step lr / h, or Adam."""
    ref = copy.deepcopy(model)
    params = list(ref.parameters())
    if rule == "gradient":
        opt = torch.optim.SGD(params, lr=lr / ref.h, foreach=False)
    else:
        opt = torch.optim.Adam(params, lr=lr, foreach=False, fused=False)
    for _ in range(steps):
        opt.zero_grad()
        ref.cost(x, y, lam)[0].backward()
        opt.step()
    return ref


@pytest.mark.parametrize("rule", ["gradient", "adam"])
@pytest.mark.parametrize("layout", list(STEP_ARCHS))
def test_a_shooting_step_equals_the_reference_step_to_float32_round_off(layout, rule):
    """Co-states stopping at p_1, fused kernels, one optimizer call: the weights after three
    steps are the reference implementation's to float32 round-off (and the test fails on a
    wrong gradient: see the last lines)."""
    arch = STEP_ARCHS[layout]()
    off_mode = "freeze" if layout == "freeze" else "reset"
    model = AutoencODE(arch, T=2.0, seed=1, off_mode=off_mode, dtype=torch.float32)
    g = torch.Generator().manual_seed(2)
    n = 64 if layout == "mnist" else 32
    x = torch.rand(n, arch.dim, generator=g, dtype=torch.float32)
    y = x if layout in ("mnist", "compact") else torch.rand(n, arch.dim, generator=g, dtype=x.dtype)
    lr, lam = (0.05, 1e-2) if rule == "gradient" else (1e-3, 1e-2)
    ref = reference_steps(model, x, y, rule, lr, lam, steps=3)
    fast = copy.deepcopy(model)
    tr = ShootingTrainer(fast, update=rule, lr=lr, lam=lam, progress=False)
    for _ in range(3):
        tr.update(x, y)
    moved = max(
        (a - b).detach().abs().max().item() for a, b in zip(ref.parameters(), model.parameters())
    )
    assert moved > 1e-4  # the steps did move the weights
    # Adam divides by sqrt(v): where a gradient is at round-off level its step can move by a
    # sizeable part of lr, so its tolerance is 2 % of lr; the gradient step's is round-off.
    atol = 2e-2 * lr if rule == "adam" else 2e-6
    for a, b in zip(fast.parameters(), ref.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=atol)
    wrong = reference_steps(model, x, y, rule, lr, 3 * lam, steps=3)  # another cost
    assert any(not torch.allclose(a, b, rtol=1e-4, atol=atol)
               for a, b in zip(fast.parameters(), wrong.parameters()))  # fmt: skip


def test_adams_step_counter_is_shared_counted_and_saved(clusters, tmp_path):
    """The fused Adam path keeps torch's state layout: one step count per parameter (here one
    shared tensor), the moments, and a checkpoint that resumes to the same weights."""
    x, y = clusters
    path = tmp_path / "adam.pt"
    tr = ShootingTrainer(fig4_model(), update="adam", lr=0.01, progress=False, checkpoint=path)
    tr.fit(x, y, 3)
    state = tr.optimizer.state_dict()["state"]
    assert len(state) == len(list(tr.model.parameters()))
    assert {float(s["step"]) for s in state.values()} == {3.0}
    assert all(float(s["exp_avg_sq"].abs().sum()) > 0 for s in state.values())
    again = ShootingTrainer(fig4_model(), update="adam", lr=0.01, progress=False, checkpoint=path)
    again.fit(x, y, 6, resume=True)
    tr.fit(x, y, 6)
    for a, b in zip(tr.model.parameters(), again.model.parameters()):
        assert torch.equal(a, b)
    assert {float(s["step"]) for s in again.optimizer.state_dict()["state"].values()} == {6.0}


#: A step size each rule of the table trains with on the two clusters.
RULE_LR = {"gradient": 0.5, "adam": 0.05, "fixed_point": 0.1, "proximal": 0.5}


def test_every_rule_of_the_table_has_a_step_size_here():
    assert set(RULE_LR) == set(RULES), "give each rule of RULES a step size in RULE_LR"


@pytest.mark.parametrize("update", list(RULES))
def test_every_rule_trains_checkpoints_and_resumes(clusters, tmp_path, update):
    """Each rule of the table: the cost falls, the checkpoint records the rule, and a run cut
    in two by a checkpoint ends at the same weights as a run straight through."""
    x, y = clusters

    def make(seed=0, checkpoint=None):
        return ShootingTrainer(
            fig4_model(seed),
            update=update,
            lr=RULE_LR[update],
            lam=1e-2,
            inner_iterations=3,
            batch_size=20,
            progress=False,
            checkpoint=checkpoint,
        )

    straight = make()
    hist = straight.fit(x, y, 8)
    assert hist["cost"][-1] < hist["cost"][0]
    first = make(checkpoint=tmp_path / "run.pt")
    first.fit(x, y, 4)
    assert torch.load(tmp_path / "run.pt", weights_only=True)["config"]["update"] == update
    second = make(seed=5, checkpoint=tmp_path / "run.pt")
    second.fit(x, y, 8, resume=True)
    assert second.history == straight.history
    for p, q in zip(straight.model.parameters(), second.model.parameters()):
        assert torch.equal(p, q)
