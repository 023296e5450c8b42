"""The reader's view of the book: no word about how the project was built.

Scans the built HTML (``_build/html``, every ``*.html`` outside the theme's static files) for
words that belong to the workshop, not to the book: an issue number ("issue 14"), a target
("target <= 15 s"), "TODO", "FIXME". Prints each hit with its file and context and exits 1 if
there is any. ``make check-book`` runs it on the built book; ``tests/test_reader_view.py`` runs
the same scan over the sources the pages are built from.

    python scripts/reader_view.py _build/html
"""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Iterable
from pathlib import Path

WORKSHOP = re.compile(
    r"\bissues?\s*#?\s*\d+"  # an issue number
    r"|\btargets?\s*(?:<=|≤)\s*\d"  # a target to meet ("target <= 15 s", not a class target)
    r"|(?-i:\bTODO\b|\bFIXME\b)",  # in capitals only (a variable may be called todo)
    re.IGNORECASE,
)
#: Folders of a built book that hold the theme's and extensions' own files, not pages.
NOT_PAGES = ("_static", "_sphinx_design_static", "_images", "_sources", "_downloads")
_TAG = re.compile(r"<[^>]+>")


def hits(text: str) -> list[str]:
    """Each workshop word of ``text`` with 40 characters of context either side."""
    return [
        text[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
        for m in WORKSHOP.finditer(text)
    ]


def page_text(path: Path) -> str:
    """The text a reader sees in an HTML page: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub(" ", path.read_text(encoding="utf-8", errors="replace")))


def scan(root: str | Path) -> list[tuple[Path, str]]:
    """Every (page, context) of a workshop word in the built book under ``root``."""
    root = Path(root)
    found = []
    for page in sorted(root.rglob("*.html")):
        if set(page.relative_to(root).parts) & set(NOT_PAGES):
            continue
        found += [(page.relative_to(root), h) for h in hits(page_text(page))]
    return found


def main(argv: Iterable[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python scripts/reader_view.py BUILT_HTML_FOLDER (e.g. _build/html)")
        return 2
    found = scan(args[0])
    for page, context in found:
        print(f"{page}: ...{context}...")
    pages = sum(1 for _ in Path(args[0]).rglob("*.html"))
    if found:
        print(f"reader's view: {len(found)} workshop word(s) in the built book (above)")
        return 1
    print(f"reader's view: no workshop words in {pages} HTML files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
