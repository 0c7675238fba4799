"""The example site at the project root (config.yml, content/, assets/) builds into a complete blog.

The site is copied into a temporary folder (templates and the theme fall back
to the built-in ones) and built once for the module WITH execution: every
``{python}`` cell runs, so these tests also prove that the posts work against
the current gdcore.  Then the pages are checked statically and, when the
browser harness can run, in headless Chromium.
"""

from __future__ import annotations

import json
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator import BuildOptions, build
from generator.kernel import worker_starts
from generator.markdown.cells import cells_plugin
from tests.helpers import PROJECT, html, require_plantuml

pytestmark = pytest.mark.slow

#: The posts the example site must have (slug -> title): one per topic of issue 7.
POSTS = {
    "visualizing-gradient-descent": "Visualizing gradient descent",
    "hours-studied-vs-test-scores": "Linear regression with gradient descent: hours studied vs test scores",
    "gradient-descent-and-a-neural-network-from-scratch":
        "Gradient descent, intuitively, and a neural network from scratch with NumPy",
    "markdown-and-math-showcase": "Markdown and math showcase",
}
SHOWCASE = "markdown-and-math-showcase"
#: The hand-written explorer the example blog used before interactive cells computed it with gdcore.
EMBED = "assets/embeds/learning-rate-explorer.html"
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-")


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """(source folder, build report, output folder) of the example site, built once with execution."""
    require_plantuml("the showcase's diagrams would be server images, and the build would warn")
    root = tmp_path_factory.mktemp("example-site")
    shutil.copy(PROJECT / "config.yml", root / "config.yml")
    shutil.copytree(PROJECT / "content", root / "content",
                    ignore=shutil.ignore_patterns("__pycache__", ".*"))
    # the theme's own files stay built-in, as for any site that does not override them
    shutil.copytree(PROJECT / "assets", root / "assets", ignore=shutil.ignore_patterns("theme", ".*"))
    report = build(BuildOptions(source=root, jobs=2))
    return root, report, report.out_dir


def _slug(path: Path) -> str:
    return _DATED.sub("", path.stem)


def _post_sources(root: Path) -> dict[str, Path]:
    return {_slug(p): p for p in sorted((root / "content" / "posts").glob("*.md"))}


def _page(out: Path, slug: str) -> Path:
    return out / "posts" / slug / "index.html"


def _exec_cells(source: Path) -> int:
    """How many executable cells the Markdown has (cells shown inside other fences do not count)."""
    md = MarkdownIt("commonmark").use(cells_plugin)
    return sum(token.type == "exec_cell" for token in md.parse(source.read_text(encoding="utf-8")))


def _target(out: Path, page: Path, src: str) -> Path:
    """The file a URL in ``page`` refers to (root-relative or relative to the page)."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(src).path)
    if path.startswith("/"):
        return out / path.lstrip("/")
    return page.parent / path


def test_every_post_and_the_about_page_exist(example):
    root, _, out = example
    sources = _post_sources(root)
    assert set(POSTS) <= set(sources), f"missing posts: {set(POSTS) - set(sources)}"
    for slug in sources:
        page = _page(out, slug)
        assert page.is_file(), f"{slug}: no page at {page.relative_to(out)}"
        tree = html(page)
        if slug in POSTS:
            assert tree.css_first("article.post h1").text(strip=True) == POSTS[slug]
        assert tree.css_first("p.meta time") is not None, f"{slug} has no date"
    about = out / "about" / "index.html"
    assert about.is_file()
    assert html(about).css_first("article.page h1").text(strip=True) == "About"
    # the home page lists every post, newest first, with its summary
    home = html(out / "index.html")
    listed = [a.attributes["href"] for a in home.css(".post-list h2 a")]
    assert sorted(listed) == sorted(f"/posts/{slug}/" for slug in sources)
    assert len(home.css(".post-list .summary")) == len(sources)


def test_every_cell_ran_without_errors(example):
    root, _, out = example
    total = 0
    for slug, source in _post_sources(root).items():
        tree = html(_page(out, slug))
        expected = _exec_cells(source)
        cells = tree.css(".content div.cell")
        assert len(cells) == expected, f"{slug}: {expected} executable cells, {len(cells)} rendered"
        for selector, what in ((".cell-missing", "missing output"), (".cell-error", "an error"),
                               (".cell-stderr", "output on stderr"), (".cell-note", "a cell note")):
            found = tree.css(f".content {selector}")
            assert not found, f"{slug}: {what}: {found[0].text()[:300]!r}"
        # every cell shows something: its code, or (echo: false) its output
        for cell in cells:
            shown = cell.css_first("pre") is not None or cell.css_first("figure") is not None
            assert shown, f"{slug}: an empty cell"
        if expected:
            assert tree.css_first("footer.repro") is not None, f"{slug}: no reproducibility note"
        total += expected
    assert total >= 40  # the example site is about executable posts


def test_every_figure_points_at_an_existing_file(example):
    root, _, out = example
    for slug in _post_sources(root):
        page = _page(out, slug)
        images = html(page).css(".content img")
        for img in images:
            src = img.attributes.get("src") or ""
            assert src and _target(out, page, src).is_file(), f"{slug}: broken image {src!r}"
            assert img.attributes.get("alt"), f"{slug}: image {src!r} without alt text"
    # figures are generated by the cells: each executed post has some, and the hours post has its GIF
    for slug in ("visualizing-gradient-descent", "hours-studied-vs-test-scores",
                 "gradient-descent-and-a-neural-network-from-scratch"):
        figures = html(_page(out, slug)).css(".content figure.cell-figure img")
        assert len(figures) >= 5, f"{slug}: only {len(figures)} figures"
    gifs = [img.attributes["src"] for img in html(_page(out, "hours-studied-vs-test-scores"))
            .css("figure.cell-figure img") if img.attributes["src"].endswith(".gif")]
    assert len(gifs) == 1, gifs
    assert (_page(out, "hours-studied-vs-test-scores").parent / gifs[0]).read_bytes()[:6] in (b"GIF89a", b"GIF87a")


def test_the_interactive_figures_have_every_frame_beside_their_page(example):
    _, _, out = example
    expected = {"visualizing-gradient-descent": {"fig-batch-noise": 7, "fig-lr-explorer": 66},
                SHOWCASE: {"showcase-explorer": 46}}
    with_dark = 0
    for slug, figures in expected.items():
        page = _page(out, slug)
        tree = html(page)
        assert tree.css_first('script[src="/assets/theme/interactive.js"]') is not None
        found = {}
        for node in tree.css("div.cell-interactive"):
            label = node.css_first("figure").attributes.get("id") or node.parent.attributes.get("id")
            data = json.loads(node.attributes["data-interactive"])
            found[label] = len(data["frames"])
            # gdcore's plots have dark variants (plain matplotlib figures do not): so do their frames
            dark = [i.attributes["src"] for i in node.css("figure img.only-dark")]
            with_dark += bool(dark)
            for frame in data["frames"]:
                assert all((page.parent / name).is_file() for name in frame["img"]), (slug, label, frame)
                if dark:
                    assert len(frame["dark"]) == len(frame["img"]) and set(frame["dark"]).isdisjoint(frame["img"])
                    assert all((page.parent / name).is_file() for name in frame["dark"]), (slug, label, frame)
                else:
                    assert "dark" not in frame
            # the default frame is the page's own figure, with no JavaScript
            default = data["frames"][data["default"]]
            assert default["img"] == [i.attributes["src"] for i in node.css("figure img:not(.only-dark)")]
            assert default.get("dark", []) == dark
        assert found == figures, slug
    assert with_dark == 2   # the two gdcore figures of "Visualizing gradient descent"
    # the explorer's numbers follow the sliders: lr, lr x lambda_max and the loss differ between frames
    tree = html(_page(out, "visualizing-gradient-descent"))
    values = tree.css('span.interactive-value[data-interactive-for="25"]')
    assert len(values) == 4 and values[1].text() == "0.78"


def test_inline_expressions_were_substituted(example):
    root, _, out = example
    pages = [_page(out, slug) for slug in _post_sources(root)] + [out / "about" / "index.html"]
    for page in pages:
        tree = html(page)
        assert not tree.css(".cell-inline-missing"), f"{page.relative_to(out)}: inline expression not evaluated"
        for code in tree.css(".content code"):
            inside_pre = code.parent is not None and code.parent.tag == "pre"
            if not inside_pre:
                assert not code.text().startswith("{python} "), \
                    f"{page.relative_to(out)}: inline expression left as code: {code.text()!r}"
    # and the numbers really are there, e.g. the classic start of the first post
    text = html(_page(out, "visualizing-gradient-descent")).css_first(".content").text()
    assert "A slope of -0.1383 for data that clearly rises" in " ".join(text.split())


def test_the_build_has_no_warnings(example):
    _, report, _ = example
    assert report.warnings == [], "\n".join(str(w) for w in report.warnings)


def test_the_showcase_shows_every_feature(example):
    _, _, out = example
    page = _page(out, SHOWCASE)
    tree = html(page)
    content = tree.css_first(".content")
    # diagrams: Mermaid for the browser, PlantUML drawn at build time as inline SVG
    assert len(content.css("pre.mermaid")) >= 2
    plantuml = content.css("figure.plantuml")
    assert plantuml and all(fig.css_first("svg") is not None for fig in plantuml)
    assert not content.css("figure.plantuml img")  # never the server fallback
    # the learning-rate explorer is an interactive cell now, not a hand-written embed
    assert not [f for f in content.css("iframe") if EMBED in f.attributes.get("src", "")]
    explorer = content.css_first("div.cell#showcase-explorer div.cell-interactive")
    data = json.loads(explorer.attributes["data-interactive"])
    assert data["params"][0]["labels"][:3] == ["0.05", "0.1", "0.15"] and len(data["frames"]) == 46
    assert data["params"][0]["labels"][data["default"]] == "0.3"
    # a chess board: a table without a header row
    boards = [t for t in content.css("table") if t.css_first("thead") is None and "♚" in t.text()]
    assert len(boards) == 1
    assert len(boards[0].css("tr")) == 8 and all(len(tr.css("td")) == 8 for tr in boards[0].css("tr"))
    # a footnote with its back-reference
    assert content.css_first("sup.footnote-ref a") is not None
    assert tree.css_first("section.footnotes li") is not None
    # task list, definition list, numbered equations, prose dollars
    assert content.css("input.task-list-item-checkbox")
    assert content.css("dl dt")
    assert any("\\label{eq:velocity}" in m.text() for m in content.css(".math"))
    assert any("\\eqref{eq:velocity}" in m.text() for m in content.css(".math"))
    assert "The course costs $5 and the book $10, so $15 in total." in " ".join(content.text().split())
    # an executable cell with echo: false (a figure with a caption and no code) and a label
    hidden = content.css_first("div.cell#showcase-rates")
    assert hidden is not None and hidden.css_first("pre.highlight") is None
    assert hidden.css_first("figure.cell-figure figcaption") is not None
    # plain code is shown, and never run (it would fail: the module does not exist)
    assert any(pre.text().startswith("import a_module_nobody_installed") for pre in content.css("pre"))


# --------------------------------------------------------------------------
# in the browser

@pytest.fixture(scope="module")
def example_at(example):
    """``example_at(base)``: the output folder of the example site built for ``base``
    (a GitHub project site under /repo/: same sources, cells from the cache, no worker)."""
    built = {"/": example[2]}

    def get(base: str) -> Path:
        if base not in built:
            source = example[0]
            starts = worker_starts()
            built[base] = build(BuildOptions(source=source, jobs=2, base_url=base,
                                             out=source / ("_site" + base.replace("/", "_")))).out_dir
            assert worker_starts() == starts
        return built[base]

    return get


@pytest.mark.browser
@pytest.mark.parametrize("base", ["/", "/repo/"])
def test_every_page_renders_in_the_browser(example_at, browser, base):
    from tests.browser.harness import close_context, new_context, page_problems, page_urls, serve, visit

    out = example_at(base)
    problems: dict[str, list[str]] = {}
    context = new_context(browser)
    try:
        page = context.new_page()  # one page for the whole site: navigating is cheaper than opening
        with serve(out, base) as root:
            pages = page_urls(out, root)
            assert len(pages) >= len(POSTS) + 2, pages
            for url, path in pages:
                with visit(page, url) as v:
                    found = page_problems(v, path.read_text(encoding="utf-8"))
                    if path == _page(out, SHOWCASE):
                        drawn = v.page.evaluate(
                            "() => [document.querySelectorAll('pre.mermaid svg').length,"
                            " document.querySelectorAll('mjx-container').length]")
                        if drawn[0] < 2 or drawn[1] < 10:
                            found.append(f"showcase: {drawn[0]} Mermaid diagrams drawn, {drawn[1]} formulas")
                    if found:
                        problems[url] = found
        page.close()
    finally:
        close_context(context)
    assert not problems, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in problems.items())


@pytest.mark.browser
def test_no_serious_accessibility_violations_in_light_or_dark(example, browser):
    """axe-core on every page, light and dark, after MathJax and Mermaid: no serious or critical violation."""
    from tests.browser.test_reader import accessibility_problems

    problems = accessibility_problems(browser, example[2])
    assert not problems, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in problems.items())


@pytest.mark.browser
@pytest.mark.parametrize("base", ["/", "/repo/"])
def test_search_finds_a_post_and_clicking_lands_on_it(example_at, browser, base):
    """A word of one post only, searched from the home page with the "/" key; the result's link works."""
    from tests.browser.harness import close_context, new_context, serve, visit
    from tests.browser.test_reader import search

    out = example_at(base)
    context = new_context(browser)
    with serve(out, base) as root, visit(context, root) as v:
        page = v.page
        results = search(page, "perpendicular")
        assert results[0]["title"] == POSTS["gradient-descent-and-a-neural-network-from-scratch"]
        assert results[0]["href"] == root + "posts/gradient-descent-and-a-neural-network-from-scratch/"
        assert results[0]["date"] and "perpendicular" in results[0]["marked"]
        page.click("#search-results .search-link")
        page.wait_for_url(root + "posts/gradient-descent-and-a-neural-network-from-scratch/")
        assert page.text_content("article.post h1") == POSTS["gradient-descent-and-a-neural-network-from-scratch"]
    close_context(context)
