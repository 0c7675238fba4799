"""markdown-it plugin: number figures, tables, equations and sections; resolve ``@fig-x`` references.

    md.use(xref_plugin)
    html = md.render(text, {"meta": {"number-sections": True}, "path": "content/posts/x.md"})

One core rule (after ``text_join``, so after every structural rule of the
other plugins: divs, callouts, tabsets, cells) numbers what :mod:`.targets`
finds, then replaces each cross-reference item of a ``pandoc_cite`` token by a
link ``<a class="quarto-xref" href="#fig-x">Figure&nbsp;2</a>``.  A reference
to a label that does not exist renders as Quarto renders it, ``?@fig-x`` in
bold, with a warning naming the line.  ``env["xref"]`` keeps the
:class:`Numbering`, which the cells renderer reads for its figures
(:func:`lookup`).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..citations.syntax import cite_syntax
from ..diagnostics import warn
from ..rules import place_core
from ..tokens import block_close
from .render import render_float_close, render_float_open
from .targets import (
    Numbering,
    Target,
    caption_paragraph,
    float_tokens,
    image_paragraph,
    kind_of,
)

_SUPPORTED = ("fig", "tbl", "eq", "sec")


def xref_plugin(md: MarkdownIt, *, number_sections: bool = False) -> None:
    """Cross-references in Quarto's syntax.

    :param number_sections: number every heading (a document's
        ``number-sections`` front matter, in ``env["meta"]``, overrides it).
    """
    cite_syntax(md)
    md.core.ruler.before("block", "xref_caption_guard", lambda state: guard_deflist(state.md))
    place_core(md, "xref", lambda state: _xref(state, number_sections))
    md.add_render_rule("xref_float_open", render_float_open)
    md.add_render_rule("xref_float_close", render_float_close)


_LABELLED_CAPTION = re.compile(r"^(?::|Table:)\s.*\{[^{}]*#tbl-[^{}]*\}\s*$")


def guard_deflist(md: MarkdownIt) -> None:
    """Keep the definition-list rule from reading a paragraph and the ``: Caption {#tbl-x}``
    under it as a term and its definition (installed on first parse, whatever the plugin order)."""
    rule = next((r for r in md.block.ruler.__rules__ if r.name == "deflist"), None)
    if rule is None or getattr(rule.fn, "_caption_guard", False):
        return
    original = rule.fn

    def deflist(state, startLine: int, endLine: int, silent: bool) -> bool:
        line = startLine + 1
        while line < endLine and state.isEmpty(line):
            line += 1
        if line < endLine:
            text = state.src[state.bMarks[line] + state.tShift[line]: state.eMarks[line]]
            if _LABELLED_CAPTION.match(text):
                return False
        return original(state, startLine, endLine, silent)

    deflist._caption_guard = True  # type: ignore[attr-defined]
    md.block.ruler.at("deflist", deflist)


def lookup(env: MutableMapping | None, label: str | None) -> Target | None:
    """The numbered target called ``label`` in a rendered document, if any."""
    numbering = (env or {}).get("xref")
    return numbering.targets.get(label) if numbering is not None and label else None


def _xref(state: StateCore, number_sections: bool) -> None:
    meta = state.env.get("meta") or {}
    numbered = meta.get("number-sections", number_sections) is True
    numbering = Numbering()
    state.env["xref"] = numbering
    state.tokens[:] = _walk(state.tokens, numbering, state.env)
    if numbered:
        _number_sections(state.tokens, numbering)
    referenced = _resolve(state.tokens, numbering, state.env)
    if numbering.counts or referenced:
        state.env.setdefault("features", set()).add("scholarly")


def _ident(token: Token) -> str | None:
    value = token.attrs.get("id")
    return str(value) if value else None


def _walk(tokens: list[Token], numbering: Numbering, env: MutableMapping, parent: Target | None = None) -> list[Token]:
    """The tokens with figures and tables wrapped, numbering everything on the way."""
    out: list[Token] = []
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "fenced_div_open" and kind_of(_ident(token)) and parent is None:
            end = block_close(tokens, i)
            out += _panel(token, tokens[i + 1: end], numbering, env)
            i = end + 1
            continue
        image = image_paragraph(tokens, i)
        if image is not None and (parent is not None or kind_of(_ident(image)) == "fig"):
            label = _ident(image)
            image.attrs.pop("id", None)
            caption = image.children or []
            alt = image.attrs.pop("data-fig-alt", None)
            if alt is not None:  # Quarto's fig-alt: the image's alt text, the caption stays the caption
                text = Token("text", "", 0)
                text.content = str(alt)
                image.children = [text]
            target = _sub(parent, label, next(letters), numbering) if parent else numbering.add("fig", label)
            opening, closing = float_tokens("fig", target, label, caption, sub=parent is not None)
            out += [opening, tokens[i + 1], closing]
            i += 3
            continue
        if token.type == "table_open":
            end = block_close(tokens, i)
            i = _table(tokens, i, end, out, numbering, parent, letters)
            continue
        if token.type == "math_block" and (token.meta or {}).get("label"):
            target = numbering.add("eq", token.meta["label"])
            token.meta["tag"] = target.number
        elif token.type == "heading_open" and _ident(token) and str(_ident(token)).startswith("sec-"):
            target = Target("sec", str(_ident(token)), None, title=tokens[i + 1].content)
            numbering.targets.setdefault(target.label, target)
        elif token.type == "exec_cell":
            _cell(token, numbering)
        out.append(token)
        i += 1
    return out


def _sub(parent: Target, label: str | None, letter: str, numbering: Numbering) -> Target:
    target = Target(parent.kind, label or "", parent.number, sub=letter)
    if label:
        numbering.targets.setdefault(label, target)
    return target


def _panel(opening: Token, inner: list[Token], numbering: Numbering, env: MutableMapping) -> list[Token]:
    """A ``::: {#fig-x layout-ncol=2}`` div: subfigures and a caption (its last paragraph)."""
    label = str(_ident(opening))
    kind = kind_of(label) or "fig"
    target = numbering.add(kind, label)
    caption: list[Token] = []
    if len(inner) >= 3 and inner[-1].type == "paragraph_close" and image_paragraph(inner, len(inner) - 3) is None \
            and inner[-3].type == "paragraph_open":
        caption = list(inner[-2].children or [])
        inner = inner[:-3]
    attrs = opening.meta.get("attributes")
    ncol = attrs.pairs.get("layout-ncol", "") if attrs is not None else ""
    start, end = float_tokens(kind, target, label, caption, panel=int(ncol) if ncol.isdigit() else 1)
    return [start, *_walk(inner, numbering, env, parent=target), end]


def _table(tokens: list[Token], i: int, end: int, out: list[Token], numbering: Numbering,
           parent: Target | None, letters) -> int:
    """Wrap the table tokens[i:end+1] with its caption paragraph (after it, else before it)."""
    found = caption_paragraph(tokens, end + 1) if end + 1 < len(tokens) else None
    stop = end + 4 if found else end + 1
    if found is None and len(out) >= 3 and out[-3].type == "paragraph_open":
        found = caption_paragraph(out, len(out) - 3)
        if found is not None:
            del out[-3:]
    if found is None:
        out += tokens[i: end + 1]
        return end + 1
    caption, label = found
    if parent is not None:
        target: Target | None = _sub(parent, label, next(letters), numbering)
    else:
        target = numbering.add("tbl", label) if kind_of(label) == "tbl" else None
    opening, closing = float_tokens("tbl", target, label, caption, sub=parent is not None)
    out += [opening, *tokens[i: end + 1], closing]
    return stop


def _cell(token: Token, numbering: Numbering) -> None:
    options = token.meta.get("options") or {}
    label = options.get("label")
    kind = kind_of(label if isinstance(label, str) else None)
    if kind is not None:
        numbering.add(kind, label)


def _number_sections(tokens: list[Token], numbering: Numbering) -> None:
    """Prefix headings with "1", "1.2", ... counted from the document's top heading level."""
    headings = [(i, t) for i, t in enumerate(tokens) if t.type == "heading_open"
                and "unnumbered" not in str(t.attrs.get("class", "")).split()]
    if not headings:
        return
    base = min(int(t.tag[1]) for _, t in headings)
    counters: list[int] = []
    for i, token in headings:
        depth = int(token.tag[1]) - base + 1
        counters = (counters + [0] * depth)[:depth]
        counters[depth - 1] += 1
        number = ".".join(str(n) for n in counters)
        mark = Token("html_inline", "", 0)
        mark.content = f'<span class="header-section-number">{number}</span> '
        inline = tokens[i + 1]
        inline.children = [mark, *(inline.children or [])]
        ident = _ident(token)
        if ident and ident in numbering.targets:
            numbering.targets[ident].number = number


def _resolve(tokens: list[Token], numbering: Numbering, env: MutableMapping) -> bool:
    """Turn every cross-reference item into a link; True if there was any."""
    found = False
    for token in tokens:
        for child in token.children or ():
            if child.type != "pandoc_cite":
                continue
            for index, item in enumerate(child.meta["items"]):
                if not item.is_xref:
                    continue
                found = True
                html = _link(item, numbering, env, child.meta.get("line"))
                child.meta.setdefault("xref_html", {})[index] = html
    return found


def _link(item, numbering: Numbering, env: MutableMapping, line: int | None) -> str:
    kind, rest = item.key.split("-", 1)
    label = f"{kind.lower()}-{rest}"
    target = numbering.targets.get(label)
    if target is None:
        if kind.lower() in _SUPPORTED:
            warn(env, line, f"cross-reference @{item.key}: no figure, table, equation or section has the id {label}",
                 f"give the target {{#{label}}} (a figure ![Caption](x.png){{#{label}}}, a table caption "
                 f": Caption {{#{label}}}, an equation $$...$$ {{#{label}}} or a heading ## Title {{#{label}}})")
        else:
            warn(env, line, f"cross-reference @{item.key}: Quarto's {kind.lower()}- references are not supported here",
                 "use fig-, tbl-, eq- or sec- labels")
        return f"<strong>?@{escapeHtml(item.key)}</strong>"
    text = escapeHtml(target.text(suppress=item.mode == "suppress"))
    if kind[0].isupper():
        text = text[:1].upper() + text[1:]
    link = f'<a href="#{escapeHtml(label)}" class="quarto-xref">{text}</a>'
    prefix = escapeHtml(item.prefix) + " " if item.prefix else ""
    suffix = escapeHtml(item.suffix) if item.suffix else ""
    if suffix and not suffix.startswith((",", ";", ".")):
        suffix = " " + suffix
    return prefix + link + suffix
