"""Margin notes: footnotes shown beside the text with ``reference-location: margin``."""

from .index import margin_plugin

__all__ = ["margin_plugin"]
