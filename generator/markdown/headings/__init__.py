"""Heading ids (kramdown's rule), anchor links, table of contents entries."""

from .index import headings_plugin, kramdown_id

__all__ = ["headings_plugin", "kramdown_id"]
