"""Build the execution program of a post from its parsed tokens."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

from generator.errors import BuildError, Diagnostic
from generator.markdown.cells.model import Cell, InlineExpr
from generator.markdown.cells.options import ExecDefaults, frame_limit_problem, merge_options


def extract_program(tokens: Sequence[Token], *, line_offset: int = 0,
                    defaults: dict | ExecDefaults | None = None,
                    path: str | None = None) -> tuple[tuple[Cell, ...], tuple[InlineExpr, ...]]:
    """The cells and inline expressions of a token stream, in document order.

    :param line_offset: lines in the file before the parsed body (front matter),
        added to every line number so they point into the Markdown file
    :param defaults: cell option defaults (site < post), e.g. ``ExecDefaults.options``
    :param path: the file shown in error messages

    Raises BuildError listing every invalid cell option (``path:line``) and
    duplicate labels.
    """
    if isinstance(defaults, ExecDefaults):
        defaults = defaults.options
    cells: list[Cell] = []
    inline: list[InlineExpr] = []
    problems: list[Diagnostic] = []
    labels: dict[str, int] = {}
    for token in tokens:
        if token.type == "exec_cell":
            meta = token.meta
            for line, message, hint in meta["problems"]:
                problems.append(Diagnostic(path, line + line_offset, message, hint))
            options = merge_options(defaults, meta["options"])  # unused if problems: we raise
            line = meta["line"] + line_offset
            too_many = frame_limit_problem(options) if not meta["problems"] else None
            if too_many is not None:
                at = meta.get("option_lines", {}).get("interactive", meta["line"]) + line_offset
                problems.append(Diagnostic(path, at, too_many.message, too_many.hint))
            label = options.get("label")
            if label and meta["options"].get("label"):
                if label in labels:
                    problems.append(Diagnostic(path, line, f"label '{label}' is used by two cells",
                                               f"the other one starts at line {labels[label]}"))
                labels[label] = line
            cells.append(Cell(index=meta["index"], source=meta["code"].rstrip("\n"),
                              options=options, line=line))
        elif token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "exec_inline":
                    meta = child.meta
                    inline.append(InlineExpr(index=meta["index"], expr=meta["expr"],
                                             line=meta["line"] + line_offset,
                                             cells_before=meta["cells_before"]))
    if problems:
        raise BuildError.many(problems)
    return tuple(cells), tuple(inline)
