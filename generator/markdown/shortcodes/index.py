"""markdown-it plugin: the Quarto shortcodes a blog post uses.

* ``{{< include _part.md >}}`` (a line of its own): the file's Markdown, parsed
  in place (relative to the document's folder, ``env["source_dir"]``; added to
  ``env["dependencies"]``; an include may include, to a depth of 8);
* ``{{< pagebreak >}}``: a page break when printing;
* ``{{< video URL >}}``: YouTube and Vimeo pages as an embedded player, other
  URLs as a ``<video>`` element (``title=``, ``width=``, ``height=`` accepted);
* ``{{< var key.sub >}}``: a value of config.yml's ``vars:`` (``env["site_vars"]``);
* ``{{< meta key >}}``: a value of the document's front matter (``env["meta"]``);
* ``{{{< var key >}}}``: the shortcode itself, as text (Quarto's escape).

Any other shortcode, a missing key or an unreadable include is left visible as
written, with a warning naming the line.  Shortcodes in code spans and code
blocks are never expanded.  Messages about lines of an included file name the
line of the include.
"""

from __future__ import annotations

from collections.abc import MutableMapping

import re
import shlex
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from ..diagnostics import inline_line, warn

_SHORTCODE = re.compile(r"\{\{<\s*([A-Za-z][\w-]*)((?:[^>]|>(?!\}\}))*?)\s*>\}\}")
_ESCAPED = re.compile(r"\{\{\{<(.*?)>\}\}\}")
_BLOCK_NAMES = ("include", "pagebreak", "video")
_YOUTUBE = re.compile(r"^https?://(?:www\.)?(?:youtube\.com/watch\?v=|youtu\.be/|youtube\.com/embed/)([\w-]+)")
_VIMEO = re.compile(r"^https?://(?:www\.)?vimeo\.com/(\d+)")
MAX_DEPTH = 8


def shortcodes_plugin(md: MarkdownIt) -> None:
    """Expand Quarto shortcodes (block ones on lines of their own, the others inline)."""
    md.block.ruler.before("paragraph", "shortcode_block", _block, {"alt": ["paragraph"]})
    md.inline.ruler.before("link", "shortcode_inline", _inline)


def _arguments(text: str) -> tuple[list[str], dict[str, str]]:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    args = [w for w in words if "=" not in w or w.startswith(("http:", "https:"))]
    kwargs = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith(("http:", "https:")))
    return args, kwargs


def _block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    start = state.bMarks[startLine] + state.tShift[startLine]
    if not state.src.startswith("{{<", start) or state.sCount[startLine] - state.blkIndent >= 4:
        return False
    line = state.src[start: state.eMarks[startLine]].strip()
    match = _SHORTCODE.fullmatch(line)
    if not match or match.group(1) not in _BLOCK_NAMES:
        return False
    if silent:
        return True
    name, (args, kwargs) = match.group(1), _arguments(match.group(2))
    state.line = startLine + 1
    if name == "include":
        if _include(state, args, startLine):
            return True
        html = f"<p>{escapeHtml(line)}</p>\n"
    elif name == "pagebreak":
        html = '<div class="page-break" style="page-break-after: always;"></div>\n'
    else:
        html = video_html(args, kwargs, state.env, startLine) or f"<p>{escapeHtml(line)}</p>\n"
    # raw HTML tokens, so that the html plugin gives root-relative URLs the site's base path
    token = state.push("html_block", "", 0)
    token.block = True
    token.map = [startLine, startLine + 1]
    token.content = html
    return True


def _include(state: StateBlock, args: list[str], line: int) -> bool:
    env = state.env
    if not args:
        warn(env, line, "{{< include >}} needs a file name", "write {{< include _part.md >}}")
        return False
    path = Path(env.get("source_dir") or ".") / args[0]
    stack = env.setdefault("_includes", [])
    if len(stack) >= MAX_DEPTH or str(path) in stack:
        warn(env, line, f"{{{{< include {args[0]} >}}}} includes itself", "remove the circular include")
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        warn(env, line, f"cannot include {args[0]}: {getattr(exc, 'strerror', None) or exc}",
             "the path is relative to the post's folder")
        return False
    env.setdefault("dependencies", set()).add(str(path.resolve()))
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        text = text[end + 4:].lstrip("\n") if end >= 0 else text  # Quarto drops an included file's front matter
    stack.append(str(path))
    before = len(state.tokens)
    state.md.block.parse(text, state.md, env, state.tokens)
    stack.pop()
    for token in state.tokens[before:]:
        token.map = [line, line + 1] if token.map else None  # messages point at the include line
        token.level += state.level
    return True


def video_html(args: list[str], kwargs: dict[str, str], env: MutableMapping, line: int | None) -> str | None:
    if not args:
        warn(env, line, "{{< video >}} needs a URL", "write {{< video https://www.youtube.com/watch?v=ID >}}")
        return None
    url = args[0]
    title = escapeHtml(kwargs.get("title", "Video"))
    size = "".join(f' {k}="{escapeHtml(kwargs[k])}"' for k in ("width", "height") if k in kwargs)
    youtube, vimeo = _YOUTUBE.match(url), _VIMEO.match(url)
    if youtube or vimeo:
        src = (f"https://www.youtube.com/embed/{youtube.group(1)}" if youtube
               else f"https://player.vimeo.com/video/{vimeo.group(1)}")  # type: ignore[union-attr]
        return (f'<div class="quarto-video"><iframe src="{escapeHtml(src)}" title="{title}"{size} frameborder="0" '
                'allow="fullscreen; picture-in-picture" allowfullscreen></iframe></div>\n')
    return f'<div class="quarto-video"><video src="{escapeHtml(url)}" controls{size}></video></div>\n'


def _lookup(data, key: str):
    for part in key.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _inline(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if not src.startswith("{{", pos):
        return False
    escaped = _ESCAPED.match(src, pos)
    if escaped:
        if not silent:
            state.push("text", "", 0).content = "{{<" + escaped.group(1) + ">}}"
        state.pos = escaped.end()
        return True
    match = _SHORTCODE.match(src, pos)
    if not match or match.end() > state.posMax:
        return False
    if not silent:
        token = state.push("html_inline", "", 0)
        token.content = _expand(match, state, inline_line(state, pos))
    state.pos = match.end()
    return True


def _expand(match: re.Match, state: StateInline, line: int | None) -> str:
    name, (args, kwargs) = match.group(1), _arguments(match.group(2))
    env = state.env
    written = escapeHtml(match.group(0))
    if name in ("var", "meta"):
        source = env.get("site_vars") if name == "var" else env.get("meta")
        value = _lookup(source, args[0]) if args else None
        if value is None or isinstance(value, (dict, list)):
            where = "config.yml's vars:" if name == "var" else "the front matter"
            warn(env, line, f"{{{{< {name} {args[0] if args else ''} >}}}}: no such key in {where}",
                 "define the key, or fix its spelling (dotted keys reach nested values)")
            return written
        return escapeHtml(str(value).lower() if isinstance(value, bool) else str(value))
    if name == "pagebreak":
        return '<span class="page-break" style="page-break-after: always;"></span>'
    if name == "video":
        return video_html(args, kwargs, env, line) or written
    warn(env, line, f"unknown shortcode {{{{< {name} >}}}} left as text",
         "supported: include, pagebreak, video, var, meta; write {{{< ... >}}} to show a shortcode literally")
    return written
