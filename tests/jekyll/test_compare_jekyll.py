"""The same posts built by Jekyll and by gdblog: MathJax must receive the same TeX on both sites.

Jekyll (Debian's package, with kramdown) turns ``$$...$$`` and the escaped
``\\\\(...\\\\)`` forms into ``\\(...\\)`` / ``\\[...\\]`` in the text of the
page, so its layout here loads MathJax 3 with those delimiters plus ``$``
and ``$$`` (what Jekyll math blogs configure), after the post so that a
post's own configuration cannot win.  Both sites are opened in Chromium and
``MathJax.startup.document.math`` is read on each page.

Deliberate difference: a ``$$...$$`` alone on a line directly under a line of
text is display math here and inline math in kramdown (it continues the
paragraph there).  The TeX is the same; only that formula's display flag differs.
"""

from __future__ import annotations

import pytest

from generator import BuildOptions, build
from generator.config import MATHJAX_URL
from tests.jekyll.sites import as_gdblog, as_jekyll, jekyll_command

# The browser harness belongs to the browser tests (tests/browser/harness.py).
from tests.browser import harness  # noqa: E402
serve = harness.serve
tex_inputs = harness.tex_inputs
visit = harness.visit


MATHJAX_FOR_JEKYLL = f"""<script>
window.MathJax = {{ tex: {{ inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]],
                            displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]], processEscapes: true }} }};
</script>
<script src="{MATHJAX_URL}"></script>"""

#: gdblog URL -> Jekyll URL (Jekyll's default permalink /:categories/:year/:month/:day/:title.html)
PAGES = {
    "posts/descent-by-hand/": "notes/2021/07/11/descent-by-hand.html",
    "posts/chain-rule/": "notes/2018/08/12/chain-rule.html",
    "neuralnets/": "neuralnets/",
}

#: TeX of the formulas that are display math here but inline under kramdown (see the docstring).
DISPLAY_HERE_INLINE_IN_KRAMDOWN = {r"E = \tfrac{1}{2} \lVert g \rVert^2"}


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    jekyll_command()
    ours = as_gdblog(tmp_path_factory.mktemp("ours"))
    build(BuildOptions(source=ours, jobs=1))
    theirs = as_jekyll(tmp_path_factory.mktemp("jekyll"), MATHJAX_FOR_JEKYLL)
    return ours / "_site", theirs


def test_jekyll_writes_the_pages_we_expect(sites):
    _, theirs = sites
    for url in PAGES.values():
        assert (theirs / (url + "index.html" if url.endswith("/") else url)).is_file(), url
    assert not list(theirs.rglob("*half-written*"))


def test_mathjax_receives_the_same_tex_from_both_sites(sites, jekyll_browser_context):
    ours, theirs = sites
    compared = 0
    with serve(ours, "/blog/") as our_root, serve(theirs, "/blog/") as their_root:
        for our_url, their_url in PAGES.items():
            with visit(jekyll_browser_context, our_root + our_url) as v:
                mine = tex_inputs(v.page)
            with visit(jekyll_browser_context, their_root + their_url) as v:
                jekylls = tex_inputs(v.page)
            assert [m.tex for m in mine] == [j.tex for j in jekylls], our_url
            differ = {m.tex for m, j in zip(mine, jekylls) if m.display != j.display}
            assert differ <= DISPLAY_HERE_INLINE_IN_KRAMDOWN, our_url
            for m, j in zip(mine, jekylls):
                if m.tex in DISPLAY_HERE_INLINE_IN_KRAMDOWN:
                    assert (m.display, j.display) == (True, False)
            compared += len(mine)
    assert compared == 16


def test_jekylls_permalinks_can_be_kept(tmp_path, sites):
    """With Jekyll's permalink pattern in config.yml, every post keeps its old URL."""
    _, theirs = sites
    root = as_gdblog(tmp_path)
    with open(root / "config.yml", "a", encoding="utf-8") as config:
        config.write("permalink: /:categories/:year/:month/:day/:title.html\n")
    build(BuildOptions(source=root, jobs=1))
    for url in PAGES.values():
        path = url + "index.html" if url.endswith("/") else url
        assert (root / "_site" / path).is_file() and (theirs / path).is_file(), path
