"""``python build.py check``: build into a temporary folder and look for broken links.

The check reads the built HTML, not the Markdown: what matters is the URL the
reader's browser will follow, after base paths, permalinks and templates had
their say.  Reported, and making the exit code 1:

* a link (``href``/``src``/``data``) to a site-local URL with no file behind it;
* an image (``<img src/srcset>``, ``<source srcset>``, ``<video poster>``) likewise;
* a link to ``page#anchor`` where the target page has no element with that id.

Noted, without failing: posts with no ``summary``/``description`` in their
front matter (the index, the feed and search results then use the first
paragraph).

Site-local means relative (``img.png``, ``../x/``), root-relative (``/x/``)
and absolute URLs under the site's ``url`` + base path.  A root-relative URL
outside the base path is broken on the published site even if a local build
seems fine, so it is reported as well.  URLs resolve the way GitHub Pages
serves files: ``/x/`` -> ``x/index.html``, ``/x`` -> ``x/index.html`` or ``x.html``.

The build uses no cache and writes only into a temporary folder: the site's
``_site/`` and ``.cache/build`` manifest stay as they were.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import SiteConfig, load_config
from .pipeline import build
from .stages.load import load_site
from .state import BuildOptions

#: (tag, attribute) pairs whose value is a URL the browser fetches or follows.
LINK_ATTRIBUTES = {
    ("a", "href"), ("area", "href"), ("link", "href"), ("script", "src"), ("iframe", "src"),
    ("embed", "src"), ("object", "data"), ("audio", "src"), ("video", "src"), ("track", "src"),
    ("source", "src"),
}
IMAGE_ATTRIBUTES = {("img", "src"), ("img", "srcset"), ("source", "srcset"), ("video", "poster"),
                    ("input", "src")}
#: Identical problems on more pages than this are printed as one line.
GROUP_AFTER = 3

KIND_WORDS = {"link": ("broken link", "broken links"), "image": ("missing image", "missing images"),
              "anchor": ("missing anchor", "missing anchors")}


@dataclass(frozen=True)
class Reference:
    kind: str    # "link" or "image"
    url: str     # as written in the HTML


@dataclass
class Problem:
    kind: str            # "link", "image" or "anchor"
    page: str            # the HTML file, relative to the output folder
    url: str             # as written in the page
    detail: str = ""     # for anchors: which page lacks which id
    source: str = ""     # where the URL came from, when we can tell

    def describe(self) -> str:
        text = f"{KIND_WORDS[self.kind][0]} {'to ' if self.kind != 'image' else ''}{self.url}"
        if self.detail:
            text += f" ({self.detail})"
        return text


class _PageParser(HTMLParser):
    """Collects the ids a page defines and the URLs it refers to."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[Reference] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif (tag, name) in IMAGE_ATTRIBUTES:
                urls = [c.split()[0] for c in value.split(",") if c.strip()] if name == "srcset" else [value]
                self.refs.extend(Reference("image", u) for u in urls)
            elif (tag, name) in LINK_ATTRIBUTES:
                self.refs.append(Reference("link", value))

    handle_startendtag = handle_starttag


@dataclass
class CheckResult:
    problems: list[Problem]
    no_summary: list[str]        # source paths of posts without a summary
    pages: int = 0
    links: int = 0               # site-local references checked
    warnings: list = dataclasses.field(default_factory=list)


class SiteChecker:
    """Checks one built output folder; ``sources`` maps output files to their Markdown sources."""

    def __init__(self, out_dir: Path, config: SiteConfig, root: Path | None = None,
                 sources: dict[str, str] | None = None):
        self.out_dir, self.root = out_dir, root
        self.base = config.base_url
        self.host = urlsplit(config.url).netloc.lower()
        self.sources = sources or {}
        self.files = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
        self._parsed: dict[str, _PageParser] = {}
        self._texts: dict[str, list[str]] = {}

    def page_url(self, page: str) -> str:
        if page == "index.html" or page.endswith("/index.html"):
            return self.base + page[: -len("index.html")]
        return self.base + page

    def parsed(self, page: str) -> _PageParser:
        if page not in self._parsed:
            parser = _PageParser()
            parser.feed((self.out_dir / page).read_text(encoding="utf-8", errors="replace"))
            parser.close()
            self._parsed[page] = parser
        return self._parsed[page]

    def local_path(self, url: str, page_url: str) -> tuple[str, str] | None:
        """(site path, fragment) of a site-local URL; None for anything else."""
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        if parts.scheme or parts.netloc:
            # http and https alike: a link may predate the switch to https
            if parts.scheme not in ("", "http", "https") or not self.host or parts.netloc.lower() != self.host:
                return None
            path = parts.path or "/"
            if not path.startswith(self.base) and path + "/" != self.base:
                return None  # another site on the same host (user site vs project site)
        elif not parts.path and not parts.fragment:
            return None  # "" or "?q": the page itself
        else:
            path = parts.path
        # Resolve against a full URL so '..' stops at the root, as in a browser.
        return urlsplit(urljoin("http://site" + page_url, path)).path, parts.fragment

    def target(self, path: str) -> str | None:
        """The output file a site path is served from (as GitHub Pages does), or None."""
        if not path.startswith(self.base):
            if path + "/" == self.base:
                return "index.html" if "index.html" in self.files else None
            return None
        rel = unquote(path[len(self.base):])
        if rel == "" or rel.endswith("/"):
            candidates = [rel + "index.html"]
        else:
            candidates = [rel, rel + "/index.html", rel + ".html"]
        return next((c for c in candidates if c in self.files), None)

    def _lines(self, rel: str) -> list[str]:
        if rel not in self._texts:
            try:
                self._texts[rel] = (self.root / rel).read_text(encoding="utf-8").splitlines() if self.root else []
            except (OSError, UnicodeDecodeError):
                self._texts[rel] = []
        return self._texts[rel]

    def _find(self, rel: str, url: str) -> int | None:
        needles = {url, unquote(url)}
        if self.base != "/" and url.startswith(self.base):  # Markdown has /x/; the page /base/x/
            needles |= {"/" + url[len(self.base):], unquote("/" + url[len(self.base):])}
        needles.discard("")
        for number, text in enumerate(self._lines(rel), 1):
            if any(n in text for n in needles):
                return number
        return None

    def origin_of(self, page: str, url: str) -> str:
        """Where a page's URL was written, as ``from content/x.md:LINE`` when it can be found."""
        rel = self.sources.get(page)
        if rel:
            line = self._find(rel, url)
            return f"from {rel}:{line}" if line else f"on the page of {rel}; not in its text, so from a template"
        # A list page: the URL may come from a post's excerpt shown on it.
        for rel in sorted(set(self.sources.values())):
            line = self._find(rel, url)
            if line:
                return f"from {rel}:{line}, shown in a post list"
        return ""

    def run(self) -> CheckResult:
        result = CheckResult(problems=[], no_summary=[])
        pages = sorted(f for f in self.files if f.endswith((".html", ".htm")))
        result.pages = len(pages)
        for page in pages:
            page_url = self.page_url(page)
            for ref in self.parsed(page).refs:
                local = self.local_path(ref.url, page_url)
                if local is None:
                    continue
                result.links += 1
                path, fragment = local
                found = self.target(path)
                if found is None:
                    detail = "" if path.startswith(self.base) else f"outside the site's base path {self.base}"
                    result.problems.append(Problem(ref.kind, page, ref.url, detail, self.origin_of(page, ref.url)))
                    continue
                fragment = unquote(fragment)
                if not fragment or not found.endswith((".html", ".htm")) or fragment.lower() == "top":
                    continue
                if fragment not in self.parsed(found).ids:
                    where = "this page" if found == page else found
                    result.problems.append(Problem("anchor", page, ref.url, f'no id="{fragment}" on {where}',
                                                   self.origin_of(page, ref.url)))
        return result


def format_problems(problems: list[Problem]) -> list[str]:
    """One line per problem, in page order; a problem repeated on many pages
    (a template's broken nav link, say) becomes one line where it first appears."""
    groups: dict[tuple, list[Problem]] = defaultdict(list)
    for problem in problems:
        groups[(problem.kind, problem.url, problem.detail.replace(problem.page, ""))].append(problem)
    lines, done = [], set()
    for problem in problems:
        key = (problem.kind, problem.url, problem.detail.replace(problem.page, ""))
        items = groups[key]
        if len(items) <= GROUP_AFTER:
            source = f" ({problem.source})" if problem.source else ""
            lines.append(f"{problem.page}: {problem.describe()}{source}")
        elif key not in done:
            done.add(key)
            lines.append(f"{items[0].page}, {items[1].page} and {len(items) - 2} more pages: {problem.describe()}")
    return lines


def summary_line(result: CheckResult) -> str:
    counts = {kind: sum(p.kind == kind for p in result.problems) for kind in KIND_WORDS}
    found = [f"{n} {KIND_WORDS[k][0 if n == 1 else 1]}" for k, n in counts.items() if n]
    text = (f"Checked {result.pages} page{'s' * (result.pages != 1)} and {result.links} "
            f"internal link{'s' * (result.links != 1)}: " + (", ".join(found) if found else "no problems"))
    if result.no_summary:
        n = len(result.no_summary)
        text += f"; {n} post{'s' * (n != 1)} without a summary"
    return text + "."


def check_site(root: Path, options: BuildOptions) -> CheckResult:
    """Build ``root`` into a temporary folder (no cache) and check the result."""
    root = root.resolve()
    with tempfile.TemporaryDirectory(prefix="gdblog-check-") as tmp:
        out = Path(tmp) / "site"
        report = build(dataclasses.replace(options, source=root, out=out, use_cache=False))
        config = load_config(root, {"base_url": options.base_url, "drafts": options.drafts})
        site = load_site(root, config, drafts=config.drafts, publish_until=None if options.future else options.now)
        sources = {doc.out_path: doc.rel for doc in site.posts + site.pages}
        result = SiteChecker(report.out_dir, config, root, sources).run()
    result.no_summary = [doc.rel for doc in site.posts if doc.summary is None]
    result.warnings = report.warnings
    return result


def report_lines(result: CheckResult) -> list[str]:
    """What ``check`` prints after the warnings: problems, notes, and the summary line."""
    lines = format_problems(result.problems)
    for rel in result.no_summary:
        lines.append(f"note: {rel}: no summary; the index and feed use its first paragraph "
                     f"(add 'summary: ...' to its front matter)")
    lines.append(summary_line(result))
    return lines
