"""Math written inside raw HTML blocks, marked for MathJax as a Jekyll site's MathJax finds it.

kramdown leaves the content of a block of raw HTML alone (``<div>``,
``<center>``, a table written in HTML...), and so does CommonMark.  On a
Jekyll blog MathJax then scans the whole page and still typesets
``$$x$$`` or ``\\(x\\)`` found there.  Our MathJax only looks inside elements
of class ``math`` (so that prose dollars and code are never math), so this
rule finds formulas in the *text* of raw HTML blocks and wraps them the way
the math plugin renders its own.  Delimiters mean what they mean to MathJax
on such a page: ``$$...$$`` and ``\\[...\\]`` and environments are display,
``\\(...\\)`` and ``$...$`` (with the math plugin's rule for prose dollars)
are inline.  Tags, comments and what MathJax never reads (``script``,
``style``, ``pre``, ``code``, ``textarea``, ``iframe``...) are left as they are.

In the kramdown dialect the text is searched exactly as the blog's MathJax
searched it (:func:`..math.findtex.find_tex`): ``$...$`` only when the blog
read single dollars, and then with MathJax's pairing (``$ x $`` is math);
``\\eqref{..}``/``\\ref{..}`` become references; ``\\$`` and ``\\\\`` show as
the ``$`` and ``\\`` MathJax showed.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..math.index import (
    ENVIRONMENTS,
    find_env_end,
    find_single_dollar_close,
    find_unescaped,
    is_escaped,
    single_dollar_opens,
)
from ..rules import place_core

#: Elements whose content is never math (MathJax's skipHtmlTags, plus raw-text elements).
SKIP = ("script", "noscript", "style", "textarea", "pre", "code", "annotation", "annotation-xml", "iframe",
        "svg", "math")
_MARKUP = re.compile(r"<!--.*?-->|<(" + "|".join(SKIP) + r")\b[^>]*>.*?</\1\s*>|</?[A-Za-z][^>]*>|<[!?][^>]*>",
                     re.IGNORECASE | re.DOTALL)
_BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")


def html_math_plugin(md: MarkdownIt, *, dollars: bool = True, environments: frozenset[str] = ENVIRONMENTS,
                     dialect: str = "gdblog") -> None:
    """Mark TeX found in the text of raw HTML blocks for MathJax.

    :param dollars: recognise ``$...$`` and ``$$...$$`` (``\\(``/``\\[`` always are);
        in the kramdown dialect: whether the blog's MathJax read ``$...$``.
    :param environments: environments recognised without delimiters.
    :param dialect: ``"gdblog"`` or ``"kramdown"`` (MathJax's own rules, see above).
    """
    place_core(md, "jekyll_html_math", lambda state: _mark(state, dollars, environments, dialect))


def _mark(state: StateCore, dollars: bool, environments, dialect: str) -> None:
    for token in state.tokens:
        if token.type == "html_block" and ("$" in token.content or "\\" in token.content):
            content, found = mark_math(token.content, dollars, environments, dialect)
            if found:
                token.content = content
                state.env["math"] = state.env.get("math", 0) + found


def mark_math(html_text: str, dollars: bool = True, environments=ENVIRONMENTS,
              dialect: str = "gdblog") -> tuple[str, int]:
    """(HTML with each formula in its text wrapped, number of formulas)."""
    mark_text = _mark_text_mathjax if dialect == "kramdown" else _mark_text
    out, pos, count = [], 0, 0
    for match in _MARKUP.finditer(html_text):
        text, n = mark_text(html_text[pos: match.start()], dollars, environments)
        out += [text, match.group(0)]
        count += n
        pos = match.end()
    text, n = mark_text(html_text[pos:], dollars, environments)
    out.append(text)
    return "".join(out), count + n


def _wrap(tex: str, display: bool, env: bool = False) -> str:
    if env:
        return f'<span class="math display">{tex}</span>'
    if display:
        return f'<span class="math display">\\[{tex}\\]</span>'
    return f'<span class="math inline">\\({tex}\\)</span>'


def _mark_text(text: str, dollars: bool, environments) -> tuple[str, int]:
    if "$" not in text and "\\" not in text:
        return text, 0
    out, pos, start, count, end = [], 0, 0, 0, len(text)
    while pos < end:
        ch = text[pos]
        span = None
        if ch == "$" and dollars and not is_escaped(text, pos):
            if text.startswith("$$", pos):
                close = find_unescaped(text, "$$", pos + 2, end)
                if close > pos + 2:
                    span = (close + 2, _wrap(text[pos + 2: close], True))
            elif single_dollar_opens(text, pos, end):
                close = find_single_dollar_close(text, pos + 1, end)
                if close > 0:
                    span = (close + 1, _wrap(text[pos + 1: close], False))
        elif ch == "\\" and pos + 1 < end and not is_escaped(text, pos):
            nxt = text[pos + 1]
            if nxt in "([":
                close = find_unescaped(text, "\\" + (")" if nxt == "(" else "]"), pos + 2, end)
                if close >= 0:
                    span = (close + 2, _wrap(text[pos + 2: close], nxt == "["))
            elif nxt == "b":
                match = _BEGIN.match(text, pos)
                if match and match.group(1) in environments:
                    stop = find_env_end(text, match.group(1), match.end(), end)
                    if stop > 0:
                        span = (stop, _wrap(text[pos:stop], True, env=True))
        if span is None:
            pos += 2 if ch == "\\" else 1
            continue
        out += [text[start:pos], span[1]]
        count += 1
        pos = start = span[0]
    out.append(text[start:])
    return "".join(out), count


def _mark_text_mathjax(text: str, dollars: bool, environments) -> tuple[str, int]:
    """One run of text between tags, searched as the blog's MathJax searched it."""
    if "$" not in text and "\\" not in text:
        return text, 0
    from ..math.findtex import find_tex      # the kramdown dialect only: the default one never pays for it
    from ..math.kramdown import delimiters as kramdown_delimiters

    out, pos, count = [], 0, 0
    for found in find_tex(text, kramdown_delimiters(dollars)):
        out.append(text[pos: found.start])
        if found.kind == "escape":
            out.append(found.math)
        elif found.kind == "env":
            out.append(_wrap(found.math, True, env=True))
            count += 1
        elif found.kind == "ref":
            out.append(_wrap(found.math, False))
            count += 1
        else:
            out.append(_wrap(found.math, found.display))
            count += 1
        pos = found.end
    out.append(text[pos:])
    return "".join(out), count
