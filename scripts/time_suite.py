"""Time the test suite, part by part, from a fresh model cache, and print a table.

The parts are what ``make test`` runs (with the same pytest options, through
``make test PYTEST_ARGS=...``), one after the other, each from an empty model cache
(``AUTOENCODE_CACHE`` in a new temporary folder, so the full-MNIST pages train their models):

* ``test-fast``: ``make test-fast`` (the library tests without the slow ones);
* ``library``: the library tests (``-m "not notebooks"``), the slow ones included;
* ``quick``: every notebook in quick mode (papermill);
* ``nbval``: every notebook's full-mode check against its committed outputs (nbval);
* ``other``: the rest of the notebook-marked tests (conventions, the negative controls in full
  mode, the documented commands);
* ``make-test``: ``make test`` whole (not by default: it is the sum of the four parts above,
  run together);
* ``float64``, ``other-cpu``: ``make test-float64`` and ``make test-other-cpu`` (CI runs them
  after ``make test``; not by default).

Run it on a quiet machine (other jobs on the cores slow every part down)::

    .venv/bin/python scripts/time_suite.py              # test-fast and the four parts
    .venv/bin/python scripts/time_suite.py --parts all  # and make test, float64, other-cpu
    .venv/bin/python scripts/time_suite.py --parts quick,nbval --notebooks fig07_mnist_architecture
    .venv/bin/python scripts/time_suite.py --parts make-test --workers 0   # pytest-xdist or not

``--notebooks`` restricts the notebook parts to some pages (a pytest ``-k`` expression on their
names); ``--markdown`` prints the table as the README's.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name -> (what it runs, the make command line); PYTEST_ARGS goes through `make test`.
PARTS: dict[str, tuple[str, list[str]]] = {
    "test-fast": ("make test-fast (library tests, the slow ones left out)", ["test-fast"]),
    "library": ("library tests, slow ones included", ["test", 'PYTEST_ARGS=-m "not notebooks"']),
    "quick": (
        "every notebook in quick mode (papermill)",
        ["test", "PYTEST_ARGS=-m notebooks -k quick_run"],
    ),
    "nbval": (
        "every notebook's full-mode check (nbval)",
        ["test", "PYTEST_ARGS=-m notebooks -k nbval_full"],
    ),
    "other": (
        "the other notebook tests (conventions, full-mode controls, documented commands)",
        ["test", 'PYTEST_ARGS=-m notebooks -k "not quick_run and not nbval_full"'],
    ),
    "make-test": ("make test, whole", ["test"]),
    "float64": ("make test-float64", ["test-float64"]),
    "other-cpu": ("make test-other-cpu (nbval full runs, other CPU kernels)", ["test-other-cpu"]),
}
DEFAULT = ["test-fast", "library", "quick", "nbval", "other"]

#: pytest's closing line, e.g. "== 3 failed, 740 passed, 2 skipped in 81.20s (0:01:21) ==".
SUMMARY = re.compile(r"^=+ (.*\b(?:passed|failed|error|errors|skipped|deselected)\b.*) in [\d.]+s")


def notebook_filter(names: list[str]) -> str:
    return " or ".join(names)


def command(part: str, notebooks: list[str], workers: int | None = None) -> list[str]:
    _, args = PARTS[part]
    args = list(args)
    if workers is not None:
        args.insert(1, f"{'FAST' if part == 'test-fast' else 'TEST'}_WORKERS={workers}")
    if notebooks and part in ("quick", "nbval", "other", "make-test"):
        expr = notebook_filter(notebooks)
        if part == "make-test":
            args.append(f'PYTEST_ARGS=-m notebooks -k "{expr}"')
        else:
            k = args[-1].split("-k ", 1)[1].strip('"')
            args[-1] = args[-1].split("-k ", 1)[0] + f'-k "({k}) and ({expr})"'
    elif notebooks and part == "other-cpu":
        args.append(f'PYTEST_ARGS=-k "nbval_full and ({notebook_filter(notebooks)})"')
    return ["make", "--no-print-directory", *args]


def run(part: str, notebooks: list[str], log_dir: Path, workers: int | None) -> dict[str, object]:
    cmd = command(part, notebooks, workers)
    with tempfile.TemporaryDirectory(prefix="autoencode-cache-") as cache:
        env = {**os.environ, "AUTOENCODE_CACHE": cache}
        env.pop("AUTOENCODE_QUICK", None)
        log = log_dir / f"{part}.log"
        print(f"== {part}: {shlex.join(cmd)}  (log: {log})", flush=True)
        start = time.perf_counter()
        with log.open("w") as out:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        seconds = time.perf_counter() - start
    summary = ""
    for line in log.read_text().splitlines():
        m = SUMMARY.match(line.strip())
        if m:
            summary = m.group(1)
    print(f"   {seconds:.0f} s, exit {proc.returncode}: {summary or '(no pytest summary)'}")
    what = PARTS[part][0]
    if notebooks and part in ("quick", "nbval", "other", "make-test", "other-cpu"):
        what += f" [only {', '.join(notebooks)}]"
    return {"what": what, "seconds": seconds, "rc": proc.returncode, "summary": summary}


def minutes(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m} min {s:02d} s" if m else f"{s} s"


def table(rows: list[dict[str, object]], markdown: bool) -> str:
    lines = []
    if markdown:
        lines += ["| step | time | tests |", "|---|---|---|"]
    for r in rows:
        what = r["what"]
        status = "" if r["rc"] == 0 else f" (exit {r['rc']})"
        t = minutes(float(r["seconds"]))  # type: ignore[arg-type]
        if markdown:
            lines.append(f"| {what} | {t}{status} | {r['summary']} |")
        else:
            lines.append(f"{t + status:>16}  {what}: {r['summary']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--parts",
        default=",".join(DEFAULT),
        help=f"comma-separated, from {', '.join(PARTS)}; 'all' for every one "
        f"(default: {','.join(DEFAULT)})",
    )
    ap.add_argument(
        "--notebooks",
        default="",
        help="comma-separated page names (e.g. fig07_mnist_architecture): the notebook parts "
        "run only their tests",
    )
    ap.add_argument(
        "--workers",
        type=int,
        help="pytest-xdist workers for every part (TEST_WORKERS, FAST_WORKERS for test-fast; "
        "default: the Makefile's; 0 runs pytest alone)",
    )
    ap.add_argument("--logs", type=Path, help="folder for each part's output (default: a temp one)")
    ap.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    args = ap.parse_args(argv)
    parts = list(PARTS) if args.parts == "all" else [p for p in args.parts.split(",") if p]
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        ap.error(f"unknown part(s) {unknown}; the parts are {', '.join(PARTS)}")
    notebooks = [n for n in args.notebooks.split(",") if n]
    log_dir = args.logs or Path(tempfile.mkdtemp(prefix="time-suite-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"== {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at the start")
    rows = [run(p, notebooks, log_dir, args.workers) for p in parts]
    print(f"== load average {os.getloadavg()[0]:.2f} at the end\n")
    print(table(rows, args.markdown))
    return 0 if all(r["rc"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
