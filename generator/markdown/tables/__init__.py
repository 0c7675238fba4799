"""Pipe tables: math-aware cells, optional header row."""

from .index import split_row, tables_plugin

__all__ = ["split_row", "tables_plugin"]
