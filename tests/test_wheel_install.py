"""The library installed from its wheel, used from outside the checkout: it imports from the
new environment, trains through the model cache, runs a figure and reads the MNIST subset,
and writes nothing into its installation; the trained model lands in the user's cache folder.

The wheel is built from a copy of the sources (nothing is written into the checkout) and
installed with ``--no-deps --no-index`` into a fresh virtual environment that reuses this
environment's packages through a ``.pth`` file, so no package is downloaded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import sys, sysconfig
    from pathlib import Path

    import matplotlib.pyplot as plt

    import autoencode as ae
    from autoencode import paths
    from autoencode.experiments import registry

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(ae.__file__).resolve().is_relative_to(site), (ae.__file__, str(site))
    assert paths.checkout_root() is None, paths.checkout_root()
    assert "make" not in paths.fetch_full_command(), paths.fetch_full_command()
    print("DATA", ae.data.mnist.data_dir())

    x, labels = ae.data.two_clusters(n=20, seed=0)
    y = ae.data.class_targets(labels)

    def build():
        return ae.AutoencODE(ae.Architecture.from_phases([2, 1, 2], L=4), T=1.0, seed=0)

    def make(model, checkpoint):
        return ae.ShootingTrainer(model, lam=1e-3, lr=0.1, progress=False, checkpoint=checkpoint)

    for _ in range(2):
        run = ae.cache.cached_trainer_fit(
            "wheel", {"n": 20}, build, make, x, y, iterations=3,
            cache=ae.cache_dir(), entry="autoencode.training", verbose=False,
        )
        print("TRAINED" if run.trained else "LOADED", run.path)

    result = registry.run("fig01_03", progress=False, quick=True)
    print("FIGURE", result.name, len(result.figures))
    plt.close("all")

    images, labels = ae.data.mnist.load_mnist(source="subset", split="train")
    print("SUBSET", tuple(images.shape), len(labels))
    """
)


def _run(args, **kw):
    done = subprocess.run(args, capture_output=True, text=True, timeout=240, **kw)
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_the_wheel_works_outside_the_checkout_and_writes_nothing_into_itself(tmp_path):
    try:
        import setuptools  # noqa: F401  (the build backend, used without isolation)
    except ImportError:
        pytest.skip("setuptools is not installed here: the wheel cannot be built offline")

    # the wheel, from a copy of the sources
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "autoencode", src / "autoencode", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--disable-pip-version-check", "-q", "-w", str(dist)],
        cwd=src,
    )
    (wheel,) = dist.glob("autoencode-*.whl")

    # a fresh environment that sees this one's packages, and the wheel installed into it
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).strip()
    )
    (site / "project-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index"]
        + ["--disable-pip-version-check", "-q", str(wheel)]
    )
    assert (site / "autoencode" / "paths.py").is_file()

    # used from a folder outside the checkout, with the user's folders in tmp_path
    work, home, xdg = tmp_path / "work", tmp_path / "home", tmp_path / "xdg"
    for d in (work, home, xdg):
        d.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AUTOENCODE_CACHE", "AUTOENCODE_DATA", "AUTOENCODE_REFERENCE", "PYTHONPATH")
    }
    env.update(HOME=str(home), XDG_CACHE_HOME=str(xdg), AUTOENCODE_QUICK="1", MPLBACKEND="Agg")
    before = _snapshot(site)
    out = _run([str(python), "-c", SCRIPT], cwd=work, env=env)

    assert _snapshot(site) == before, "the library wrote into its installation"
    models = xdg / "autoencode" / "models"
    lines = out.splitlines()
    trained = [line.split(" ", 1) for line in lines if line.startswith(("TRAINED", "LOADED"))]
    assert [t[0] for t in trained] == ["TRAINED", "LOADED"], out
    assert {Path(t[1]).parent for t in trained} == {models}, out
    assert len(list(models.glob("wheel-*.pt"))) == 1
    assert f"DATA {xdg / 'autoencode' / 'data'}" in lines, out
    assert "FIGURE fig01_03 4" in lines, out
    assert "SUBSET (4000, 28, 28) 4000" in lines, out
