"""Execute notebooks in place, in full mode, for committing (`make execute [NB=...]`).

Each notebook runs in its own folder on the kernel ``python3`` with
``AUTOENCODE_UPDATE_REFERENCE=1`` (its reported numbers become the committed values of
``notebooks/reference/<page>.toml``). Its stream outputs are then tidied as a terminal would
show them: consecutive outputs of one stream are merged and a progress bar's carriage-return
updates collapse to their last state, so a minutes-long training leaves one line, not
thousands. Usage: ``python scripts/execute_notebooks.py notebooks/a.ipynb [...]``.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbclient
import nbformat


def _as_terminal(text: str) -> str:
    """Each line as a terminal leaves it: the text after its last carriage return."""
    lines = re.split(r"(?<=\n)", text)
    return "".join(
        line.rsplit("\r", 1)[-1] if "\r" in line.rstrip("\r\n") else line.replace("\r", "")
        for line in lines
    )


def tidy_streams(nb) -> int:
    """Merge consecutive stream outputs of the same stream and resolve carriage returns;
    returns how many outputs were removed."""
    removed = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            if (
                out.output_type == "stream"
                and outputs
                and outputs[-1].output_type == "stream"
                and outputs[-1].name == out.name
            ):
                outputs[-1].text += out.text
                removed += 1
            else:
                outputs.append(out)
        for out in outputs:
            if out.output_type == "stream":
                out.text = _as_terminal(out.text)
        kept = [o for o in outputs if o.output_type != "stream" or o.text]  # a bar that closed
        removed += len(outputs) - len(kept)
        cell.outputs = kept
    return removed


def execute(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.time()
    nbclient.NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    tidy_streams(nb)
    nbformat.write(nb, path)
    return time.time() - start


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    os.environ.pop("AUTOENCODE_QUICK", None)
    os.environ["AUTOENCODE_UPDATE_REFERENCE"] = "1"
    for name in argv:
        print(f"== {name} (full, in place)", flush=True)
        print(f"   {execute(Path(name)):.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
