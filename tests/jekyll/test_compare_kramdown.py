"""A Jekyll math blog whose MathJax reads ``$...$``, built by Jekyll and by import + gdblog.

tests/jekyll/compare_site is such a blog: its layout loads MathJax 3 with
``$`` and ``\\(`` inline, ``processEscapes`` and two macros, and its posts
exercise kramdown's escapes, element boundaries, environments, references,
raw HTML and tables (see tests/fixtures/kramdown_dialect_*.md for the rules).
Debian's Jekyll builds it as it is; ``import_jekyll`` and a gdblog build make
the other site.  Both are opened in Chromium and the TeX of every formula in
``MathJax.startup.document.math`` is compared, formula by formula (the escape
items MathJax makes of ``\\$`` on the Jekyll page are text, not formulas).

The deliberate differences, all on the "differences" post (README, "Moving
from Jekyll"): where kramdown damaged the TeX, MathJax gets the author's TeX
here: a ``\\\\`` row break in an environment (kramdown made it ``\\`` or a
line break), a straight prime and ``...``/``--`` (kramdown's typography),
formulas that kramdown's emphasis split (``$x^*$ and $y^*$``), an unknown
environment (``theorem``) that MathJax typeset as one formula is text with its
formulas found inside, and a one-line paragraph with a ``|`` in its math is
a paragraph (kramdown made a table of it and split the formula into cells).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import BuildOptions, build
from generator.importers import import_jekyll
from tests.browser import harness
from tests.jekyll.sites import jekyll_build, jekyll_command

SITE = Path(__file__).resolve().parent / "compare_site"
POSTS = ["2024/01/01/escapes/", "2024/01/02/boundaries/", "2024/01/03/environments/", "2024/01/04/differences/"]

#: What MathJax found on the "differences" post: Jekyll's page, then ours.
JEKYLL_DIFFERENCES = [
    (r"\begin{pmatrix} a & b \ c & d \end{pmatrix}", False),
    ("\\begin{cases} 1 & x > 0 \n\n0 & \\text{else} \\end{cases}", False),
    ("f’(x)", False), ("1, …, n", False), ("a – b", False),
    (" and ", False),                                                       # $x^<em>$ and $y^</em>$
    (r"\begin{theorem} Every $v$ is fine. \end{theorem}", True),
    # "The norm $|x|$ is positive.": one line with a | is a kramdown table: "$", "x", "$ is..." in cells
]
OUR_DIFFERENCES = [
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", False),
    ("\\begin{cases} 1 & x > 0 \\\\\n0 & \\text{else} \\end{cases}", False),
    ("f'(x)", False), ("1, ..., n", False), ("a -- b", False),
    ("x^*", False), ("y^*", False),
    ("v", False),
    ("|x|", False),
]

#: Formulas on each post (here): every case of the posts reached MathJax.
COUNTS = [25, 11, 10, 9]

_FORMULAS = """() => Array.from(MathJax.startup.document.math)
    .filter(item => item.display !== null && item.display !== undefined)
    .map(item => [item.math, item.display])"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    command = jekyll_command()
    root = tmp_path_factory.mktemp("compare")
    source = root / "jekyll-src"
    shutil.copytree(SITE, source)
    theirs = jekyll_build(command, source, root / "jekyll-out")
    report = import_jekyll(SITE, root / "gdblog")
    build(BuildOptions(source=root / "gdblog", jobs=1))
    return theirs, root / "gdblog" / "_site", report


def formulas(context, url: str) -> list[tuple[str, bool]]:
    with harness.visit(context, url) as v:
        assert v.render_error is None and not v.console_errors, (url, v.render_error, v.console_errors)
        return [(tex, bool(display)) for tex, display in v.page.evaluate(_FORMULAS)]


def test_the_import_read_the_blogs_mathjax_set_up(sites):
    _, _, report = sites
    assert report.config["math_inline"] == ["$", "\\("]
    assert report.config["math_macros"] == {"RR": "\\mathbb{R}", "norm": ["\\left\\lVert #1 \\right\\rVert", 1]}


def test_mathjax_receives_the_same_tex_on_both_sites(sites, jekyll_browser_context):
    theirs, ours, _ = sites
    compared = {}
    with harness.serve(theirs, "/blog/") as their_root, harness.serve(ours, "/blog/") as our_root:
        for url in POSTS:
            jekyll = formulas(jekyll_browser_context, their_root + url)
            mine = formulas(jekyll_browser_context, our_root + url)
            if url.endswith("differences/"):
                assert (jekyll, mine) == (JEKYLL_DIFFERENCES, OUR_DIFFERENCES)
            else:
                assert mine == jekyll, url
            compared[url] = len(mine)
    assert compared == dict(zip(POSTS, COUNTS))
