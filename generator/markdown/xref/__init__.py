"""Quarto cross-references: numbered figures, tables, equations and sections, and ``@fig-x`` references."""

from .index import Target, lookup, xref_plugin

__all__ = ["Target", "lookup", "xref_plugin"]
