"""The build: load -> execute -> documents -> lists -> files -> post-build steps -> swap in.

:func:`build` is the list of stages; each lives in its own module under
:mod:`generator.stages` and works on one :class:`~generator.state.BuildState`.
Every output file goes through the outputs ledger (:mod:`generator.outputs`)
with a cache key of exactly what it depends on; a file whose key matches the
last build is hard-linked from the previous output instead of being made
again, which is what makes a no-change or one-post rebuild of a thousand-post
site take a fraction of a second.  The new site is written into a staging
folder and swapped in only when every stage succeeded.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from . import manifest
from .config import SiteConfig, load_config
from .document import Site
from .errors import BuildError, Diagnostic
from .fileio import Walk, os_error, read_bytes
from .outputs import Outputs
from .pool import RenderPool
from .render import SiteContext
from .search import find_pagefind
from .stages import documents, execute, files, lists, load, postbuild
from .staging import MARKER, OutputLock, Staging, check_output_dir
from .state import (BuildOptions, BuildReport, BuildState, Fingerprints, default_jobs, require_site_folder,
                    resolve_out_dir)
from .theme import Theme

__all__ = ["BuildOptions", "BuildReport", "BuildState", "build"]

#: The stages after loading, in order (see the module docstring).
STAGES: tuple[tuple[str, Callable[[BuildState], None]], ...] = (
    ("execute", execute.run),
    ("documents", documents.run),
    ("lists", lists.run),
    ("files", files.run),
    ("postbuild", postbuild.run),
)


#: What each stage does to files, for messages about a file it could not use ("cannot ...").
OPERATIONS = {"load": "read this file", "execute": "run the cells (cache)", "documents": "write this file",
              "lists": "write this file", "files": "copy this file", "postbuild": "write this file"}


def build(options: BuildOptions) -> BuildReport:
    """Build the site; raises BuildError for any problem, with the file (and line) it is about.

    One error boundary: an ``OSError`` anywhere (a full disk, a file the build may
    not read, a name too long) becomes a located :class:`BuildError`; a signal
    becomes :class:`~generator.errors.Interrupted` after the cells' processes are
    killed and the staging folder removed.  Whatever happens, the previous site
    is left as it was unless the build got as far as swapping the new one in.
    """
    started = time.perf_counter()
    state = start(options)
    try:
        with _located(state, "load"):
            _timed(state, "load", load.run)
        prepare_render(state)
        for name, stage in STAGES:
            with _located(state, name):
                _timed(state, name, stage)
        finish(state)
    except KeyboardInterrupt:
        state.pool.terminate()
        state.outputs.staging.discard()
        raise
    finally:
        state.pool.close()
        state.lock.release()
    state.report.timings["total"] = time.perf_counter() - started
    return state.report


@contextmanager
def _located(state: BuildState, stage: str):
    """Turn an OSError of ``stage`` into a located BuildError (path, operation, hint)."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, OPERATIONS.get(stage, "write this file"), root=state.root) from None


def _timed(state: BuildState, name: str, stage: Callable[[BuildState], None]) -> None:
    t0 = time.perf_counter()
    stage(state)
    state.report.timings[name] = time.perf_counter() - t0


def start(options: BuildOptions) -> BuildState:
    """Read the configuration, lock the output folder, load the last build's manifest."""
    root = options.source.resolve()
    require_site_folder(root)
    overrides = {"base_url": options.base_url, "url": options.url, "drafts": options.drafts, "jobs": options.jobs,
                 "output": str(options.out) if options.out else None}
    config = load_config(root, overrides)
    out_dir = resolve_out_dir(root, config)
    report = BuildReport(out_dir=out_dir)
    if not config.url:
        report.warnings.append(NO_URL)
    try:
        check_output_dir(out_dir, root)
        lock = OutputLock(out_dir)
    except OSError as exc:
        raise os_error(exc, "create the output folder", root=root) from None
    try:
        if options.use_cache:
            report.warnings.extend(heal_cache(root / ".cache", root))
        version = manifest.code_version()
        old = manifest.Manifest(version, str(out_dir))
        if options.use_cache:
            old = manifest.load(root / ".cache" / "build" / "manifest.json", version, out_dir)
        if options.refresh:
            old = manifest.Manifest(version, str(out_dir), docs=old.docs)
        staging = Staging(out_dir, known=(old.staged, old.staged_dirs))
    except BaseException as exc:
        lock.release()
        if isinstance(exc, OSError):
            raise os_error(exc, "prepare the output folder", root=root) from None
        raise
    return BuildState(options=options, root=root, config=config, out_dir=out_dir, jobs=default_jobs(config),
                      version=version, old=old, new=manifest.Manifest(version, str(out_dir)),
                      outputs=Outputs(staging, old.outputs), report=report,
                      cache_dir=root / ".cache", pool=RenderPool(default_jobs(config)), lock=lock)


#: Without ``url`` (config.yml or --url) the feed, sitemap and robots.txt can only hold
#: relative URLs, which feed readers and search engines do not resolve: say so once per build.
NO_URL = Diagnostic(
    "config.yml", None, "url is not set, so feed.xml, sitemap.xml and robots.txt hold relative URLs",
    "set url: https://<user>.github.io (your site's scheme and host) in config.yml, or build with --url; "
    "the Pages workflow passes --url")


def prepare_render(state: BuildState) -> None:
    """Templates, the context every page shares, and the fingerprints many keys contain."""
    from .markdown.diagrams import fingerprint as plantuml_fingerprint

    config, root = state.config, state.root
    state.theme = Theme(root, config.base_url, config.absolute_base,
                        cache_dir=root / ".cache" / "jinja" if state.options.use_cache else None)
    site_dict = site_dict_of(config, state.site)
    post_urls = post_urls_of(state.site)
    walk = Walk(root, follow_symlinks=config.follow_symlinks)
    includes = includes_of(root, walk)
    state.report.warnings.extend(walk.warnings or ())
    state.ctx = SiteContext(site=site_dict, base_path=config.base_url, absolute_base=config.absolute_base,
                            toc_min_headings=config.toc_min_headings, excerpt_separator=config.excerpt_separator,
                            post_urls=post_urls, includes=includes,
                            allow_errors=config.exec.get("error") is True, site_root=str(root),
                            site_vars=config.vars, bibliography=config.bibliography, csl=config.csl)
    state.fingerprints = Fingerprints(
        site=manifest.key(config.fingerprint(), site_dict["nav"], site_dict["search"]),
        plantuml=plantuml_fingerprint(),
        urls=manifest.key(sorted(post_urls.items())),
        includes=manifest.key(sorted(state.ctx.includes.items())))


def finish(state: BuildState) -> None:
    """Swap the new site in and remember what it was made from.

    Everything that can fail is done before the swap: the staging folder is
    brought to the new site, and the new manifest is written under a temporary
    name, so a full disk stops the build with the previous site untouched.
    The swap and the manifest's rename then run with signals held back.
    """
    outputs, new, old = state.outputs, state.new, state.old
    staging = outputs.staging
    new.outputs = outputs.entries
    report = state.report
    report.files, report.written = len(outputs.entries), set(outputs.made)
    changed = staging.changed_from(set(old.outputs))
    if changed:   # after the swap, the staging folder is the site that was live
        new.staged = sorted(set(old.outputs) | {MARKER}) if state.out_dir.is_dir() else []
        new.staged_dirs = old.live_dirs if state.out_dir.is_dir() else None
    else:
        new.staged, new.staged_dirs, new.live_dirs = old.staged, old.staged_dirs, old.live_dirs
    unchanged = not changed and new.docs.keys() == old.docs.keys() and all(
        doc is old.docs[rel] for rel, doc in new.docs.items())
    path = state.root / ".cache" / "build" / "manifest.json"
    pending = None
    with _located(state, "finish"):
        if changed:
            staging.prepare()
            new.live_dirs = staging.live_dirs
        if state.options.use_cache and not unchanged:  # an unchanged build leaves the manifest as it is
            pending = manifest.prepare(path, new, report.warnings, state.root)
        try:
            with signals_held():
                if changed:
                    staging.swap()
                if pending is not None:
                    manifest.publish(pending, path, report.warnings, state.root)
        except BaseException:
            if pending is not None:
                pending.unlink(missing_ok=True)
            raise


def site_dict_of(config: SiteConfig, site: Site) -> dict:
    """The ``site`` variable of templates."""
    nav = [{"title": p.title, "url": p.url} for p in site.pages
           if p.meta.get("nav", True) is not False and p.url != "/"]
    order = {p.url: (p.meta.get("nav_order", 100), p.title.lower()) for p in site.pages}
    nav.sort(key=lambda item: order.get(item["url"], (100, "")))
    return {
        "title": config.title, "description": config.description, "author": config.author,
        "url": config.url, "base_url": config.base_url, "language": config.language,
        "mathjax_url": config.mathjax_url, "math_macros": config.math_macros,
        "mermaid_url": config.mermaid_url, "nav": nav, "notebooks": config.notebooks,
        "plotly_url": config.plotly_url, "vega_url": config.vega_url, "vega_lite_url": config.vega_lite_url,
        "vega_embed_url": config.vega_embed_url,
        # the reader's side: search only where Pagefind can build the index (else a warning, see search.py)
        "search": config.search and find_pagefind() is not None, "code_overflow": config.code_overflow,
        "social_cards": config.social_cards, "comments": config.comments, "analytics": config.analytics,
        "liquid": {"baseurl": config.base_url.rstrip("/"), "url": config.url, "title": config.title,
                   "description": config.description, "author": config.author},
    }


def post_urls_of(site: Site) -> dict[str, str]:
    """Names a ``{% post_url %}`` may use (the file stem 2018-08-12-slug, the slug), and
    ``file:`` + source path for ``{% link %}``."""
    urls: dict[str, str] = {}
    for doc in site.posts:
        rel = doc.rel[len("content/posts/"):] if doc.rel.startswith("content/posts/") else doc.rel
        rel = rel.rsplit("/", 1)[0] if doc.bundle else rel.rsplit(".", 1)[0]
        urls.setdefault(rel.rsplit("/", 1)[-1], doc.url)
        urls.setdefault(doc.slug, doc.url)
        urls.setdefault(rel, doc.url)
    for doc in site.documents:
        # {% link path %}: source paths as written under Jekyll (about.md, _pages/about.md)
        rel = doc.rel[len("content/"):]
        urls.setdefault("file:" + rel, doc.url)
        if rel.startswith("pages/"):
            urls.setdefault("file:" + rel[len("pages/"):], doc.url)
            urls.setdefault("file:_" + rel, doc.url)
    return urls


def includes_of(root: Path, walk: Walk | None = None) -> dict[str, str]:
    """Files a post may ``{% include %}``: the site's ``_includes/`` (as under Jekyll)
    and ``templates/_includes/``; the first wins.  Symlinks and special files follow
    the rules of :mod:`generator.fileio` (a link out of the site is refused with a warning)."""
    walk = walk or Walk(root)
    found: dict[str, str] = {}
    for folder in (root / "_includes", root / "templates" / "_includes"):
        for entry in walk.files(folder):
            if entry.link is not None:
                continue
            shown = entry.path.relative_to(root).as_posix()
            data = read_bytes(entry.path, shown)
            try:
                found.setdefault(entry.rel, data.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise BuildError(f"cannot read include {entry.rel}: not valid UTF-8 ({exc.reason})", path=shown,
                                 hint="save the file as UTF-8") from None
    return found


def heal_cache(cache: Path, root: Path) -> list[Diagnostic]:
    """Remove a file (or a broken link) where the cache keeps a folder, with a warning each.

    ``.cache/`` belongs to the build; a file in place of one of its folders
    (a bad restore, a stray command) would otherwise fail every later build.
    """
    warnings = []
    for rel in CACHE_FOLDERS:
        path = cache / rel if rel else cache
        if os.path.lexists(path) and not path.is_dir():
            try:
                path.unlink()
            except OSError as exc:
                raise os_error(exc, "replace this file by the cache folder", path, root) from None
            warnings.append(Diagnostic(path.relative_to(root).as_posix(), None,
                                       "was a file where the cache keeps a folder; removed it"))
    return warnings


#: The folders of ``.cache/`` (see ARCHITECTURE.md), outermost first.
CACHE_FOLDERS = ("", "build", "jinja", "plantuml", "exec", "exec/entries", "exec/inline", "exec/blobs",
                 "exec/ckpt", "exec/posts", "exec/tmp")


@contextmanager
def signals_held():
    """Hold back SIGINT, SIGTERM and SIGHUP for the block (the swap must not stop half-way);
    they are delivered, and interrupt, right after it.  Only in the main thread, where
    Python runs signal handlers."""
    held = {signal.SIGINT, signal.SIGTERM} | ({signal.SIGHUP} if hasattr(signal, "SIGHUP") else set())
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
