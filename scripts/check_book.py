"""Open every page of the built book in headless Chromium, offline, and check what a reader sees.

Usage (after `make book`): ``python scripts/check_book.py [_build/html]`` — `make check-book`.

The book is served on localhost and every request to another host is refused, so the pages
are seen as a reader without a network sees them. For every page:

* no raw TeX is left in the rendered text (``\\(``, ``\\[``, ``$$``): the maths rendered;
* every image loaded (``naturalWidth > 0``);
* no JavaScript error (uncaught exceptions and console errors);
* every internal link points at a file of the build.

Needs Chromium (Debian package ``chromium``; `make browser` installs it where apt-get is
available) and the Python package ``playwright`` (in the lock; it drives the system's
browser, nothing is downloaded). Without Chromium it says so and exits 0 unless
``--require-browser`` is given.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
RAW_TEX = ("\\(", "\\[", "$$")
#: Console messages that are not errors of the book: the theme reports, once per fresh browser
#: profile, that no colour mode was stored yet, and falls back to "auto".
HARMLESS_CONSOLE = ("Got invalid theme mode",)


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


def check_page(page, url: str, html_root: Path, base: str) -> list[str]:
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
    url = page.url  # after any redirect (the root index.html redirects)
    text = page.inner_text("article") if page.query_selector("article") else page.inner_text("body")
    for token in RAW_TEX:
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


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("html", nargs="?", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument(
        "--require-browser",
        action="store_true",
        help="fail (instead of skipping) when no Chromium is installed",
    )
    args = ap.parse_args()
    if not (args.html / "index.html").exists():
        print(f"no built book in {args.html}: run `make book` first", file=sys.stderr)
        return 2
    browser_path = find_browser()
    if browser_path is None:
        msg = (
            "no Chromium on this machine: the browser check is skipped. Install it with "
            "`make browser` (Debian/Ubuntu: apt-get install chromium)"
        )
        print(msg, file=sys.stderr)
        return 1 if args.require_browser else 0
    from playwright.sync_api import sync_playwright

    pages = sorted(
        p
        for p in args.html.rglob("*.html")
        if not p.relative_to(args.html).parts[0].startswith(("_", "genindex", "search"))
    )
    server, base = serve(args.html)
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
                rel = path.relative_to(args.html).as_posix()
                page = context.new_page()
                try:
                    problems = check_page(page, base + rel, args.html, base)
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
