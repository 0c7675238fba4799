"""Quarto shortcodes: ``{{< pagebreak >}}``, ``{{< video URL >}}``, ``{{< include file >}}``, ``{{< var key >}}``,
``{{< meta key >}}``."""

from .index import shortcodes_plugin

__all__ = ["shortcodes_plugin"]
