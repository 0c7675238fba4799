"""Link and image destinations: spaces as Jekyll allows, and the site's base path.

* ``![plot](/images/my plot.png)`` is an image, as it is under kramdown:
  when the CommonMark destination parser gives up because of a space, the
  destination runs to the closing parenthesis (an optional quoted title at
  the end is still a title).  Spaces are percent-encoded in the output.
* Root-relative URLs (``/assets/x.html``) in links and images get the
  configured base path (``/repo/assets/x.html``), so a GitHub project site
  works without editing posts.  URLs that already start with the base path
  (for example from ``{{ site.baseurl }}``) are left alone.
"""

from __future__ import annotations

import types

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from markdown_it.helpers import parseLinkDestination, parseLinkLabel, parseLinkTitle
from markdown_it.rules_core import StateCore

from ..rules import place_core


def links_plugin(md: MarkdownIt, *, base_path: str = "/", spaces: bool = True) -> None:
    """Lenient destinations and base-path rewriting.

    :param base_path: path prefix of the site, starting and ending with ``/``.
    :param spaces: accept unencoded spaces in link and image destinations.
    """
    if spaces:
        # the helpers module's interface, with our destination parser inside
        md.helpers = types.SimpleNamespace(parseLinkLabel=parseLinkLabel,  # type: ignore[assignment]
                                           parseLinkDestination=_lenient_destination,
                                           parseLinkTitle=parseLinkTitle)
    if base_path != "/":
        place_core(md, "base_path", lambda state: _rewrite_links(state, base_path))


def with_base(url: str, base_path: str) -> str:
    """Prefix a root-relative URL with the base path (idempotent)."""
    if base_path == "/" or not url.startswith("/") or url.startswith("//"):
        return url
    if url.startswith(base_path) or url + "/" == base_path:
        return url
    return base_path + url[1:]


def _closes_link(src: str, pos: int, maximum: int) -> bool:
    """Whether optional spaces, an optional title and ')' follow ``pos``."""
    start = pos
    while pos < maximum and src[pos] in " \t\n":
        pos += 1
    if pos < maximum and src[pos] == ")":
        return True
    if pos == start:
        return False
    title = parseLinkTitle(src, pos, maximum)
    if not title.ok:
        return False
    pos = title.pos
    while pos < maximum and src[pos] in " \t\n":
        pos += 1
    return pos < maximum and src[pos] == ")"


def _lenient_destination(src: str, pos: int, maximum: int):
    result = parseLinkDestination(src, pos, maximum)
    if (result.ok and _closes_link(src, result.pos, maximum)) or src[pos: pos + 1] == "<":
        return result
    # Run to the parenthesis that closes the link, on the same line.
    depth, i = 0, pos
    while i < maximum:
        ch = src[i]
        if ch == "\n":
            return result
        if ch == "\\":
            i += 2
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        i += 1
    else:
        return result
    inner = src[pos:i]
    end = len(inner.rstrip())
    # A trailing quoted title stays a title.
    for quote in ('"', "'"):
        if inner[:end].endswith(quote):
            open_at = inner.rfind(" " + quote, 0, end - 1)
            if open_at > 0:
                end = len(inner[:open_at].rstrip())
            break
    destination = inner[:end]
    if not destination.strip():
        return result
    lenient = type(result)()
    lenient.ok, lenient.pos, lenient.str = True, pos + end, unescapeAll(destination)
    return lenient


def _rewrite_links(state: StateCore, base_path: str) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "link_open":
                child.attrs["href"] = with_base(str(child.attrs.get("href", "")), base_path)
            elif child.type == "image":
                child.attrs["src"] = with_base(str(child.attrs.get("src", "")), base_path)
