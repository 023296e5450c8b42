"""The robustness page's tables and figure, from the data file the book's sweeps wrote.

``make sweep`` (:func:`autoencode.sweeps.book_sweep`) runs every figure that trains for 10
seeds (2D pages) or 5 (full-MNIST pages) and writes ``book/data/robustness.json``; the page
reads it back here, in seconds, without training anything:

* :func:`claims_table`: each claim's passes out of n seeds, with the 95 % Wilson interval;
* :func:`numbers_table`: each reported number across seeds (mean, standard deviation,
  interquartile mean, bootstrap 95 % interval, min, max) beside its committed single-seed value
  and its tolerance, and whether that tolerance is narrower than the seed spread;
* :func:`claims_figure`: the pass rates, and each claim's value across seeds (seaborn);
* :func:`seed_counts`: per row of the Verdicts table, in how many seeds its checks all hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "DATA_FILE",
    "load",
    "claims_table",
    "numbers_table",
    "claims_figure",
    "seed_counts",
]

#: Where ``make sweep`` writes the data, relative to the repository root.
DATA_FILE = Path("book") / "data" / "robustness.json"


def load(path: str | Path) -> dict[str, Any] | None:
    """The data file, or None where no sweep has been recorded yet."""
    p = Path(path)
    return json.loads(p.read_text()) if p.is_file() else None


def claims_table(data: Mapping[str, Any]) -> Any:
    """One row per claim of every figure (sanity checks aside): passes / n and the interval."""
    import pandas as pd

    rows = []
    for figure, d in data["figures"].items():
        for point in d["summary"]["points"].values():
            for name, c in point["claims"].items():
                if c["sanity"]:
                    continue
                lo, hi = c["ci95"]
                rows.append(
                    {
                        "figure": figure,
                        "row": c["key"],
                        "check": name.split(": ", 1)[1],
                        "holds in": f"{c['passes']}/{c['n']}",
                        "95 % interval": f"{lo:.2f}–{hi:.2f}",
                        "failing seeds": ", ".join(map(str, c["seeds_failing"])) or "—",
                    }
                )
    return pd.DataFrame(rows)


def numbers_table(data: Mapping[str, Any], notebooks: Mapping[str, str]) -> Any:
    """Each number across seeds beside its committed value and tolerance. ``notebooks``: the
    page of each figure (for its reference file). ``spread``: the largest distance of a seed's
    value from the committed one; ``tolerance < spread`` marks a tolerance that another seed
    would exceed (the book's checks pin the seed; see the page)."""
    import pandas as pd

    from .reproduction import load_reference, tolerance_for

    rows = []
    for figure, d in data["figures"].items():
        ref = load_reference(notebooks[figure])
        for point in d["summary"]["points"].values():
            for name, s in point["numbers"].items():
                committed = ref["committed"].get(name)
                row = {
                    "figure": figure,
                    "number": name,
                    "committed": committed,
                    "mean": s["mean"],
                    "std": s["std"],
                    "IQM": s["iqm"],
                    "mean, 95 % interval": "{:.4g} – {:.4g}".format(*s["mean_ci95"]),
                    "min": s["min"],
                    "max": s["max"],
                }
                if isinstance(committed, (int, float)):
                    tol = tolerance_for(ref, name)
                    spread = max(abs(s["min"] - committed), abs(s["max"] - committed))
                    width = float("inf") if tol.exact else tol.abs + tol.rel * abs(committed)
                    row["tolerance"] = tol.describe()
                    row["tolerance < spread"] = (not tol.exact) and width < spread
                rows.append(row)
    return pd.DataFrame(rows)


def _claim_values(data: Mapping[str, Any]) -> Any:
    """Each claim's value per seed as its margin to the threshold, positive on the side where
    the check holds, in units of the seed-0 run's distance to the threshold."""
    import numpy as np
    import pandas as pd

    rows = []
    for figure, d in data["figures"].items():
        per_claim: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
        for r in d["records"]:
            for c in r.get("claims") or [] if r["status"] == "ok" else []:
                if not c["sanity"]:
                    per_claim.setdefault((c["key"], c["statement"]), []).append((r["seed"], c))
        for (key, statement), runs in per_claim.items():
            margins = np.array([c["value"] - c["threshold"] for _, c in runs], dtype=float)
            holds = np.array([c["holds"] for _, c in runs])
            side = np.sign(np.sum(np.where(holds, 1.0, -1.0) * np.sign(margins))) or 1.0
            scale = next(
                (abs(m) for (seed, _), m in zip(runs, margins, strict=True) if seed == 0), 0
            )
            scale = scale or float(np.median(np.abs(margins))) or 1.0
            for (_, c), m in zip(runs, margins, strict=True):
                rows.append(
                    {
                        "claim": f"{figure} · {key}: {statement[:48]}",
                        "margin": side * m / scale,
                        "holds": bool(c["holds"]),
                    }
                )
    return pd.DataFrame(rows)


def claims_figure(data: Mapping[str, Any]) -> Any:
    """Left: every claim's pass rate across seeds with its 95 % Wilson interval. Right: each
    claim's value per seed, as its margin to the threshold (positive where the check holds), in
    units of seed 0's margin."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    table = []
    for figure, d in data["figures"].items():
        for point in d["summary"]["points"].values():
            for name, c in point["claims"].items():
                if not c["sanity"]:
                    label = f"{figure} · {c['key']}: {name.split(': ', 1)[1][:48]}"
                    table.append((label, c["passes"] / c["n"], *c["ci95"]))
    values = _claim_values(data)
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 0.28 * len(table) + 1.6), sharey=False, width_ratios=[1, 1.2]
    )
    ys = list(range(len(table)))
    rates = [t[1] for t in table]
    left.errorbar(
        rates,
        ys,
        xerr=[
            [r - t[2] for r, t in zip(rates, table, strict=True)],
            [t[3] - r for r, t in zip(rates, table, strict=True)],
        ],
        fmt="o",
        capsize=2,
    )
    left.set_yticks(ys, [t[0] for t in table], fontsize=7)
    left.set(xlim=(-0.05, 1.05), xlabel="holds in this share of seeds (95 % Wilson interval)")
    left.invert_yaxis()
    if len(values):
        order = [t[0] for t in table]  # the rows of the left panel
        sns.stripplot(
            data=values,
            x="margin",
            y="claim",
            hue="holds",
            order=order,
            ax=right,
            size=3.5,
            jitter=0.2,
            palette={True: "tab:blue", False: "tab:red"},
        )
        right.axvline(0, color="k", lw=0.8)
        right.set(xlabel="margin to the threshold (> 0: holds), in units of seed 0's", ylabel="")
        right.set_yticks(range(len(order)), [""] * len(order))
        right.set_xscale("symlog", linthresh=1)
    fig.tight_layout()
    return fig


def seed_counts(data: Mapping[str, Any] | None) -> dict[str, tuple[int, int]]:
    """Per row of the Verdicts table: ``(runs in which every check of the row holds, runs)``,
    over the seeds of every figure whose checks name the row (a failed run holds nothing)."""
    out: dict[str, tuple[int, int]] = {}
    for d in (data or {}).get("figures", {}).values():
        keys = {
            c["key"]
            for r in d["records"]
            if r["status"] == "ok"
            for c in r["claims"]
            if c["key"] and not c["sanity"]
        }
        for r in d["records"]:
            for key in keys:
                checks = [
                    bool(c["holds"])
                    for c in (r.get("claims") or [])
                    if c["key"] == key and not c["sanity"]
                ]
                k, n = out.get(key, (0, 0))
                out[key] = (k + (r["status"] == "ok" and bool(checks) and all(checks)), n + 1)
    return out
