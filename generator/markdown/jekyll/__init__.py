"""Jekyll compatibility: the Liquid subset math posts use."""

from .liquid import LiquidContext, has_liquid, render_liquid

__all__ = ["LiquidContext", "has_liquid", "render_liquid"]
