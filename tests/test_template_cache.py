"""Compiled templates are kept for the life of the process (``theme.process_bytecode_cache``).

``serve`` and the tests build many times in one process, each build with a new
Jinja environment; a template compiled once is not compiled again, while an
edited template is (its checksum no longer matches), and the site is the same as
one built in a fresh process.
"""

from __future__ import annotations

import shutil

import jinja2
import pytest

from generator import BuildOptions, build
from tests.helpers import PROJECT, html, snapshot

SITE = PROJECT / "tests" / "sites" / "basic"


@pytest.fixture
def compiled(monkeypatch):
    """The names of the templates Jinja compiles from source while the test runs."""
    names: list[str] = []
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        names.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def fresh_copy(tmp_path, name):
    root = tmp_path / name
    shutil.copytree(SITE, root)
    return root


def test_a_second_site_in_the_same_process_compiles_no_template(tmp_path, compiled):
    first = build(BuildOptions(source=fresh_copy(tmp_path, "one"))).out_dir   # compiles what this process lacks
    compiled.clear()
    second_root = fresh_copy(tmp_path, "two")
    second = build(BuildOptions(source=second_root)).out_dir   # its own empty .cache
    assert compiled == []
    assert snapshot(first) == snapshot(second)


def test_an_edited_template_is_compiled_again(tmp_path, compiled):
    root = fresh_copy(tmp_path, "site")
    build(BuildOptions(source=root))
    theme = PROJECT / "templates" / "post.html"
    override = root / "templates" / "post.html"
    override.parent.mkdir(exist_ok=True)
    override.write_text(theme.read_text(encoding="utf-8").replace("<article", "<article data-edited=\"1\"", 1),
                        encoding="utf-8")
    compiled.clear()
    out = build(BuildOptions(source=root)).out_dir
    assert "post.html" in compiled
    page = next(out.glob("posts/*/index.html"))
    assert html(page).css_first("article[data-edited]") is not None
    override.write_text(override.read_text(encoding="utf-8").replace('data-edited="1"', 'data-edited="2"'),
                        encoding="utf-8")
    out = build(BuildOptions(source=root)).out_dir
    assert html(page).css_first('article[data-edited="2"]') is not None
