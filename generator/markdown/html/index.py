"""Raw HTML in posts: pass it through, but repair what would break the page.

* An ``<iframe ...>`` that is not closed right away is closed, because a
  browser treats everything up to the next ``</iframe>`` as the frame's
  fallback text and the rest of the post would vanish.
* An iframe tag CommonMark rejects for a typo in its attributes (such as the
  doubled ``src=src="/x.html"``) is still recognised, repaired, and warned
  about, instead of being shown as text.
* A MathJax ``<script>`` in the body (MathJax 2 loaders, ``text/x-mathjax-config``)
  is dropped with a warning: the site loads MathJax itself, once.
* Root-relative ``src``/``href`` in raw HTML get the site's base path.
"""

from __future__ import annotations

import html
import re
from collections.abc import MutableMapping
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from ..diagnostics import inline_line, warn
from ..links.index import with_base
from ..rules import place_core

#: A start tag whose quoted values may contain '>' (group 1: name, group 2: attributes).
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_IFRAME_OPEN = re.compile(r"<iframe\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.I)
_IFRAME_CLOSE = re.compile(r"</iframe\s*>", re.I)
_SCRIPT = re.compile(r"<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>.*?</script\s*>", re.I | re.S)
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_URL_ATTR = re.compile(r"""(\s(?:src|href|poster|action|data)\s*=\s*)(["']?)(/(?!/)[^"'\s>]*)""", re.I)


def html_plugin(md: MarkdownIt, *, base_path: str = "/", drop_mathjax: bool = True) -> None:
    """Repair raw HTML tokens.

    :param base_path: prefix for root-relative ``src``/``href`` values.
    :param drop_mathjax: remove in-body MathJax script tags (with a warning).
    """
    md.inline.ruler.after("html_inline", "iframe_lenient", _iframe_lenient)
    place_core(md, "html_repair", lambda state: _repair(state, base_path, drop_mathjax))


def parse_attributes(text: str) -> list[tuple[str, str | None]]:
    """Attributes as a browser reads them (unquoted values run to whitespace)."""
    attrs = []
    for match in _ATTR.finditer(text):
        name = match.group(1)
        value = next((g for g in match.group(2, 3, 4) if g is not None), None)
        attrs.append((name, value))
    return attrs


def _repair_attributes(attrs, env, line):
    fixed = []
    for name, value in attrs:
        if value is not None:
            doubled = re.fullmatch(rf"{re.escape(name)}=([\"'])(.*)\1", value)
            if doubled:
                warn(env, line, f"repaired attribute {name}={value} to {name}=\"{doubled.group(2)}\"",
                     f"write {name}=\"...\" once")
                value = doubled.group(2)
        fixed.append((name, value))
    return fixed


def _serialize(name: str, attrs) -> str:
    parts = [name]
    for attr, value in attrs:
        parts.append(attr if value is None else f'{attr}="{html.escape(html.unescape(value), quote=True)}"')
    return "<" + " ".join(parts) + ">"


def _iframe_lenient(state: StateInline, silent: bool) -> bool:
    """An iframe start tag the strict HTML rule rejected (a typo in its attributes)."""
    if not state.md.options.get("html") or not state.src.startswith("<iframe", state.pos):
        return False
    match = TAG.match(state.src, state.pos)
    if not match or match.group(1).lower() != "iframe":
        return False
    if not silent:
        attrs = _repair_attributes(parse_attributes(match.group(2)), state.env,
                                   inline_line(state, state.pos))
        token = state.push("html_inline", "", 0)
        token.content = _serialize("iframe", attrs)
    state.pos = match.end()
    return True


def _fix_iframe_tags(content: str, env: MutableMapping[str, Any], line: int | None) -> str:
    """Re-serialize iframe start tags whose attributes needed a repair."""

    def fix(match: re.Match) -> str:
        tag = TAG.match(match.group(0))
        if tag is None:
            return match.group(0)
        attrs = parse_attributes(tag.group(2))
        fixed = _repair_attributes(attrs, env, line)
        return match.group(0) if fixed == attrs else _serialize("iframe", fixed)

    return _IFRAME_OPEN.sub(fix, content)


def _close_iframes(content: str, closed_after: bool) -> str:
    """Insert ``</iframe>`` after every start tag not followed by its end tag."""
    out, pos = [], 0
    opens = list(_IFRAME_OPEN.finditer(content))
    for i, match in enumerate(opens):
        out.append(content[pos: match.end()])
        pos = match.end()
        rest_end = opens[i + 1].start() if i + 1 < len(opens) else len(content)
        close = _IFRAME_CLOSE.search(content, pos, rest_end)
        if close is None and not (closed_after and i == len(opens) - 1 and not content[pos:].strip()):
            out.append("</iframe>")
    out.append(content[pos:])
    return "".join(out)


def _rewrite_urls(content: str, base_path: str) -> str:
    if base_path == "/":
        return content

    def tag(match: re.Match) -> str:
        return _URL_ATTR.sub(lambda m: m.group(1) + m.group(2) + with_base(m.group(3), base_path), match.group(0))

    return TAG.sub(tag, content)


_ANY_URL_ATTR = re.compile(r"""(\s(?:src|href|poster|action|data)\s*=\s*)(["'])([^"']*)\2""", re.I)


def resolve_urls(fragment: str, page_url: str) -> str:
    """Make relative ``src``/``href`` in an HTML fragment absolute against ``page_url``.

    For HTML that leaves its page: a post's excerpt on the index, its body in
    the feed.  ``page_url`` may be root-relative (``/repo/posts/x/``) or absolute.
    """
    from urllib.parse import urljoin

    def attr(match: re.Match) -> str:
        url = match.group(3)
        if not url or url.startswith("/") or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{urljoin(page_url, url)}{match.group(2)}"

    return TAG.sub(lambda m: _ANY_URL_ATTR.sub(attr, m.group(0)), fragment)


def _drop_mathjax(content: str, env: MutableMapping[str, Any], line: int | None) -> str:
    def drop(match: re.Match) -> str:
        attrs = match.group(1).lower()
        if "mathjax" in attrs or "x-mathjax-config" in attrs or (
                not attrs.strip() and "MathJax" in match.group(0)):
            warn(env, line, "dropped a MathJax <script> from the post body",
                 "the site loads MathJax 3 itself on pages with math; remove the tag to silence this")
            return ""
        return match.group(0)

    return _SCRIPT.sub(drop, content)


def _next_closes(children, index: int) -> bool:
    """Whether only whitespace separates children[index] from a ``</iframe>``."""
    for child in children[index + 1:]:
        if child.type in ("softbreak", "hardbreak") or (child.type == "text" and not child.content.strip()):
            continue
        return child.type == "html_inline" and _IFRAME_CLOSE.match(child.content.lstrip()) is not None
    return False


def _repair(state: StateCore, base_path: str, drop_mathjax: bool) -> None:
    env = state.env
    for token in state.tokens:
        if token.type == "html_block":
            content = token.content
            line = token.map[0] if token.map else None
            if drop_mathjax and "<script" in content.lower():
                content = _drop_mathjax(content, env, line)
                if not content.strip():
                    content = ""
            if "<iframe" in content.lower():
                content = _close_iframes(_fix_iframe_tags(content, env, line), False)
            token.content = _rewrite_urls(content, base_path)
        elif token.children:
            children = token.children
            for i, child in enumerate(children):
                if child.type != "html_inline":
                    continue
                content = child.content
                if "<iframe" in content.lower():
                    content = _fix_iframe_tags(content, env, token.map[0] if token.map else None)
                    content = _close_iframes(content, _next_closes(children, i))
                child.content = _rewrite_urls(content, base_path)
