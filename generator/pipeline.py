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

import time
from collections.abc import Callable
from pathlib import Path

from . import manifest
from .config import SiteConfig, load_config
from .document import Site
from .errors import BuildError, Diagnostic
from .listing import reserved_outputs
from .outputs import Outputs
from .pool import RenderPool
from .render import SiteContext
from .search import find_pagefind
from .stages import documents, execute, files, lists, load, postbuild
from .stages.files import walk_files
from .staging import Staging, check_output_dir
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


def build(options: BuildOptions) -> BuildReport:
    started = time.perf_counter()
    state = start(options)
    _timed(state, "load", load.run)
    load.check_collisions(state.site, reserved_outputs(state.config))
    prepare_render(state)
    try:
        for name, stage in STAGES:
            _timed(state, name, stage)
        finish(state)
    finally:
        state.pool.close()
    state.report.timings["total"] = time.perf_counter() - started
    return state.report


def _timed(state: BuildState, name: str, stage: Callable[[BuildState], None]) -> None:
    t0 = time.perf_counter()
    stage(state)
    state.report.timings[name] = time.perf_counter() - t0


def start(options: BuildOptions) -> BuildState:
    """Read the configuration, find the output folder and the last build's manifest."""
    root = options.source.resolve()
    require_site_folder(root)
    overrides = {"base_url": options.base_url, "url": options.url, "drafts": options.drafts, "jobs": options.jobs,
                 "output": str(options.out) if options.out else None}
    config = load_config(root, overrides)
    out_dir = resolve_out_dir(root, config)
    check_output_dir(out_dir, root)
    version = manifest.code_version()
    old = manifest.Manifest(version, str(out_dir))
    if options.use_cache:
        old = manifest.load(root / ".cache" / "build" / "manifest.json", version, out_dir)
    if options.refresh:
        old = manifest.Manifest(version, str(out_dir), docs=old.docs)
    report = BuildReport(out_dir=out_dir)
    if not config.url:
        report.warnings.append(NO_URL)
    return BuildState(options=options, root=root, config=config, out_dir=out_dir, jobs=default_jobs(config),
                      version=version, old=old, new=manifest.Manifest(version, str(out_dir)),
                      outputs=Outputs(Staging(out_dir), old.outputs), report=report,
                      cache_dir=root / ".cache", pool=RenderPool(default_jobs(config)))


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
    state.ctx = SiteContext(site=site_dict, base_path=config.base_url, absolute_base=config.absolute_base,
                            toc_min_headings=config.toc_min_headings, excerpt_separator=config.excerpt_separator,
                            post_urls=post_urls, includes=includes_of(root),
                            allow_errors=config.exec.get("error") is True, site_root=str(root),
                            site_vars=config.vars, bibliography=config.bibliography, csl=config.csl)
    state.fingerprints = Fingerprints(
        site=manifest.key(config.fingerprint(), site_dict["nav"], site_dict["search"]),
        plantuml=plantuml_fingerprint(),
        urls=manifest.key(sorted(post_urls.items())),
        includes=manifest.key(sorted(state.ctx.includes.items())))


def finish(state: BuildState) -> None:
    """Swap the new site in and remember what it was made from."""
    outputs, new, old = state.outputs, state.new, state.old
    new.outputs = outputs.entries
    staged = outputs.staging.commit(set(old.outputs), set(old.staged) if old.staged is not None else None)
    new.staged = old.staged if staged is None else sorted(staged)
    report = state.report
    report.files, report.written = len(outputs.entries), set(outputs.made)
    unchanged = staged is None and new.docs.keys() == old.docs.keys() and all(
        doc is old.docs[rel] for rel, doc in new.docs.items())
    if state.options.use_cache and not unchanged:  # an unchanged build leaves the manifest as it is
        manifest.save(state.root / ".cache" / "build" / "manifest.json", new)


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


def includes_of(root: Path) -> dict[str, str]:
    """Files a post may ``{% include %}``: the site's ``_includes/`` (as under Jekyll)
    and ``templates/_includes/``; the first wins."""
    found: dict[str, str] = {}
    for folder in (root / "_includes", root / "templates" / "_includes"):
        if folder.is_dir():
            for path in walk_files(folder):
                name = path.relative_to(folder).as_posix()
                try:
                    found.setdefault(name, path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    raise BuildError(f"cannot read include {name}: {exc}", path=path) from None
    return found
