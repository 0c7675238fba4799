"""Walking markdown-it's flat token stream by block: where a block opened at one index closes,
and where a block closed at one index opened.

The stream nests by ``nesting`` (+1 open, -1 close, 0 self-contained); many plugins
need to skip or collect a whole block, so the counting lives here once.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token


def block_close(tokens: Sequence[Token], i: int) -> int:
    """Index of the token closing the block opened at ``i`` (``i`` itself for a token that
    opens nothing; the last index if the stream ends first)."""
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def block_open(tokens: Sequence[Token], j: int) -> int:
    """Index of the token opening the block closed at ``j`` (``j`` itself for a token that
    closes nothing); -1 if the stream starts first."""
    depth = 0
    for i in range(j, -1, -1):
        depth += tokens[i].nesting
        if depth == 0:
            return i
    return -1
