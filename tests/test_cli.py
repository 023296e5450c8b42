"""`python -m autoencode figure`: one command per figure, through the notebooks' experiments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import autoencode as ae

ROOT = Path(__file__).resolve().parent.parent


def _cli(*args, tmp_path: Path, **env):
    full = {**os.environ, "AUTOENCODE_CACHE": str(tmp_path / "cache"), **env}
    full.pop("AUTOENCODE_QUICK", None)
    return subprocess.run(
        [sys.executable, "-m", "autoencode", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_help_lists_every_figure(tmp_path):
    proc = _cli("figure", "--help", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name, spec in ae.experiments.FIGURES.items():
        assert name in proc.stdout and spec.notebook in proc.stdout


def test_every_notebook_has_a_figure_command():
    pages = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert pages == {spec.notebook for spec in ae.experiments.FIGURES.values()}


@pytest.mark.parametrize("name", sorted(ae.experiments.FIGURES))
def test_figure_quick(name, tmp_path):
    """Every figure in quick mode: PNG, PDF and its numbers as JSON."""
    out = tmp_path / "out"
    proc = _cli("figure", name, "--quick", "--no-progress", "--out", str(out), tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / f"{name}.png").stat().st_size > 1000
    assert (out / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    numbers = json.loads((out / f"{name}.json").read_text())
    assert numbers["figure"] == name and numbers["parameters"]["quick"] is True
    assert numbers["numbers"], "no numbers written"


def test_bad_parameter_is_named(tmp_path):
    name = sorted(ae.experiments.FIGURES)[0]
    proc = _cli(
        "figure", name, "--quick", "-p", "no_such_knob=1", "--out", str(tmp_path), tmp_path=tmp_path
    )
    assert proc.returncode == 2
    assert "no_such_knob" in proc.stderr and "its parameters are" in proc.stderr


def test_unknown_figure_is_refused(tmp_path):
    proc = _cli("figure", "fig99", "--quick", tmp_path=tmp_path)
    assert proc.returncode != 0 and "invalid choice" in proc.stderr


def test_malformed_override_is_explained(tmp_path):
    name = sorted(ae.experiments.FIGURES)[0]
    proc = _cli("figure", name, "-p", "lam", tmp_path=tmp_path)
    assert proc.returncode != 0 and "key=value" in proc.stderr


def test_device_and_dtype_options(tmp_path):
    """--dtype float64 runs the figure in float64 and records it; a device or dtype this machine
    cannot use is refused before any work, naming what it has."""
    out = tmp_path / "out"
    proc = _cli(
        "figure", "fig05", "--quick", "--dtype", "float64", "--no-progress", "--out", str(out),
        tmp_path=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "on cpu in float64" in proc.stderr
    params = json.loads((out / "fig05.json").read_text())["parameters"]
    assert (params["device"], params["dtype"]) == ("cpu", "float64")
    if "cuda" not in ae.available_devices():
        proc = _cli("figure", "fig05", "--quick", "--device", "cuda", tmp_path=tmp_path)
        assert proc.returncode == 2 and "'cuda' is not available here" in proc.stderr
    proc = _cli("figure", "fig05", "--quick", "--dtype", "int8", tmp_path=tmp_path)
    assert proc.returncode == 2 and "unknown dtype 'int8'" in proc.stderr
