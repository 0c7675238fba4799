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
from collections.abc import Sequence
from pathlib import Path

from ..config import SiteConfig
from ..document import Document, Site, StaticFile
from ..errors import BuildError, Diagnostic
from ..fileio import Walk, os_error
from ..listing import reserved_outputs
from ..readers import ReadContext, Source, bundle_index, looks_like_document, reader_for
from ..readers.defaults import unchanged
from ..readers.fields import tzinfo
from ..state import BuildState
from ..urls import assign_urls, tag_url
from .files import THEME, static_files


def run(state: BuildState) -> None:
    options = state.options
    walk = Walk(state.root, follow_symlinks=state.config.follow_symlinks)
    state.site = load_site(state.root, state.config, drafts=state.config.drafts, reuse=state.old.docs, walk=walk,
                           publish_until=None if options.future else options.now)
    state.new.docs = {d.rel: d for d in state.site.documents}
    state.static, clashes = static_files(state.site, state.root, walk)
    state.report.warnings.extend(state.site.warnings)
    state.report.scheduled = [(d.rel, d.date) for d in state.site.scheduled]
    state.report.warnings.extend(w for w in walk.warnings or () if w not in state.site.warnings)
    check_outputs(state, clashes)


def _excluded(rel_to_content: str, patterns: tuple) -> bool:
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


def discover(root: Path, config: SiteConfig, walk: Walk | None = None
             ) -> tuple[list[Source], list[StaticFile], list[Diagnostic]]:
    """The documents (as Sources), the static files under content/, and warnings about files.

    The walk (:class:`~generator.fileio.Walk`) leaves out hidden files, editor backups,
    FIFOs, sockets, devices and symlinks that lead outside the site, with a warning for
    each of the last ones; a folder it cannot list stops the build.
    """
    content = root / "content"
    sources: list[Source] = []
    static: list[StaticFile] = []
    walk = walk or Walk(root, follow_symlinks=config.follow_symlinks)
    warnings = walk.warnings
    assert warnings is not None
    bundle_of: dict[str, str] = {}  # folder (relative to content/) -> bundle folder
    for _, rel_dir, entries in walk.folders(content):
        parent_bundle = bundle_of.get(rel_dir.rsplit("/", 1)[0]) if "/" in rel_dir else None
        names = [e.path.name for e in entries if e.link is None]
        index = bundle_index(names) if parent_bundle is None and rel_dir.startswith("posts/") else None
        if index is not None:
            parent_bundle = rel_dir
        if parent_bundle is not None:
            bundle_of[rel_dir] = parent_bundle
        for entry in entries:
            rel_c, name = entry.rel, entry.path.name
            if _excluded(rel_c, config.exclude):
                continue
            path = entry.path
            if parent_bundle is not None:
                if rel_dir == parent_bundle and name == index:
                    sources.append(Source(path, "content/" + rel_c, "post", content / parent_bundle))
                continue  # other bundle files travel with their post
            kind = _document_kind(rel_c, rel_dir)
            if kind is not None and reader_for(name) is not None:
                if entry.link is not None:
                    warnings.append(Diagnostic("content/" + rel_c, None,
                                               "is a symlink and follow_symlinks is false; not read",
                                               "replace the link by the file, or set follow_symlinks: true"))
                    continue
                sources.append(Source(path, "content/" + rel_c, kind))
                continue
            if kind is not None and looks_like_document(name):
                suffix = "." + name.rsplit(".", 1)[1]
                warnings.append(Diagnostic("content/" + rel_c, None, f"no reader for {suffix}; copied as a file",
                                           "convert it to Markdown (.md), or move it out of content/"))
            static.append(StaticFile(path, rel_c, "content/" + rel_c, entry.link))
    return sources, static, list(warnings)


def _read(source: Source, context: ReadContext, reuse: dict[str, Document] | None) -> Document:
    """The document of ``source``: the last build's when its file is unchanged, else read anew."""
    try:
        st = os.stat(source.path)
    except OSError as exc:
        raise os_error(exc, "read this file", source.rel) from None
    stamp = (st.st_mtime_ns, st.st_size)
    doc = reuse.get(source.rel) if reuse else None
    # (still readable: a build from the cache must fail where a clean build would)
    if (doc is not None and doc.stamp == stamp and doc.kind == source.kind and os.access(source.path, os.R_OK)
            and unchanged(doc.also_read, context.memo.setdefault("stamps", {}))):
        return doc
    reader = reader_for(source.path.name)
    assert reader is not None, source  # discover only makes Sources that have a reader
    context.warnings = []
    doc = reader.read(source, context)
    doc.stamp, doc.load_warnings = stamp, context.warnings
    return doc


def load_site(root: Path, config: SiteConfig, *, drafts: bool,
              reuse: dict[str, Document] | None = None, walk: Walk | None = None,
              publish_until: dt.datetime | None = None) -> Site:
    """Read every source.  ``reuse`` maps rel -> Document from the last build:
    a file whose size and mtime are unchanged is not read again.  Posts dated
    after ``publish_until`` (when given) are left out and listed in ``Site.scheduled``."""
    context = ReadContext(config=config, tz=tzinfo(config.timezone), site_root=root)
    sources, static, warnings = discover(root, config, walk)
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


#: The longest file or folder name most file systems allow, in bytes.
NAME_MAX = 255


def _where(doc: Document) -> tuple[int | None, str]:
    """The front matter line that decides a document's URL, and what it is called."""
    for field in ("permalink", "slug", "categories", "category"):
        if field in doc.meta_lines and doc.meta.get(field) is not None:
            return doc.meta_lines[field], field
    return None, "URL"


def check_outputs(state: BuildState, clashes: Sequence[tuple[str, str, str]] = ()) -> None:
    """Every output path is claimed once, before anything is rendered.

    Documents, the list pages (from :func:`generator.listing.reserved_outputs`, which
    knows them from the posts alone), the theme's files, the site's assets and content
    files all claim their paths in one table; a second claim, a file where another
    output needs a folder (``feed.xml`` and ``feed.xml/index.html``), or a name longer
    than file systems allow is an error naming both sources and the front matter line.
    """
    site = state.site
    owners: dict[str, str] = dict(reserved_outputs(state.config, site.posts))
    for name in FIXED_OUTPUTS:
        owners[name] = FIXED_OUTPUTS[name]
    problems = [Diagnostic(owner, None, f"would be copied to {out_path}, like {other}",
                           "rename or move one of them") for out_path, owner, other in clashes]
    for out_path, copy in state.static.items():
        other = owners.get(out_path)
        if other is not None and copy.owner != THEME:
            problems.append(Diagnostic(copy.owner, None, f"would overwrite {other} ({out_path})",
                                       "rename or move the file"))
        else:
            owners[out_path] = copy.owner if copy.owner != THEME else f"the theme's {out_path}"
    documents: dict[str, Document] = {}
    for doc in site.documents:
        other = owners.get(doc.out_path)
        if other is not None:
            problems.append(Diagnostic(doc.rel, _where(doc)[0], f"maps to the same URL {doc.url} as {other}",
                                       "give one of them a different slug or permalink"))
            continue
        owners[doc.out_path] = doc.rel
        documents[doc.out_path] = doc
        for tag in doc.tags:
            if len(tag) > NAME_MAX // 8:   # (a shorter tag cannot make a slug that long)
                problems.extend(_long_tag(doc, tag))
    for out_path, owner in owners.items():
        # Each folder above a path must not be another output's file (kept tight: ~4 per page).
        cut = out_path.rfind("/")
        while cut > 0:
            if out_path[:cut] in owners:
                problems.append(_folder_taken(out_path, owner, out_path[:cut], owners, documents))
                break
            cut = out_path.rfind("/", 0, cut)
        if len(out_path) > NAME_MAX // 4:   # (at most 4 bytes a character: a shorter path has no long name)
            problems.extend(_long_name(out_path, owner, documents))
    if problems:
        raise BuildError.many(problems)


def _shown(out_path: str, owner: str, documents: dict[str, Document]) -> tuple[str, int | None]:
    doc = documents.get(out_path)
    return (doc.rel, _where(doc)[0]) if doc is not None else (owner, None)


def _folder_taken(out_path: str, owner: str, folder: str, owners: dict[str, str],
                  documents: dict[str, Document]) -> Diagnostic:
    shown, line = _shown(out_path, owner, documents)
    return Diagnostic(shown, line, f"needs a folder {folder}/ where {owners[folder]} writes the file {folder}",
                      "give one of them a different permalink or name")


def _long_name(out_path: str, owner: str, documents: dict[str, Document]) -> list[Diagnostic]:
    for part in out_path.split("/"):
        size = len(part.encode())
        if size > NAME_MAX:
            shown, line = _shown(out_path, owner, documents)
            return [Diagnostic(shown, line, f"the output {out_path[:60]}... has a name of {size} bytes; "
                               f"the limit is {NAME_MAX}", "use a shorter slug, title, permalink or file name")]
    return []


def _long_tag(doc: Document, tag: str) -> list[Diagnostic]:
    size = len(tag_url(tag).encode()) - len("/tags//")
    if size <= NAME_MAX:
        return []
    return [Diagnostic(doc.rel, doc.meta_lines.get("tags", doc.meta_lines.get("tag")),
                       f"the tag {tag[:40]!r}... makes a URL segment of {size} bytes; the limit is {NAME_MAX}",
                       "use a shorter tag")]


#: Files the files stage always writes besides copies (see generator/stages/files.py).
FIXED_OUTPUTS = {".nojekyll": "the generated .nojekyll", "assets/theme/pygments.css": "the generated pygments.css"}
