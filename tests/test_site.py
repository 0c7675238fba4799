"""A whole site built from the fixture posts in tests/sites/basic: pages, lists, feeds, URLs."""

from __future__ import annotations

import shutil
import xml.dom.minidom
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from generator import BuildOptions, build
from tests.helpers import PROJECT, html, math_texts, snapshot, strip_delimiters

BASIC = PROJECT / "tests" / "sites" / "basic"


@pytest.fixture
def basic(tmp_path) -> Path:
    root = tmp_path / "site"
    shutil.copytree(BASIC, root, ignore=shutil.ignore_patterns(".cache", "_site"))
    return root


def built(root: Path, **options):
    report = build(BuildOptions(source=root, jobs=options.pop("jobs", 1), **options))
    return root / "_site", report


def test_every_math_form(basic):
    out, _ = built(basic)
    tree = html(out / "posts" / "math-forms" / "index.html")
    found = [strip_delimiters(t) for t in math_texts(tree)]
    assert found == [
        r"w_{t+1} = w_t - \eta \nabla L(w_t)", "x_i^2", r"\sum_i x_i",
        r"L(b, w) = \frac{1}{N} \sum_{i=1}^{N} (b + w x_i - y_i)^2",
        r"\nabla L = \begin{bmatrix} \partial L / \partial b \\ \partial L / \partial w \end{bmatrix}",
        "\\begin{align}\na &= b + c \\label{eq:first} \\\\\nd &= e - f\n\\end{align}",
        r"\eqref{eq:first}", r"x \in \RR", "\ny = 2x\n", r"\eta", r"\|g\|",
    ]
    text = tree.css_first(".content").text()
    assert "A price of $3 and $4 is prose, and so is $7." in text
    assert [c.text() for c in tree.css(".content code")][0] == "echo $HOME"
    assert '"$PATH costs $5"' in tree.css_first("pre code").text()
    script = " ".join(s.text() for s in tree.css("script"))
    assert '"RR": "\\\\mathbb{R}"' in script and 'tags: "ams"' in script


def test_page_without_math_does_not_load_mathjax(basic):
    (basic / "content" / "pages" / "plain.md").write_text("---\ntitle: Plain\n---\nNo formulas, $5 only.\n")
    out, _ = built(basic)
    tree = html(out / "plain" / "index.html")
    assert not [s for s in tree.css("script") if "mathjax" in (s.attributes.get("src") or "")]
    tree = html(out / "about" / "index.html")
    assert [s for s in tree.css("script") if "mathjax" in (s.attributes.get("src") or "")]


def test_board_frames_and_inert_code(basic):
    out, report = built(basic, base_url="/repo/")
    tree = html(out / "posts" / "board-and-frames" / "index.html")
    table = tree.css_first(".content table")
    assert table.css_first("thead") is None
    assert [[td.text() for td in tr.css("td")] for tr in table.css("tr")] == [
        ["♚", "", "♜"], ["", "♟", ""], ["♔", "", ""]]
    frames = tree.css(".content iframe")
    assert [f.attributes["src"] for f in frames] == ["/repo/assets/frame.html", "/repo/assets/frame.html"]
    assert "and this line must stay visible." in tree.css_first(".content").text()
    assert math_texts(tree) == [r"\(\int_0^1 x\,dx = \tfrac12\)"]
    assert "raise SystemExit" in tree.css_first("pre code").text()
    assert (out / "assets" / "frame.html").read_text().startswith("<!DOCTYPE html>")
    assert any("repaired attribute src=src" in str(w) for w in report.warnings)


def test_jekyll_style_post(basic):
    out, _ = built(basic, base_url="/repo/")
    tree = html(out / "posts" / "moved-from-jekyll" / "index.html")
    assert tree.css_first(".content img").attributes["src"] == "/repo/images/loss%20curve%201.png"
    assert (out / "images" / "loss curve 1.png").exists()
    assert "on Fixture notebook." in tree.css_first(".content").text()
    assert not [s for s in tree.css("script") if "2.7.3" in (s.attributes.get("src") or "")]
    assert [strip_delimiters(t) for t in math_texts(tree)] == ["f'(x)", "f"]
    assert tree.css_first("time").attributes["datetime"].startswith("2023-11-05")


def test_index_pagination_prev_next_and_drafts(basic):
    out, _ = built(basic)
    first = html(out / "index.html")
    titles = [a.text() for a in first.css(".post-list h2 a")]
    assert titles == ["Every way to write math", "A board, some frames and plain code"]
    second = html(out / "page" / "2" / "index.html")
    assert [a.text() for a in second.css(".post-list h2 a")] == ["Notes moved over from Jekyll"]
    assert first.css_first(".pager a[rel=next]").attributes["href"] == "/page/2/"
    assert not (out / "posts" / "draft-idea").exists()
    middle = html(out / "posts" / "board-and-frames" / "index.html")
    assert middle.css_first(".prevnext a[rel=prev]").attributes["href"] == "/posts/moved-from-jekyll/"
    assert middle.css_first(".prevnext a[rel=next]").attributes["href"] == "/posts/math-forms/"
    # the summary on the index comes from front matter, else the first paragraph
    summaries = [s.text().strip() for s in first.css(".summary")]
    assert summaries[0] == "One of each math form."
    assert summaries[1] == "A position after a few moves:"
    with_drafts, _ = built(basic, drafts=True)
    assert (with_drafts / "posts" / "draft-idea" / "index.html").exists()


def test_tags_archive_feed_sitemap_robots_404(basic):
    out, _ = built(basic)
    tags = html(out / "tags" / "index.html")
    assert [a.text() for a in tags.css(".tag-cloud a")] == ["chess", "embeds", "math", "notation"]
    chess = html(out / "tags" / "chess" / "index.html")
    assert [a.text() for a in chess.css(".post-list h2 a")] == ["A board, some frames and plain code"]
    archive = html(out / "archive" / "index.html")
    assert [h.text() for h in archive.css(".archive-year h2")] == ["2024", "2023"]
    assert (out / "archive" / "2023" / "index.html").exists()

    feed = xml.dom.minidom.parse(str(out / "feed.xml"))
    entries = feed.getElementsByTagName("entry")
    assert len(entries) == 3
    first_link = entries[0].getElementsByTagName("link")[0].getAttribute("href")
    assert first_link == "https://example.org/posts/math-forms/"
    content = entries[0].getElementsByTagName("content")[0].firstChild.data
    assert '<span class="math inline">' in content

    sitemap = xml.dom.minidom.parse(str(out / "sitemap.xml"))
    locs = [n.firstChild.data for n in sitemap.getElementsByTagName("loc")]
    assert "https://example.org/posts/board-and-frames/" in locs and "https://example.org/about/" in locs
    assert "Sitemap: https://example.org/sitemap.xml" in (out / "robots.txt").read_text()
    assert html(out / "404.html").css_first("h1").text() == "Page not found"
    assert (out / ".nojekyll").exists()


def test_base_url_reaches_every_link(basic):
    out, _ = built(basic, base_url="/repo/")
    for page in out.rglob("*.html"):
        tree = html(page)
        for node in tree.css("a[href], link[href], script[src], img[src], iframe[src]"):
            url = node.attributes.get("href") or node.attributes.get("src")
            if url.startswith("/"):
                assert url.startswith("/repo/"), f"{page}: {url}"
    feed = (out / "feed.xml").read_text()
    assert "https://example.org/repo/posts/math-forms/" in feed
    assert "https://example.org/repo/sitemap.xml" in (out / "robots.txt").read_text()


def test_meta_tags_and_escaping(basic):
    out, _ = built(basic)
    about = html(out / "about" / "index.html")
    assert about.css_first("h1").text() == "About <this> & that"
    assert "<this>" in about.css_first("title").text()
    raw = (out / "about" / "index.html").read_text()
    assert "About &lt;this&gt; &amp; that" in raw
    post = html(out / "posts" / "math-forms" / "index.html")
    assert post.css_first('meta[name="description"]').attributes["content"] == "One of each math form."
    assert post.css_first('link[rel="canonical"]').attributes["href"] == "https://example.org/posts/math-forms/"
    assert post.css_first('meta[property="og:type"]').attributes["content"] == "article"


def test_title_from_heading_and_undated_post(site):
    root, report = site({"content/posts/no-front-matter.md": "# A Title From The Heading\n\nBody $x$.\n"})
    tree = html(root / "_site" / "posts" / "no-front-matter" / "index.html")
    assert tree.css_first("h1").text() == "A Title From The Heading"
    assert len(tree.css("h1")) == 1
    assert any("post has no date" in str(w) for w in report.warnings)
    assert tree.css_first(".meta time") is None


def test_bundles_permalinks_and_cname(site):
    root, _ = site({
        "content/posts/my-bundle/index.md": "---\ntitle: B\ndate: 2024-01-01\n---\n![p](plot.png)\n",
        "content/posts/my-bundle/plot.png": b"\x89PNG",
        "content/pages/about.md": "---\ntitle: About\npermalink: /me/\n---\nhi\n",
        "content/posts/2020-02-03-dated.md": "---\ntitle: D\npermalink: /:year/:month/:day/:slug.html\n---\nx\n",
        "CNAME": "blog.example.org\n",
    })
    out = root / "_site"
    assert (out / "posts" / "my-bundle" / "index.html").exists()
    assert (out / "posts" / "my-bundle" / "plot.png").read_bytes() == b"\x89PNG"
    assert (out / "me" / "index.html").exists()
    assert (out / "2020" / "02" / "03" / "dated.html").exists()
    assert (out / "CNAME").read_text() == "blog.example.org\n"


def test_template_and_asset_overrides(site):
    root, _ = site({
        "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nx\n",
        "templates/post.html": "{% extends 'base.html' %}{% block content %}<p id='custom'>{{ page.title }}</p>{% endblock %}",
        "assets/theme/style.css": "body { color: red }",
    })
    tree = html(root / "_site" / "posts" / "a" / "index.html")
    assert tree.css_first("#custom").text() == "A"
    assert (root / "_site" / "assets" / "theme" / "style.css").read_text() == "body { color: red }"
    assert (root / "_site" / "assets" / "theme" / "pygments.css").exists()


def test_table_of_contents_on_long_posts(site):
    body = "\n\n".join(f"## Part {i}\n\ntext" for i in range(5))
    root, _ = site({"content/posts/long.md": f"---\ntitle: L\ndate: 2024-01-01\n---\n{body}\n",
                    "content/posts/short.md": "---\ntitle: S\ndate: 2024-01-01\n---\n## One\n\nx\n"})
    tree = html(root / "_site" / "posts" / "long" / "index.html")
    assert [a.attributes["href"] for a in tree.css(".toc a")] == [f"#part-{i}" for i in range(5)]
    assert html(root / "_site" / "posts" / "short" / "index.html").css_first(".toc") is None


def test_rebuild_reuses_unchanged_pages_and_is_identical(basic):
    out, first = built(basic)
    before = snapshot(out)
    _, second = built(basic)
    assert second.rendered == 0 and second.reused == first.rendered
    assert snapshot(out) == before

    post = basic / "content" / "posts" / "math-forms.md"
    post.write_text(post.read_text().replace("Code keeps", "Edited: code keeps"))
    _, third = built(basic)
    # the post itself; its summary did not change, so no list page is re-rendered
    assert third.rendered == 2  # the post and the feed (which carries full content)
    assert "Edited: code keeps" in (out / "posts" / "math-forms" / "index.html").read_text()

    (basic / "templates").mkdir()
    (basic / "templates" / "tag.html").write_text("{% extends 'base.html' %}{% block content %}T{% endblock %}")
    _, fourth = built(basic)
    assert fourth.rendered == 4  # the four tag pages, nothing else


def test_parallel_build_matches_serial(basic, tmp_path):
    serial_out, _ = built(basic, jobs=1)
    serial = snapshot(serial_out)
    other = tmp_path / "other"
    shutil.copytree(basic, other, ignore=shutil.ignore_patterns(".cache", "_site"))
    # enough posts to use the worker pool
    for i in range(30):
        (other / "content" / "posts" / f"extra-{i}.md").write_text(f"---\ntitle: E{i}\ndate: 2022-01-{i % 28 + 1:02d}\n---\n$x_{i}$\n")
        (basic / "content" / "posts" / f"extra-{i}.md").write_text(f"---\ntitle: E{i}\ndate: 2022-01-{i % 28 + 1:02d}\n---\n$x_{i}$\n")
    parallel_out, report = built(other, jobs=2)
    serial_out, _ = built(basic, jobs=1, refresh=True)
    assert snapshot(parallel_out) == snapshot(serial_out)
    assert serial != snapshot(serial_out)


def test_relative_urls_in_excerpts_and_feed_point_at_the_post(site):
    root, _ = site({
        "config.yml": "url: https://example.org\nbase_url: /repo/\n",
        "content/posts/b/index.md": "---\ntitle: B\ndate: 2024-01-01\n---\nSee ![plot](plot.png), [notes](../notes/) and [^1].\n\n[^1]: A note.\n",
        "content/posts/b/plot.png": b"\x89PNG",
    })
    index = html(root / "_site" / "index.html")
    summary = index.css_first(".summary")
    assert summary.css_first("img").attributes["src"] == "/repo/posts/b/plot.png"
    assert summary.css_first("a").attributes["href"] == "/repo/posts/notes/"
    feed = xml.dom.minidom.parse(str(root / "_site" / "feed.xml"))
    content = LexborHTMLParser(feed.getElementsByTagName("content")[0].firstChild.data)
    assert content.css_first("img").attributes["src"] == "https://example.org/repo/posts/b/plot.png"
    assert content.css_first("a").attributes["href"] == "https://example.org/repo/posts/notes/"
    # the post page itself keeps its relative URLs
    assert html(root / "_site" / "posts" / "b" / "index.html").css_first(".content img").attributes["src"] == "plot.png"


def test_hidden_files_are_skipped_but_well_known_is_published(site):
    root, _ = site({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nx\n",
                    "content/.well-known/security.txt": "Contact: mailto:a@example.org\n",
                    "content/images/.DS_Store": "junk"})
    assert (root / "_site" / ".well-known" / "security.txt").exists()
    assert not (root / "_site" / "images" / ".DS_Store").exists()


def test_excerpt_separator_inline_on_its_own_line_and_per_post(site):
    root, _ = site({
        "content/posts/a.md": "---\ntitle: A\ndate: 2024-01-03\n---\nFirst part $x$ <!--more--> hidden part.\n\nMore.\n",
        "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-02\n---\nOne.\n\nTwo.\n\n<!--more-->\n\nThree.\n",
        "content/posts/c.md": "---\ntitle: C\ndate: 2024-01-01\nexcerpt_separator: <!--cut-->\n---\nKeep.\n- item <!--cut--> gone\n\nAfter.\n",
    })
    summaries = [s.text().split() for s in html(root / "_site" / "index.html").css(".summary")]
    assert summaries[0] == ["First", "part", r"\(x\)"]
    assert summaries[1] == ["One.", "Two."]
    assert summaries[2] == ["Keep.", "item"]


def test_mermaid_in_an_excerpt_loads_mermaid_on_the_index(site):
    root, _ = site({"content/posts/d.md": "---\ntitle: D\ndate: 2024-01-01\n---\n```mermaid\ngraph LR; a-->b\n```\n\n<!--more-->\n\nrest\n"})
    scripts = [s.attributes.get("src") or "" for s in html(root / "_site" / "index.html").css("script")]
    assert any("mermaid" in src for src in scripts)
    tags = [s.attributes.get("src") or "" for s in html(root / "_site" / "tags" / "index.html").css("script")]
    assert not any("mermaid" in src for src in tags)


def test_unchanged_code_is_not_highlighted_again(site, monkeypatch):
    from generator.markdown import highlight

    body = "---\ntitle: C\ndate: 2024-01-01\n---\nText.\n\n```python\nx = 1\n```\n\n```bash\necho hi\n```\n"
    root, _ = site({"content/posts/c.md": body})
    first = (root / "_site" / "posts" / "c" / "index.html").read_text()
    calls = []
    monkeypatch.setattr(highlight, "_lexer", lambda lang: calls.append(lang))
    (root / "content" / "posts" / "c.md").write_text(body.replace("Text.", "Edited text."))
    build(BuildOptions(source=root, jobs=1))
    second = (root / "_site" / "posts" / "c" / "index.html").read_text()
    assert calls == [], "prose edit: code comes from the highlight cache"
    assert second == first.replace("Text.", "Edited text.")


def test_no_change_build_touches_nothing_and_a_deleted_post_disappears(site):
    root, _ = site({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n",
                    "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-01\n---\ny\n"})
    out = root / "_site"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    folder_stamp = out.stat().st_ino
    report = build(BuildOptions(source=root, jobs=1))
    assert report.rendered == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert out.stat().st_ino == folder_stamp, "the live folder was not swapped"
    assert not (root / "._site.staging").exists(), "nothing was staged"

    (root / "content" / "posts" / "b.md").unlink()
    build(BuildOptions(source=root, jobs=1))
    assert not (out / "posts" / "b").exists()
    assert (out / "posts" / "a" / "index.html").exists()
    titles = [a.text() for a in html(out / "index.html").css(".post-list h2 a")]
    assert titles == ["A"]
    # the next rebuild with nothing changed leaves the swapped-in site alone too
    assert build(BuildOptions(source=root, jobs=1)).rendered == 0
    assert not (out / "posts" / "b").exists()


def test_a_build_that_died_half_way_leaves_nothing_behind(site, monkeypatch):
    from generator import pool

    root, _ = site({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n"})
    build(BuildOptions(source=root, jobs=1))  # a staging folder now exists (the swapped-out site)
    (root / "content" / "posts" / "a.md").write_text("---\ntitle: A\ndate: 2024-01-02\n---\nchanged\n")
    (root / "content" / "posts" / "b.md").write_text("---\ntitle: B\ndate: 2024-01-01\n---\ny\n")

    real = pool.render_document_job

    def dies_after_writing(task):
        result = real(task)
        if task.doc.rel.endswith("b.md"):
            raise KeyboardInterrupt  # the writer pressed Ctrl-C half-way
        return result

    monkeypatch.setattr("generator.stages.documents.render_document_job", dies_after_writing)
    with pytest.raises(KeyboardInterrupt):
        build(BuildOptions(source=root, jobs=1))
    assert not (root / "_site" / "posts" / "b").exists(), "the live site was not touched"
    monkeypatch.undo()
    (root / "content" / "posts" / "b.md").unlink()
    build(BuildOptions(source=root, jobs=1))
    out = root / "_site"
    assert not (out / "posts" / "b").exists(), "what the dead build wrote is not published"
    assert "changed" in (out / "posts" / "a" / "index.html").read_text()
    assert not (out / ".gdblog-unfinished").exists()


def test_reading_time(site):
    """Minutes at 200 words a minute, rounded up, at least one; code counts a third."""
    from generator.document import reading_minutes

    assert [reading_minutes(w) for w in (0, 1, 200, 201, 400, 401)] == [1, 1, 1, 2, 2, 3]
    prose = " ".join(["word"] * 450)
    code = "\n".join(["x = 1 + 2"] * 60)  # 300 words of code count as 100
    root, _ = site({"content/posts/a.md": f"---\ntitle: A\ndate: 2024-01-02\n---\n{prose}\n\n```python\n{code}\n```\n",
                    "content/posts/b.md": "---\ntitle: B\ndate: 2024-01-01\n---\nShort.\n"})
    build(BuildOptions(source=root, jobs=1))
    long_post = html(root / "_site/posts/a/index.html").text()
    assert "3 min read" in long_post  # 450 + 300 / 3 = 550 words
    assert "1 min read" in html(root / "_site/posts/b/index.html").text()
    assert "3 min read" in html(root / "_site/index.html").text()


def test_a_document_no_reader_takes_is_copied_with_a_warning(site):
    root, _ = site({"content/posts/a.md": "---\ntitle: A\ndate: 2024-01-02\n---\nx\n",
                    "content/posts/notes.rst": "Notes\n=====\n",
                    "content/images/plot.png": b"\x89PNG\r\n"})
    report = build(BuildOptions(source=root, jobs=1, url="https://me.github.io"))  # no warning about url
    assert [str(w) for w in report.warnings] == [
        "content/posts/notes.rst: no reader for .rst; copied as a file\n"
        "  hint: convert it to Markdown (.md), or move it out of content/"]
    assert (root / "_site/posts/notes.rst").read_text() == "Notes\n=====\n"


def test_quarto_documents_are_posts(site):
    root, _ = site({"content/posts/2024-03-01-q/index.qmd":
                    "---\ntitle: Q\ncategories: [optimization]\ndescription: About Q.\nformat: html\n---\nBody.\n",
                    "content/posts/2024-03-01-q/data.csv": "1,2\n"})
    build(BuildOptions(source=root, jobs=1))
    page = html(root / "_site/posts/q/index.html")
    assert page.css_first('meta[name="description"]').attributes["content"] == "About Q."
    assert [a.text() for a in page.css(".tags a, .meta .tag")] == ["optimization"]
    assert (root / "_site/posts/q/data.csv").exists() and not (root / "_site/posts/q/index.qmd").exists()
