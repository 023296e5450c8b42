"""Devices and dtypes (issue 17): every tensor the library makes follows the model or the data.

* the ``meta`` device holds no values, and an operation that mixes a meta tensor with a CPU one
  fails: a model moved there after training runs its flow, co-states, gradients, Hamiltonian,
  an optimizer step, Delta, the states' analyses and its Hessian there only if nothing on the way
  was made on a hard-coded device;
* float64 end to end: each trainer and each analysis on a float64 model (torch's default dtype
  left at float32) computes in float64, and its gradients are autograd's to round-off;
* mixed devices or dtypes between a model and its data are refused, naming both.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from layouts import gathered

import autoencode as ae
from autoencode import analysis, hessian, pmp
from autoencode.devices import check_placement, compute_on, resolve_device, resolve_dtype

F64 = torch.float64

#: The three storage layouts of the model: compact (reset, a chain), prefix-freeze, gathered.
LAYOUTS = {
    "compact": lambda: ae.Architecture.from_phases([4, 2, 4], L=6, order=[3, 1, 0, 2]),
    "freeze": lambda: ae.Architecture.from_phases([4, 2, 4], L=6),
    "gathered": gathered,  # not a chain: each layer gathers its active set
}


def model_for(layout: str, **kw) -> ae.AutoencODE:
    """Float32 unless told: these tests hold under any default dtype (make test-float64)."""
    kw.setdefault("dtype", torch.float32)
    off_mode = "freeze" if layout == "freeze" else "reset"
    return ae.AutoencODE(LAYOUTS[layout](), T=2.0, seed=3, off_mode=off_mode, **kw)


def data(n=12, d=4, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    return x, torch.tanh(x.flip(1))


# -- names and errors ------------------------------------------------------------------------


def test_devices_and_dtypes_by_name():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(None) == torch.get_default_device()
    assert resolve_device("meta").type == "meta"
    assert "cpu" in ae.available_devices() and ae.available_devices()[0] == "cpu"
    for name, dt in [
        ("float32", torch.float32),
        ("float", torch.float32),
        ("torch.float64", F64),
        ("double", F64),
        (F64, F64),
        (None, torch.get_default_dtype()),
    ]:
        assert resolve_dtype(name) == dt


def _why_absent(device: str) -> str:
    if device == "cuda":
        return "this torch build has no CUDA" if torch.version.cuda is None else "no CUDA device"
    built = getattr(torch.backends, "mps", None) and torch.backends.mps.is_built()
    return "no MPS device" if built else "this torch build has no MPS (Apple silicon only)"


def test_the_tests_run_on_every_device_this_machine_has(request):
    """The device-parametrised tests (tests/conftest.py) run on each device this machine has,
    and only there: the ones it lacks are named here, once (a skip that says why), instead of
    one skip per test and absent device."""
    from conftest import AVAILABLE, DEVICES

    assert list(AVAILABLE) == ae.available_devices() and set(AVAILABLE) <= set(DEVICES)
    collected = {
        item.callspec.params["device"]
        for item in request.session.items
        if "device" in getattr(getattr(item, "callspec", None), "params", {})
    }
    assert collected <= set(AVAILABLE)  # (empty where this test is run alone)
    absent = [d for d in DEVICES if d not in AVAILABLE]
    if absent:
        pytest.skip(
            "absent here: "
            + "; ".join(f"{d} ({_why_absent(d)})" for d in absent)
            + f"; the device-parametrised tests ran on {', '.join(AVAILABLE)} only"
        )


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: resolve_device("tpu"), ValueError, r"unknown device 'tpu'.*use one of cpu"),
        (lambda: resolve_device(3), TypeError, r"device must be a name like 'cpu'"),
        (lambda: resolve_dtype("int8"), ValueError, r"unknown dtype 'int8'; use one of float32"),
        (lambda: resolve_dtype(torch.int64), ValueError, r"floating dtype"),
        (lambda: resolve_dtype(64), TypeError, r"dtype must be a name like 'float32'"),
    ],
)
def test_bad_device_or_dtype_names_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_an_absent_device_is_refused_naming_the_ones_there_are():
    with pytest.raises(ValueError, match=r"'cuda' is not available here.*available: cpu"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match=r"not available here"):
        ae.AutoencODE(LAYOUTS["compact"](), device="cuda")


def test_compute_on_sets_and_restores_the_defaults_even_on_error():
    before = torch.get_default_device(), torch.get_default_dtype()
    with compute_on("meta", "float64") as (dev, dt):
        assert (dev.type, dt) == ("meta", F64)
        assert torch.zeros(1).device.type == "meta" and torch.zeros(1).dtype == F64
    with pytest.raises(RuntimeError), compute_on("cpu", "float64"):
        raise RuntimeError("boom")
    assert (torch.get_default_device(), torch.get_default_dtype()) == before


def test_mixed_devices_or_dtypes_are_refused_naming_both():
    model = model_for("compact")
    x, _ = data()
    with pytest.raises(ValueError, match=r"x is on device meta but the model is on cpu"):
        model(x.to("meta"))
    with pytest.raises(TypeError, match=r"x is float64 but the model computes in float32"):
        model(x.double())
    with pytest.raises(TypeError, match=r"y is float64 but the model computes in float32"):
        model.cost(x, x.double(), 0.0)
    with pytest.raises(ValueError, match=r"x is on device cpu but the model is on meta"):
        model.to("meta")(x)
    with pytest.raises(TypeError, match=r"x is float32 but the model computes in float64"):
        ae.ShootingTrainer(model_for("compact", dtype=F64), progress=False).fit(x, x, 1)
    with pytest.raises(TypeError, match=r"the N-CODE computes in float32"):
        ae.ncode.NCODE(dim=4, code=1, hidden=3, width=2, L=2, dtype=torch.float32)(x.double())
    with pytest.raises(ValueError, match=r"is on device meta but the Hessian's model is on cpu"):
        check_placement(x.to("meta"), x, "v", owner="the Hessian's model")


def test_array_likes_and_integer_tensors_take_the_models_dtype_and_device():
    model = model_for("compact", dtype=F64)
    x, _ = data(dtype=F64)
    out = model(x)
    torch.testing.assert_close(model(x.numpy()), out, rtol=0, atol=0)  # NumPy float64
    assert model(x.float().numpy()).dtype == F64  # NumPy float32: no dtype chosen in torch
    assert model(x.round().long()).dtype == F64
    assert model(x.tolist()).dtype == F64


# -- nothing is made on a hard-coded device -------------------------------------------------


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_trained_model_moved_to_a_foreign_device_computes_there_only(layout):
    model = model_for(layout)
    x, y = data()
    ae.ShootingTrainer(model, update="adam", lr=1e-2, lam=1e-2, progress=False).fit(x, y, 3)
    meta = copy.deepcopy(model).to("meta")
    assert {t.device.type for t in [*meta.parameters(), *meta.buffers()]} == {"meta"}
    xm, ym = x.to("meta"), y.to("meta")
    made = [meta(xm), meta.trajectory(xm), meta.encode(xm), meta.latent(xm)]
    J, _, _, grads, fwd, ps = pmp.cost_and_gradients(meta, xm, ym, 1e-2)
    made += [J, *ps, *fwd.xs, *[g for layer in grads for g in layer]]
    made += [g for layer in pmp.hamiltonian_gradients(meta, fwd, ps, 1e-2) for g in layer]
    theta = meta.layer_parameters(0)
    made.append(pmp.hamiltonian(meta, 0, theta, fwd.xs[0], ps[1], 1e-2))
    made += [analysis.delta(meta, xm, probes=2), analysis.states(meta, xm)]
    made += [analysis.displacement(meta, xm), analysis.activity(meta, xm)]
    made += [traj for _, traj in analysis.phase_trajectories(meta, xm)]
    made.append(hessian.hessian_matrix(meta, xm, ym, lam=1e-2))
    # an optimizer step of the trainer on the co-states' gradients
    trainer = ae.ShootingTrainer(meta, update="adam", lr=1e-2, progress=False)
    for k in range(meta.depth):
        for p, g in zip(meta.layer_parameters(k), grads[k]):
            p.grad = g
    trainer.optimizer.step()
    made += list(meta.parameters())
    assert {t.device.type for t in made} == {"meta"}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_model_built_on_a_device_is_there_with_the_same_initial_weights(layout):
    cpu = model_for(layout)
    meta = model_for(layout, device="meta", dtype=F64)
    assert all(p.device.type == "meta" and p.dtype == F64 for p in meta.parameters())
    assert meta.device.type == "meta" and meta.dtype == F64
    assert {t.device.type for t in meta.buffers()} == {"meta"}  # masks, permutation
    x = torch.zeros(2, 4, device="meta", dtype=F64)
    assert {t.device.type for t in (meta(x), meta.trajectory(x), meta.latent(x))} == {"meta"}
    double = model_for(layout, dtype=F64)
    # the same draw in every dtype: float32 values, exactly representable in float64
    assert all(torch.equal(a.double(), b) for a, b in zip(cpu.parameters(), double.parameters()))


def test_data_sets_and_mnist_vectors_take_device_and_dtype():
    x, labels = ae.data.two_clusters(20, seed=1, dtype=F64)
    x32, _ = ae.data.two_clusters(20, seed=1)
    assert x.dtype == F64 and torch.equal(x, x32.double())  # the same draw
    assert ae.data.two_clusters(20, device="meta")[0].device.type == "meta"
    assert ae.data.sine_curve(10, device="meta", dtype=F64).dtype == F64
    g, lab = ae.data.truncated_gaussians(5, dtype=F64, device="meta")
    assert g.device.type == lab.device.type == "meta" and g.dtype == F64
    assert ae.data.class_targets(labels, dtype=F64).dtype == F64
    images = torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8)
    v = ae.data.mnist.to_vectors(images, dtype=F64)
    assert v.dtype == F64 and torch.equal(v, images.reshape(3, -1).double() / 255)
    assert ae.data.mnist.to_vectors(images, device="meta").device.type == "meta"


# -- float64 end to end ----------------------------------------------------------------------


def autograd_gradients(model, x, y, lam):
    m = copy.deepcopy(model)
    J, _, _ = m.cost(x, y, lam)
    return torch.autograd.grad(J, list(m.parameters()))


TRAINERS = {
    "shooting-gradient": lambda m: ae.ShootingTrainer(m, update="gradient", lr=0.05, lam=1e-2),
    "shooting-adam": lambda m: ae.ShootingTrainer(m, update="adam", lr=1e-2, lam=1e-2),
    "shooting-fixed_point": lambda m: ae.ShootingTrainer(
        m, update="fixed_point", lam=1.0, inner_iterations=5
    ),
    "shooting-proximal": lambda m: ae.ShootingTrainer(
        m, update="proximal", lr=0.5, lam=1e-2, inner_iterations=5
    ),
    "adam": lambda m: ae.AdamTrainer(m, lr=1e-2, lam=1e-2),
    "sgd": lambda m: ae.AdamTrainer(m, optimizer="sgd", lr=1e-2, lam=1e-2),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("name", list(TRAINERS))
def test_every_trainer_trains_in_float64_with_autograds_gradients(name, layout):
    model = model_for(layout, dtype=F64)
    x, y = data(dtype=F64)
    trainer = TRAINERS[name](model)
    trainer.progress = False
    before = [p.detach().clone() for p in model.parameters()]
    history = trainer.fit(x, y, 4)
    assert all(math.isfinite(v) for v in history["cost"])
    assert all(p.dtype == F64 for p in model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
    state = trainer.state_dict()["extra"].get("optimizer") or {}
    for s in state.get("state", {}).values():
        assert all(v.dtype == F64 for k, v in s.items() if k != "step" and torch.is_tensor(v))
    # the co-states' gradient at the trained weights is autograd's, to float64 round-off
    _, _, _, grads, _, _ = pmp.cost_and_gradients(model, x, y, trainer.lam)
    flat = [layer[0] for layer in grads] + [layer[1] for layer in grads]  # parameters() order
    for a, b in zip(flat, autograd_gradients(model, x, y, trainer.lam), strict=True):
        assert a.dtype == F64
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_a_gradient_and_an_adam_step_in_float64_are_autograds_steps():
    x, y = data(dtype=F64)
    for rule, make in [
        ("gradient", lambda ps, m: torch.optim.SGD(ps, lr=0.05 / m.h)),
        ("adam", lambda ps, m: torch.optim.Adam(ps, lr=1e-2)),
    ]:
        model = model_for("gathered", dtype=F64)
        reference = copy.deepcopy(model)
        ae.ShootingTrainer(
            model, update=rule, lr=0.05 if rule == "gradient" else 1e-2, lam=1e-2, progress=False
        ).fit(x, y, 3)
        opt = make(list(reference.parameters()), reference)
        for _ in range(3):
            opt.zero_grad()
            reference.cost(x, y, 1e-2)[0].backward()
            opt.step()
        for a, b in zip(model.parameters(), reference.parameters()):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-14)


def test_the_analyses_compute_in_float64_and_agree_with_float32():
    x, y = data(n=40)
    labels = (x[:, 0] > 0).long()
    single = model_for("compact")
    ae.ShootingTrainer(single, update="adam", lr=1e-2, progress=False).fit(x, y, 5)
    double = copy.deepcopy(single).double()
    xd = x.double()

    def same(a, b, rtol=1e-4):
        assert b.dtype == F64, b.dtype
        torch.testing.assert_close(b, a.double(), rtol=rtol, atol=1e-5)

    same(analysis.states(single, x), analysis.states(double, xd))
    same(analysis.displacement(single, x), analysis.displacement(double, xd))
    same(analysis.delta(single, x, probes=3), analysis.delta(double, xd, probes=3))
    same(
        analysis.latent_means(single, x, labels).mean,
        analysis.latent_means(double, xd, labels).mean,
    )
    s32, s64 = analysis.states(single, x), analysis.states(double, xd)
    same(analysis.spectral_entropy(s32), analysis.spectral_entropy(s64), rtol=1e-3)
    assert analysis.shannon_entropy(s64).dtype == F64
    assert analysis.separation(double, xd, labels) == pytest.approx(
        analysis.separation(single, x, labels), rel=1e-4, abs=1e-5
    )
    # Delta's co-states started from a probe are autograd's vector-Jacobian products
    fwd = pmp.forward_states(double, xd)
    v = torch.randn(fwd.xs[-1].shape, dtype=F64)
    ps, _ = pmp.backward_costates(double, fwd, v)
    x0 = xd.clone().requires_grad_(True)
    (vjp,) = torch.autograd.grad((double.to_internal(double(x0), double.depth) * v).sum(), x0)
    on = double.arch.masks[0].to(vjp)
    torch.testing.assert_close(double.to_external(ps[0]) * on, vjp * on, rtol=1e-10, atol=1e-12)
    # the Hessian in the model's float64: dense and Lanczos agree, Hessian-vector products match
    dense = ae.hessian_spectrum(double, xd, y.double(), lam=1e-2, method="dense")
    lanczos = ae.hessian_spectrum(double, xd, y.double(), lam=1e-2, method="lanczos", tol=1e-10)
    assert lanczos.min == pytest.approx(dense.min, rel=1e-6, abs=1e-8)
    assert lanczos.max == pytest.approx(dense.max, rel=1e-6, abs=1e-8)
    H = ae.hessian_matrix(double, xd, y.double(), lam=1e-2)
    hvp, n = ae.hessian_vector_product(double, xd, y.double(), lam=1e-2)
    w = np.random.default_rng(0).standard_normal(n)
    np.testing.assert_allclose(hvp(w), H.numpy() @ w, rtol=1e-9, atol=1e-11)


def test_a_float64_model_under_a_float64_default_is_unchanged():
    """Sanity check (by construction): the default dtype does not leak into a model given one."""
    x, _ = data(dtype=F64)
    a = model_for("freeze", dtype=F64)(x)
    with compute_on(None, "float32"):
        b = model_for("freeze", dtype=F64)(x)
    assert torch.equal(a, b)


# -- the figures ------------------------------------------------------------------------------


def test_a_figure_runs_in_the_dtype_it_is_given_and_restores_the_defaults():
    before = torch.get_default_device(), torch.get_default_dtype()
    r = ae.experiments.run("fig05", quick=True, progress=False, dtype="float64")
    assert (r.parameters["device"], r.parameters["dtype"]) == ("cpu", "float64")
    tensors = [*r.details["latent"].values(), *r.details["final_states"].values()]
    assert tensors and all(t.dtype == F64 for t in tensors)
    assert (torch.get_default_device(), torch.get_default_dtype()) == before
    book = ae.experiments.parameters("fig05", quick=True)
    assert (book["device"], book["dtype"]) == ("cpu", "float32")  # the book's, by default
    with pytest.raises(ValueError, match="unknown device"):
        ae.experiments.parameters("fig05", quick=True, device="gpu0")


def test_the_cache_keys_a_run_by_where_it_computes(tmp_path):
    def build():
        return model_for("compact", dtype=None)  # torch's defaults

    def train(model, checkpoint):
        return ae.ShootingTrainer(model, progress=False, checkpoint=checkpoint).fit(*data(), 2)

    with compute_on("cpu", "float32"):
        single = ae.cache.cached_fit("toy", {}, build, train, cache=tmp_path, entry="training")
    with compute_on("cpu", "float64"):
        double = ae.cache.cached_fit(
            "toy", {}, build, lambda m, c: train_f64(m, c), cache=tmp_path, entry="training"
        )
    assert single.path != double.path and double.model.dtype == F64 and double.trained
    # (under float32 explicitly: make test-float64 runs this test with float64 as the default)
    with (
        compute_on("cpu", "float32"),
        pytest.raises(ValueError, match=r"build\(\) made a model on cpu in torch.float64"),
    ):
        ae.cache.cached_fit(
            "toy", {}, lambda: model_for("compact", dtype=F64), train, cache=tmp_path,
            entry="training",
        )  # fmt: skip


def train_f64(model, checkpoint):
    x, y = data(dtype=F64)
    return ae.ShootingTrainer(model, progress=False, checkpoint=checkpoint).fit(x, y, 2)


# -- where the library names a device ---------------------------------------------------------

#: The only places the package names the CPU, each for a reason; nothing names an accelerator.
CPU_ON_PURPOSE = {
    "architecture.py": "an Architecture is a description: its masks live on the CPU, the model "
    "copies them to its own device",
    "masks.py": "the masks the constructors of an Architecture build, on the CPU as its own",
    "model.py": "the internal order is read from the architecture's masks, on the CPU",
    "initial_weights.py": "the initial weights are drawn from a seeded CPU generator, then moved",
    "data/toy2d.py": "the data sets are drawn from seeded CPU generators, then moved",
    "ncode.py": "N-CODE's initial weights and batch orders: seeded CPU draws",
    "analysis.py": "Delta's probes and jacobian_rank's input: seeded CPU draws, then moved",
    "training/loop.py": "the mini-batch order: a seeded CPU draw",
    "training/state.py": "the data's fingerprint hashes its bytes on the CPU",
    "hessian.py": "scipy's Lanczos works on NumPy vectors",
    "data/mnist/__init__.py": "the stratified split is computed by NumPy",
    "checkpoint.py": "a file loads on the CPU, then into the model wherever it is",
    "plotting/panels.py": "matplotlib draws NumPy arrays",
    "experiments/registry.py": "the book's device, every figure's default",
    "experiments/convexity_region.py": "the directions of the convex-region scan: seeded CPU "
    "draws, and the Newton solve's small float64 Hessians",
    "experiments/fig10.py": "the percentiles of Delta are computed by NumPy",
    "codes.py": "k-means, NMI and the linear probe are scikit-learn's, on NumPy arrays",
    "provenance.py": "the book's device, named in the command only when another is used",
}


def test_no_device_is_hard_coded_but_where_it_must_be():
    package = Path(ae.__file__).parent
    pattern = re.compile(r'device="cpu"|map_location="cpu"|\.cpu\(\)|device\("cpu"\)|"cpu"')
    accelerator = re.compile(r'"cuda|"mps"|\.cuda\(|\.mps\(')
    found = {}
    for path in package.rglob("*.py"):
        rel = path.relative_to(package).as_posix()
        if rel == "devices.py":  # the module that names them all
            continue
        text = "\n".join(line.split("#")[0] for line in path.read_text().splitlines())
        assert not accelerator.search(text), f"{rel} names an accelerator"
        if pattern.search(text):
            found[rel] = True
    assert set(found) <= set(CPU_ON_PURPOSE), (
        f"{sorted(set(found) - set(CPU_ON_PURPOSE))} name the CPU: make the tensor follow the "
        f"model or the data, or add the file here with its reason"
    )
