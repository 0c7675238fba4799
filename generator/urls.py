"""URLs of documents: slugs, permalink patterns, and the output file behind a URL."""

from __future__ import annotations

import re
from functools import lru_cache

from .config import SiteConfig
from .document import Document
from .errors import BuildError


def slugify(text: str) -> str:
    """URL-safe slug: lowercase words joined by '-'; keeps non-ASCII letters."""
    text = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.U)
    return re.sub(r"[\s_-]+", "-", text).strip("-") or "untitled"


@lru_cache(maxsize=4096)
def tag_url(name: str) -> str:
    return f"/tags/{slugify(name)}/"


def expand_permalink(pattern: str, doc: Document) -> str:
    d = doc.date
    values = {
        "year": f"{d.year:04d}", "month": f"{d.month:02d}", "day": f"{d.day:02d}",
        "i_month": str(d.month), "i_day": str(d.day), "short_year": f"{d.year % 100:02d}",
        "y_day": f"{d.timetuple().tm_yday:03d}",
        "hour": f"{d.hour:02d}", "minute": f"{d.minute:02d}", "second": f"{d.second:02d}",
        "slug": doc.slug, "title": doc.slug,
        "categories": "/".join(slugify(c) for c in doc.categories),
    }
    url = re.sub(r":([a-z_]+)", lambda m: values.get(m.group(1), m.group(0)), pattern)
    return re.sub(r"/{2,}", "/", url)


def url_to_output(url: str, rel: str) -> tuple[str, str]:
    """Site URL -> (normalized URL, file under the output folder).  Refuses escapes."""
    parts = [p for p in url.split("/") if p]
    if any(p in ("..", ".") for p in parts) or "\\" in url or "\x00" in url:
        raise BuildError(f"permalink {url!r} would write outside the output folder", path=rel,
                         hint="use a plain path such as /notes/my-post/")
    path = "/".join(parts)
    if not path:
        return "/", "index.html"
    last = parts[-1]
    if not url.endswith("/") and "." in last and last.rsplit(".", 1)[1] in ("html", "htm", "xml", "txt", "json"):
        return "/" + path, path
    return "/" + path + "/", path + "/index.html"


def document_url(doc: Document, config: SiteConfig) -> str:
    """The URL of a document: its own permalink, else the site's pattern for its kind."""
    if doc.permalink:
        return expand_permalink(doc.permalink, doc) if ":" in doc.permalink else doc.permalink
    if doc.kind == "post":
        return expand_permalink(config.permalink, doc)
    rel = doc.rel[len("content/"):]
    rel = rel[len("pages/"):] if rel.startswith("pages/") else rel
    stem = rel.rsplit(".", 1)[0]
    if stem == "index":
        return "/"
    parent = stem.rsplit("/", 1)[0] if "/" in stem else ""
    slug = f"{parent}/{doc.slug}" if parent else doc.slug
    return config.page_permalink.replace(":slug", slug).replace(":title", slug)


def assign_urls(docs: list[Document], config: SiteConfig) -> None:
    for doc in docs:
        doc.url, doc.out_path = url_to_output(document_url(doc, config), doc.rel)
