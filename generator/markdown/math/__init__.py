"""TeX math: ``$``, ``$$``, ``\\(``, ``\\[``, bare environments, kramdown escapes."""

from .index import ENVIRONMENTS, find_inline_math, math_plugin

__all__ = ["ENVIRONMENTS", "find_inline_math", "math_plugin"]
