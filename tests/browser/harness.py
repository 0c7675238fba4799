"""Open built pages in headless Chromium exactly as published, and see what the reader sees.

Small API, reused by other browser tests (the Jekyll comparison):

``require_browser() -> str``
    Path of the system Chromium; skips the test when it (or Playwright, or
    ``node_modules/``) is missing, and fails instead under ``CI=true``.
``launch(playwright) -> Browser``
    Headless Chromium with the flags this closed network needs.
``new_context(browser, **options) -> BrowserContext``
    A context whose requests to the pinned CDN URLs of MathJax, Mermaid and
    the chart libraries of notebook outputs (plotly.js, Vega, Vega-Lite,
    vega-embed) are answered from ``node_modules/`` (same path below the package, so
    MathJax's fonts and extensions load too); every other non-local request
    is aborted (never a failure by itself).
``serve(folder, base_path="/")``
    Context manager: an HTTP server on 127.0.0.1 serving ``folder`` under
    ``base_path``; yields the site's root URL (``http://127.0.0.1:PORT/blog/``).
``close_context(context)``
    Closes it without noise from route handlers still answering.
``visit(context_or_page, url) -> Visit``
    Opens ``url`` (in a new page of a context, or in a page to reuse),
    records console errors, page errors and failed local requests, waits
    until MathJax (``MathJax.startup.promise``), Mermaid, charts
    (``window.gdblogCharts``), images and fonts have finished.  ``Visit`` is a context manager: it stops recording and
    closes the page if it opened it.
``tex_inputs(page) -> list[MathInput]``
    What MathJax actually received on the page: ``MathInput(tex, display)``
    for each item of ``MathJax.startup.document.math``, in document order.
``page_problems(visit, source_html) -> list[str]``
    Everything wrong with a rendered page (empty when it is fine).
``axe_violations(page, impacts=("serious", "critical")) -> list[str]``
    axe-core's accessibility violations of those impacts on the page as it is now
    (axe-core from ``node_modules/``), one line per rule with where it fails.

Typical use::

    browser = launch(playwright); context = new_context(browser)
    with serve(site / "_site") as root, visit(context, root + "posts/x/") as v:
        assert tex_inputs(v.page) == [("x^2", False), ("\\sum_i x_i", True)]
"""

from __future__ import annotations

import functools
import json
import mimetypes
import os
import re
import threading
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from collections.abc import Iterator

import pytest

PROJECT = Path(__file__).resolve().parents[2]
NODE_MODULES = PROJECT / "node_modules"
CHROMIUM = os.environ.get("GDBLOG_CHROMIUM", "/usr/bin/chromium")
#: This machine's network is closed: without these Chromium keeps trying to
#: reach Google's services and floods the log with refused connections.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The CDN the pages load MathJax, Mermaid and chart libraries from (see generator/config.py).
_CDN = re.compile(r"^https://cdn\.jsdelivr\.net/npm/(mathjax|mermaid|plotly\.js-dist-min|vega|vega-lite|vega-embed)"
                  r"@([^/]+)/([^?#]*)")
#: The packages of node_modules/ the browser tests serve (package.json's devDependencies).
PACKAGES = ("mathjax", "mermaid", "plotly.js-dist-min", "vega", "vega-lite", "vega-embed", "axe-core")
_LOCAL_HOSTS = ("127.0.0.1", "localhost")
_NOT_LOCAL = re.compile(r"^(?!https?://(?:127\.0\.0\.1|localhost)[:/])")
#: How long to wait for MathJax and Mermaid on one page.
RENDER_TIMEOUT_MS = 30_000


def _skip_or_fail(message: str):
    if os.environ.get("CI"):
        pytest.fail(message + " (CI=true: the browser tests must run)")
    pytest.skip(message)


def require_browser() -> str:
    """The Chromium to use, after checking everything the browser tests need."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_or_fail("Playwright is not installed: pip install -e '.[test]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _skip_or_fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium` "
                      "(Playwright's own browser download is not used); `npm ci` provides node_modules/")
    for package in PACKAGES:
        if not (NODE_MODULES / package / "package.json").is_file():
            _skip_or_fail(f"node_modules/{package} is missing: run `npm ci` in {PROJECT}")
    return CHROMIUM


def launch(playwright):
    return playwright.chromium.launch(executable_path=require_browser(), args=CHROMIUM_ARGS, headless=True)


@functools.cache
def local_version(package: str) -> str:
    return json.loads((NODE_MODULES / package / "package.json").read_text())["version"]


def is_local(url: str) -> bool:
    return urllib.parse.urlsplit(url).hostname in _LOCAL_HOSTS


def is_cdn(url: str) -> bool:
    return _CDN.match(url) is not None


def _route(route) -> None:
    url = route.request.url
    match = _CDN.match(url)
    if match is None:
        route.abort()  # the network is closed; a page's external links are not what we test
        return
    package, version, rel = match.groups()
    path = (NODE_MODULES / package / urllib.parse.unquote(rel)).resolve()
    inside = (NODE_MODULES / package).resolve() in path.parents
    if version != local_version(package) or not inside or not path.is_file():
        # answered with an error status, so the page's check reports it
        route.fulfill(status=404, body=f"{package}@{version}/{rel} is not in node_modules "
                                       f"(which has {package}@{local_version(package)})")
        return
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        content_type = "application/javascript"
    # MathJax's fonts are cross-origin to the page: the real CDN sends this header too
    route.fulfill(status=200, path=str(path), headers={"Content-Type": content_type,
                                                        "Access-Control-Allow-Origin": "*"})


def new_context(browser, **options):
    """A context (``options`` go to ``browser.new_context``, e.g. ``color_scheme="dark"``)."""
    context = browser.new_context(**{"viewport": {"width": 1100, "height": 900}, **options})
    # only requests that leave the machine are intercepted: local ones never pass through Python
    context.route(_NOT_LOCAL, _route)
    return context


def close_context(context) -> None:
    """Close ``context`` without noise from route handlers cut short."""
    context.unroute_all(behavior="ignoreErrors")
    context.close()


# --------------------------------------------------------------------------
# serving a built site

class _Handler(SimpleHTTPRequestHandler):
    base_path = "/"

    def translate_path(self, path: str) -> str:
        clean = urllib.parse.urlsplit(path).path
        if not clean.startswith(self.base_path):
            return str(Path(self.directory, "\0not-under-base"))  # a path that never exists: 404
        return super().translate_path("/" + clean[len(self.base_path):])

    def log_message(self, format, *args) -> None:  # keep the test output quiet
        pass


@contextmanager
def serve(folder: Path, base_path: str = "/") -> Iterator[str]:
    """Serve ``folder`` at ``http://127.0.0.1:PORT{base_path}``; yields that URL."""
    handler = type("Handler", (_Handler,), {"base_path": base_path})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def page_urls(folder: Path, root_url: str) -> list[tuple[str, Path]]:
    """(URL, file) of every .html file of a built site; ``x/index.html`` as ``x/``."""
    pages = []
    for path in sorted(folder.rglob("*.html")):
        rel = path.relative_to(folder).as_posix()
        if rel == "index.html" or rel.endswith("/index.html"):
            rel = rel[: -len("index.html")]
        pages.append((root_url + urllib.parse.quote(rel), path))
    return pages


# --------------------------------------------------------------------------
# visiting a page

class MathInput(NamedTuple):
    tex: str
    display: bool


@dataclass
class Visit:
    """One page load: the page and what went wrong while loading it."""

    page: object
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    render_error: str | None = None
    _owned: bool = False
    _listeners: list = field(default_factory=list)

    def close(self) -> None:
        """Stop recording; close the page if :func:`visit` opened it."""
        for event, listener in self._listeners:
            self.page.remove_listener(event, listener)
        self._listeners.clear()
        if self._owned:
            self.page.close()

    def __enter__(self) -> Visit:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_WAIT = """async () => {
  // lazy images load only near the viewport: load them all, every image is checked
  document.querySelectorAll("img[loading=lazy]").forEach(img => { img.loading = "eager"; });
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  if (document.querySelector("pre.mermaid")) {
    if (!window.gdblogMermaid) throw new Error("the page has Mermaid diagrams but Mermaid did not start");
    await window.gdblogMermaid;
  }
  if (window.gdblogCharts) await window.gdblogCharts;
  await Promise.all(Array.from(document.images, img => img.complete ? null :
    new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); })));
  await document.fonts.ready;  // MathJax's fonts: requests still in flight would be cut by the next page
  if (window.gdblogReady) await window.gdblogReady;  // the theme's keyboard fixes after MathJax and Mermaid
}"""


def visit(target, url: str) -> Visit:
    """Open ``url`` and wait until it is fully rendered (MathJax, Mermaid, images, fonts).

    ``target`` is a BrowserContext (a new page, closed with the Visit) or a Page
    to reuse (faster for many pages: creating a page costs ~0.2 s).
    """
    owned = hasattr(target, "new_page")
    page = target.new_page() if owned else target
    v = Visit(page, url, _owned=owned)

    def on_console(msg) -> None:
        if msg.type == "error":
            where = (msg.location or {}).get("url") or ""
            # aborted external requests log "Failed to load resource": not the page's fault
            if where and not (is_local(where) or is_cdn(where)):
                return
            v.console_errors.append(f"console error: {msg.text}" + (f" ({where})" if where else ""))

    def on_page_error(exc) -> None:
        v.console_errors.append(f"page error: {exc}")

    def on_failed(request) -> None:
        if is_local(request.url) or is_cdn(request.url):
            v.failed_requests.append(f"request failed: {request.url} ({request.failure})")

    def on_response(response) -> None:
        if response.status >= 400 and (is_local(response.url) or is_cdn(response.url)):
            v.failed_requests.append(f"HTTP {response.status}: {response.url}")

    for event, listener in (("console", on_console), ("pageerror", on_page_error),
                            ("requestfailed", on_failed), ("response", on_response)):
        page.on(event, listener)
        v._listeners.append((event, listener))
    try:
        page.goto(url, wait_until="load")  # deferred scripts (MathJax) have run by then
        page.evaluate(_WAIT)
    except Exception as exc:  # noqa: BLE001 - reported as a problem of the page
        v.render_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return v


def tex_inputs(page) -> list[MathInput]:
    """The TeX MathJax received on ``page`` and whether it was display math, in document order."""
    items = page.evaluate("""() => {
      const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
      return doc ? Array.from(doc.math, item => [item.math, item.display]) : [];
    }""")
    return [MathInput(tex, bool(display)) for tex, display in items]


_INSPECT = """() => {
  const skip = new Set(["pre", "code", "script", "style", "noscript", "textarea", "iframe", "template",
                        "mjx-container", "svg"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, { acceptNode(node) {
    for (let el = node.parentElement; el; el = el.parentElement)
      if (skip.has(el.localName)) return NodeFilter.FILTER_REJECT;
    return NodeFilter.FILTER_ACCEPT;
  }});
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode.nodeValue);
  return {
    rendered: document.querySelectorAll("mjx-container").length,
    mathErrors: Array.from(document.querySelectorAll("mjx-merror, [data-mjx-error], merror"),
                           el => el.getAttribute("data-mjx-error") || el.textContent).slice(0, 5),
    text: texts.join(""),
    mermaid: Array.from(document.querySelectorAll("pre.mermaid"), el => ({
      svg: !!el.querySelector("svg"),
      error: /syntax error/i.test(el.textContent) || !!el.querySelector("svg[aria-roledescription=error]"),
      text: el.textContent.slice(0, 200) })),
    plantuml: Array.from(document.querySelectorAll("figure.plantuml"), el => !!el.querySelector("svg")),
    brokenImages: Array.from(document.images).filter(img => !(img.complete && img.naturalWidth > 0))
                       .map(img => img.getAttribute("src")),
  };
}"""

_RAW_TEX = re.compile(r"\\\(|\\\[|\\begin\{")
_RAW_DOLLAR = re.compile(r"\$(?=[^\s\d])")


def _around(text: str, match: re.Match) -> str:
    return " ".join(text[max(0, match.start() - 40): match.end() + 40].split())


def page_problems(v: Visit, source_html: str) -> list[str]:
    """What is wrong with a visited page whose served HTML is ``source_html``."""
    from selectolax.lexbor import LexborHTMLParser

    problems = list(v.console_errors) + list(v.failed_requests)
    if v.render_error:
        problems.append(f"rendering did not finish: {v.render_error}")
        return problems
    data = v.page.evaluate(_INSPECT)
    expected = len(LexborHTMLParser(source_html).css(".math"))
    if data["rendered"] != expected:
        problems.append(f"{data['rendered']} formulas rendered (mjx-container), {expected} .math elements in the page")
    for error in dict.fromkeys(data["mathErrors"]):  # CHTML and its assistive MathML both hold it
        problems.append(f"MathJax error: {error}")
    text = data["text"]
    for match in _RAW_TEX.finditer(text):
        problems.append(f"raw TeX in the text: ...{_around(text, match)}...")
    for match in _RAW_DOLLAR.finditer(text):
        problems.append(f"unrendered $-math in the text: ...{_around(text, match)}...")
    for i, diagram in enumerate(data["mermaid"]):
        if not diagram["svg"]:
            problems.append(f"Mermaid diagram {i + 1} was not drawn: {diagram['text'][:80]!r}")
        elif diagram["error"]:
            problems.append(f"Mermaid diagram {i + 1} shows a syntax error")
    for i, has_svg in enumerate(data["plantuml"]):
        if not has_svg:
            problems.append(f"PlantUML figure {i + 1} has no SVG")
    for src in data["brokenImages"]:
        problems.append(f"broken image: {src}")
    return problems


def screenshot(v: Visit, folder: Path, name: str) -> Path | None:
    """Save a full-page screenshot (for a failing page); None if the page cannot be captured."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ((re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "page") + ".png")
    try:
        v.page.screenshot(path=str(path), full_page=True)
    except Exception:  # noqa: BLE001 - a screenshot must never hide the real failure
        return None
    return path



# --------------------------------------------------------------------------
# accessibility

_AXE_RUN = """async (impacts) => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + (n.failureSummary ? " :: " +
           n.failureSummary.split("\\n").slice(1).join(" ").slice(0, 160) : "")),
    count: v.nodes.length }));
}"""


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of ``impacts`` on ``page`` as it is now, one line per rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(NODE_MODULES / "axe-core" / "axe.min.js"))
    found = page.evaluate(_AXE_RUN, list(impacts))
    return [f"{v['impact']} {v['id']} ({v['help']}), {v['count']} element(s): " + "; ".join(v["nodes"])
            for v in found]
