"""The load stage: find the site's sources, read each with the reader for its format.

Loading is cheap and runs in the main process for every file, so that URLs,
ordering and collisions are known before anything is rendered.  A document
whose file is unchanged since the last build (same size and mtime) is taken
from the manifest instead of being read again.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from pathlib import Path

from ..config import SiteConfig
from ..document import Document, Site, StaticFile
from ..errors import BuildError, Diagnostic
from ..readers import ReadContext, Source, bundle_index, looks_like_document, reader_for
from ..readers.defaults import unchanged
from ..readers.fields import tzinfo
from ..state import BuildState
from ..urls import assign_urls


def run(state: BuildState) -> None:
    options = state.options
    state.site = load_site(state.root, state.config, drafts=state.config.drafts, reuse=state.old.docs,
                           publish_until=None if options.future else options.now)
    state.new.docs = {d.rel: d for d in state.site.documents}
    state.report.warnings.extend(state.site.warnings)
    state.report.scheduled = [(d.rel, d.date) for d in state.site.scheduled]


def _excluded(rel_to_content: str, patterns: tuple) -> bool:
    hidden = rel_to_content.replace(".well-known/", "well-known/")  # published on purpose
    if hidden.startswith(".") or "/." in hidden:
        return True
    if not patterns:
        return False
    name = rel_to_content.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel_to_content, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _document_kind(rel_c: str, rel_dir: str) -> str | None:
    """Posts live under posts/; pages under pages/ or directly in content/."""
    if rel_c.startswith("posts/"):
        return "post"
    if rel_c.startswith("pages/") or not rel_dir:
        return "page"
    return None


def discover(root: Path, config: SiteConfig) -> tuple[list[Source], list[StaticFile], list[Diagnostic]]:
    """The documents (as Sources), the static files under content/, and warnings about files."""
    content = root / "content"
    sources: list[Source] = []
    static: list[StaticFile] = []
    warnings: list[Diagnostic] = []
    if not content.is_dir():
        return sources, static, warnings
    base = str(content)
    cut = len(base) + 1
    bundle_of: dict[str, str] = {}  # folder (relative to content/) -> bundle folder
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d == ".well-known")
        rel_dir = dirpath[cut:]
        parent_bundle = bundle_of.get(rel_dir.rsplit("/", 1)[0]) if "/" in rel_dir else None
        index = bundle_index(filenames) if parent_bundle is None and rel_dir.startswith("posts/") else None
        if index is not None:
            parent_bundle = rel_dir
        if parent_bundle is not None:
            bundle_of[rel_dir] = parent_bundle
        for name in sorted(filenames):
            rel_c = f"{rel_dir}/{name}" if rel_dir else name
            if _excluded(rel_c, config.exclude):
                continue
            path = Path(dirpath, name)
            if parent_bundle is not None:
                if rel_dir == parent_bundle and name == index:
                    sources.append(Source(path, "content/" + rel_c, "post", content / parent_bundle))
                continue  # other bundle files travel with their post
            kind = _document_kind(rel_c, rel_dir)
            if kind is not None and reader_for(name) is not None:
                sources.append(Source(path, "content/" + rel_c, kind))
                continue
            if kind is not None and looks_like_document(name):
                suffix = "." + name.rsplit(".", 1)[1]
                warnings.append(Diagnostic("content/" + rel_c, None, f"no reader for {suffix}; copied as a file",
                                           "convert it to Markdown (.md), or move it out of content/"))
            static.append(StaticFile(path, rel_c, "content/" + rel_c))
    return sources, static, warnings


def _read(source: Source, context: ReadContext, reuse: dict[str, Document] | None) -> Document:
    """The document of ``source``: the last build's when its file is unchanged, else read anew."""
    st = os.stat(source.path)
    stamp = (st.st_mtime_ns, st.st_size)
    doc = reuse.get(source.rel) if reuse else None
    if (doc is not None and doc.stamp == stamp and doc.kind == source.kind
            and unchanged(doc.also_read, context.memo.setdefault("stamps", {}))):
        return doc
    reader = reader_for(source.path.name)
    assert reader is not None, source  # discover only makes Sources that have a reader
    context.warnings = []
    doc = reader.read(source, context)
    doc.stamp, doc.load_warnings = stamp, context.warnings
    return doc


def load_site(root: Path, config: SiteConfig, *, drafts: bool,
              reuse: dict[str, Document] | None = None, publish_until: dt.datetime | None = None) -> Site:
    """Read every source.  ``reuse`` maps rel -> Document from the last build:
    a file whose size and mtime are unchanged is not read again.  Posts dated
    after ``publish_until`` (when given) are left out and listed in ``Site.scheduled``."""
    context = ReadContext(config=config, tz=tzinfo(config.timezone), site_root=root)
    sources, static, warnings = discover(root, config)
    errors: list[Diagnostic] = []
    posts: list[Document] = []
    pages: list[Document] = []
    scheduled: list[Document] = []
    for source in sources:
        try:
            doc = _read(source, context, reuse)
        except BuildError as exc:
            errors.extend(exc.errors)
            continue
        warnings.extend(doc.load_warnings)
        if doc.draft and not drafts:
            continue
        if publish_until is not None and doc.kind == "post" and doc.date > publish_until:
            scheduled.append(doc)
            continue
        (posts if doc.kind == "post" else pages).append(doc)
    if errors:
        raise BuildError.many(errors)
    posts.sort(key=lambda d: (d.date, d.rel), reverse=True)
    pages.sort(key=lambda d: d.rel)
    assign_urls(posts + pages, config)
    scheduled.sort(key=lambda d: (d.date, d.rel))
    return Site(config=config, root=root, posts=posts, pages=pages, static=static, warnings=warnings,
                scheduled=scheduled)


def ensure_body(state: BuildState, doc: Document) -> None:
    """Give a document taken from the manifest (stored without its body) its body again.

    The file is unchanged (its stamp matched), so reading it again gives the same document;
    only the body is taken, so the Document object (and what the build knows of it) stays.
    """
    if doc.body is not None:
        return
    source = Source(doc.path, doc.rel, doc.kind, doc.bundle)
    reader = reader_for(doc.path.name)
    assert reader is not None, doc.rel
    context = ReadContext(config=state.config, tz=tzinfo(state.config.timezone), site_root=state.root)
    doc.body = reader.read(source, context).body


def check_collisions(site: Site, reserved: dict[str, str]) -> None:
    """Two sources writing the same output file is an error naming both."""
    owners: dict[str, str] = dict(reserved)
    problems: list[Diagnostic] = []
    for doc in site.documents:
        other = owners.get(doc.out_path)
        if other is not None:
            problems.append(Diagnostic(doc.rel, None, f"maps to the same URL {doc.url} as {other}",
                                       "give one of them a different slug or permalink"))
        else:
            owners[doc.out_path] = doc.rel
    for item in site.static:
        other = owners.get(item.out_path)
        if other is not None and other.startswith("content/"):
            problems.append(Diagnostic(item.rel, None, f"would overwrite the output of {other}"))
    if problems:
        raise BuildError.many(problems)
