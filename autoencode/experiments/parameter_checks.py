"""The rules of the figures' parameters, checked before any work starts.

Every parameter of every figure has a rule (its type, its range, and for a list whether it
may be empty: :mod:`autoencode.experiments.parameter_rules`). Then each figure's consistency
checks (:data:`CONSISTENCY`): the epochs it logs within its run, the depths its width profile
allows, its images within the data set. :func:`check` applies both and raises
:class:`~.parameter_rules.ParameterError`, one line that names the parameter, what it must be
and a valid example.

:func:`parameters` and :func:`run` are the registry's (:mod:`autoencode.experiments.registry`)
with these checks first; ``autoencode.experiments`` gives them, so a notebook, ``python -m
autoencode figure`` and a sweep's plan are all checked. They live here, outside the registry,
because the registry is part of every sweep record's code fingerprint
(:func:`autoencode.sweeps.code_fingerprint`) and no module that trains imports this one: the
rules can change without invalidating a record or a cached model.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from . import registry
from .parameter_rules import ParameterError, as_option, rule, shown

__all__ = ["CONSISTENCY", "check", "parameters", "run"]


# -- consistency checks: each returns (parameter, what it must be, an example) or None -------

Problem = tuple[str, str, str] | None
#: A figure's consistency check: (its parameters, the names the caller gave) -> problems.
Check = Callable[[Mapping[str, Any], Collection[str]], list[Problem]]


def _blame(given: Collection[str], first: str, second: str) -> str:
    """The parameter to name when two disagree: the one the caller gave (``first`` if both)."""
    return second if second in given and first not in given else first


def _within_run(name: str, epochs: list[int], iterations: int, what: str) -> Problem:
    if min(epochs) > iterations:
        return (
            name,
            f"have its first {what} within the run's iterations 0..{iterations} (nothing "
            f"would be logged), got {shown(epochs)}",
            as_option([0] + [e for e in sorted(set(epochs)) if 0 < e <= iterations]),
        )
    return None


def _has_one(name: str, scales: list[float]) -> Problem:
    # the restart at the convex radius itself (s = 1) is the one the figure reports
    if not any(s == 1 for s in scales):
        return (
            name,
            f"include 1 (the restart on the convex region's edge, which the figure reports), "
            f"got {shown(scales)}",
            as_option(sorted({1, *scales})),
        )
    return None


def _depth_holds(
    given: Collection[str],
    depth: str,
    L: int,
    profile: str,
    widths: list[int],
    shortest: list[int] | None = None,
) -> Problem:
    """``L`` layers hold the ``len(widths)`` phases of a profile (one layer each).
    ``shortest``: a valid profile of few phases, the example when the profile is named
    (default: the first ``L`` phases)."""
    if L >= len(widths):
        return None
    fix = widths[:L] if shortest is None else shortest
    if _blame(given, depth, profile) == profile and len(fix) <= L:
        return (
            profile,
            f"have at most {depth} = {L} phases (one layer each), got {len(widths)} phases "
            f"{shown(widths)}",
            as_option(fix),
        )
    return (
        depth,
        f"be at least the {len(widths)} phases of {profile} (one layer per phase), got {L}",
        str(len(widths)),
    )


def _fig04(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
    at = list(p["hessian_at"])
    increasing = all(a < b for a, b in zip(at, at[1:]))
    order: Problem = None
    if not increasing:
        # the last entry is read as the last epoch
        order = (
            "hessian_at",
            f"list its epochs in increasing order without repeats, got {shown(at)}",
            as_option(sorted(set(at))),
        )
    return [
        order,
        _within_run("hessian_at", at, p["iterations"], "epoch"),
        _has_one("scales", list(p["scales"])),
    ]


def _local_convexity(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
    lams, lrs = list(p["lams"]), list(p["lrs"])
    out: list[Problem] = []
    if len(lams) != len(lrs):
        name = _blame(given, "lrs", "lams")
        out.append(
            (
                name,
                f"have one entry per entry of {'lams' if name == 'lrs' else 'lrs'} (one step "
                f"size per lambda): lams has {len(lams)}, lrs has {len(lrs)}",
                as_option(lrs[: len(lams)] + [lrs[-1]] * (len(lams) - len(lrs)))
                if name == "lrs"
                # the lambdas the caller gave, with as many step sizes
                else f"{as_option(lams)} -p lrs={as_option([lrs[0]] * len(lams))}",
            )
        )
    if len(lams) == len(lrs) and len(set(map(float, lams))) != len(lams):
        first = {float(v): i for i, v in reversed(list(enumerate(lams)))}
        keep = sorted(first.values())
        out.append(
            (
                "lams",
                f"hold distinct values (each names a run), got {shown(lams)}",
                f"{as_option([lams[i] for i in keep])} -p lrs={as_option([lrs[i] for i in keep])}",
            )
        )
    out.append(_within_run("logged", list(p["logged"]), p["iterations"], "epoch"))
    out.append(_has_one("scales", list(p["scales"])))
    return out


def _deep_limit(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
    from .deep_limit import PHASE_FRACTIONS  # (it imports the registry: here, not at the top)

    Ls = list(p["Ls"])

    def splits(L: int) -> bool:
        # deep_limit.architecture's test: phases at fixed fractions of [0, T], one layer each
        lengths = [round(f * L) for f in PHASE_FRACTIONS]
        return (
            sum(lengths) == L
            and all(n >= 1 for n in lengths)
            and all(abs(n - f * L) <= 1e-9 for n, f in zip(lengths, PHASE_FRACTIONS))
        )

    step = next(L for L in range(1, 1001) if splits(L))
    bad = [L for L in Ls if not splits(L)]
    fractions = ", ".join(f"{f:g}" for f in PHASE_FRACTIONS)
    if bad:
        return [
            (
                "Ls",
                f"hold depths that split into phases of fractions {fractions} of [0, T] "
                f"exactly (multiples of {step}), got {shown(Ls)} ({shown(bad[0])} does not)",
                as_option([step * 2**i for i in range(max(3, len(Ls)))]),
            )
        ]
    if not all(a < b for a, b in zip(Ls, Ls[1:])):
        return [
            (
                "Ls",
                f"be increasing (the last is the finest), got {shown(Ls)}",
                as_option(sorted(set(Ls))),
            )
        ]
    apart = [(a, b) for a, b in zip(Ls, Ls[1:]) if b % a]
    if apart:
        a, b = apart[0]
        return [
            (
                "Ls",
                f"nest: each depth must divide the next (the controls are compared on "
                f"nested grids), got {shown(Ls)} ({a} does not divide {b})",
                as_option([Ls[0] * 2**i for i in range(len(Ls))]),
            )
        ]
    return []


def _fig01_03(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
    out = [
        _depth_holds(given, f"{net}_L", p[f"{net}_L"], f"{net}_WIDTHS", list(p[f"{net}_WIDTHS"]))
        for net in ("ENCODER", "AUTOENCODER")
    ]
    levels = list(p["UNET_LEVELS"])
    if max(levels) > levels[0]:
        out.append(
            (
                "UNET_LEVELS",
                f"have no level wider than the first, {levels[0]} (the main block), "
                f"got {shown(levels)}",
                as_option(sorted(levels, reverse=True)),
            )
        )
    return out


def _fig07(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
    widths, side = list(p["widths"]), p["side"]
    pixels = side * side
    if max(widths) != pixels:
        name = _blame(given, "widths", "side")
        what = (
            f"have its widest phase equal to the side * side = {pixels} pixels of the image"
            if name == "widths"
            else f"make side * side the widest phase of widths, {max(widths)}"
        )
        got = shown(widths) if name == "widths" else str(side)
        fix = as_option([pixels, *widths[1:-1], pixels]) if name == "widths" else "28"
        return [(name, f"{what}, got {got}", fix)]
    if min(widths) == max(widths):
        return [
            (
                "widths",
                f"narrow somewhere (a bottleneck to draw), got {shown(widths)}",
                "[784,196,32,196,784]",
            )
        ]
    return [_depth_holds(given, "L", p["L"], "widths", widths, [pixels, min(widths), pixels])]


def _mnist_sizes() -> dict[str, tuple[int, int]]:
    """Training and test images of each source of the MNIST figures."""
    from ..data import mnist

    per_class_test = round(mnist.SUBSET_TEST_FRACTION * mnist.SUBSET_PER_CLASS)
    subset_test = per_class_test * (mnist.SUBSET_SIZE // mnist.SUBSET_PER_CLASS)
    parts = dict(mnist.FULL_PARTS)
    return {
        "subset": (mnist.SUBSET_SIZE - subset_test, subset_test),
        "full": (parts["training"] + parts["validation"], parts["test"]),
    }


def _mnist(pca: bool = True, leaky: bool = False, depth_study: bool = False) -> Check:
    """The checks of the MNIST figures that train: the profile's ends are the 784 pixels, it
    narrows, the depth holds its phases, the images exist. ``pca``: PCA with the bottleneck's
    width is fitted on the training images; ``leaky``: Fig 10 doubles the bottleneck;
    ``depth_study``: ``ours_Ls`` are depths of the same profile."""

    def checks(p: Mapping[str, Any], given: Collection[str]) -> list[Problem]:
        from ..data import mnist

        pixels = mnist.SIDE * mnist.SIDE
        widths = list(p["widths"])
        wb = min(widths)
        example = "[784,196,32,32,196,784]"
        if widths[0] != pixels or widths[-1] != pixels or max(widths) != pixels:
            return [
                (
                    "widths",
                    f"start and end at the {pixels} pixels of an image and be nowhere wider, "
                    f"got {shown(widths)}",
                    example,
                )
            ]
        if wb == pixels:
            return [("widths", f"narrow somewhere (a bottleneck), got {shown(widths)}", example)]
        out = [_depth_holds(given, "L", p["L"], "widths", widths, [pixels, wb, pixels])]
        if depth_study:
            short = [L for L in p["ours_Ls"] if L < len(widths)]
            if short:
                out.append(
                    (
                        "ours_Ls",
                        f"hold depths of at least the {len(widths)} phases of widths, got "
                        f"{shown(list(p['ours_Ls']))}",
                        as_option(sorted({max(L, len(widths)) for L in p["ours_Ls"]})),
                    )
                )
        if leaky and 2 * wb > pixels:
            out.append(
                (
                    "widths",
                    f"have a bottleneck of at most {pixels // 2} (Fig 10's leaky network keeps "
                    f"twice as many nodes on), got {wb}",
                    example,
                )
            )
        n_train, n_test = _mnist_sizes()[p["source"]]
        for name, most in (("n_train", n_train), ("n_test", n_test)):
            if p[name] > most:
                out.append(
                    (
                        name,
                        f"be at most the {most} {'training' if name == 'n_train' else 'test'} "
                        f"images of source={p['source']!r}, got {p[name]}",
                        str(most),
                    )
                )
        if pca and p["n_train"] < wb:
            name = _blame(given, "n_train", "widths")
            out.append(
                (
                    name,
                    f"give at least as many training images as the bottleneck's width, {wb} "
                    f"(PCA with {wb} components is fitted on them): n_train = {p['n_train']}",
                    str(max(wb, 200)) if name == "n_train" else example,
                )
            )
        return out

    return checks


#: Each figure's consistency checks, run once every value satisfies its rule.
CONSISTENCY: dict[str, Check] = {
    "fig01_03": _fig01_03,
    "fig04": _fig04,
    "fig07": _fig07,
    "fig08_09": _mnist(),
    "fig10": _mnist(pca=False, leaky=True),
    "fig11": _mnist(pca=False),
    "mnist_methods": _mnist(),
    "two_autoencodes": _mnist(depth_study=True),
    "local_convexity": _local_convexity,
    "deep_limit": _deep_limit,
}


def _check_values(figure: str, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        r = rule(figure, name)
        if r is None:
            continue
        why = r.problem(value)
        if why is not None:
            raise ParameterError(
                figure,
                name,
                f"parameter {name} of figure {figure!r} must be {r.describe()} ({r.hint}), "
                f"got {shown(value)}{why}; e.g. -p {name}={r.example}",
            )


def _check_consistency(figure: str, params: Mapping[str, Any], given: Collection[str]) -> None:
    consistency = CONSISTENCY.get(figure)
    if consistency is None:
        return
    for problem in consistency(params, given):
        if problem is not None:
            name, what, example = problem
            raise ParameterError(
                figure,
                name,
                f"parameter {name} of figure {figure!r} must {what}; e.g. -p {name}={example}",
            )


def check(figure: str, params: Mapping[str, Any], given: Collection[str] = ()) -> None:
    """Raise :class:`~.parameter_rules.ParameterError` for the first parameter of ``figure`` in
    ``params`` that breaks its rule, then for the first failed consistency check. ``given``:
    the names the caller set (where two parameters disagree, the message names the one given).
    Names without a rule (``device``, ``dtype``, ``quick``) are left to their own checks."""
    _check_values(figure, params)
    _check_consistency(figure, params, given)


def parameters(
    name: str,
    namespace: Mapping[str, Any] | None = None,
    quick: bool | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """:func:`autoencode.experiments.registry.parameters` (the figure's defaults with the
    caller's overrides: ``namespace``'s names that are parameters and not None, then
    ``overrides``), every value checked first: :class:`~.parameter_rules.ParameterError` (a
    ``ValueError``) names a value that breaks its rule or the figure's consistency; an unknown
    parameter is a ``TypeError`` that lists them."""
    from ..notebook import quick_mode

    given: dict[str, Any] = dict(overrides)
    spec = registry.FIGURES.get(name)
    if spec is not None:  # (an unknown figure: the registry's error lists the figures)
        own = spec.defaults(quick_mode() if quick is None else bool(quick))
        given = {k: v for k, v in (namespace or {}).items() if k in own and v is not None}
        given.update(overrides)
        _check_values(name, {k: v for k, v in given.items() if k in own})  # unknown: below
    params = registry.parameters(name, namespace, quick, **overrides)
    _check_consistency(name, params, given)
    return params


def run(name: str, progress: bool = True, **params: Any) -> registry.Result:
    """:func:`autoencode.experiments.registry.run` after :func:`parameters` has checked
    ``params``: a bad value is refused before any work."""
    quick = params.pop("quick", None)
    parameters(name, quick=quick, **params)
    return registry.run(name, progress, quick=quick, **params)
