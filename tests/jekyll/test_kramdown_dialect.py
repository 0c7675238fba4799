"""The kramdown dialect (``markdown: kramdown``): kramdown source in, the TeX that reaches MathJax out.

Each case of the fixture files is a post as written for a Jekyll blog; the
expected output is what MathJax receives on our page, one formula per element
(``\\(...\\)`` inline, ``\\[...\\]`` display, a bare environment), then the
warnings (``warning: line N`` counts from 1).  Every output was checked against
Jekyll's kramdown (GFM input) followed by MathJax 3's finder on its HTML; they
agree except for the deliberate differences, which keep the author's TeX
where kramdown damaged it (also listed in the README, "Moving from Jekyll"):

1. a ``\\\\`` row break in a formula with an environment or ``\\substack``:
   kramdown's escaping made it ``\\`` (a control space), or a ``<br>`` when it
   ended a line, and the rows ran together; here it stays ``\\\\``;
2. kramdown's typography is not applied inside math: a straight ``'`` prime
   stays ``'`` (kramdown made it ``’``), and ``...``, ``--``, ``<<`` stay;
3. emphasis never applies inside a formula (under kramdown ``$x^*$ and
   $y^*$`` became ``x^<em>$ and $y^</em>`` and MathJax found no formula);
4. ``\\begin{theorem}`` and other environments MathJax does not know stay
   text, with a warning (MathJax typeset them as one error box);
5. a paragraph whose every line holds a ``|`` (``The norm $|x|$ is positive.``
   alone) is a paragraph: kramdown made a table of it, splitting the formula.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from generator.config import PERMALINK_STYLES, _validate
from generator.errors import BuildError
from generator.markdown import MarkdownOptions, create_parser
from generator.markdown.math.findtex import WITH_DOLLARS, Delimiters, find_tex

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def mathjax_inputs(text: str, math_inline: tuple[str, ...]) -> str:
    """The formulas MathJax receives from ``text`` in the kramdown dialect, then the warnings."""
    env: dict = {}
    md = create_parser(MarkdownOptions(dialect="kramdown", math_inline=math_inline, anchors=False, highlight=False))
    html = md.render(text, env)
    lines = [node.text() for node in LexborHTMLParser(html).css(".math")]
    lines += [f"warning: line {line + 1}: {message}" for line, message, _ in env.get("diagnostics", [])]
    return "\n".join(lines)


@pytest.mark.param_file(FIXTURES / "kramdown_dialect_dollars.md")
def test_blog_whose_mathjax_read_dollars(file_params):
    file_params.assert_expected(mathjax_inputs(file_params.content, ("$", "\\(")), rstrip=True)


@pytest.mark.param_file(FIXTURES / "kramdown_dialect_no_dollars.md")
def test_blog_whose_mathjax_read_only_parentheses(file_params):
    file_params.assert_expected(mathjax_inputs(file_params.content, ("\\(",)), rstrip=True)


@pytest.mark.param_file(FIXTURES / "kramdown_dialect_html.md")
def test_text_around_the_math(file_params):
    md = create_parser(MarkdownOptions(dialect="kramdown", math_inline=("$", "\\("), anchors=False,
                                       highlight=False))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


# --------------------------------------------------------------------------
# MathJax's finder on its own

def finds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.math) for m in find_tex(text, WITH_DOLLARS)]


def test_finder_pairs_dollars_as_mathjax_does():
    assert finds("a $ x $ b") == [("math", " x ")]
    assert finds("$5 and $10") == [("math", "5 and ")]          # no rule against prices in MathJax
    assert finds("$$a$ and $b$") == [("math", " and ")]         # an unclosed $$ skips both dollars
    assert finds(r"$\$x$") == [("math", r"\$x")]                 # \$ inside math never closes it
    assert finds(r"${a $ b}$") == [("math", "{a $ b}")]          # nor does a $ inside braces


def test_finder_escapes_references_and_environments():
    assert finds(r"\$5 \\ \eqref{a}") == [("escape", "$"), ("escape", "\\"), ("ref", r"\eqref{a}")]
    assert finds(r"\begin{align} a \end{align}") == [("env", r"\begin{align} a \end{align}")]
    # MathJax counts no nesting: the first \end{aligned} closes
    assert finds(r"\begin{aligned}\begin{aligned}x\end{aligned}\end{aligned}") == [
        ("env", r"\begin{aligned}\begin{aligned}x\end{aligned}")]


def test_finder_without_dollars_and_unclosed_openers():
    unclosed: list = []
    assert [m.math for m in find_tex(r"$x$ \(y\) \(z", Delimiters(), unclosed=unclosed)] == ["y"]
    assert unclosed == [(10, "\\(")]


# --------------------------------------------------------------------------
# config.yml

def validate(raw: dict) -> dict:
    return _validate(raw, "config.yml", "\n".join(f"{k}: x" for k in raw))


def test_config_markdown_and_math_inline():
    assert validate({"markdown": "kramdown", "math_inline": ["$", "\\("]}) == {
        "markdown": "kramdown", "math_inline": ("$", "\\(")}
    # MathJax's own pairs are accepted as they appear in its configuration
    assert validate({"markdown": "kramdown", "math_inline": [["$", "$"], ["\\(", "\\)"]]})["math_inline"] == (
        "$", "\\(")


@pytest.mark.parametrize("raw, message, hint", [
    ({"markdown": "kramdwn"}, "markdown must be gdblog or kramdown, got 'kramdwn'", "did you mean 'kramdown'?"),
    ({"markdown": "kramdown", "math_inline": ["@"]}, "math_inline: '@' is not an inline delimiter gdblog reads",
     'use "$" and/or "\\(" (in YAML: "$" and "\\\\(")'),
    ({"math_inline": ["$"]}, "math_inline only applies with 'markdown: kramdown'",
     "add 'markdown: kramdown' (posts moved from Jekyll), or remove math_inline"),
    ({"permalink": "prety"}, "permalink must start with '/' or be date, pretty, ordinal or none, got 'prety'",
     "did you mean 'pretty'?"),
    ({"permalink": "/:yeer/:slug/"}, "permalink: unknown placeholder :yeer", "did you mean :year?"),
    ({"permalink": "weekdate"}, "the permalink style weekdate is not supported (it needs :week and :short_day)",
     "write a pattern, e.g. /:categories/:year/:month/:day/:title.html"),
])
def test_config_errors_name_the_line_and_a_fix(raw, message, hint):
    with pytest.raises(BuildError) as exc:
        validate(raw)
    error = exc.value.errors[0]
    assert (error.message, error.hint, error.line) == (message, hint, len(raw))


@pytest.mark.parametrize("style", sorted(PERMALINK_STYLES))
def test_config_accepts_jekylls_named_permalink_styles(style):
    assert validate({"permalink": style})["permalink"] == PERMALINK_STYLES[style]
    assert validate({"permalink": "/:year/:title:output_ext"})["permalink"] == "/:year/:title.html"
