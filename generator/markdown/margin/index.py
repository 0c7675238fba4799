"""markdown-it plugin: Quarto's ``reference-location: margin`` for footnotes.

With that front matter (``env["meta"]``), each footnote is rendered right after
its reference as ``<span class="column-margin margin-note">``, which the
theme's scholarly.css floats into the right margin on wide screens and shows
as an indented note under the paragraph on phones; the footnote list at the
end of the post is dropped.  Without it, footnotes stay as they are.  The
margin divs themselves (``::: {.column-margin}``, ``.aside``, and
``[text]{.aside}`` spans) need no plugin: the ``divs`` and ``attributes``
plugins keep their classes, and the stylesheet places them.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..rules import place_core


def margin_plugin(md: MarkdownIt) -> None:
    """Footnotes as margin notes when the document asks for it."""
    # footnote_tail runs right after "inline", so it has gathered the footnotes by then
    place_core(md, "margin_notes", _margin_notes)
    md.add_render_rule("margin_note", render_margin_note)


def _wanted(env: MutableMapping) -> bool:
    meta = env.get("meta") or {}
    return meta.get("reference-location") == "margin"


def _margin_notes(state: StateCore) -> None:
    tokens = state.tokens
    if not _wanted(state.env) or not any(t.type == "footnote_block_open" for t in tokens):
        return
    start = next(i for i, t in enumerate(tokens) if t.type == "footnote_block_open")
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close")
    notes: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in tokens[start + 1: end]:
        if token.type == "footnote_open":
            current = notes.setdefault(token.meta["id"], [])
        elif token.type == "inline" and current is not None:
            current.append(token)
    del tokens[start: end + 1]
    for token in tokens:
        for child in token.children or ():
            if child.type == "footnote_ref" and child.meta.get("subId", 0) == 0:
                child.type = "margin_note"
                child.meta = {**child.meta, "inlines": notes.get(child.meta["id"], [])}
            elif child.type == "footnote_ref":  # a second reference to the same note: its number only
                child.type, child.content = "html_inline", f'<sup class="margin-note-ref">{child.meta["id"] + 1}</sup>'
    state.env.setdefault("features", set()).add("scholarly")


def render_margin_note(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    number = meta["id"] + 1
    body = " ".join(self.renderInline([c for c in t.children or () if c.type != "footnote_anchor"], options, env)
                    for t in meta["inlines"])
    return (f'<sup class="margin-note-ref" id="fnref{number}">{number}</sup>'
            f'<span class="column-margin margin-note" role="note"><sup>{number}</sup> {body}</span>')
