"""``python -m autoencode figure <name> [--quick] [-p key=value ...] [--device D] [--dtype T]
--out DIR`` and ``python -m autoencode sweep <name> --seeds 0-9 [-p key=value ...]
[--grid key=[v1,v2]] [--scheduler ADDRESS | --workers N] --out DIR``.

``figure`` regenerates one figure of the book outside Jupyter, through the same experiment
function its notebook calls (:mod:`autoencode.experiments`): the figure as PNG and PDF and its
numbers (with the parameters used) as JSON, in ``--out``. ``sweep`` runs that experiment for
many seeds (and grid points) on Dask (:mod:`autoencode.sweeps`) and writes one record per run
and a summary with intervals. ``python -m autoencode figure --help`` lists the figures.

A mistake is refused before any work, in one line ``error: ...`` and exit status 2: an unknown
parameter, a malformed ``-p``, or a value that breaks its rule or the figure's consistency
(:mod:`autoencode.experiments.parameter_checks`; for a sweep, at every grid point).
"""

from __future__ import annotations

import argparse
import ast
import sys
import time


def _value(text: str):
    """A Python literal (number, list, True, None, quoted string), else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise SystemExit(
                f"error: -p takes key=value (e.g. -p lam=1e-2 or -p widths=[2,1,2]), got {item!r}"
            )
        out[key.strip()] = _value(text.strip())
    return out


def _parser(figures) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autoencode")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_figure_parser(sub, figures)
    _add_sweep_parser(sub, figures)
    return parser


def _add_figure_parser(sub, figures) -> None:
    """``figure``: its options, and the figures with their notebooks in its help."""
    lines = [
        f"  {name:<16} {spec.title} (notebooks/{spec.notebook}.ipynb)"
        for name, spec in sorted(figures.items())
    ]
    fig = sub.add_parser(
        "figure",
        help="regenerate one figure of the book (PNG, PDF and its numbers as JSON)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Regenerate one figure of the book, through the experiment its notebook runs.",
        epilog="figures:\n" + "\n".join(lines) + "\n\nexample:\n"
        "  python -m autoencode figure fig04 --quick --out figures/\n"
        "  python -m autoencode figure fig10 -p iterations=300 --out figures/\n"
        "  python -m autoencode figure fig04 --quick --dtype float64 --out figures/",
    )
    fig.add_argument(
        "name", choices=sorted(figures), metavar="name", help="which figure (listed below)"
    )
    fig.add_argument(
        "--quick", action="store_true", help="quick mode: tiny sizes and a few iterations (seconds)"
    )
    fig.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one of the figure's parameters (repeatable)",
    )
    fig.add_argument("--out", default="figures", help="folder for the files (default: figures/)")
    fig.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch threads (default: the figure's own, else 2)",
    )
    fig.add_argument(
        "--device",
        default=None,
        help="where to compute: cpu (default), cuda, cuda:N or mps",
    )
    fig.add_argument(
        "--dtype",
        default=None,
        help="floating dtype: float32 (default) or float64",
    )
    fig.add_argument("--no-progress", action="store_true", help="no progress bars")


def _add_sweep_parser(sub, figures) -> None:
    """``sweep``: its options (a figure's or the book's sweeps, where to run, what to write)."""
    sw = sub.add_parser(
        "sweep",
        help="run one figure's experiment over seeds (and a grid) on Dask; records and summary",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a figure's experiment once per seed and grid point, on a local Dask "
        "cluster (default) or on a running one (--scheduler). Each run is written as a JSON "
        "record in OUT/records/ as soon as it ends; a sweep run again does only the missing "
        "runs. OUT/summary.json: each claim's pass rate (95 %% Wilson interval), each "
        "number's mean, std, interquartile mean and bootstrap 95 %% interval.",
        epilog="example:\n"
        "  python -m autoencode sweep fig04 --seeds 0-9 --out sweeps/fig04\n"
        "  python -m autoencode sweep fig04 --quick --seeds 0-1 --grid lam=[1e-3,1e-2] "
        "--out sweeps/try\n"
        "  python -m autoencode sweep fig10 --seeds 0-4 --scheduler tcp://head:8786 --out s/",
    )
    sw.add_argument(
        "name",
        choices=[*sorted(figures), "book"],
        metavar="name",
        help="which figure, or `book`: every sweep of the book's robustness page",
    )
    sw.add_argument("--seeds", help="seeds: a range 0-9, a list 0,3,7, or both")
    sw.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE")
    sw.add_argument(
        "--grid", action="append", default=[], metavar="KEY=[V1,V2,...]", help="repeatable"
    )
    where = sw.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    where.add_argument("--workers", type=int, default=None, help="local worker processes (2)")
    sw.add_argument("--threads", type=int, default=None, help="torch threads per worker")
    sw.add_argument("--quick", action="store_true", help="quick mode (seconds per run)")
    sw.add_argument("--out", required=True, help="folder of the records and the summary")
    sw.add_argument(
        "--data", default=None, help="with `book`: the data file of the robustness page (JSON)"
    )
    sw.add_argument("--figures", default=None, help="with `book`: only these (comma-separated)")
    sw.add_argument(
        "--carry-over",
        action="store_true",
        help="with `book` and --data: run one recorded seed of each stale figure with the code "
        "that made the records and with the current code and, where both give the same numbers, "
        "carry its records over (autoencode.carry_over)",
    )


def _bad_count(args, *names: str) -> bool:
    """Print the error of the first option among ``names`` given below 1 (True if any)."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            print(f"error: --{name} must be at least 1", file=sys.stderr)
            return True
    return False


def _sweep(args) -> int:
    from .sweeps import SweepError, plot_summary, sweep

    if _bad_count(args, "workers", "threads"):
        return 2
    where = dict(scheduler=args.scheduler, workers=args.workers, threads=args.threads)
    if args.carry_over and (args.name != "book" or not args.data):
        print("error: --carry-over needs `book` and --data FILE", file=sys.stderr)
        return 2
    if args.carry_over:
        from .carry_over import carry_over

        figures = args.figures.split(",") if args.figures else None
        if args.scheduler:
            print(
                "error: --carry-over runs on this machine: leave out --scheduler", file=sys.stderr
            )
            return 2
        outcome = carry_over(
            args.data, args.out, figures, workers=args.workers, threads=args.threads
        )
        return 0 if all(o["carried"] for o in outcome.values()) else 1
    if args.name == "book":
        from .sweeps import book_sweep

        figures = args.figures.split(",") if args.figures else None
        try:
            book_sweep(args.out, args.data, figures, quick=args.quick, **where)
        except SweepError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(args.data or args.out)
        return 0
    if not args.seeds:
        print("error: --seeds is required (e.g. --seeds 0-9)", file=sys.stderr)
        return 2
    try:
        result = sweep(
            args.name,
            args.seeds,
            _overrides(args.param),
            args.grid,
            out=args.out,
            quick=args.quick,
            **where,
        )
    except SweepError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    fig = plot_summary(result.records, result.summary)
    fig.savefig(f"{args.out}/summary.png")
    for label, point in result.summary["points"].items():
        print(f"{args.name} [{label}]: {point['runs']} runs, {len(point['failed'])} failed")
        for name, c in point["claims"].items():
            lo, hi = c["ci95"]
            print(f"  {c['passes']}/{c['n']} (95 % CI {lo:.2f}-{hi:.2f})  {name}")
    print(f"{args.out}/summary.json")
    return 0


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    from . import experiments, notebook

    args = _parser(experiments.FIGURES).parse_args(argv)
    if args.command == "sweep":
        return _sweep(args)
    if _bad_count(args, "threads"):
        return 2
    try:
        overrides = _overrides(args.param)
        for key in ("device", "dtype"):
            if getattr(args, key) is not None:
                overrides[key] = getattr(args, key)
        params = experiments.parameters(args.name, quick=args.quick, **overrides)
    # a value against its rule (ParameterError, a ValueError), an unknown parameter, a device
    # or dtype this machine lacks: one line, before any work
    except (TypeError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    threads = args.threads or experiments.FIGURES[args.name].threads or 2
    notebook.setup(seed=int(params.get("seed", 0)), threads=threads)
    start = time.perf_counter()
    mode = "quick" if args.quick else "full"
    print(
        f"figure {args.name} ({mode} mode, on {params['device']} in {params['dtype']})",
        file=sys.stderr,
    )
    result = experiments.run(args.name, progress=not args.no_progress, **params)
    for path in result.save(args.out):
        print(path)
    import matplotlib.pyplot as plt

    for fig in result.figures.values():  # written: pyplot need not keep them (a caller's process)
        plt.close(fig)
    print(f"done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
