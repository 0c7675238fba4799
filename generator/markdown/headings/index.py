"""Heading ids as Jekyll makes them, anchor links, and the table of contents.

Ids are made from the heading's source text so that ``#anchor`` links written
for a Jekyll blog keep working.  Two rules:

* :func:`gfm_id` (the default): what Jekyll's default Markdown input (kramdown
  with GFM) and GitHub make -- lowercase, drop every character that is not a
  letter, digit, ``_``, ``-`` or space, spaces become ``-``:
  "1. The Gradient, Explained!" -> ``1-the-gradient-explained``;
* :func:`kramdown_id`: kramdown's own rule, for blogs configured with
  ``input: kramdown`` -- also drop leading non-letters and non-ASCII letters:
  -> ``the-gradient-explained``.

An empty id is ``section``; repeats get ``-1``, ``-2``, ...  An explicit id
(set by another plugin, e.g. kramdown's ``{#id}``) is kept.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..rules import place_core


def gfm_id(text: str) -> str:
    text = re.sub(r"[^\w\- \t]", "", text.lower())
    return re.sub(r"[ \t]", "-", text) or "section"


def kramdown_id(text: str) -> str:
    text = re.sub(r"^[^a-zA-Z]+", "", text)
    text = re.sub(r"[^a-zA-Z0-9 -]", "", text)
    return text.replace(" ", "-").lower() or "section"


def headings_plugin(md: MarkdownIt, *, anchors: bool = True, toc_levels: tuple[int, int] = (2, 3),
                    slug=gfm_id) -> None:
    """Give every heading an id; collect ``env["toc"]``.

    :param anchors: append ``<a class="anchor" href="#id">`` to each heading.
    :param toc_levels: heading levels (inclusive) listed in the table of contents.
    :param slug: heading source text -> id.
    """
    place_core(md, "heading_ids", lambda state: _ids(state, anchors, toc_levels, slug))


def _ids(state: StateCore, anchors: bool, toc_levels, slug) -> None:
    from markdown_it.token import Token

    tokens = state.tokens
    used: dict[str, int] = {}
    explicit = {str(t.attrs["id"]) for t in tokens if t.type == "heading_open" and t.attrs.get("id")}
    toc = state.env.setdefault("toc", [])
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        ident = token.attrs.get("id")
        if not ident:
            base = slug(inline.content)
            ident, n = base, used.get(base, 0)
            while ident in used or ident in explicit:
                n += 1
                ident = f"{base}-{n}"
            used[base] = n
            used[ident] = used.get(ident, 0)
            token.attrs["id"] = ident
        level = int(token.tag[1])
        if toc_levels[0] <= level <= toc_levels[1]:
            toc.append({"level": level, "id": str(ident), "children": list(inline.children or [])})
        if anchors and inline.children is not None:
            link = Token("html_inline", "", 0)
            link.content = f' <a class="anchor" href="#{ident}" aria-label="Link to this section">#</a>'
            inline.children.append(link)
