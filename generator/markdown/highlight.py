"""Code highlighting with Pygments, emitting CSS classes (styles live in the theme).

Highlighted blocks are memoised between builds (:class:`HighlightMemo`, stored
as ``.cache/build/highlight.json``), so a prose edit starts no Pygments.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

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


_ATTR = re.compile(r"""([.#]?[\w-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s}]+)))?""")
_NUMBERS = {"linenos", ".numberLines", ".number-lines", ".line-numbers", "line-numbers", "code-line-numbers"}
_MARKS = {"hl_lines", "highlight", "code-highlight"}


def line_options(attrs: str) -> tuple[bool, tuple[int, ...]]:
    """(line numbers?, lines to highlight) from a fence's attributes, e.g.
    ``{linenos hl_lines="2 4-5"}``, ``{.numberLines}`` or ``{highlight="3,7"}``."""
    numbers = False
    marked: set[int] = set()
    for match in _ATTR.finditer(attrs or ""):
        name = match.group(1)
        value = next((g for g in match.group(2, 3, 4) if g is not None), None)
        if name in _NUMBERS:
            numbers = value is None or value.lower() not in ("false", "no", "0")
        elif name in _MARKS and value:
            marked |= set(parse_lines(value))
    return numbers, tuple(sorted(marked))


def parse_lines(spec: str) -> list[int]:
    """``"2 4-6"`` or ``"2,4-6"`` -> [2, 4, 5, 6] (anything else in it is ignored)."""
    found: list[int] = []
    for part in re.split(r"[\s,]+", str(spec).strip()):
        low, _, high = part.partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            found += range(int(low), int(high or low) + 1)
    return found


_TAG = re.compile(r'(<span class="[^"]*">|</span>|\n)')


def split_lines(body: str, marked: tuple[int, ...]) -> str:
    """Pygments' flat ``<span>`` output, one ``<span class="line">`` per line (spans cut at line ends),
    so CSS can number lines (a counter, never copied with the code) and mark some."""
    lines: list[str] = []
    current: list[str] = []
    open_span = None
    for piece in _TAG.split(body):
        if piece == "\n":
            lines.append("".join(current) + ("</span>" if open_span else ""))
            current = [open_span] if open_span else []
        elif piece.startswith("<span"):
            open_span = piece
            current.append(piece)
        elif piece == "</span>":
            open_span = None
            current.append(piece)
        elif piece:
            current.append(piece)
    tail = "".join(current)
    if tail and tail != open_span:
        lines.append(tail + ("</span>" if open_span else ""))
    wanted = set(marked)
    out = []
    for n, line in enumerate(lines, start=1):
        cls = "line hll" if n in wanted else "line"
        out.append(f'<span class="{cls}">{line}</span>')
    return "\n".join(out) + "\n"


def highlight_code(code: str, lang: str, attrs: str = "") -> str:
    """``<pre class="highlight"><code class="language-x">...`` or "" for the plain fence renderer.

    ``attrs`` (the fence's info string after the language) may ask for line
    numbers and highlighted lines (see :func:`line_options`)."""
    lang = (lang or "").strip().lower()
    if not lang:
        return ""
    numbers, marked = line_options(attrs) if attrs else (False, ())
    memo = _memo
    text = f"{lang}\0{code}" if not (numbers or marked) else f"{lang}\0{code}\0{numbers}\0{marked}"
    key = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
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
        classes = "highlight"
        if numbers or marked:
            body = split_lines(body, marked)
            classes += " numbered" if numbers else ""
        html = f'<pre class="{classes}"><code class="language-{escapeHtml(lang)}">{body}</code></pre>'
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
