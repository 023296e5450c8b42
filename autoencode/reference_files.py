"""A notebook's reference file, ``notebooks/reference/<notebook>.toml``: read, with its
tolerances, and its committed values and claims written back.

Its format and how the book uses it: :mod:`autoencode.reproduction`, whose
:class:`~autoencode.Report` compares a notebook's numbers and claims with the file.
"""

from __future__ import annotations

import fnmatch
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .claims import Claim

__all__ = [
    "ReproductionError",
    "Tolerance",
    "read_reference",
    "tolerance_for",
    "claim_record",
    "claim_differences",
    "write_committed",
]


class ReproductionError(AssertionError):
    """A reported number is outside its tolerance, or has no reference entry."""


@dataclass(frozen=True)
class Tolerance:
    """``|measured - committed| <= abs + rel * |committed|``, or equality when ``exact``."""

    pattern: str
    why: str
    rel: float = 0.0
    abs: float = 0.0
    exact: bool = False
    #: Why no negative control bears on this number (a parameter, a baseline that does not
    #: train, a value fixed by construction); empty: the tolerance must reject the control.
    no_control: str = ""

    def holds(self, measured: Any, committed: Any) -> bool:
        if self.exact or isinstance(committed, str) or isinstance(measured, str):
            return measured == committed
        m, c = float(measured), float(committed)
        if not (math.isfinite(m) and math.isfinite(c)):
            return m == c
        return abs(m - c) <= self.abs + self.rel * abs(c)

    def describe(self) -> str:
        if self.exact:
            return "exact"
        parts = []
        if self.rel:
            parts.append(f"{self.rel * 100:g} %")
        if self.abs:
            parts.append(f"{self.abs:g}")
        return "±" + " + ".join(parts) if parts else "±0"


def read_reference(path: Path) -> dict:
    """The parsed reference file at ``path``, with ``tolerances`` as
    :class:`~autoencode.reproduction.Tolerance` s; a tolerance without its ``why``, or with a
    key other than rel/abs/exact/no_control, is refused."""
    with path.open("rb") as f:
        ref = tomllib.load(f)
    tolerances = []
    for pattern, spec in ref.get("tolerances", {}).items():
        unknown = set(spec) - {"rel", "abs", "exact", "why", "no_control"}
        if unknown or not spec.get("why"):
            raise ReproductionError(
                f"{path}: tolerance {pattern!r} needs a 'why' and only "
                f"rel/abs/exact/no_control (unknown keys: {sorted(unknown)})"
            )
        tolerances.append(
            Tolerance(
                pattern=pattern,
                why=spec["why"],
                rel=float(spec.get("rel", 0)),
                abs=float(spec.get("abs", 0)),
                exact=bool(spec.get("exact", False)),
                no_control=str(spec.get("no_control", "")),
            )
        )
    return {
        "path": path,
        "parameters": ref.get("parameters", {}),
        "tolerances": tolerances,
        "committed": ref.get("committed", {}),
        "claims": ref.get("claims", []),
        "seed_pinned": str(ref.get("seed_pinned", "")),
    }


def tolerance_for(reference: dict, name: str) -> Tolerance:
    for tol in reference["tolerances"]:
        if fnmatch.fnmatchcase(name, tol.pattern):
            return tol
    raise ReproductionError(
        f"{reference['path']}: no tolerance matches the quantity {name!r}; "
        f"add one under [tolerances] with its reason"
    )


def claim_record(c: Claim) -> dict[str, Any]:
    """A claim's outcome as the reference file stores it (``[[claims]]``)."""
    rec: dict[str, Any] = {
        "key": c.key,
        "statement": c.statement,
        "value": float(c.value),
        "threshold": float(c.threshold),
        "holds": bool(c.holds),
        "sanity": bool(c.sanity),
    }
    if c.control:
        rec.update(
            control=c.control,
            control_value=float(cast(float, c.control_value)),
            control_holds=bool(c.control_holds),
        )
    return rec


def claim_differences(measured: list[dict[str, Any]], committed: list[dict[str, Any]]) -> list[str]:
    """Each claim whose outcome (or its control's) differs from the committed one."""
    ident = lambda r: (r.get("key", ""), r["statement"])  # noqa: E731
    got, want = {ident(r): r for r in measured}, {ident(r): r for r in committed}
    out = []
    for k in sorted(set(got) | set(want)):
        if k not in want:
            out.append(f"claim {k[1]!r} ({k[0]}) checked but not committed")
        elif k not in got:
            out.append(f"claim {k[1]!r} ({k[0]}) committed but not checked by this run")
        else:
            for field in ("holds", "control_holds", "sanity"):
                if got[k].get(field) != want[k].get(field):
                    out.append(
                        f"claim {k[1]!r} ({k[0]}): {field} = {got[k].get(field)}, committed "
                        f"{want[k].get(field)} (measured {got[k]['value']:.4g})"
                    )
    return out


def write_committed(
    path: Path, values: Mapping[str, Any], claims: list[dict[str, Any]] | None = None
) -> None:
    """Replace the ``[committed]`` table and the ``[[claims]]`` of a reference file
    (everything above them is kept)."""
    text = path.read_text()
    head = text.split("\n[committed]", 1)[0].rstrip("\n")
    lines = [
        "",
        "[committed]",
        "# Written by `make execute` (AUTOENCODE_UPDATE_REFERENCE=1): the values of the "
        "committed run.",
    ]
    for name in sorted(values):
        v = values[name]
        lines.append(f"{name} = {json.dumps(v) if isinstance(v, str) else repr(v)}")
    for rec in claims or []:
        lines += ["", "[[claims]]"]
        lines += [
            f"{k} = {json.dumps(v) if isinstance(v, (str, bool)) else repr(v)}"
            for k, v in rec.items()
        ]
    path.write_text(head + "\n" + "\n".join(lines) + "\n")
