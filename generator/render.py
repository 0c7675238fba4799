"""Render one document: Liquid subset -> Markdown -> HTML body -> full page.

This is the per-document work of the build, run in parallel worker processes
for big sites.  It receives everything it needs in a :class:`RenderTask` and
returns a small :class:`RenderedDoc` record; the page itself is written
straight into the staging folder by the worker.
"""

from __future__ import annotations

import html as html_lib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .content import Document
from .errors import Diagnostic
from .output import write_atomic


@dataclass(frozen=True)
class SiteContext:
    """What every page of a build shares (picklable, sent to workers once)."""

    site: dict                      # exposed to templates as ``site``
    base_path: str
    absolute_base: str
    toc_min_headings: int
    excerpt_separator: str
    post_urls: dict                 # Jekyll post name / slug -> URL, for {% post_url %}
    allow_errors: bool = False      # site default of the 'error' option (cells and diagrams)
    includes: dict = field(default_factory=dict)  # name -> text of _includes/NAME, for {% include %}


@dataclass
class RenderTask:
    doc: Document
    out_path: str
    key: str
    template: str
    prev: dict | None = None        # {"title", "url"} of the older post
    next: dict | None = None        # {"title", "url"} of the newer post
    exec_result: Any = None         # generator.execute.PostResult, when the post has cells
    keep_body: bool = False         # return the body HTML (for the feed)


@dataclass
class RenderedDoc:
    rel: str
    key: str
    out_path: str
    excerpt_html: str
    summary_text: str
    has_math: bool
    excerpt_has_math: bool
    excerpt_has_mermaid: bool
    words: int
    diagnostics: list[Diagnostic] = field(default_factory=list)
    body_html: str | None = None    # for the feed (URLs absolute), when asked for
    out_stat: tuple = ()
    highlight_keys: tuple = ()      # the highlighted code blocks the page uses (memo keys)
    new_highlights: dict = field(default_factory=dict)  # ones computed for it (merged, then dropped)
    features: frozenset = frozenset()  # e.g. "mermaid", "plantuml-fallback": set by plugins in env["features"]


_TAGS = re.compile(r"<[^>]+>")


def html_to_text(fragment: str, limit: int = 300) -> str:
    text = html_lib.unescape(_TAGS.sub("", fragment))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def liquid_body(doc: Document, ctx: SiteContext, diagnostics: list[Diagnostic]) -> str:
    from .markdown.jekyll import LiquidContext, has_liquid, render_liquid

    if not has_liquid(doc.body):
        return doc.body
    page = {"title": doc.title, "url": doc.url, "date": doc.date.isoformat(),
            "tags": list(doc.tags), "categories": list(doc.categories)}
    page.update({k: v for k, v in doc.meta.items() if isinstance(k, str) and k not in page})
    lctx = LiquidContext(site=ctx.site["liquid"], page=page, base_path=ctx.base_path,
                         absolute_base=ctx.absolute_base, post_url=ctx.post_urls.get,
                         diagnostics=diagnostics, includes=ctx.includes)
    return render_liquid(doc.body, lctx, path=doc.rel, line_offset=doc.body_line)


def render_body(doc: Document, md, ctx: SiteContext, exec_result: Any = None):
    """Markdown body -> (html, toc, RenderedDoc fields)."""
    diagnostics: list[Diagnostic] = []
    body = liquid_body(doc, ctx, diagnostics)
    post_exec = doc.meta.get("exec") if isinstance(doc.meta.get("exec"), dict) else {}
    env: dict[str, Any] = {"path": doc.rel, "body_line": doc.body_line,
                           "allow_errors": post_exec.get("error", ctx.allow_errors) is True}
    if exec_result is not None:
        env["exec"] = exec_result
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)

    toc = []
    if len(env.get("toc", ())) >= max(ctx.toc_min_headings, 1) and doc.meta.get("toc", True) is not False:
        toc = [{"level": e["level"], "id": e["id"],
                "html": md.renderer.renderInline(e["children"], md.options, env)} for e in env["toc"]]

    separator = str(doc.meta.get("excerpt_separator") or ctx.excerpt_separator)
    excerpt_tokens = _excerpt_tokens(tokens, separator)
    excerpt_html = md.renderer.render(excerpt_tokens, md.options, env) if excerpt_tokens else ""
    if excerpt_html:
        from .markdown.html import resolve_urls

        excerpt_html = resolve_urls(excerpt_html, ctx.base_path + doc.url.lstrip("/"))
    words = 0
    for token in tokens:
        if token.type == "inline":
            words += sum(len(c.content.split()) for c in token.children or () if c.type == "text")
        elif token.type in ("fence", "code_block"):
            words += len(token.content.split()) // 3
    for line, message, hint in env.get("diagnostics", ()):
        diagnostics.append(Diagnostic(doc.rel, doc.body_line + line if line is not None else None, message, hint))
    return html, toc, {
        "excerpt_html": excerpt_html,
        "summary_text": doc.summary or html_to_text(excerpt_html),
        "has_math": env.get("math", 0) > 0,
        "excerpt_has_math": 'class="math' in excerpt_html,
        "excerpt_has_mermaid": 'class="mermaid"' in excerpt_html,
        "words": words,
        "diagnostics": diagnostics,
        "features": env.get("features", set()),
    }


def _excerpt_tokens(tokens: list, separator: str) -> list:
    """The tokens of the summary: everything before the separator (on its own line or
    inside a paragraph, whose open blocks are then closed), else the first paragraph."""
    from markdown_it.token import Token

    open_blocks: list = []
    for i, token in enumerate(tokens):
        if token.type == "html_block" and token.content.strip() == separator:
            return tokens[:i]
        if token.type == "inline" and token.children:
            cut = next((j for j, c in enumerate(token.children)
                        if c.type == "html_inline" and c.content.strip() == separator), None)
            if cut is not None:
                children = token.children[:cut]
                while children and children[-1].type in ("softbreak", "hardbreak"):
                    children.pop()
                partial = token.copy(children=children)
                closers = [Token(t.type.replace("_open", "_close"), t.tag, -1, hidden=t.hidden)
                           for t in reversed(open_blocks)]
                return tokens[:i] + [partial] + closers
        if token.nesting == 1:
            open_blocks.append(token)
        elif token.nesting == -1 and open_blocks:
            open_blocks.pop()
    for i, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            j = i
            while tokens[j].type != "paragraph_close":
                j += 1
            return tokens[i: j + 1]
    return []


def reading_minutes(words: int) -> int:
    """Minutes to read at 200 words a minute, at least one."""
    return max(1, math.ceil(words / 200))


@lru_cache(maxsize=4096)
def tag_url(name: str) -> str:
    from .content import slugify

    return f"/tags/{slugify(name)}/"


def page_context(doc: Document, body_html: str, toc: list, info: dict, task: RenderTask,
                 extra: dict | None = None) -> dict:
    from markupsafe import Markup

    page = {
        "kind": doc.kind, "title": doc.title, "url": doc.url, "date": doc.date, "updated": doc.updated,
        "undated": doc.undated, "description": doc.summary or info["summary_text"],
        "tags": [{"name": t, "url": tag_url(t)} for t in doc.tags],
        "body": Markup(body_html), "toc": [dict(t, html=Markup(t["html"])) for t in toc],
        "reading_minutes": reading_minutes(info["words"]) if doc.kind == "post" else None,
        "prev": task.prev, "next": task.next, "has_math": info["has_math"],
        "features": sorted(info["features"]), "meta": doc.meta,
    }
    if extra:
        page.update(extra)
    return page


# --------------------------------------------------------------------------
# worker side: one parser and one theme per process

_WORKER: dict[str, Any] = {}


def _feed_body(body_html: str, ctx: SiteContext, doc: Document) -> str:
    """The body as the feed carries it: relative URLs made absolute against the post's URL."""
    from .markdown.html import resolve_urls

    return resolve_urls(body_html, ctx.absolute_base + doc.url)


def setup_worker(md, theme, ctx: SiteContext, staging: Path) -> None:
    _WORKER.update(md=md, theme=theme, ctx=ctx, staging=staging)


def render_task(task: RenderTask) -> RenderedDoc:
    md, theme, ctx, staging = _WORKER["md"], _WORKER["theme"], _WORKER["ctx"], _WORKER["staging"]
    from .markdown.highlight import current_memo

    doc = task.doc
    memo = current_memo()
    memo.begin()
    body_html, toc, info = render_body(doc, md, ctx, task.exec_result)
    extra = None
    if task.exec_result is not None:
        from markupsafe import Markup

        from .markdown.cells import repro_note_html

        extra = {"repro": Markup(repro_note_html(task.exec_result.repro))}
    page = page_context(doc, body_html, toc, info, task, extra)
    html = theme.render(task.template, site=ctx.site, page=page)
    stat = write_atomic(staging, task.out_path, html)
    return RenderedDoc(
        rel=doc.rel, key=task.key, out_path=task.out_path, excerpt_html=info["excerpt_html"],
        summary_text=info["summary_text"], has_math=info["has_math"],
        excerpt_has_math=info["excerpt_has_math"], excerpt_has_mermaid=info["excerpt_has_mermaid"],
        words=info["words"],
        diagnostics=info["diagnostics"], body_html=_feed_body(body_html, ctx, doc) if task.keep_body else None,
        out_stat=stat, features=frozenset(info["features"]),
        highlight_keys=tuple(sorted(memo.used)), new_highlights=dict(memo.new),
    )


def render_list(item) -> tuple[str, str, tuple]:
    """Render one list page (a ``(ListPage, key)`` pair); returns (out_path, key, stat)."""
    from .listing import render_list_page

    page, key = item
    html = render_list_page(page, _WORKER["theme"], _WORKER["ctx"].site)
    return page.out_path, key, write_atomic(_WORKER["staging"], page.out_path, html)


def _run_chunk(function, items: list) -> list:
    from .errors import BuildError

    results = []
    for item in items:
        try:
            results.append(function(item))
        except BuildError as exc:
            results.append(exc)
    return results


def _import_worker_modules() -> None:
    """Import what render jobs import lazily, before forking: a child that imports while
    another thread of the parent (``serve``'s HTTP threads) held the import lock at fork
    time would wait for it forever."""
    import markupsafe  # noqa: F401
    from markdown_it import token  # noqa: F401

    from . import content, listing  # noqa: F401
    from .markdown import cells, html, jekyll  # noqa: F401


class RenderPool:
    """Runs render jobs in forked worker processes when there is enough work.

    Workers are forked once per build, after the parser and templates exist, so
    they share them copy-on-write; small jobs run in this process instead.
    """

    def __init__(self, jobs: int, threshold: int):
        self.jobs, self.threshold = jobs, threshold
        self._pool = None

    def map(self, function, items: list) -> list:
        """``function`` over ``items``; raises one BuildError listing every failure."""
        from functools import partial

        from .errors import BuildError

        if len(items) >= self.threshold and self.jobs > 1:
            if self._pool is None:
                import multiprocessing

                _import_worker_modules()
                self._pool = multiprocessing.get_context("fork").Pool(self.jobs)
            size = max(1, len(items) // (self.jobs * 8))
            chunks = [items[i: i + size] for i in range(0, len(items), size)]
            done = [r for part in self._pool.imap(partial(_run_chunk, function), chunks) for r in part]
        else:
            done = _run_chunk(function, items)
        errors = [e for r in done if isinstance(r, BuildError) for e in r.errors]
        if errors:
            raise BuildError.many(errors)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None
