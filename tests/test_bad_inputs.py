"""Every bad input gets a clear error: the exception type and a message naming what is wrong.

One table of bad settings and inputs through the public API (architecture,
model, trainers, fit, checkpoints, data sets, cache), then checkpoints written
under one setting and resumed under another: each must be refused, naming the
differing field, and leave the trainer untouched.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import autoencode as ae
from autoencode import (
    AdamTrainer,
    Architecture,
    AutoencODE,
    CheckpointError,
    ShootingTrainer,
    cache,
)
from autoencode.checkpoint import CheckpointMismatch
from autoencode.data import toy2d as datasets

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")

A = Architecture
NAN, INF = float("nan"), float("inf")
#: A folder and an entry module for autoencode.cache (the checks below fail before either is used).
STORE = dict(cache=".", entry="training")


def tiny(**kw):
    kw.setdefault("T", 2.0)
    return AutoencODE(A.from_phases([2, 1, 2], L=4), **kw)


def problem(n=16, seed=0):
    x, labels = datasets.two_clusters(n, seed=seed)
    return x, datasets.class_targets(labels), labels


X, Y, LABELS = problem()


@pytest.fixture(scope="module", autouse=True)
def _data_on_device(on_device):
    """The module's data, made again on the device its tests run on (the cases read them)."""
    global X, Y, LABELS
    X, Y, LABELS = problem()


def shooting(**kw):
    return ShootingTrainer(tiny(), progress=False, **kw)


# (id, call, exception type, regex the message must match)
CASES = [
    # -- architecture --------------------------------------------------------------------
    ("empty profile", lambda: A.from_phases([], L=4), ValueError, r"widths is empty"),
    (
        "empty widths",
        lambda: A.from_widths([]),
        ValueError,
        r"widths must give one width per state",
    ),
    (
        "non-whole phase widths",
        lambda: A.from_phases([2.7, 1.2, 2.9], L=6),
        ValueError,
        r"widths\[0\] must be a whole number, got 2.7",
    ),
    (
        "non-whole state width",
        lambda: A.from_widths([2, 1.5, 2]),
        ValueError,
        r"widths\[1\] must be a whole number",
    ),
    (
        "string widths",
        lambda: A.from_widths(["2", "1", "2"]),
        TypeError,
        r"widths\[0\] must be a whole number",
    ),
    ("string profile", lambda: A.from_phases("212", L=6), TypeError, r"widths must be a sequence"),
    ("widths a number", lambda: A.from_widths(2), TypeError, r"widths must be a sequence"),
    (
        "NaN width",
        lambda: A.from_widths([2, NAN, 2]),
        ValueError,
        r"widths\[1\] must be a whole number",
    ),
    (
        "non-whole phase lengths",
        lambda: A.from_phases([2, 1, 2], L=6, lengths=[2.5, 2, 1.5]),
        ValueError,
        r"lengths\[0\] must be a whole number",
    ),
    (
        "non-whole L",
        lambda: A.from_phases([2, 1, 2], L=6.5),
        ValueError,
        r"L must be a whole number",
    ),
    ("string L", lambda: A.from_phases([2, 1, 2], L="6"), TypeError, r"L must be a whole number"),
    ("L = 0", lambda: A.from_phases([2, 1, 2], L=0), ValueError, r"L must be at least 1 layer"),
    (
        "non-whole dim",
        lambda: A.from_widths([2, 1, 2], dim=2.5),
        ValueError,
        r"dim must be a whole number",
    ),
    (
        "dim = 0",
        lambda: A.from_widths([2, 1, 2], dim=0),
        ValueError,
        r"dim must be a whole number >= 1",
    ),
    (
        "non-integer order",
        lambda: A.from_widths([2, 1, 2], order=[0.5, 1.5]),
        ValueError,
        r"order must be a permutation of range\(2\)",
    ),
    (
        "non-integer skip",
        lambda: A([[1, 1], [1, 1]], skips=[(0.5, 1)]),
        ValueError,
        r"skips\[0\] source must be a whole number",
    ),
    (
        "malformed skips",
        lambda: A([[1, 1], [1, 1]], skips=[1, 2]),
        TypeError,
        r"skips\[0\] must be a \(source_state, target_state\) pair",
    ),
    ("neurode non-whole d", lambda: A.neurode(2.5, 3), ValueError, r"d must be a whole number"),
    ("neurode L = 0", lambda: A.neurode(2, 0), ValueError, r"L must be at least 1 layer"),
    ("masks None", lambda: A(None), TypeError, r"masks must be a boolean tensor"),
    ("masks a string", lambda: A("abc"), TypeError, r"masks must be a boolean tensor"),
    # -- model -----------------------------------------------------------------------------
    ("string T", lambda: tiny(T="1.0"), TypeError, r"T must be a real number"),
    ("None T", lambda: tiny(T=None), TypeError, r"T must be a real number"),
    ("NaN T", lambda: tiny(T=NAN), ValueError, r"T must be a finite number"),
    ("T = 0", lambda: tiny(T=0.0), ValueError, r"T must be a positive finite time"),
    (
        "NaN init_scale",
        lambda: tiny(init_scale=NAN),
        ValueError,
        r"init_scale must be a finite number",
    ),
    (
        "inf init_scale",
        lambda: tiny(init_scale=INF),
        ValueError,
        r"init_scale must be a finite number",
    ),
    (
        "string init_scale",
        lambda: tiny(init_scale="1"),
        TypeError,
        r"init_scale must be a real number",
    ),
    ("non-whole model seed", lambda: tiny(seed=1.5), ValueError, r"seed must be a whole number"),
    ("string bias", lambda: tiny(bias="no"), TypeError, r"bias must be True or False"),
    # -- model inputs ----------------------------------------------------------------------
    ("complex x", lambda: tiny()(X.to(torch.complex64)), TypeError, r"x is complex"),
    (
        "complex x in encode",
        lambda: tiny().encode(X.to(torch.complex64)),
        TypeError,
        r"x is complex",
    ),
    ("string x", lambda: tiny()("abc"), TypeError, r"x must be a tensor \[N, d=2\]"),
    ("None x", lambda: tiny()(None), TypeError, r"x must be a tensor"),
    (
        "numpy latent to decode",
        lambda: tiny().decode(np.zeros((4, 1), dtype=np.float32)),
        TypeError,
        r"z must be a torch.Tensor",
    ),
    (
        "numpy state to decode",
        lambda: tiny().decode(np.zeros((4, 2), dtype=np.float32)),
        TypeError,
        r"z must be a torch.Tensor",
    ),
    (
        "complex z to decode",
        lambda: tiny().decode(torch.zeros(4, 1, dtype=torch.complex64)),
        TypeError,
        r"z is complex",
    ),
    (
        "string lam in cost",
        lambda: tiny().cost(X, Y, "0.1"),
        TypeError,
        r"lam must be a real number",
    ),
    # -- trainer settings ----------------------------------------------------------------------
    ("string lam", lambda: shooting(lam="1e-3"), TypeError, r"lam must be a real number"),
    ("None lam", lambda: shooting(lam=None), TypeError, r"lam must be a real number"),
    (
        "non-integer batch_size",
        lambda: shooting(batch_size=2.5),
        ValueError,
        r"batch_size must be a whole number",
    ),
    (
        "string batch_size",
        lambda: shooting(batch_size="16"),
        TypeError,
        r"batch_size must be a whole number",
    ),
    (
        "bool batch_size",
        lambda: shooting(batch_size=True),
        TypeError,
        r"batch_size must be a whole number",
    ),
    (
        "zero batch_size",
        lambda: shooting(batch_size=0),
        ValueError,
        r"batch_size must be a whole number >= 1",
    ),
    ("string sampler seed", lambda: shooting(seed="x"), TypeError, r"seed must be a whole number"),
    (
        "checkpoint_every = 0",
        lambda: shooting(checkpoint_every=0),
        ValueError,
        r"checkpoint_every must be a whole number >= 1",
    ),
    (
        "callbacks None",
        lambda: shooting(callbacks=None),
        TypeError,
        r"callbacks must be a sequence of functions",
    ),
    (
        "single callback not in a list",
        lambda: shooting(callbacks=print),
        TypeError,
        r"wrap a single function in a list",
    ),
    (
        "callback not callable",
        lambda: shooting(callbacks=[1]),
        TypeError,
        r"callbacks\[0\] must be a function",
    ),
    (
        "checkpoint an int",
        lambda: shooting(checkpoint=123),
        TypeError,
        r"checkpoint must be a file path",
    ),
    ("update None", lambda: shooting(update=None), ValueError, r"update must be one of"),
    ("string lr", lambda: shooting(lr="0.1"), TypeError, r"lr must be a real number"),
    ("NaN lr", lambda: shooting(lr=NAN), ValueError, r"lr must be a finite number"),
    ("inf lr", lambda: shooting(lr=INF), ValueError, r"lr must be a finite number"),
    ("negative lr", lambda: shooting(lr=-1.0), ValueError, r"lr must be positive"),
    (
        "lr whose step overflows",
        lambda: ShootingTrainer(tiny(dtype=torch.float32), lr=3e38),
        ValueError,
        r"lr = 3e\+38 gives a gradient step lr / h = 6e\+38 that overflows torch.float32",
    ),
    (
        "proximal lr whose 1/lr overflows",
        lambda: ShootingTrainer(tiny(dtype=torch.float32), update="proximal", lr=1e-300),
        ValueError,
        r"proximal weight 1 / lr that overflows",
    ),
    (
        "inner_iterations = 0",
        lambda: shooting(update="proximal", inner_iterations=0),
        ValueError,
        r"inner_iterations must be a whole number >= 1",
    ),
    (
        "negative inner_iterations",
        lambda: shooting(update="fixed_point", inner_iterations=-1),
        ValueError,
        r"inner_iterations must be a whole number >= 1",
    ),
    (
        "non-whole inner_iterations",
        lambda: shooting(update="proximal", inner_iterations=2.5),
        ValueError,
        r"inner_iterations must be a whole number",
    ),
    ("Adam negative lr", lambda: AdamTrainer(tiny(), lr=-1), ValueError, r"lr must be positive"),
    ("Adam NaN lr", lambda: AdamTrainer(tiny(), lr=NAN), ValueError, r"lr must be a finite number"),
    (
        "Adam lr overflowing",
        lambda: AdamTrainer(tiny(dtype=torch.float32), lr=1e39),
        ValueError,
        r"lr = 1e\+39 overflows",
    ),
    # -- fit -------------------------------------------------------------------------------------
    (
        "negative iterations",
        lambda: shooting().fit(X, Y, -5),
        ValueError,
        r"iterations must be a whole number >= 0",
    ),
    (
        "non-whole iterations",
        lambda: shooting().fit(X, Y, 2.5),
        ValueError,
        r"iterations must be a whole number",
    ),
    (
        "string iterations",
        lambda: shooting().fit(X, Y, "10"),
        TypeError,
        r"iterations must be a whole number",
    ),
    (
        "negative tol",
        lambda: shooting().fit(X, Y, 3, tol=-1),
        ValueError,
        r"tol must be a finite number >= 0",
    ),
    (
        "NaN tol",
        lambda: shooting().fit(X, Y, 3, tol=NAN),
        ValueError,
        r"tol must be a finite number",
    ),
    (
        "complex x in fit",
        lambda: shooting().fit(X.to(torch.complex64), Y, 2),
        TypeError,
        r"x is complex",
    ),
    (
        "complex y in fit",
        lambda: shooting().fit(X, Y.to(torch.complex64), 2),
        TypeError,
        r"y is complex",
    ),
    (
        "labels given as targets",
        lambda: shooting().fit(X, LABELS, 2),
        ValueError,
        r"y must have shape \[N, d=2\]",
    ),
    # -- data sets -------------------------------------------------------------------------------
    (
        "accuracy labels [N, 1]",
        lambda: datasets.accuracy(Y, LABELS[:, None]),
        ValueError,
        r"labels must be a 1-D tensor \[n\]",
    ),
    (
        "accuracy labels too short",
        lambda: datasets.accuracy(Y, LABELS[:-1]),
        ValueError,
        r"labels has 15 entries but xL has 16 samples",
    ),
    (
        "accuracy float labels",
        lambda: datasets.accuracy(Y, LABELS.float()),
        TypeError,
        r"labels must be integer class indices",
    ),
    (
        "class_targets float labels",
        lambda: datasets.class_targets(LABELS.float()),
        TypeError,
        r"labels must be integer class indices",
    ),
    (
        "class_targets empty labels",
        lambda: datasets.class_targets(torch.tensor([], dtype=torch.long)),
        ValueError,
        r"labels is empty",
    ),
    (
        "class_targets 2-D labels",
        lambda: datasets.class_targets(LABELS[:, None]),
        ValueError,
        r"labels must be a 1-D tensor",
    ),
    (
        "nearest_target wrong width",
        lambda: datasets.nearest_target(torch.zeros(4, 3)),
        ValueError,
        r"targets are points in R\^2, but xL has 3 columns",
    ),
    (
        "nearest_target numpy",
        lambda: datasets.nearest_target(np.zeros((4, 2))),
        TypeError,
        r"xL must be a torch.Tensor",
    ),
    (
        "nearest_target NaN targets",
        lambda: datasets.nearest_target(torch.zeros(4, 2), [[NAN, 0.0], [1.0, 1.0]]),
        ValueError,
        r"targets contain NaN or inf",
    ),
    # -- cache and checkpoint files ---------------------------------------------------------------
    (
        "cache name not a string",
        lambda: cache.cache_path(123, {}, ".", entry="training"),
        TypeError,
        r"name must be a string",
    ),
    (
        "build not callable",
        lambda: cache.cached_fit("k", {}, 3, lambda m, c: {}, **STORE),
        TypeError,
        r"build must be a function",
    ),
    (
        "train not callable",
        lambda: cache.cached_fit("k", {}, tiny, None, **STORE),
        TypeError,
        r"train must be a function",
    ),
    (
        "make_trainer not callable",
        lambda: cache.cached_trainer_fit("k", {}, tiny, None, X, Y, **STORE),
        TypeError,
        r"make_trainer must be a function",
    ),
    (
        "cache entry not a module",
        lambda: cache.cached_fit("k", {}, tiny, lambda m, c: {}, cache=".", entry="no_such_module"),
        ValueError,
        r"entry 'no_such_module': no module",
    ),
    (
        "checkpoint path None",
        lambda: ae.load_checkpoint(None),
        TypeError,
        r"path must be a file path",
    ),
]


@pytest.mark.parametrize("call, exc, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_clear_message(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_there_are_enough_cases():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


def test_folders_and_files_mixed_up(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(
        ValueError, match="checkpoint must be the path of a file, but .* is a folder"
    ):
        shooting(checkpoint=folder)
    with pytest.raises(ValueError, match="is a folder; give the path of a checkpoint file"):
        ae.save_checkpoint(folder, {"a": 1})
    with pytest.raises(CheckpointError, match="is a folder, not a checkpoint file"):
        ae.load_checkpoint(folder)
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(ValueError, match="cache must be a folder, but .*afile is a file"):
        cache.cached_fit(
            "k",
            {"v": 1},
            tiny,
            lambda m, c: {"cost": [1.0]},
            cache=afile,
            entry="training",
            verbose=False,
        )
    with pytest.raises(ValueError, match="cache must be a folder, but .*afile is a file"):
        cache.cache_path("k", {}, afile / "sub", entry="training")


def test_train_must_return_a_history(tmp_path):
    with pytest.raises(
        TypeError, match=r"train\(model, checkpoint\) must return the trainer's history"
    ):
        cache.cached_fit(
            "k", {}, tiny, lambda m, c: [1.0], cache=tmp_path, entry="training", verbose=False
        )


# -- checkpoints written under one setting and resumed under another ------------------------------
def _write(path, make=None, model=None, x=None, y=None, **kw):
    make = make or ShootingTrainer
    x, y = (X if x is None else x), (Y if y is None else y)
    make(model or tiny(), progress=False, checkpoint=path, **kw).fit(x, y, 3)


OTHER_SETTINGS = [
    # (id, settings when writing, settings when resuming, field named in the error)
    ("update rule", dict(update="gradient"), dict(update="adam"), "update"),
    ("update rule back", dict(update="adam"), dict(update="gradient"), "update"),
    ("lr", dict(update="adam", lr=0.05), dict(update="adam", lr=0.01), "lr"),
    ("lam", dict(lam=1e-3), dict(lam=1e-2), "lam"),
    ("batch size", dict(batch_size=8), dict(batch_size=4), "batch_size"),
    ("sampler seed", dict(batch_size=8, seed=0), dict(batch_size=8, seed=1), "seed"),
    (
        "inner iterations",
        dict(update="proximal", inner_iterations=3),
        dict(update="proximal", inner_iterations=4),
        "inner_iterations",
    ),
    (
        "order",
        dict(model=lambda: tiny()),
        dict(model=lambda: AutoencODE(A.from_phases([2, 1, 2], L=4, order=[1, 0]), T=2.0)),
        "masks",
    ),
    (
        "depth",
        dict(model=lambda: tiny()),
        dict(model=lambda: AutoencODE(A.from_phases([2, 1, 2], L=5), T=2.0)),
        "masks",
    ),
    ("T", dict(model=lambda: tiny()), dict(model=lambda: tiny(T=3.0)), "T"),
    (
        "off_mode",
        dict(model=lambda: tiny()),
        dict(model=lambda: tiny(off_mode="freeze")),
        "off_mode",
    ),
    (
        "activation",
        dict(model=lambda: tiny()),
        dict(model=lambda: tiny(activation="sigmoid")),
        "activation",
    ),
    ("bias", dict(model=lambda: tiny()), dict(model=lambda: tiny(bias=False)), "bias"),
    ("fewer samples", dict(batch_size=8), dict(batch_size=8, x=X[:10], y=Y[:10]), "N"),
    (
        "more samples",
        dict(batch_size=8),
        dict(batch_size=8, x=torch.cat([X, X]), y=torch.cat([Y, Y])),
        "N",
    ),
    ("other data", dict(), dict(x=problem(seed=4)[0], y=problem(seed=4)[1]), "data"),
    ("other targets", dict(), dict(y=-Y), "data"),
]


@pytest.mark.parametrize(
    "written, resumed, field", [c[1:] for c in OTHER_SETTINGS], ids=[c[0] for c in OTHER_SETTINGS]
)
def test_resume_under_other_settings_is_refused_naming_the_field(tmp_path, written, resumed, field):
    path = tmp_path / "run.pt"
    written, resumed = dict(written), dict(resumed)
    model = written.pop("model", tiny)()
    _write(path, model=model, **written)
    model = resumed.pop("model", tiny)()
    x, y = resumed.pop("x", X), resumed.pop("y", Y)
    before = [p.detach().clone() for p in model.parameters()]
    tr = ShootingTrainer(model, progress=False, checkpoint=path, **resumed)
    with pytest.raises(CheckpointMismatch, match=rf"\b{field}\b") as info:
        tr.fit(x, y, 6, resume=True)
    assert info.value.field == field
    assert isinstance(info.value, ValueError) and isinstance(info.value, CheckpointError)
    assert tr.iteration == 0 and tr.history["cost"] == []  # nothing was loaded
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_resume_of_an_autograd_run_with_another_optimizer_is_refused(tmp_path):
    path = tmp_path / "adam.pt"
    _write(path, make=AdamTrainer, optimizer="sgd")
    with pytest.raises(
        CheckpointMismatch,
        match="written with optimizer = 'sgd', but this run has optimizer = 'adam'",
    ):
        AdamTrainer(tiny(), optimizer="adam", progress=False, checkpoint=path).fit(
            X, Y, 6, resume=True
        )


def test_the_requested_lr_is_used_after_resume(tmp_path):
    path = tmp_path / "lr.pt"
    _write(path, make=AdamTrainer, lr=0.05)
    tr = AdamTrainer(tiny(), lr=0.05, progress=False, checkpoint=path)
    for group in tr.optimizer.param_groups:
        group["lr"] = 123.0  # whatever the file says, lr is 0.05
    tr.restore(path)
    assert all(group["lr"] == 0.05 for group in tr.optimizer.param_groups)


def _tampered(tmp_path, change):
    path = tmp_path / "t.pt"
    _write(path, update="adam")
    state = torch.load(path, weights_only=True)
    change(state)
    ae.save_checkpoint(path, state)
    return path


def _nan_moments(state):
    for st in state["extra"]["optimizer"]["state"].values():
        st["exp_avg"].fill_(NAN)


TAMPERED = [
    ("NaN weights", lambda s: s["model"]["weights.0"].fill_(NAN), r"weights contain NaN or inf"),
    ("NaN optimizer state", _nan_moments, r"optimizer state contains NaN or inf"),
    ("inf cost", lambda s: s.__setitem__("cost", INF), r"has cost inf, not a finite number"),
    (
        "inf in history",
        lambda s: s["history"]["cost"].__setitem__(0, INF),
        r"history\['cost'\] holds NaN or inf",
    ),
    (
        "missing model",
        lambda s: s.pop("model"),
        r"incomplete trainer checkpoint, missing field\(s\) 'model'",
    ),
    ("missing history", lambda s: s.pop("history"), r"missing field\(s\) 'history'"),
    ("missing config", lambda s: s.pop("config"), r"missing field\(s\) 'config'"),
    (
        "missing config field",
        lambda s: s["config"].pop("lam"),
        r"configuration lacks the field 'lam'",
    ),
    (
        "string iteration",
        lambda s: s.__setitem__("iteration", "abc"),
        r"'iteration' must be a whole number",
    ),
    (
        "history shorter than iteration",
        lambda s: s["history"]["cost"].pop(),
        r"history\['cost'\] must be a list of 3",
    ),
    (
        "sampler position out of range",
        lambda s: s["sampler"].__setitem__("pos", -1),
        r"sampler\['pos'\]",
    ),
    (
        "old format",
        lambda s: s.__setitem__("format", "autoencode-trainer-1"),
        r"older version of autoencode",
    ),
]


@pytest.mark.parametrize("change, message", [c[1:] for c in TAMPERED], ids=[c[0] for c in TAMPERED])
def test_unusable_checkpoint_is_refused(tmp_path, change, message):
    path = _tampered(tmp_path, change)
    tr = ShootingTrainer(tiny(), update="adam", progress=False, checkpoint=path)
    with pytest.raises(CheckpointError, match=message):
        tr.fit(X, Y, 6, resume=True)
    assert tr.iteration == 0


def test_a_file_with_only_the_tag_is_a_checkpoint_error(tmp_path):
    path = tmp_path / "tag.pt"
    for tag in ("autoencode-trainer-1", ae.training.FORMAT):
        ae.save_checkpoint(path, {"format": tag, "trainer": "shooting"})
        with pytest.raises(CheckpointError, match=r"missing field\(s\) 'config', 'model'"):
            shooting().restore(path)
