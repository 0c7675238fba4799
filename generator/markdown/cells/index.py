"""markdown-it plugin: executable ``{python}`` cells and inline ``{python} expr``.

Parsing turns

- a fence whose info string is ``{python}`` (or ``python {exec}``) into an
  ``exec_cell`` token, with ``meta`` = ``{"index", "options", "code",
  "line", "problems"}`` (``line``: first code line, 1-based, in the parsed
  text; ``problems``: invalid ``#|`` options, raised by ``extract_program``
  which knows the file), and
- inline code starting with ``{python} `` into an ``exec_inline`` token, with
  ``meta`` = ``{"index", "expr", "line", "cells_before"}``.

Rendering reads the execution results from ``env["exec"]`` (a PostResult);
without it the code is shown with a "not executed" note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from generator.markdown.cells.interactive import inline_html, inline_owner, interactive_html
from generator.markdown.cells.options import merge_options
from generator.markdown.cells.parse import parse_cell
from generator.markdown.cells.render import RichContext, outputs_html
from generator.markdown.diagnostics import warn
from generator.markdown.rules import place_core
from generator.markdown.xref import lookup

_INFO_RE = re.compile(r"^(?:\{python\}|python\s+\{\s*exec\s*\})$")
INLINE_PREFIX = "{python} "


def cells_plugin(md: MarkdownIt, *, language: str = "python") -> None:
    """Add executable cells to ``md``.

    :param language: language name passed to ``md.options.highlight`` and
        used in the ``language-`` class of the displayed code
    """
    place_core(md, "exec_cells", _find_cells)

    def render_cell(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        token = tokens[idx]
        meta = token.meta
        result = (env or {}).get("exec")
        cell = result.cells[meta["index"]] if result is not None and meta["index"] < len(result.cells) else None
        opts = cell.options if cell is not None and cell.options else \
            merge_options((env or {}).get("exec_defaults"), meta["options"])
        if not opts["include"]:
            return ""
        view = display_options(opts, meta["options"])
        target = lookup(env, opts.get("label"))
        parts = []
        if opts["echo"]:
            parts.append(_folded(_code_html(meta["code"], language, options,
                                            _line_attrs(opts.get("code-line-numbers"))), view))
        if cell is None:
            if opts["eval"]:
                parts.append('<p class="cell-note">not executed</p>\n')
        elif cell.status == "missing":
            parts.append(f'<p class="cell-note cell-missing">output missing: {escapeHtml(cell.reason)}</p>\n')
        elif opts["output"] and getattr(cell, "sweep", None) is not None:
            parts.append(interactive_html(cell, options=view, cell_number=meta["index"] + 1,
                                          render_caption=lambda text: md.renderInline(text), target=target,
                                          env=env if env is not None else {},
                                          line=meta.get("option_lines", {}).get("fig-cap", meta["line"])))
        elif opts["output"]:
            parts.append(outputs_html(cell.outputs, options=view, cell_number=meta["index"] + 1,
                                      render_caption=lambda text: md.renderInline(text), target=target,
                                      rich=rich_context(md, env, meta["line"] - 1)))
        label = opts.get("label")
        # a numbered cell's id belongs to its <figure>, the target of references
        attrs = f' id="{escapeHtml(label)}"' if label and target is None else ""
        return f'<div class="cell"{attrs}>\n' + "".join(parts) + "</div>\n"

    def render_inline(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        meta = tokens[idx].meta
        result = (env or {}).get("exec")
        values = result.inline_values if result is not None else []
        if meta["index"] < len(values) and values[meta["index"]] is not None:
            owner = inline_owner(result, meta["index"])  # a value that follows an interactive figure
            text = escapeHtml(values[meta["index"]])
            return text if owner is None else inline_html(text, owner, meta["index"])
        return (f'<code class="cell-inline-missing" title="not executed">'
                f'{escapeHtml(INLINE_PREFIX + meta["expr"])}</code>')

    md.add_render_rule("exec_cell", render_cell)
    md.add_render_rule("exec_inline", render_inline)


def rich_context(md: MarkdownIt, env: dict, line: int | None, prefix: str = "") -> RichContext:
    """What rendering rich outputs needs from the page: its parser (for Markdown and LaTeX
    outputs), its features, whether scripts of HTML outputs are kept, where warnings go."""

    def warn(message: str, hint: str | None) -> None:
        env.setdefault("diagnostics", []).append((line, prefix + message, hint))

    return RichContext(render_markdown=lambda text: md.render(text, env), features=env.setdefault("features", set()),
                       allow_scripts=env.get("output_scripts") is True, warn=warn)


def _find_cells(state: StateCore) -> None:
    """Retype executable fences and inline code, numbering both in document order."""
    cells = inline = 0
    for token in state.tokens:
        if token.type == "fence" and _INFO_RE.match(token.info.strip()):
            parsed = parse_cell(token.content, first_line=(token.map or [0, 0])[0] + 2)
            token.type = "exec_cell"
            token.meta = {"index": cells, "options": parsed.options, "code": parsed.code,
                          "line": parsed.line, "problems": parsed.problems, "option_lines": parsed.option_lines}
            for line, message, hint in parsed.warnings:
                warn(state.env, line - 1, message, hint)  # diagnostics count lines from 0
            cells += 1
        elif token.type == "inline" and token.children:
            breaks = 0
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    breaks += 1
                elif child.type == "code_inline" and child.content.startswith(INLINE_PREFIX):
                    child.type = "exec_inline"
                    child.meta = {"index": inline, "expr": child.content[len(INLINE_PREFIX):].strip(),
                                  "line": token.map[0] + 1 + breaks if token.map else 1,
                                  "cells_before": cells}
                    inline += 1


#: Options that change only how a cell is shown, read from the cell when the merged options lack them.
DISPLAY_KEYS = ("code-fold", "code-summary", "layout-ncol", "fig-subcap", "tbl-cap")


def display_options(merged: dict, own: dict) -> dict:
    """``merged`` plus the display-only options of the cell itself (Quarto's names)."""
    view = dict(merged)
    for key in DISPLAY_KEYS:
        if key not in view and key in own:
            view[key] = own[key]
    return view


def _folded(code_html: str, view: dict) -> str:
    """``code-fold: true`` (closed) or ``show`` (open): the code inside ``<details>``, as Quarto does."""
    fold = view.get("code-fold")
    if fold not in (True, "true", "show"):
        return code_html
    summary = escapeHtml(str(view.get("code-summary") or "Code"))
    opened = " open" if fold == "show" else ""
    return f'<details class="code-fold"{opened}>\n<summary>{summary}</summary>\n{code_html}</details>\n'


def _line_attrs(value) -> str:
    """The fence attributes for the ``code-line-numbers`` option: true, or the lines to highlight."""
    if value is True:
        return "linenos"
    if isinstance(value, str) and value.strip():
        return f'linenos hl_lines="{value}"'
    return ""


def _code_html(code: str, language: str, options, attrs: str = "") -> str:
    # The same steps as markdown-it's own fence renderer.
    highlighted = ""
    if options.highlight:
        highlighted = options.highlight(code, language, attrs) or ""
    if not highlighted:
        highlighted = escapeHtml(code)
    if highlighted.startswith("<pre"):
        return highlighted.rstrip("\n") + "\n"
    return f'<pre><code class="{escapeHtml(options.langPrefix + language)}">{highlighted}</code></pre>\n'
