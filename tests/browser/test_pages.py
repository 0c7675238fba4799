"""Every page of three built sites, opened in headless Chromium, at / and under /blog/.

The sites: the two seed posts (../shared/seeds), the fixture site tests/sites/basic,
and tests/sites/diagrams (every math form, Mermaid and PlantUML).  Per page: all math
typeset without errors, no TeX or $-math left in the text, every diagram drawn, no
broken image, no failed local request, no console error.
"""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest

from generator import BuildOptions, build
from tests.browser.harness import (
    close_context,
    new_context,
    page_problems,
    page_urls,
    screenshot,
    serve,
    tex_inputs,
    visit,
)
from tests.helpers import PROJECT, html, math_texts, require_plantuml, shared

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT / "test-artifacts" / "browser"
SITES = ("seeds", "basic", "diagrams")
BASES = ("/", "/blog/")


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small valid PNG of one colour (browsers sniff the format, whatever the file name says)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _seeds_site(root: Path) -> None:
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    shutil.copy(shared("seeds", "showcase.md"), posts / "showcase.md")
    shutil.copy(shared("seeds", "jekyll_post.md"), posts / "2023-05-01-jekyll-post.md")
    # the Jekyll post's images live beside Jekyll's posts; the showcase embeds a chapter page
    images = root / "content" / "_posts"
    images.mkdir()
    (images / "1 Two functions2.jpg").write_bytes(png(40, 30, (30, 90, 180)))
    (images / "2 gradient descent.jpg").write_bytes(png(40, 30, (180, 60, 30)))
    (root / "assets").mkdir()
    (root / "assets" / "Chapter00.html").write_text(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Chapter 0</title></head>"
        "<body><p>Chapter 0</p></body></html>\n")


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """``sites(name, base)``: the output folder of a site built once per module for that base path."""
    sources: dict[str, Path] = {}
    built: dict[tuple[str, str], Path] = {}

    def get(name: str, base: str = "/") -> Path:
        if name in ("seeds", "diagrams"):
            require_plantuml("this site's diagrams would be server images, which a closed network cannot reach")
        if name not in sources:
            root = tmp_path_factory.mktemp(name)
            if name == "seeds":
                _seeds_site(root)
            else:
                shutil.copytree(PROJECT / "tests" / "sites" / name, root, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".cache", "_site*"))
            sources[name] = root
        if (name, base) not in built:
            # one source folder per site: both builds share its PlantUML cache (Java runs once)
            out = sources[name] / ("_site" if base == "/" else "_site" + base.replace("/", "_").rstrip("_"))
            build(BuildOptions(source=sources[name], out=out, base_url=base, jobs=1))
            built[name, base] = out
        return built[name, base]

    return get


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("name", SITES)
def test_every_page_renders(name, base, sites, browser_context):
    out = sites(name, base)
    problems: dict[str, list[str]] = {}
    page = browser_context.new_page()  # one page for the whole site: navigating is cheaper than opening
    with serve(out, base) as root:
        pages = page_urls(out, root)
        assert len(pages) >= 5, pages
        for url, path in pages:
            with visit(page, url) as v:
                found = page_problems(v, path.read_text(encoding="utf-8"))
                if found:
                    shot = screenshot(v, ARTIFACTS / (name + base.rstrip("/").replace("/", "-")),
                                      path.relative_to(out).as_posix())
                    problems[url] = found + ([f"screenshot: {shot}"] if shot else [])
    page.close()
    assert not problems, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in problems.items())


def _expected_inputs(path: Path) -> list[tuple[str, bool]]:
    """What MathJax should receive, read from the HTML file: delimiters decide display."""
    expected = []
    for text in math_texts(html(path)):
        if text.startswith("\\(") and text.endswith("\\)"):
            expected.append((text[2:-2], False))
        elif text.startswith("\\[") and text.endswith("\\]"):
            expected.append((text[2:-2], True))
        else:
            expected.append((text, True))  # a bare environment
    return expected


@pytest.fixture(scope="module")
def everything(sites, browser_context):
    """The diagrams site's post, opened once for the tests that look into it."""
    out = sites("diagrams")
    with serve(out) as root, visit(browser_context, root + "posts/everything/") as v:
        assert not v.render_error and not v.console_errors
        yield v, out / "posts" / "everything" / "index.html"


def test_tex_inputs_is_what_the_page_wrote(everything):
    v, path = everything
    got = tex_inputs(v.page)
    assert got == _expected_inputs(path)
    assert got == [
        (r"w_{t+1} = w_t - \eta \nabla L(w_t)", False), ("x_i^2", False), (r"\sum_i x_i", False),
        (r"x \in \RR", False), (r"L(w) = \frac{1}{N} \sum_{i=1}^{N} (w x_i - y_i)^2", True),
        (r"\nabla L = \begin{bmatrix} \partial L / \partial b \\ \partial L / \partial w \end{bmatrix}", True),
        ("\\begin{align}\na &= b + c \\label{eq:first} \\\\\nd &= e - f\n\\end{align}", True),
        (r"\eqref{eq:first}", False),
        (r"y_1 \_ 2", False), (" z^2 ", True), ("\ny = 2x\n", False), (r"\eta", False), (r"\|g\|", False),
    ]


def test_plantuml_ids_are_unique_and_resolve_inside_their_diagram(everything):
    v, _ = everything
    report = v.page.evaluate("""() => {
      const ids = Array.from(document.querySelectorAll("[id]"), el => el.id);
      const figures = Array.from(document.querySelectorAll("figure.plantuml svg"));
      const outside = [];
      let refs = 0;
      for (const svg of figures) {
        for (const el of svg.querySelectorAll("*")) {
          for (const attr of el.attributes) {
            const targets = Array.from(attr.value.matchAll(/url\\(#([^)]+)\\)/g), m => m[1]);
            if (/href$/.test(attr.name) && attr.value.startsWith("#")) targets.push(attr.value.slice(1));
            for (const id of targets) {
              refs++;
              const target = document.getElementById(id);
              if (!target || !svg.contains(target)) outside.push(attr.value);
            }
          }
        }
      }
      return { figures: figures.length, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i),
               refs, outside };
    }""")
    assert report["figures"] == 3
    assert report["duplicates"] == []
    assert report["refs"] > 0 and report["outside"] == []


def test_mermaid_redraws_when_the_theme_changes(sites, browser):
    out = sites("diagrams")
    # each diagram's SVG, and the theme's colours Mermaid wrote into its <style>
    svgs = """() => Array.from(document.querySelectorAll('pre.mermaid'), el => [el.innerHTML,
                 (el.querySelector('svg style') || {}).textContent || ''])"""
    # contexts of their own: the toggle stores the theme in localStorage
    light_context = new_context(browser, color_scheme="light")
    dark_context = new_context(browser, color_scheme="dark")
    try:
        with serve(out) as root:
            with visit(light_context, root + "posts/everything/") as v:
                light = v.page.evaluate(svgs)
                v.page.click(".theme-toggle")
                v.page.evaluate("() => window.gdblogMermaid")
                assert v.page.get_attribute("html", "data-theme") == "dark"
                toggled = v.page.evaluate(svgs)
                assert not v.console_errors
            with visit(dark_context, root + "posts/everything/") as v:
                assert v.page.get_attribute("html", "data-theme") is None
                system_dark = v.page.evaluate(svgs)
                assert not v.console_errors and not v.render_error
    finally:
        close_context(light_context)
        close_context(dark_context)
    assert len(light) == len(toggled) == len(system_dark) == 2
    assert all("<svg" in svg and "Syntax error" not in svg for svg, _ in light + toggled + system_dark)
    assert all(a[1] != b[1] for a, b in zip(light, toggled))
    # following the system's dark mode draws in the colours the toggle chose
    assert [style for _, style in system_dark] == [style for _, style in toggled]


def test_the_checks_catch_a_broken_page(tmp_path, browser_context):
    """The harness must see each kind of failure (else every test above could pass vacuously)."""
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    (posts / "broken.md").write_text(
        "---\ntitle: Broken\ndate: 2024-01-01\n---\n"
        "Bad TeX $x^1^2$, unbalanced $\\frac{1}{$ and fine $x^2$.\n\n"
        "<div>raw &#36;y&#36; and &#92;(z&#92;) left as text</div>\n\n"
        "![missing](/images/missing.png)\n\n"
        "<script>console.error('boom');</script>\n\n"
        "```mermaid\ngraph TD\n  A --> \n  ((( \n```\n\n"
        "<iframe src=\"https://www.server.com/x.html\"></iframe>\n")
    build(BuildOptions(source=tmp_path, jobs=1))
    out = tmp_path / "_site"
    with serve(out) as root, visit(browser_context, root + "posts/broken/") as v:
        problems = "\n".join(page_problems(v, (out / "posts" / "broken" / "index.html").read_text()))
        shot = screenshot(v, tmp_path / "shots", "posts/broken/index.html")
    assert shot is not None and shot.name == "posts_broken_index.html.png" and shot.stat().st_size > 1000
    assert "MathJax error: Double exponent" in problems
    assert "2 formulas rendered (mjx-container), 3 .math elements in the page" in problems
    assert re.search(r"unrendered \$-math in the text: .*raw \$y\$", problems)
    assert re.search(r"raw TeX in the text: .*raw \$y\$ and \\\(z\\\)", problems)
    assert "broken image: /images/missing.png" in problems
    assert "HTTP 404" in problems and "missing.png" in problems
    assert "console error: boom" in problems
    assert "Mermaid diagram 1 shows a syntax error" in problems and "console error: Mermaid: Parse error" in problems
    assert "server.com" not in problems  # aborted external requests are not failures
