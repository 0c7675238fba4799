"""markdown-it plugin: Mermaid and PlantUML diagrams.

Parsing (no external program runs here) makes two token types:

``mermaid``
    from a ```` ```mermaid ```` fence or an ``@startmermaid`` ... ``@endmermaid``
    block; ``content`` is the diagram text.  Rendered as ``<pre class="mermaid">``
    with the text HTML-escaped once; mermaid.js draws it in the browser.  Adds
    ``"mermaid"`` to ``env["features"]`` so the page loads Mermaid.
``plantuml``
    from a ```` ```plantuml ```` / ```` ```puml ```` fence or a bare
    ``@startX`` ... ``@endX`` block (``uml``, ``mindmap``, ``gantt``, ``salt``,
    ``json``, ``yaml``, ``wbs``, ...); ``content`` is a complete PlantUML source
    (a fence without ``@start`` line is wrapped in ``@startuml``/``@enduml``),
    ``meta`` = ``{"index": n-th PlantUML diagram of the document,
    "line": 0-based line in the parsed text of the source's first line}``.

A bare block is recognised when a line (indented less than 4 spaces) is
``@startX`` (optionally followed by a name or ``(id=...)``) and a later line of
the same container is ``@endX``; it may interrupt a paragraph, so the
showcase's ``@enduml`` directly followed by ``@startmermaid`` works.

Rendering of PlantUML happens at build time, once per document: the first
``plantuml`` token rendered sends every PlantUML diagram of the token list to
the renderer in one batch (one Java start for the whole post).  Without a
local PlantUML the diagram becomes an ``<img>`` from the PlantUML server and
``"plantuml-fallback"`` is added to ``env["features"]``.  A diagram with an
error stops the build (``BuildError`` with file and line) unless
``env["allow_errors"]`` is true, in which case PlantUML's message is shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ...config import PLANTUML_SERVER
from ...errors import BuildError, Diagnostic
from ..diagnostics import warn
from ..rules import place_core
from .plantuml import PlantUMLFailure, Rendered, Renderer, server_url
from .svg import inline_svg

_START = re.compile(r"@start([a-z]+)(?:[\s(].*)?$")
_MERMAID_INFO = frozenset({"mermaid"})
_PLANTUML_INFO = frozenset({"plantuml", "puml"})


def diagrams_plugin(md: MarkdownIt, *, cache_dir: str | None = None, plantuml_server: str = PLANTUML_SERVER,
                    plantuml=None) -> None:
    """Add Mermaid and PlantUML diagrams to ``md``.

    :param cache_dir: folder for build-time renderers' caches; PlantUML SVGs go
        to ``<cache_dir>/plantuml/<sha256>.svg``.  None: no cache.
    :param plantuml_server: PlantUML server for the ``<img>`` fallback used when
        there is no local PlantUML (``<server>/svg/<encoded source>``).
    :param plantuml: which PlantUML to run.  None: ``$GDBLOG_PLANTUML``, else
        ``plantuml`` on the PATH; a command (string or argv list); False: none,
        always use the server; or an object with ``render(sources) ->
        list[Rendered]`` (see :mod:`.plantuml`), e.g. a fake in tests.
    """
    renderer = _make_renderer(plantuml, cache_dir)
    md.block.ruler.before("fence", "diagram_block", _diagram_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    place_core(md, "diagram_fences", _diagram_fences)
    md.add_render_rule("mermaid", render_mermaid)

    def render_plantuml(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _render_plantuml(tokens, idx, env, renderer, plantuml_server)

    md.add_render_rule("plantuml", render_plantuml)


def _make_renderer(plantuml, cache_dir: str | None) -> Renderer | None:
    if plantuml is False:
        return None
    if hasattr(plantuml, "render"):
        return plantuml
    from pathlib import Path

    from .plantuml import LocalPlantUML, find_command

    command = find_command(plantuml)
    if command is None:
        return None
    return LocalPlantUML(command, Path(cache_dir) / "plantuml" if cache_dir else None)


# --------------------------------------------------------------------------
# parsing

def _line(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line]: state.eMarks[line]]


def _diagram_block(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    first = _line(state, startLine).rstrip()
    match = _START.match(first)
    if not match:
        return False
    kind = match.group(1)
    end_marker = f"@end{kind}"
    last = startLine + 1
    while True:
        if last >= endLine:
            return False  # no @endX in this container: leave the text alone
        if not state.isEmpty(last) and state.sCount[last] < state.blkIndent:
            return False
        if _line(state, last).strip() == end_marker:
            break
        last += 1
    if silent:
        return True
    text = state.getLines(startLine, last + 1, state.blkIndent, False)
    if kind == "mermaid":
        token = state.push("mermaid", "pre", 0)
        # the lines between the markers, as written
        token.content = "".join(line + "\n" for line in text.split("\n")[1:-1])
    else:
        token = state.push("plantuml", "figure", 0)
        token.content = text.strip("\n") + "\n"
        token.meta = {"line": startLine}
    token.block = True
    token.markup = f"@start{kind}"
    token.map = [startLine, last + 1]
    state.line = last + 1
    return True


def _diagram_fences(state: StateCore) -> None:
    """Turn diagram fences into diagram tokens; number PlantUML diagrams; note features."""
    count = 0
    for token in state.tokens:
        if token.type == "fence":
            lang = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
            if lang in _MERMAID_INFO:
                token.type, token.tag = "mermaid", "pre"
            elif lang in _PLANTUML_INFO:
                token.type, token.tag = "plantuml", "figure"
                source = token.content
                if source.lstrip().startswith("@start"):
                    line = token.map[0] + 1 if token.map else 0
                else:
                    # wrapped: the fence line stands where the added @startuml is
                    source = f"@startuml\n{source}@enduml\n" if source.endswith("\n") else \
                        f"@startuml\n{source}\n@enduml\n"
                    line = token.map[0] if token.map else 0
                token.content = source
                token.meta = {"line": line}
        if token.type == "mermaid":
            state.env.setdefault("features", set()).add("mermaid")
        elif token.type == "plantuml":
            token.meta["index"] = count
            count += 1


# --------------------------------------------------------------------------
# rendering

def render_mermaid(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    return f'<pre class="mermaid">{escapeHtml(tokens[idx].content)}</pre>\n'


def _digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def _file_line(env: dict, token: Token, diagram_line: int | None) -> int:
    """File line (1-based) of line ``diagram_line`` (1-based) of the token's diagram."""
    return env.get("body_line", 1) + token.meta.get("line", 0) + max((diagram_line or 1) - 1, 0)


def _render_batch(tokens: Sequence[Token], env: dict, renderer: Renderer) -> None:
    """Render every PlantUML diagram of ``tokens`` not yet rendered, in one call."""
    todo = [t for t in tokens if t.type == "plantuml" and "result" not in t.meta]
    try:
        results = renderer.render([t.content for t in todo])
    except PlantUMLFailure as exc:
        raise BuildError(str(exc), path=env.get("path"), line=_file_line(env, todo[0], None),
                         hint="check the PlantUML install (apt-get install plantuml) or set GDBLOG_PLANTUML; "
                              "GDBLOG_PLANTUML=none uses the PlantUML server instead") from None
    errors = []
    for token, result in zip(todo, results, strict=True):  # a renderer returns one result per source
        token.meta["result"] = result
        if result.error is not None and not env.get("allow_errors"):
            errors.append(Diagnostic(env.get("path"), _file_line(env, token, result.error_line),
                                     f"PlantUML: {result.error}",
                                     "fix the diagram, or allow errors in this post's front matter"))
    if errors:
        raise BuildError.many(errors)


def _render_plantuml(tokens: Sequence[Token], idx: int, env: dict, renderer: Renderer | None,
                     server: str) -> str:
    token = tokens[idx]
    if renderer is None:
        env.setdefault("features", set()).add("plantuml-fallback")
        url = escapeHtml(server_url(server, token.content))
        return f'<figure class="diagram plantuml"><img src="{url}" alt="PlantUML diagram"></figure>\n'
    if "result" not in token.meta:
        _render_batch(tokens, env, renderer)
    result: Rendered = token.meta["result"]
    prefix = f"puml-{_digest(token.content)[:10]}-{token.meta.get('index', 0)}-"
    svg = inline_svg(result.svg, prefix) if result.svg else ""
    if result.error is None:
        return f'<figure class="diagram plantuml">{svg}</figure>\n'
    line = _file_line(env, token, result.error_line)
    if not token.meta.get("warned"):
        token.meta["warned"] = True
        # diagnostics take lines relative to the body, like the other rules' warnings
        warn(env, line - env.get("body_line", 1), f"PlantUML: {result.error}", "the page shows PlantUML's message")
    message = escapeHtml(f"PlantUML error on line {line}: {result.error}")
    return (f'<figure class="diagram plantuml diagram-error">{svg}'
            f'<figcaption>{message}</figcaption></figure>\n')
