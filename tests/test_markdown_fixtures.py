"""Fixture-file tests for each Markdown plugin: a title, the Markdown, the expected HTML."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator.markdown.diagnostics import track_inline_lines
from generator.markdown.headings import headings_plugin
from generator.markdown.html import html_plugin
from generator.markdown.links import links_plugin
from generator.markdown.math import math_plugin
from generator.markdown.tables import tables_plugin

FIXTURES = Path(__file__).parent / "fixtures"


def parser(*plugins) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    track_inline_lines(md)
    for plugin, options in plugins:
        md.use(plugin, **options)
    return md


@pytest.mark.param_file(FIXTURES / "math.md")
def test_math(file_params):
    md = parser((math_plugin, {}))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "tables.md")
def test_tables(file_params):
    md = parser((math_plugin, {}), (tables_plugin, {}))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "html.md")
def test_html(file_params):
    md = parser((links_plugin, {"base_path": "/blog/"}), (html_plugin, {"base_path": "/blog/"}))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "links.md")
def test_links(file_params):
    md = parser((links_plugin, {"base_path": "/blog/"}))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "headings.md")
def test_headings(file_params):
    md = parser((math_plugin, {}), (headings_plugin, {}))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)


def test_kramdown_heading_ids_on_request():
    from generator.markdown.headings import kramdown_id

    md = parser((headings_plugin, {"slug": kramdown_id, "anchors": False}))
    assert md.render("## 1. The Gradient, Explained!\n## Straße\n## 12\n") == (
        '<h2 id="the-gradient-explained">1. The Gradient, Explained!</h2>\n'
        '<h2 id="strae">Straße</h2>\n<h2 id="section">12</h2>\n')


@pytest.mark.param_file(FIXTURES / "gfm.md")
def test_gfm_with_the_full_parser(file_params):
    from generator.markdown import MarkdownOptions, create_parser

    md = create_parser(MarkdownOptions(anchors=False))
    file_params.assert_expected(md.render(file_params.content), rstrip=True)
