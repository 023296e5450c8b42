"""Tests of autoencode.cache: train once, retrain on change, never use a corrupt file; the key
follows the training code reached from the caller's entry module, not the analysis code; any
torch.nn.Module is stored, with the caller's check of a stored state; one process trains a run
while the others wait on its lock, for at most their timeout."""

from __future__ import annotations

import warnings

import pytest
import torch

import autoencode as ae
from autoencode import cache, fingerprint

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

#: The module that sets the toy runs of these tests up: the trainers (its imports, transitively,
#: are the code a run's key depends on).
ENTRY = "training"


def problem(n=40):
    x, labels = ae.data.two_clusters(n=n, seed=0)
    return x, ae.data.class_targets(labels)


class Stop(Exception):
    """Raised by a callback: training interrupted (a Ctrl-C, a killed kernel)."""


def shooting_fit(model, checkpoint, x, y, iterations=6, lr=0.05, stop_at=None, callbacks=()):
    """Adam-update shooting on (x, y), checkpointing every iteration, resumable; raises Stop at
    iteration ``stop_at`` (None: runs to the end)."""

    def stop(trainer, it):
        if it == stop_at:
            raise Stop

    tr = ae.ShootingTrainer(
        model,
        update="adam",
        lr=lr,
        lam=1e-3,
        progress=False,
        checkpoint=checkpoint,
        checkpoint_every=1,
        callbacks=[*callbacks, stop],
    )
    return tr.fit(x, y, iterations=iterations, resume=True)


def fit(name, params, build, train, folder, **kw):
    """cached_fit with this file's entry module, quietly."""
    return cache.cached_fit(
        name, params, build, train, cache=folder, entry=ENTRY, verbose=False, **kw
    )


class Counter:
    """A build/train pair that counts how often it trains (and how many updates it makes)."""

    def __init__(self, x, y, iterations=6, T=5.0, seed=0):
        self.x, self.y, self.iterations, self.T, self.seed = x, y, iterations, T, seed
        self.trainings = 0
        self.updates = 0

    def params(self):
        return {"iterations": self.iterations, "T": self.T, "seed": self.seed}

    def build(self):
        arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[1, 0])
        return ae.AutoencODE(arch, T=self.T, seed=self.seed)

    def count(self, trainer, it):
        if it > 0:
            self.updates += 1

    def train(self, model, checkpoint):
        self.trainings += 1
        return shooting_fit(
            model, checkpoint, self.x, self.y, self.iterations, callbacks=[self.count]
        )

    def interrupted(self, stop_at, lr=0.05):
        """A train(model, checkpoint) that counts, trains with ``lr`` and stops at ``stop_at``."""

        def train(model, checkpoint):
            self.trainings += 1
            return shooting_fit(
                model,
                checkpoint,
                self.x,
                self.y,
                self.iterations,
                lr=lr,
                stop_at=stop_at,
                callbacks=[self.count],
            )

        return train

    def path(self, folder):
        return cache.cache_path("toy", self.params(), folder, entry=ENTRY)

    def fit(self, tmp_path, **kw):
        return fit("toy", self.params(), self.build, self.train, tmp_path, **kw)


def weights(model):
    return [p.detach().clone() for p in model.parameters()]


def same(a, b):
    return all(torch.equal(u, v) for u, v in zip(a, b))


def test_second_call_loads_instead_of_training(tmp_path):
    c = Counter(*problem())
    first = c.fit(tmp_path)
    assert first.trained and c.trainings == 1 and c.updates == 6
    assert first.path.exists() and first.path.parent == tmp_path
    assert not first.path.with_suffix(".ckpt").exists()  # the in-progress file is gone
    second = c.fit(tmp_path)
    assert not second.trained and c.trainings == 1 and c.updates == 6
    assert second.path == first.path and second.key == first.key
    assert same(weights(first.model), weights(second.model))
    assert second.history["cost"] == pytest.approx(first.history["cost"])
    assert len(second.history["cost"]) == 6
    # a fresh model from build() differs: the weights really come from the file
    assert not same(weights(c.build()), weights(second.model))


def test_parameter_change_retrains(tmp_path):
    c = Counter(*problem())
    a = c.fit(tmp_path)
    c.iterations = 7
    b = c.fit(tmp_path)
    assert b.trained and c.trainings == 2 and b.key != a.key and b.path != a.path
    c.iterations = 6  # back to the first parameters: the first file is reused
    again = c.fit(tmp_path)
    assert not again.trained and c.trainings == 2 and again.key == a.key


def test_retrain_flag(tmp_path):
    c = Counter(*problem())
    c.fit(tmp_path)
    r = c.fit(tmp_path, retrain=True)
    assert r.trained and c.trainings == 2


def test_key_depends_on_name_params_and_library_source(tmp_path):
    f = cache.library_fingerprint(cache.training_modules(ENTRY))
    k = cache.cache_key("toy", {"a": 1}, f)
    assert k == cache.cache_key("toy", {"a": 1}, f)
    assert k != cache.cache_key("toy", {"a": 2}, f)
    assert k != cache.cache_key("other", {"a": 1}, f)
    assert cache.cache_key("toy", {"a": 1, "b": 2}, f) == cache.cache_key(
        "toy", {"b": 2, "a": 1}, f
    )
    # a change in the library's source changes the fingerprint, hence the key
    src = tmp_path / "model.py"
    src.write_text("x = 1\n")
    f1 = cache.library_fingerprint([src])
    src.write_text("x = 2\n")
    f2 = cache.library_fingerprint([src])
    assert f1 != f2
    assert cache.cache_key("toy", {"a": 1}, f1) != cache.cache_key("toy", {"a": 1}, f2)


def test_the_fingerprint_ignores_docstrings_comments_and_layout(tmp_path):
    src = tmp_path / "step.py"
    src.write_text('"""A module."""\n\ndef step(x):\n    """Old words."""\n    return x + 1\n')
    before = cache.library_fingerprint([src])
    src.write_text(
        '"""The module, documented again."""\n\n\ndef step(x):  # why\n'
        '    """New words."""\n    return (x\n            + 1)\n'
    )
    assert cache.library_fingerprint([src]) == before
    # a change of the code itself is seen
    src.write_text("def step(x):\n    return x + 2\n")
    assert cache.library_fingerprint([src]) != before
    src.write_text('def step(x):\n    """Only a docstring."""\n')
    assert cache.library_fingerprint([src]) != before


def _hashed(entry):
    return {
        p.relative_to(fingerprint.PACKAGE_DIR).as_posix() for p in cache.training_modules(entry)
    }


def test_the_mnist_model_hashes_its_training_code_only():
    """From the MNIST model's module, through its relative imports in the subpackage: the model,
    the trainers, the data loader, the store; not the analyses, the drawings, the figures, the
    registry, the folders (editing a figure of experiments/fig*.py keeps the trained
    networks)."""
    hashed = _hashed("experiments.mnist_model")
    assert {
        "experiments/mnist_model.py",
        "model.py",
        "layouts.py",
        "training/__init__.py",
        "training/loop.py",
        "training/rules.py",
        "training/shooting.py",
        "training/state.py",
        "pmp.py",
        "architecture.py",
        "activations.py",
        "checkpoint.py",
        "data/mnist/__init__.py",
        "data/mnist/full.py",
        "cache.py",
    } <= hashed
    assert (
        not {
            "analysis.py",
            "baselines.py",
            "claims.py",
            "paths.py",
            "reproduction.py",
            "__init__.py",
            "experiments/__init__.py",
            "experiments/registry.py",
            "experiments/common.py",
            "experiments/mnist_common.py",
            "experiments/fig07.py",
            "experiments/fig08_09.py",
            "experiments/fig10.py",
            "experiments/fig11.py",
        }
        & hashed
    )
    assert not any(p.startswith("plotting/") for p in hashed)
    # the same entry named by its module name or its path
    assert _hashed("autoencode.experiments.mnist_model") == hashed
    assert _hashed(fingerprint.PACKAGE_DIR / "experiments" / "mnist_model.py") == hashed
    assert _hashed("cache") == {
        "cache.py",
        "fingerprint.py",
        "store_lock.py",
        "arguments.py",
        "model.py",
        "model_inputs.py",
        "euler_flow.py",
        "initial_weights.py",
        "layouts.py",
        "training/__init__.py",
        "training/autograd.py",
        "training/loop.py",
        "training/rules.py",
        "training/shooting.py",
        "training/state.py",
        "pmp.py",
        "architecture.py",
        "masks.py",
        "activations.py",
        "checkpoint.py",
        "devices.py",
    }


def test_entry_must_be_a_module():
    with pytest.raises(ValueError, match="no module 'experiments.nope'"):
        cache.training_modules("experiments.nope")
    with pytest.raises(TypeError, match="entry must name the module"):
        cache.training_modules(None)


def fake_package(root):
    """A package laid out as the library: training code, analysis and drawing, a subpackage of
    experiments whose module imports all of them with relative imports."""
    files = {
        "__init__.py": "from . import analysis, model\nfrom .experiments import fig\n",
        "model.py": "from .ops import step\n",
        "ops.py": "from . import model\n",  # a cycle
        "training.py": "from .model import Model\ndef f():\n    from . import checkpoint\n",
        "checkpoint.py": "import os\nfrom os import path\n",
        "data.py": "",
        "analysis.py": "from .model import Model\n",
        "unused.py": "",
        "plotting/__init__.py": "from . import panels\n",
        "plotting/panels.py": "from ..analysis import x\n",
        "experiments/__init__.py": "from . import fig, other\n",
        "experiments/registry.py": "",
        "experiments/other.py": "",
        "experiments/fig.py": (
            "from .. import data, analysis\nfrom ..training import Trainer\n"
            "from .registry import figure\nfrom ..plotting import panels\n"
            "from .helpers import h\n"
        ),
        "experiments/helpers.py": "from ...outside import nothing\nimport numpy\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def test_training_modules_follow_relative_imports_in_subpackages(tmp_path, monkeypatch):
    fake_package(tmp_path)
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", tmp_path)
    assert sorted(_hashed("experiments.fig")) == [
        "checkpoint.py",
        "data.py",
        "experiments/fig.py",
        "experiments/helpers.py",
        "model.py",
        "ops.py",
        "training.py",
    ]
    # exclusions are the caller's to choose; a package imported as such counts its __init__
    assert "analysis.py" in {p.name for p in cache.training_modules("experiments.fig", exclude=())}
    assert "__init__.py" in {p.name for p in cache.training_modules("plotting", exclude=())}


def test_editing_analysis_keeps_the_key_and_editing_training_code_changes_it(tmp_path, monkeypatch):
    fake_package(tmp_path)
    monkeypatch.setattr(fingerprint, "PACKAGE_DIR", tmp_path)

    def key():
        return cache.cache_path("run", {"a": 1}, tmp_path / "store", entry="experiments.fig").name

    before = key()
    for name in (
        "analysis.py",
        "plotting/panels.py",
        "experiments/registry.py",
        "experiments/other.py",
        "unused.py",
        "__init__.py",
    ):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "changed = True\n")
        assert key() == before, f"editing {name} (no training code) changed the key"
    for name in ("ops.py", "checkpoint.py", "experiments/helpers.py", "experiments/fig.py"):
        (tmp_path / name).write_text((tmp_path / name).read_text() + "changed = True\n")
        after = key()
        assert after != before, f"editing {name} (training code) kept the key"
        before = after


def test_params_must_be_json(tmp_path):
    with pytest.raises(TypeError):
        cache.cache_key("toy", {"x": torch.zeros(2)}, "")
    with pytest.raises(TypeError):
        cache.cache_key("toy", {"x": float("nan")}, "")
    with pytest.raises(ValueError):
        cache.cache_path("../evil", {}, tmp_path, entry=ENTRY)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "wrong_shape", "nan", "wrong_key"])
def test_corrupt_cache_file_is_reported_and_retrained(tmp_path, damage):
    c = Counter(*problem())
    good = c.fit(tmp_path)
    good_weights = weights(good.model)
    path = good.path
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "garbage":
        path.write_bytes(b"not a checkpoint at all")
    else:
        state = torch.load(path, weights_only=True)
        if damage == "wrong_shape":
            state["model"]["weights.0"] = torch.zeros(3, 3)
        elif damage == "nan":
            state["model"]["weights.0"] = torch.full_like(state["model"]["weights.0"], float("nan"))
        else:
            state["key"] = "0" * 16
        ae.save_checkpoint(path, state)
    with pytest.warns(cache.CacheWarning, match="unusable cache file"):
        again = c.fit(tmp_path)
    assert again.trained and c.trainings == 2  # retrained, not loaded
    assert same(weights(again.model), good_weights)  # and deterministic
    assert path.with_name(path.name + ".corrupt").exists()  # the bad file kept aside
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # now clean: no warning
        assert not c.fit(tmp_path).trained


def test_interrupted_training_resumes_from_its_checkpoint(tmp_path):
    x, y = problem()
    reference = Counter(x, y).fit(tmp_path / "ref")

    c = Counter(x, y)
    with pytest.raises(Stop):
        fit("toy", c.params(), c.build, c.interrupted(stop_at=4), tmp_path)
    path = c.path(tmp_path)
    assert not path.exists() and path.with_suffix(".ckpt").exists()
    done = ae.load_checkpoint(path.with_suffix(".ckpt"))["iteration"]
    assert 0 < done < 6
    c.updates = 0
    resumed = c.fit(tmp_path)
    assert resumed.trained
    assert c.updates == 6 - done  # only the missing updates were made
    assert same(weights(resumed.model), weights(reference.model))
    assert resumed.history["cost"] == pytest.approx(reference.history["cost"])


def test_corrupt_training_checkpoint_restarts(tmp_path):
    c = Counter(*problem())
    ckpt = c.path(tmp_path).with_suffix(".ckpt")
    ckpt.write_bytes(b"garbage")
    with pytest.warns(cache.CacheWarning, match="unusable training checkpoint"):
        run = c.fit(tmp_path)
    assert run.trained and c.updates == 6
    assert same(weights(run.model), weights(Counter(*problem()).fit(tmp_path / "ref").model))


def test_cached_trainer_fit(tmp_path):
    x, y = problem()
    built = []

    def build():
        built.append(1)
        return ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=6), T=5.0, seed=0)

    def make(model, checkpoint):
        return ae.ShootingTrainer(
            model, update="gradient", lr=0.1, lam=1e-3, progress=False, checkpoint=checkpoint
        )

    a, b = (
        cache.cached_trainer_fit(
            "toy2",
            {"v": 1},
            build,
            make,
            x,
            y,
            iterations=5,
            cache=tmp_path,
            entry=ENTRY,
            verbose=False,
        )
        for _ in range(2)
    )
    assert a.trained and not b.trained and len(b.history["cost"]) == 5
    assert same(weights(a.model), weights(b.model))


def test_foreign_training_checkpoint_restarts(tmp_path):
    c = Counter(*problem())
    ckpt = c.path(tmp_path).with_suffix(".ckpt")
    ae.save_checkpoint(ckpt, {"format": "something else"})
    with pytest.warns(cache.CacheWarning, match="unusable training checkpoint"):
        run = c.fit(tmp_path)
    assert run.trained and c.updates == 6


@pytest.mark.slow
def test_concurrent_processes_train_once(tmp_path):
    """Two processes asking for the same run: one trains, the other waits and loads."""
    import subprocess
    import sys

    script = f"""
import sys, autoencode as ae
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from test_cache import Counter, problem
from autoencode import cache
c = Counter(*problem(), iterations=40)
r = cache.cached_fit("toy", c.params(), c.build, c.train, cache={str(tmp_path)!r}, entry="training",
                     verbose=False)
print("TRAINED" if r.trained else "LOADED", c.updates)
"""
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = sorted(p.communicate(timeout=300)[0].strip() for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert outs == ["LOADED 0", "TRAINED 40"], outs


def _hold_and_wait_for_message(lock, run, capsys):
    """Hold ``lock`` with a FileLock of its own (as another process would) while ``run`` starts
    in a thread; return the thread and stderr once the waiting message appeared."""
    import threading
    import time

    from filelock import FileLock

    holder = FileLock(lock)
    holder.acquire(timeout=5)
    worker = threading.Thread(target=run)
    worker.start()
    err = ""
    deadline = time.monotonic() + 30
    while "waiting" not in err and time.monotonic() < deadline:
        time.sleep(0.02)
        err += capsys.readouterr().err
    return holder, worker, err


def test_a_waiting_process_says_what_it_waits_for(tmp_path, capsys):
    """While another holder has the lock of a run, the waiter names the run and the lock file,
    trains nothing until the lock is free, then says it got it."""
    c = Counter(*problem(), iterations=2)
    lock = c.path(tmp_path).with_suffix(".lock")
    result = {}
    holder, worker, err = _hold_and_wait_for_message(
        lock, lambda: result.setdefault("run", c.fit(tmp_path)), capsys
    )
    try:
        assert "waiting for another process that is training toy" in err
        assert c.trainings == 0 and worker.is_alive()  # it really waits
    finally:
        holder.release()
    worker.join(60)
    err += capsys.readouterr().err
    assert str(lock) in err and "got the lock" in err
    assert result["run"].trained and c.trainings == 1


def test_the_lock_gives_up_after_its_timeout(tmp_path, capsys):
    c = Counter(*problem(), iterations=2)
    lock = c.path(tmp_path).with_suffix(".lock")
    result = {}

    def run():
        try:
            c.fit(tmp_path, lock_timeout=0.3)
        except TimeoutError as e:
            result["error"] = e

    holder, worker, err = _hold_and_wait_for_message(lock, run, capsys)
    worker.join(30)
    holder.release()
    assert "waiting for another process" in err
    message = str(result["error"])
    assert str(lock) in message and "let that process finish" in message
    assert "lock_timeout" in message and c.trainings == 0
    with pytest.raises(ValueError, match="lock_timeout must be a number of seconds"):
        c.fit(tmp_path, lock_timeout=-1)


# -- any torch.nn.Module ---------------------------------------------------------------------------
class Line:
    """A build/train pair for an nn.Linear fitted by SGD to y = 2x - 1, counting its trainings;
    its history has no "cost" (another trainer's)."""

    def __init__(self, steps=5, scale=1.0):
        self.steps, self.scale, self.trainings = steps, scale, 0

    def params(self):
        return {"steps": self.steps}

    def build(self):
        torch.manual_seed(0)
        model = torch.nn.Linear(1, 1)
        model.register_buffer("scale", torch.tensor(self.scale))
        return model

    def train(self, model, checkpoint):
        self.trainings += 1
        x = torch.linspace(-1, 1, 16).unsqueeze(1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = []
        for _ in range(self.steps):
            loss = ((model(x) - (2 * x - 1)) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
        return {"loss": losses}

    def fit(self, folder, **kw):
        return fit("line", self.params(), self.build, self.train, folder, **kw)


def test_any_module_is_cached_and_reloaded(tmp_path):
    line = Line()
    first = line.fit(tmp_path)
    assert first.trained and line.trainings == 1 and isinstance(first.model, torch.nn.Linear)
    assert len(first.history["loss"]) == 5 and first.history["loss"][-1] < first.history["loss"][0]
    second = line.fit(tmp_path)
    assert not second.trained and line.trainings == 1 and second.path == first.path
    assert same(weights(first.model), weights(second.model))
    assert not same(weights(line.build()), weights(second.model))  # from the file
    assert second.history == first.history


def test_a_corrupt_file_of_any_module_is_moved_aside(tmp_path):
    line = Line()
    path = line.fit(tmp_path).path
    path.write_bytes(b"not a checkpoint")
    with pytest.warns(cache.CacheWarning, match="unusable cache file"):
        again = line.fit(tmp_path)
    assert again.trained and line.trainings == 2
    assert path.with_name(path.name + ".corrupt").read_bytes() == b"not a checkpoint"


def test_the_check_hook_refuses_a_state_that_does_not_fit(tmp_path):
    """Two models of the same shapes, different in a buffer: without a check the stored state
    would be loaded into the second; the hook refuses it, and the model is retrained."""

    def same_scale(state, model, where):
        if not torch.equal(state["model"]["scale"], model.scale):
            raise ae.CheckpointError(f"{where}: written for another scale")

    Line(scale=1.0).fit(tmp_path, check=same_scale)
    other = Line(scale=2.0)
    with pytest.warns(cache.CacheWarning, match="written for another scale"):
        run = other.fit(tmp_path, check=same_scale)
    assert run.trained and other.trainings == 1 and float(run.model.scale) == 2.0
    assert not other.fit(tmp_path, check=same_scale).trained  # its own file passes
    with pytest.raises(TypeError, match="check must be a function"):
        other.fit(tmp_path, check="scale")


def test_build_must_return_a_module(tmp_path):
    with pytest.raises(TypeError, match=r"build\(\) must return a torch.nn.Module"):
        fit("x", {}, lambda: "model", lambda m, c: {}, tmp_path)


def test_trained_ncode_goes_through_the_store(tmp_path):
    """N-CODE is cached by the store: trained once, loaded, a corrupt file moved aside."""
    from autoencode.experiments.ncode import trained_ncode

    params = dict(
        source="subset",
        n_train=8,
        batch_size=4,
        iterations=3,
        seed=0,
        widths=[6, 2, 6],
        ncode_hidden=4,
        ncode_width=3,
        ncode_L=2,
        ncode_T=1.0,
        ncode_lr=1e-2,
        quick=True,
    )
    x = torch.rand(8, 6, generator=torch.Generator().manual_seed(0)).to(torch.get_default_device())
    model, history = trained_ncode(params, x, cache=tmp_path, verbose=False)
    (path,) = tmp_path.glob("ncode-quick-*.pt")
    assert ae.load_checkpoint(path)["format"] == cache.FORMAT
    again, loaded = trained_ncode(params, x, cache=tmp_path, verbose=False)
    assert loaded == history and same(weights(model), weights(again))
    path.write_bytes(b"garbage")
    with pytest.warns(cache.CacheWarning, match="unusable cache file"):
        retrained, _ = trained_ncode(params, x, cache=tmp_path, verbose=False)
    assert same(weights(model), weights(retrained))
    assert path.with_name(path.name + ".corrupt").exists()


def test_a_diverged_run_keeps_its_last_good_state_and_resumes_into_it(tmp_path):
    x, y = problem()

    def make(model, checkpoint):
        return ae.ShootingTrainer(
            model,
            update="gradient",
            lr=1e8,
            lam=1e-3,
            progress=False,
            checkpoint=checkpoint,
            checkpoint_every=1,
        )

    def build():
        return ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=6), T=5.0, seed=0)

    seen = []
    for _attempt in range(2):
        with pytest.raises(ae.TrainingDiverged) as info:
            cache.cached_trainer_fit(
                "div",
                {"lr": 1e8},
                build,
                make,
                x,
                y,
                iterations=50,
                cache=tmp_path,
                entry=ENTRY,
                verbose=False,
            )
        seen.append((info.value.iteration, info.value.restored_iteration))
        ckpt = cache.cache_path("div", {"lr": 1e8}, tmp_path, entry=ENTRY).with_suffix(".ckpt")
        state = ae.load_checkpoint(ckpt)
        assert state["iteration"] == info.value.restored_iteration and state["cost"] < float("inf")
        model = build()
        model.load_state_dict(state["model"])
        with torch.no_grad():
            assert torch.isfinite(model.cost(x, y, 1e-3)[0])
    assert seen[0] == seen[1]  # the same place, from the same good state
    assert not list(tmp_path.glob("*.corrupt")) and not list(tmp_path.glob("div-*.pt"))


def test_a_checkpoint_written_under_other_settings_is_set_aside(tmp_path):
    """A trainer checkpoint the trainer refuses (here: another lr) is moved aside and training
    restarts."""
    c = Counter(*problem())
    with pytest.raises(Stop):
        fit("toy", c.params(), c.build, c.interrupted(stop_at=3, lr=0.05), tmp_path)
    with pytest.warns(
        cache.CacheWarning,
        match="unusable training checkpoint .*written with lr = 0.05, but this run has lr = 0.01",
    ):
        run = fit("toy", c.params(), c.build, c.interrupted(None, lr=0.01), tmp_path)
    reference = fit("toy", c.params(), c.build, c.interrupted(None, lr=0.01), tmp_path / "ref")
    assert run.trained and same(weights(run.model), weights(reference.model))
    assert run.history["cost"] == reference.history["cost"]


def test_training_checkpoint_with_nan_weights_restarts(tmp_path):
    c = Counter(*problem())
    with pytest.raises(Stop):
        fit("toy", c.params(), c.build, c.interrupted(stop_at=3), tmp_path)
    ckpt = c.path(tmp_path).with_suffix(".ckpt")
    state = ae.load_checkpoint(ckpt)
    state["model"]["weights.1"].fill_(float("nan"))
    ae.save_checkpoint(ckpt, state)
    c.updates = 0
    with pytest.warns(cache.CacheWarning, match="weights contain NaN or inf"):
        run = c.fit(tmp_path)
    assert run.trained and c.updates == 6
