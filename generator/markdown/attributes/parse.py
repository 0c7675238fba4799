"""Pandoc attributes ``{#id .class key=value key2="quoted value" -}``: parsing and HTML form.

Pandoc's grammar, as Quarto documents use it: ``#id`` (the last one wins),
``.class`` (they accumulate), ``key=value`` with a bare value running to the
next space or ``}``, ``key="value"`` / ``key='value'`` (a backslash escapes the
quote), and a lone ``-`` meaning ``.unnumbered``.  Anything else makes the text
not an attribute list (None), so ``{not attributes}`` stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ITEM = re.compile(r"""
    \#(?P<id>[^\s}#.]+)
  | \.(?P<cls>[^\s}#.=]+)
  | (?P<key>[A-Za-z_][\w:.-]*)=(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>[^\s"'}]+))
  | (?P<dash>-)(?=\s|$)
""", re.X)

#: Keys that are HTML attributes of their own; any other key becomes ``data-KEY``, as Pandoc writes it.
HTML_KEYS = frozenset(["width", "height", "style", "title", "alt", "lang", "dir", "role", "target", "rel",
                       "loading", "align", "colspan", "rowspan", "hidden", "tabindex"])


@dataclass
class Attributes:
    ident: str | None = None
    classes: list[str] = field(default_factory=list)
    pairs: dict[str, str] = field(default_factory=dict)

    def html(self) -> dict[str, str]:
        """The attributes as HTML writes them (unknown keys as ``data-KEY``)."""
        out: dict[str, str] = {}
        if self.ident:
            out["id"] = self.ident
        if self.classes:
            out["class"] = " ".join(self.classes)
        for key, value in self.pairs.items():
            out[key if key in HTML_KEYS or key.startswith(("data-", "aria-")) else f"data-{key}"] = value
        return out


def parse_attributes(body: str) -> Attributes | None:
    """The inside of ``{...}`` as Attributes, or None when it is not an attribute list."""
    attrs = Attributes()
    pos, end = 0, len(body)
    seen = False
    while True:
        while pos < end and body[pos] in " \t\n":
            pos += 1
        if pos >= end:
            return attrs if seen else None
        match = _ITEM.match(body, pos)
        if match is None or (match.end() < end and body[match.end()] not in " \t\n"):
            return None
        seen = True
        pos = match.end()
        if match.group("id") is not None:
            attrs.ident = match.group("id")
        elif match.group("cls") is not None:
            attrs.classes.append(match.group("cls"))
        elif match.group("dash"):
            attrs.classes.append("unnumbered")
        else:
            value = next(v for v in (match.group("dq"), match.group("sq"), match.group("bare")) if v is not None)
            if match.group("bare") is None:
                value = re.sub(r"\\(.)", r"\1", value)
            attrs.pairs[match.group("key")] = value


def attributes_at(src: str, pos: int, end: int | None = None) -> tuple[Attributes, int] | None:
    """Attributes in braces starting at ``src[pos] == "{"``: (attributes, index after ``}``), or None."""
    end = len(src) if end is None else end
    if pos >= end or src[pos] != "{" or src.startswith("{:", pos):
        return None
    close = _closing_brace(src, pos + 1, end)
    if close < 0:
        return None
    attrs = parse_attributes(src[pos + 1: close])
    return (attrs, close + 1) if attrs is not None else None


def trailing_attributes(text: str) -> tuple[str, Attributes] | None:
    """``"Caption {#tbl-x}"`` -> ("Caption", attributes), or None without a valid ``{...}`` at the end."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return None
    start = stripped.rfind("{")
    while start >= 0:
        found = attributes_at(stripped, start)
        if found is not None and found[1] == len(stripped):
            return stripped[:start].rstrip(), found[0]
        start = stripped.rfind("{", 0, start)
    return None


def _closing_brace(src: str, pos: int, end: int) -> int:
    quote = None
    while pos < end:
        ch = src[pos]
        if quote:
            if ch == "\\":
                pos += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "}":
            return pos
        elif ch == "\n":
            return -1
        pos += 1
    return -1
