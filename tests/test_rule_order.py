"""The order of ``md.use`` calls does not change the order of our core rules (see markdown/rules.py)."""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt

from generator.markdown import jekyll
from generator.markdown.attributes import attributes_plugin
from generator.markdown.callouts import callouts_plugin
from generator.markdown.citations import citations_plugin
from generator.markdown.margin import margin_plugin
from generator.markdown.tabsets import tabsets_plugin
from generator.markdown.xref import xref_plugin
from generator.markdown.cells import cells_plugin
from generator.markdown.diagrams import diagrams_plugin
from generator.markdown.headings import headings_plugin
from generator.markdown.html import html_plugin
from generator.markdown.links import links_plugin
from generator.markdown.rules import CORE_ORDER, place, place_core

PLUGINS = [
    (links_plugin, {"base_path": "/repo/"}), (html_plugin, {"base_path": "/repo/"}), (headings_plugin, {}),
    (jekyll.includes_plugin, {}), (jekyll.ial_plugin, {}), (jekyll.toc_plugin, {}),
    (jekyll.mathjax_scripts_plugin, {}), (jekyll.html_math_plugin, {}), (cells_plugin, {}),
    (diagrams_plugin, {"plantuml": False}), (attributes_plugin, {}), (callouts_plugin, {}), (tabsets_plugin, {}),
    (margin_plugin, {}), (xref_plugin, {}), (citations_plugin, {}),
]
EXPECTED = ["diagram_fences", "tabsets", "callouts", "pandoc_heading_attrs", "exec_cells", "kramdown_ial_apply", "jekyll_includes", "citations", "xref", "margin_notes", "base_path", "jekyll_mathjax_scripts",
            "html_repair", "heading_ids", "kramdown_toc", "jekyll_html_math"]


def core_order(plugins) -> list[str]:
    md = MarkdownIt("commonmark")
    for plugin, options in plugins:
        md.use(plugin, **options)
    return [r.name for r in md.core.ruler.__rules__ if r.name in EXPECTED]


def orders():
    rng = random.Random(20261129)  # fixed: the same permutations on every run
    yield PLUGINS
    yield list(reversed(PLUGINS))
    for _ in range(30):
        yield rng.sample(PLUGINS, len(PLUGINS))


@pytest.mark.parametrize("plugins", list(orders()), ids=lambda plugins: "-".join(p.__name__[:4] for p, _ in plugins))
def test_the_same_order_whatever_the_use_order(plugins):
    assert core_order(plugins) == EXPECTED


def test_place_needs_an_anchor():
    md = MarkdownIt("commonmark")
    with pytest.raises(ValueError):
        place(md.core.ruler, "x", lambda state: None, after=["no_such_rule"])


def test_every_named_rule_is_in_core_order():
    assert set(EXPECTED) <= set(CORE_ORDER)
    with pytest.raises(ValueError):
        place_core(MarkdownIt("commonmark"), "not_listed", lambda state: None)
