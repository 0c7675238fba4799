"""Raw HTML repair: unclosed iframes, in-body MathJax scripts, base path."""

from .index import html_plugin, parse_attributes, resolve_urls

__all__ = ["html_plugin", "parse_attributes", "resolve_urls"]
