"""Pandoc attributes: ``{#id .class key=value}`` after images, links, code and headings; ``[text]{.class}`` spans."""

from .index import attributes_plugin
from .parse import Attributes, attributes_at, parse_attributes, trailing_attributes

__all__ = ["Attributes", "attributes_at", "attributes_plugin", "parse_attributes", "trailing_attributes"]
