"""A post's program: its executable cells and inline expressions, as the Markdown layer finds them.

These are what :mod:`generator.kernel` runs; the kernel imports them from here,
never the other way round.  They are plain data, stored as JSON in the build
manifest (see :func:`program_to_json`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Cell:
    """One executable cell of a post."""

    index: int      # 0-based among the post's executable cells (eval: false ones included)
    source: str     # code with the '#|' option lines removed
    options: dict   # merged options (site < post < cell), validated
    line: int       # 1-based line in the Markdown file of the first code line


@dataclass(frozen=True)
class InlineExpr:
    """An inline ``{python} expr`` evaluated after ``cells_before`` cells."""

    index: int
    expr: str
    line: int
    cells_before: int


def program_to_json(cells: tuple[Cell, ...], inline: tuple[InlineExpr, ...], seed: int) -> dict:
    return {"cells": [asdict(c) for c in cells], "inline": [asdict(e) for e in inline], "seed": seed}


def program_from_json(data: dict) -> tuple[tuple[Cell, ...], tuple[InlineExpr, ...], int]:
    """Inverse of :func:`program_to_json`; raises KeyError/TypeError on a bad shape."""
    return (tuple(Cell(**c) for c in data["cells"]), tuple(InlineExpr(**e) for e in data["inline"]),
            int(data["seed"]))
