"""The documents stage: render every post and page whose page could have changed.

The key of a document's page (:func:`document_key`) holds everything the page
shows or depends on: the source file (which, with the config, also fixes its
URL and line numbers), the site-wide fingerprint (config, navigation), the
template and what it pulls in, the previous/next posts, what its Liquid tags
resolve to, the PlantUML in use (if it has diagrams), its cells' results.
The generator's own version is not in the key: a manifest written by another
version is not used at all (see :func:`generator.manifest.load`).  Files read
while rendering (a bibliography, say) are recorded with their content hash and
checked instead.  A page whose key and recorded files are unchanged is reused.
"""

from __future__ import annotations

import hashlib

from ..document import Document, RenderedDoc
from ..errors import Diagnostic
from ..manifest import key
from ..pool import WorkerContext, render_document_job, setup_worker
from ..related import related_posts, series_of
from ..render import RenderTask
from ..readers.body import ensure_body
from ..state import BuildState


def template_for(doc: Document, state: BuildState) -> str:
    layout = doc.meta.get("layout")
    if isinstance(layout, str) and layout not in ("default", "post", "page") and state.theme.has(f"{layout}.html"):
        return f"{layout}.html"
    return "post.html" if doc.kind == "post" else "page.html"


def neighbours(doc: Document, posts: list[Document], position: dict[str, int]) -> tuple[dict | None, dict | None]:
    """(older, newer) post of a post, as {"title", "url"}: the page links to both."""
    if doc.kind != "post":
        return None, None
    i = position[doc.rel]
    older = {"title": posts[i + 1].title, "url": posts[i + 1].url} if i + 1 < len(posts) else None
    newer = {"title": posts[i - 1].title, "url": posts[i - 1].url} if i > 0 else None
    return older, newer


def document_key(state: BuildState, doc: Document, template: str, prev: dict | None, nxt: dict | None,
                 links: dict | None = None) -> str:
    """The cache key of a document's page (see the module docstring)."""
    fp = state.fingerprints
    signals = doc.signals
    result = state.exec_results.get(doc.rel)
    return key(doc.digest, fp.site, state.theme.fingerprint(template), prev, nxt, links,
               fp.urls if "post_url" in signals else None, fp.includes if "include" in signals else None,
               fp.plantuml if "diagram" in signals else None, result.fingerprint if result else None)


def _unchanged_dependencies(record: RenderedDoc, hashes: dict[str, str]) -> bool:
    """Every file the page was made from still has the content it had."""
    for path, digest in record.dependencies:
        if path not in hashes:
            try:
                with open(path, "rb") as fh:
                    hashes[path] = hashlib.sha1(fh.read()).hexdigest()
            except OSError:
                hashes[path] = ""
        if hashes[path] != digest:
            return False
    return True


def _reuse(state: BuildState, doc: Document, k: str, keep_body: bool, hashes: dict[str, str]) -> bool:
    """Keep the last build's page of ``doc`` (and its record) when nothing it depends on changed."""
    old = state.old
    record = old.rendered.get(doc.rel)
    if record is None or record.key != k or not _unchanged_dependencies(record, hashes):
        return False
    if keep_body and old.bodies.get(doc.rel, ("",))[0] != k:
        return False
    if not state.outputs.reuse(doc.out_path, k, owner=doc.rel):
        return False
    state.rendered[doc.rel] = record
    if keep_body:
        state.new.bodies[doc.rel] = old.bodies[doc.rel]
    return True


def plan(state: BuildState) -> list[RenderTask]:
    """Reuse what can be reused; return the documents to render."""
    posts = state.site.posts
    feed = {d.rel for d in posts[: state.config.feed_limit]}
    position = {doc.rel: i for i, doc in enumerate(posts)}
    series, related = series_of(posts), related_posts(posts)
    hashes: dict[str, str] = {}
    tasks = []
    for doc in state.site.documents:
        template = template_for(doc, state)
        prev, nxt = neighbours(doc, posts, position)
        links = _links(series.get(doc.rel), related.get(doc.rel))
        k = document_key(state, doc, template, prev, nxt, links)
        keep_body = doc.rel in feed
        if not _reuse(state, doc, k, keep_body, hashes):
            ensure_body(doc, state.config, state.root)
            tasks.append(RenderTask(doc=doc, out_path=doc.out_path, key=k, template=template, prev=prev, next=nxt,
                                    exec_result=state.exec_results.get(doc.rel), keep_body=keep_body,
                                    links=links))
    return tasks


def _links(series: dict | None, related: list[dict] | None) -> dict | None:
    """What a post's page shows of other posts besides previous/next (None: nothing)."""
    if series is None and related is None:
        return None
    return {"series": series, "related": related or []}


def run(state: BuildState) -> None:
    tasks = plan(state)
    state.report.rendered += len(tasks)
    state.report.reused += len(state.site.documents) - len(tasks)
    memo = None
    if tasks:
        from ..markdown.highlight import HighlightMemo

        state.parser()
        state.theme.env  # noqa: B018 -- create both before forking, so workers share them
        memo = HighlightMemo.load(_highlight_path(state), state.version)
        state.outputs.staging.open()
    setup_worker(WorkerContext(state.parser() if state.has_parser else None, state.theme, state.ctx,
                               state.outputs.staging.path))
    fresh: dict[str, str] = {}
    for record in state.pool.map(render_document_job, tasks):
        fresh.update(record.new_highlights)
        record.new_highlights = {}
        if record.body_html is not None:
            state.new.bodies[record.rel] = (record.key, record.body_html)
            record.body_html = None
        state.rendered[record.rel] = record
        state.outputs.record(record.out_path, record.key, record.out_stat, owner=record.rel)
    state.new.rendered = state.rendered
    if memo is not None and (path := _highlight_path(state)) is not None:
        memo.save(path, state.version, fresh, state.rendered.values())
    _collect_warnings(state)


def _highlight_path(state: BuildState):
    return state.cache_dir / "build" / "highlight.json" if state.options.use_cache and state.cache_dir else None


def _collect_warnings(state: BuildState) -> None:
    documents = state.site.documents
    for doc in documents:
        state.report.warnings.extend(state.rendered[doc.rel].diagnostics)
    fallback = [doc.rel for doc in documents if "plantuml-fallback" in state.rendered[doc.rel].features]
    if fallback:
        state.report.warnings.append(Diagnostic(
            None, None, f"PlantUML is not installed: diagrams in {', '.join(fallback)} are images from "
            f"{state.config.plantuml_server}", "install it (apt-get install plantuml) to render them at build time"))
