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


def _cli(*args, tmp_path: Path, cache: Path | None = None, **env):
    full = {**os.environ, "AUTOENCODE_CACHE": str(cache or tmp_path / "cache"), **env}
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


@pytest.fixture(scope="session")
def quick_cache(tmp_path_factory) -> Path:
    """One model cache for the figures' quick runs of the whole test run (over pytest-xdist
    workers too): Figs 10 and 11 load the quick MNIST model that Figs 8-9 train, or train it
    for them, once (the cache's lock makes the others wait)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return root / "cli-quick-cache"


@pytest.mark.parametrize("name", sorted(ae.experiments.FIGURES))
@pytest.mark.slow
def test_figure_quick(name, tmp_path, quick_cache):
    """Every figure in quick mode: PNG, PDF and its numbers as JSON."""
    out = tmp_path / "out"
    proc = _cli(
        "figure", name, "--quick", "--no-progress", "--out", str(out),
        tmp_path=tmp_path, cache=quick_cache,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (out / f"{name}.png").stat().st_size > 1000
    assert (out / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    numbers = json.loads((out / f"{name}.json").read_text())
    assert numbers["figure"] == name and numbers["parameters"]["quick"] is True
    assert numbers["numbers"], "no numbers written"


def _main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int | str | None, str]:
    """The command's exit status and standard error, run in this process: for the refusals, which
    stop before any work (the subprocess above adds only the start of an interpreter)."""
    from autoencode.__main__ import main

    try:
        code: int | str | None = main(list(args))
    except SystemExit as e:  # argparse's refusals, and SystemExit(message)
        if isinstance(e.code, str):  # which the interpreter prints, exiting with 1
            return 1, capsys.readouterr().err + e.code
        code = e.code
    return code, capsys.readouterr().err


def test_bad_parameter_is_named(tmp_path, capsys):
    name = sorted(ae.experiments.FIGURES)[0]
    code, err = _main(
        "figure", name, "--quick", "-p", "no_such_knob=1", "--out", str(tmp_path), capsys=capsys
    )
    assert code == 2
    assert "no_such_knob" in err and "its parameters are" in err
    assert not any(tmp_path.iterdir())  # refused before any work


def test_unknown_figure_is_refused(capsys):
    code, err = _main("figure", "fig99", "--quick", capsys=capsys)
    assert code == 2 and "invalid choice" in err


def test_malformed_override_is_explained(capsys):
    name = sorted(ae.experiments.FIGURES)[0]
    code, err = _main("figure", name, "-p", "lam", capsys=capsys)
    assert code != 0 and "key=value" in err


@pytest.mark.slow
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
