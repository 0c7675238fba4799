"""Code highlighting with Pygments, emitting CSS classes (styles live in the theme)."""

from __future__ import annotations

from functools import lru_cache

from markdown_it.common.utils import escapeHtml


@lru_cache(maxsize=None)
def _lexer(lang: str):
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    from .fastlex import accelerate

    try:
        return accelerate(get_lexer_by_name(lang, stripnl=False, ensurenl=False))
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter():
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def highlight_code(code: str, lang: str, attrs: str = "") -> str:
    """``<pre class="highlight"><code class="language-x">...`` or "" for the plain fence renderer."""
    lang = (lang or "").strip().lower()
    lexer = _lexer(lang) if lang else None
    if lexer is None:
        return ""
    from pygments import highlight

    body = highlight(code, lexer, _formatter())
    return f'<pre class="highlight"><code class="language-{escapeHtml(lang)}">{body}</code></pre>'


def stylesheet(light: str, dark: str) -> str:
    """CSS for both colour schemes: light by default, dark under ``[data-theme=dark]``
    and ``prefers-color-scheme: dark`` (unless the reader chose light)."""
    from pygments.formatters import HtmlFormatter

    light_css = HtmlFormatter(style=light).get_style_defs(".highlight")
    dark_rules = HtmlFormatter(style=dark).get_style_defs(".highlight")
    dark_css = "\n".join("html[data-theme=dark] " + line if line.startswith(".highlight") else line
                         for line in dark_rules.splitlines())
    auto_css = "\n".join("html:not([data-theme=light]) " + line if line.startswith(".highlight") else line
                         for line in dark_rules.splitlines())
    return (f"/* Pygments: {light} (light), {dark} (dark) */\n{light_css}\n{dark_css}\n"
            f"@media (prefers-color-scheme: dark) {{\n{auto_css}\n}}\n")
