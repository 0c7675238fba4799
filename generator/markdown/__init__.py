"""The Markdown parser: markdown-it-py in CommonMark mode plus our plugins.

Each syntax lives in its own folder as an ``xxx_plugin(md, *, options)``:
``math``, ``tables``, ``html``, ``links``, ``headings``, ``jekyll`` (Liquid
preprocessing), and the later pipeline stages' ``cells`` and ``diagrams``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing markdown-it costs time a no-change build does not need to spend
    from markdown_it import MarkdownIt


@dataclass(frozen=True)
class MarkdownOptions:
    base_path: str = "/"
    anchors: bool = True
    highlight: bool = True
    linkify: bool = True
    #: Folder for caches of build-time renderers (PlantUML SVG), or None for no cache.
    cache_dir: str | None = None
    plantuml_server: str = "https://www.plantuml.com/plantuml"
    heading_ids: str = "gfm"       # or "kramdown"


def create_parser(options: MarkdownOptions = MarkdownOptions()) -> MarkdownIt:
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    from markdown_it import MarkdownIt

    from . import jekyll
    from .cells import cells_plugin
    from .diagnostics import track_inline_lines
    from .diagrams import diagrams_plugin
    from .headings import gfm_id, headings_plugin, kramdown_id
    from .highlight import highlight_code
    from .html import html_plugin
    from .links import links_plugin
    from .math import math_plugin
    from .tables import tables_plugin

    config = {"html": True, "linkify": options.linkify, "typographer": False}
    if options.highlight:
        config["highlight"] = highlight_code
    md = MarkdownIt("commonmark", config)
    md.enable(["table", "strikethrough"])
    if options.linkify:
        md.enable("linkify")
    track_inline_lines(md)
    md.use(math_plugin)
    md.use(tables_plugin)
    md.use(footnote_plugin)
    md.use(deflist_plugin)
    md.use(tasklists_plugin, label=True)  # the item's text labels its checkbox (screen readers)
    md.use(links_plugin, base_path=options.base_path)
    md.use(html_plugin, base_path=options.base_path)
    md.use(headings_plugin, anchors=options.anchors,
           slug=kramdown_id if options.heading_ids == "kramdown" else gfm_id)
    # kramdown syntax of posts moved from Jekyll; after headings, whose ids the TOC links to
    md.use(jekyll.includes_plugin)
    md.use(jekyll.ial_plugin)
    md.use(jekyll.extensions_plugin)
    md.use(jekyll.toc_plugin)
    md.use(jekyll.mathjax_scripts_plugin)
    md.use(jekyll.html_math_plugin)
    md.use(diagrams_plugin, cache_dir=options.cache_dir, plantuml_server=options.plantuml_server)
    md.use(cells_plugin)
    return md
