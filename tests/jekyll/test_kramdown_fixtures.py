"""Fixture files for the kramdown plugins: title, Markdown, expected HTML (pytest-param-files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator.markdown.diagnostics import track_inline_lines
from generator.markdown.headings import headings_plugin
from generator.markdown.html import html_plugin
from generator.markdown.jekyll import (
    extensions_plugin,
    html_math_plugin,
    ial_plugin,
    mathjax_scripts_plugin,
    toc_plugin,
)
from generator.markdown.math import math_plugin
from generator.markdown.tables import tables_plugin

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def kramdown_parser() -> MarkdownIt:
    """The plugins in the order create_parser registers them, without the unrelated ones."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    track_inline_lines(md)
    md.use(math_plugin).use(tables_plugin).use(html_plugin).use(headings_plugin, anchors=False)
    md.use(ial_plugin).use(extensions_plugin).use(toc_plugin).use(mathjax_scripts_plugin).use(html_math_plugin)
    return md


@pytest.mark.param_file(FIXTURES / "kramdown.md")
def test_kramdown(file_params):
    file_params.assert_expected(kramdown_parser().render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "kramdown_math.md")
def test_kramdown_math(file_params):
    file_params.assert_expected(kramdown_parser().render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "jekyll_mathjax.md")
def test_jekyll_mathjax_scripts(file_params):
    file_params.assert_expected(kramdown_parser().render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "jekyll_html_math.md")
def test_math_inside_raw_html(file_params):
    file_params.assert_expected(kramdown_parser().render(file_params.content), rstrip=True)
