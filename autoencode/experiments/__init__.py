"""The experiments behind the book's figures, one module per figure group.

Each module holds its figures' set-up (the parameters, once), their runs, their numbers and
their drawings, and registers each figure in :data:`FIGURES` (:mod:`.registry`). Notebooks and
``python -m autoencode figure <name>`` call the same functions::

    params = ae.experiments.parameters("fig10", globals())   # defaults + the page's overrides
    result = ae.experiments.run("fig10", **params)            # numbers, figures, details
"""

# parameters() and run(): the registry's, each value checked before any work
from .parameter_checks import parameters, run
from .registry import FIGURES, FigureSpec, Result, figure, format_parameters

# The experiment modules register their figures when imported.
from . import architectures, convexity, deep_limit, mnist, mnist_methods, ncode, neurode, toy2d  # noqa: E402,F401  (isort: skip)

__all__ = ["FIGURES", "FigureSpec", "Result", "figure", "format_parameters", "parameters", "run"]
