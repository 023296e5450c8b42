"""The reported numbers' check (autoencode.reproduction) and the committed reference files.

* ``Report`` compares with a tolerance, skips (and says so) outside the book's run, and fails
  on a value out of tolerance, an unknown quantity or a stale committed value;
* every committed notebook agrees with its ``notebooks/reference/<notebook>.toml``: each number
  it glues has a tolerance (with a reason) and a committed value, within that tolerance;
* no cell that nbval compares byte for byte prints a number that training produces: in a
  notebook with a reference file, the only such cell is the one running ``report.check()``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autoencode import reproduction
from autoencode.reproduction import Report, ReproductionError, Tolerance

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WITH_REFERENCE = [p for p in NOTEBOOKS if (reproduction.REFERENCE_DIR / f"{p.stem}.toml").exists()]
#: Notebooks without training (drawings, architectures): their outputs are deterministic.
DETERMINISTIC = {"fig01_03_architectures", "fig07_mnist_architecture"}

REFERENCE = """
[parameters]
iterations = 100
lam = 0.001
[tolerances]
"n_test" = { exact = true, why = "a parameter" }
"mse_*" = { rel = 0.1, abs = 1e-6, why = "training" }
"pair" = { exact = true, why = "discrete" }
[committed]
mse_ours = 0.01
n_test = 500
pair = "4 and 9"
"""


@pytest.fixture
def reference(tmp_path, monkeypatch):
    (tmp_path / "demo.toml").write_text(REFERENCE)
    monkeypatch.setenv("AUTOENCODE_REFERENCE", str(tmp_path))
    monkeypatch.delenv("AUTOENCODE_QUICK", raising=False)
    monkeypatch.delenv("AUTOENCODE_UPDATE_REFERENCE", raising=False)
    return tmp_path / "demo.toml"


def report_with(values, **params):
    r = Report("demo", parameters={"iterations": 100, "lam": 1e-3, **params})
    for name, v in values.items():
        r(name, v, glue=False)
    return r


def test_values_within_tolerance_pass_and_print_only_committed_values(reference, capsys):
    r = report_with({"mse_ours": 0.0105, "n_test": 500, "pair": "4 and 9"})
    assert r.is_book_run and r.check()
    out = capsys.readouterr().out
    assert "3 reported numbers within their tolerances" in out
    assert "0.0105" not in out and "0.01" in out  # the committed value, not the measured


@pytest.mark.parametrize(
    "values, fragment",
    [
        (
            {"mse_ours": 0.0112, "n_test": 500, "pair": "4 and 9"},
            "mse_ours: measured 0.0112, committed 0.01",
        ),
        ({"mse_ours": 0.01, "n_test": 501, "pair": "4 and 9"}, "n_test: measured 501"),
        ({"mse_ours": 0.01, "n_test": 500, "pair": "5 and 8"}, "pair: measured '5 and 8'"),
        ({"mse_ours": 0.01, "n_test": 500}, "committed but not reported by this run: ['pair']"),
        (
            {"mse_ours": 0.01, "n_test": 500, "pair": "4 and 9", "mse_new": 1.0},
            "mse_new: measured 1, but no committed value",
        ),
        ({"mse_ours": float("nan"), "n_test": 500, "pair": "4 and 9"}, "mse_ours: measured nan"),
    ],
)
def test_a_value_out_of_tolerance_fails_with_its_reason(reference, values, fragment):
    with pytest.raises(ReproductionError) as err:
        report_with(values).check()
    assert fragment in str(err.value) and "make execute" in str(err.value)


def test_a_quantity_without_tolerance_is_refused(reference):
    with pytest.raises(ReproductionError, match="no tolerance matches the quantity 'accuracy'"):
        report_with({"accuracy": 1.0}).check()


def test_other_parameters_skip_the_check_and_say_why(reference, capsys):
    r = report_with({"mse_ours": 5.0}, iterations=500)
    assert not r.is_book_run and r.check() is False
    assert "iterations = 500 (book: 100)" in capsys.readouterr().out


def test_quick_mode_skips_the_check(reference, monkeypatch, capsys):
    monkeypatch.setenv("AUTOENCODE_QUICK", "1")
    assert report_with({"mse_ours": 5.0}).check() is False
    assert "quick mode" in capsys.readouterr().out


def _checked(rho, control_rho=0.5):
    from autoencode import claims

    return (
        claims.keeps_order(rho)
        .about("fig6")
        .versus(claims.keeps_order(control_rho), "zero weights")
    )


def test_a_claim_that_does_not_hold_is_recorded_not_raised(reference, capsys):
    assert report_with({}).claims(_checked(0.5, 0.2)) is True
    assert "0 of 1 claims hold" in capsys.readouterr().out
    assert report_with({}, lam=0.1).claims(_checked(0.5)) is False  # other parameters: shown
    assert "FAILS" in capsys.readouterr().out


@pytest.mark.parametrize(
    "claim, fragment",
    [
        (lambda c: c.keeps_order(1.0), "no row of the Verdicts table"),
        (lambda c: c.keeps_order(1.0).about("fig6"), "no negative control"),
        (
            lambda c: c.keeps_order(1.0).about("fig6").versus(c.keeps_order(1.0), "zero weights"),
            "holds on its negative control, the zero weights",
        ),
    ],
)
def test_a_check_that_cannot_fail_is_refused(reference, claim, fragment):
    from autoencode import claims

    with pytest.raises(claims.ClaimFailed, match=fragment):
        report_with({}).claims(claim(claims))


def test_a_sanity_check_needs_no_control_and_is_not_evidence(reference, capsys):
    from autoencode import claims

    assert report_with({}).claims(claims.keeps_order(1.0).by_construction())
    assert "1 sanity checks (true by construction, not evidence)" in capsys.readouterr().out


def test_the_control_must_be_the_same_check():
    from autoencode import claims

    with pytest.raises(ValueError, match="checks something else"):
        claims.keeps_order(1.0).versus(claims.keeps_order(1.0, at_least=0.5), "initial model")


def test_claim_outcomes_are_committed_and_compared(reference, monkeypatch):
    values = {"mse_ours": 0.02, "n_test": 500, "pair": "5 and 8"}
    monkeypatch.setenv("AUTOENCODE_UPDATE_REFERENCE", "1")
    r = report_with(values)
    r.claims(_checked(1.0))
    r.check()
    ref = reproduction.load_reference("demo")
    assert [(c["key"], c["holds"], c["control_holds"]) for c in ref["claims"]] == [
        ("fig6", True, False)
    ]
    monkeypatch.delenv("AUTOENCODE_UPDATE_REFERENCE")
    same = report_with(values)
    same.claims(_checked(0.999))
    assert same.check()
    flipped = report_with(values)
    flipped.claims(_checked(0.5, 0.2))  # the verdict changed: not without a commit
    with pytest.raises(ReproductionError, match="holds = False, committed True"):
        flipped.check()
    silent = report_with(values)  # the claims were not checked at all
    with pytest.raises(ReproductionError, match="committed but not checked"):
        silent.check()


def test_update_mode_writes_the_committed_values(reference, monkeypatch):
    monkeypatch.setenv("AUTOENCODE_UPDATE_REFERENCE", "1")
    report_with({"mse_ours": 0.02, "n_test": 500, "pair": "5 and 8"}).check()
    ref = reproduction.load_reference("demo")
    assert ref["committed"] == {"mse_ours": 0.02, "n_test": 500, "pair": "5 and 8"}
    assert [t.pattern for t in ref["tolerances"]] == ["n_test", "mse_*", "pair"]  # kept


def test_tolerance_arithmetic():
    t = Tolerance("x", why="w", rel=0.1, abs=1e-3)
    assert t.holds(1.1009, 1.0) and not t.holds(1.102, 1.0)
    assert Tolerance("x", why="w", exact=True).holds(3, 3)
    assert not Tolerance("x", why="w", rel=1.0).holds(float("inf"), 1.0)


def test_a_tolerance_needs_a_reason(tmp_path, monkeypatch):
    (tmp_path / "bad.toml").write_text('[tolerances]\n"x" = { rel = 0.1 }\n')
    monkeypatch.setenv("AUTOENCODE_REFERENCE", str(tmp_path))
    with pytest.raises(ReproductionError, match="needs a 'why'"):
        reproduction.load_reference("bad")


def test_unknown_parameter_names_are_refused(reference):
    with pytest.raises(ReproductionError, match=r"\['lam'\]"):
        Report("demo", parameters={"iterations": 100})


# -- the committed notebooks and their reference files -------------------------------


def test_every_training_notebook_has_a_reference_file():
    missing = [p.stem for p in NOTEBOOKS if p.stem not in DETERMINISTIC and p not in WITH_REFERENCE]
    assert not missing, f"notebooks without notebooks/reference/<name>.toml: {missing}"


@pytest.mark.parametrize("path", WITH_REFERENCE, ids=[p.stem for p in WITH_REFERENCE])
def test_committed_notebook_agrees_with_its_reference(path, monkeypatch):
    monkeypatch.delenv("AUTOENCODE_REFERENCE", raising=False)
    ref = reproduction.load_reference(path.stem)
    glued = reproduction.committed_glue(path)
    for name, value in glued.items():
        tol = reproduction.tolerance_for(ref, name)  # raises if a glued number has no tolerance
        assert name in ref["committed"], f"{name} is glued but has no committed value"
        assert tol.holds(value, ref["committed"][name]), (name, value, ref["committed"][name])
    assert ref["parameters"], "the reference file lists no book parameters"


@pytest.mark.parametrize("path", WITH_REFERENCE, ids=[p.stem for p in WITH_REFERENCE])
def test_only_the_check_cell_is_compared_byte_for_byte(path):
    nb = nbformat.read(path, as_version=4)
    compared = [
        c.source for c in nb.cells if c.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in c.source
    ]
    assert len(compared) == 1 and "report.check()" in compared[0], compared
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    assert "report.check()" in last.source, "report.check() must be the last code cell"
    text = "".join(o.get("text", "") for o in last.outputs)
    assert "Reproduction check:" in text, "the committed check cell did not run the comparison"
