"""The Jekyll-style posts in Chromium: the TeX MathJax receives, MathJax loaded once, no errors."""

from __future__ import annotations

import pytest

from tests.jekyll.sites import as_gdblog
from tests.jekyll.test_site import EXPECTED_TEX

# The browser harness belongs to the browser tests (tests/browser/harness.py).
from tests.browser import harness  # noqa: E402
MathInput = harness.MathInput
page_problems = harness.page_problems
serve = harness.serve
tex_inputs = harness.tex_inputs
visit = harness.visit


#: Which formulas are display math on each page (the rest are inline).
DISPLAY = {
    "posts/descent-by-hand/": {2, 5, 6},
    "posts/chain-rule/": {2, 5},
    "neuralnets/": {2},                 # $$...$$ inside raw HTML: display, as MathJax reads it
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from generator import BuildOptions, build

    root = as_gdblog(tmp_path_factory.mktemp("jekyll-browser"))
    build(BuildOptions(source=root, jobs=1))
    return root / "_site"


def test_mathjax_receives_every_formula_once_without_errors(site, jekyll_browser_context):
    with serve(site, "/blog/") as root:
        for url, display in DISPLAY.items():
            with visit(jekyll_browser_context, root + url) as v:
                tex = EXPECTED_TEX[url + "index.html"]
                assert tex_inputs(v.page) == [MathInput(t, i in display) for i, t in enumerate(tex)], url
                assert page_problems(v, (site / url / "index.html").read_text(encoding="utf-8")) == [], url
                loaded = v.page.evaluate("""() => ({
                    version: MathJax.version,
                    loaders: performance.getEntriesByType("resource")
                      .map(r => r.name).filter(n => /mathjax/i.test(n) && /\\.js$/.test(n)
                        && /(tex-|MathJax\\.js)/.test(n)),
                })""")
                assert loaded["version"].startswith("3.") and len(loaded["loaders"]) == 1, (url, loaded)
