"""Every figure parameter is checked before any work: its type, its range and the figure's
consistency, with one line that names it and a valid example (autoencode.experiments.
parameter_checks), in the Python API, `python -m autoencode figure` and `sweep`."""

from __future__ import annotations

import math

import pytest

import autoencode as ae
from autoencode import sweeps
from autoencode.__main__ import _overrides, _value, main
from autoencode.experiments import FIGURES, parameters
from autoencode.experiments.parameter_rules import ParameterError, is_valid, rule

#: The mistakes tried on every parameter of every figure.
BAD = {
    "0": 0,
    "-1": -1,
    "2.5": 2.5,
    "nan": math.nan,
    "inf": math.inf,
    "string": "x",
    "empty": [],
    "[0]": [0],
    "True": True,
    "None": None,
}


def _own(name: str, quick: bool = True) -> list[str]:
    return list(FIGURES[name].defaults(quick))


CASES = [
    pytest.param(name, p, v, id=f"{name}-{p}-{label}")
    for name in sorted(FIGURES)
    for p in _own(name)
    for label, v in BAD.items()
]


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_parameter_has_a_rule_its_defaults_keep(name):
    spec = FIGURES[name]
    for quick in (True, False):
        for p, v in spec.defaults(quick).items():
            assert rule(name, p) is not None, f"parameter {p} of {name} has no rule"
            assert is_valid(name, p, v), f"the default {p}={v!r} of {name} breaks its rule"
        parameters(name, quick=quick)  # the defaults are consistent
        if spec.control is not None:  # and so is the negative control
            parameters(name, quick=quick, **spec.control)


@pytest.mark.parametrize("name, p, value", CASES)
def test_a_bad_value_is_refused_naming_the_parameter(name, p, value):
    """Each mistake is refused, naming the parameter, or is a value its rule accepts."""
    try:
        parameters(name, quick=True, **{p: value})
    except ParameterError as e:
        message = str(e)
        assert e.parameter == p and e.figure == name
        assert message.startswith(f"parameter {p} of figure {name!r} must ")
        assert "\n" not in message and f"e.g. -p {p}=" in message
        return
    assert is_valid(name, p, value), f"{p}={value!r} of {name} is accepted against its rule"


def test_what_the_rules_accept_among_the_mistakes():
    """The mistakes that are values after all: zeros (no training, no noise, lambda = 0, the
    first seed), a negative or zero amplitude and initial weight, a fractional real, and True
    for the one switch. Any change here is a change of a rule, made on purpose."""
    accepted = {
        (name, p, label)
        for name in FIGURES
        for p in _own(name)
        for label, v in BAD.items()
        if is_valid(name, p, v)
    }
    by_label: dict[str, set[str]] = {}
    for _, p, label in accepted:
        by_label.setdefault(label, set()).add(p)
    assert by_label == {
        "0": {
            "amplitude", "fp_iterations", "init_scale", "iterations", "lam", "lam_contrast",
            "lam_large", "low", "max_evaluations", "noise", "oscillation_iterations",
            "outer_iterations", "prox_iterations", "seed", "theta0",
        },
        "-1": {"amplitude", "theta0"},
        "2.5": {
            "T", "amplitude", "gtol", "h", "init_scale", "lam", "lam_contrast", "lam_large",
            "lanczos_tol", "low", "lr", "lr_adam", "lr_gradient", "lr_gradient_large",
            "lr_proximal", "lr_shooting", "ncode_T", "ncode_lr", "noise", "prox_lr",
            "radius_first", "theta0",
        },
        "[0]": {"hessian_at", "lams", "logged", "mnist_at"},
        "True": {"independent_theta0"},
    }  # fmt: skip


def test_ints_are_whole_numbers_and_reals_are_finite():
    assert not is_valid("fig04", "iterations", 20.0)  # not truncated, not silently converted
    assert not is_valid("fig04", "iterations", True)
    assert is_valid("fig04", "T", 5) and not is_valid("fig04", "T", math.inf)
    assert is_valid("fig04", "hessian_at", (0, 5, 20))  # a tuple is a list
    assert not is_valid("fig04", "hessian_at", "0,5")
    assert not is_valid("fig04", "lam", [1e-3])


def test_every_rule_example_is_a_valid_value():
    for name in FIGURES:
        for p in _own(name):
            r = rule(name, p)
            assert r is not None and r.is_valid(_value(r.example)), (name, p, r.example)


#: Values that each rule accepts but that the figure cannot run: (figure, overrides, the
#: parameter the message names).
INCONSISTENT = [
    ("fig04", {"hessian_at": [999]}, "hessian_at"),
    ("fig04", {"hessian_at": [20, 5, 0]}, "hessian_at"),
    ("fig04", {"scales": [2, 4]}, "scales"),
    ("local_convexity", {"logged": [50, 100]}, "logged"),
    ("local_convexity", {"lrs": [0.1]}, "lrs"),
    ("local_convexity", {"lams": [1e-3, 1e-2]}, "lams"),
    ("local_convexity", {"lams": [1e-3, 1e-3, 1e-2, 0.1, 1.0]}, "lams"),
    ("local_convexity", {"scales": [4]}, "scales"),
    ("deep_limit", {"Ls": [10, 15, 20]}, "Ls"),
    ("deep_limit", {"Ls": [40, 20, 10]}, "Ls"),
    ("deep_limit", {"Ls": [20, 30, 60]}, "Ls"),
    ("fig01_03", {"ENCODER_L": 3}, "ENCODER_L"),
    ("fig01_03", {"AUTOENCODER_WIDTHS": [5, 4, 3, 2, 1, 2, 3, 4, 5, 6, 7]}, "AUTOENCODER_WIDTHS"),
    ("fig01_03", {"UNET_LEVELS": [2, 4]}, "UNET_LEVELS"),
    ("fig07", {"widths": [100, 50, 100]}, "widths"),
    ("fig07", {"side": 10}, "side"),
    ("fig07", {"widths": [784, 784]}, "widths"),
    ("fig07", {"L": 4}, "L"),
    ("fig08_09", {"widths": [32, 784, 32]}, "widths"),
    ("fig08_09", {"widths": [784, 784, 784]}, "widths"),
    ("fig08_09", {"L": 4}, "L"),
    ("fig08_09", {"widths": [784, 392, 196, 64, 32, 32, 64, 196, 392, 784, 784]}, "widths"),
    ("fig08_09", {"n_train": 4001}, "n_train"),
    ("fig08_09", {"n_test": 1001}, "n_test"),
    ("fig08_09", {"n_train": 20}, "n_train"),
    ("mnist_methods", {"n_train": 31}, "n_train"),
    ("fig10", {"widths": [784, 400, 784]}, "widths"),
    ("fig11", {"source": "subset", "n_train": 60000}, "n_train"),
    ("two_autoencodes", {"ours_Ls": [4, 10]}, "ours_Ls"),
]


@pytest.mark.parametrize(
    "name, overrides, named", INCONSISTENT, ids=[f"{c[0]}-{c[2]}" for c in INCONSISTENT]
)
def test_inconsistent_values_are_refused_with_a_fix(name, overrides, named):
    with pytest.raises(ParameterError) as info:
        parameters(name, quick=True, **overrides)
    message = str(info.value)
    assert info.value.parameter == named and message.startswith(f"parameter {named} ")
    assert "\n" not in message
    # the example fixes it: with the suggested -p values, the same call goes through
    fix = _overrides(message.split("; e.g. ", 1)[1].removeprefix("-p ").split(" -p "))
    parameters(name, quick=True, **{**overrides, **fix})


def test_the_rules_are_outside_every_fingerprint():
    """No module that trains imports the rules: changing them keeps every cached model and
    sweep record (their keys hash the code the experiment module reaches)."""
    from autoencode.cache import training_modules

    for module in {spec.function.__module__ for spec in FIGURES.values()}:
        # the model cache's walk, and the sweep records' (sweeps.code_fingerprint)
        for files in (training_modules(module), training_modules(module, exclude=("plotting",))):
            names = {f.name for f in files}
            assert not names & {"parameter_checks.py", "parameter_rules.py"}, module


def test_the_python_api_raises_a_value_error():
    with pytest.raises(ValueError, match=r"^parameter lam of figure 'fig04' must be a finite "):
        ae.experiments.run("fig04", quick=True, progress=False, lam=-1)


def _cli(capsys, *args: str) -> tuple[int | None, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "name, setting, named",
    [
        ("fig04", "lam=-1", "lam"),
        ("fig04", "iterations=2.5", "iterations"),
        ("fig04", "hessian_at=[999]", "hessian_at"),
        ("fig04", "n_train=abc", "n_train"),
        ("deep_limit", "Ls=[10,15,20]", "Ls"),
        ("deep_limit", "Ls=20", "Ls"),
    ],
)
def test_the_command_refuses_in_one_line(name, setting, named, tmp_path, capsys):
    out = tmp_path / "out"
    code, err = _cli(capsys, "figure", name, "--quick", "-p", setting, "--out", str(out))
    assert code == 2
    assert err.startswith(f"error: parameter {named} of figure '{name}' must ")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # refused before any work


@pytest.mark.parametrize("command", ["figure", "sweep"])
def test_a_thread_count_below_one_is_refused(command, tmp_path, capsys):
    seeds = ["--seeds", "0"] if command == "sweep" else []
    out = str(tmp_path / "out")
    code, err = _cli(capsys, command, "fig06", "--quick", *seeds, "--threads", "-1", "--out", out)
    assert code == 2 and err == "error: --threads must be at least 1\n"
    assert not (tmp_path / "out").exists()


def test_a_sweep_refuses_a_bad_grid_point_before_any_work(tmp_path, capsys):
    code, err = _cli(
        capsys, "sweep", "fig06", "--quick", "--seeds", "0-1", "--grid", "lam=[1e-3,-1]",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 2 and err.startswith("error: parameter lam of figure 'fig06' must ")
    assert "Traceback" not in err and not (tmp_path / "records").exists()
    with pytest.raises(sweeps.SweepError, match="parameter hessian_at of figure 'fig04'"):
        sweeps.plan("fig04", "0", grid={"hessian_at": [[0, 5], [999]]}, quick=True)


#: Accepted edge values, run through the command (5 to 15 s each): no Tikhonov term at all
#: (Newton's method and the convex region of Table 1 without its shift), a mirrored curve, a
#: negative initial weight.
EDGE_RUNS = [
    pytest.param("fig04", ["lam=0", "lam_large=0"], id="fig04-no-lambda"),
    pytest.param("fig06", ["amplitude=-1"], id="fig06-negative-amplitude"),
    pytest.param("neurode", ["theta0=-1", "lam=0"], id="neurode-negative-theta0"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, settings", EDGE_RUNS)
def test_accepted_edge_values_run(name, settings, tmp_path, capsys):
    args = [a for s in settings for a in ("-p", s)]
    code, err = _cli(
        capsys, "figure", name, "--quick", "--no-progress", *args, "--out", str(tmp_path)
    )
    assert code == 0, err
    assert (tmp_path / f"{name}.json").exists()
