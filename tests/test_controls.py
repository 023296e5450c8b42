"""Every committed number is guarded by a tolerance narrower than its gap to the negative control.

Each figure that trains declares its negative control (``@figure(..., control={...})``): the
parameter overrides under which the same experiment runs as if training had done nothing. Here
that control runs with the book's other parameters, and for every number of the page's reference
file (``notebooks/reference/<page>.toml``) the committed tolerance must **reject** the control's
value: a tolerance that accepted it could not tell a trained model from an untrained one. Where no
control bears on a number (a parameter, a baseline that does not train, a value fixed by
construction), the tolerance entry says why (``no_control``).

(The claims carry their own controls, which :meth:`autoencode.Report.claims` checks.)
"""

from __future__ import annotations

import pytest

import autoencode as ae
from autoencode import reproduction
from autoencode.experiments.registry import FIGURES

pytestmark = pytest.mark.notebooks  # the book's full-mode set-up (full MNIST), not a unit test

WITH_CONTROL = sorted(n for n, s in FIGURES.items() if s.control is not None)
WITHOUT_CONTROL = sorted(n for n, s in FIGURES.items() if s.control is None)


def test_a_figure_without_control_says_why_for_every_number():
    """A figure that declares no control (a drawing: it trains nothing) must say, for each of
    its numbers, why no control bears on it."""
    for name in WITHOUT_CONTROL:
        ref = reproduction.load_reference(FIGURES[name].notebook)
        silent = [k for k in ref["committed"] if not reproduction.tolerance_for(ref, k).no_control]
        assert not silent, (
            f"figure {name} declares no negative control and its numbers {silent} say nothing "
            "of it: declare @figure(..., control={'iterations': 0}) or what makes it untrained, "
            "or give the tolerances a no_control reason"
        )


@pytest.fixture(scope="module", params=WITH_CONTROL)
def control_run(request):
    name = request.param
    spec = FIGURES[name]
    params = ae.experiments.parameters(name, quick=False, **dict(spec.control or {}))
    params.pop("quick")
    result = ae.experiments.run(name, progress=False, quick=False, **params)
    return name, spec, result


def test_every_tolerance_rejects_the_control(control_run, monkeypatch):
    monkeypatch.delenv("AUTOENCODE_REFERENCE", raising=False)
    name, spec, result = control_run
    ref = reproduction.load_reference(spec.notebook)
    accepted, missing = [], []
    for key, committed in sorted(ref["committed"].items()):
        tol = reproduction.tolerance_for(ref, key)
        if tol.no_control:
            continue
        if key not in result.numbers:
            missing.append(key)
        elif tol.holds(result.numbers[key], committed):
            accepted.append(
                f"{key}: control {result.numbers[key]!r} within {tol.describe()} of the committed "
                f"{committed!r}"
            )
    assert not missing, (
        f"{name}'s control run does not report {missing}: report them, or give their "
        "tolerances a no_control reason"
    )
    assert not accepted, (
        f"tolerances of {spec.notebook} accept the untrained control "
        f"({dict(spec.control or {})}):\n  " + "\n  ".join(accepted)
    )


def test_every_no_control_entry_says_why():
    for path in sorted(reproduction.REFERENCE_DIR.glob("*.toml")):
        for tol in reproduction.load_reference(path.stem)["tolerances"]:
            assert tol.no_control is not None
            if tol.no_control:
                assert len(tol.no_control.split()) >= 2, (path.name, tol.pattern)
