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
from . import architectures, common, fig04, fig05, fig06  # noqa: E402,F401  (isort: skip)
from . import convexity, deep_limit, mnist_methods, ncode, neurode  # noqa: E402,F401  (isort: skip)
from . import mnist_common, fig07, fig08_09, fig10, fig11  # noqa: E402,F401  (isort: skip)

__all__ = ["FIGURES", "FigureSpec", "Result", "figure", "format_parameters", "parameters", "run"]
