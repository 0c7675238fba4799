"""Quarto tabsets: ``::: {.panel-tabset}`` with one tab per ``##`` heading."""

from .index import tabsets_plugin

__all__ = ["tabsets_plugin"]
