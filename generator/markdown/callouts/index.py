"""markdown-it plugin: Quarto's callout blocks, on top of the ``divs`` plugin.

    ::: {.callout-tip collapse="true" appearance="simple"}
    ## Tip with a title
    Body text.
    :::

* kinds: ``callout-note``, ``-tip``, ``-warning``, ``-important``, ``-caution``
  (a plain ``.callout`` is a note without an icon);
* title: the first heading inside the callout (removed from the body, so it is
  not in the table of contents: this rule runs before the ``headings``
  plugin's), else ``title="..."`` (Markdown allowed), else the kind's name;
* ``collapse="true"`` / ``"false"``: a ``<details>`` element, closed or open,
  so collapsing works without JavaScript;
* ``appearance``: ``default``, ``simple`` (lighter; no header without a
  title) or ``minimal`` (no colours, no icon); ``icon=false`` drops the icon.

The HTML carries Quarto's classes (``callout callout-note
callout-style-default callout-titled``), styled by the theme's scholarly.css.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..diagnostics import warn
from ..rules import place_core
from ..tokens import block_close

CALLOUT_KINDS = {"note": "Note", "tip": "Tip", "warning": "Warning", "important": "Important", "caution": "Caution"}
_APPEARANCES = ("default", "simple", "minimal")


def callouts_plugin(md: MarkdownIt) -> None:
    """Turn callout divs into ``callout_open`` / ``callout_close`` tokens."""
    place_core(md, "callouts", _callouts)
    md.add_render_rule("callout_open", render_callout_open)
    md.add_render_rule("callout_close", render_callout_close)


def _kind(token: Token) -> str | None:
    attrs = (token.meta or {}).get("attributes")
    if attrs is None:
        return None
    for cls in attrs.classes:
        if cls == "callout":
            return "note"
        if cls.startswith("callout-") and cls[8:] in CALLOUT_KINDS:
            return cls[8:]
    return None


def _callouts(state: StateCore) -> None:
    tokens = state.tokens
    found = False
    for i, token in enumerate(tokens):
        if token.type != "fenced_div_open" or _kind(token) is None:
            continue
        found = True
        _retype(state, tokens, i, token)
    if found:
        state.env.setdefault("features", set()).add("scholarly")
        state.tokens[:] = [t for t in tokens if t.type != "callout_removed"]


def _retype(state: StateCore, tokens: list[Token], i: int, token: Token) -> None:
    attrs = token.meta["attributes"]
    kind = _kind(token)
    close = block_close(tokens, i)
    title = None
    if i + 3 <= close and tokens[i + 1].type == "heading_open":
        title = list(tokens[i + 2].children or [])
        for j in (i + 1, i + 2, i + 3):
            tokens[j].type = "callout_removed"
    elif "title" in attrs.pairs:
        title = state.md.parseInline(attrs.pairs["title"], state.env)[0].children or []
    appearance = attrs.pairs.get("appearance", "default")
    if appearance not in _APPEARANCES:
        warn(state.env, token.map[0] if token.map else None, f"unknown callout appearance {appearance!r}",
             "use default, simple or minimal")
        appearance = "default"
    collapse = attrs.pairs.get("collapse")
    meta = {"kind": kind, "plain": "callout" in attrs.classes, "title": title, "appearance": appearance,
            "collapse": collapse if collapse in ("true", "false") else None,
            "icon": attrs.pairs.get("icon", "true") != "false" and appearance != "minimal",
            "id": attrs.ident, "classes": [c for c in attrs.classes if not c.startswith("callout")]}
    token.type, token.meta = "callout_open", meta
    tokens[close].type, tokens[close].meta = "callout_close", meta


def render_callout_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    kind = meta["kind"]
    title = self.renderInline(meta["title"], options, env) if meta["title"] else None
    if title is None and (meta["appearance"] == "default" or meta["collapse"]):
        title = CALLOUT_KINDS[kind]
    classes = ["callout", f"callout-{kind}", f"callout-style-{meta['appearance']}"]
    classes += ["callout-titled"] if title else []
    classes += [] if meta["icon"] and not meta["plain"] else ["no-icon"]
    classes += meta["classes"]
    ident = f' id="{escapeHtml(meta["id"])}"' if meta["id"] else ""
    icon = '<span class="callout-icon" aria-hidden="true"></span>' if meta["icon"] and not meta["plain"] else ""
    header = f'{icon}<span class="callout-title">{title}</span>' if title else ""
    if meta["collapse"]:
        opened = "" if meta["collapse"] == "true" else " open"
        return (f'<details class="{" ".join(classes)}"{ident}{opened}>\n'
                f'<summary class="callout-header">{header}</summary>\n<div class="callout-body">\n')
    head = f'<div class="callout-header">{header}</div>\n' if header else ""
    return f'<div class="{" ".join(classes)}"{ident} role="note">\n{head}<div class="callout-body">\n'


def render_callout_close(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    return "</div>\n</details>\n" if tokens[idx].meta["collapse"] else "</div>\n</div>\n"
