"""The build: load -> (execute) -> render -> list pages -> static files -> swap in.

Every output file has a cache key computed from exactly what it depends on.
A file whose key matches the last build is hard-linked from the previous
output instead of being rendered again, which is what makes a no-change or
one-post rebuild of a thousand-post site take a fraction of a second.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from . import cache, execution
from .config import SiteConfig, load_config
from .content import Document, Site, check_collisions, load_site
from .errors import BuildError, Diagnostic
from .listing import fingerprint as listing_fingerprint
from .listing import list_pages, reserved_outputs
from .output import Staging, check_output_dir
from .render import (RenderedDoc, RenderPool, RenderTask, SiteContext, liquid_body, render_list, render_task,
                     setup_worker)
from .theme import BUILTIN_THEME_ASSETS, Theme, pygments_css

#: Below this many documents to render, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 24


@dataclass
class BuildOptions:
    source: Path = Path(".")
    out: Path | None = None
    base_url: str | None = None
    url: str | None = None
    drafts: bool | None = None
    jobs: int | None = None
    refresh: bool = False
    no_exec: bool = False
    explain: bool = False
    use_cache: bool = True
    #: Called with a ``generator.execute.ProgressEvent`` as posts execute (see terminal_progress).
    progress: Callable | None = None


@dataclass
class BuildReport:
    out_dir: Path
    files: int = 0
    rendered: int = 0
    reused: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _site_dict(config: SiteConfig, site: Site) -> dict:
    nav = [{"title": p.title, "url": p.url} for p in site.pages
           if p.meta.get("nav", True) is not False and p.url != "/"]
    order = {p.url: (p.meta.get("nav_order", 100), p.title.lower()) for p in site.pages}
    nav.sort(key=lambda item: order.get(item["url"], (100, "")))
    return {
        "title": config.title, "description": config.description, "author": config.author,
        "url": config.url, "base_url": config.base_url, "language": config.language,
        "mathjax_url": config.mathjax_url, "math_macros": config.math_macros,
        "mermaid_url": config.mermaid_url, "nav": nav,
        "liquid": {"baseurl": config.base_url.rstrip("/"), "url": config.url, "title": config.title,
                   "description": config.description, "author": config.author},
    }


def _template_for(doc: Document, theme: Theme) -> str:
    layout = doc.meta.get("layout")
    if isinstance(layout, str) and layout not in ("default", "post", "page") and theme.has(f"{layout}.html"):
        return f"{layout}.html"
    return "post.html" if doc.kind == "post" else "page.html"


def _post_urls(site: Site) -> dict[str, str]:
    """Names a ``{% post_url %}`` may use: the file stem (2018-08-12-slug) and the slug."""
    urls: dict[str, str] = {}
    for doc in site.posts:
        rel = doc.rel[len("content/posts/"):] if doc.rel.startswith("content/posts/") else doc.rel
        rel = rel[: -len("/index.md")] if doc.bundle else rel.rsplit(".", 1)[0]
        urls.setdefault(rel.rsplit("/", 1)[-1], doc.url)
        urls.setdefault(doc.slug, doc.url)
        urls.setdefault(rel, doc.url)
    for doc in site.posts + site.pages:
        # {% link path %}: source paths as written under Jekyll (about.md, _pages/about.md)
        rel = doc.rel[len("content/"):]
        urls.setdefault("file:" + rel, doc.url)
        if rel.startswith("pages/"):
            urls.setdefault("file:" + rel[len("pages/"):], doc.url)
            urls.setdefault("file:_" + rel, doc.url)
    return urls


def _includes(root: Path) -> dict[str, str]:
    """Files a post may ``{% include %}``: the site's ``_includes/`` (as under Jekyll)
    and ``templates/_includes/``; the first wins."""
    found: dict[str, str] = {}
    for folder in (root / "_includes", root / "templates" / "_includes"):
        if folder.is_dir():
            for path in _walk_files(folder):
                name = path.relative_to(folder).as_posix()
                try:
                    found.setdefault(name, path.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError) as exc:
                    raise BuildError(f"cannot read include {name}: {exc}", path=path) from None
    return found


def _walk_files(folder: Path):
    """Files under ``folder`` in a stable order, leaving out hidden ones (but ``.well-known/``)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d == ".well-known")
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def build(options: BuildOptions) -> BuildReport:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    root = options.source.resolve()
    if not root.is_dir():
        raise BuildError(f"site folder {root} does not exist")
    overrides = {"base_url": options.base_url, "url": options.url, "drafts": options.drafts, "jobs": options.jobs,
                 "output": str(options.out) if options.out else None}
    config = load_config(root, overrides)
    out_dir = Path(config.output)
    out_dir = (out_dir if out_dir.is_absolute() else root / out_dir).resolve()
    check_output_dir(out_dir, root)
    jobs = config.jobs or os.cpu_count() or 1

    version = cache.code_version()
    manifest_path = root / ".cache" / "build" / "manifest.pickle"
    highlight_path = root / ".cache" / "build" / "highlight.pickle"
    old = cache.load(manifest_path, version, out_dir) if options.use_cache else cache.Manifest(version, str(out_dir))
    if options.refresh:
        old = cache.Manifest(version, str(out_dir), docs=old.docs)
    new = cache.Manifest(version=version, out_dir=str(out_dir))

    site = load_site(root, config, drafts=config.drafts, reuse=old.docs)
    new.docs = {d.rel: d for d in site.posts + site.pages}
    check_collisions(site, reserved_outputs(config))
    timings["load"] = time.perf_counter() - started

    theme = Theme(root, config.base_url, config.absolute_base,
                  cache_dir=root / ".cache" / "jinja" if options.use_cache else None)
    site_dict = _site_dict(config, site)
    post_urls = _post_urls(site)
    ctx = SiteContext(site=site_dict, base_path=config.base_url, absolute_base=config.absolute_base,
                      toc_min_headings=config.toc_min_headings, excerpt_separator=config.excerpt_separator,
                      post_urls=post_urls, includes=_includes(root),
                      allow_errors=config.exec.get("error") is True)
    from .markdown.diagrams import fingerprint as plantuml_fingerprint

    # local PlantUML (inline SVG) or none (server images): pages differ, so it is part of every key
    site_fp = cache.key(config.fingerprint(), site_dict["nav"], plantuml_fingerprint())
    urls_fp = cache.key(sorted(post_urls.items()))
    includes_fp = cache.key(sorted(ctx.includes.items()))

    report = BuildReport(out_dir=out_dir)
    report.warnings.extend(site.warnings)
    staging = Staging(out_dir)
    pool = RenderPool(jobs, PARALLEL_THRESHOLD)
    try:
        # ---- execute
        t0 = time.perf_counter()
        posts = site.posts
        parser: list = []

        def md():
            if not parser:
                from .markdown import MarkdownOptions, create_parser

                parser.append(create_parser(MarkdownOptions(
                    base_path=config.base_url, cache_dir=str(root / ".cache"),
                    plantuml_server=config.plantuml_server, heading_ids=config.heading_ids,
                    dialect=config.markdown, math_inline=config.math_inline)))
            return parser[0]

        executed = execution.run(
            posts + site.pages, root=root, config=config, version=version, md=md,
            bodies=lambda doc: liquid_body(doc, ctx, []), old=old, new=new, jobs=jobs,
            refresh=options.refresh, no_exec=options.no_exec, explain=options.explain,
            progress=options.progress)
        report.warnings.extend(executed.warnings)
        report.explain.extend(executed.explain)
        timings["execute"] = time.perf_counter() - t0

        # ---- documents
        t0 = time.perf_counter()
        feed_rels = {d.rel for d in site.posts[: config.feed_limit]}
        tasks: list[RenderTask] = []
        rendered: dict[str, RenderedDoc] = {}
        position = {doc.rel: i for i, doc in enumerate(posts)}
        for doc in posts + site.pages:
            template = _template_for(doc, theme)
            prev = nxt = None
            if doc.kind == "post":
                i = position[doc.rel]
                if i + 1 < len(posts):
                    prev = {"title": posts[i + 1].title, "url": posts[i + 1].url}
                if i > 0:
                    nxt = {"title": posts[i - 1].title, "url": posts[i - 1].url}
            uses_urls = "post_url" in doc.body or ("link" in doc.body and "{%" in doc.body)
            uses_includes = "include" in doc.body and "{%" in doc.body
            result = executed.results.get(doc.rel)
            k = cache.key(version, doc.digest, doc.body_line, site_fp, theme.fingerprint(template), prev, nxt,
                          doc.url, urls_fp if uses_urls else None, includes_fp if uses_includes else None,
                          result.fingerprint if result else None)
            keep_body = doc.rel in feed_rels
            previous = old.outputs.get(doc.out_path)
            record = old.rendered.get(doc.rel)
            body_ok = not keep_body or (doc.rel in old.bodies and old.bodies[doc.rel][0] == k)
            if (previous and previous[0] == k and record is not None and record.key == k and body_ok
                    and staging.reuse(doc.out_path, previous[1])):
                rendered[doc.rel] = record
                new.outputs[doc.out_path] = previous
                if keep_body:
                    new.bodies[doc.rel] = old.bodies[doc.rel]
                report.reused += 1
                continue
            tasks.append(RenderTask(doc=doc, out_path=doc.out_path, key=k, template=template,
                                    prev=prev, next=nxt, exec_result=result, keep_body=keep_body))
        memo = None
        if tasks:
            from . import highlights

            md()
            theme.env  # noqa: B018 -- create both before forking, so workers share them
            memo = highlights.load(highlight_path if options.use_cache else None, version)
            staging.open()
        setup_worker(parser[0] if parser else None, theme, ctx, staging.path)
        fresh_highlights: dict[str, str] = {}
        for result in pool.map(render_task, tasks):
            fresh_highlights.update(result.new_highlights)
            result.new_highlights = {}
            if result.body_html is not None:
                new.bodies[result.rel] = (result.key, result.body_html)
                result.body_html = None
            rendered[result.rel] = result
            staging.add(result.out_path)
            new.outputs[result.out_path] = (result.key, result.out_stat)
            report.rendered += 1
        new.rendered = rendered
        if memo is not None and options.use_cache:
            highlights.save(highlight_path, version, memo, fresh_highlights, rendered.values())
        for doc in posts + site.pages:
            report.warnings.extend(rendered[doc.rel].diagnostics)
        fallback = [doc.rel for doc in posts + site.pages if "plantuml-fallback" in rendered[doc.rel].features]
        if fallback:
            report.warnings.append(Diagnostic(
                None, None, f"PlantUML is not installed: diagrams in {', '.join(fallback)} are images from "
                f"{config.plantuml_server}", "install it (apt-get install plantuml) to render them at build time"))
        timings["documents"] = time.perf_counter() - t0

        # ---- list pages
        t0 = time.perf_counter()
        bodies = {rel: body for rel, (_, body) in new.bodies.items()}
        todo = []
        entry_digests: dict[int, str] = {}
        for item in list_pages(site.posts, site.pages, rendered, config, bodies):
            k = cache.key(version, site_fp, theme.fingerprint(item.template), item.has_math, item.features,
                          listing_fingerprint(item.data, entry_digests))
            previous = old.outputs.get(item.out_path)
            if previous and previous[0] == k and staging.reuse(item.out_path, previous[1]):
                new.outputs[item.out_path] = previous
                report.reused += 1
            else:
                todo.append((item, k))
        if todo:
            staging.open()
        for out_path, k, stat in pool.map(render_list, todo):
            staging.add(out_path)
            new.outputs[out_path] = (k, stat)
            report.rendered += 1
        timings["lists"] = time.perf_counter() - t0

        # ---- figures made by cells, beside their pages
        by_rel = {doc.rel: doc for doc in posts + site.pages}
        for rel, result in executed.results.items():
            for out_path, file in execution.figure_files(by_rel[rel], result):
                k = ("exec", str(file))
                previous = old.outputs.get(out_path)
                if not (previous and previous[0] == k and staging.reuse(out_path, previous[1])):
                    previous = (k, staging.copy(file, out_path))
                new.outputs[out_path] = previous

        # ---- static files
        t0 = time.perf_counter()
        _static(site, root, config, staging, old, new)
        previous = old.outputs.get(".nojekyll")
        if not (previous and staging.reuse(".nojekyll", previous[1])):
            previous = (("nojekyll",), staging.write(".nojekyll", ""))
        new.outputs[".nojekyll"] = previous
        timings["static"] = time.perf_counter() - t0

        report.files = len(new.outputs)
        staged = staging.commit(set(old.outputs), old.extra.get("staged"))
        new.extra["staged"] = old.extra.get("staged") if staged is None else staged
    except BaseException:
        staging.abort()
        raise
    finally:
        pool.close()
    unchanged = staged is None and new.docs.keys() == old.docs.keys() and all(
        doc is old.docs[rel] for rel, doc in new.docs.items())
    if options.use_cache and not unchanged:  # an unchanged build leaves the manifest as it is
        cache.save(manifest_path, new)
    timings["total"] = time.perf_counter() - started
    report.timings = timings
    return report


def _static(site: Site, root: Path, config: SiteConfig, staging: Staging,
            old: cache.Manifest, new: cache.Manifest) -> None:
    """Theme assets, the site's assets/, content files, bundle files, CNAME."""
    files: dict[str, Path] = {}
    if BUILTIN_THEME_ASSETS.is_dir():
        for path in _walk_files(BUILTIN_THEME_ASSETS):
            files["assets/theme/" + path.relative_to(BUILTIN_THEME_ASSETS).as_posix()] = path
    assets = root / "assets"  # the site's own files override the built-in theme's
    if assets.is_dir():
        for path in _walk_files(assets):
            files["assets/" + path.relative_to(assets).as_posix()] = path
    for item in site.static:
        files[item.out_path] = item.path
    for doc in site.posts + site.pages:
        if doc.bundle is not None:
            folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
            for path in _walk_files(doc.bundle):
                if path.name != "index.md":
                    files[folder + path.relative_to(doc.bundle).as_posix()] = path
    if (root / "CNAME").is_file():
        files["CNAME"] = root / "CNAME"
    for out_path, path in files.items():
        if out_path in new.outputs:
            raise BuildError(f"{path.relative_to(root) if root in path.parents else path} would overwrite "
                             f"the generated page {out_path}", hint="rename or move the file")
        st = path.stat()
        k = ("static", str(path), st.st_mtime_ns, st.st_size)
        previous = old.outputs.get(out_path)
        if previous and previous[0] == k and staging.reuse(out_path, previous[1]):
            new.outputs[out_path] = previous
        else:
            new.outputs[out_path] = (k, staging.copy(path, out_path))
    k = ("pygments", config.highlight_light, config.highlight_dark)
    previous = old.outputs.get("assets/theme/pygments.css")
    if not (previous and previous[0] == k and staging.reuse("assets/theme/pygments.css", previous[1])):
        previous = (k, staging.write("assets/theme/pygments.css",
                                     pygments_css(config.highlight_light, config.highlight_dark)))
    new.outputs["assets/theme/pygments.css"] = previous
