"""The few Liquid tags Jekyll math posts use, applied to the body before Markdown.

Only recognised forms are touched, so TeX such as ``x^{{2}}`` or ``{%`` inside
a formula stays as written.  Substitutions never add or remove lines, so
line numbers in later messages still point at the right place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ...errors import Diagnostic

_OUTPUT = re.compile(
    r"\{\{-?\s*(?:(site|page)\.([A-Za-z_][\w.]*)|'([^'\n]*)'|\"([^\"\n]*)\")"
    r"((?:\s*\|\s*[A-Za-z_]+)*)\s*-?\}\}")
_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)


@dataclass
class LiquidContext:
    site: dict                      # site.baseurl, site.url, site.title, ...
    page: dict                      # page.title, page.url, ...
    base_path: str = "/"            # "/repo/"
    absolute_base: str = ""         # "https://user.github.io/repo"
    post_url: Callable[[str], str | None] = lambda name: None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _filters(value: str, filters: str, ctx: LiquidContext) -> str:
    for name in re.findall(r"[A-Za-z_]+", filters):
        if name == "relative_url":
            value = ctx.base_path.rstrip("/") + "/" + value.lstrip("/") if not re.match(r"^[a-z]+:", value) else value
        elif name == "absolute_url":
            value = ctx.absolute_base + "/" + value.lstrip("/") if not re.match(r"^[a-z]+:", value) else value
        elif name in ("escape", "xml_escape"):
            import html

            value = html.escape(value)
        elif name in ("downcase", "upcase", "strip"):
            value = {"downcase": value.lower, "upcase": value.upper, "strip": value.strip}[name]()
    return value


def has_liquid(text: str) -> bool:
    return "{{" in text or "{%" in text


def render_liquid(text: str, ctx: LiquidContext, *, path: str, line_offset: int) -> str:
    """Substitute ``{{ site.x }}``, ``{{ page.x }}``, ``{{ 'u' | relative_url }}``;
    keep ``{% raw %}`` blocks literal."""
    if not has_liquid(text):
        return text
    raws: list[str] = []

    def keep_raw(match: re.Match) -> str:
        raws.append(match.group(1))
        return f"\x00raw{len(raws) - 1}\x00"

    text = _RAW.sub(keep_raw, text)

    def output(match: re.Match) -> str:
        scope, name, s1, s2, filters = match.groups()
        if scope:
            source = ctx.site if scope == "site" else ctx.page
            value = source
            for part in name.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is None:
                line = line_offset + text.count("\n", 0, match.start())
                ctx.diagnostics.append(Diagnostic(path, line, f"{{{{ {scope}.{name} }}}} has no value here; it renders empty"))
                value = ""
            value = str(value)
        else:
            value = s1 if s1 is not None else s2
        return _filters(value, filters or "", ctx)

    text = _OUTPUT.sub(output, text)
    if raws:
        text = re.sub("\x00raw(\\d+)\x00", lambda m: raws[int(m.group(1))], text)
    return text
