"""The inline rule of the kramdown dialect (``markdown: kramdown`` in config.yml).

It takes the place of the default dialect's inline math rule.  For each
paragraph it asks :func:`.kramdown.analyse` once what MathJax found in
kramdown's output, then, as markdown-it walks the paragraph:

* at the start of a formula it emits the math token and skips past it, so
  no other rule (emphasis, escapes, links) ever touches its TeX;
* at a ``\\$`` or ``\\\\`` that MathJax read as an escape it emits the
  character MathJax showed (``$``, ``\\``);
* at any other backslash it does what kramdown did: drop the backslash of
  an escapable character (its set, not CommonMark's: ``\\%`` stays ``\\%``),
  and make a line break of ``\\\\`` or ``\\`` before a line end;
* at a ``$$`` MathJax could not close it keeps both dollars as text (MathJax
  went on after both, so neither may open a formula).
"""

from __future__ import annotations

from collections.abc import Callable

from markdown_it.rules_inline import StateInline

from ..diagnostics import inline_line, warn
from .environments import unbalanced
from .kramdown import ESCAPABLE, Analysis, Formula, analyse

_CACHE = "_kramdown_math"


def kramdown_inline_rule(*, dollar: bool, paren: bool) -> Callable[[StateInline, bool], bool]:
    """The rule, for a blog whose MathJax read ``$...$`` (``dollar``) and ``\\(...\\)`` (``paren``)."""

    def rule(state: StateInline, silent: bool) -> bool:
        pos = state.pos
        ch = state.src[pos]
        if ch != "$" and ch != "\\" and ch != "&":
            return False
        analysis = _analysis(state, dollar, paren)
        formula = analysis.formulas.get(pos)
        if formula is not None and formula.end <= state.posMax:
            if not silent:
                _emit(state, formula)
            state.pos = formula.end
            return True
        dead = analysis.dead_openers.get(pos)
        if dead is not None and dead <= state.posMax:
            # a $$ that MathJax could not close: both dollars are text, neither opens a formula
            if not silent:
                state.pending += "$$"
            state.pos = dead
            return True
        if ch == "\\":
            return _escape(state, silent)
        return False

    return rule


def _analysis(state: StateInline, dollar: bool, paren: bool) -> Analysis:
    cached = state.env.get(_CACHE)
    if cached is not None and cached[0] is state.src:
        return cached[1]
    result = analyse(state.src, dollar=dollar, paren=paren)
    state.env[_CACHE] = (state.src, result)
    for offset, message, hint in result.problems:
        warn(state.env, inline_line(state, offset), message, hint)
    for formula in result.formulas.values():
        problem = unbalanced(formula.tex) if formula.kind in ("math", "kramdown") else None
        if problem:
            warn(state.env, inline_line(state, formula.start), problem,
                 "every \\begin{...} needs its \\end{...} inside the same formula")
    return result


def _emit(state: StateInline, formula: Formula) -> None:
    if formula.kind == "escape":
        token = state.push("text_special", "", 0)
        token.content = formula.tex
        token.markup = state.src[formula.start: formula.end]
        token.info = "escape"
        return
    token = state.push("math_inline", "math", 0)
    token.content = formula.tex
    token.markup = formula.markup
    token.meta = {"display": formula.display, "env": formula.kind == "env"}
    state.env["math"] = state.env.get("math", 0) + 1


def _escape(state: StateInline, silent: bool) -> bool:
    """kramdown's backslash escapes and line breaks at ``state.pos`` (a backslash)."""
    src, pos, end = state.src, state.pos, state.posMax
    if pos + 1 >= end:
        return False
    nxt = src[pos + 1]
    if nxt == "\\" and pos + 2 < end and src[pos + 2] == "\n":
        return _hardbreak(state, silent, pos + 2)          # kramdown's LINE_BREAK: \\ before a line end
    if nxt == "\n":
        return _hardbreak(state, silent, pos + 1)          # GFM: \ before a line end
    if nxt in ESCAPABLE:
        if not silent:
            token = state.push("text_special", "", 0)
            token.content = nxt
            token.markup = "\\" + nxt
            token.info = "escape"
        state.pos = pos + 2
        return True
    if not silent:
        state.pending += "\\"       # not one of kramdown's escapes: the backslash stays
    state.pos = pos + 1
    return True


def _hardbreak(state: StateInline, silent: bool, newline: int) -> bool:
    if not silent:
        state.push("hardbreak", "br", 0)
    pos = newline + 1
    while pos < state.posMax and state.src[pos] in " \t":
        pos += 1
    state.pos = pos
    return True
