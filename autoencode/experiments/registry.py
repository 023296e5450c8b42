"""The table of figures: each figure of the book is one experiment function, registered here.

An experiment module (``autoencode/experiments/<group>.py``) declares each of its figures with
:func:`figure`::

    @figure("fig10", notebook="fig10_delta", title="Detecting a wrong autoencoder with Delta",
            defaults=lambda quick: {...})
    def fig10(*, progress=True, **params) -> Result: ...

``defaults(quick)`` gives the experiment's parameters (full mode, or quick mode for the tests);
they exist there only. A notebook and ``python -m autoencode figure`` both go through
:func:`parameters` (the defaults with the caller's overrides) and :func:`run`, as
``autoencode.experiments`` gives them: with every value checked first against its rule and the
figure's consistency (:mod:`autoencode.experiments.parameter_checks`, outside this module, so
that the rules can change without changing any sweep record's code fingerprint).

Every figure also takes ``device`` and ``dtype`` (:data:`PLACEMENT`, default the CPU in float32,
the book's set-up): :func:`run` runs the experiment under
:func:`autoencode.devices.compute_on`, so its models and data are made there.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..claims import Claim

__all__ = [
    "Result",
    "Numbers",
    "FigureSpec",
    "FIGURES",
    "figure",
    "parameters",
    "run",
    "format_parameters",
    "torch_threads",
    "PLACEMENT",
]

#: The parameters every figure takes besides its own: where it computes (the book: CPU, float32).
PLACEMENT: dict[str, str] = {"device": "cpu", "dtype": "float32"}


@dataclass
class Result:
    """What an experiment returns.

    ``numbers``: the quantities the page reports, named as in ``notebooks/reference/<page>.toml``
    (JSON-serialisable scalars, strings or lists); ``figures``: the matplotlib figures, the main
    one first; ``summary``: a printed table for readers (display only); ``details``: anything
    else a page's prose or checks use (arrays, histories, models); ``claims``: the figure's
    claims (:class:`autoencode.claims.Claim`), each with its row of the Verdicts table and its
    negative control, and its sanity checks, labelled as such.
    """

    name: str
    parameters: dict[str, Any]
    numbers: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    claims: list[Any] = field(default_factory=list)

    @property
    def figure(self) -> Figure:
        """The main figure (the first one)."""
        return next(iter(self.figures.values()))

    def save(self, out: str | Path) -> list[Path]:
        """Each figure as ``<name>[-<key>].png`` and ``.pdf``, and ``<name>.json`` (parameters,
        numbers, claims); returns the paths written."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for i, (key, fig) in enumerate(self.figures.items()):
            stem = self.name if i == 0 else f"{self.name}-{key}"
            for ext in ("png", "pdf"):
                path = out / f"{stem}.{ext}"
                fig.savefig(path)
                written.append(path)
        path = out / f"{self.name}.json"
        path.write_text(
            json.dumps(
                {
                    "figure": self.name,
                    "parameters": jsonable(self.parameters),
                    "numbers": jsonable(self.numbers),
                    "claims": [jsonable(vars(c)) for c in self.claims],
                },
                indent=2,
            )
            + "\n"
        )
        written.append(path)
        return written


class Numbers(NamedTuple):
    """What a figure's ``numbers`` function returns, the parts of its :class:`Result` that are
    not figures: every figure module computes, then names its numbers (this), then draws."""

    #: The named numbers (``Result.numbers``), in the order the page reports them.
    numbers: dict[str, Any]
    #: The figure's claims (``Result.claims``), each with its negative control or labelled a
    #: sanity check.
    claims: list[Claim]
    #: The lines of the printed summary (``Result.summary``, joined by newlines).
    summary: list[str]
    #: The tables, arrays and values a page's prose or checks use (``Result.details``).
    details: dict[str, Any]


def jsonable(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if hasattr(v, "item") and getattr(v, "ndim", 1) == 0:  # numpy / torch scalars
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: its name, page, title, defaults and experiment function."""

    name: str
    notebook: str
    title: str
    defaults: Callable[[bool], dict[str, Any]]
    function: Callable[..., Result]
    threads: int | None = None
    #: The negative control of the page's numbers: the parameter overrides under which the
    #: same experiment runs as if training had done nothing (``{"iterations": 0}``); None for
    #: a page that trains nothing. ``tests/test_controls.py`` runs it and checks that every
    #: committed tolerance rejects the control's value (or says why no control applies).
    control: Mapping[str, Any] | None = None


#: Every figure of the book, by name (filled by the experiment modules when imported).
FIGURES: dict[str, FigureSpec] = {}


def figure(
    name: str,
    *,
    notebook: str,
    title: str,
    defaults: Callable[[bool], dict[str, Any]],
    threads: int | None = None,
    control: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Register the decorated function as the experiment of figure ``name``.

    ``threads``: the torch thread count the figure runs with (its committed numbers were
    computed with it; one thread is several times faster on tiny 2D layers); None keeps the
    caller's. ``control``: see :attr:`FigureSpec.control`.
    """

    def register(fn: Callable[..., Result]) -> Callable[..., Result]:
        if name in FIGURES:
            raise ValueError(f"figure {name!r} is registered twice")
        FIGURES[name] = FigureSpec(name, notebook, title, defaults, fn, threads, control)
        return fn

    return register


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)`` (None: unchanged), then restore."""
    import torch

    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _spec(name: str) -> FigureSpec:
    if name not in FIGURES:
        raise KeyError(
            f"no figure named {name!r}; the figures are: {', '.join(sorted(FIGURES))} "
            f"(`python -m autoencode figure --help` lists them)"
        )
    return FIGURES[name]


def parameters(
    name: str,
    namespace: Mapping[str, Any] | None = None,
    quick: bool | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """The parameters of figure ``name``: its defaults, with overrides.

    ``namespace`` (a notebook's ``globals()``): each of its names that is a parameter of the
    figure and is not None overrides the default. ``quick=None`` reads ``AUTOENCODE_QUICK``.
    An override that is not a parameter of the figure is an error that lists them. The values
    themselves are checked by :func:`autoencode.experiments.parameter_checks.parameters`, the
    ``autoencode.experiments.parameters`` that callers use.
    """
    from ..devices import resolve_device, resolve_dtype
    from ..notebook import quick_mode

    spec = _spec(name)
    quick = quick_mode() if quick is None else bool(quick)
    params = {**spec.defaults(quick), **PLACEMENT}
    given = {k: v for k, v in (namespace or {}).items() if k in params and v is not None}
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise TypeError(
            f"figure {name!r} has no parameter(s) {unknown}; its parameters are: "
            f"{', '.join(params)}"
        )
    given.update(overrides)
    for k, v in given.items():
        d = params[k]
        if isinstance(d, (int, float)) and not isinstance(d, bool) and isinstance(v, str):
            raise TypeError(
                f"parameter {k} of figure {name!r} must be a number like {d!r}, got the "
                f"string {v!r}"
            )
    params.update(given)
    # Checked now, so that a device this machine lacks is refused before any work.
    params["device"] = str(resolve_device(params["device"]))
    params["dtype"] = str(resolve_dtype(params["dtype"])).removeprefix("torch.")
    params["quick"] = quick
    return params


def run(name: str, progress: bool = True, **params: Any) -> Result:
    """Run the experiment of figure ``name`` with :func:`parameters` ``(name, **params)``, on
    its ``device`` in its ``dtype``."""
    from ..devices import compute_on

    spec = _spec(name)
    quick = params.pop("quick", None)
    resolved = parameters(name, quick=quick, **params)
    own = {k: v for k, v in resolved.items() if k not in PLACEMENT}
    with torch_threads(spec.threads), compute_on(resolved["device"], resolved["dtype"]):
        result = spec.function(progress=progress, **own)
    result.parameters = resolved
    return result


def format_parameters(params: Mapping[str, Any]) -> str:
    """The parameters of a run, one ``name = value`` per line (what a page shows its reader)."""
    width = max((len(k) for k in params), default=0)
    return "\n".join(f"{k:<{width}} = {v!r}" for k, v in params.items())
