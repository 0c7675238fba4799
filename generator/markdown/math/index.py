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

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from ..diagnostics import inline_line, warn

#: Environments MathJax typesets on their own (``processEnvironments``).
ENVIRONMENTS = frozenset(["equation", "equation*", "align", "align*", "alignat", "alignat*", "aligned", "alignedat", "gather", "gather*", "gathered", "multline", "multline*", "flalign", "flalign*", "split", "eqnarray", "eqnarray*", "array", "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "cases", "dcases", "rcases", "CD", "subarray"])

#: Characters kramdown removes the backslash from (its ESCAPED_CHARS).
KRAMDOWN_ESCAPABLE = frozenset("\\.*_+-`<>()[]{}#!:|\"'$=")

_BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
_ENV_TAG = re.compile(r"\\(begin|end)\{([A-Za-z]+\*?)\}")


def math_plugin(md: MarkdownIt, *, dollars: bool = True, brackets: bool = True,
                environments: frozenset[str] = ENVIRONMENTS, kramdown_escapes: bool = True) -> None:
    """Parse TeX math and render it for MathJax.

    :param dollars: recognise ``$...$`` and ``$$...$$``.
    :param brackets: recognise ``\\(...\\)`` and ``\\[...\\]``.
    :param environments: names of environments recognised without delimiters.
    :param kramdown_escapes: recognise ``\\\\(...\\\\)`` / ``\\\\[...\\\\]`` and
        unescape their content as kramdown does.
    """
    opts = _Options(dollars, brackets, environments, kramdown_escapes)
    md.inline.ruler.before("escape", "math_inline", lambda s, silent: _math_inline(s, silent, opts))
    md.block.ruler.before("fence", "math_block", lambda s, a, b, silent: _math_block(s, a, b, silent, opts),
                          {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]})
    md.add_render_rule("math_inline", render_math_inline)
    md.add_render_rule("math_block", render_math_block)


class _Options:
    __slots__ = ("dollars", "brackets", "environments", "kramdown")

    def __init__(self, dollars, brackets, environments, kramdown):
        self.dollars, self.brackets = dollars, brackets
        self.environments, self.kramdown = environments, kramdown


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


def _check_envs(tex: str, env: dict, line: int | None) -> None:
    begins = [m.group(1) for m in _ENV_TAG.finditer(tex) if m.group(1) == "begin"]
    ends = [m.group(1) for m in _ENV_TAG.finditer(tex) if m.group(1) == "end"]
    if len(begins) != len(ends):
        warn(env, line, f"math has {len(begins)} \\begin but {len(ends)} \\end",
             "every \\begin{...} needs its \\end{...} inside the same formula")


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
            if close < 0 and not silent and not nxt.isdigit() and nxt not in "\n.,;:!?)":
                if src.find("$", pos + 1, end) < 0:
                    warn(state.env, inline_line(state, pos), "unclosed $: no closing $ in this paragraph",
                         "close the formula with $, or write \\$ for a literal dollar sign")
            return False
        if not silent:
            _push(state, src[pos + 1: close], "$", False, False, pos)
        state.pos = close + 1
        return True

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
                warn(state.env, inline_line(state, pos), f"\\begin{{{match.group(1)}}} without \\end{{{match.group(1)}}}",
                     "add the matching \\end, or put the environment inside $$...$$")
            return False
        if not silent:
            _push(state, src[pos:stop], "env", True, True, pos)
        state.pos = stop
        return True
    return False


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

    src = state.src
    begin = start + (len(_BEGIN.match(first).group(0)) if markup == "env" else skip)
    # Where the formula closes, found in the whole source at once (see _Scanned): the
    # lines up to that one must all belong to the block, and nothing may follow it.
    if markup == "env":
        stop = find_env_end(src, closer, begin, len(src))
    else:
        i = _scanned(src).find(closer, begin, len(src), unescaped=markup != "\\\\[")
        stop = i + len(closer) if i >= 0 else -1
    if stop < 0:
        return False
    last = bisect_right(state.bMarks, stop - 1) - 1
    if last >= endLine or _block_ends_before(state, startLine, last, endLine):
        return False
    if src[stop: state.eMarks[last]].strip():
        return False  # text after the closing delimiter: it is inline math in a paragraph
    if silent:
        return True

    text = state.getLines(startLine, last + 1, state.blkIndent, False)
    text = text[len(text) - len(text.lstrip(" \t")):]
    if markup == "env":
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
    token.meta = {"env": markup == "env"}
    state.env["math"] = state.env.get("math", 0) + 1
    _check_envs(tex, state.env, startLine)
    state.line = last + 1
    return True


def _block_ends_before(state: StateBlock, first: int, last: int, endLine: int) -> bool:
    """Whether a line in ``first+1 .. last`` is empty or less indented than the block.

    Asked again for every line of a long paragraph (each line may start a
    block that interrupts it), so what is known is kept on the state: the
    lines after ``lo`` up to ``good`` continue the block, and ``stop`` (when
    known) is the first line after them that does not.  In one nesting
    context the answer for any ``first`` in that run is then immediate.
    """
    context = (state.blkIndent, endLine, state.level, state.parentType)
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
        if line >= endLine or state.isEmpty(line) or state.sCount[line] < state.blkIndent:
            run[3] = line
            return True
        run[2] = line
        line += 1
    return False


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
    return f'<div class="math display">\\[{tex}\\]</div>\n'
