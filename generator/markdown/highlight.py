"""Code highlighting with Pygments, emitting CSS classes (styles live in the theme).

Highlighted blocks are memoised between builds (:class:`HighlightMemo`, stored
as ``.cache/build/highlight.json``), so a prose edit starts no Pygments.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from functools import lru_cache, cache

from markdown_it.common.utils import escapeHtml


class HighlightMemo:
    """Highlighted code from earlier builds, by language and code.

    A post whose prose changed is rendered again without starting Pygments
    (setting up its Python lexer alone costs more than the rest of the page).
    ``used`` and ``new`` collect, per rendered document, which entries it needed
    and which it had to compute, so the build can keep exactly what is in use.
    """

    def __init__(self, known: dict[str, str] | None = None):
        self.known = known or {}
        self.used: set[str] = set()
        self.new: dict[str, str] = {}

    def begin(self) -> None:
        self.used, self.new = set(), {}

    @classmethod
    def load(cls, path: Path | None, code_version: str) -> HighlightMemo:
        """The memo stored at ``path`` (empty when missing, damaged or stale), installed for this build."""
        known: dict[str, str] = {}
        if path is not None:
            try:
                with open(path, encoding="utf-8") as fh:
                    stored = json.load(fh)
                if stored.get("version") == _stamp(code_version) and isinstance(stored.get("entries"), dict):
                    # a cache may come from anywhere: an entry of the wrong type is dropped, never shown
                    known = {k: v for k, v in stored["entries"].items() if isinstance(k, str) and isinstance(v, str)}
            except (OSError, ValueError, AttributeError):  # only an accelerator
                known = {}
        memo = cls(known)
        use_memo(memo)
        return memo

    def save(self, path: Path, code_version: str, fresh: dict[str, str], documents: Iterable) -> None:
        """Keep the entries some page still uses (``documents``' ``highlight_keys``); write if that changed."""
        entries = {}
        for doc in documents:
            for key in doc.highlight_keys:
                value = fresh.get(key, self.known.get(key))
                if value is not None:
                    entries[key] = value
        if entries.keys() == self.known.keys():
            return
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"version": _stamp(code_version), "entries": entries}, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:  # only an accelerator: a read-only cache highlights again next time
            with contextlib.suppress(OSError):
                tmp.unlink()


def _stamp(code_version: str) -> str:
    import pygments

    return f"{code_version}|{pygments.__version__}"


_memo = HighlightMemo()


def use_memo(memo: HighlightMemo) -> None:
    global _memo
    _memo = memo


def current_memo() -> HighlightMemo:
    return _memo


@cache
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
    if not lang:
        return ""
    memo = _memo
    key = hashlib.sha1(f"{lang}\0{code}".encode("utf-8", "surrogatepass")).hexdigest()
    memo.used.add(key)
    known = memo.known.get(key)
    if known is None:
        known = memo.new.get(key)
    if known is not None:
        return known
    lexer = _lexer(lang)
    html = ""
    if lexer is not None:
        from pygments import highlight

        body = highlight(code, lexer, _formatter())
        html = f'<pre class="highlight"><code class="language-{escapeHtml(lang)}">{body}</code></pre>'
    memo.new[key] = html
    return html


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
