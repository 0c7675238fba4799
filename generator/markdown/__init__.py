"""The Markdown parser: markdown-it-py in CommonMark mode plus our plugins.

Each syntax lives in its own folder as an ``xxx_plugin(md, *, options)``:
``math``, ``tables``, ``html``, ``links``, ``headings``, ``jekyll`` (Liquid
preprocessing), the later pipeline stages' ``cells``, ``notebook`` and ``diagrams``, and
the scholarly layer in Quarto's syntax: ``attributes``, ``divs``,
``callouts``, ``tabsets``, ``margin``, ``xref``, ``citations``, ``shortcodes``.
Their rules are placed relative to named rules, so the order of ``md.use``
calls does not matter (see ``rules.py``).  What they read from and write to
the markdown-it ``env`` is declared in ``env.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    #: ``"gdblog"`` (our rules) or ``"kramdown"``: posts read as Jekyll's kramdown and the
    #: blog's MathJax read them (config.yml ``markdown:``; see generator/markdown/math/kramdown.py).
    dialect: str = "gdblog"
    #: kramdown dialect only: the inline delimiters the blog's MathJax read, ``"$"`` and/or
    #: ``"\\("`` (config.yml ``math_inline:``).
    math_inline: tuple[str, ...] = ("\\(",)


def create_parser(options: MarkdownOptions = MarkdownOptions()) -> MarkdownIt:
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    from markdown_it import MarkdownIt

    from . import jekyll
    from .callouts import callouts_plugin
    from .cells import cells_plugin
    from .citations import citations_plugin
    from .diagnostics import track_inline_lines
    from .attributes import attributes_plugin
    from .diagrams import diagrams_plugin
    from .divs import divs_plugin
    from .headings import gfm_id, headings_plugin, kramdown_id
    from .highlight import highlight_code
    from .html import html_plugin
    from .links import links_plugin
    from .margin import margin_plugin
    from .math import math_plugin
    from .notebook import notebook_plugin
    from .shortcodes import shortcodes_plugin
    from .tables import tables_plugin
    from .tabsets import tabsets_plugin
    from .xref import xref_plugin

    config: dict[str, Any] = {"html": True, "linkify": options.linkify, "typographer": False}
    if options.highlight:
        config["highlight"] = highlight_code
    md = MarkdownIt("commonmark", config)
    md.enable(["table", "strikethrough"])
    if options.linkify:
        md.enable("linkify")
    track_inline_lines(md)
    if options.dialect == "kramdown":
        from functools import partial

        from .math.kramdown import math_spans

        dollar, paren = "$" in options.math_inline, "\\(" in options.math_inline
        md.use(math_plugin, dialect="kramdown", inline_delimiters=options.math_inline)
        md.use(tables_plugin, find_math=partial(math_spans, dollar=dollar, paren=paren), escaped_pipes=True)
    else:
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
    md.use(jekyll.html_math_plugin, dollars=options.dialect != "kramdown" or "$" in options.math_inline,
           dialect=options.dialect)
    md.use(diagrams_plugin, cache_dir=options.cache_dir, plantuml_server=options.plantuml_server)
    md.use(cells_plugin)
    md.use(notebook_plugin)
    # the scholarly layer (Quarto's syntax); cross-references number the cells' figures too
    md.use(attributes_plugin)
    md.use(divs_plugin)
    md.use(callouts_plugin)
    md.use(tabsets_plugin)
    md.use(margin_plugin)
    md.use(shortcodes_plugin)
    md.use(xref_plugin)
    md.use(citations_plugin, cache_dir=options.cache_dir)
    return md
