"""Notebooks: the code cells of a ``.ipynb`` post (``{nbcell K}`` fences) with their outputs.

    md = MarkdownIt("commonmark").use(notebook_plugin)
    html = md.render(body, {"notebook": {"payload": doc.payload, "rel": doc.rel, "config": {...}}})

The reader (:mod:`generator.readers.notebook`) makes the body and payload; the
outputs are rendered by :mod:`generator.markdown.cells.render`, the same code
that renders the outputs of ``{python}`` cells.  ``program`` turns a notebook's
code cells into the program our kernel runs when the notebook says ``execute: true``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["notebook_plugin"]


def __getattr__(name: str) -> Any:
    if name == "notebook_plugin":
        from .index import notebook_plugin

        return notebook_plugin
    raise AttributeError(name)
