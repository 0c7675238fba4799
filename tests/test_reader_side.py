"""The reader's side, built and read back as HTML: publishing rules, images, code blocks, sharing,
comments and analytics, series and related posts, the search index and dark figure variants.

The browser half (search, copy button, accessibility, dark figures on screen) is in
tests/browser/test_reader.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from pathlib import Path

import pytest

from generator import BuildOptions, build
from generator.errors import BuildError
from generator.imagesize import image_size
from generator.kernel._worker import darkmode
from generator.related import related_posts, series_of
from tests.browser.test_pages import png
from tests.helpers import PROJECT, html, run_cli, snapshot, write_files

READER = PROJECT / "tests" / "sites" / "reader"
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)


def copy_reader(tmp_path: Path) -> Path:
    root = tmp_path / "reader"
    shutil.copytree(READER, root, ignore=shutil.ignore_patterns(".cache", "_site*"))
    return root


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    """The reader fixture site, built once (its one cell runs): (root, report, out)."""
    root = copy_reader(tmp_path_factory.mktemp("reader"))
    report = build(BuildOptions(source=root, jobs=1, now=NOW))
    return root, report, report.out_dir


def _page(out: Path, slug: str) -> Path:
    return out / "posts" / slug / "index.html"


# ------------------------------------------------------------------ publishing rules

def test_a_future_post_waits_for_its_date_unless_future_is_given(tmp_path):
    root = copy_reader(tmp_path)
    report = build(BuildOptions(source=root, jobs=1, now=NOW))
    out = report.out_dir
    assert not _page(out, "scheduled").exists()
    assert report.scheduled == [("content/posts/2030-01-01-scheduled.md",
                                 dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))]
    for listing in ("index.html", "feed.xml", "sitemap.xml", "tags/optimization/index.html"):
        assert "/posts/scheduled/" not in (out / listing).read_text(), listing
    report = build(BuildOptions(source=root, jobs=1, now=NOW, future=True))
    assert _page(out, "scheduled").is_file() and report.scheduled == []
    assert "/posts/scheduled/" in (out / "index.html").read_text()
    # on its date it is published without --future
    report = build(BuildOptions(source=root, jobs=1, now=dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc)))
    assert _page(out, "scheduled").is_file() and report.scheduled == []


def test_the_build_summary_names_scheduled_posts(tmp_path):
    write_files(tmp_path, {"content/posts/2999-01-01-later.md": "Later.\n", "content/posts/2020-01-01-now.md": "Now.\n"})
    run = run_cli("--source", str(tmp_path), "--jobs", "1")
    assert run.returncode == 0, run.stderr
    assert "content/posts/2999-01-01-later.md (2999-01-01" in run.stdout and "--future" in run.stdout
    assert run_cli("--source", str(tmp_path), "--jobs", "1", "--future").returncode == 0
    assert (tmp_path / "_site" / "posts" / "later" / "index.html").is_file()


def test_the_pages_workflow_rebuilds_daily():
    workflow = (PROJECT / ".github" / "workflows" / "pages.yml").read_text()
    assert "schedule:" in workflow and "- cron:" in workflow
    assert "'.[search]'" in workflow  # the published site has its search index


def test_series_and_related_posts(reader):
    _, _, out = reader
    two = html(_page(out, "momentum"))
    series = two.css_first("nav.series")
    assert "Part 2 of 2" in series.text()
    assert [a.attributes["href"] for a in series.css("a")] == ["/posts/descent-basics/"]
    assert series.css_first("[aria-current=page]").text() == "Momentum and friends"
    related = [a.attributes["href"] for a in two.css("aside.related a")]
    assert related == ["/posts/adam/", "/posts/descent-basics/"]  # one shared tag each: newest first
    assert html(_page(out, "adam")).css_first("nav.series") is None


def test_related_posts_rank_by_shared_tags_then_date():
    from generator.document import Document

    def post(rel, tags, day):
        return Document(kind="post", rel=rel, path=Path(rel), digest="", meta={}, body="", body_line=1,
                        title=rel, date=dt.datetime(2024, 1, day), updated=None, slug=rel, tags=tuple(tags),
                        categories=(), summary=None, draft=False, permalink=None, url=f"/{rel}/")
    posts = [post("e", ["a"], 5), post("d", ["a", "b"], 4), post("c", ["c"], 3), post("b", ["a", "b"], 2),
             post("a", ["a", "b", "c"], 1)]
    found = related_posts(posts)
    assert [p["url"] for p in found["a"]] == ["/d/", "/b/", "/e/"]  # two shared tags first, then the newest
    assert [p["url"] for p in found["e"]] == ["/d/", "/b/", "/a/"]
    assert "c" in found and [p["url"] for p in found["c"]] == ["/a/"]
    posts[0].meta["series"] = "S"
    posts[2].meta["series"] = "S"
    assert series_of(posts)["e"]["part"] == 2 and series_of(posts)["c"]["total"] == 2


# ------------------------------------------------------------------ images

def test_every_img_has_its_size_and_loading(reader):
    _, _, out = reader
    pages = sorted(out.rglob("*.html"))
    images = 0
    for page in pages:
        tags = html(page).css("img")
        for i, img in enumerate(tags):
            attrs = img.attributes
            where = f"{page.relative_to(out)}: {attrs.get('src')}"
            assert attrs.get("width", "").isdigit() and attrs.get("height", "").isdigit(), where
            assert attrs.get("loading") == ("eager" if i == 0 else "lazy"), where
            assert attrs.get("decoding") == "async", where
            images += 1
    assert images >= 3  # the picture, and the figure in its light and dark variants
    first = html(_page(out, "descent-basics")).css_first("img").attributes
    assert (first["width"], first["height"]) == ("320", "120")  # 240pt x 90pt at 96 px per inch


def test_a_missing_image_is_a_warning_with_its_line_and_check_fails(tmp_path):
    write_files(tmp_path, {"config.yml": "url: https://example.org\n",
                           "content/posts/2024-01-01-a.md": "---\ntitle: A\n---\n\nText.\n\n![gone](img/gone.png)\n"})
    report = build(BuildOptions(source=tmp_path, jobs=1))
    assert [str(w).splitlines()[0] for w in report.warnings] == ["content/posts/2024-01-01-a.md:7: image not found: img/gone.png"]
    run = run_cli("check", "--source", str(tmp_path))
    assert run.returncode == 1 and "missing image" in run.stdout
    assert "1 missing image" in run.stdout
    # the file appears, and the post links to it: the page is made again and the warning goes away
    write_files(tmp_path, {"content/posts/img/gone.png": png(3, 2, (0, 0, 0)),
                           "content/posts/2024-01-01-a.md": "---\ntitle: A\n---\n\nText.\n\n![here](/posts/img/gone.png)\n"})
    assert build(BuildOptions(source=tmp_path, jobs=1)).warnings == []


@pytest.mark.parametrize("name, data, size", [
    ("a.png", png(7, 5, (1, 2, 3)), (7, 5)),
    ("a.gif", b"GIF89a" + (12).to_bytes(2, "little") + (9).to_bytes(2, "little") + b"\0" * 20, (12, 9)),
    ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
              b"\xff\xc0\x00\x11\x08\x00\x2a\x00\x40\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9", (64, 42)),
    ("a.svg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="460.8pt" height="345.6pt">', (614, 461)),
    ("b.svg", b'<svg viewBox="0 0 300 150" xmlns="http://www.w3.org/2000/svg"></svg>', (300, 150)),
    ("c.svg", b'<svg width="100%" viewBox="0 0 300 150"></svg>', (300, 150)),
    ("d.txt", b"not an image", None),
])
def test_image_size(tmp_path, name, data, size):
    (tmp_path / name).write_bytes(data)
    assert image_size(str(tmp_path / name)) == size


# ------------------------------------------------------------------ code blocks

def test_line_numbers_and_highlighted_lines(reader, tmp_path):
    _, _, out = reader
    pre = html(_page(out, "descent-basics")).css("pre.highlight")[1]
    assert "numbered" in pre.attributes["class"]
    lines = pre.css("span.line")
    assert len(lines) == 2 and [("hll" in line.attributes["class"]) for line in lines] == [False, True]
    assert pre.css_first("code").text() == "def step(w, grad, lr=0.1):\n    return w - lr * grad\n"
    # a cell's option does the same
    write_files(tmp_path, {"content/posts/2024-01-01-c.md":
                           "```{python}\n#| eval: false\n#| code-line-numbers: \"2\"\nx = 1\ny = 2\n```\n"})
    out2 = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    cell = html(out2 / "posts" / "c" / "index.html").css_first("div.cell pre.highlight")
    assert "numbered" in cell.attributes["class"] and len(cell.css("span.line.hll")) == 1


def test_code_overflow_wrap_per_post_and_site_wide(reader, tmp_path):
    _, _, out = reader
    assert "code-wrap" in html(_page(out, "adam")).css_first("article").attributes["class"]
    assert "code-wrap" not in html(_page(out, "momentum")).css_first("article").attributes["class"]
    write_files(tmp_path, {"config.yml": "code-overflow: wrap\n", "content/posts/2024-01-01-c.md": "```\nx\n```\n"})
    out2 = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    assert "code-wrap" in html(out2 / "posts" / "c" / "index.html").css_first("article").attributes["class"]
    # pages with code load the copy button, others do not
    assert html(out2 / "posts" / "c" / "index.html").css_first('script[src$="code.js"]') is not None
    assert html(out / "about" / "index.html").css_first('script[src$="code.js"]') is None


# ------------------------------------------------------------------ sharing

def test_og_image_from_front_matter_first_raster_figure_or_social_card(reader, tmp_path):
    _, _, out = reader

    def meta(page: Path) -> dict[str, str]:
        tree = html(page)
        return {(m.attributes.get("property") or m.attributes.get("name")): m.attributes.get("content")
                for m in tree.css("meta[property], meta[name]")}

    card = meta(_page(out, "descent-basics"))  # an SVG picture only: the generated card
    assert card["og:image"] == "https://example.org/posts/descent-basics/social-card.png"
    assert card["twitter:card"] == "summary_large_image"
    assert (out / "posts" / "descent-basics" / "social-card.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert meta(out / "about" / "index.html")["twitter:card"] == "summary"  # a page: no card
    write_files(tmp_path, {
        "config.yml": "url: https://me.github.io\nbase_url: /blog/\n",
        "content/posts/2024-01-01-a.md": "---\ntitle: A\nimage: cover.png\n---\n![x](/images/p.png)\n",
        "content/posts/2024-01-01-a/cover.png": png(4, 4, (9, 9, 9)),
        "content/posts/2024-01-02-b.md": "---\ntitle: B\n---\nText ![plot](/images/p.png)\n",
        "content/images/p.png": png(4, 4, (9, 9, 9)),
    })
    shutil.move(tmp_path / "content/posts/2024-01-01-a.md", tmp_path / "content/posts/2024-01-01-a/index.md")
    out2 = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    assert meta(out2 / "posts/a/index.html")["og:image"] == "https://me.github.io/blog/posts/a/cover.png"
    assert meta(out2 / "posts/b/index.html")["og:image"] == "https://me.github.io/blog/images/p.png"
    feed = (out2 / "feed.xml").read_text()
    assert '<media:thumbnail url="https://me.github.io/blog/posts/a/cover.png"/>' in feed
    assert 'xmlns:media="http://search.yahoo.com/mrss/"' in feed


def test_social_cards_are_identical_and_cached(reader, tmp_path, monkeypatch):
    root, _, out = reader
    first = (out / "posts" / "momentum" / "social-card.png").read_bytes()
    # a build into an empty folder copies the cards from .cache/social/ instead of drawing them
    monkeypatch.setattr("generator.social.card_png", lambda *a: pytest.fail("drew a card again"))
    other = build(BuildOptions(source=root, jobs=1, now=NOW, out=tmp_path / "again")).out_dir
    assert (other / "posts" / "momentum" / "social-card.png").read_bytes() == first


# ------------------------------------------------------------------ comments and analytics

def test_comments_and_analytics_only_where_configured(reader, tmp_path):
    _, _, out = reader
    post = html(_page(out, "momentum"))
    giscus = post.css_first('script[src="https://giscus.app/client.js"]')
    assert giscus.attributes["data-repo"] == "me/blog" and giscus.attributes["data-mapping"] == "pathname"
    assert post.css_first('script[src="https://plausible.io/js/script.js"]').attributes["data-domain"] == "example.org"
    assert html(_page(out, "adam")).css_first("section.comments") is None  # comments: false
    assert html(out / "about" / "index.html").css_first("section.comments") is None
    write_files(tmp_path, {"content/posts/2024-01-01-c.md": "Hello.\n"})
    plain = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    for page in plain.rglob("*.html"):
        srcs = [s.attributes.get("src") or "" for s in html(page).css("script")]
        assert all(not src.startswith(("http:", "https:", "//")) for src in srcs), (page, srcs)


@pytest.mark.parametrize("setting, message", [
    ("comments: {disqus: {shortname: x}}", "unknown comments provider 'disqus'"),
    ("comments: {giscus: {repo: me/blog}}", "comments: giscus needs repo-id, category, category-id"),
    ("analytics: {google: 12345}", "analytics: google must be a measurement id"),
    ("analytics: {plausible: a.org, goatcounter: b}", "analytics must name one provider"),
])
def test_bad_comments_or_analytics_settings_name_their_line(tmp_path, setting, message):
    write_files(tmp_path, {"config.yml": f"title: T\n{setting}\n"})
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=tmp_path, jobs=1))
    assert f"config.yml:2: {message}" in str(caught.value)


# ------------------------------------------------------------------ search index

def test_search_index_is_built_and_left_alone_when_nothing_changed(tmp_path, monkeypatch):
    root = copy_reader(tmp_path)
    out = build(BuildOptions(source=root, jobs=1, now=NOW)).out_dir
    index = {p: b for p, b in snapshot(out).items() if p.startswith("pagefind/")}
    assert "pagefind/pagefind.js" in index and any(p.startswith("pagefind/filter/") for p in index)
    assert not any("pagefind-ui" in p for p in index)
    tree = html(_page(out, "momentum"))
    assert tree.css_first("article[data-pagefind-body]") is not None
    assert tree.css_first('a.tag[data-pagefind-filter="tag"]') is not None
    assert html(out / "index.html").css_first("[data-pagefind-body]") is None  # lists are not indexed

    import generator.search

    real_run = generator.search.subprocess.run
    monkeypatch.setattr(generator.search.subprocess, "run", lambda *a, **k: pytest.fail("Pagefind ran again"))
    assert build(BuildOptions(source=root, jobs=1, now=NOW)).written == set()
    monkeypatch.setattr(generator.search.subprocess, "run", real_run)
    post = root / "content" / "posts" / "2024-03-01-adam.md"
    post.write_text(post.read_text() + "\nA new word: quokka.\n")
    written = build(BuildOptions(source=root, jobs=1, now=NOW)).written
    rewritten = {p for p in written if p.startswith("pagefind/")}
    assert "pagefind/pagefind-entry.json" in rewritten
    assert "pagefind/pagefind.js" not in rewritten and len(rewritten) < len(index)  # unchanged files stay
    assert snapshot(out).keys() - written >= {p for p in index if p.startswith("pagefind/wasm")}


def test_without_pagefind_the_site_builds_without_search_and_one_warning(tmp_path, monkeypatch):
    write_files(tmp_path, {"content/posts/2024-01-01-a.md": "Hello.\n", "content/posts/2024-01-02-b.md": "Hi.\n"})
    monkeypatch.setenv("GDBLOG_PAGEFIND", "")
    report = build(BuildOptions(source=tmp_path, jobs=1, url="https://example.org"))
    assert [w.message for w in report.warnings] == ["search is off: Pagefind is not installed"]
    assert not (report.out_dir / "pagefind").exists()
    assert html(report.out_dir / "index.html").css_first("#search-input") is None
    # a binary that cannot run: one warning, the site is built
    broken = tmp_path / "pagefind-broken"
    broken.write_text("#!/bin/sh\necho 'cannot execute binary file' >&2\nexit 126\n")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("GDBLOG_PAGEFIND", str(broken))
    report = build(BuildOptions(source=tmp_path, jobs=1, refresh=True, url="https://example.org"))
    assert [w.message for w in report.warnings] == [
        "search is off: Pagefind failed (exit 126): cannot execute binary file"]
    assert (report.out_dir / "posts" / "a" / "index.html").is_file() and not (report.out_dir / "pagefind").exists()
    write_files(tmp_path, {"config.yml": "search: false\nurl: https://example.org\n"})
    monkeypatch.setenv("GDBLOG_PAGEFIND", "")
    assert build(BuildOptions(source=tmp_path, jobs=1)).warnings == []


# ------------------------------------------------------------------ dark figures

def test_dark_colors_turn_neutrals_around_and_keep_hues():
    import numpy as np

    turned = darkmode.dark_colors([[1, 1, 1], [0, 0, 0], [0.3, 0.45, 0.69]])
    assert np.allclose(turned[0], np.array(darkmode.BACKGROUND) / 255)
    assert np.allclose(turned[1], np.array(darkmode.FOREGROUND) / 255)
    assert np.argmax(turned[2]) == 2 and turned[2][2] > 0.69  # still blue, a little lighter
    svg = b'<path style="fill: #ffffff; stroke: #000000"/><use xlink:href="#DejaVuSans-48"/>'
    assert darkmode.dark_svg(svg) == b'<path style="fill: #16181c; stroke: #e6e6e3"/><use xlink:href="#DejaVuSans-48"/>'


def test_cells_make_dark_variants(reader, tmp_path):
    _, _, out = reader
    figure = html(_page(out, "momentum")).css_first("figure.cell-figure")
    light, dark = figure.css("img")
    assert light.attributes["class"] == "only-light" and dark.attributes["class"] == "only-dark"
    assert dark.attributes["src"].endswith("-dark.svg") and dark.attributes["alt"] == light.attributes["alt"]
    dark_svg = (out / "posts" / "momentum" / dark.attributes["src"]).read_text()
    assert "#16181c" in dark_svg and "#ffffff" not in dark_svg
    # other figures: only when the cell asks; gdcore's: unless the cell says [light]
    write_files(tmp_path, {"content/posts/2024-01-01-c.md": (
        "```{python}\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\n```\n\n"
        "```{python}\n#| renderings: [light, dark]\n#| fig-format: png\nimport matplotlib.pyplot as plt\nplt.plot([2, 1])\n```\n\n"
        "```{python}\n#| renderings: [light]\nimport gdcore\ngdcore.plots.loss_curve([3.0, 2.0, 1.0])\n```\n")})
    out2 = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    figures = html(out2 / "posts" / "c" / "index.html").css("figure.cell-figure")
    assert [len(f.css("img")) for f in figures] == [1, 2, 1]
    assert (out2 / "posts" / "c" / "cell2-1-dark.png").read_bytes()[:4] == b"\x89PNG"
