"""kramdown's table of contents: a one-item list ``* TOC`` tagged ``{:toc}``.

The list is replaced by a nested list of links to the page's headings, made
as kramdown makes it (``<ul id="markdown-toc">``, each link with the id
``markdown-toc-<heading id>``), so stylesheets written for a Jekyll theme still
apply.  The heading ids are those the ``headings`` plugin assigns, so this
plugin must run after it.  Headings with the class ``no_toc`` (``{:.no_toc}``)
are left out, as in kramdown.  Since the writer placed a contents list in the
text, the theme's own contents box is not shown on that page.

The ``ial`` plugin marks the list (``meta["kramdown_toc"]``); without it this
plugin does nothing.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..rules import place_core
from ..tokens import block_close


def toc_plugin(md: MarkdownIt, *, levels: tuple[int, int] = (1, 6), list_id: str = "markdown-toc",
               replace_theme_toc: bool = True) -> None:
    """Put a table of contents where kramdown's ``* TOC`` / ``{:toc}`` list stands.

    :param levels: heading levels (inclusive) listed; kramdown's ``toc_levels``.
    :param list_id: id of the outer list.
    :param replace_theme_toc: hide the theme's contents box (``env["toc"]``)
        on pages that have this one.
    """
    place_core(md, "kramdown_toc", lambda state: _place(state, replace_theme_toc))
    md.add_render_rule("kramdown_toc", lambda self, tokens, idx, options, env:
                       render_toc(self, tokens, idx, options, env, levels, list_id))


def _is_toc_list(tokens, i: int) -> int:
    """Index of the closing token if tokens[i] opens a marked one-item ``TOC`` list, else -1."""
    token = tokens[i]
    if token.type not in ("bullet_list_open", "ordered_list_open") or not (token.meta or {}).get("kramdown_toc"):
        return -1
    j = block_close(tokens, i)
    texts = [t.content.strip() for t in tokens[i:j] if t.type == "inline"]
    items = sum(1 for t in tokens[i:j] if t.type == "list_item_open")
    return j if items == 1 and texts == ["TOC"] else -1


def _place(state: StateCore, replace_theme_toc: bool) -> None:
    tokens = state.tokens
    i = 0
    placed = False
    while i < len(tokens):
        end = _is_toc_list(tokens, i)
        if end >= 0:
            token = Token("kramdown_toc", "ul" if tokens[i].type == "bullet_list_open" else "ol", 0)
            token.block, token.map, token.level = True, tokens[i].map, tokens[i].level
            tokens[i: end + 1] = [token]
            placed = True
        i += 1
    if placed and replace_theme_toc and isinstance(state.env.get("toc"), list):
        state.env["toc"].clear()


def _entries(tokens, levels):
    for i, token in enumerate(tokens):
        if token.type != "heading_open" or not token.attrs.get("id"):
            continue
        if "no_toc" in str(token.attrs.get("class", "")).split():
            continue
        level = int(token.tag[1])
        if levels[0] <= level <= levels[1]:
            children = [c for c in tokens[i + 1].children or []
                        if not (c.type == "html_inline" and 'class="anchor"' in c.content)]
            yield level, str(token.attrs["id"]), children


def render_toc(renderer, tokens, idx, options, env, levels, list_id) -> str:
    tag = tokens[idx].tag
    # A tree by level, as kramdown builds it: a deeper heading nests under the last shallower one.
    root: list = []
    stack: list[tuple[int, list]] = [(0, root)]
    for level, ident, children in _entries(tokens, levels):
        while stack[-1][0] >= level:
            stack.pop()
        node: tuple[str, list, list] = (ident, children, [])
        stack[-1][1].append(node)
        stack.append((level, node[2]))
    if not root:
        return ""

    def render(nodes, outer: bool, indent: str) -> str:
        attrs = f' id="{escapeHtml(list_id)}"' if outer else ""
        out = [f"{indent}<{tag}{attrs}>\n"]
        for ident, children, sub in nodes:
            text = renderer.renderInline(children, options, env)
            link = f'<a href="#{escapeHtml(ident)}" id="{escapeHtml(list_id)}-{escapeHtml(ident)}">{text}</a>'
            if sub:
                out.append(f"{indent}  <li>{link}\n{render(sub, False, indent + '    ')}{indent}  </li>\n")
            else:
                out.append(f"{indent}  <li>{link}</li>\n")
        out.append(f"{indent}</{tag}>\n")
        return "".join(out)

    return render(root, True, "")
