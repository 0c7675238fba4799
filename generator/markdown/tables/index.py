"""GFM pipe tables that respect math, and tables without a header row.

Two differences from the GFM table rule it replaces:

* a ``|`` inside a formula (``$|x|$``, ``$\\|w\\|$``) does not split the cell and
  its TeX is kept byte-for-byte; the build still warns, because GitHub's
  preview and Jekyll would split the cell there;
* a table whose first line is the delimiter row (``|--|--|``) is a table with
  no header, as chess boards and matrices are often written.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from collections.abc import Callable

from ..diagnostics import warn
from ..math.index import find_inline_math

#: (start, end) spans of the formulas in one line of text.
MathFinder = Callable[[str], list[tuple[int, int]]]

_DELIMITER_CELL = re.compile(r"^:?-+:?$")
_MAX_AUTOCOMPLETED_CELLS = 0x10000


def tables_plugin(md: MarkdownIt, *, headerless: bool = True, math_aware: bool = True,
                  find_math: MathFinder | None = None, escaped_pipes: bool = False) -> None:
    """Replace the ``table`` block rule.

    :param headerless: accept a delimiter row as the first line (no ``<thead>``).
    :param math_aware: do not split cells on ``|`` inside inline math.
    :param find_math: how to find the formulas in a row (default: the math plugin's rules);
        the kramdown dialect passes its own.
    :param escaped_pipes: a ``\\|`` inside math is fine (kramdown reads it as ``|`` and
        does not split there), so only a bare ``|`` is warned about.
    """
    finder = (find_math or find_inline_math) if math_aware else None
    rule = lambda s, a, b, silent: _table(s, a, b, silent, headerless, finder, escaped_pipes)  # noqa: E731
    md.block.ruler.at("table", rule, {"alt": ["paragraph", "reference"]})


def split_row(line: str, math_aware: bool = True, find_math: MathFinder | None = None,
              escaped_pipes: bool = False) -> tuple[list[str], bool]:
    """Cells of one row, and whether a ``|`` sat inside math.

    An escaped ``\\|`` outside math becomes ``|`` (as in GFM); inside math it
    stays as written (``escaped_pipes``: and is not counted as a ``|`` in math).
    """
    spans = (find_math or find_inline_math)(line) if math_aware else []
    pipe_in_math = False
    cells: list[str] = []
    current: list[str] = []
    pos, span_i = 0, 0
    while pos < len(line):
        if span_i < len(spans) and pos == spans[span_i][0]:
            start, end = spans[span_i]
            if re.search(r"(?<!\\)\|" if escaped_pipes else r"\|", line[start:end]):
                pipe_in_math = True
            current.append(line[start:end])
            pos = end
            span_i += 1
            continue
        ch = line[pos]
        if ch == "\\" and line[pos + 1: pos + 2] == "|":
            current.append("|")
            pos += 2
            continue
        if ch == "\\" and pos + 1 < len(line):
            current.append(line[pos: pos + 2])
            pos += 2
            continue
        if ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        pos += 1
    cells.append("".join(current))
    if cells and not cells[0].strip():
        cells.pop(0)
    if cells and not cells[-1].strip():
        cells.pop()
    return cells, pipe_in_math


def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]: state.eMarks[line]]


def _aligns(text: str) -> list[str] | None:
    """Alignments from a delimiter row, or None if it is not one."""
    text = text.strip()
    if not text or text[0] not in "|-:" or not re.fullmatch(r"[-:|\s]+", text):
        return None
    if text[0] == "-" and len(text) > 1 and text[1] in " \t":
        return None  # a list item, not a table
    columns = text.split("|")
    aligns = []
    for i, column in enumerate(columns):
        column = column.strip()
        if not column:
            if i in (0, len(columns) - 1):
                continue
            return None
        if not _DELIMITER_CELL.match(column):
            return None
        if column.endswith(":"):
            aligns.append("center" if column.startswith(":") else "right")
        else:
            aligns.append("left" if column.startswith(":") else "")
    return aligns or None


def _cells_row(state, tag, cells, aligns, line):
    state.push("tr_open", "tr", 1).map = [line, line + 1]
    for i, align in enumerate(aligns):
        token = state.push(f"{tag}_open", tag, 1)
        if align:
            token.attrs = {"style": "text-align:" + align}
        token = state.push("inline", "", 0)
        token.map = [line, line + 1]
        token.content = cells[i].strip() if i < len(cells) else ""
        token.children = []
        state.push(f"{tag}_close", tag, -1)
    state.push("tr_close", "tr", -1)


def _table(state: StateBlock, startLine: int, endLine: int, silent: bool,
           headerless: bool, finder: MathFinder | None, escaped_pipes: bool) -> bool:
    if startLine + 1 >= endLine or state.is_code_block(startLine):
        return False
    first = _line(state, startLine)
    if "|" not in first and "|" not in _line(state, startLine + 1):
        return False
    header: list[str] | None = None
    aligns = None
    if state.sCount[startLine + 1] >= state.blkIndent and not state.is_code_block(startLine + 1):
        aligns = _aligns(_line(state, startLine + 1))
    if aligns is not None and "|" in first:
        header, _ = split_row(first.strip(), finder is not None, finder, escaped_pipes)
        if len(header) != len(aligns):
            return False
        body_start = startLine + 2
    elif headerless and "|" in first and (aligns := _aligns(first)) is not None:
        row = _line(state, startLine + 1)
        if "|" not in row or _aligns(row) is not None or state.is_code_block(startLine + 1):
            return False
        body_start = startLine + 1
    else:
        return False
    if silent:
        return True

    old_parent = state.parentType
    state.parentType = "table"
    terminators = state.md.block.ruler.getRules("blockquote")
    table = state.push("table_open", "table", 1)
    table.map = [startLine, 0]
    if header is not None:
        state.push("thead_open", "thead", 1).map = [startLine, startLine + 1]
        _cells_row(state, "th", header, aligns, startLine)
        state.push("thead_close", "thead", -1)

    line = body_start
    autocompleted = 0
    tbody = None
    while line < endLine:
        if state.sCount[line] < state.blkIndent or state.is_code_block(line):
            break
        if any(rule(state, line, endLine, True) for rule in terminators):
            break
        text = _line(state, line).strip()
        if not text or ("|" not in text and text.startswith((": ", "Table: "))):
            break  # a Pandoc table caption right under the table is not a row
        cells, pipe_in_math = split_row(text, finder is not None, finder, escaped_pipes)
        if pipe_in_math:
            warn(state.env, line, "'|' inside math in a table row",
                 "this site keeps the cell whole, but GitHub and Jekyll split it there; " + (
                     "write \\| (kramdown reads it as |), or \\vert, \\mid" if escaped_pipes
                     else "\\vert, \\mid or \\Vert are portable"))
        autocompleted += len(aligns) - len(cells)
        if autocompleted > _MAX_AUTOCOMPLETED_CELLS:
            break
        if tbody is None:
            tbody = state.push("tbody_open", "tbody", 1)
            tbody.map = [body_start, 0]
        _cells_row(state, "td", cells, aligns, line)
        line += 1
    if tbody is not None:
        state.push("tbody_close", "tbody", -1)
        tbody.map = [body_start, line]
    state.push("table_close", "table", -1)
    table.map[1] = line
    state.parentType = old_parent
    state.line = line
    return True
