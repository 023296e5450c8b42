"""What each figure parameter must be: one :class:`Rule` per name, in one table.

:data:`COMMON` holds the names that mean the same in every figure that has them (``lam``,
``iterations``, ``seed`` ...), :data:`OVERRIDES` the names that mean something else in a figure
(``L`` of the 2D figures needs its three phases, ``n_test`` of Fig 8 must hold every digit).
:mod:`autoencode.experiments.parameter_checks` applies them, with each figure's consistency
checks, before any work starts.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

from ..activations import ACTIVATIONS
from ..training import UPDATES

__all__ = [
    "ParameterError",
    "Rule",
    "COMMON",
    "OVERRIDES",
    "rule",
    "is_valid",
    "shown",
    "as_option",
]


class ParameterError(ValueError):
    """A figure parameter with a bad value. ``figure`` and ``parameter`` name it; the message
    says what it must be and gives a valid example."""

    def __init__(self, figure: str, parameter: str, message: str) -> None:
        super().__init__(message)
        self.figure = figure
        self.parameter = parameter

    def __reduce__(self) -> tuple[Any, ...]:  # (pickled whole, e.g. back from a Dask worker)
        return type(self), (self.figure, self.parameter, str(self))


@dataclass(frozen=True)
class Rule:
    """What one parameter must be.

    ``kind``: ``"int"`` (a whole number, not a bool and not 2.0), ``"float"`` (a finite real
    number; an int will do), ``"bool"``, ``"choice"`` (one of ``choices``), ``"ints"`` or
    ``"floats"`` (a list or tuple of those). ``minimum`` (``strict``: excluded) bounds the value
    or every entry; ``min_items`` the length of a list. ``hint``: what the parameter is;
    ``example``: a valid value as written after ``-p name=``.
    """

    kind: str
    hint: str
    example: str
    minimum: float | None = None
    strict: bool = False
    min_items: int = 1
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """What the value must be, in words (``"a finite number >= 0"``)."""
        if self.kind == "bool":
            return "True or False"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        bound = ""
        if self.minimum is not None:
            bound = f" {'>' if self.strict else '>='} {self.minimum:g}"
        if self.kind == "int":
            return f"an integer{bound}"
        if self.kind == "float":
            return f"a finite number{bound}"
        what = "integers" if self.kind == "ints" else "finite numbers"
        if self.min_items <= 1:
            return f"a non-empty list of {what}{bound}"
        return f"a list of {self.min_items} or more {what}{bound}"

    def _scalar(self, value: Any, kind: str) -> bool:
        if isinstance(value, bool):
            return False
        if kind == "int":
            if not isinstance(value, numbers.Integral):
                return False
        elif not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
            return False
        if self.minimum is None:
            return True
        return value > self.minimum if self.strict else value >= self.minimum

    def problem(self, value: Any) -> str | None:
        """Why ``value`` breaks the rule (None: it does not)."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else ""
        if self.kind == "choice":
            return None if isinstance(value, str) and value in self.choices else ""
        if self.kind in ("int", "float"):
            return None if self._scalar(value, self.kind) else ""
        if not isinstance(value, (list, tuple)):
            return ""
        if len(value) < self.min_items:
            return f" ({len(value)} entries)" if value else " (empty)"
        kind = "int" if self.kind == "ints" else "float"
        for i, v in enumerate(value):
            if not self._scalar(v, kind):
                return f" (entry {i} is {shown(v)})"
        return None

    def is_valid(self, value: Any) -> bool:
        return self.problem(value) is None


def _int(hint: str, example: str, minimum: int = 1) -> Rule:
    return Rule("int", hint, example, minimum=minimum)


def _real(hint: str, example: str, minimum: float | None = 0.0, strict: bool = False) -> Rule:
    return Rule("float", hint, example, minimum=minimum, strict=strict)


def _positive(hint: str, example: str) -> Rule:
    return Rule("float", hint, example, minimum=0.0, strict=True)


def _ints(hint: str, example: str, minimum: int = 0, min_items: int = 1) -> Rule:
    return Rule("ints", hint, example, minimum=minimum, min_items=min_items)


def _reals(hint: str, example: str, minimum: float = 0.0, strict: bool = False) -> Rule:
    return Rule("floats", hint, example, minimum=minimum, strict=strict)


#: The rule of each name that means the same in every figure that has it.
COMMON: dict[str, Rule] = {
    # data
    "n_train": _int("training points, half per class", "200", 2),
    "n_test": _int("held-out test points", "1000", 2),
    "amplitude": _real("amplitude of the sine curve", "0.6", minimum=None),
    "noise": _real("standard deviation of the noise on the curve", "0.0"),
    "source": Rule(
        "choice",
        "the MNIST images: all of them, or the 5,000-image subset",
        "subset",
        choices=("full", "subset"),
    ),
    # network
    "L": _int("layers; the 2 -> 1 -> 2 profile needs one per phase", "20", 3),
    "L_small": _int("layers of the second network; one per phase at least", "20", 3),
    "T": _positive("final time", "5.0"),
    "widths": _ints("width of each phase of the profile", "[784,196,32,32,196,784]", 1),
    "activation": Rule(
        "choice", "the network's activation", "tanh", choices=tuple(sorted(ACTIVATIONS))
    ),
    "init_scale": _real("scale of the initial weights", "1.0"),
    # training
    "lam": _real("the Tikhonov weight lambda", "1e-3"),
    "lam_large": _real("the second Tikhonov weight lambda", "0.1"),
    "lam_contrast": _real("the lower Tikhonov weight of the contrast", "1e-2"),
    "iterations": _int("training iterations; 0 leaves the network untrained", "20", 0),
    "update": Rule("choice", "the shooting method's update", "adam", choices=UPDATES),
    "lr": _positive("step size of the training", "0.01"),
    "lr_gradient": _positive("step of the shooting method's gradient update", "0.25"),
    "lr_gradient_large": _positive("step of the gradient update at lam_large", "0.1"),
    "lr_adam": _positive("Adam's learning rate", "0.05"),
    "lr_shooting": _positive("Adam step of the shooting method's adam update", "0.05"),
    "lr_proximal": _positive("step of the proximal update, 1 / rho", "1.0"),
    "batch_size": _int("samples per iteration", "100"),
    "seed": _int("random seed", "0", 0),
    # the Hessian and the convex region
    "hessian_at": _ints("epochs at which the Hessian is logged", "[0,5,20]"),
    "gtol": _positive("Newton's or L-BFGS's tolerance on |grad J|", "1e-8"),
    "n_directions": _int("random directions of the convex-region scan", "2"),
    "radius_first": _positive("first radius of the convex-region scan", "1e-3"),
    "scales": _reals(
        "restarts of the shooting method at s times the convex radius; 1 among them",
        "[1,4]",
        strict=True,
    ),
    "shooting_iterations": _int("iterations of each restarted shooting run", "20"),
    # MNIST figures' own knobs
    "side": _int("side of the square image in pixels", "28"),
    "probes": _int("random probes per image of Delta", "4"),
    "bins": _int("histogram bins of the Shannon entropy", "31"),
    # local convexity
    "lams": _reals("Tikhonov weights of the convexity map", "[1e-3,1e-2]"),
    "lrs": _reals("gradient-update step for each of lams", "[0.1,0.1]", strict=True),
    "logged": _ints("epochs at which the dense Hessian is logged", "[0,5,10,20]"),
    "low": _real("the low-regularisation regime: lambda <= low", "1e-3"),
    "mnist_at": _ints("MNIST training iterations with a Lanczos run", "[0,2]"),
    "mnist_hessian_images": _int("MNIST images on which the Hessian is taken", "64"),
    "lanczos_tol": _positive("relative accuracy of the Lanczos eigenvalues", "1e-4"),
    # deep limit
    "Ls": _ints("depths, the last the finest; a rate is fitted on the others", "[10,20,40]", 1, 3),
    "max_evaluations": _int("most cost evaluations of L-BFGS; 0 leaves it untrained", "4000", 0),
    "independent_theta0": Rule("bool", "each L from its own initial control", "False"),
    # the NeurODE page
    "n": _int("points per class", "25"),
    "h": _positive("Euler step (the final time is L h)", "0.1"),
    "outer_iterations": _int("iterations of the method of successive approximations", "8", 0),
    "theta0": _real("initial value of every weight", "1.0", minimum=None),
    "oscillation_iterations": _int("fixed-point iterations on the data of Figs 4-5", "20", 0),
    # two autoencoders
    "ncode_hidden": _int("hidden width of N-CODE's encoder", "256"),
    "ncode_width": _int("width of N-CODE's control", "64"),
    "ncode_L": _int("layers of N-CODE", "10"),
    "ncode_T": _positive("final time of N-CODE", "1.0"),
    "ncode_lr": _positive("N-CODE's Adam learning rate", "3e-3"),
    "timing_steps": _int("timed training steps of each model", "2"),
    "smooth": _int("iterations averaged for the time to the target", "2"),
    "cluster_restarts": _int("k-means starts on the codes", "2"),
    "flow_images": _int("test images whose trajectories are measured", "100"),
    "ours_Ls": _ints("depths of our AutoencODE in the depth study", "[6,10]", 1),
    "ncode_Ls": _ints("depths of N-CODE in the depth study", "[5,10]", 1),
    # Algorithm 1 on MNIST
    "n_trace": _int("test images of the error trace", "100"),
    "trace_every": _int("iterations between two points of the trace", "2"),
    "prox_lr": _positive("weight eta of the proximal update", "0.01"),
    "prox_inner": _int("L-BFGS iterations of each proximal step", "2"),
    "prox_iterations": _int("iterations of the proximal run; 0: untrained", "4", 0),
    "fp_inner": _int("L-BFGS iterations of each fixed-point step", "2"),
    "fp_iterations": _int("iterations of the fixed-point run; 0: untrained", "2", 0),
    "pilot_lrs": _reals("weights eta of the proximal step's pilot", "[0.003,0.01]", strict=True),
    "pilot_inner": _int("L-BFGS iterations of the pilot's prox_lr step", "4"),
    # Figs 1-3
    "ENCODER_WIDTHS": _ints("width of each phase of the encoder", "[5,4,3,2]", 1),
    "ENCODER_L": _int("layers of the embedded encoder, one per phase at least", "8"),
    "AUTOENCODER_WIDTHS": _ints("width of each phase of the autoencoder", "[5,3,1,3,5]", 1),
    "AUTOENCODER_L": _int("layers of the embedded autoencoder, one per phase at least", "10"),
    "UNET_LEVELS": _ints(
        "main-path width per level of the U-net, the last the bottleneck", "[4,3,2]", 1, 2
    ),
    "UNET_STATES_PER_LEVEL": _int("states per level in the U-net's embedding", "3", 2),
}

#: The MNIST figures' meaning of the shared names (images, not points; any depth that holds
#: the profile's phases, checked by :func:`_mnist`).
_MNIST: dict[str, Rule] = {
    "n_train": _int("training images", "200"),
    "n_test": _int("test images", "200"),
    "L": _int("layers, one per phase of widths at least", "10"),
}

#: Where a name means something else in a figure: ``{figure: {name: rule}}``.
OVERRIDES: dict[str, dict[str, Rule]] = {
    "fig07": {
        "widths": _ints(
            "width of each phase; the widest is side * side", "[784,196,32,196,784]", 1
        ),
        "L": _int("layers, one per phase of widths at least", "20"),
    },
    "fig08_09": {
        **_MNIST,
        # Fig 8 draws two test digits of each class: the first 100 test images of either
        # source hold that (34 of the subset's, 85 of the full set's do)
        "n_test": _int("test images; Fig 8 draws two of each digit", "200", 100),
    },
    "fig10": dict(_MNIST),
    "fig11": dict(_MNIST),
    "mnist_methods": dict(_MNIST),
    "two_autoencodes": {
        **_MNIST,
        # k-means with one cluster per digit on the test codes: every digit among them
        "n_test": _int("test images; k-means finds one cluster per digit in them", "200", 100),
    },
    "deep_limit": {"n_train": _int("training points of the Fig 4 problem", "40", 2)},
    "local_convexity": {"n_train": _int("training points of the Fig 4 problem", "40", 2)},
    "fig06": {
        "n_train": _int("training points on the curve", "40", 2),
        "n_test": _int("held-out points on the curve", "100", 2),
    },
    "neurode": {"L": _int("Euler steps", "9")},
}


def rule(figure: str, name: str) -> Rule | None:
    """The rule of parameter ``name`` of ``figure`` (None: it has none)."""
    return OVERRIDES.get(figure, {}).get(name) or COMMON.get(name)


def is_valid(figure: str, name: str, value: Any) -> bool:
    """Whether ``value`` satisfies the rule of ``name`` in ``figure`` (its type and range; the
    figure's consistency checks aside)."""
    r = rule(figure, name)
    return r is not None and r.is_valid(value)


def shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_option(value: Any) -> str:
    """A value as written after ``-p name=`` (no spaces)."""
    return repr(value).replace(" ", "")
