"""Math in the kramdown dialect: what a Jekyll blog's MathJax found in kramdown's output.

On a Jekyll blog, kramdown turns the Markdown into HTML first and MathJax,
in the reader's browser, then finds the math in the *text* of that HTML.
kramdown knows only ``$$...$$``; everything else MathJax saw (``$...$`` when
the blog enabled it, ``\\(...\\)``, ``\\[...\\]``, ``\\begin{env}``, ``\\eqref``)
is text that kramdown had already processed.  This module rebuilds that text
for one paragraph (the *view*, :func:`kramdown_view`) and runs MathJax's own
finder on it (:mod:`.findtex`), so each formula reaches MathJax as it did there.

What kramdown does to the view (kramdown 2.4 with kramdown-parser-gfm 1.1, Jekyll's default):

* backslash escapes (``ESCAPED_CHARS_GFM``): ``\\X`` -> ``X`` for X in
  ``\\ . * _ + ` < > ( ) [ ] { } # ! : | " ' $ = - ~``; any other ``\\X``
  stays.  So ``\\_`` is ``_``, ``\\{`` is ``{``, ``\\\\{`` is ``\\{``,
  ``\\$`` is a bare ``$`` and ``\\\\$`` is the ``\\$`` MathJax reads as a dollar;
* line breaks: ``\\\\`` or two spaces before a line end, and (GFM) a single
  ``\\`` before a line end, become ``<br>`` (MathJax reads it as a line break);
* ``$$...$$`` (up to the next ``$$`` in the paragraph) becomes ``\\(...\\)``
  with its content stripped of outer white space;
* code spans, HTML tags, autolinks, links and footnote markers become
  elements, and MathJax never pairs delimiters across an element (except
  ``<br>``, ``<wbr>`` and comments); a link's destination and an image are
  not text at all;
* entities (``&lt;``, ``&#36;``) are the characters they stand for.

Where kramdown damaged the TeX, the author's TeX is kept instead (the
deliberate differences, also listed in the README):

* a ``\\\\`` row break (followed by a space, a line end, the end of the
  paragraph or ``[2pt]``) in a formula with an environment or ``\\substack``:
  kramdown's escaping made it ``\\`` (or a ``<br>``) and the rows ran together;
* kramdown's typography is not applied inside math: a straight ``'`` prime
  stays ``'`` (kramdown made it ``’``), and so do ``"``, ``--``, ``...``, ``<<``;
* emphasis never applies inside a formula: under kramdown ``$x^*$ and $y^*$``
  became ``<em>`` and MathJax found no formula there;
* ``\\begin{name}`` of an environment MathJax does not know (``theorem``)
  stays text, with a warning (MathJax showed an error box there).

Not reproduced (each made a blog show broken math, so posts rarely rely on
it): kramdown's table made of a paragraph whose every line holds a ``|``
(``The norm $|x|$ is positive.`` alone on its line);
reference-style links whose reference is defined (``[a][b]`` counts as text,
as an undefined one is to kramdown); a ``$``
pairing with a ``$`` *inside* kramdown's ``$$...$$`` or a ``\\)`` inside it.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from .environments import ENVIRONMENTS
from .findtex import Delimiters, TexMatch, find_tex

#: kramdown-parser-gfm's ESCAPED_CHARS_GFM: kramdown's ESCAPED_CHARS plus ``~``.
ESCAPABLE = frozenset("\\.*_+`<>()[]{}#!:|\"'$=-~")

_SPECIAL = re.compile(r"[\\`<\[&$]|!\[|  (?=\n)")
_DIMENSION = re.compile(r"\[\s*-?(?:\d+\.?\d*|\.\d+)\s*(?:pt|em|ex|mm|cm|in|mu|px|bp|pc|dd|cc|sp)\s*\]")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_AUTOLINK = re.compile(r"<(?:(?:mailto|https?|ftps?):.+?|[\w.-]+?@[\w.-]+?)>")
_OPEN_TAG = re.compile(r"""<([A-Za-z][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:[\w-]+|"[^"]*"|'[^']*'))?)*)"""
                       r"\s*/?>")
_CLOSE_TAG = re.compile(r"</([A-Za-z][\w:.-]*)\s*>")
_ENTITY = re.compile(r"&(?:[\w:][\w.:-]*|#\d+|#x[0-9a-fA-F]+);")
_LABEL = r"\[((?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*)\]"
_INLINE_LINK = re.compile(_LABEL + r"\(\s*(?:<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
                          r"""(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)""", re.DOTALL)
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\]")
_KRAMDOWN_MATH = re.compile(r"\$\$(.*?)\$\$", re.DOTALL)
_ENV_NAME = re.compile(r"\\begin\s*\{([^}]*)\}")
#: kramdown's span elements; other tag names in a paragraph stay text (HTML_SPAN_ELEMENTS and friends).
_BLOCK_TAGS = frozenset([
    "address", "article", "aside", "applet", "body", "blockquote", "caption", "col", "colgroup", "dd", "div", "dl",
    "dt", "fieldset", "figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr",
    "html", "head", "iframe", "legend", "menu", "li", "main", "map", "nav", "ol", "optgroup", "p", "pre", "section",
    "summary", "table", "tbody", "td", "th", "thead", "tfoot", "tr", "ul"])
#: Elements without content (kramdown's HTML_ELEMENTS_WITHOUT_BODY).
_EMPTY_TAGS = frozenset(["area", "base", "br", "col", "command", "embed", "hr", "img", "input", "keygen", "link",
                         "meta", "param", "source", "track", "wbr"])
#: Elements whose content MathJax never reads (its skipHtmlTags).
_SKIPPED_TAGS = frozenset(["script", "noscript", "style", "textarea", "pre", "code"])
#: Ruby's String#strip (kramdown strips $$ math): ASCII white space and NUL.
RUBY_SPACE = " \t\n\v\f\r\0"


# --------------------------------------------------------------------------
# the view: the text of kramdown's output, piece by piece

@dataclass
class View:
    """What MathJax read from one paragraph, and where each part came from in the Markdown.

    The view is cut into *pieces*.  A piece is either *linear* (its text is the
    source text, character for character) or an atom (an escape, an entity, a
    line break, a ``$$`` formula) whose text differs from the source.
    ``author`` holds, for atoms where kramdown damaged TeX, what the author wrote.
    """

    text: str = ""
    segments: list[tuple[int, int]] = field(default_factory=list)   # view ranges MathJax searched apart
    v_start: list[int] = field(default_factory=list)
    s_start: list[int] = field(default_factory=list)
    v_len: list[int] = field(default_factory=list)
    s_len: list[int] = field(default_factory=list)
    linear: list[bool] = field(default_factory=list)
    author: dict[int, str] = field(default_factory=dict)      # piece index -> the author's text
    kramdown_math: dict[int, str] = field(default_factory=dict)  # piece index -> TeX of a $$ formula

    def source(self, v: int, *, end: bool = False) -> int | None:
        """Source offset of view offset ``v`` (a piece boundary or inside a linear piece), else None.

        ``end``: ``v`` ends a range, so it belongs to the piece before it (not to an
        empty piece, a code span say, that starts there)."""
        k = (bisect_left(self.v_start, v) if end else bisect_right(self.v_start, v)) - 1
        if k < 0:
            return self.s_start[0] if self.s_start else None
        if v == self.v_start[k]:
            return self.s_start[k]
        offset = v - self.v_start[k]
        if self.linear[k] and offset <= self.v_len[k]:
            return self.s_start[k] + offset
        if offset == self.v_len[k]:
            return self.s_start[k] + self.s_len[k]
        return None

    def piece_at(self, v: int) -> int:
        return bisect_right(self.v_start, v) - 1


class _Builder:
    def __init__(self, start: int):
        self.view = View()
        self.parts: list[str] = []
        self.length = 0
        self.segment_start = 0
        self.src_end = start
        self.open_tags: list[str] = []      # span-level HTML elements opened and not closed yet

    def add(self, s_start: int, s_end: int, text: str, linear: bool = False, author: str | None = None) -> int:
        view = self.view
        index = len(view.v_start)
        view.v_start.append(self.length)
        view.s_start.append(s_start)
        view.v_len.append(len(text))
        view.s_len.append(s_end - s_start)
        view.linear.append(linear)
        if author is not None:
            view.author[index] = author
        self.parts.append(text)
        self.length += len(text)
        self.src_end = s_end
        return index

    def plain(self, s_start: int, s_end: int, src: str) -> None:
        if s_end > s_start:
            self.add(s_start, s_end, src[s_start:s_end], linear=True)

    def brk(self) -> None:
        if self.length > self.segment_start:
            self.view.segments.append((self.segment_start, self.length))
        self.segment_start = self.length

    def finish(self) -> View:
        self.brk()
        self.view.text = "".join(self.parts)
        return self.view


def kramdown_view(src: str, start: int = 0, end: int | None = None) -> View:
    """The text kramdown gives MathJax for ``src[start:end]`` (one paragraph's inline content)."""
    end = len(src) if end is None else end
    out = _Builder(start)
    i = start
    link_end: tuple[int, int] | None = None   # (end of a link's text, end of the whole link)
    while i < end:
        if link_end is not None and i >= link_end[0]:
            out.brk()
            i, link_end = link_end[1], None
            continue
        limit = link_end[0] if link_end is not None else end
        match = _SPECIAL.search(src, i, limit)
        if match is None:
            out.plain(i, limit, src)
            i = limit
            continue
        out.plain(i, match.start(), src)
        i = match.start()
        ch = src[i]
        if ch == "\\":
            i = _backslashes(src, i, limit, out)
        elif ch == "`":
            i = _code_span(src, i, start, limit, out)
        elif ch == "<":
            i = _angle(src, i, limit, out)
        elif ch == "[" or ch == "!":
            i, link_end = _link(src, i, limit, out, link_end)
        elif ch == "&":
            entity = _ENTITY.match(src, i, limit)
            if entity:
                text = html.unescape(entity.group(0))
                out.add(i, entity.end(), text, linear=text == entity.group(0))
                i = entity.end()
            else:
                out.plain(i, i + 1, src)
                i += 1
        elif ch == "$":
            i = _dollars(src, i, limit, out)
        else:                                   # two spaces before a line end: <br>
            out.add(i, i + 2, "\n")
            i += 2
    return out.finish()


def _backslashes(src: str, i: int, limit: int, out: _Builder) -> int:
    """A run of backslashes and what follows, as kramdown's escapes and line breaks read it."""
    run = 0
    while i + run < limit and src[i + run] == "\\":
        run += 1
    after = src[i + run] if i + run < limit else ""
    pairs, odd = divmod(run, 2)
    for k in range(pairs):
        pos = i + 2 * k
        last = k == pairs - 1 and not odd
        if last and after == "\n":
            # kramdown's LINE_BREAK: "\\" before a line end is a <br> (the backslashes are gone)
            out.add(pos, pos + 2, "\n", author="\\\\" if run == 2 else "\\")
        elif last and run == 2 and (after in ("", " ", "\t") or _DIMENSION.match(src, i + run, limit)):
            out.add(pos, pos + 2, "\\", author="\\\\")    # a \\ row break, escaped to \ by kramdown
        else:
            out.add(pos, pos + 2, "\\")
    if not odd:
        return i + run
    pos = i + run - 1
    if after and after in ESCAPABLE:
        out.add(pos, pos + 2, after)
        return pos + 2
    if after == "\n":
        out.add(pos, pos + 1, "\n")     # GFM: a backslash before a line end is a <br>
        return pos + 1
    out.plain(pos, pos + 1, src)
    return pos + 1


def _code_span(src: str, i: int, start: int, limit: int, out: _Builder) -> int:
    """kramdown's code span: one backtick closes at the next backtick, longer runs at the same run."""
    run = 1
    while i + run < limit and src[i + run] == "`":
        run += 1
    lone = run == 1 and (i == start or src[i - 1].isspace()) and i + 1 < limit and src[i + 1].isspace()
    close = -1 if lone else src.find("`" * run, i + run, limit)
    if close < 0:
        out.plain(i, i + run, src)
        return i + run
    out.brk()
    out.add(i, close + run, "")
    out.brk()
    return close + run


def _angle(src: str, i: int, limit: int, out: _Builder) -> int:
    """Comments (nothing to MathJax), autolinks and span-level tags (element boundaries), or text."""
    for pattern in (_COMMENT, _AUTOLINK):
        match = pattern.match(src, i, limit)
        if match:
            if pattern is _AUTOLINK:
                out.brk()
            out.add(i, match.end(), "")
            if pattern is _AUTOLINK:
                out.brk()
            return match.end()
    match = _OPEN_TAG.match(src, i, limit) or _CLOSE_TAG.match(src, i, limit)
    closing = match is not None and match.group(0).startswith("</")
    name = match.group(1).lower() if match else ""
    if match is None or name in _BLOCK_TAGS or (closing and name not in out.open_tags):
        # not a tag, a block tag in a paragraph, or a closing tag nothing opened: kramdown keeps it as text
        out.plain(i, i + 1, src)
        return i + 1
    if name in ("br", "wbr"):
        out.add(i, match.end(), "\n" if name == "br" else "")
        return match.end()
    if closing:
        del out.open_tags[len(out.open_tags) - 1 - out.open_tags[::-1].index(name):]
    elif not match.group(0).endswith("/>") and name not in _EMPTY_TAGS:
        out.open_tags.append(name)
    stop = match.end()
    if name in _SKIPPED_TAGS and not closing:
        closer = re.compile(r"</" + re.escape(name) + r"\s*>", re.IGNORECASE).search(src, stop, limit)
        stop = closer.end() if closer else stop
    out.brk()
    out.add(i, stop, "")
    out.brk()
    return stop


def _link(src: str, i: int, limit: int, out: _Builder,
          link_end: tuple[int, int] | None) -> tuple[int, tuple[int, int] | None]:
    """Links: their text is an element of its own; destinations and images are no text at all."""
    if src[i] == "!":
        image = _INLINE_LINK.match(src, i + 1, limit)
        if image is None:
            out.plain(i, i + 1, src)
            return i + 1, link_end
        out.brk()
        out.add(i, image.end(), "")
        out.brk()
        return image.end(), link_end
    footnote = _FOOTNOTE.match(src, i, limit)
    if footnote:
        out.brk()
        out.add(i, footnote.end(), "")
        out.brk()
        return footnote.end(), link_end
    # only inline links: a reference link is one only when its reference is defined somewhere
    link = None if link_end is not None else _INLINE_LINK.match(src, i, limit)
    if link is None:
        out.plain(i, i + 1, src)
        return i + 1, link_end
    out.brk()
    out.add(i, i + 1, "")
    return i + 1, (link.end(1), link.end())


def _dollars(src: str, i: int, limit: int, out: _Builder) -> int:
    """``$$...$$`` is kramdown's own math: MathJax reads ``\\(...\\)``.  Other dollars are text."""
    if src.startswith("$$", i):
        match = _KRAMDOWN_MATH.match(src, i, limit)
        if match:
            tex = match.group(1).strip(RUBY_SPACE)
            index = out.add(i, match.end(), "\\(" + tex + "\\)")
            out.view.kramdown_math[index] = tex
            return match.end()
    out.plain(i, i + 1, src)
    return i + 1


# --------------------------------------------------------------------------
# formulas in a view

@dataclass(frozen=True)
class Formula:
    """One thing MathJax found, located in the Markdown source."""

    start: int
    end: int
    kind: str               # "math", "env", "ref", "escape", or "kramdown" ($$...$$)
    tex: str                # TeX for MathJax; for "escape" the character to show
    display: bool
    markup: str             # the opening delimiter as MathJax saw it


@dataclass
class Analysis:
    formulas: dict[int, Formula] = field(default_factory=dict)   # by source start
    #: Source spans of a ``$$`` that opened nothing: MathJax went on after both dollars (start -> end).
    dead_openers: dict[int, int] = field(default_factory=dict)
    #: (source offset, message, hint) of problems worth a warning
    problems: list[tuple[int, str, str]] = field(default_factory=list)


@lru_cache(maxsize=4)
def delimiters(dollar: bool) -> Delimiters:
    """MathJax's finder as on the blog; ``\\(`` is always on (kramdown writes $$ math with it).

    Unlike MathJax, ``\\begin{name}`` starts math only for environments MathJax
    knows: ``\\begin{theorem} ... $x$ ... \\end{theorem}`` is text with a formula
    in it here, and a warning (MathJax typeset the whole as one error box)."""
    inline = (("$", "$"), ("\\(", "\\)")) if dollar else (("\\(", "\\)"),)
    return Delimiters(inline=inline, environment_names=ENVIRONMENTS)


def analyse(src: str, start: int = 0, end: int | None = None, *, dollar: bool = True,
            paren: bool = True) -> Analysis:
    """Every formula MathJax found in ``src[start:end]`` (one paragraph) and the problems seen.

    :param dollar: the blog's MathJax read ``$...$`` as inline math.
    :param paren: it read ``\\(...\\)`` (kramdown's own ``$$`` math always counts).
    """
    result = Analysis()
    view = kramdown_view(src, start, end)
    delims = delimiters(dollar)
    for seg_start, seg_end in view.segments:
        text = view.text[seg_start:seg_end]
        unclosed: list[tuple[int, str]] = []
        for match in find_tex(text, delims, unclosed=unclosed):
            formula = _locate(view, match, seg_start, paren, result)
            if formula is not None:
                result.formulas[formula.start] = formula
        for offset, opener in unclosed:
            _unclosed(view, text, offset, opener, seg_start, result)
    return result


def _locate(view: View, match: TexMatch, base: int, paren: bool, result: Analysis) -> Formula | None:
    start, end = view.source(base + match.start), view.source(base + match.end, end=True)
    if start is None or end is None:
        return None                 # starts or ends inside an atom: not a place a rule can reach
    if match.kind == "escape":
        return Formula(start, end, "escape", match.math, False, "")
    if match.kind == "ref":
        return Formula(start, end, "ref", match.math, False, "ref")
    first = view.piece_at(base + match.start)
    if first in view.kramdown_math and view.v_start[first] + view.v_len[first] == base + match.end:
        return Formula(start, end, "kramdown", view.kramdown_math[first], False, "$$")
    if match.kind == "env":
        tex = author_tex(view, base + match.start, base + match.end)
        return Formula(start, end, "env", tex, True, "env")
    if match.open == "\\(" and not paren:
        return None
    content_start = base + match.start + len(match.open)
    content_end = base + match.end - len(match.close)
    tex = author_tex(view, content_start, content_end)
    return Formula(start, end, "math", tex, match.display, match.open)


def _unclosed(view: View, text: str, offset: int, opener: str, base: int, result: Analysis) -> None:
    start = view.source(base + offset)
    if start is None:
        return
    end = view.source(base + offset + len(opener), end=True)
    if opener == "$$" and end is not None:
        result.dead_openers[start] = end
    after = text[offset + len(opener): offset + len(opener) + 1]
    if opener == "$$":
        result.problems.append((start, "unclosed $$: no matching $$ in this paragraph",
                                "close the formula with $$, or write \\\\$ for a literal dollar sign"))
    elif opener == "$" and after and not after.isdigit() and not after.isspace() and after not in ".,;:!?)":
        result.problems.append((start, "unclosed $: no closing $ in this paragraph",
                                "close the formula with $, or write \\\\$ for a literal dollar sign"))
    elif opener.startswith("\\begin"):
        name = _ENV_NAME.match(opener)
        if name is None:
            return
        if name.group(1) not in ENVIRONMENTS:
            result.problems.append((start, f"\\begin{{{name.group(1)}}} is not a math environment; it stays text",
                                    "on the Jekyll blog MathJax tried it as math and showed an error; "
                                    "put it inside $$...$$ if it is math"))
        else:
            result.problems.append((start, f"\\begin{{{name.group(1)}}} without \\end{{{name.group(1)}}}",
                                    "add the matching \\end, or put the environment inside $$...$$"))


def author_tex(view: View, v_from: int, v_to: int) -> str:
    """The view's text from ``v_from`` to ``v_to``, with the author's ``\\\\`` where kramdown
    broke a row break, when the formula has rows (an environment or ``\\substack``)."""
    text = view.text[v_from:v_to]
    if not view.author or ("\\begin" not in text and "\\substack" not in text):
        return text
    out, pos = [], v_from
    k = max(view.piece_at(v_from), 0)
    while k < len(view.v_start) and view.v_start[k] < v_to:
        if k in view.author and view.v_start[k] >= v_from and view.v_start[k] + view.v_len[k] <= v_to:
            out.append(view.text[pos: view.v_start[k]])
            out.append(view.author[k])
            pos = view.v_start[k] + view.v_len[k]
        k += 1
    out.append(view.text[pos:v_to])
    return "".join(out)


def block_tex(text: str) -> str:
    """The TeX MathJax got from a block of Markdown text (an environment or ``\\\\[...\\\\]``)."""
    view = kramdown_view(text)
    return author_tex(view, 0, len(view.text))


def math_spans(line: str, *, dollar: bool = True, paren: bool = True) -> list[tuple[int, int]]:
    """(start, end) of the formulas in one line (a table row), for splitting it into cells."""
    found = analyse(line, dollar=dollar, paren=paren).formulas
    return sorted((f.start, f.end) for f in found.values() if f.kind != "escape")
