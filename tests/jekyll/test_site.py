"""The Jekyll-style fixture site (tests/jekyll/site) built by gdblog, checked on parsed HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import BuildOptions, build
from generator.errors import BuildError
from generator.pipeline import NO_URL
from tests.helpers import html, math_texts, strip_delimiters, write_files
from tests.jekyll.sites import as_gdblog

#: The TeX of every formula on each page, in page order, as MathJax receives it.
EXPECTED_TEX = {
    "posts/descent-by-hand/index.html": [
        r"L(w) = \frac{1}{2} w^2", r"\eta", r"w_{t+1} = w_t - \eta \, \nabla L(w_t)",
        r" \eta \in (0, 1) ", r" x_i^* ", r" \sum_{i=1}^{n} x_i ", r"E = \tfrac{1}{2} \lVert g \rVert^2",
    ],
    "posts/chain-rule/index.html": [
        "h(x) = f(g(x))", r"h'(x) = f'(g(x)) \, g'(x)", r"\frac{dh}{dx} = \frac{df}{dg} \cdot \frac{dg}{dx}",
        "g(x) = x^2", r"f(u) = \sin u", "\\begin{aligned}\nh'(x) &= \\cos(x^2) \\cdot 2x\n\\end{aligned}",
    ],
    "neuralnets/index.html": [r"\sigma(w^\top x + b)", r"h = \sigma(W x + b)", r"\hat y = W_2 h"],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = as_gdblog(tmp_path_factory.mktemp("jekyll-site"))
    report = build(BuildOptions(source=root, jobs=1))
    return root / "_site", report


def test_urls_of_posts_and_pages(built):
    out, _ = built
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    for expected in ("posts/descent-by-hand/index.html", "posts/chain-rule/index.html",   # .md and .markdown
                     "neuralnets/index.html"):                                            # permalink on a page
        assert expected in pages
    assert not any("half-written" in p for p in pages)                                  # published: false
    assert {"tags/optimization/index.html", "tags/calculus/index.html",
            "tags/derivatives/index.html"} <= set(pages)                                 # list and string tags


def test_unpublished_posts_build_with_drafts(tmp_path):
    root = as_gdblog(tmp_path)
    build(BuildOptions(source=root, jobs=1, drafts=True))
    assert (root / "_site" / "posts" / "half-written" / "index.html").exists()


def test_dates_with_time_and_offset(built):
    out, _ = built
    times = {p: html(out / p).css_first("article time").attributes["datetime"]
             for p in ("posts/descent-by-hand/index.html", "posts/chain-rule/index.html")}
    assert times == {"posts/descent-by-hand/index.html": "2021-07-11T12:00:00+02:00",
                     "posts/chain-rule/index.html": "2018-08-12T00:00:00+00:00"}


def test_every_formula_reaches_mathjax_unchanged(built):
    out, _ = built
    for page, expected in EXPECTED_TEX.items():
        assert [strip_delimiters(t) for t in math_texts(html(out / page))] == expected, page


def test_index_summary_stops_at_more_or_uses_the_excerpt(built):
    out, _ = built
    summaries = {li.css_first("h2 a").text(): li.css_first(".summary")
                 for li in html(out / "index.html").css(".post-list > li")}
    descent = summaries["Descent by hand"]
    assert [p.text() for p in descent.css("p")] == [
        "We walk downhill on \\(L(w) = \\frac{1}{2} w^2\\) one small step at a time.",
        "The step size \\(\\eta\\) decides how far each step goes."]
    assert summaries["The chain rule, slowly"].text().strip() == "Composing functions and differentiating them."


def test_liquid_urls_and_variables(built):
    out, _ = built
    tree = html(out / "posts" / "descent-by-hand" / "index.html")
    assert [img.attributes["src"] for img in tree.css(".content img")] == ["/blog/assets/images/slope.png"] * 2
    links = {a.text(): a.attributes["href"] for a in tree.css(".content a")}
    assert links["the chain rule"] == "/blog/posts/chain-rule/"
    texts = [p.text() for p in tree.css(".content p")]
    assert 'This page is "Descent by hand" on Test.' in texts
    assert "Liquid stays literal here: {{ page.title }} and {% post_url nothing %}." in texts
    page = html(out / "neuralnets" / "index.html")
    assert page.css_first(".content a").attributes["href"] == "/blog/posts/descent-by-hand/"
    assert (out / "assets" / "images" / "slope.png").exists()


def test_highlight_renders_like_fenced_code_with_line_numbers(built):
    out, _ = built
    code = html(out / "posts" / "descent-by-hand" / "index.html").css(".content pre.highlight code")
    assert len(code) == 1 and code[0].attributes["class"] == "language-python"
    assert [n.text() for n in code[0].css(".linenos")] == ["1", "2", "3"]
    assert code[0].css_first(".c1").text() == "# the gradient of w**2 / 2 is w"


def test_kramdown_attribute_lists(built):
    out, _ = built
    tree = html(out / "posts" / "descent-by-hand" / "index.html")
    first, second = tree.css(".content img")
    assert first.parent.tag == "p" and first.parent.attributes == {"style": "width: 80%;", "class": "center"}
    assert (second.attributes["class"], second.attributes["width"]) == ("thumb", "40")
    chain = html(out / "posts" / "chain-rule" / "index.html")
    assert chain.css_first(".content div.math.display.equation") is not None


def test_kramdown_toc_header_ids_and_extensions(built):
    out, _ = built
    tree = html(out / "posts" / "chain-rule" / "index.html")
    toc = tree.css_first(".content ul#markdown-toc")
    assert [(a.attributes["href"], a.text()) for a in toc.css("a")] == [
        ("#composition-first", "Composition"), ("#why-it-holds", "Why it holds"),
        ("#a-small-example", "A small example")]
    assert toc.css_first("li > ul > li > a").attributes["href"] == "#a-small-example"   # nested by level
    ids = [h.attributes.get("id") for h in tree.css(".content h2, .content h3")]
    assert ids == ["composition-first", "why-it-holds", "a-small-example", "not-in-the-contents"]
    assert tree.css_first("nav.toc") is None          # the theme's contents box is not repeated
    content = tree.css_first(".content")
    assert "never shown" not in content.html and "{::" not in content.text()
    assert content.css_first("p.raw").text() == "kept *as is*"            # nomarkdown
    assert content.css_first("aside.aside p").text() == "Remember the inner derivative."


def test_mathjax_loaded_once_and_post_scripts_reported(built):
    out, report = built
    for page in EXPECTED_TEX:
        scripts = [s.attributes.get("src") or "" for s in html(out / page).css("script")]
        assert sum("mathjax" in s.lower() for s in scripts) == 1, page
        assert not any("polyfill" in s or "2.7.5" in s or "mathjax@3/" in s for s in scripts), page
        inline = [s.text() for s in html(out / page).css("script") if not s.attributes.get("src")]
        assert sum("window.MathJax" in s for s in inline) == 1, page
    dropped = sorted((w.path, w.line) for w in report.warnings if "dropped a MathJax" in w.message)
    assert dropped == [("content/posts/2018-08-12-chain-rule.markdown", n) for n in (9, 10, 13)] + [
        ("content/posts/2021-07-11-descent-by-hand.md", n) for n in (11, 14)]
    # besides those, only the note that config.yml sets no url (this copy of the blog has none)
    assert [w for w in report.warnings if "dropped a MathJax" not in w.message] == [NO_URL]


def _post(root: Path, name: str, body: str, **files) -> None:
    write_files(root, {"content/posts/" + name: "---\ntitle: T\n---\n" + body, **files})


def test_unknown_post_url_stops_the_build_naming_file_and_line(tmp_path):
    _post(tmp_path, "2020-01-01-a.md", "Intro.\n\nSee [b]({% post_url 2019-01-01-b %}).\n")
    with pytest.raises(BuildError) as info:
        build(BuildOptions(source=tmp_path, jobs=1))
    (error,) = info.value.errors
    assert (error.path, error.line) == ("content/posts/2020-01-01-a.md", 6)
    assert not (tmp_path / "_site").exists()


def test_missing_include_stops_the_build_with_a_hint(tmp_path):
    _post(tmp_path, "2020-01-01-a.md", "{% include figure.html %}\n")
    with pytest.raises(BuildError) as info:
        build(BuildOptions(source=tmp_path, jobs=1))
    (error,) = info.value.errors
    assert (error.path, error.line) == ("content/posts/2020-01-01-a.md", 4)
    assert "_includes/figure.html" in error.hint


def test_lines_after_liquid_blocks_still_point_into_the_file(tmp_path):
    body = ("{% highlight python %}\nx = 1\n\ny = 2\n{% endhighlight %}\n"
            "{% raw %}\n{{ a }}\n{% endraw %}\n{% comment %}\nnote\n{% endcomment %}\n"
            "{% include two.html %}\n{% unknown %}\nA formula $$x + y\n")
    _post(tmp_path, "2020-01-01-a.md", body, **{"_includes/two.html": "<p>one</p>\n<p>two</p>\n"})
    report = build(BuildOptions(source=tmp_path, jobs=1))
    found = {(w.line, re.sub(r":.*", "", w.message)) for w in report.warnings
             if w.path == "content/posts/2020-01-01-a.md"}
    # body from line 4: {% unknown %} is on file line 16, the formula on line 17
    assert (16, "Liquid tag {% unknown %} is not supported; it is left as text") in found
    assert (17, "unclosed $$") in found
    assert {line for line, _ in found} == {16, 17}


def test_an_edited_include_re_renders_the_posts_using_it(tmp_path):
    _post(tmp_path, "2020-01-01-a.md", "{% include note.html %}\n", **{"_includes/note.html": "<p>old</p>\n"})
    _post(tmp_path, "2020-01-02-b.md", "No include here.\n")
    build(BuildOptions(source=tmp_path, jobs=1))
    (tmp_path / "_includes" / "note.html").write_text("<p>new</p>\n")
    report = build(BuildOptions(source=tmp_path, jobs=1))
    page = html(tmp_path / "_site" / "posts" / "a" / "index.html")
    assert page.css_first(".content p").text() == "new"
    assert report.rendered < report.files     # the other post was reused, not rendered
