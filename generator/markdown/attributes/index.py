"""markdown-it plugin: Pandoc's attribute syntax, as Quarto posts write it.

* ``![Caption](x.png){#fig-x width=60%}``: attributes of the image (also after
  a link or a code span);
* ``[some text]{.aside}``: a ``<span>`` with attributes;
* ``## Heading {#sec-x .unnumbered}``: attributes of a heading (kramdown's
  ``{#id}`` alone is handled the same way by the ``jekyll`` plugin).

The parsed :class:`Attributes` stay in ``token.meta["attributes"]`` for the
plugins that give them meaning (``xref`` numbers ``#fig-`` images and
``#sec-`` headings).  mdit-py-plugins' ``attrs`` was not used: its values stop
at ``%`` (``width=50%`` is common in Quarto) and it knows no ``-`` shorthand.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..rules import place_core
from ..tokens import block_open
from .parse import Attributes, attributes_at, trailing_attributes

_TARGETS = ("image", "code_inline", "link_close", "pandoc_span_close")


def attributes_plugin(md: MarkdownIt, *, spans: bool = True, headings: bool = True) -> None:
    """Pandoc attributes on inline elements and headings.

    :param spans: recognise ``[text]{attributes}``.
    :param headings: recognise ``{attributes}`` at the end of a heading line.
    """
    md.inline.ruler.after("image", "pandoc_attrs", _inline_attrs)
    if spans:
        md.inline.ruler.before("link", "pandoc_span", _span)
    if headings:
        place_core(md, "pandoc_heading_attrs", _heading_attrs)


def apply(token: Token, attrs: Attributes) -> None:
    """Put ``attrs`` on ``token``: classes accumulate, the rest replaces."""
    for key, value in attrs.html().items():
        if key == "class" and token.attrs.get("class"):
            token.attrs["class"] = f"{token.attrs['class']} {value}"
        else:
            token.attrs[key] = value
    meta = dict(token.meta or {})
    previous = meta.get("attributes")
    if previous is not None:
        attrs = Attributes(attrs.ident or previous.ident, previous.classes + attrs.classes,
                           {**previous.pairs, **attrs.pairs})
    meta["attributes"] = attrs
    token.meta = meta


def _opening(tokens: list[Token]) -> Token | None:
    found = block_open(tokens, len(tokens) - 1)
    return tokens[found] if found >= 0 else None


def _inline_attrs(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "{" or state.pending or not state.tokens or state.tokens[-1].type not in _TARGETS:
        return False
    found = attributes_at(state.src, state.pos, state.posMax)
    if found is None:
        return False
    target = _opening(state.tokens)
    if target is None:
        return False
    if not silent:
        apply(target, found[0])
    state.pos = found[1]
    return True


def _span(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "[" or "]{" not in state.src[state.pos: state.posMax]:
        return False
    label_end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if label_end < 0:
        return False
    found = attributes_at(state.src, label_end + 1, state.posMax)
    if found is None:
        return False
    if not silent:
        maximum = state.posMax
        token = state.push("pandoc_span_open", "span", 1)
        apply(token, found[0])
        state.pos, state.posMax = state.pos + 1, label_end
        state.md.inline.tokenize(state)
        state.push("pandoc_span_close", "span", -1)
        state.posMax = maximum
    state.pos = found[1]
    return True


def _heading_attrs(state: StateCore) -> None:
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        if not inline.content.rstrip().endswith("}") or not inline.children:
            continue
        last = inline.children[-1]
        if last.type != "text":
            continue
        found = trailing_attributes(last.content)
        if found is None:
            continue
        last.content = found[0]
        if not last.content:
            inline.children.pop()
        whole = trailing_attributes(inline.content)
        if whole is not None:
            inline.content = whole[0]
        apply(token, found[1])
