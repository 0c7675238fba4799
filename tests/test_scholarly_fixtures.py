"""Fixture files for the scholarly layer (Quarto's syntax), one per syntax: Markdown in, HTML out.

Each case renders with the full parser (``create_parser``) and the document
settings a post would give (``env``); the warnings it produced follow the HTML
as ``<!-- warning LINE: message -->`` lines, so the fixtures pin them too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.markdown import MarkdownOptions, create_parser

FIXTURES = Path(__file__).parent / "fixtures" / "scholarly"


@pytest.fixture(scope="module")
def md():
    return create_parser(MarkdownOptions(anchors=False, highlight=False, linkify=True))


def render(md, text: str, **env) -> str:
    env = {"path": "content/posts/x.md", "body_line": 0, "source_dir": str(FIXTURES),
           "site_root": str(FIXTURES), **env}
    html = md.render(text, env)
    notes = "".join(f"<!-- warning {line}: {message} -->\n" for line, message, _ in env.get("diagnostics", ()))
    return html + notes


@pytest.mark.param_file(FIXTURES / "attributes.md")
def test_attributes(file_params, md):
    file_params.assert_expected(render(md, file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "divs.md")
def test_divs(file_params, md):
    file_params.assert_expected(render(md, file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "callouts.md")
def test_callouts(file_params, md):
    file_params.assert_expected(render(md, file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "tabsets.md")
def test_tabsets(file_params, md):
    file_params.assert_expected(render(md, file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "xref.md")
def test_xref(file_params, md):
    file_params.assert_expected(render(md, file_params.content), rstrip=True)


@pytest.mark.param_file(FIXTURES / "xref_sections.md")
def test_xref_number_sections(file_params, md):
    file_params.assert_expected(render(md, file_params.content, meta={"number-sections": True}), rstrip=True)


@pytest.mark.param_file(FIXTURES / "margin.md")
def test_margin(file_params, md):
    file_params.assert_expected(render(md, file_params.content, meta={"reference-location": "margin"}),
                                rstrip=True)


@pytest.mark.param_file(FIXTURES / "shortcodes.md")
def test_shortcodes(file_params, md):
    env = {"meta": {"title": "A post"}, "site_vars": {"version": "1.2", "site": {"name": "gdblog"}}}
    file_params.assert_expected(render(md, file_params.content, **env), rstrip=True)


@pytest.mark.param_file(FIXTURES / "citations.md")
def test_citations(file_params, md):
    env = {"meta": {"bibliography": "refs.bib"}}
    file_params.assert_expected(render(md, file_params.content, **env), rstrip=True)
