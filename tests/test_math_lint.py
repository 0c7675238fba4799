"""Math lint: located warnings for unclosed delimiters, '|' in table math, unbalanced environments."""

from __future__ import annotations

from generator.markdown import create_parser
from generator.markdown.math.index import find_inline_math, find_single_dollar_close, is_escaped


def diagnostics(text: str) -> list[tuple[int, str]]:
    env: dict = {}
    create_parser().render(text, env)
    return [(line, message) for line, message, _ in env.get("diagnostics", [])]


def test_unclosed_single_dollar_warns_with_its_line():
    found = diagnostics("intro\n\nfirst line\nthen $\\alpha + 1 never closed\n")
    assert found == [(3, "unclosed $: no closing $ in this paragraph")]


def test_prose_dollars_do_not_warn():
    assert diagnostics("It costs $5 and $10.\n\nAlso US$ 3 and $4.50.\n") == []


def test_unclosed_double_dollar_warns():
    found = diagnostics("a\n\n$$\nx = 1\n\nmore\n")
    assert found == [(2, "unclosed $$: no matching $$ in this paragraph")]


def test_pipe_in_table_math_warns_per_row():
    text = "| a | b |\n|---|---|\n| $|x|$ | 1 |\n| 2 | 3 |\n| $\\|w\\|$ | 4 |\n"
    found = diagnostics(text)
    assert found == [(2, "'|' inside math in a table row"), (4, "'|' inside math in a table row")]


def test_begin_without_end_warns():
    assert diagnostics("x\n\n$\\begin{aligned} a &= b$\n") == [(2, "math has 1 \\begin but 0 \\end")]
    found = diagnostics("text \\begin{aligned} a &= b and more\n")
    assert found == [(0, "\\begin{aligned} without \\end{aligned}")]


def test_balanced_environments_do_not_warn():
    assert diagnostics("$$\n\\begin{aligned} a \\\\ b \\end{aligned}\n$$\n") == []


def test_escape_counting():
    assert is_escaped("\\$", 1)
    assert not is_escaped("\\\\$", 2)
    assert is_escaped("\\\\\\$", 3)


def test_first_unescaped_dollar_decides_the_close():
    assert find_single_dollar_close("$x$ y", 1, 5) == 2
    assert find_single_dollar_close("$x \\$ y$", 1, 8) == 7
    assert find_single_dollar_close("$5 and $x$", 1, 10) == -1


def test_find_inline_math_in_a_table_row_skips_code():
    row = "| `$a|b$` | $|x|$ | \\$ |"
    spans = [row[a:b] for a, b in find_inline_math(row)]
    assert spans == ["$|x|$"]
