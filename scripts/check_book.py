"""Open every page of the built book in headless Chromium, offline, and check what a reader sees;
and look at the book's PDF where one was built.

Usage (after `make book`): ``python scripts/check_book.py [_build/html]`` — `make check-book`.

The book is served on localhost and every request to another host is refused, so the pages
are seen as a reader without a network sees them. For every page:

* no raw TeX is left in the rendered text (``\\(``, ``\\[``, ``$$``): the maths rendered;
* every image loaded (``naturalWidth > 0``);
* no JavaScript error (uncaught exceptions and console errors);
* every internal link points at a file of the build.

The highlighted source pages of the Library part (``_modules/``, one per module) are checked
the same way, except for raw TeX: their text is the library's source, shown as written.

Needs Chromium (Debian package ``chromium``; `make browser` installs it where apt-get is
available) and the Python package ``playwright`` (in the lock; it drives the system's
browser, nothing is downloaded). Without Chromium it says so and exits 0 unless
``--require-browser`` is given.

The PDF (`make pdf`: ``_build/latex/autoencode.pdf`` beside the HTML folder), where it exists,
is looked at with poppler's tools (`make tex` installs them): more than ``MIN_PDF_PAGES`` pages,
every page rendered (at a few dots per inch) and at most ``MAX_BLANK_SHARE`` of them blank
(LaTeX leaves a few pages empty by design), the title page not blank, at least
``MIN_PDF_IMAGES`` images embedded (the figures), and no ``??`` in its text (a reference or
citation LaTeX could not resolve). Without the PDF, or without poppler, it says so and skips.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
RAW_TEX = ("\\(", "\\[", "$$")
#: Console messages that are not errors of the book: the theme reports, once per fresh browser
#: profile, that no colour mode was stored yet, and falls back to "auto".
HARMLESS_CONSOLE = ("Got invalid theme mode",)
#: The highlighted source pages of the Library part (sphinx.ext.viewcode): source code, so the
#: raw-TeX check does not apply to them.
SOURCE_PAGES = "_modules"
#: A page that only redirects (the root index.html): its target is checked as a page of its own.
REDIRECT = re.compile(r'<meta http-equiv="Refresh" content="0; url=([^"]+)"', re.IGNORECASE)
#: What a PDF of the book must at least have (it has about 220 pages and 30 images).
MIN_PDF_PAGES = 100
MAX_BLANK_SHARE = 0.1
MIN_PDF_IMAGES = 10
#: A page whose mean grey level (0 black, 255 white) is above this carries no ink.
BLANK_LEVEL = 254.5


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # one line per page is printed instead
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def check_redirect(path: Path) -> list[str] | None:
    """None for a page that is not a redirect; else its problems (a missing target). Opened in
    the browser, the redirect would race its target's images."""
    found = REDIRECT.search(path.read_text(errors="replace")[:4096])
    if found is None:
        return None
    target = path.parent / unquote(urlparse(found.group(1)).path)
    return [] if target.is_file() else [f"redirects to a missing page: {found.group(1)}"]


def check_page(page, url: str, html_root: Path, base: str, maths: bool = True) -> list[str]:
    problems: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith(HARMLESS_CONSOLE)
            else None
        ),
    )
    page.goto(url, wait_until="load")
    # MathJax typesets asynchronously: wait until it says it is done (pages without maths: at once).
    page.wait_for_function(
        "() => !window.MathJax || !MathJax.startup || !MathJax.startup.promise"
        " || MathJax.startup.document && MathJax.startup.document.processed !== false",
        timeout=30000,
    )
    page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    url = page.url  # after any redirect
    text = page.inner_text("article") if page.query_selector("article") else page.inner_text("body")
    for token in RAW_TEX if maths else ():
        if token in text:
            i = text.index(token)
            problems.append(
                f"raw TeX {token!r} in the text: ...{text[max(0, i - 40) : i + 40]!r}..."
            )
    title = page.title()
    if any(t in title for t in (*RAW_TEX, "$")):
        problems.append(f"TeX in the page title: {title!r}")
    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src'))"
    )
    problems += [f"image did not load: {src}" for src in broken]
    for href in page.evaluate(
        "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
    ):
        target = urlparse(urljoin(url, href))
        if not target.geturl().startswith(base) or href.startswith(("mailto:", "javascript:")):
            continue
        path = html_root / unquote(target.path.lstrip("/"))
        if path.is_dir():
            path = path / "index.html"
        if not path.exists():
            problems.append(f"broken internal link: {href}")
    problems += errors
    return problems


def pgm_mean(path: Path) -> float:
    """Mean grey level of a binary PGM image (pdftoppm -gray), 0 black to its maximum white."""
    data = path.read_bytes()
    fields: list[bytes] = []
    i = 0
    while len(fields) < 4:  # magic, width, height, maximum, separated by whitespace
        while data[i : i + 1].isspace():
            i += 1
        j = i
        while not data[j : j + 1].isspace():
            j += 1
        fields.append(data[i:j])
        i = j
    if fields[0] != b"P5":
        raise ValueError(f"{path}: not a binary PGM")
    width, height, top = int(fields[1]), int(fields[2]), int(fields[3])
    pixels = data[i + 1 : i + 1 + width * height]
    return 255 * sum(pixels) / (len(pixels) * top)


def check_pdf(pdf: Path) -> list[str] | None:
    """The problems of the book's PDF, or None where it cannot be looked at (said why)."""
    if not pdf.is_file():
        print(f"no PDF at {pdf}: the PDF check is skipped (make tex && make pdf)", file=sys.stderr)
        return None
    tools = ("pdfinfo", "pdftoppm", "pdfimages", "pdftotext")
    if not all(shutil.which(t) for t in tools):
        print(
            "no poppler-utils (pdftoppm) on this machine: the PDF check is skipped (make tex)",
            file=sys.stderr,
        )
        return None

    def run(*args: str) -> str:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    problems: list[str] = []
    info = run("pdfinfo", str(pdf))
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    if pages <= MIN_PDF_PAGES:
        problems.append(f"{pages} pages, expected more than {MIN_PDF_PAGES}")
    with tempfile.TemporaryDirectory() as tmp:
        run("pdftoppm", "-gray", "-r", "10", str(pdf), f"{tmp}/page")
        means = [pgm_mean(p) for p in sorted(Path(tmp).glob("page*.pgm"))]
    blank = [n for n, m in enumerate(means, 1) if m > BLANK_LEVEL]
    if len(means) != pages:
        problems.append(f"{len(means)} of {pages} pages rendered")
    if len(blank) > MAX_BLANK_SHARE * pages:
        problems.append(f"{len(blank)} of {pages} pages blank: {blank[:20]}")
    if means and means[0] > BLANK_LEVEL:
        problems.append("the title page is blank")
    images = len(run("pdfimages", "-list", str(pdf)).splitlines()[2:])
    if images < MIN_PDF_IMAGES:
        problems.append(f"{images} images embedded, expected at least {MIN_PDF_IMAGES}")
    text = run("pdftotext", str(pdf), "-")
    if "??" in text:
        i = text.index("??")
        problems.append(
            f"unresolved reference '??' in the text: ...{text[max(0, i - 60) : i + 20]!r}"
        )
    verdict = "ok  " if not problems else "FAIL"
    print(f"{verdict} {pdf.name}: {pages} pages ({len(blank)} blank), {images} images", flush=True)
    for p in problems:
        print(f"    - {p}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("html", nargs="?", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument(
        "--pdf",
        type=Path,
        default=None,
        help="the book's PDF (default: latex/autoencode.pdf beside the HTML folder)",
    )
    ap.add_argument(
        "--require-browser",
        action="store_true",
        help="fail (instead of skipping) when no Chromium is installed",
    )
    args = ap.parse_args()
    if not (args.html / "index.html").exists():
        print(f"no built book in {args.html}: run `make book` first", file=sys.stderr)
        return 2
    status = check_html(args.html, args.require_browser)
    pdf_problems = check_pdf(args.pdf or args.html.parent / "latex" / "autoencode.pdf")
    return 1 if status or pdf_problems else 0


def html_pages(html: Path) -> list[Path]:
    """The pages to open: every page of the book and the highlighted source pages (_modules/),
    not Sphinx's index and search pages, nor the theme's other files under ``_``."""
    pages = []
    for p in html.rglob("*.html"):
        first = p.relative_to(html).parts[0]
        if first == SOURCE_PAGES or not first.startswith(("_", "genindex", "search")):
            pages.append(p)
    return sorted(pages)


def check_html(html: Path, require_browser: bool) -> int:
    """Every page in headless Chromium (see the module's docstring): 0 when all pass or when no
    browser is installed (1 with ``require_browser``), else 1."""
    browser_path = find_browser()
    if browser_path is None:
        msg = (
            "no Chromium on this machine: the browser check is skipped. Install it with "
            "`make browser` (Debian/Ubuntu: apt-get install chromium)"
        )
        print(msg, file=sys.stderr)
        return 1 if require_browser else 0
    from playwright.sync_api import sync_playwright

    pages = html_pages(html)
    server, base = serve(html)
    failures: dict[str, list[str]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=browser_path,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            )
            context = browser.new_context()
            # Offline: anything not served by our own server is refused.
            context.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(base) else route.abort()
                ),
            )
            for path in pages:
                rel = path.relative_to(html).as_posix()
                maths = not rel.startswith(SOURCE_PAGES + "/")
                problems = check_redirect(path)
                if problems is None:
                    page = context.new_page()
                    try:
                        problems = check_page(page, base + rel, html, base, maths=maths)
                    except Exception as exc:  # a page that cannot even load is a failure too
                        problems = [f"could not check the page: {exc}"]
                    finally:
                        page.close()
                if problems:
                    failures[rel] = problems
                print(f"{'ok  ' if not problems else 'FAIL'} {rel}", flush=True)
            browser.close()
    finally:
        server.shutdown()
    if failures:
        print(f"\n{len(failures)} of {len(pages)} pages have problems:")
        for rel, problems in failures.items():
            print(f"  {rel}")
            for p in problems[:10]:
                print(f"    - {p}")
        return 1
    print(
        f"all {len(pages)} pages: maths rendered, images loaded, no JavaScript errors, links whole"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
