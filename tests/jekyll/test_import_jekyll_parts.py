"""The pieces of ``gdblog import jekyll``: the math set-up, _config.yml, Jekyll's URLs."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.config import PERMALINK_STYLES
from generator.importers.jekyll_config import translate_config
from generator.importers.jekyll_site import jekyll_page_url, jekyll_slugify
from generator.importers.jsliteral import OPAQUE, parse_object
from generator.importers.mathsetup import read_math_setup
from generator.importers.report import ImportReport


# --------------------------------------------------------------------------
# the math set-up of layouts and includes

def test_javascript_literals_as_javascript_reads_them():
    text = r"""{ a: 'x\\y', "b-c": [1, 2.5, true, null], d: f(1, {e: 2}), g() { return 1 }, h: "\m", }"""
    value, end = parse_object(text, 0)
    assert value == {"a": "x\\y", "b-c": [1, 2.5, True, None], "d": OPAQUE, "h": "m"}
    assert end == len(text)


def test_mathjax_3_configuration():
    setup = read_math_setup([("_layouts/default.html", """<script>
    window.MathJax = {
      tex: { inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
             macros: { RR: '\\\\mathbb{R}', ip: ['\\\\langle #1, #2 \\\\rangle', 2], bad: someVariable } },
      svg: { fontCache: 'global' }
    };
    </script>
    <script id="MathJax-script" async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>
    """)])
    assert setup.inline == ["$", "\\("]
    assert setup.macros == {"RR": "\\mathbb{R}", "ip": ["\\langle #1, #2 \\rangle", 2]}
    assert setup.sources == ["MathJax 3 configuration (_layouts/default.html:2)"]
    assert [(p.path, p.line, p.message) for p in setup.problems] == [
        ("_layouts/default.html", 2, "macro bad is not a literal definition")]


def test_mathjax_2_without_process_escapes_and_mathjax_default_delimiters():
    setup = read_math_setup([("_includes/head.html", """<script type="text/x-mathjax-config">
      MathJax.Hub.Config({ tex2jax: { inlineMath: [["$","$"]] } });
    </script>""")])
    assert (setup.inline, setup.escapes_off) == (["$"], True)
    plain = read_math_setup([("_includes/mathjax.html",
                              '<script src="https://cdn.example/MathJax.js?config=TeX-AMS_HTML"></script>')])
    assert (plain.inline, plain.loads_math) == (None, True)


def test_katex_auto_render():
    setup = read_math_setup([("_includes/katex.html", r"""<script>
      renderMathInElement(document.body, {
        delimiters: [{left: "$$", right: "$$", display: true}, {left: "$", right: "$", display: false}],
        macros: {"\\RR": "\\mathbb{R}", "\\pd": "\\frac{\\partial #1}{\\partial #2}"}
      });</script>""")])
    assert setup.inline == ["$"]
    assert setup.macros == {"RR": "\\mathbb{R}", "pd": ["\\frac{\\partial #1}{\\partial #2}", 2]}


def test_tex_definitions_in_hidden_blocks():
    setup = read_math_setup([("_includes/macros.html", r"""<div hidden>
\(\newcommand{\R}{\mathbb{R}} \newcommand\E{\mathbb{E}}
\renewcommand{\vec}[2][x]{(#1_1, \dots, #1_{#2})} \providecommand{\abs}[1]{\lvert#1\rvert}\)
$$\def\inner#1#2{\langle #1, #2 \rangle} \DeclareMathOperator*{\argmin}{arg\,min} \let\eps=\varepsilon$$
$$\def\dots#1.{no} \newenvironment{proof}{}{}$$
</div>
<!-- $$\newcommand{\old}{x}$$ -->
<script>var s = "\\newcommand{\\js}{y}";</script>
<script type="math/tex">\newcommand{\mt}{z}</script>""")])
    assert setup.macros == {
        "R": "\\mathbb{R}", "E": "\\mathbb{E}", "vec": ["(#1_1, \\dots, #1_{#2})", 2, "x"],
        "abs": ["\\lvert#1\\rvert", 1], "inner": ["\\langle #1, #2 \\rangle", 2],
        "argmin": "\\operatorname*{arg\\,min}", "eps": "\\varepsilon", "mt": "z"}
    assert [(p.line, p.message) for p in setup.problems] == [
        (5, "cannot read this \\def"), (5, "cannot read this \\newenvironment (environments cannot be macros)")]
    assert setup.sources == ["8 TeX definitions (_includes/macros.html:2)"]


def test_a_later_definition_wins_and_is_noted():
    setup = read_math_setup([
        ("_includes/head.html", "<script>MathJax = {tex: {macros: {R: '\\\\mathbf{R}'}}};</script>"),
        ("_includes/macros.html", "$$\\newcommand{\\R}{\\mathbb{R}}$$")])
    assert setup.macros == {"R": "\\mathbb{R}"}
    assert [str(n) for n in setup.notes] == [
        "_includes/macros.html:1: macro \\R is defined again (also at _includes/head.html:1); "
        "the later definition is kept, as on the page"]


# --------------------------------------------------------------------------
# _config.yml

def translate(text: str):
    import yaml

    report = ImportReport(source=None, dest=None)  # type: ignore[arg-type]
    settings = translate_config(yaml.safe_load(text) or {}, text, report)
    return settings, [(d.line, d.message) for d in report.not_carried], [(d.line, d.message) for d in report.notes]


def test_jekylls_default_permalink_is_the_date_style():
    settings, skipped, notes = translate("title: T\n")
    assert settings.config == {"title": "T", "permalink": PERMALINK_STYLES["date"], "page_permalink": "/:slug.html",
                               "markdown": "kramdown"}
    assert (skipped, notes) == ([], [(None, "permalink: date (Jekyll default) is written out as "
                                              "/:categories/:year/:month/:day/:title.html")])


@pytest.mark.parametrize("written, pattern, pages", [
    ("none", "/:categories/:title.html", "/:slug.html"),
    ("pretty", "/:categories/:year/:month/:day/:title/", "/:slug/"),
    ("ordinal", "/:categories/:year/:y_day/:title.html", "/:slug.html"),
    ("/:year/:title:output_ext", "/:year/:title.html", "/:slug.html"),
    ("/notes/:slug/", "/notes/:slug/", "/:slug/"),
])
def test_permalink_styles_and_patterns(written, pattern, pages):
    settings, skipped, _ = translate(f"permalink: {written}\n")
    assert (settings.config["permalink"], settings.config["page_permalink"], skipped) == (pattern, pages, [])


def test_what_the_config_cannot_carry_is_reported_with_its_line():
    settings, skipped, notes = translate(
        "url: https://user.github.io/repo\npermalink: /:year/W:week/:title/\nmarkdown: kramdown\n"
        "kramdown:\n  input: kramdown\n  parse_block_html: true\nplugins: [jekyll-sitemap, jekyll-katex]\n"
        "remote_theme: pages-themes/minimal\ndefaults:\n  - scope: {type: posts}\n"
        "    values: {layout: post, mathjax: true, toc: true}\ngoogle_analytics: UA-1\n")
    assert (settings.config["url"], settings.config["base_url"], settings.config["heading_ids"]) == (
        "https://user.github.io", "/repo/", "kramdown")
    assert settings.config["permalink"] == PERMALINK_STYLES["date"]
    assert sorted(skipped) == [
        (2, "permalink '/:year/W:week/:title/' uses :week, which gdblog does not have; posts use the date style"),
        (4, "kramdown option parse_block_html: true (Markdown inside HTML blocks stays raw here)"),
        (7, "plugin jekyll-katex: gdblog runs no Jekyll plugins"),
        (8, "remote_theme pages-themes/minimal: gdblog's theme replaces it"),
        (9, "front matter defaults (toc: True) for type 'posts'"),
        (12, "site variable 'google_analytics': only the theme's layouts read it"),
    ]
    assert (7, "plugin jekyll-sitemap: not needed (gdblog writes sitemap.xml)") in notes


def test_another_markdown_engine_keeps_gdblogs_rules():
    settings, skipped, _ = translate("markdown: CommonMarkGhPages\n")
    assert "markdown" not in settings.config and not settings.kramdown
    assert skipped == [(1, "markdown: CommonMarkGhPages: posts are read with gdblog's own Markdown rules")]


# --------------------------------------------------------------------------
# Jekyll's URLs

@pytest.mark.parametrize("rel, style, url", [
    ("about.md", "date", "/about.html"),
    ("about.md", "pretty", "/about/"),
    ("docs/intro.html", "/:year/:title/", "/docs/intro/"),
    ("docs/index.md", "date", "/docs/"),
    ("index.html", "pretty", "/"),
])
def test_page_urls_as_jekyll_makes_them(rel, style, url):
    assert jekyll_page_url(rel, style) == url


def test_jekyll_slugify():
    assert jekyll_slugify("Gradient_Descent v1.2!") == "gradient-descent-v1-2"
    assert jekyll_slugify("Gradient_Descent v1.2!", "pretty", cased=True) == "Gradient-Descent-v1.2!"


def test_ordinal_permalinks_give_the_day_of_the_year(tmp_path):
    from generator import BuildOptions, build
    from tests.helpers import write_files

    write_files(tmp_path, {"config.yml": "permalink: ordinal\n",
                           "content/posts/2021-02-03-x.md": "---\ntitle: X\n---\nHello.\n"})
    build(BuildOptions(source=tmp_path, jobs=1))
    day = dt.date(2021, 2, 3).timetuple().tm_yday
    assert (tmp_path / "_site" / f"2021/{day:03d}/x.html").is_file()
