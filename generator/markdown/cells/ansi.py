"""Terminal colours in cell output (ANSI SGR escapes) as HTML spans.

IPython colours its tracebacks and many libraries colour their logs; a notebook
stores those escapes as they are.  They become ``<span class="ansi-...">``
(the 16 standard colours, styled in ``notebook.css`` for both themes) or an
inline colour for the 256-colour and true-colour forms.  Escapes other than
colours (cursor moves, titles) are dropped; the text itself is HTML-escaped.
"""

from __future__ import annotations

import re

from markdown_it.common.utils import escapeHtml

_ESCAPE = re.compile(r"\x1b\[([0-9;]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_NAMES = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def has_ansi(text: str) -> bool:
    return "\x1b" in text


def ansi_to_html(text: str) -> str:
    """``text`` HTML-escaped, its colour escapes turned into spans (no escape left)."""
    if "\x1b" not in text:
        return escapeHtml(text)
    out: list[str] = []
    state = _State()
    pos = 0
    for match in _ESCAPE.finditer(text):
        out.append(state.wrap(text[pos:match.start()]))
        pos = match.end()
        if match.group(2) == "m":
            state.apply(match.group(1))
    out.append(state.wrap(text[pos:]))
    return "".join(out)


def _colour_256(n: int) -> str:
    if n < 16:
        return ""
    if n >= 232:
        level = 8 + (n - 232) * 10
        return f"#{level:02x}{level:02x}{level:02x}"
    n -= 16
    steps = [0, 95, 135, 175, 215, 255]
    return f"#{steps[n // 36]:02x}{steps[n // 6 % 6]:02x}{steps[n % 6]:02x}"


class _State:
    """The current colours and weight, as SGR codes set them."""

    def __init__(self) -> None:
        self.fg: str | None = None       # a class name or "#rrggbb"
        self.bg: str | None = None
        self.bold = False
        self.underline = False

    def apply(self, params: str) -> None:
        codes = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in (38, 48) and i + 1 < len(codes):
                colour, used = self._extended(codes[i + 1:])
                if code == 38:
                    self.fg = colour
                else:
                    self.bg = colour
                i += 1 + used
                continue
            self._simple(code)
            i += 1

    def _extended(self, rest: list[int]) -> tuple[str | None, int]:
        if rest[0] == 5 and len(rest) > 1:
            n = rest[1]
            if n < 16:
                return f"ansi-{'bright-' if n >= 8 else ''}{_NAMES[n % 8]}", 2
            return _colour_256(n), 2
        if rest[0] == 2 and len(rest) > 3:
            r, g, b = (max(0, min(255, v)) for v in rest[1:4])
            return f"#{r:02x}{g:02x}{b:02x}", 4
        return None, 1

    def _simple(self, code: int) -> None:
        if code == 0:
            self.fg = self.bg = None
            self.bold = self.underline = False
        elif code == 1:
            self.bold = True
        elif code == 22:
            self.bold = False
        elif code == 4:
            self.underline = True
        elif code == 24:
            self.underline = False
        elif 30 <= code <= 37:
            self.fg = f"ansi-{_NAMES[code - 30]}"
        elif 90 <= code <= 97:
            self.fg = f"ansi-bright-{_NAMES[code - 90]}"
        elif code == 39:
            self.fg = None
        elif 40 <= code <= 47:
            self.bg = f"ansi-{_NAMES[code - 40]}"
        elif 100 <= code <= 107:
            self.bg = f"ansi-bright-{_NAMES[code - 100]}"
        elif code == 49:
            self.bg = None

    def wrap(self, text: str) -> str:
        if not text:
            return ""
        classes, styles = [], []
        for colour, layer in ((self.fg, "fg"), (self.bg, "bg")):
            if colour is None:
                continue
            if colour.startswith("#"):
                styles.append(f"{'color' if layer == 'fg' else 'background-color'}:{colour}")
            else:
                classes.append(f"{colour}-{layer}")
        if self.bold:
            classes.append("ansi-bold")
        if self.underline:
            classes.append("ansi-underline")
        if not classes and not styles:
            return escapeHtml(text)
        attrs = f' class="{" ".join(classes)}"' if classes else ""
        attrs += f' style="{";".join(styles)}"' if styles else ""
        return f"<span{attrs}>{escapeHtml(text)}</span>"
