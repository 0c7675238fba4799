"""Math in Markdown: find every formula, keep its TeX byte-for-byte, mark it for MathJax.

Forms recognised (none of them inside code spans or code blocks):

======================  ==========================================  ===========
written                 where                                       shown as
======================  ==========================================  ===========
``$...$``               inline (Pandoc's rule, see below)           inline
``$$...$$``             inside a paragraph (kramdown's convention)  inline
``$$...$$``             alone on its line(s)                        display
``\\(...\\)``           anywhere                                    inline
``\\[...\\]``           alone on its line(s) / inside a paragraph   display
``\\begin{env}...``     known amsmath environments                  display
``\\\\(...\\\\)``       kramdown-escaped delimiters                 inline
``\\\\[...\\\\]``       kramdown-escaped delimiters                 display
``\\eqref{x}``         equation references in prose                inline
======================  ==========================================  ===========

Single-dollar rule (Pandoc's, made a little smarter for real posts): the
opening ``$`` must not be followed by a space or tab, the closing ``$`` must
not be preceded by one nor followed by a digit, and a ``\\$`` is a literal
dollar.  So "it costs $5 and $10" stays prose.  Two refinements: a line break
right after the opening or right before the closing ``$`` is allowed when the
formula stands on its own lines (the opening ``$`` starts or ends its line) or
opens with a TeX command, because writers put ``$`` on lines of their own around
multi-line formulas; and the first
unescaped ``$`` after the opening must be the closing one, since TeX cannot
contain a bare ``$`` ("$5 and $x$" is a price and then a formula).

The content of a formula is never touched by other Markdown rules: it is cut
out before escapes, emphasis or links run, and rendered HTML-escaped once.
Content inside the kramdown-escaped forms is Markdown-unescaped the way
kramdown does (``\\_`` -> ``_``), so MathJax receives what it got under Jekyll.

Rendering marks each formula with explicit delimiters inside an element of
class ``math`` (``<span class="math inline">\\(...\\)</span>``,
``<div class="math display">\\[...\\]</div>``); MathJax is told to look only
inside such elements, so prose dollars and code can never become math.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import MutableMapping
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from ..diagnostics import inline_line, warn
from .environments import ENVIRONMENTS, unbalanced

#: Characters kramdown removes the backslash from (its ESCAPED_CHARS).
KRAMDOWN_ESCAPABLE = frozenset("\\.*_+-`<>()[]{}#!:|\"'$=")

_BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
_ENV_TAG = re.compile(r"\\(begin|end)\{([A-Za-z]+\*?)\}")


def math_plugin(md: MarkdownIt, *, dollars: bool = True, brackets: bool = True,
                environments: frozenset[str] = ENVIRONMENTS, kramdown_escapes: bool = True,
                dialect: str = "gdblog", inline_delimiters: tuple[str, ...] = ("$", "\\(")) -> None:
    """Parse TeX math and render it for MathJax.

    :param dollars: recognise ``$...$`` and ``$$...$$``.
    :param brackets: recognise ``\\(...\\)`` and ``\\[...\\]``.
    :param environments: names of environments recognised without delimiters.
    :param kramdown_escapes: recognise ``\\\\(...\\\\)`` / ``\\\\[...\\\\]`` and
        unescape their content as kramdown does.
    :param dialect: ``"gdblog"`` (the rules above) or ``"kramdown"``: each formula is
        what a Jekyll blog's MathJax found in kramdown's output (see :mod:`.kramdown`);
        ``dollars``, ``brackets`` and ``kramdown_escapes`` do not apply then.
    :param inline_delimiters: for the kramdown dialect, the inline delimiters the blog's
        MathJax read: ``"$"`` and/or ``"\\("``.
    """
    kramdown = dialect == "kramdown"
    if kramdown:
        from .kramdown_rule import kramdown_inline_rule

        inline = kramdown_inline_rule(dollar="$" in inline_delimiters, paren="\\(" in inline_delimiters)
        opts = _Options(True, False, environments, True, kramdown=True)
    else:
        opts = _Options(dollars, brackets, environments, kramdown_escapes)
        inline = lambda s, silent: _math_inline(s, silent, opts)  # noqa: E731
    md.inline.ruler.before("escape", "math_inline", inline)
    md.block.ruler.before("fence", "math_block", lambda s, a, b, silent: _math_block(s, a, b, silent, opts),
                          {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]})
    md.add_render_rule("math_inline", render_math_inline)
    md.add_render_rule("math_block", render_math_block)
    guard_setext_headings(md)


class _Options:
    __slots__ = ("dollars", "brackets", "environments", "kramdown", "kramdown_dialect")

    def __init__(self, dollars, brackets, environments, kramdown_escapes, *, kramdown=False):
        self.dollars, self.brackets = dollars, brackets
        self.environments, self.kramdown = environments, kramdown_escapes
        self.kramdown_dialect = kramdown


# --------------------------------------------------------------------------
# scanning helpers (pure functions on strings)

def is_escaped(src: str, pos: int) -> bool:
    """True when the character at ``pos`` is preceded by an odd number of backslashes."""
    count = 0
    pos -= 1
    while pos >= 0 and src[pos] == "\\":
        count += 1
        pos -= 1
    return count % 2 == 1


def find_unescaped(src: str, needle: str, start: int, end: int) -> int:
    """First ``needle`` in ``src[start:end]`` not preceded by an odd number of backslashes, or -1."""
    return _scanned(src).find(needle, start, end, unescaped=True)


def find_single_dollar_close(src: str, start: int, end: int, *, after_newline: bool = True) -> int:
    """Position of the ``$`` closing an inline formula whose content starts at ``start``.

    The first unescaped ``$`` decides: TeX cannot contain a bare ``$``, so if
    that one cannot close (space before it, digit after it) there is no formula.
    ``after_newline``: whether a ``$`` right after a line break may close (only
    when the opening one starts its line or ends it: a formula on its own lines).
    """
    i = start
    while True:
        i = src.find("$", i, end)
        if i < 0:
            return -1
        if is_escaped(src, i):
            i += 1
            continue
        before = src[i - 1]
        if before in " \t" or (before == "\n" and not after_newline) or (i + 1 < end and src[i + 1].isdigit()):
            return -1
        return i


def single_dollar_opens(src: str, pos: int, end: int) -> bool:
    return pos + 1 < end and src[pos + 1] not in " \t$"


def find_env_end(src: str, name: str, start: int, end: int) -> int:
    """Index just past the ``\\end{name}`` matching a ``\\begin{name}`` before ``start``."""
    known = _scanned(src).env_end(start)
    if known is not None:   # start is just past a \begin tag: its match is in the table
        return known if known <= end else -1
    depth = 1
    for match in _ENV_TAG.finditer(src, start, end):
        if match.group(2) != name:
            continue
        depth += 1 if match.group(1) == "begin" else -1
        if depth == 0:
            return match.end()
    return -1


class _Scanned:
    """Where the delimiters of one text are, each kind found in a single pass.

    Finding a closing delimiter is then a binary search instead of a scan to
    the end of the text, so a paragraph of many unclosed ``\\begin{aligned}``,
    ``\\(`` or ``$$`` costs linear time, not quadratic (or cubic, for the
    block rule that asks again after every line).  Results are exactly those
    of scanning: every occurrence is listed, overlapping ones included, and
    an environment's end is found by the same depth count, done once for all
    of its ``\\begin`` tags.
    """

    __slots__ = ("src", "_plain", "_unescaped", "_envs")

    def __init__(self, src: str):
        self.src = src
        self._plain: dict[str, list[int]] = {}
        self._unescaped: dict[str, list[int]] = {}
        self._envs: dict[int, int] | None = None

    def positions(self, needle: str, unescaped: bool) -> list[int]:
        table = self._unescaped if unescaped else self._plain
        found = table.get(needle)
        if found is None:
            found = [m.start() for m in re.finditer(f"(?={re.escape(needle)})", self.src)]
            if unescaped:
                found = [i for i in found if not is_escaped(self.src, i)]
            table[needle] = found
        return found

    def find(self, needle: str, start: int, end: int, *, unescaped: bool = False) -> int:
        """Like ``str.find`` (with the escape rule of :func:`find_unescaped` when asked)."""
        found = self.positions(needle, unescaped)
        k = bisect_left(found, start)
        if k < len(found) and found[k] + len(needle) <= end:
            return found[k]
        return -1

    def env_end(self, start: int) -> int | None:
        """For ``start`` just past a ``\\begin{name}`` tag: the end of its matching ``\\end``
        (-1 when it has none); None for any other position."""
        if self._envs is None:
            self._envs = {}
            open_tags: dict[str, list[int]] = {}
            for match in _ENV_TAG.finditer(self.src):
                stack = open_tags.setdefault(match.group(2), [])
                if match.group(1) == "begin":
                    stack.append(match.end())
                    self._envs[match.end()] = -1
                elif stack:
                    self._envs[stack.pop()] = match.end()
        return self._envs.get(start)


#: The texts scanned last (the block source, the inline text being parsed).
_SCANNED: list[_Scanned] = []


def _scanned(src: str) -> _Scanned:
    for item in _SCANNED:
        if item.src is src:
            return item
    item = _Scanned(src)
    _SCANNED.insert(0, item)
    del _SCANNED[2:]
    return item


def kramdown_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) in KRAMDOWN_ESCAPABLE else m.group(0), text)


def find_inline_math(src: str, opts: _Options | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of inline math in a single line of text (used by the table rule)."""
    spans = []
    pos, end = 0, len(src)
    while pos < end:
        ch = src[pos]
        if ch == "\\" and pos + 1 < end and src[pos + 1] in "\\`$|":
            if src.startswith("\\\\(", pos) or src.startswith("\\\\[", pos):
                close = src.find("\\\\" + (")" if src[pos + 2] == "(" else "]"), pos + 3)
                if close >= 0:
                    spans.append((pos, close + 3))
                    pos = close + 3
                    continue
            pos += 2
            continue
        if ch == "`":
            run = len(src) - len(src[pos:].lstrip("`"))
            ticks = src[pos:run]
            close = src.find(ticks, run)
            pos = close + len(ticks) if close >= 0 else run
            continue
        if ch == "$":
            if src.startswith("$$", pos):
                close = find_unescaped(src, "$$", pos + 2, end)
                if close > pos + 2:
                    spans.append((pos, close + 2))
                    pos = close + 2
                    continue
            elif single_dollar_opens(src, pos, end):
                close = find_single_dollar_close(src, pos + 1, end)
                if close > 0 and "`" not in src[pos:close]:
                    spans.append((pos, close + 1))
                    pos = close + 1
                    continue
        elif ch == "\\" and src.startswith("\\(", pos):
            close = _find_bracket_close(src, ")", pos + 2, end)
            if close >= 0:
                spans.append((pos, close + 2))
                pos = close + 2
                continue
        pos += 1
    return spans


def _find_bracket_close(src: str, paren: str, start: int, end: int) -> int:
    """Position of ``\\)`` / ``\\]`` where the backslash is not itself escaped."""
    return find_unescaped(src, "\\" + paren, start, end)


def _check_envs(tex: str, env: MutableMapping[str, Any], line: int | None) -> None:
    problem = unbalanced(tex)
    if problem:
        warn(env, line, problem, "every \\begin{...} needs its \\end{...} inside the same formula")


# --------------------------------------------------------------------------
# inline rule

def _push(state: StateInline, tex: str, markup: str, display: bool, is_env: bool, start: int) -> None:
    token = state.push("math_inline", "math", 0)
    token.content = tex
    token.markup = markup
    token.meta = {"display": display, "env": is_env}
    state.env["math"] = state.env.get("math", 0) + 1
    _check_envs(tex, state.env, inline_line(state, start))


def _math_inline(state: StateInline, silent: bool, opts: _Options) -> bool:
    src, pos, end = state.src, state.pos, state.posMax
    ch = src[pos]
    if ch == "$" and opts.dollars:
        return _dollar_math(state, silent)
    if ch != "\\" or pos + 1 >= end:
        return False
    nxt = src[pos + 1]
    if opts.brackets and nxt in "([":
        paren = ")" if nxt == "(" else "]"
        close = _find_bracket_close(src, paren, pos + 2, end)
        if close < 0:
            return False
        if not silent:
            _push(state, src[pos + 2: close], "\\" + nxt, nxt == "[", False, pos)
        state.pos = close + 2
        return True
    if opts.kramdown and nxt == "\\" and src[pos + 2: pos + 3] in ("(", "["):
        opener = src[pos + 2]
        close = _scanned(src).find("\\\\" + (")" if opener == "(" else "]"), pos + 3, end)
        if close < 0:
            return False
        if not silent:
            _push(state, kramdown_unescape(src[pos + 3: close]), "\\\\" + opener, opener == "[", False, pos)
        state.pos = close + 3
        return True
    if nxt in "er" and (src.startswith("\\eqref{", pos) or src.startswith("\\ref{", pos)):
        # MathJax would typeset these outside math too (processRefs); mark them instead.
        scan = _scanned(src)
        close = scan.find("}", pos, end)
        if close < 0 or scan.find("\n", pos, close) >= 0:
            return False
        if not silent:
            _push(state, src[pos: close + 1], "ref", False, False, pos)
        state.pos = close + 1
        return True
    if nxt == "b" and src.startswith("\\begin{", pos):
        match = _BEGIN.match(src, pos)
        if not match or match.group(1) not in opts.environments:
            return False
        stop = find_env_end(src, match.group(1), match.end(), end)
        if stop < 0:
            if not silent:
                name = match.group(1)
                warn(state.env, inline_line(state, pos), f"\\begin{{{name}}} without \\end{{{name}}}",
                     "add the matching \\end, or put the environment inside $$...$$")
            return False
        if not silent:
            _push(state, src[pos:stop], "env", True, True, pos)
        state.pos = stop
        return True
    return False


def _dollar_math(state: StateInline, silent: bool) -> bool:
    """``$$...$$`` (inline, kramdown's convention) or ``$...$`` (Pandoc's rule) at ``state.pos``."""
    src, pos, end = state.src, state.pos, state.posMax
    if src.startswith("$$", pos):
        close = find_unescaped(src, "$$", pos + 2, end)
        if close < 0 or not src[pos + 2: close].strip():
            if close < 0 and not silent:
                warn(state.env, inline_line(state, pos), "unclosed $$: no matching $$ in this paragraph",
                     "close the formula with $$, or write \\$ for a literal dollar sign")
            return False
        if not silent:
            _push(state, src[pos + 2: close], "$$", False, False, pos)
        state.pos = close + 2
        return True
    if not single_dollar_opens(src, pos, end):
        return False
    # A formula on its own lines, or one that opens with a TeX command (never a price).
    own_lines = pos == 0 or src[pos - 1] == "\n" or src[pos + 1] in "\n\\"
    close = find_single_dollar_close(src, pos + 1, end, after_newline=own_lines)
    if close < 0 or "`" in src[pos + 1: close]:
        nxt = src[pos + 1]
        if (close < 0 and not silent and not nxt.isdigit() and nxt not in "\n.,;:!?)"
                and src.find("$", pos + 1, end) < 0):
            warn(state.env, inline_line(state, pos), "unclosed $: no closing $ in this paragraph",
                 "close the formula with $, or write \\$ for a literal dollar sign")
        return False
    if not silent:
        _push(state, src[pos + 1: close], "$", False, False, pos)
    state.pos = close + 1
    return True


# --------------------------------------------------------------------------
# block rule

def _opener(line: str, opts: _Options) -> tuple[str, str, int] | None:
    """(markup, closing delimiter, length of opener) for a line that may open block math."""
    if opts.dollars and line.startswith("$$"):
        return "$$", "$$", 2
    if opts.brackets and line.startswith("\\["):
        return "\\[", "\\]", 2
    if opts.kramdown and line.startswith("\\\\["):
        return "\\\\[", "\\\\]", 3
    if line.startswith("\\begin{"):
        match = _BEGIN.match(line)
        if match and match.group(1) in opts.environments:
            return "env", match.group(1), 0
    return None


def _math_block(state: StateBlock, startLine: int, endLine: int, silent: bool, opts: _Options) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    if start >= state.eMarks[startLine] or state.src[start] not in "$\\":
        return False   # asked for every line of every paragraph: answer the common case at once
    first = state.src[start: state.eMarks[startLine]]
    found = _opener(first, opts)
    if found is None:
        return False
    markup, closer, skip = found
    located = _block_extent(state, startLine, endLine, start, first, markup, closer, skip)
    if located is None:
        return False
    last, label = located
    if silent:
        return True

    text = state.getLines(startLine, last + 1, state.blkIndent, False)
    text = text[len(text) - len(text.lstrip(" \t")):]
    if label:
        text = text[: text.rstrip().rfind("{")].rstrip()
    if opts.kramdown_dialect:
        tex = _kramdown_block_tex(text, markup, skip, closer)
    elif markup == "env":
        tex = text.rstrip()
    else:
        body = text[skip:]
        body = body[: len(body.rstrip()) - len(closer)]
        tex = body[1:] if body.startswith("\n") else body
        tex = tex[:-1] if tex.endswith("\n") else tex
        if markup == "\\\\[":
            tex = kramdown_unescape(tex)
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = tex
    token.markup = markup
    token.map = [startLine, last + 1]
    token.meta = {"env": markup == "env", "label": label}
    state.env["math"] = state.env.get("math", 0) + 1
    _check_envs(tex, state.env, startLine)
    state.line = last + 1
    return True


def _block_extent(state: StateBlock, startLine: int, endLine: int, start: int, first: str, markup: str,
                  closer: str, skip: int) -> tuple[int, str | None] | None:
    """(last line, equation label) of the formula opened on ``startLine``, or None when it is no block.

    The closing delimiter is found in the whole source at once (see :class:`_Scanned`); the
    lines up to it must all belong to the block, and after it only an equation label
    (``{#eq-name}``) may follow on its line.  kramdown's block math (``$$ ... $$``) runs
    over blank lines, as on Jekyll; then a blank line (or the end) must follow it, which
    also keeps an unclosed ``$$`` from pairing with the opening ``$$`` of a later block.
    """
    src = state.src
    begin = start + (len(_BEGIN.match(first).group(0)) if markup == "env" else skip)  # type: ignore[union-attr]
    if markup == "env":
        stop = find_env_end(src, closer, begin, len(src))
    else:
        i = _scanned(src).find(closer, begin, len(src), unescaped=markup != "\\\\[")
        stop = i + len(closer) if i >= 0 else -1
    if stop < 0:
        return None
    last = bisect_right(state.bMarks, stop - 1) - 1
    blank_ok = markup == "$$"
    if last >= endLine or _block_ends_before(state, startLine, last, endLine, blank_ok):
        return None
    rest = src[stop: state.eMarks[last]]
    label = equation_label(rest)
    if rest.strip() and label is None:
        return None  # text after the closing delimiter: it is inline math in a paragraph
    if (blank_ok and last + 1 < endLine and not state.isEmpty(last + 1)
            and any(state.isEmpty(line) for line in range(startLine + 1, last))):
        return None
    return last, label


def _kramdown_block_tex(text: str, markup: str, skip: int, closer: str) -> str:
    """The block's TeX as a Jekyll blog's MathJax got it: kramdown strips ``$$`` math;
    an environment or ``\\\\[...\\\\]`` is paragraph text, kramdown's escapes applied."""
    from .kramdown import RUBY_SPACE, block_tex

    if markup == "env":
        return block_tex(text.rstrip())
    body = text[skip:]
    body = body[: len(body.rstrip()) - len(closer)]
    return body.strip(RUBY_SPACE) if markup == "$$" else block_tex(body)


# --------------------------------------------------------------------------
# rendering

def render_math_inline(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    tex = escapeHtml(token.content)
    if token.meta.get("env"):
        return f'<span class="math display">{tex}</span>'
    if token.meta.get("display"):
        return f'<span class="math display">\\[{tex}\\]</span>'
    return f'<span class="math inline">\\({tex}\\)</span>'


def render_math_block(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    tex = escapeHtml(token.content)
    if token.meta.get("env"):
        return f'<div class="math display">{tex}</div>\n'
    label = token.meta.get("label")
    if label:
        # numbered by the xref plugin (meta["tag"]): MathJax shows the tag, the id is the link target
        tag = f" \\tag{{{escapeHtml(str(token.meta['tag']))}}}" if token.meta.get("tag") else ""
        return f'<div class="math display" id="{escapeHtml(label)}">\\[{tex}{tag}\\]</div>\n'
    return f'<div class="math display">\\[{tex}\\]</div>\n'


# --------------------------------------------------------------------------
# Quarto's equation labels and setext headings inside $$ (two small, separate additions)

_EQ_LABEL = re.compile(r"^[ \t]*\{#(eq-[A-Za-z0-9_:.-]*[A-Za-z0-9_])\}[ \t]*$")


def equation_label(rest: str) -> str | None:
    """``eq-x`` for the text ``" {#eq-x}"`` after a display formula's closing ``$$`` (Quarto's label)."""
    match = _EQ_LABEL.match(rest)
    return match.group(1) if match else None


def _opens_display_math(text: str) -> bool:
    """Whether ``text`` (a paragraph so far) has a ``$$`` that is not closed."""
    count, pos = 0, 0
    while True:
        pos = find_unescaped(text, "$$", pos, len(text))
        if pos < 0:
            return count % 2 == 1
        count += 1
        pos += 2


def guard_setext_headings(md: MarkdownIt) -> None:
    """A line of only ``=`` or ``-`` inside an open ``$$`` never underlines a heading.

    CommonMark reads "text $$ a\\n=\\n b $$" as a level-1 heading; inside math the
    ``=`` line is part of the formula, so the paragraph rule takes those lines instead.
    """
    rule = next((r for r in md.block.ruler.__rules__ if r.name == "lheading"), None)
    original = rule.fn if rule is not None else None
    if original is None or getattr(original, "_math_guard", False):
        return

    def lheading(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        count = len(state.tokens)
        if not original(state, startLine, endLine, silent):
            return False
        inline = state.tokens[count + 1] if len(state.tokens) > count + 1 else None
        if inline is not None and inline.type == "inline" and _opens_display_math(inline.content):
            del state.tokens[count:]
            state.line = startLine
            return False
        return True

    lheading._math_guard = True  # type: ignore[attr-defined]
    md.block.ruler.at("lheading", lheading)


def _block_ends_before(state: StateBlock, first: int, last: int, endLine: int, blank_ok: bool = False) -> bool:
    """Whether a line in ``first+1 .. last`` is empty (unless ``blank_ok``) or less indented than the block.

    Asked again for every line of a long paragraph (each line may start a
    block that interrupts it), so what is known is kept on the state: the
    lines after ``lo`` up to ``good`` continue the block, and ``stop`` (when
    known) is the first line after them that does not.  In one nesting
    context the answer for any ``first`` in that run is then immediate.
    """
    context = (state.blkIndent, endLine, state.level, state.parentType, blank_ok)
    run = getattr(state, "_math_run", None)
    if run is None or run[0] != context or not (run[1] <= first <= run[2]):
        run = [context, first, first, None]
        state._math_run = run  # type: ignore[attr-defined]
    if last <= run[2]:
        return False
    if run[3] is not None:
        return True
    line = run[2] + 1
    while line <= last:
        empty = state.isEmpty(line)
        if line >= endLine or (empty and not blank_ok) or (not empty and state.sCount[line] < state.blkIndent):
            run[3] = line
            return True
        run[2] = line
        line += 1
    return False
