"""Compile and run cell code so that errors point into the Markdown file.

Each cell is compiled with the Markdown file's path as its filename and its
line numbers shifted to where the cell sits in that file, so a traceback
reads ``File "content/posts/x.md", line 59``.  The shift is done by padding
the source with blank lines rather than ``ast.increment_lineno`` alone:
padding also moves the line numbers of SyntaxErrors and compile-time
warnings, which never reach an AST.
"""

from __future__ import annotations

import ast
import linecache
import traceback
from dataclasses import dataclass
from types import CodeType


@dataclass
class CompiledCell:
    body: CodeType
    last: CodeType | None  # trailing bare expression, displayed like a notebook


def compile_cell(source: str, *, filename: str, first_line: int) -> CompiledCell:
    padded = "\n" * (first_line - 1) + source
    tree = ast.parse(padded, filename=filename, mode="exec")
    last = None
    tail = tree.body[-1] if tree.body else None
    if isinstance(tail, ast.Expr) and not _ends_with_semicolon(source):
        tree.body.pop()
        last = ast.Expression(tail.value)
    body = compile(tree, filename, "exec", dont_inherit=True)
    return CompiledCell(body, compile(last, filename, "eval", dont_inherit=True) if last else None)


def compile_expression(expr: str, *, filename: str, line: int) -> CodeType:
    expr = expr.strip()
    try:
        tree = ast.parse(expr, filename=filename, mode="eval")
    except SyntaxError as exc:
        exc.lineno = (exc.lineno or 1) + line - 1
        exc.end_lineno = None
        raise
    # Move it to its line and column in the Markdown file, so a traceback's
    # caret points under the expression, not under the start of the paragraph.
    column = max(linecache.getline(filename, line).find(expr), 0)
    for node in ast.walk(tree):
        # Expressions, keyword arguments and lambda parameters are the only nodes with
        # a position that an "eval" tree can hold (operators and contexts have none).
        if isinstance(node, (ast.expr, ast.keyword, ast.arg)) and node.lineno == 1:
            node.col_offset += column
            if node.end_lineno == 1 and node.end_col_offset is not None:
                node.end_col_offset += column
    ast.increment_lineno(tree, line - 1)
    return compile(tree, filename, "eval", dont_inherit=True)


def register_source(filename: str, text: str) -> None:
    """Let tracebacks quote the Markdown file's lines for the cells' frames."""
    lines = text.splitlines(keepends=True)
    linecache.cache[filename] = (len(text), None, lines, filename)


def describe_error(exc: BaseException, *, filename: str, fallback_line: int) -> dict:
    """Traceback text (from the first frame in the Markdown file on) and a location."""
    tb = exc.__traceback__
    # Frames of the worker itself come first; they mean nothing to a writer.
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    line = fallback_line
    walk = tb
    while walk is not None:
        if walk.tb_frame.f_code.co_filename == filename:
            line = walk.tb_lineno  # the innermost frame inside the post wins
        walk = walk.tb_next
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        line = exc.lineno
    text = "".join(traceback.TracebackException(type(exc), exc, tb, compact=True).format())
    summary = exc.msg if isinstance(exc, SyntaxError) and exc.msg else (_missing_ipython(exc) or str(exc))
    message = summary.strip().splitlines()[0] if summary.strip() else ""
    if len(message) > 300:
        message = message[:300] + "..."
    return {"type": type(exc).__name__, "message": message, "traceback": text, "line": line,
            "syntax": isinstance(exc, SyntaxError)}


def _missing_ipython(exc: BaseException) -> str | None:
    from _worker.rich import missing_ipython

    return missing_ipython(exc)


def _ends_with_semicolon(source: str) -> bool:
    lines = [ln for ln in source.rstrip().splitlines() if ln.strip()]
    return bool(lines) and lines[-1].split("#", 1)[0].rstrip().endswith(";")
