"""markdown-it plugin: Quarto's ``.panel-tabset`` divs become tabs, on top of the ``divs`` plugin.

    ::: {.panel-tabset}
    ## Python
    ...
    ## Math
    ...
    :::

The headings of the first level found directly inside the div become the tab
labels (and leave the table of contents); what follows each one is its panel.
The HTML follows the WAI-ARIA tabs pattern: a ``role="tablist"`` of
``<button role="tab">`` and ``role="tabpanel"`` panels.  Every panel is in the
page and visible; the theme's scholarly.js hides all but the selected one and
handles clicks and the arrow, Home and End keys, so a reader without
JavaScript (or a feed reader) still gets every panel.  Ids are
``tabset-N-K``, numbered per document, so builds are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..diagnostics import warn
from ..rules import place_core
from ..tokens import block_close


def tabsets_plugin(md: MarkdownIt) -> None:
    """Turn ``.panel-tabset`` divs into ``tabset_open`` / ``tab_panel_*`` / ``tabset_close`` tokens."""
    place_core(md, "tabsets", _tabsets)
    md.add_render_rule("tabset_open", render_tabset_open)
    md.add_render_rule("tabset_close", lambda self, tokens, idx, options, env: "</div>\n</div>\n")
    md.add_render_rule("tab_panel_open", render_panel_open)
    md.add_render_rule("tab_panel_close", lambda self, tokens, idx, options, env: "</div>\n")


def _is_tabset(token: Token) -> bool:
    if token.type != "fenced_div_open":   # the cheap test first: it runs on every token of every post
        return False
    attrs = (token.meta or {}).get("attributes")
    return attrs is not None and "panel-tabset" in attrs.classes


def _tabsets(state: StateCore) -> None:
    if not any(_is_tabset(t) for t in state.tokens):
        return
    state.env.setdefault("features", set()).add("scholarly")
    state.tokens[:] = _rewrite(state.tokens, state)


def _rewrite(tokens: list[Token], state: StateCore) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _is_tabset(token):
            out.append(token)
            i += 1
            continue
        close = block_close(tokens, i)
        out += _tabset(token, _rewrite(tokens[i + 1: close], state), state)
        i = close + 1
    return out


def _tabset(opening: Token, inner: list[Token], state: StateCore) -> list[Token]:
    number = state.env["tabsets"] = state.env.get("tabsets", 0) + 1
    levels = [t.tag for t in inner if t.type == "heading_open" and t.level == opening.level + 1]
    if not levels:
        warn(state.env, opening.map[0] if opening.map else None, "a .panel-tabset without headings has no tabs",
             "start each tab with a heading (## Tab title) inside the ::: div")
    tag = min(levels) if levels else None
    labels: list[list[Token]] = []
    body: list[Token] = []
    i = 0
    while i < len(inner):
        token = inner[i]
        if token.type == "heading_open" and token.tag == tag and token.level == opening.level + 1:
            if labels:
                body.append(_panel_token("tab_panel_close", -1, number, len(labels)))
            labels.append(list(inner[i + 1].children or []))
            body.append(_panel_token("tab_panel_open", 1, number, len(labels)))
            i += 3
            continue
        body.append(token)
        i += 1
    if labels:
        body.append(_panel_token("tab_panel_close", -1, number, len(labels)))
    attrs = opening.meta["attributes"]
    start = Token("tabset_open", "div", 1)
    start.block = True
    start.meta = {"number": number, "labels": labels, "id": attrs.ident,
                  "classes": [c for c in attrs.classes if c != "panel-tabset"]}
    end = Token("tabset_close", "div", -1)
    end.block = True
    return [start, *body, end]


def _panel_token(kind: str, nesting: Literal[-1, 1], number: int, index: int) -> Token:
    token = Token(kind, "div", nesting)
    token.block = True
    token.meta = {"number": number, "index": index}
    return token


def render_tabset_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    number = meta["number"]
    buttons = []
    for k, label in enumerate(meta["labels"], start=1):
        selected = "true" if k == 1 else "false"
        buttons.append(f'<button type="button" role="tab" id="tabset-{number}-{k}-tab" '
                       f'aria-controls="tabset-{number}-{k}" aria-selected="{selected}" '
                       f'tabindex="{0 if k == 1 else -1}">{self.renderInline(label, options, env)}</button>')
    classes = " ".join(["panel-tabset", *meta["classes"]])
    ident = f' id="{escapeHtml(meta["id"])}"' if meta["id"] else ""
    return (f'<div class="{classes}"{ident}>\n<div class="tablist" role="tablist">'
            + "".join(buttons) + '</div>\n<div class="tab-content">\n')


def render_panel_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    ident = f'tabset-{meta["number"]}-{meta["index"]}'
    return f'<div class="tab-pane" id="{ident}" role="tabpanel" aria-labelledby="{ident}-tab" tabindex="0">\n'
