"""The two real users' posts in ../shared/seeds must build unchanged, with every formula found."""

from __future__ import annotations

import re
import shutil

import pytest

from generator import BuildOptions, build
from tests.helpers import html, math_texts, shared, strip_delimiters

SHOWCASE_MATH = [
    ("inline", r"f(x) = \int_{-\infty}^\infty \hat f(\xi)\,e^{2 \pi i \xi x} \,d\xi"),
    ("display", r"f(x) = \int_{-\infty}^\infty \hat f(\xi)\,e^{2 \pi i \xi x} \,d\xi"),
    ("display", "\\begin{aligned}\n  & \\phi(x,y) = \\phi \\left(\\sum_{i=1}^n x_ie_i, \\sum_{j=1}^n y_je_j \\right)\n"
                "  = \\sum_{i=1}^n \\sum_{j=1}^n x_i y_j \\phi(e_i, e_j) = \\\\\n"
                "  & (x_1, \\ldots, x_n) \\left( \\begin{array}{ccc}\n"
                "      \\phi(e_1, e_1) & \\cdots & \\phi(e_1, e_n) \\\\\n"
                "      \\vdots & \\ddots & \\vdots \\\\\n"
                "      \\phi(e_n, e_1) & \\cdots & \\phi(e_n, e_n)\n"
                "    \\end{array} \\right)\n"
                "  \\left( \\begin{array}{c}\n      y_1 \\\\\n      \\vdots \\\\\n      y_n\n"
                "    \\end{array} \\right)\n\\end{aligned}"),
    ("display", " a * b = c ^ b "),
    ("inline", r"J(θ) = \log p_{model}(y | x)"),
    ("inline", r"p_{model}(y | x) = N(y; f(x; θ), I)"),
    ("inline", r"J(θ) = 1"),
    ("inline", r"b^{(1)}"),
    ("inline", r"\mathbf{W}^{(1)}"),
    ("inline", r"d_h \times 1"),
    ("inline", r"h^a"),
    ("inline", r"h^a=W^{(1)} x+b^{(1)}"),
    ("inline", r"h_j^a"),
    ("inline", r"h_j^a=\sum_{i=1}^{d}W_{j, i}^{(1)} x_i +b_j^{(1)} \text{ Where } j \in \{1,2,3,\cdots,d_h\}"),
    ("inline", r"h^s"),
    ("inline", r"h^s=softplus(h^a)"),
    ("inline", r"h_j^s"),
    ("inline", "\\begin{aligned}\n&h_j^s=\\ln (1+exp({h_j^a}))=\\\\\n"
               "&\\ln (1+\\exp(\\sum_{i=1}^{d}W_{j, i}^{(1)} x_i +b_j^{(1)} ))\\text{ Where } j \\in \\{1,2,3,\\cdots,d_h\\}\n"
               "\\end{aligned}\n"),
    ("inline", r"W^{(2)}"),
    ("inline", r"b^{(2)}"),
    ("inline", r"m \times d_h"),
    ("inline", r"m \times 1"),
    ("inline", r"o^a"),
    ("inline", "\no^a=W^{(2)} h^s+b^{(2)}"),
    ("inline", r"o^a"),
    ("inline", r"m \times 1"),
    ("inline", r"o_k^a"),
    ("inline", r"\int_{\sin(x^2)}^{\cos(x)}F(G(x+2))"),
]


@pytest.fixture
def seeded(tmp_path):
    posts = tmp_path / "content" / "posts"
    posts.mkdir(parents=True)
    shutil.copy(shared("seeds", "showcase.md"), posts / "showcase.md")
    shutil.copy(shared("seeds", "jekyll_post.md"), posts / "2023-05-01-jekyll-post.md")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "Chapter00.html").write_text("<p>chapter</p>")
    return tmp_path


def _kinds(tree):
    return [("display" if "display" in n.attributes["class"] else "inline") for n in tree.css(".content .math")]


def test_showcase_math_is_found_exactly(seeded):
    build(BuildOptions(source=seeded, jobs=1))
    tree = html(seeded / "_site" / "posts" / "showcase" / "index.html")
    texts = [strip_delimiters(t) for t in math_texts(tree)]
    assert list(zip(_kinds(tree), texts)) == SHOWCASE_MATH
    # inline math is never inside a block element
    for node in tree.css(".content span.math"):
        assert node.css_first("div") is None


def test_showcase_code_is_not_math_and_not_run(seeded):
    build(BuildOptions(source=seeded, jobs=1))
    tree = html(seeded / "_site" / "posts" / "showcase" / "index.html")
    code = [n.text() for n in tree.css(".content pre code")]
    assert any("import youtube_dl" in c for c in code)
    assert any('"outtmpl" : path+"$(id)s.$(ext)s"' in c for c in code)
    for block in tree.css(".content pre"):
        assert block.css_first(".math") is None


def test_showcase_chess_board_is_an_8x8_table_without_header(seeded):
    build(BuildOptions(source=seeded, jobs=1))
    tree = html(seeded / "_site" / "posts" / "showcase" / "index.html")
    tables = tree.css(".content table")
    assert len(tables) == 1
    assert tables[0].css_first("thead") is None
    rows = [[td.text() for td in tr.css("td")] for tr in tables[0].css("tr")]
    assert len(rows) == 8 and all(len(r) == 8 for r in rows)
    assert rows[0] == ["♜", "", "♝", "♛", "♚", "♝", "♞", "♜"]
    assert rows[7] == ["♖", "♘", "♗", "♕", "♔", "", "", "♖"]


def test_showcase_iframes_are_closed_and_point_at_the_site(seeded):
    build(BuildOptions(source=seeded, jobs=1, base_url="/blog/"))
    tree = html(seeded / "_site" / "posts" / "showcase" / "index.html")
    frames = tree.css(".content iframe")
    assert [f.attributes["src"] for f in frames] == [
        "https://www.server.com/assets/Chapter00.html", "/blog/assets/Chapter00.html", "/blog/assets/Chapter00.html"]
    # an iframe's children are raw text in HTML; closed frames swallow nothing: all math is still there
    assert all(not f.text().strip() for f in frames)
    assert len(math_texts(tree)) == len(SHOWCASE_MATH)
    assert (seeded / "_site" / "assets" / "Chapter00.html").exists()


def test_jekyll_post(seeded):
    report = build(BuildOptions(source=seeded, jobs=1, base_url="/blog/"))
    tree = html(seeded / "_site" / "posts" / "jekyll-post" / "index.html")
    assert tree.css_first("h1").text() == "I learn one complex ML topic every day"
    scripts = [s.attributes.get("src") or "" for s in tree.css("script")]
    assert not any("2.7.3" in s for s in scripts)
    assert sum("mathjax@3" in s for s in scripts) == 1
    images = [img.attributes["src"] for img in tree.css(".content img")]
    assert images == ["/blog/_posts/1%20Two%20functions2.jpg", "/blog/_posts/2%20gradient%20descent.jpg"]
    texts = [strip_delimiters(t) for t in math_texts(tree)]
    assert len(texts) == 25
    assert texts[:3] == ["f(x)", "y", "y_{diff}"]
    assert r"\frac{\partial f}{\partial x} = 2xsin(y)" in texts
    assert r"\begin{bmatrix} x^2\cos(y) \\ 2x\sin(y) \end{bmatrix}" in texts
    assert texts[-1] == r"\nabla f = \frac{\partial f}{\partial x} = \begin{bmatrix} x^2\cos(y) \\ 2x\sin(y) \end{bmatrix}"
    # prose with f(x)_{predicted} is not math
    assert not any("predicted" in t for t in texts)
    warnings = [str(w) for w in report.warnings]
    assert any(re.match(r"content/posts/2023-05-01-jekyll-post\.md:8: dropped a MathJax <script>", w) for w in warnings)


def test_seeds_sources_are_untouched(seeded):
    before = {p: p.read_bytes() for p in (seeded / "content").rglob("*.md")}
    build(BuildOptions(source=seeded, jobs=1))
    assert {p: p.read_bytes() for p in (seeded / "content").rglob("*.md")} == before
