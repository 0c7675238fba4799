"""Faster Pygments lexing, with exactly Pygments' tokens.

A Pygments ``RegexLexer`` tries the rules of its current state one by one,
from Python, at every position: for a Python code block that is about thirty
failed ``match`` calls per token, and it made highlighting two thirds of the
time to render a post.  Here each state's rules are joined into one
alternation (tried in the same order by the regex engine, in C), with an
empty marker group in front of every rule so the matched rule is known from
``lastindex``.  Actions and state changes are then applied exactly as in
``RegexLexer.get_tokens_unprocessed``.

A state whose rules cannot be joined safely (numbered backreferences,
conditional groups, inline global flags, clashing group names) keeps the
original rule-by-rule loop.  Tests compare the token stream with stock
Pygments on many languages and on random input.
"""

from __future__ import annotations

import bisect
import re
import types

_UNSAFE = re.compile(r"(?<!\\)\\[1-9]|\(\?\(|\(\?[aiLmsux]+\)")
_LEADING_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_SCOPED = {re.I: "i", re.M: "m", re.S: "s", re.X: "x"}
_TABLES: dict[type, dict] = {}


def _scoped(regex, base: int) -> str | None:
    """The rule's pattern with its own flags made local, so it behaves the same
    inside an alternation compiled with ``base`` flags; None if impossible."""
    pattern = _LEADING_FLAGS.sub("", regex.pattern, count=1)
    if _UNSAFE.search(pattern):
        return None
    add, remove = regex.flags & ~base, base & ~regex.flags
    if (add | remove) & ~sum(_SCOPED):
        return None
    if not add and not remove:
        return f"(?:{pattern})"
    on = "".join(c for f, c in _SCOPED.items() if add & f)
    off = "".join(c for f, c in _SCOPED.items() if remove & f)
    return f"(?{on}{'-' + off if off else ''}:{pattern})"


def _combine(rules, base: int):
    """(compiled alternation, marker group numbers) for one state, or None."""
    parts, markers, group = [], [], 1
    for rexmatch, _, _ in rules:
        regex = getattr(rexmatch, "__self__", None)
        part = _scoped(regex, base) if regex is not None else None
        if regex is None or part is None:
            return None
        parts.append("()" + part)
        markers.append(group)
        group += 1 + regex.groups
    try:
        combined = re.compile("|".join(parts), base)
    except (re.error, RecursionError, OverflowError):
        return None
    return combined, markers


class _StateTable(dict):
    """state -> combined alternation, compiled on first use: compiling every state
    of a big lexer up front costs more than highlighting a post's code."""

    def __init__(self, tokendefs, base: int):
        super().__init__()
        self._tokendefs, self._base = tokendefs, base

    def __missing__(self, state):
        rules = self._tokendefs[state]
        value = self[state] = _combine(rules, self._base) if rules else None
        return value


def _tables(lexer) -> dict:
    cls = type(lexer)
    table = _TABLES.get(cls)
    if table is None:
        table = _TABLES[cls] = _StateTable(lexer._tokens, re.compile("", lexer.flags).flags)
    return table


def _fast_get_tokens_unprocessed(self, text, stack=("root",)):
    from pygments.token import Error, Whitespace, _TokenType

    tokendefs = self._tokens
    combined = _tables(self)
    statestack = list(stack)
    state = statestack[-1]
    statetokens, fast = tokendefs[state], combined[state]
    pos = 0
    while True:
        m = rule = None
        if fast is not None:
            hit = fast[0].match(text, pos)
            if hit is not None:
                rule = statetokens[bisect.bisect_right(fast[1], hit.lastindex) - 1]
                m = hit
        else:
            for candidate in statetokens:
                m = candidate[0](text, pos)
                if m:
                    rule = candidate
                    break
        if rule is not None and m is not None:   # a rule is only ever chosen with its match
            rexmatch, action, new_state = rule
            if action is not None:
                if type(action) is _TokenType:
                    yield pos, action, m.group()
                else:
                    if fast is not None:
                        m = rexmatch(text, pos)  # the rule's own match object, for its groups
                    yield from action(self, m)
            pos = m.end()
            if new_state is not None:
                if isinstance(new_state, tuple):
                    for item in new_state:
                        if item == "#pop":
                            if len(statestack) > 1:
                                statestack.pop()
                        elif item == "#push":
                            statestack.append(statestack[-1])
                        else:
                            statestack.append(item)
                elif isinstance(new_state, int):
                    if abs(new_state) >= len(statestack):
                        del statestack[1:]
                    else:
                        del statestack[new_state:]
                elif new_state == "#push":
                    statestack.append(statestack[-1])
                else:
                    raise AssertionError(f"wrong state def: {new_state!r}")
                state = statestack[-1]
                statetokens, fast = tokendefs[state], combined[state]
            continue
        if pos >= len(text):
            break
        if text[pos] == "\n":
            statestack = ["root"]
            statetokens, fast = tokendefs["root"], combined["root"]
            yield pos, Whitespace, "\n"
            pos += 1
            continue
        yield pos, Error, text[pos]
        pos += 1


def accelerate(lexer):
    """Make ``lexer`` (an instance) use combined regexes; other lexers are returned as they are."""
    from pygments.lexer import RegexLexer

    if isinstance(lexer, RegexLexer) and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed:
        lexer.get_tokens_unprocessed = types.MethodType(_fast_get_tokens_unprocessed, lexer)
    return lexer
