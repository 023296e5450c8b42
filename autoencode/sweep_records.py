"""One unit of a sweep run here, and its JSON record: written whole or not at all, read back
by key.

A record's file is named by its unit's ``key`` (:class:`autoencode.sweeps.Unit`), so a sweep
run again finds the units already done; a unit whose experiment raises is recorded as
``failed`` with its error, never dropped.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .sweep_plan import Unit, code_fingerprint

__all__ = ["run_unit", "load_records"]

RECORD_FORMAT = "autoencode-sweep-1"


def write_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """The whole file or nothing: a temporary name of this process, then an atomic rename."""
    tmp = path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)


def _record_path(out: Path, unit: Unit) -> Path:
    return out / "records" / f"{unit.figure}-{unit.key}.json"


def run_unit(unit: Unit, out: str | os.PathLike[str], threads: int = 1) -> dict[str, Any]:
    """Run one unit here, write its record, return it. An exception of the experiment is
    recorded (``status: failed``) rather than raised; Ctrl-C and a dying process are not."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    from .experiments import registry
    from .experiments.registry import jsonable
    from .notebook import setup

    setup(seed=unit.seed, threads=threads)
    start = time.perf_counter()
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "figure": unit.figure,
        "key": unit.key,
        "parameters": jsonable(unit.params),
        "seed": unit.seed,
        "quick": unit.quick,
        "fingerprint": code_fingerprint(unit.figure),
        "host": socket.gethostname(),
        "threads": threads,
    }
    try:
        result = registry.run(unit.figure, progress=False, quick=unit.quick, **unit.params)
    except Exception as e:  # a run that fails is a result of the sweep, never dropped
        record.update(status="failed", error=f"{type(e).__name__}: {e}")
    else:
        record.update(
            status="ok",
            resolved=jsonable(result.parameters),
            numbers=jsonable(result.numbers),
            claims=[jsonable(vars(c)) for c in result.claims],
        )
    finally:
        plt.close("all")
    record["seconds"] = round(time.perf_counter() - start, 3)
    path = _record_path(Path(out), unit)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, record)
    return record


def load_records(out: str | os.PathLike[str], units: Iterable[Unit]) -> dict[str, dict[str, Any]]:
    """The records already written for ``units``, by key (a file that cannot be read is left
    out, so its unit runs again)."""
    found = {}
    for u in units:
        path = _record_path(Path(out), u)
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if rec.get("format") == RECORD_FORMAT and rec.get("key") == u.key:
            found[u.key] = rec
    return found
