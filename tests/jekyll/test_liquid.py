"""The Liquid subset on its own: what is substituted, what is left alone, what is reported."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from generator.errors import BuildError
from generator.markdown.jekyll import LiquidContext, render_liquid
from generator.markdown.jekyll.liquid import read_include

URLS = {"2018-08-12-chain-rule": "/posts/chain-rule/", "chain-rule": "/posts/chain-rule/",
        "file:about.md": "/about/", "file:pages/about.md": "/about/"}


def context(**extra) -> LiquidContext:
    return LiquidContext(site={"baseurl": "/blog", "url": "https://example.org", "title": "Slopes"},
                         page={"title": "Descent", "date": "2021-07-11T12:00:00+02:00", "tags": ["a", "b"]},
                         base_path="/blog/", absolute_base="https://example.org/blog", post_url=URLS.get,
                         includes={"note.html": '<p class="note">{{ include.text }}</p>\n',
                                   "steps.md": "1. *first*\n2. second\n",
                                   "loop.html": "{% include loop.html %}"},
                         **extra)


def render(text: str, ctx: LiquidContext | None = None) -> str:
    return render_liquid(text, ctx or context(), path="content/posts/x.md", line_offset=10)


@pytest.mark.parametrize(("source", "expected"), [
    ("{{ site.baseurl }}/a.png", "/blog/a.png"),
    ("{{site.url}} {{ site.title }} {{ page.title }}", "https://example.org Slopes Descent"),
    ("{{ '/assets/x.png' | relative_url }}", "/blog/assets/x.png"),
    ("{{ page.title | slugify }}", "descent"),
    ("{{ 'Gradient Descent, Part 2!' | slugify }}", "gradient-descent-part-2"),
    ('{{ "/assets/x.png" | absolute_url }}', "https://example.org/blog/assets/x.png"),
    ("{{ 'https://other.org/x' | relative_url }}", "https://other.org/x"),
    ("{{ page.title | upcase | append: '!' }}", "DESCENT!"),
    ('{{ page.date | date: "%Y-%m" }}', "2021-07"),
    ("{{ page.tags | join: ', ' }}", "a, b"),
    ("{{ page.missing | default: 'none' }}", "none"),
    ("[old]({% post_url 2018-08-12-chain-rule %})", "[old](/posts/chain-rule/)"),
    ("{% link _posts/2018-08-12-chain-rule.md %} {% link about.md %}", "/posts/chain-rule/ /about/"),
    ("{%- post_url chain-rule -%}", "/posts/chain-rule/"),
    ("{% post_url /2018-08-12-chain-rule %}", "/posts/chain-rule/"),       # Jekyll's form for subfolders
])
def test_substitutions(source, expected):
    assert render(source) == expected


@pytest.mark.parametrize("tex", [
    "$x^{{2}}$", "$$e^{{i\\pi}} + 1 = 0$$", "$\\left\\{% a comment in TeX\n\\right.$",
    "{{ content }}", "{{2}}", "$\\{{ a }}\\}$",
])
def test_tex_and_unknown_outputs_stay_untouched(tex):
    ctx = context()
    assert render(tex, ctx) == tex
    assert ctx.diagnostics == []


def test_raw_keeps_liquid_literal_and_lines():
    source = "{% raw %}{{ site.title }}\n{% post_url nowhere %}{% endraw %}\n{{ site.title }}"
    assert render(source) == "{{ site.title }}\n{% post_url nowhere %}\nSlopes"


def test_comment_block_is_removed_but_its_lines_stay():
    out = render("a\n{% comment %}\nhidden\n{% endcomment %}\nb")
    assert out.split("\n") == ["a", "", "", "", "b"]


def test_unknown_post_url_is_an_error_with_file_and_line():
    with pytest.raises(BuildError) as info:
        render("text\n\nsee {% post_url 2018-08-12-chain-rul %}")
    (error,) = info.value.errors
    assert (error.path, error.line) == ("content/posts/x.md", 12)
    assert "2018-08-12-chain-rul" in error.message
    assert "2018-08-12-chain-rule" in error.hint


def test_unknown_link_target_is_an_error():
    with pytest.raises(BuildError) as info:
        render("{% link missing.md %}")
    assert info.value.errors[0].line == 10


def test_unknown_tags_warn_once_and_stay_as_text():
    ctx = context()
    source = "x\n{% if page.comments %}shown{% else %}hidden{% endif %}\n{% seo %}"
    assert render(source, ctx) == source
    assert [(d.line, d.message.split(" is ")[0]) for d in ctx.diagnostics] == [
        (11, "Liquid tag {% if %}"), (12, "Liquid tag {% seo %}")]


def test_unknown_variable_and_filter_are_reported():
    ctx = context()
    assert render("a {{ page.nothing }} {{ 'x' | shout }}", ctx) == "a  x"
    assert ["has no value" in d.message or "filter 'shout'" in d.message for d in ctx.diagnostics] == [True, True]


def test_highlight_keeps_every_line():
    source = ("before\n{% highlight python linenos %}\ndef f(x):\n\n    return x ** 2\n"
              "{% endhighlight %}\nafter {{ site.title }}")
    out = render(source)
    assert out.count("\n") == source.count("\n")
    assert out.split("\n")[-1] == "after Slopes"
    pre = LexborHTMLParser(out).css_first("pre.highlight code.language-python")
    assert [n.text() for n in pre.css("span.linenos")] == ["1", "2", "3"]
    assert "return x ** 2" in pre.text()
    assert pre.css_first("span.k").text() == "def"        # Pygments classes, as fenced code


def test_highlight_of_an_unknown_language_is_escaped_text():
    out = render("{% highlight nosuchlang %}\n<b>&</b>\n{% endhighlight %}")
    code = LexborHTMLParser(out).css_first("pre code")
    assert code.text() == "<b>&</b>" and code.css_first("b") is None


def test_include_becomes_a_one_line_placeholder():
    out = render('a\n{% include note.html text="Mind the step." %}\nb')
    lines = out.split("\n")
    assert len(lines) == 3
    assert read_include(lines[1]) == ("note.html", '<p class="note">Mind the step.</p>\n')


def test_missing_include_is_an_error_with_a_hint():
    with pytest.raises(BuildError) as info:
        render("\n{% include figure.html src='a.png' %}")
    (error,) = info.value.errors
    assert error.line == 11 and "figure.html" in error.message and "_includes/figure.html" in error.hint


def test_missing_mathjax_include_is_dropped_with_a_warning():
    ctx = context()
    assert render("{% include mathjax.html %}", ctx) == ""
    assert "loads MathJax itself" in ctx.diagnostics[0].message


def test_include_loop_is_an_error():
    with pytest.raises(BuildError, match="nested more than 8 deep"):
        render("{% include loop.html %}")
