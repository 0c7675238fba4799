"""Bounds on what a source may make the build do, so a small file cannot cost hours or gigabytes.

YAML aliases let 500 bytes of front matter stand for a structure of billions
of values (``a: &a [x, x]``, ``b: &b [*a, *a]``, ...): parsing it is cheap,
but anything that walks it afterwards (a tag list, a cache key, a message
quoting it) takes exponential time and memory.  :func:`too_large` counts the
values as they would be once every alias is expanded, and stops counting at
the bound, so checking costs at most the bound.
"""

from __future__ import annotations

#: Values (scalars, list items, mapping entries) a YAML document may expand to.
MAX_YAML_VALUES = 100_000
#: Characters of text a YAML document may expand to.
MAX_YAML_CHARS = 10_000_000

TOO_LARGE_HINT = ("YAML aliases (*name) repeat what their anchor (&name) holds; nested ones multiply. "
                  "Write the values out, or remove the anchors")


def too_large(value: object, values: int = MAX_YAML_VALUES, chars: int = MAX_YAML_CHARS) -> bool:
    """Whether ``value``, with shared parts counted each time they appear, exceeds the bounds."""
    budget = [values, chars]
    stack = [value]
    while stack:
        item = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            return True
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (str, bytes)):
            budget[1] -= len(item)
            if budget[1] < 0:
                return True
    return False


def describe(what: str) -> str:
    return (f"{what} is too large once expanded (more than {MAX_YAML_VALUES} values or "
            f"{MAX_YAML_CHARS // 1_000_000} million characters)")
