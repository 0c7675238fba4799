"""How MathJax 3 finds TeX in the text of a page, for posts written against a blog's MathJax.

A Jekyll blog hands MathJax the text of its pages; MathJax's ``FindTeX``
(``ts/input/tex/FindTeX.ts`` in MathJax-src) decides what is math.  To carry
such posts over formula for formula we run the same algorithm on the same
text.  What it does, and so what :func:`find_tex` does:

* one regular expression finds the next *start*: any opening delimiter
  (longest first, so ``$$`` wins over ``$``), ``\\begin{name}`` (when
  environments are processed), and the "substitutions" ``\\$``/``\\\\``
  (``processEscapes``: a literal ``$`` or ``\\``) and ``\\ref{..}``/``\\eqref{..}``
  (``processRefs``);
* from a delimiter it looks for the closing one with a second expression that
  also matches control sequences (a backslash and one character, so ``\\$``
  never closes) and braces: the closer counts only outside any ``{...}``.
  Spaces do not matter (``$ x $`` is math) and nothing else is checked;
* ``\\begin{name}`` closes at the first ``\\end{name}`` outside braces (no
  nesting count); the math is the whole environment;
* when no closer is found the opener is plain text and the search goes on
  right after it (both ``$`` of an unclosed ``$$`` are skipped); after a
  formula it goes on after the closer.

MathJax runs this on each run of text between elements (``HTMLDomStrings``
breaks at every tag except ``<br>``, ``<wbr>`` and comments), so callers pass
one such run at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: JavaScript's ``.`` (used in MathJax's patterns) stops at these line terminators.
_JS_DOT = "[^\\n\\r\\u2028\\u2029]"


@dataclass(frozen=True)
class TexMatch:
    """One thing MathJax's finder picked out of a string (offsets into that string)."""

    start: int
    end: int
    kind: str           # "math", "env", "ref" or "escape"
    open: str           # the opening delimiter ("" for env, ref and escape)
    close: str
    math: str           # the TeX (env: \\begin..\\end included; escape: the literal character)
    display: bool


@dataclass(frozen=True)
class Delimiters:
    """A MathJax TeX input configuration, as far as finding math goes."""

    inline: tuple[tuple[str, str], ...] = (("\\(", "\\)"),)
    display: tuple[tuple[str, str], ...] = (("$$", "$$"), ("\\[", "\\]"))
    environments: bool = True
    escapes: bool = True
    refs: bool = True
    #: When set, ``\\begin{name}`` starts math only for these names (MathJax takes any name);
    #: others are reported as unclosed openers and the search goes on after them.
    environment_names: frozenset[str] | None = None


#: What Jekyll math blogs configure: MathJax's defaults plus ``$...$``.
WITH_DOLLARS = Delimiters(inline=(("$", "$"), ("\\(", "\\)")))


def _sort_length(items: list[str]) -> list[str]:
    # MathJax's sortLength: longer first, then in code-point order
    return sorted(items, key=lambda s: (-len(s), s))


class _Patterns:
    def __init__(self, delims: Delimiters):
        self.ends: dict[str, tuple[str, bool, re.Pattern[str]]] = {}
        starts: list[str] = []
        for pairs, display in ((delims.inline, False), (delims.display, True)):
            for open_, close in pairs:
                starts.append(re.escape(open_))
                self.ends[open_] = (close, display, _end_pattern(re.escape(close)))
        parts: list[str] = []
        if starts:
            parts.append("|".join(_sort_length(starts)))
        self.env_group = self.sub_group = 0
        group = 1
        if delims.environments:
            parts.append(r"\\begin\s*\{([^}]*)\}")
            self.env_group = group
            group += 1
        subparts = []
        if delims.escapes:
            subparts.append(r"\\([\\$])")
        if delims.refs:
            subparts.append(r"(\\(?:eq)?ref\s*\{[^}]*\})")
        if subparts:
            parts.append("(" + "|".join(subparts) + ")")
            self.sub_group = group
        self.start = re.compile("|".join(parts)) if parts else None


def _end_pattern(close_pattern: str) -> re.Pattern[str]:
    return re.compile(close_pattern + r"|\\(?:[a-zA-Z]|" + _JS_DOT + r")|[{}]")


@lru_cache(maxsize=16)
def _patterns(delims: Delimiters) -> _Patterns:
    return _Patterns(delims)


def _find_end(text: str, begin: int, close: str, pattern: re.Pattern[str], env: bool) -> tuple[int, int] | None:
    """(start, end) of the closer at brace depth 0 after ``begin``, as MathJax's findEnd."""
    braces = 0
    pos = begin
    while True:
        match = pattern.search(text, pos)
        if match is None:
            return None
        token = match.group(1) if env else match.group(0)
        if token == close and braces == 0:
            return match.start(), match.end()
        if match.group(0) == "{":
            braces += 1
        elif match.group(0) == "}" and braces:
            braces -= 1
        pos = match.end()


def find_tex(text: str, delims: Delimiters = WITH_DOLLARS, *,
             unclosed: list[tuple[int, str]] | None = None) -> list[TexMatch]:
    """Everything MathJax's TeX finder picks out of one string, in order.

    ``unclosed`` (if given) receives (offset, opener) of each opening delimiter
    or ``\\begin{..}`` that found no closer and so stayed text.
    """
    patterns = _patterns(delims)
    if patterns.start is None:
        return []
    found: list[TexMatch] = []
    pos = 0
    while True:
        start = patterns.start.search(text, pos)
        if start is None:
            return found
        pos = start.end()
        item: TexMatch | None = None
        env = start.group(patterns.env_group) if patterns.env_group else None
        sub = start.group(patterns.sub_group) if patterns.sub_group else None
        known = env is None or delims.environment_names is None or env in delims.environment_names
        if env is not None and known:
            name = "{" + env + "}"
            end = _find_end(text, start.end(), name, _end_pattern(r"\\end\s*(\{" + re.escape(env) + r"\})"), True)
            if end is not None:
                item = TexMatch(start.start(), end[1], "env", "", "", text[start.start(): end[1]], True)
        elif env is not None:
            pass                    # an environment we were told not to take: text, reported below
        elif sub is not None:
            if len(sub) == 2:       # \$ or \\: the character itself, as text
                item = TexMatch(start.start(), start.end(), "escape", "", "", sub[1], False)
            else:
                item = TexMatch(start.start(), start.end(), "ref", "", "", sub, False)
        else:
            close, display, pattern = patterns.ends[start.group(0)]
            end = _find_end(text, start.end(), close, pattern, False)
            if end is not None:
                item = TexMatch(start.start(), end[1], "math", start.group(0), close,
                                text[start.end(): end[0]], display)
        if item is not None:
            found.append(item)
            pos = item.end
        elif unclosed is not None:
            unclosed.append((start.start(), start.group(0)))
