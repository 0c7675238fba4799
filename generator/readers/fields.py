"""The fields every document has, made from its front matter the same way for every format.

Titles, dates, slugs, tags and drafts follow one set of rules (Jekyll's where
Jekyll has one), so a post keeps its URL and its place in the lists whatever
format it is written in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

from ..dates import parse_date
from ..document import Document, body_signals
from ..errors import BuildError, Diagnostic
from ..urls import slugify
from .base import ReadContext, Source

JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
#: Used when a post has no date anywhere: far in the past, so undated posts
#: sort last and the build never depends on the machine's clock.
FALLBACK_DATE = dt.datetime(1970, 1, 1)

def words(value: Any) -> tuple[str, ...]:
    """Tags/categories: a YAML list, or a space- or comma-separated string (Jekyll)."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[,\s]+", value) if "," in value else value.split()
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return (str(value),)


def first_heading(body: str) -> tuple[str | None, str]:
    """Title from the first ``# `` heading; drop it from the body when it opens the body.

    The dropped line is replaced by an empty line so line numbers stay right.
    """
    in_fence = None
    lines = body.split("\n")
    seen_content = False
    for i, line in enumerate(lines):
        fence = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if fence:
            mark = fence.group(1)
            if in_fence is None:
                in_fence = mark[0] * len(mark)
            elif line.strip().startswith(in_fence):
                in_fence = None
            seen_content = True
            continue
        if in_fence:
            continue
        match = re.match(r"^ {0,3}# +(.+?)(?: +#+)? *$", line)
        if match:
            title = match.group(1).strip()
            if not seen_content:
                lines[i] = ""
                return title, "\n".join(lines)
            return title, body
        if line.strip():
            seen_content = True
    return None, body


def tzinfo(name: str) -> dt.tzinfo:
    if name.upper() in ("UTC", "Z", ""):
        return dt.timezone.utc
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception:
        raise BuildError(f"unknown timezone {name!r}", path="config.yml",
                         hint="use an IANA name such as Europe/Paris or UTC") from None


def _date(meta: dict, key: str, jekyll, source: Source, context: ReadContext,
          bad) -> tuple[dt.datetime, bool]:
    """(date, undated): front matter, else the YYYY-MM-DD- file name, else the fallback."""
    if meta.get(key) is not None:
        try:
            return parse_date(meta[key], context.tz), False
        except ValueError as exc:
            raise bad(key, f"bad date: {exc}", "write dates as 2024-03-01 or 2024-03-01 14:30:00") from None
    if jekyll:
        try:
            return dt.datetime(int(jekyll.group(1)), int(jekyll.group(2)), int(jekyll.group(3)),
                               tzinfo=context.tz), False
        except ValueError as exc:
            raise BuildError(f"bad date in file name: {exc}", path=source.rel) from None
    if source.kind == "post":
        context.warnings.append(Diagnostic(
            source.rel, None, "post has no date; it sorts last with date 1970-01-01",
            "add 'date: YYYY-MM-DD' to the front matter or name the file YYYY-MM-DD-slug.md"))
    return FALLBACK_DATE.replace(tzinfo=context.tz), True


def make_document(source: Source, context: ReadContext, *, data: bytes, meta: dict, body: str, body_line: int,
                  meta_lines: dict[str, int], format: str = "markdown", payload: Any = None) -> Document:
    """A Document from a reader's front matter and body, with the shared field rules."""

    def bad(key: str, message: str, hint: str | None = None) -> BuildError:
        return BuildError(message, path=source.rel, line=meta_lines.get(key), hint=hint)

    stem = source.bundle.name if source.bundle is not None else source.path.name.rsplit(".", 1)[0]
    jekyll = JEKYLL_NAME.match(stem)
    slug = meta.get("slug")
    if slug is not None:
        slug = str(slug)
        if "/" in slug or slug in (".", "..") or not slug.strip():
            raise bad("slug", f"slug {slug!r} must be one path segment without '/'")
    else:
        slug = slugify(jekyll.group(4) if jekyll else stem)
    date, undated = _date(meta, "date", jekyll, source, context, bad)
    updated = None
    for key in ("updated", "last_modified_at"):
        if meta.get(key) is not None:
            updated, _ = _date(meta, key, None, source, context, bad)
            break
    title = meta.get("title")
    if title is None:
        title, body = first_heading(body)
        if title is None:
            title = (jekyll.group(4) if jekyll else stem).replace("-", " ").replace("_", " ").strip().capitalize()
    elif not isinstance(title, (str, int, float)):
        raise bad("title", "title must be text")
    summary = next((str(meta[k]) for k in ("summary", "description", "excerpt") if meta.get(k) is not None), None)
    permalink = meta.get("permalink")
    if permalink is not None:
        permalink = str(permalink)
        if not permalink.startswith("/"):
            permalink = "/" + permalink
    return Document(
        kind=source.kind, rel=source.rel, path=source.path, digest=hashlib.sha1(data).hexdigest(),
        meta=meta, body=body, body_line=body_line, title=str(title), date=date, updated=updated,
        slug=slug, tags=words(meta.get("tags", meta.get("tag"))),
        categories=words(meta.get("categories", meta.get("category"))), summary=summary,
        draft=meta.get("draft", False) is True or meta.get("published", True) is False,
        permalink=permalink, bundle=source.bundle, undated=undated, format=format,
        meta_lines=meta_lines, payload=payload, signals=body_signals(body))
