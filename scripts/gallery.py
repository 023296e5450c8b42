"""Thumbnails for the landing page's gallery: the first figure of every notebook (a figure the
page glues for its ``{glue:figure}``, or one it displays).

Reads the committed (executed) notebooks and writes ``book/gallery/<notebook>.png`` (an
ignored folder); `make book` runs it before building. Usage: ``python scripts/gallery.py``.
"""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "book" / "gallery"


def first_figure(path: Path) -> bytes | None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            png = data.get("image/png") or data.get("application/papermill.record/image/png")
            if png:
                return base64.b64decode(png)
    return None


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    missing = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        png = first_figure(path)
        if png is None:
            missing.append(path.name)
            continue
        (OUT / f"{path.stem}.png").write_bytes(png)
    if missing:
        print(f"no figure in {missing}: commit them executed (`make execute`)", file=sys.stderr)
        return 1
    print(f"gallery: {len(list(OUT.glob('*.png')))} thumbnails in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
