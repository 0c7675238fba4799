"""Located warnings from inside Markdown rules.

Rules append ``(line, message, hint)`` to ``env["diagnostics"]``, with ``line``
0-based in the Markdown text that was parsed; the pipeline adds the offset of
the body in its file.  Block rules know their line; inline rules do not, so
:func:`track_inline_lines` makes the core ``inline`` rule remember which block
each inline run came from.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any
import re
from bisect import bisect_left

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline


_NEWLINE = re.compile("\n")


def warn(env: MutableMapping[str, Any], line: int | None, message: str, hint: str | None = None) -> None:
    env.setdefault("diagnostics", []).append((line, message, hint))


def inline_line(state: StateInline, pos: int) -> int | None:
    """0-based line of ``pos`` in the current inline run, if known.

    The run's line breaks are found once and searched (a paragraph with
    thousands of formulas asks thousands of times: counting from the start each
    time would be quadratic)."""
    start = state.env.get("_inline_line")
    if start is None:
        return None
    known = state.env.get("_inline_breaks")
    if known is None or known[0] is not state.src:
        known = (state.src, [m.start() for m in _NEWLINE.finditer(state.src)])
        state.env["_inline_breaks"] = known
    return start + bisect_left(known[1], pos)


def _inline_with_lines(state: StateCore) -> None:
    env = state.env
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            env["_inline_line"] = token.map[0] if token.map else None
            state.md.inline.parse(token.content, state.md, env, token.children)
    env.pop("_inline_line", None)
    env.pop("_inline_breaks", None)


def track_inline_lines(md: MarkdownIt) -> None:
    """Replace the core ``inline`` rule by one that records each run's first line."""
    md.core.ruler.at("inline", _inline_with_lines)
