"""Measure how much the numbers the notebooks report move across CPU kernels and seeds.

The tolerances in ``notebooks/reference/*.toml`` are justified by this measurement.
Each *configuration* re-executes the notebooks in full mode with papermill, with a fresh
model cache (so the MNIST models are retrained under that configuration), and keeps every
number the notebook glues:

* ``native``: this machine's default kernels;
* ``avx2``: ``ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=AVX2``, which makes torch
  and the BLAS take other code paths (other round-off), as another CPU would;
* ``seedN``: native kernels, parameter ``seed = N`` (other data and initial weights).

Usage (from the repository root, one configuration at a time: they compete for the cores)::

    .venv/bin/python scripts/measure_spread.py run native avx2 seed1 seed2 --out spread/
    .venv/bin/python scripts/measure_spread.py summary spread/ > spread/summary.md
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB_DIR = ROOT / "notebooks"
OTHER_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}


def run(configs: list[str], out: Path, notebooks: list[str]) -> None:
    import papermill as pm

    sys.path.insert(0, str(ROOT))
    from autoencode import reproduction

    out.mkdir(parents=True, exist_ok=True)
    for config in configs:
        env = {}
        params = {}
        if config == "avx2":
            env = OTHER_KERNELS
        elif config.startswith("seed"):
            params = {"seed": int(config[4:])}
        elif config != "native":
            sys.exit(f"unknown configuration {config!r}: use native, avx2 or seedN")
        saved = {
            k: os.environ.get(k)
            for k in [
                *env,
                "AUTOENCODE_CACHE",
                "AUTOENCODE_QUICK",
                "AUTOENCODE_REPORT_DUMP",
                "AUTOENCODE_REFERENCE",
                "AUTOENCODE_UPDATE_REFERENCE",
            ]
        }
        results = {}
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(env)
            os.environ["AUTOENCODE_CACHE"] = str(Path(tmp) / "cache")
            os.environ.pop("AUTOENCODE_QUICK", None)
            # every reported number (autoencode.reproduction.Report) is dumped here, and the
            # comparison with the committed values is made against a copy, not enforced
            os.environ["AUTOENCODE_REPORT_DUMP"] = str(Path(tmp) / "reported")
            reference = Path(tmp) / "reference"
            shutil.copytree(NB_DIR / "reference", reference)
            os.environ["AUTOENCODE_REFERENCE"] = str(reference)
            os.environ["AUTOENCODE_UPDATE_REFERENCE"] = "1"
            try:
                for name in notebooks:
                    t = time.time()
                    path = Path(tmp) / f"{name}.ipynb"
                    pm.execute_notebook(
                        str(NB_DIR / f"{name}.ipynb"),
                        str(path),
                        parameters=params,
                        kernel_name="python3",
                        cwd=str(NB_DIR),
                        progress_bar=False,
                    )
                    results[name] = {
                        k: v
                        for k, v in reproduction.committed_glue(path).items()
                        if isinstance(v, (int, float))
                    }
                    dumped = Path(tmp) / "reported" / f"{name}.json"
                    if dumped.exists():
                        results[name].update(
                            {
                                k: v
                                for k, v in json.loads(dumped.read_text()).items()
                                if isinstance(v, (int, float))
                            }
                        )
                    print(f"{config}: {name} ({time.time() - t:.0f} s)", flush=True)
            finally:
                for k, v in saved.items():
                    os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        (out / f"{config}.json").write_text(json.dumps(results, indent=1, sort_keys=True))


def summary(folder: Path) -> None:
    """Per quantity: committed value, tolerance, the other kernels' deviation, the seeds' range."""
    sys.path.insert(0, str(ROOT))
    from autoencode import reproduction

    runs = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    seeds = [r for c, r in runs.items() if c.startswith("seed")]
    other = runs.get("avx2", {})
    print(
        "| notebook | quantity | committed | tolerance | AVX2 kernels: deviation | within "
        "| seeds: min .. max |"
    )
    print("|---|---|---|---|---|---|---|")
    for path in sorted(reproduction.REFERENCE_DIR.glob("*.toml")):
        nb = path.stem
        ref = reproduction.load_reference(nb)
        for q, v in ref["committed"].items():
            tol = reproduction.tolerance_for(ref, q)
            o = other.get(nb, {}).get(q)
            if isinstance(v, str) or o is None:
                dev, ok = ("" if o is None else str(o)), ("" if o is None else str(tol.holds(o, v)))
            else:
                dev = f"{abs(o - v) / abs(v):.1e} rel" if v else f"{abs(o - v):.1e} abs"
                ok = "yes" if tol.holds(o, v) else "NO"
            sv = [r[nb][q] for r in seeds if q in r.get(nb, {})]
            rng = f"{min(sv):.4g} .. {max(sv):.4g}" if sv and not isinstance(v, str) else ""
            print(
                f"| {nb} | {q} | {v if isinstance(v, str) else format(v, '.4g')} "
                f"| {tol.describe()} "
                f"| {dev} | {ok} | {rng} |"
            )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("configs", nargs="+")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument(
        "--notebooks", nargs="+", default=[p.stem for p in sorted(NB_DIR.glob("*.ipynb"))]
    )
    s = sub.add_parser("summary")
    s.add_argument("folder", type=Path)
    a = ap.parse_args()
    if a.cmd == "run":
        run(a.configs, a.out, a.notebooks)
    else:
        summary(a.folder)


if __name__ == "__main__":
    main()
