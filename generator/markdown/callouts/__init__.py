"""Quarto callouts: ``::: {.callout-note}`` ... ``:::`` boxes with a title, collapsible on request."""

from .index import CALLOUT_KINDS, callouts_plugin

__all__ = ["CALLOUT_KINDS", "callouts_plugin"]
