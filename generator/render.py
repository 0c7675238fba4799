"""Render one document: Liquid subset -> Markdown -> HTML body -> full page.

This is the per-document work of the build; :mod:`generator.pool` runs it in
parallel worker processes for big sites.  It receives everything it needs in a
:class:`RenderTask` and returns the page's HTML and a small
:class:`~generator.document.RenderedDoc` record.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from .document import Document, RenderedDoc, reading_minutes
from .errors import Diagnostic
from .images import ImageReport, ImageSources, eager_first_image, finish_images
from .markdown.env import DocumentEnv
from .urls import tag_url


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
    site_root: str = ""             # absolute site folder
    site_vars: dict = field(default_factory=dict)  # config.yml vars:, for {{< var >}}
    bibliography: tuple = ()        # config.yml bibliography: paths relative to the site
    csl: str = ""                   # config.yml csl: a style file or name


@dataclass
class RenderTask:
    doc: Document
    out_path: str
    key: str
    template: str
    prev: dict | None = None        # {"title", "url"} of the older post
    next: dict | None = None        # {"title", "url"} of the newer post
    exec_result: Any = None         # generator.kernel.PostResult, when the post has cells
    keep_body: bool = False         # return the body HTML (for the feed)
    links: dict | None = None       # {"series": ..., "related": [...]}: see generator.related


_TAGS = re.compile(r"<[^>]+>")


def html_to_text(fragment: str, limit: int = 300) -> str:
    text = html_lib.unescape(_TAGS.sub("", fragment))
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def liquid_body(doc: Document, ctx: SiteContext, diagnostics: list[Diagnostic]) -> str:
    from .markdown.jekyll import LiquidContext, has_liquid, render_liquid

    assert doc.body is not None, f"{doc.rel}: body not loaded (see readers.body.ensure_body)"
    if doc.format == "notebook" or not has_liquid(doc.body):  # Jupyter has no Liquid: {{ }} in code stays
        return doc.body
    page = {"title": doc.title, "url": doc.url, "date": doc.date.isoformat(),
            "tags": list(doc.tags), "categories": list(doc.categories)}
    page.update({k: v for k, v in doc.meta.items() if isinstance(k, str) and k not in page})
    lctx = LiquidContext(site=ctx.site["liquid"], page=page, base_path=ctx.base_path,
                         absolute_base=ctx.absolute_base, post_url=ctx.post_urls.get,
                         diagnostics=diagnostics, includes=ctx.includes)
    return render_liquid(doc.body, lctx, path=doc.rel, line_offset=doc.body_line)


def document_env(doc: Document, ctx: SiteContext, exec_result: Any = None) -> DocumentEnv:
    """The markdown-it env a document is parsed and rendered with (see :mod:`generator.markdown.env`)."""
    post_exec: dict = doc.meta["exec"] if isinstance(doc.meta.get("exec"), dict) else {}
    env: DocumentEnv = {"path": doc.rel, "body_line": doc.body_line, "meta": doc.meta,
                        "source_dir": str(doc.folder), "site_root": ctx.site_root,
                        "allow_errors": post_exec.get("error", ctx.allow_errors) is True,
                        "site_vars": ctx.site_vars, "bibliography": list(ctx.bibliography), "csl": ctx.csl}
    notebooks = ctx.site.get("notebooks") or {}
    if notebooks.get("scripts") is True:
        env["output_scripts"] = True
    if doc.format == "notebook":
        # an executed notebook's results belong to its code cells, never to a {python} fence in its prose
        env["notebook"] = {"payload": doc.payload, "rel": doc.rel, "config": notebooks, "exec": exec_result}
    elif exec_result is not None:
        env["exec"] = exec_result
    return env


def _notebook_place(doc: Document, line: int, message: str) -> str:
    """``cell N, line L: message`` for a 0-based line of a notebook's body (see readers.nbcells)."""
    pieces = (doc.payload or {}).get("lines") or []
    at = None
    for start, number in pieces:
        if start <= line + 1:
            at = (number, line + 2 - start)
    return f"cell {at[0]}, line {at[1]}: {message}" if at else message


def count_words(tokens: list) -> int:
    """Words of prose, plus a third of the words of code (code is skimmed, not read)."""
    words = 0
    for token in tokens:
        if token.type == "inline":
            words += sum(len(c.content.split()) for c in token.children or () if c.type == "text")
        elif token.type in ("fence", "code_block"):
            words += len(token.content.split()) // 3
    return words


def render_body(doc: Document, md, ctx: SiteContext, exec_result: Any = None):
    """Markdown body -> (html, toc, RenderedDoc fields)."""
    diagnostics: list[Diagnostic] = []
    body = liquid_body(doc, ctx, diagnostics)
    env = document_env(doc, ctx, exec_result)
    tokens = md.parse(body, env)
    html = md.renderer.render(tokens, md.options, env)
    images = _image_sources(doc, ctx, exec_result)
    image_report = ImageReport()
    html = finish_images(html, images, image_report)

    toc = []
    if len(env.get("toc", ())) >= max(ctx.toc_min_headings, 1) and doc.meta.get("toc", True) is not False:
        toc = [{"level": e["level"], "id": e["id"],
                "html": md.renderer.renderInline(e["children"], md.options, env)} for e in env["toc"]]

    separator = str(doc.meta.get("excerpt_separator") or ctx.excerpt_separator)
    excerpt_tokens = _excerpt_tokens(tokens, separator)
    excerpt_html = md.renderer.render(excerpt_tokens, md.options, env) if excerpt_tokens else ""
    if excerpt_html:
        from .markdown.html import resolve_urls

        excerpt_html = finish_images(resolve_urls(excerpt_html, ctx.base_path + doc.url.lstrip("/")),
                                     images, ImageReport())
    for line, message, hint in env.get("diagnostics", ()):
        if doc.format == "notebook" and line is not None:  # a line of the made-up body: say which cell
            message, line = _notebook_place(doc, line, message), None
        diagnostics.append(Diagnostic(doc.rel, doc.body_line + line if line is not None else None, message, hint))
    share = share_image(doc, html, ctx, images)
    if share.card:
        env.setdefault("features", set()).add("social-card")
    if share.missing:
        image_report.missing.append(share.missing)
    if "<pre" in html:
        env.setdefault("features", set()).add("code")  # the page loads code.js (copy buttons)
    diagnostics += _missing_images(doc, body, image_report.missing)
    env.setdefault("dependencies", set()).update(image_report.files)
    return html, toc, {
        "excerpt_html": excerpt_html,
        "summary_text": doc.summary or html_to_text(excerpt_html),
        "has_math": env.get("math", 0) > 0,
        "excerpt_has_math": 'class="math' in excerpt_html,
        "excerpt_has_mermaid": 'class="mermaid"' in excerpt_html,
        "words": count_words(tokens),
        "diagnostics": diagnostics,
        "features": env.get("features", set()),
        "dependencies": sorted(env.get("dependencies", ())),
        "image": share.url, "image_alt": share.alt,
    }


def _image_sources(doc: Document, ctx: SiteContext, exec_result: Any) -> ImageSources:
    """Where the files behind the page's images are: its figures, its bundle, content/, assets/."""
    from .theme import BUILTIN_THEME_ASSETS

    folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
    figures: dict[str, Path] = {}
    for cell in getattr(exec_result, "cells", ()):
        for out in cell.outputs:
            if out.kind == "image" and out.file is not None:
                figures[folder + out.filename] = Path(out.file)
                if getattr(out, "dark_file", None) is not None:
                    figures[folder + out.dark_filename] = Path(out.dark_file)
    return ImageSources(site_root=Path(ctx.site_root), base_path=ctx.base_path, page_url=doc.url,
                        page_folder=folder, bundle=doc.bundle, figures=figures, theme_assets=BUILTIN_THEME_ASSETS)


#: Formats social sites show as a shared page's picture (not SVG).
_RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp")
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.I)
_ATTR_VALUE = r"""\b{}\s*=\s*(?:"([^"]*)"|'([^']*)')"""
#: File name of a post's generated social card, beside its page (see generator.social).
SOCIAL_CARD = "social-card.png"


@dataclass
class ShareImage:
    url: str = ""        # absolute URL (site url + path), "" for none
    alt: str = ""
    card: bool = False   # the generated social card
    missing: str = ""    # a front matter image that does not exist


def _attr(tag: str, name: str) -> str | None:
    match = re.search(_ATTR_VALUE.format(name), tag, re.I)
    return html_lib.unescape(next(g for g in match.groups() if g is not None)) if match else None


def share_image(doc: Document, body_html: str, ctx: SiteContext, images: ImageSources) -> ShareImage:
    """The picture of a shared page (og:image, twitter:image, the feed): the ``image`` front matter,
    else the first raster image of the body (social sites show no SVG), else the post's social card
    when the site makes them."""
    page = ctx.base_path + doc.url.lstrip("/")
    origin = str(ctx.site.get("url") or "")
    image, alt = doc.meta.get("image"), doc.meta.get("image_alt")
    if isinstance(image, dict):  # Jekyll SEO's {path, alt}
        found: dict = image
        image, alt = found.get("path") or found.get("url"), found.get("alt") or alt
    if isinstance(image, str) and image.strip():
        src = image.strip()
        if src.startswith("/") and not src.startswith(ctx.base_path):
            src = ctx.base_path + src.lstrip("/")
        out = images.output_path(src)
        missing = src if out is not None and (out.startswith("/") or images.find(out) is None) else ""
        url = urljoin(page, src)
        return ShareImage(url if "://" in url else origin + url, str(alt or ""), missing=missing)
    for tag in _IMG_TAG.findall(body_html):
        src = _attr(tag, "src") or ""
        if urlsplit(src).path.lower().endswith(_RASTER):
            url = urljoin(page, src)
            return ShareImage(url if "://" in url else origin + url, _attr(tag, "alt") or "")
    if doc.kind == "post" and ctx.site.get("social_cards"):
        folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
        return ShareImage(origin + ctx.base_path + folder + SOCIAL_CARD, doc.title, card=True)
    return ShareImage()


def _missing_images(doc: Document, body: str, missing: list[str]) -> list[Diagnostic]:
    """A warning per missing image, at the line of the body that names it (found by its text)."""
    problems = []
    lines = body.split("\n")
    for src in dict.fromkeys(missing):
        needles = {src, unquote(src)}
        line = next((i for i, text in enumerate(lines) if any(n in text for n in needles)), None)
        problems.append(Diagnostic(
            doc.rel, doc.body_line + line if line is not None else None, f"image not found: {src}",
            f"no such file for the page {doc.url}; a relative path starts from the page's URL, "
            "a path starting with / from content/ (or assets/)"))
    return problems


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


def page_context(doc: Document, body_html: str, toc: list, info: dict, task: RenderTask,
                 extra: dict | None = None) -> dict:
    from markupsafe import Markup

    page = {
        "kind": doc.kind, "title": doc.title, "url": doc.url, "date": doc.date, "updated": doc.updated,
        "undated": doc.undated, "description": doc.summary or info["summary_text"],
        "tags": [{"name": t, "url": tag_url(t)} for t in doc.tags],
        "body": Markup(body_html), "toc": [dict(t, html=Markup(t["html"])) for t in toc],
        "reading_minutes": reading_minutes(info["words"]) if doc.kind == "post" else None,
        "prev": task.prev, "next": task.next, "has_math": info["has_math"], **(task.links or {}),
        "features": sorted(info["features"]), "meta": doc.meta,
        "image": info["image"], "image_alt": info["image_alt"],
    }
    if extra:
        page.update(extra)
    return page


_FRAME_DATA = re.compile(r' data-interactive="[^"]*"')


def _feed_body(body_html: str, ctx: SiteContext, doc: Document) -> str:
    """The body as the feed carries it: relative URLs made absolute against the post's URL,
    and without the frames of interactive figures (data for the page's script, which feed
    readers do not run; the default frame stays as an ordinary figure)."""
    from .markdown.html import resolve_urls

    if " data-interactive=" in body_html:
        body_html = _FRAME_DATA.sub("", body_html)
    return resolve_urls(body_html, ctx.absolute_base + doc.url)


def _dependency_hashes(paths: list[str]) -> tuple:
    """(path, content hash) of each file the page was made from; a missing file hashes to ""."""
    import hashlib

    found = []
    for path in paths:
        try:
            with open(path, "rb") as fh:
                found.append((path, hashlib.sha1(fh.read()).hexdigest()))
        except OSError:
            found.append((path, ""))
    return tuple(found)


def render_document(task: RenderTask, md, theme, ctx: SiteContext) -> tuple[str, RenderedDoc]:
    """The full page of ``task.doc`` and the record the build keeps of it (its ``out_stat`` unset)."""
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
    html = eager_first_image(theme.render(task.template, site=ctx.site, page=page))
    return html, RenderedDoc(
        rel=doc.rel, key=task.key, out_path=task.out_path, excerpt_html=info["excerpt_html"],
        summary_text=info["summary_text"], has_math=info["has_math"],
        excerpt_has_math=info["excerpt_has_math"], excerpt_has_mermaid=info["excerpt_has_mermaid"],
        words=info["words"], diagnostics=info["diagnostics"],
        body_html=_feed_body(body_html, ctx, doc) if task.keep_body else None,
        features=frozenset(info["features"]), dependencies=_dependency_hashes(info["dependencies"]),
        image=info["image"],
        highlight_keys=tuple(sorted(memo.used)), new_highlights=dict(memo.new),
    )
