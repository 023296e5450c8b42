"""ARCHITECTURE.md's template of a figure runs as written: registered, checked, run."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest

import autoencode as ae
from autoencode.experiments.registry import FIGURES

DOC = Path(__file__).resolve().parent.parent / "ARCHITECTURE.md"


def _template() -> str:
    text = DOC.read_text()
    section = text[text.index("## Adding a figure") :]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)[:1]
    return code


@pytest.fixture
def my_figure():
    module = types.ModuleType("my_figure")
    exec(compile(_template(), str(DOC), "exec"), module.__dict__)
    try:
        yield FIGURES["my_figure"]
    finally:
        FIGURES.pop("my_figure", None)


def test_the_template_figure_runs_with_its_claim_and_control(my_figure):
    params = ae.experiments.parameters("my_figure", quick=True)
    assert params["iterations"] == 5
    result = ae.experiments.run("my_figure", progress=False, quick=True)
    assert result.numbers["my_J"] < result.numbers["my_J0"]
    (claim,) = result.claims
    assert claim.holds and claim.can_fail and claim.key == "my_figure"
    control = ae.experiments.run("my_figure", progress=False, quick=True, **my_figure.control)
    assert not control.claims[0].holds  # untrained: the claim fails on its own control


def test_the_template_figure_is_checked_like_any_other(my_figure):
    with pytest.raises(ValueError, match="parameter lam of figure 'my_figure'"):
        ae.experiments.parameters("my_figure", quick=True, lam=-1)


def _rule_template() -> str:
    text = DOC.read_text()
    section = text[text.index("## Adding an update rule") :]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]


def test_the_template_rule_trains_through_the_table(monkeypatch):
    """The rule of ARCHITECTURE.md, added to the table as written, trains by name: the cost
    falls, and its checkpoint records it."""
    from autoencode.training import rules

    monkeypatch.setattr(rules, "RULES", dict(rules.RULES))
    from autoencode.training import shooting

    monkeypatch.setattr(shooting, "RULES", rules.RULES)
    namespace = dict(vars(rules))
    exec(compile(_rule_template(), str(DOC), "exec"), namespace)
    assert "sign" in rules.RULES
    x, labels = ae.data.two_clusters(40, seed=0)
    y = ae.data.class_targets(labels)
    arch = ae.Architecture.from_phases([2, 1, 2], L=6, order=[0, 1])
    trainer = ae.ShootingTrainer(
        ae.AutoencODE(arch, seed=0), update="sign", lr=0.01, progress=False
    )
    history = trainer.fit(x, y, 20)
    assert history["cost"][-1] < history["cost"][0]
    assert trainer.config()["update"] == "sign"
