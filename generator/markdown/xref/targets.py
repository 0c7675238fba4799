"""Find and number the referenceable things of a document (in token order), as Quarto does.

* figures: a paragraph holding only an image with a ``#fig-`` id; a div with a
  ``#fig-`` id (its images are subfigures (a), (b), ... and its last paragraph
  the caption); a cell with ``#| label: fig-...``;
* tables: a pipe table with a ``: Caption {#tbl-x}`` paragraph right after (or
  before) it; a div with a ``#tbl-`` id; a cell with ``#| label: tbl-...``;
* equations: a display formula with ``{#eq-x}`` after its closing ``$$``;
* sections: headings with a ``#sec-`` id (all headings get numbers with
  ``number-sections: true``).

Each kind is numbered from 1 per document in order of appearance.  Figures and
tables are retyped into ``xref_float_open`` / ``xref_float_close`` tokens that
:mod:`.render` turns into ``<figure id=...>`` with a numbered ``<figcaption>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it.token import Token

from ..attributes.parse import trailing_attributes

_CAPTION = re.compile(r"^(?:Table)?:\s+")
KIND_NAMES = {"fig": "Figure", "tbl": "Table", "eq": "Equation", "sec": "Section"}


@dataclass
class Target:
    """One numbered thing: ``Figure 2``, ``Figure 2 (b)``, ``Table 1``, ``(3)``, ``Section 1.2``."""

    kind: str
    label: str
    number: str | None            # None: a section of an unnumbered document
    sub: str | None = None        # subfigure letter
    title: str = ""               # a section's heading text (its reference text when unnumbered)
    subcaptions: list = field(default_factory=list)  # for cells drawing several figures

    def text(self, suppress: bool = False) -> str:
        if self.number is None:
            return self.title
        number = f"{self.number} ({self.sub})" if self.sub else self.number
        if self.kind == "eq" and suppress:
            return f"({number})"
        return number if suppress else f"{KIND_NAMES[self.kind]}\u00a0{number}"


class Numbering:
    """Counters and the label -> Target table of one document."""

    def __init__(self) -> None:
        self.targets: dict[str, Target] = {}
        self.counts: dict[str, int] = {}

    def add(self, kind: str, label: str | None) -> Target:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        target = Target(kind, label or "", str(self.counts[kind]))
        if label:
            self.targets.setdefault(label, target)
        return target


def kind_of(label: str | None) -> str | None:
    if not label or "-" not in label:
        return None
    kind = label.split("-", 1)[0]
    return kind if kind in ("fig", "tbl") else None


def image_paragraph(tokens: list[Token], i: int) -> Token | None:
    """The image if tokens[i:i+3] is a paragraph holding only an image, else None."""
    if tokens[i].type != "paragraph_open" or i + 2 >= len(tokens) or tokens[i + 2].type != "paragraph_close":
        return None
    children = [c for c in tokens[i + 1].children or () if not (c.type == "text" and not c.content.strip())]
    return children[0] if len(children) == 1 and children[0].type == "image" else None


def caption_paragraph(tokens: list[Token], i: int) -> tuple[list[Token], str | None] | None:
    """(caption children, id) if tokens[i:i+3] is a ``: Caption {#tbl-x}`` paragraph, else None."""
    if tokens[i].type != "paragraph_open" or i + 2 >= len(tokens):
        return None
    inline = tokens[i + 1]
    if not _CAPTION.match(inline.content) or not inline.children:
        return None
    children = [c.copy() for c in inline.children]
    first = children[0]
    if first.type != "text" or not _CAPTION.match(first.content):
        return None
    first.content = _CAPTION.sub("", first.content, count=1)
    ident = None
    last = children[-1]
    if last.type == "text":
        found = trailing_attributes(last.content)
        if found is not None:
            last.content, ident = found[0], found[1].ident
    return [c for c in children if not (c.type == "text" and not c.content)], ident


def float_tokens(kind: str, target: Target | None, label: str | None, caption: list[Token] | None,
                 *, panel: int = 0, sub: bool = False) -> tuple[Token, Token]:
    """The ``xref_float_open`` / ``xref_float_close`` pair of one figure or table."""
    opening = Token("xref_float_open", "figure", 1)
    opening.block = True
    opening.meta = {"kind": kind, "target": target, "label": label, "caption": caption or [],
                    "panel": panel, "sub": sub}
    closing = Token("xref_float_close", "figure", -1)
    closing.block = True
    closing.meta = opening.meta
    return opening, closing
