"""Pages made from the list of posts: index, tags, archive, feed, sitemap, robots, 404.

Each page is described by a :class:`ListPage` (template, output file and the
data it shows).  Its cache key is a hash of that data, so after a one-post
edit only the list pages that show something that changed are rendered.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from .document import Document, RenderedDoc, reading_minutes
from .images import eager_first_image
from .manifest import key
from .urls import slugify, tag_url


@dataclass
class ListPage:
    template: str
    out_path: str
    url: str
    data: dict                      # the ``page`` seen by the template (minus computed bits)
    has_math: bool = False
    features: tuple = ()            # e.g. ("mermaid",) when an excerpt shows a diagram


def post_entry(doc: Document, rendered: RenderedDoc) -> dict:
    """What list pages show of a post (and nothing else, so keys stay tight)."""
    return {
        "title": doc.title, "url": doc.url, "date": doc.date, "updated": doc.updated,
        "undated": doc.undated, "tags": [{"name": t, "url": tag_url(t)} for t in doc.tags],
        "summary_html": html.escape(doc.summary) if doc.summary else rendered.excerpt_html,
        "summary_text": rendered.summary_text,
        "reading_minutes": reading_minutes(rendered.words), "image": rendered.image,
        "_math": rendered.excerpt_has_math and not doc.summary,
        "_mermaid": rendered.excerpt_has_mermaid and not doc.summary,
    }


def page_urls(count: int, per_page: int, first_url: str) -> list[str]:
    """The URLs of a list of ``count`` posts shown ``per_page`` at a time: ``first_url``, then
    ``first_url/page/2/``, ... (one page even when the list is empty)."""
    pages = max(1, -(-count // per_page))
    return [first_url] + [f"{first_url}page/{n}/" for n in range(2, pages + 1)]


def _paginate(entries: list[dict], per_page: int, first_url: str, template: str,
              extra: dict) -> list[ListPage]:
    pages = []
    chunks = [entries[i: i + per_page] for i in range(0, len(entries), per_page)] or [[]]
    urls = page_urls(len(entries), per_page, first_url)
    for n, chunk in enumerate(chunks, start=1):
        url = urls[n - 1]
        data = dict(extra)
        data.update(
            posts=chunk, url=url,
            pagination={"number": n, "total": len(chunks),
                        "prev_url": urls[n - 2] if n > 1 else None,
                        "next_url": urls[n] if n < len(chunks) else None},
        )
        out = url.lstrip("/") + "index.html"
        features = ("mermaid",) if any(e["_mermaid"] for e in chunk) else ()
        pages.append(ListPage(template, out, url, data, any(e["_math"] for e in chunk), features))
    return pages


def reserved_outputs(config, posts: Sequence[Document] = ()) -> dict[str, str]:
    """Every file the list pages write, with what it is: known from the posts alone, before
    anything is rendered, so that a source claiming one of these paths is an error naming both.

    The URLs come from the same functions :func:`list_pages` uses (:func:`page_urls`).
    """
    found: dict[str, str] = {}

    def add(urls: list[str], first: str, later: str) -> None:
        for n, url in enumerate(urls, start=1):
            found[url.lstrip("/") + "index.html"] = first if n == 1 else f"page {n} of {later}"

    add(page_urls(len(posts), config.posts_per_page, "/"), "the generated index page", "the generated index")
    counts: dict[str, tuple[str, int]] = {}
    for doc in posts:
        for tag in doc.tags:
            url = tag_url(tag)   # memoized slug: a thousand posts ask for the same few tags
            name, count = counts.get(url, (tag, 0))
            counts[url] = (name, count + 1)
    for url, (name, count) in counts.items():
        add(page_urls(count, config.posts_per_page, url), f"the generated tag page of {name!r}",
            f"the generated tag pages of {name!r}")
    for year in sorted({doc.date.year for doc in posts}):
        found[f"archive/{year}/index.html"] = f"the generated archive page for {year}"
    found.update({"tags/index.html": "the generated list of tags", "archive/index.html": "the generated archive",
                  "feed.xml": "the generated feed (feed.xml)", "sitemap.xml": "the generated sitemap.xml",
                  "robots.txt": "the generated robots.txt", "404.html": "the generated 404 page"})
    return found


def list_pages(posts: list[Document], pages: list[Document], rendered: dict[str, RenderedDoc],
               config, bodies: dict[str, str]) -> list[ListPage]:
    entries = [post_entry(p, rendered[p.rel]) for p in posts]
    result: list[ListPage] = []
    result += _paginate(entries, config.posts_per_page, "/", "index.html",
                        {"kind": "home", "title": config.title})

    by_tag: dict[str, tuple[str, list[dict]]] = {}
    for doc, entry in zip(posts, entries):
        for tag in doc.tags:
            slot = by_tag.setdefault(slugify(tag), (tag, []))
            slot[1].append(entry)
    tag_list = []
    for slug in sorted(by_tag, key=lambda s: by_tag[s][0].lower()):
        name, tagged = by_tag[slug]
        tag_list.append({"name": name, "url": f"/tags/{slug}/", "count": len(tagged)})
        result += _paginate(tagged, config.posts_per_page, f"/tags/{slug}/", "tag.html",
                            {"kind": "tag", "tag": name, "title": f"Posts tagged {name}"})
    result.append(ListPage("tags.html", "tags/index.html", "/tags/",
                           {"kind": "tags", "title": "Tags", "url": "/tags/", "tags": tag_list}))

    slim = [{k: e[k] for k in ("title", "url", "date")} for e in entries]
    years = []
    for year, of_year in groupby(slim, key=lambda e: e["date"].year):
        years.append({"year": year, "url": f"/archive/{year}/", "posts": list(of_year)})
        result.append(ListPage("archive.html", f"archive/{year}/index.html", f"/archive/{year}/",
                               {"kind": "archive", "title": f"Posts from {year}", "url": f"/archive/{year}/",
                                "years": [years[-1]]}))
    result.append(ListPage("archive.html", "archive/index.html", "/archive/",
                           {"kind": "archive", "title": "Archive", "url": "/archive/", "years": years}))

    feed_posts = []
    for doc, entry in list(zip(posts, entries))[: config.feed_limit]:
        feed_posts.append(dict(entry, content=bodies.get(doc.rel, "")))
    newest = max((p.updated or p.date for p in posts), default=dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    result.append(ListPage("feed.xml", "feed.xml", "/feed.xml",
                           {"kind": "feed", "url": "/feed.xml", "posts": feed_posts, "updated": newest,
                            "has_images": any(p["image"] for p in feed_posts)}))

    sitemap: list[dict[str, Any]] = [{"url": "/", "lastmod": newest if posts else None}]
    sitemap += [{"url": d.url, "lastmod": d.updated or (None if d.undated else d.date)} for d in posts]
    sitemap += [{"url": d.url, "lastmod": d.updated} for d in pages if d.meta.get("sitemap") is not False]
    sitemap += [{"url": t["url"], "lastmod": None} for t in tag_list]
    result.append(ListPage("sitemap.xml", "sitemap.xml", "/sitemap.xml",
                           {"kind": "sitemap", "url": "/sitemap.xml", "entries": sitemap}))
    result.append(ListPage("robots.txt", "robots.txt", "/robots.txt", {"kind": "robots", "url": "/robots.txt"}))
    result.append(ListPage("404.html", "404.html", "/404.html",
                           {"kind": "404", "title": "Page not found", "url": "/404.html"}))
    return result


def fingerprint(data: dict, memo: dict) -> list:
    """What a list page's cache key is made of, with each post entry hashed once per build
    (a post appears on the index, its tag pages and the feed; ``memo`` is keyed by id)."""
    parts = []
    for name, value in data.items():
        if name == "posts":
            value = [memo.get(id(e)) or memo.setdefault(id(e), key(e)) for e in value]
        parts.append((name, value))
    return parts


def render_list_page(item: ListPage, theme, site: dict) -> str:
    from markupsafe import Markup

    page = dict(item.data, has_math=item.has_math, features=list(item.features))
    if "posts" in page and item.template != "feed.xml":
        page["posts"] = [dict(p, summary_html=Markup(p.get("summary_html", ""))) for p in page["posts"]]
    html = theme.render(item.template, site=site, page=page)
    return eager_first_image(html) if item.template.endswith(".html") else html
