"""Link destinations with spaces; base path for root-relative URLs."""

from .index import links_plugin, with_base

__all__ = ["links_plugin", "with_base"]
