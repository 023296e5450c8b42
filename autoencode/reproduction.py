"""Numbers a notebook reports, checked against their committed values with a tolerance.

Training amplifies round-off, and round-off depends on the CPU (vectorised kernels,
BLAS build): a number a notebook prints is not reproduced digit for digit on another
machine. So the book never compares such numbers byte for byte. Instead every number a
page reports goes through a :class:`Report`::

    report = ae.Report("fig06_reconstruction_2d", parameters=globals())
    report("fig6_mse_ours", mse)          # glued for the prose, and recorded
    ...
    report.check()                        # in a cell marked `# NBVAL_CHECK_OUTPUT`

and ``notebooks/reference/<notebook>.toml`` holds, per quantity, its **committed value**
(the value in the committed notebook), its **tolerance** and **why** (the reason, with
the measured spread that justifies it). :meth:`Report.check` compares every recorded
value with its committed value and prints only the committed values and tolerances,
which are the same on every machine, so nbval can compare that output exactly.

The check applies to the book's own run: in quick mode, or when a parameter listed in
the reference file's ``[parameters]`` has another value, it says so and is skipped (the
figure's claims are still asserted by the notebook's own checks).

A reference file::

    seed_pinned = "why the check holds for the book's seed only"    # see below
    [parameters]                  # the book's values; any other value skips the check
    iterations = 600
    seed = 0
    [tolerances]                  # pattern (fnmatch) -> tolerance; the first match wins
    "fig6_mse_*" = { rel = 0.1, why = "training; native vs AVX2 kernels differ by 2 %" }
    "fig6_n_test" = { exact = true, why = "a parameter", no_control = "a parameter" }
    [committed]                   # written by `make execute`
    fig6_mse_ours = 0.000633
    [[claims]]                    # written by `make execute`: each check's outcome
    key = "fig6"
    ...

A value passes when ``|measured - committed| <= abs + rel * |committed|``. A tolerance must
reject the same number computed as if training had done nothing (the figure's negative
control, ``tests/test_controls.py``), unless its ``no_control`` says why no control bears on
it. It covers the round-off of other CPU kernels on the book's seed; where other seeds move a
number further (measured by the seed sweeps, ``book/data/robustness.json``), ``seed_pinned``
says why the check is kept for the book's seed (``tests/test_robustness.py``).

``make execute`` re-executes notebooks with ``AUTOENCODE_UPDATE_REFERENCE=1``: the book
run then writes its values into ``[committed]`` (the tolerances stay), so the committed
notebook and its reference file always agree, and ``git diff notebooks/reference`` shows
how far the numbers moved.

The reference file is read and written by :mod:`autoencode.reference_files`; its names that
this module uses import from here too.
"""

from __future__ import annotations

import json
import math
import os
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import paths
from .reference_files import (
    ReproductionError,
    Tolerance,
    claim_differences,
    claim_record,
    read_reference,
    tolerance_for,
    write_committed,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .claims import Claim

__all__ = [
    "Report",
    "Tolerance",
    "ReproductionError",
    "reference_path",
    "load_reference",
    "tolerance_for",
    "committed_glue",
    "REFERENCE_DIR",
]

#: Folder of the reference files (one per notebook): ``notebooks/reference`` of the source
#: checkout (:func:`autoencode.paths.checkout_root`). They are not part of an installed wheel;
#: there ``$AUTOENCODE_REFERENCE`` names the folder (:func:`reference_path`).
REFERENCE_DIR = (paths.checkout_root() or paths.PACKAGE_DIR.parent) / "notebooks" / "reference"

_RECORD = "application/papermill.record/text/plain"


def reference_path(notebook: str) -> Path:
    """``notebooks/reference/<notebook>.toml`` (``$AUTOENCODE_REFERENCE`` overrides the folder)."""
    folder = Path(os.environ.get("AUTOENCODE_REFERENCE", REFERENCE_DIR))
    return folder / f"{notebook}.toml"


def load_reference(notebook: str) -> dict:
    """The parsed reference file of a notebook, with ``tolerances`` as :class:`Tolerance` s."""
    path = reference_path(notebook)
    if not path.is_file():
        raise ReproductionError(
            f"no reference file {path} for notebook {notebook!r}: create it "
            f"(see autoencode/reproduction.py for its format)"
        )
    return read_reference(path)


def same_value(a: Any, b: Any) -> bool:
    """Whether two parameter values are the same: numbers to 1e-12 relative (5 and 5.0 are
    the same), anything else by equality."""
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
        except (TypeError, ValueError):
            return False
    return a == b


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, bool) or isinstance(v, int):
        return str(v)
    return f"{float(v):.4g}"


class Report:
    """Records the numbers a notebook reports and checks them against the reference file.

    Parameters
    ----------
    notebook:
        The notebook's file name without ``.ipynb``; names the reference file.
    parameters:
        The notebook's parameter values (``globals()`` is fine): only the names listed in
        the reference file's ``[parameters]`` are compared with the book's values.
    """

    def __init__(self, notebook: str, parameters: Mapping[str, Any] | None = None) -> None:
        from .notebook import quick_mode

        self.notebook = notebook
        self.reference = load_reference(notebook)
        self.values: dict[str, Any] = {}
        self.claim_records: list[dict[str, Any]] = []
        self.quick = quick_mode()
        params = dict(parameters or {})
        self.differences = [
            (k, params[k], book)
            for k, book in self.reference["parameters"].items()
            if k in params and not same_value(params[k], book)
        ]
        missing = [k for k in self.reference["parameters"] if k not in params]
        if parameters is not None and missing:
            raise ReproductionError(
                f"parameters {missing} of {self.reference['path'].name} are not "
                f"among the notebook's parameters"
            )

    @property
    def is_book_run(self) -> bool:
        """Full mode with the book's parameters: the committed values apply."""
        return not self.quick and not self.differences

    def skip_reason(self) -> str | None:
        if self.quick:
            return "quick mode (AUTOENCODE_QUICK=1): the committed values are for the full run"
        if self.differences:
            diff = ", ".join(f"{k} = {v!r} (book: {b!r})" for k, v, b in self.differences)
            return f"the parameters differ from the book's: {diff}"
        return None

    def __call__(self, name: str, value: Any, glue: bool = True) -> Any:
        """Record ``value`` under ``name`` (and glue it for the prose, not displayed)."""
        if isinstance(value, (int, float, str)):
            pass
        elif hasattr(value, "item"):  # 0-d tensors and NumPy scalars
            value = value.item()
        else:
            raise TypeError(f"report {name!r}: a number or a string, got {type(value).__name__}")
        if name in self.values:
            raise ReproductionError(f"{name!r} reported twice")
        self.values[name] = value
        if glue:
            from myst_nb import glue as _glue

            _glue(name, value, display=False)
        return value

    def record(self, numbers: Mapping[str, Any]) -> None:
        """Record (and glue) every number of an experiment's result (``Result.numbers``)."""
        for name, value in numbers.items():
            self(name, value)

    def figure(self, name: str, fig: Figure) -> None:
        """Glue a matplotlib figure under ``name`` for the page's ``{glue:figure}`` directive,
        which shows it with its number and caption; the figure is not displayed here."""
        import matplotlib.pyplot as plt
        from myst_nb import glue as _glue

        _glue(name, fig, display=False)
        plt.close(fig)

    def provenance(self, result: Any) -> str:
        """Glue ``provenance``, the line the page shows under each of its figures (``{glue}
        provenance``): the experiment function, the command that computes the figure again
        with this run's parameters, the library's commit, the data, and the numbers recorded so
        far as a JSON download (:mod:`autoencode.provenance`). Returns the line."""
        from IPython.display import Markdown
        from myst_nb import glue as _glue

        from .provenance import provenance, provenance_markdown

        p = provenance(result.name, result.parameters, quick=self.quick)
        line = provenance_markdown(p, self.values)
        _glue("provenance", Markdown(line), display=False)
        return line

    def table(self, name: str, table: Any) -> None:
        """Glue a table (a pandas DataFrame or Styler) under ``name`` for the page's
        ``{glue:figure}`` or ``{glue}`` directive; it is not displayed here."""
        from myst_nb import glue as _glue

        _glue(name, table, display=False)

    def claims(self, *claims: Claim | list[Claim] | tuple[Claim, ...]) -> bool:
        """Record the figure's claims (:mod:`autoencode.claims`) in the book's run.

        Every claim that is not a sanity check must name its row of the Verdicts table
        (:meth:`~autoencode.claims.Claim.about`) and carry its negative control
        (:meth:`~autoencode.claims.Claim.versus`), on which it must fail: a check that holds on its
        control is no evidence, and is an error here. A claim that does not hold is a result, not
        an error: its outcome is recorded, written into the reference file by ``make execute``, and
        :meth:`check` compares it with the committed outcome (so a verdict changes only when it is
        committed).

        Quick mode: not checked (too few iterations). Other parameters: printed, not recorded.
        Returns whether they were recorded.
        """
        from .claims import ClaimFailed

        flat = [
            c for group in claims for c in (group if isinstance(group, (list, tuple)) else [group])
        ]
        if self.quick:
            print(f"{len(flat)} claims not checked: quick mode.")
            return False
        if self.differences:
            reason = cast(str, self.skip_reason())  # not None: the parameters differ
            print(
                f"The parameters differ from the book's ({reason.split(': ', 1)[1]}): "
                f"the figure's claims are reported, not recorded."
            )
            for c in flat:
                print(f"  {c}")
            return False
        unfit = [
            f"{c.statement}: "
            + ("no row of the Verdicts table (Claim.about)" if not c.key else "")
            + ("; " if not c.key and not c.can_fail else "")
            + (
                "no negative control (Claim.versus)"
                if not c.control
                else f"holds on its negative control, the {c.control} ({c.control_value:.4g})"
                if c.control_holds
                else ""
            )
            for c in flat
            if not c.sanity and (not c.key or not c.can_fail)
        ]
        if unfit:
            raise ClaimFailed(
                "check(s) that cannot fail or support nothing:\n  " + "\n  ".join(unfit)
            )
        self.claim_records.extend(claim_record(c) for c in flat)
        held = sum(c.holds for c in flat if not c.sanity)
        evidence = sum(not c.sanity for c in flat)
        if evidence:
            print(f"{held} of {evidence} claims hold, each failing on its negative control:")
        for c in flat:
            if not c.sanity:
                print(f"  {c}")
        sanity = [c for c in flat if c.sanity]
        if sanity:
            print(f"{len(sanity)} sanity checks (true by construction, not evidence):")
            for c in sanity:
                print(f"  {c}")
        return True

    def check(self, show: bool = True) -> bool:
        """Compare every recorded value with its committed value (book run only).

        Prints the committed values and tolerances (machine-independent); raises
        :class:`ReproductionError` listing every quantity out of tolerance or missing.
        Returns whether the comparison was made (False: skipped, and says why).
        """
        dump = os.environ.get("AUTOENCODE_REPORT_DUMP")  # scripts/measure_spread.py
        if dump:
            Path(dump).mkdir(parents=True, exist_ok=True)
            (Path(dump) / f"{self.notebook}.json").write_text(json.dumps(self.values, indent=1))
        reason = self.skip_reason()
        if reason is not None:
            print(f"Reproduction check skipped: {reason}.")
            return False
        if os.environ.get("AUTOENCODE_UPDATE_REFERENCE") == "1":  # `make execute`
            for name in self.values:
                tolerance_for(self.reference, name)  # every quantity needs one
            write_committed(self.reference["path"], self.values, self.claim_records)
            self.reference = load_reference(self.notebook)
        ref, committed = self.reference, self.reference["committed"]
        problems, rows = [], []
        for name, value in self.values.items():
            tol = tolerance_for(ref, name)
            if name not in committed:
                problems.append(
                    f"{name}: measured {_fmt(value)}, but no committed value in {ref['path'].name}"
                )
                continue
            if not tol.holds(value, committed[name]):
                problems.append(
                    f"{name}: measured {_fmt(value)}, committed {_fmt(committed[name])}, "
                    f"tolerance {tol.describe()} ({tol.why})"
                )
            rows.append((name, committed[name], tol))
        stale = sorted(set(committed) - set(self.values))
        if stale:
            problems.append(f"committed but not reported by this run: {stale}")
        problems += claim_differences(self.claim_records, ref.get("claims", []))
        if problems:
            raise ReproductionError(
                f"{len(problems)} reported number(s) of {self.notebook} disagree with "
                f"{ref['path']}:\n  "
                + "\n  ".join(problems)
                + f"\nIf the change is intended, re-execute the notebook (`make execute "
                f"NB=notebooks/{self.notebook}.ipynb`), which writes the new values into the "
                "reference file, and review `git diff notebooks/reference`."
            )
        if show:
            print(
                f"Reproduction check: {len(rows)} reported numbers within their tolerances of the "
                f"committed values ({ref['path'].parent.name}/{ref['path'].name})."
            )
            groups: dict[tuple[str, str], list[str]] = {}
            for name, value, tol in rows:
                groups.setdefault((tol.describe(), tol.why), []).append(f"{name} = {_fmt(value)}")
            for (tolerance, why), items in groups.items():
                print(f"{tolerance}  [{why}]")
                print(
                    textwrap.fill(
                        ", ".join(items), width=100, initial_indent="    ", subsequent_indent="    "
                    )
                )
        return True


def committed_glue(notebook_path: str | os.PathLike) -> dict[str, Any]:
    """The glued values of an executed notebook file: ``{name: number or string}``."""
    import nbformat

    nb = nbformat.read(Path(notebook_path), as_version=4)
    out = {}
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            data = o.get("data", {})
            if not name or _RECORD not in data:
                continue
            text = data[_RECORD]
            try:
                value = json.loads(text)
            except ValueError:
                try:
                    import ast

                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    continue  # a table or another object: not a number
            if isinstance(value, (int, float, str)):
                out[name] = value
    return out


def _main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(
        prog="python -m autoencode.reproduction",
        description="Reference values of the book's notebooks.",
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    show = sub.add_parser(
        "show", help="print a notebook's quantities, committed values, tolerances, why"
    )
    show.add_argument("notebooks", nargs="+")
    a = ap.parse_args(argv)
    for nb in a.notebooks:
        ref = load_reference(Path(nb).stem)
        print(f"# {Path(nb).stem}")
        for name, value in sorted(ref["committed"].items()):
            tol = tolerance_for(ref, name)
            print(f"{name:<32} {_fmt(value):>10}  {tol.describe():>10}  {tol.why}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
