"""Expand ``{% include NAME %}``: the Liquid stage leaves a one-line placeholder.

Pasting an include's text before Markdown would shift every later line and
so every later message's line number; instead :mod:`.liquid` writes an HTML
comment holding the include, and this plugin swaps it in after block
parsing.  An HTML include (any name not ending in ``.md``/``.markdown``)
becomes raw HTML in the same place, so the ``html`` plugin still repairs it
(base path, MathJax scripts).  A Markdown include is parsed as Markdown where
it stands; everything it produces is attributed to the tag's line.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..rules import place_core
from .liquid import INCLUDE_MARK, read_include

MARKDOWN_NAMES = (".md", ".markdown")


def includes_plugin(md: MarkdownIt, *, markdown_suffixes: tuple[str, ...] = MARKDOWN_NAMES) -> None:
    """Replace include placeholders by the included text.

    :param markdown_suffixes: names ending so are parsed as Markdown; others are raw HTML.
    """
    place_core(md, "jekyll_includes", lambda state: _expand(state, markdown_suffixes))


def _expand(state: StateCore, suffixes) -> None:
    tokens = state.tokens
    if not any(INCLUDE_MARK in t.content for t in tokens if t.type in ("html_block", "inline")):
        return
    out = []
    for token in tokens:
        if token.type == "html_block" and INCLUDE_MARK in token.content:
            found = read_include(token.content)
            if found is not None:
                name, text = found
                if name.endswith(suffixes):
                    out.extend(_parse_blocks(state, text, token))
                else:
                    token.content = text if text.endswith("\n") or not text else text + "\n"
                    out.append(token)
                continue
        if token.type == "inline" and token.children and INCLUDE_MARK in token.content:
            token.children = _expand_inline(state, token, suffixes)
        out.append(token)
    tokens[:] = out


def _parse_blocks(state: StateCore, text: str, placeholder) -> list:
    md, env = state.md, state.env
    parsed: list = []
    md.block.parse(text, md, env, parsed)
    for token in parsed:
        token.map = list(placeholder.map) if placeholder.map else None
        token.level += placeholder.level
        if token.type == "inline":
            token.children = []
            env["_inline_line"] = placeholder.map[0] if placeholder.map else None
            md.inline.parse(token.content, md, env, token.children)
    env.pop("_inline_line", None)
    return parsed


def _expand_inline(state: StateCore, token, suffixes) -> list:
    md, env = state.md, state.env
    children = []
    for child in token.children:
        found = read_include(child.content) if child.type == "html_inline" else None
        if found is None:
            children.append(child)
            continue
        name, text = found
        if name.endswith(suffixes):
            env["_inline_line"] = token.map[0] if token.map else None
            md.inline.parse(text.strip(), md, env, children)
            env.pop("_inline_line", None)
        else:
            child.content = text.rstrip("\n")
            children.append(child)
    return children
