"""Executable cells in Markdown: the markdown-it plugin, the program extractor, the cell model.

    md = MarkdownIt("commonmark").use(cells_plugin)
    tokens = md.parse(body)
    cells, inline = extract_program(tokens, line_offset=front_matter_lines,
                                    defaults=exec_defaults.options, path="content/posts/x.md")
    ... generator.kernel.execute_posts(...) ...
    html = md.renderer.render(tokens, md.options, {"exec": post_result})

The plugin and the extractor are imported on first use: the cell model
(``model.py``) and options (``options.py``) are needed by builds that parse
nothing (a no-change build), which must not pay for importing markdown-it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["cells_plugin", "extract_program", "repro_note_html"]


def __getattr__(name: str) -> Any:
    if name == "cells_plugin":
        from .index import cells_plugin

        return cells_plugin
    if name == "extract_program":
        from .program import extract_program

        return extract_program
    if name == "repro_note_html":
        from .render import repro_note_html

        return repro_note_html
    raise AttributeError(name)
