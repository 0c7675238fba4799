"""Pandoc fenced divs: ``::: {.class #id key=value}`` ... ``:::``, nested."""

from .index import div_attributes, divs_plugin, matching_close

__all__ = ["div_attributes", "divs_plugin", "matching_close"]
