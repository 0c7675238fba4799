"""markdown-it plugin: Pandoc's fenced divs, the containers of Quarto's callouts, tabsets and margin notes.

A div opens with a line of three or more colons followed by attributes in
braces (``::: {#fig-x layout-ncol=2}``) or a single class name
(``::: callout-note``), and closes with a line of three or more colons only.
Divs nest: a closing line closes the innermost open div, as in Pandoc, so the
fences need not have different lengths.

Each div becomes ``fenced_div_open`` / ``fenced_div_close`` tokens whose
``meta["attributes"]`` holds the parsed :class:`Attributes`; other plugins
(callouts, tabsets, xref, citations) retype the divs they own in core rules.
A div nobody claims renders as ``<div>`` with its id, classes and
``data-KEY`` attributes, as Pandoc writes it.  An unclosed div runs to the end
of its container, with a warning.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token

from ..attributes.index import apply
from ..attributes.parse import Attributes, attributes_at
from ..diagnostics import warn

_OPEN = re.compile(r"^(:{3,})[ \t]*(.*?)[ \t]*:*[ \t]*$")
_CLOSE = re.compile(r"^:{3,}[ \t]*$")
_CLASS_WORD = re.compile(r"^[A-Za-z][\w-]*$")
#: Classes styled by the theme's scholarly stylesheet (margin content).
STYLED = frozenset(["column-margin", "aside", "column-page", "column-body-outset", "column-screen-inset"])


def divs_plugin(md: MarkdownIt) -> None:
    """Parse fenced divs into ``fenced_div_open`` / ``fenced_div_close`` tokens."""
    md.block.ruler.before("fence", "fenced_div", _div, {"alt": ["paragraph", "reference", "blockquote", "list"]})


def div_attributes(line: str) -> Attributes | None:
    """The attributes of a div's opening line (``::: {.a #b}`` or ``::: word``), or None if it is not one."""
    match = _OPEN.match(line)
    if not match:
        return None
    rest = match.group(2)
    if not rest:
        return None
    if rest.startswith("{"):
        found = attributes_at(rest, 0)
        return found[0] if found is not None and not rest[found[1]:].strip(" :") else None
    return Attributes(classes=[rest]) if _CLASS_WORD.match(rest) else None


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]: state.eMarks[line]]


def matching_close(state: StateBlock, start: int, end: int) -> int:
    """The line closing the div opened on ``start`` (nested divs counted), or -1."""
    depth = 1
    line = start + 1
    while line < end:
        if state.sCount[line] < state.blkIndent and not state.isEmpty(line):
            return -1  # the container ended
        if state.sCount[line] - state.blkIndent < 4:
            text = _line(state, line)
            if text.startswith(":::"):
                if _CLOSE.match(text):
                    depth -= 1
                    if depth == 0:
                        return line
                elif div_attributes(text) is not None:
                    depth += 1
        line += 1
    return -1


def _div(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if not state.src.startswith(":::", state.bMarks[startLine] + state.tShift[startLine]) \
            or state.sCount[startLine] - state.blkIndent >= 4:
        return False
    text = _line(state, startLine)
    attrs = div_attributes(text)
    if attrs is None:
        return False
    if silent:
        return True
    close = matching_close(state, startLine, endLine)
    if close < 0:
        warn(state.env, startLine, "this ::: div is never closed",
             "end it with a line holding only ::: (the div runs to the end of its container)")
    stop = close if close >= 0 else endLine
    opening = state.push("fenced_div_open", "div", 1)
    opening.map = [startLine, stop]
    opening.block = True
    apply(opening, attrs)
    if any(c in STYLED for c in attrs.classes):
        state.env.setdefault("features", set()).add("scholarly")

    old_parent, old_max = state.parentType, state.lineMax
    state.parentType = "fenced_div"
    state.lineMax = stop
    state.md.block.tokenize(state, startLine + 1, stop)
    state.parentType, state.lineMax = old_parent, old_max

    closing: Token = state.push("fenced_div_close", "div", -1)
    closing.block = True
    state.line = stop + 1 if close >= 0 else stop
    return True
