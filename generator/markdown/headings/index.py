"""Heading ids in kramdown's style, anchor links, and the table of contents.

Ids follow kramdown's rule so that ``#anchor`` links written for a Jekyll
blog keep working: from the heading's source text, drop leading characters
that are not ASCII letters, keep ASCII letters, digits, spaces and dashes,
turn spaces into dashes and lowercase; an empty result is ``section``, and
repeats get ``-1``, ``-2``, ...  An explicit id (set by another plugin, e.g.
kramdown's ``{#id}``) is kept.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore


def kramdown_id(text: str) -> str:
    text = re.sub(r"^[^a-zA-Z]+", "", text)
    text = re.sub(r"[^a-zA-Z0-9 -]", "", text)
    return text.replace(" ", "-").lower() or "section"


def headings_plugin(md: MarkdownIt, *, anchors: bool = True, toc_levels: tuple[int, int] = (2, 3),
                    slug=kramdown_id) -> None:
    """Give every heading an id; collect ``env["toc"]``.

    :param anchors: append ``<a class="anchor" href="#id">`` to each heading.
    :param toc_levels: heading levels (inclusive) listed in the table of contents.
    :param slug: heading source text -> id.
    """
    md.core.ruler.push("heading_ids", lambda state: _ids(state, anchors, toc_levels, slug))


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
