"""Make an SVG file safe to paste into an HTML page.

A standalone SVG starts with an XML prolog and maybe a doctype, which are
errors inside HTML, and its ``id``s are global once inlined: two PlantUML
diagrams on one page both define a shadow filter, and the second diagram's
shapes would use the first one's (or a missing one's when the first is
hidden).  :func:`inline_svg` removes the prolog, doctype, comments and
processing instructions, and renames every id to ``<prefix><n>`` (numbered in
document order, so the output does not depend on how PlantUML names them),
rewriting every reference: ``url(#id)`` in attributes and ``<style>``,
``href="#id"``, ``xlink:href="#id"`` and ``aria-labelledby``/``describedby``
lists.  Text content is never touched.
"""

from __future__ import annotations

import re

_PROLOG = re.compile(r"<\?.*?\?>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
# a doctype may carry an internal subset in brackets: <!DOCTYPE svg [ ... ]>
_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>", re.I)
#: A tag, with quoted attribute values that may contain '>'.
_TAG = re.compile(r"<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style\s*>)", re.S | re.I)
_ID = re.compile(r"""(\sid\s*=\s*)(["'])(.*?)\2""", re.S)
_URL_REF = re.compile(r"""url\(\s*(["']?)#([^"')\s]+)\1\s*\)""")
_HREF = re.compile(r"""(\s(?:xlink:)?href\s*=\s*)(["'])#(.*?)\2""", re.S)
_IDREFS = re.compile(r"""(\saria-(?:labelledby|describedby)\s*=\s*)(["'])(.*?)\2""", re.S)


def strip_prolog(svg: str) -> str:
    """The ``<svg>`` element alone: no prolog, doctype, comments or processing instructions."""
    svg = _COMMENT.sub("", svg)
    svg = _PROLOG.sub("", svg)
    svg = _DOCTYPE.sub("", svg)
    return svg.strip()


def prefix_ids(svg: str, prefix: str) -> str:
    """Rename every id to ``prefix`` + a number and rewrite all references to it."""
    # pass 1: the ids, numbered in order of appearance
    names: dict[str, str] = {}
    for tag in _TAG.finditer(svg):
        for match in _ID.finditer(tag.group(0)):
            old = match.group(3)
            if old not in names:
                names[old] = f"{prefix}{len(names)}"
    if not names:
        return svg

    def url(match: re.Match) -> str:
        new = names.get(match.group(2))
        return f"url(#{new})" if new else match.group(0)

    def fix_tag(match: re.Match) -> str:
        tag = match.group(0)
        if tag.startswith(("</", "<!")):
            return tag
        tag = _ID.sub(lambda m: m.group(1) + m.group(2) + names.get(m.group(3), m.group(3)) + m.group(2), tag)
        tag = _URL_REF.sub(url, tag)
        tag = _HREF.sub(lambda m: m.group(1) + m.group(2) + "#" + names.get(m.group(3), m.group(3)) + m.group(2)
                        if m.group(3) in names else m.group(0), tag)
        tag = _IDREFS.sub(lambda m: m.group(1) + m.group(2) + " ".join(names.get(x, x) for x in m.group(3).split())
                          + m.group(2), tag)
        return tag

    def fix_style(match: re.Match) -> str:
        return fix_tag_only(match.group(1)) + _URL_REF.sub(url, match.group(2)) + match.group(3)

    def fix_tag_only(text: str) -> str:
        return _TAG.sub(fix_tag, text)

    # pass 2: tags, and the text of <style> elements (CSS may say fill: url(#x))
    out, last = [], 0
    for style in _STYLE.finditer(svg):
        out.append(fix_tag_only(svg[last: style.start()]))
        out.append(fix_style(style))
        last = style.end()
    out.append(fix_tag_only(svg[last:]))
    return "".join(out)


def inline_svg(svg: str, prefix: str) -> str:
    """``svg`` ready to inline in HTML, its ids unique to this diagram."""
    return prefix_ids(strip_prolog(svg), prefix)
