"""Atomic checkpoint files, read back without unpickling arbitrary objects."""

import os
import pickle

import pytest
import torch

from autoencode import CheckpointError, load_checkpoint, save_checkpoint

# Each test runs on every device this machine has (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("on_device")


def test_round_trip_and_no_temporary_files_left(tmp_path):
    state = {"w": torch.arange(6.0).reshape(2, 3), "history": {"cost": [1.0, 0.5]}, "iteration": 2}
    path = save_checkpoint(tmp_path / "sub" / "ckpt.pt", state)
    back = load_checkpoint(path)
    assert torch.equal(back["w"], state["w"]) and back["history"] == state["history"]
    assert os.listdir(tmp_path / "sub") == ["ckpt.pt"]


def test_failed_write_keeps_the_previous_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_checkpoint(path, {"iteration": 1})

    class Unsavable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError):
        save_checkpoint(path, {"iteration": 2, "bad": Unsavable()})
    assert load_checkpoint(path)["iteration"] == 1
    assert os.listdir(tmp_path) == ["ckpt.pt"]


def test_corrupt_or_truncated_file_names_the_path(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_checkpoint(path, {"w": torch.ones(100)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="ckpt.pt: not a readable autoencode checkpoint"):
        load_checkpoint(path)


class Payload:
    """An arbitrary object: loading it would mean running unpickling code."""


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_arbitrary_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"obj": Payload()}, path)
    with pytest.raises(CheckpointError, match="evil.pt"):
        load_checkpoint(path)
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.pt")


def test_a_trainer_checkpoint_records_its_settings_and_a_finite_cost(tmp_path):
    import math

    import autoencode as ae
    from autoencode.checkpoint import CheckpointMismatch

    x, labels = ae.data.two_clusters(20, seed=0)
    path = tmp_path / "run.pt"
    model = ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=4, order=[1, 0]), T=2.0)
    ae.ShootingTrainer(
        model,
        update="adam",
        lr=0.05,
        lam=1e-2,
        batch_size=8,
        seed=3,
        progress=False,
        checkpoint=path,
    ).fit(x, ae.data.class_targets(labels), 3)
    state = load_checkpoint(path)
    assert state["format"] == "autoencode-trainer-2" and math.isfinite(state["cost"])
    cfg = state["config"]
    assert torch.equal(cfg["masks"], model.arch.masks)
    assert {
        k: cfg[k]
        for k in (
            "trainer",
            "T",
            "off_mode",
            "activation",
            "bias",
            "dtype",
            "update",
            "lr",
            "inner_iterations",
            "lam",
            "batch_size",
            "seed",
            "N",
        )
    } == {
        "trainer": "shooting",
        "T": 2.0,
        "off_mode": "reset",
        "activation": "tanh",
        "bias": True,
        "dtype": str(torch.get_default_dtype()),
        "update": "adam",
        "lr": 0.05,
        "inner_iterations": None,
        "lam": 1e-2,
        "batch_size": 8,
        "seed": 3,
        "N": 20,
    }
    assert isinstance(cfg["data"], str) and len(cfg["data"]) == 32
    assert issubclass(CheckpointMismatch, CheckpointError) and issubclass(
        CheckpointMismatch, ValueError
    )
