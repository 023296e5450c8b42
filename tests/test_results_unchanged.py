"""What training computes, pinned: a few steps in every storage layout and every update rule.

Each case trains a small model for a few iterations in float64 and records its history, its
weights, its output, its co-states and its gradient. ``tests/data/results_reference.json``
holds those numbers as the library computed them; this test recomputes them and compares.
A change of the code's *structure* (moving the layouts, the update rules or the loop into
other files) must leave them unchanged.

The comparison is with a tolerance (relative 1e-8 in float64), not a hash of the bits: CPUs
with other vector kernels round differently, and a refactor may reorder a sum. Anything that
changes what is computed moves these numbers by far more.

To record the reference again after a deliberate change of the computation::

    python tests/test_results_unchanged.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

import autoencode as ae
from autoencode import AdamTrainer, Architecture, AutoencODE, ShootingTrainer, pmp

REFERENCE = Path(__file__).parent / "data" / "results_reference.json"
RTOL, ATOL = 1e-8, 1e-12

#: Each storage layout of the model: masks that form a chain are stored *compact* under
#: ``reset`` and as a prefix under ``freeze``; masks that do not are stored whole and gathered.
LAYOUTS = {
    "compact": ("chain", "reset"),
    "prefix": ("chain", "freeze"),
    "gathered": ("not_a_chain", "reset"),
    "gathered_freeze": ("not_a_chain", "freeze"),
}
#: Each trainer: the shooting method with each update rule, and the autograd baseline.
TRAINERS = {
    "gradient": dict(cls="shooting", update="gradient", lr=0.2),
    "adam": dict(cls="shooting", update="adam", lr=0.05),
    "fixed_point": dict(cls="shooting", update="fixed_point", lr=0.5, inner_iterations=3),
    "proximal": dict(cls="shooting", update="proximal", lr=0.5, inner_iterations=3),
    # Another lr than the shooting "adam": with the same one both take identical steps.
    "autograd_adam": dict(cls="autograd", lr=0.03),
}
ITERATIONS = 3


def _architecture(kind: str) -> Architecture:
    if kind == "chain":
        return Architecture.from_phases([4, 2, 4], L=6)
    from layouts import gathered

    return gathered()


def _smooth(*shape: int, phase: float) -> torch.Tensor:
    n = torch.arange(torch.Size(shape).numel(), dtype=torch.float64)
    return torch.sin(0.7 * n + phase).reshape(shape)


def _case(layout: str, trainer: str) -> dict[str, list[float]]:
    kind, off_mode = LAYOUTS[layout]
    arch = _architecture(kind)
    # Data and weights from arithmetic, not from torch's normal sampler: its vectorised
    # kernels (AVX-512, AVX2, scalar) draw different normal numbers from the same seed.
    x = _smooth(24, arch.widths[0], phase=0.3)
    y = torch.tanh(x.flip(1))
    model = AutoencODE(arch, T=2.0, off_mode=off_mode, seed=3, dtype=torch.float64)
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.where(p != 0, 0.8 * _smooth(*p.shape, phase=i), 0.0))
    opts = dict(TRAINERS[trainer])
    cls = opts.pop("cls")
    common = dict(lam=1e-2, batch_size=16, seed=5, progress=False)
    if cls == "shooting":
        run = ShootingTrainer(model, **opts, **common)
    else:
        run = AdamTrainer(model, **opts, **common)
    history = run.fit(x, y, ITERATIONS)
    J, data, reg, grads, _, ps = pmp.cost_and_gradients(model, x, y, 1e-2)
    flat = lambda ts: torch.cat([t.detach().reshape(-1) for t in ts]).tolist()  # noqa: E731
    return {
        "history": [v for key in ("cost", "data", "reg") for v in history[key]],
        "weights": flat(model.parameters()),
        "output": model(x).detach().reshape(-1).tolist(),
        "costates": flat(ps),
        "gradient": flat([g for layer in grads for g in layer]),
        "cost": [float(J), float(data), float(reg)],
    }


CASES = [(layout, trainer) for layout in LAYOUTS for trainer in TRAINERS]


@pytest.fixture(autouse=True)
def _on_cpu():
    with ae.compute_on("cpu", torch.float64):
        yield


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def test_every_case_has_a_reference(reference):
    assert sorted(reference) == sorted(f"{layout}/{trainer}" for layout, trainer in CASES)


@pytest.mark.parametrize("layout, trainer", CASES, ids=[f"{a}-{b}" for a, b in CASES])
def test_results_unchanged(reference, layout, trainer):
    got = _case(layout, trainer)
    want = reference[f"{layout}/{trainer}"]
    assert sorted(got) == sorted(want)
    for name in want:
        torch.testing.assert_close(
            torch.tensor(got[name], dtype=torch.float64),
            torch.tensor(want[name], dtype=torch.float64),
            rtol=RTOL,
            atol=ATOL,
            msg=lambda m, name=name: f"{layout}/{trainer}: {name} changed: {m}",
        )


def test_the_reference_tells_cases_apart(reference):
    """Sanity check of the reference itself: every case trained (its cost moved) and no two
    cases recorded the same weights, so a layout or rule that fell back to another is seen."""
    weights = set()
    for key, case in reference.items():
        cost = case["history"][:ITERATIONS]
        assert cost[-1] != cost[0], f"{key}: the cost did not move"
        weights.add(tuple(round(w, 12) for w in case["weights"]))
    assert len(weights) == len(reference)


def _write() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    with ae.compute_on("cpu", torch.float64):
        ref = {f"{layout}/{trainer}": _case(layout, trainer) for layout, trainer in CASES}
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(json.dumps(ref, indent=0) + "\n")
    print(f"{REFERENCE}: {len(ref)} cases")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_results_unchanged.py --write")
    _write()
