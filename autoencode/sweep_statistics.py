"""A sweep's summary across seeds: each claim's pass rate with its Wilson interval, each
number's statistics, and the figure that shows both.

Per grid point, :func:`summarise` gives each claim's pass count with a 95 % Wilson interval
and each reported number's mean, standard deviation, interquartile mean, bootstrap 95 %
interval (:func:`scipy.stats.bootstrap`), minimum and maximum; :func:`plot_summary` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["summarise", "plot_summary"]


def _wilson(k: int, n: int) -> list[float]:
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def _describe(values: list[float]) -> dict[str, Any]:
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype=float)
    out: dict[str, Any] = {
        "n": len(x),
        "mean": float(x.mean()),
        "std": float(x.std(ddof=1)) if len(x) > 1 else 0.0,
        "iqm": float(stats.trim_mean(x, 0.25)),
        "min": float(x.min()),
        "max": float(x.max()),
    }
    if len(x) > 1 and np.ptp(x) > 0:
        boot = stats.bootstrap(
            (x,), np.mean, confidence_level=0.95, n_resamples=2000, method="percentile", rng=0
        )
        out["mean_ci95"] = [
            float(boot.confidence_interval.low),
            float(boot.confidence_interval.high),
        ]
    else:  # one value, or all equal: the interval is that value
        out["mean_ci95"] = [out["mean"], out["mean"]]
    return out


def _point_label(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "book parameters"


def summarise(records: Sequence[Mapping[str, Any]], figure: str | None = None) -> dict[str, Any]:
    """Per grid point: runs, failures (with their errors), each claim's passes of n with a
    95 % Wilson interval, and each number's statistics across seeds."""
    points: dict[str, list[Mapping[str, Any]]] = {}
    for r in records:
        point = {k: v for k, v in r["parameters"].items() if k != "seed"}
        points.setdefault(_point_label(point), []).append(r)
    summary: dict[str, Any] = {"figure": figure, "points": {}}
    for label, recs in points.items():
        ok = [r for r in recs if r["status"] == "ok"]
        claims: dict[str, dict[str, Any]] = {}
        for r in ok:
            for c in r.get("claims", []):
                name = f"{c['key'] or '-'}: {c['statement']}" + (" [sanity]" if c["sanity"] else "")
                entry = claims.setdefault(
                    name,
                    {
                        "key": c["key"],
                        "sanity": c["sanity"],
                        "passes": 0,
                        "n": 0,
                        "seeds_failing": [],
                    },
                )
                entry["n"] += 1
                entry["passes"] += bool(c["holds"])
                if not c["holds"]:
                    entry["seeds_failing"].append(r["seed"])
        for entry in claims.values():
            entry["ci95"] = _wilson(entry["passes"], entry["n"])
        numbers: dict[str, list[float]] = {}
        for r in ok:
            for name, v in r.get("numbers", {}).items():
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    numbers.setdefault(name, []).append(float(v))
        summary["points"][label] = {
            "runs": len(recs),
            "seeds": sorted(r["seed"] for r in recs),
            "failed": [
                {"seed": r["seed"], "error": r.get("error", "")}
                for r in recs
                if r["status"] != "ok"
            ],
            "seconds": round(sum(float(r.get("seconds", 0)) for r in recs), 1),
            "claims": claims,
            "numbers": {name: _describe(vals) for name, vals in sorted(numbers.items())},
        }
    return summary


def plot_summary(
    records: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    committed: Mapping[str, Any] | None = None,
) -> Any:
    """One figure: left, each claim's pass rate with its 95 % interval; right, each number
    across seeds relative to its committed (single-seed) value, drawn with seaborn, the
    committed value at 0."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    committed = dict(committed or {})
    rows = []
    for label, point in summary["points"].items():
        for name, c in point["claims"].items():
            if not c["sanity"]:
                rows.append({"point": label, "claim": name, "rate": c["passes"] / c["n"], **c})
    claims = pd.DataFrame(rows)
    values = []
    for r in records:
        if r["status"] != "ok":
            continue
        for name, v in r.get("numbers", {}).items():
            ref = committed.get(name)
            if isinstance(v, (int, float)) and isinstance(ref, (int, float)) and ref != 0:
                values.append({"number": name, "relative": (float(v) - ref) / abs(ref)})
    numbers = pd.DataFrame(values)
    fig, (ax_c, ax_n) = plt.subplots(
        1,
        2,
        figsize=(
            11,
            0.35 * max(len(claims), numbers["number"].nunique() if len(numbers) else 1) + 1.5,
        ),
    )
    if len(claims):
        y = range(len(claims))
        lo = claims["rate"] - claims["ci95"].str[0]
        hi = claims["ci95"].str[1] - claims["rate"]
        ax_c.errorbar(claims["rate"], list(y), xerr=[lo, hi], fmt="o", capsize=3)
        ax_c.set_yticks(list(y), [textwrap_short(n) for n in claims["claim"]], fontsize=7)
        ax_c.set(xlim=(-0.05, 1.05), xlabel="pass rate across seeds (95 % Wilson interval)")
        ax_c.invert_yaxis()
    if len(numbers):
        sns.stripplot(data=numbers, x="relative", y="number", ax=ax_n, size=4, jitter=0.15)
        ax_n.axvline(0, color="k", lw=0.8)
        ax_n.set(xlabel="(value - committed) / |committed| across seeds", ylabel="")
        ax_n.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def textwrap_short(text: str, width: int = 60) -> str:
    """A claim's name cut to ``width`` characters for an axis label."""
    return text if len(text) <= width else text[: width - 1] + "…"
