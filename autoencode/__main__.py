"""``python -m autoencode figure <name> [--quick] [-p key=value ...] [--device D] [--dtype T]
--out DIR``.

Regenerates one figure of the book outside Jupyter, through the same experiment function its
notebook calls (:mod:`autoencode.experiments`): the figure as PNG and PDF and its numbers (with
the parameters used) as JSON, in ``--out``. ``python -m autoencode figure --help`` lists them.
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
    lines = [
        f"  {name:<16} {spec.title} (notebooks/{spec.notebook}.ipynb)"
        for name, spec in sorted(figures.items())
    ]
    parser = argparse.ArgumentParser(prog="python -m autoencode")
    sub = parser.add_subparsers(dest="command", required=True)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    from . import experiments, notebook

    args = _parser(experiments.FIGURES).parse_args(argv)
    try:
        overrides = _overrides(args.param)
        for key in ("device", "dtype"):
            if getattr(args, key) is not None:
                overrides[key] = getattr(args, key)
        params = experiments.parameters(args.name, quick=args.quick, **overrides)
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
    print(f"done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
