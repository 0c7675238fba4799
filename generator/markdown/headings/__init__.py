"""Heading ids (Jekyll's rules), anchor links, table of contents entries."""

from .index import gfm_id, headings_plugin, kramdown_id

__all__ = ["gfm_id", "headings_plugin", "kramdown_id"]
