"""Pandoc's ``@`` syntax, shared by citations and cross-references.

Quarto writes both the same way, and Pandoc parses both as citations:

* ``[@key]``, ``[see @a, p. 4; also @b]``: a bracketed cluster of items, each
  with an optional prefix, key and suffix (``;`` separates items);
* ``[-@key]``: suppress the author (or, for a cross-reference, the "Figure" word);
* ``@key``: narrative ("Kingma and Ba (2015)"), optionally ``@key [p. 4]``;
* ``@{key with odd characters}``.

A key starts with a letter, digit or ``_`` and may hold ``:.#$%&-+?<>~/``
between such characters, so "see @smith." ends the key before the dot.  An
``@`` right after a letter or digit is never a citation: e-mail addresses stay
text.

The rule makes ``pandoc_cite`` tokens (``meta["items"]``: :class:`CiteItem`,
``meta["bracketed"]``, ``meta["line"]``); the ``xref`` plugin resolves items
whose key has a cross-reference prefix (``fig-``, ``tbl-``, ``eq-``, ``sec-``)
and the ``citations`` plugin the others, each storing HTML in the token's meta.
Whatever nobody resolved renders as the text it was written as.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..diagnostics import inline_line

KEY = r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&\-+?<>~/](?=[A-Za-z0-9_]))*"
_KEY = re.compile(KEY)
_ITEM = re.compile(r"^(?P<prefix>(?:.*?[^\w\-])??)\s*(?P<dash>-?)@(?:\{(?P<braced>[^{}]+)\}|(?P<key>" + KEY
                   + r"))(?P<suffix>.*)$", re.S)
#: Prefixes of Quarto cross-reference labels (any case: ``@Fig-x`` capitalises).
XREF_KINDS = ("fig", "tbl", "eq", "sec", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr")
_XREF = re.compile(r"^(" + "|".join(XREF_KINDS) + r")-", re.I)


@dataclass(frozen=True)
class CiteItem:
    key: str
    prefix: str = ""
    suffix: str = ""
    mode: str = "normal"        # "normal", "suppress" ([-@key]) or "narrative" (@key)

    @property
    def is_xref(self) -> bool:
        return is_xref_key(self.key)


def is_xref_key(key: str) -> bool:
    return _XREF.match(key) is not None


def cite_syntax(md: MarkdownIt) -> None:
    """Install the ``pandoc_cite`` inline rule and its fallback renderer (once per parser)."""
    if "pandoc_cite" in [rule.name for rule in md.inline.ruler.__rules__]:
        return
    md.inline.ruler.before("link", "pandoc_cite", _cite)
    md.add_render_rule("pandoc_cite", render_cite)


def _parse_cluster(body: str) -> list[CiteItem] | None:
    items = []
    for part in body.split(";"):
        match = _ITEM.match(part.strip())
        if not match:
            return None
        key = match.group("braced") or match.group("key")
        items.append(CiteItem(key, match.group("prefix").strip(), match.group("suffix").strip(),
                              "suppress" if match.group("dash") else "normal"))
    return items


def _bracket_end(src: str, pos: int, end: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``pos`` (no nesting in citations), or -1."""
    close = src.find("]", pos + 1, end)
    if close < 0 or "[" in src[pos + 1: close]:
        return -1
    return close


def _cite(state: StateInline, silent: bool) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    ch = src[pos]
    if ch == "[":
        close = _bracket_end(src, pos, end)
        if close < 0 or "@" not in src[pos:close] or (close + 1 < end and src[close + 1] in "([{:"):
            return False
        items = _parse_cluster(src[pos + 1: close])
        if items is None:
            return False
        stop, bracketed = close + 1, True
    elif ch == "@":
        if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@./:"):
            return False
        match = _KEY.match(src, pos + 1)
        if match is not None:
            key, stop = match.group(0), match.end()
        else:
            braced = re.match(r"\{([^{}\n]+)\}", src[pos + 1: end]) if src.startswith("@{", pos) else None
            if braced is None:
                return False
            key, stop = braced.group(1), pos + 1 + braced.end()
        suffix = ""
        after = re.match(r" \[([^\]@\[]*)\]", src[stop:end])
        if after and not src.startswith(("(", "["), stop + after.end()):
            suffix = after.group(1).strip()
            stop += after.end()
        items, bracketed = [CiteItem(key, "", suffix, "narrative")], False
    else:
        return False
    if not silent:
        token = state.push("pandoc_cite", "", 0)
        token.content = src[pos:stop]
        token.meta = {"items": items, "bracketed": bracketed, "line": inline_line(state, pos)}
    state.pos = stop
    return True


def render_cite(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    """The resolved HTML (cross-references first, then the citation cluster), else the source text."""
    meta = tokens[idx].meta
    xrefs: dict = meta.get("xref_html", {})
    cluster = meta.get("cite_html")
    if not xrefs and cluster is None:
        return escapeHtml(tokens[idx].content)
    parts = [xrefs[i] for i in sorted(xrefs)]
    if cluster is not None:
        parts.append(cluster)
    return "; ".join(parts)
