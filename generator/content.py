"""Load the sources: find posts, pages and static files, read their front matter.

A *document* is one Markdown file (a post or a page) with its front matter
parsed into typed fields.  Nothing here parses Markdown; that is the render
stage's job.  Loading is cheap and runs in the main process for every file, so
that URLs, ordering and collisions are known before anything is rendered.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .errors import BuildError, Diagnostic

MARKDOWN_SUFFIXES = (".md", ".markdown")
JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
#: Used when a post has no date anywhere: far in the past, so undated posts
#: sort last and the build never depends on the machine's clock.
FALLBACK_DATE = dt.datetime(1970, 1, 1)

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S.%f %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z",
    "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
)


@dataclass
class Document:
    """A post or a page: where it lives, its front matter and its body text."""

    kind: str                      # "post" or "page"
    rel: str                       # path shown in messages: "content/posts/x.md"
    path: Path
    digest: str                    # sha1 of the file's bytes
    meta: dict
    body: str
    body_line: int                 # file line (1-based) of the body's first line
    title: str
    date: dt.datetime
    updated: dt.datetime | None
    slug: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    summary: str | None
    draft: bool
    permalink: str | None
    bundle: Path | None = None     # folder of a page bundle (posts/<slug>/index.md)
    url: str = ""                  # site-relative URL, "/posts/x/"
    out_path: str = ""             # file under the output folder, "posts/x/index.html"
    undated: bool = False
    stamp: tuple = ()              # (mtime_ns, size) when read, to skip re-reading
    load_warnings: list = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path.parent


@dataclass
class StaticFile:
    path: Path
    out_path: str                  # relative to the output folder
    rel: str


@dataclass
class Site:
    config: SiteConfig
    root: Path
    posts: list[Document]          # newest first
    pages: list[Document]
    static: list[StaticFile]
    warnings: list[Diagnostic] = field(default_factory=list)


# --------------------------------------------------------------------------
# reading one file

def read_text(path: Path, rel: str) -> tuple[str, bytes]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         path=rel, line=line,
                         hint="save the file as UTF-8 (most editors have 'Save with encoding')") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), data


def split_front_matter(text: str, rel: str) -> tuple[dict, str, int]:
    """Return (front matter, body, first body line).  No front matter: ({}, text, 1)."""
    if not (text.startswith("---\n") or text == "---"):
        return {}, text, 1
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if end is None:
        raise BuildError("front matter opened with '---' on line 1 is never closed",
                         path=rel, line=1, hint="add a line with just '---' after the front matter")
    yaml_text = text[4: 4 + end.start()]
    body_start = 4 + end.end() + 1
    body_line = text.count("\n", 0, min(body_start, len(text))) + 1
    body = text[body_start:] if body_start <= len(text) else ""
    if not yaml_text.strip():
        return {}, body, body_line
    import yaml

    try:
        meta = yaml.load(yaml_text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BuildError(f"invalid YAML in front matter: {problem}", path=rel,
                         line=mark.line + 2 if mark else 1,
                         hint="check quoting: values with ':' or starting with '[', '{', '*' need quotes") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise BuildError(f"invalid front matter: {exc}", path=rel, line=1) from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise BuildError("front matter must be key: value lines", path=rel, line=2)
    return meta, body, body_line


@lru_cache(maxsize=1)
def _loader():
    """YAML's safe loader, but dates stay strings: :func:`parse_date` reads them
    and reports a bad one with its line, instead of YAML raising a bare error."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = type("FrontMatterLoader", (base,), {})
    loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()}
    return loader


def front_matter_line(text: str, key: str) -> int | None:
    """Line of ``key:`` in the front matter, for error messages."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


# --------------------------------------------------------------------------
# field parsing

def slugify(text: str) -> str:
    """URL-safe slug: lowercase words joined by '-'; keeps non-ASCII letters."""
    text = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.U)
    return re.sub(r"[\s_-]+", "-", text).strip("-") or "untitled"


_ISO_DATE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"(?:\s*(Z|[+-]\d{2}:?\d{2}))?")


def _iso_date(text: str) -> dt.datetime | None:
    """The common shapes (2024-03-01, 2024-03-01 14:30[:00][.5] [+0200|Z]) without strptime."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tzinfo = None
    if zone == "Z":
        tzinfo = dt.timezone.utc
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tzinfo = dt.timezone(sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                       int((fraction or "0").ljust(6, "0")), tzinfo=tzinfo)


def parse_date(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """YAML date/datetime or a string in one of the common formats -> aware datetime."""
    if isinstance(value, str) and (quick := _ISO_DATE.fullmatch(value.strip())) is not None:
        try:
            result = _iso_date(quick.group(0))
        except ValueError as exc:  # 2024-02-30
            raise ValueError(f"{value!r}: {exc}") from None
        return result if result.tzinfo else result.replace(tzinfo=tz)
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        text = re.sub(r"\s*([+-]\d{2}):?(\d{2})$", r" \1\2", text) if re.search(r"\d[ T]\d", text) else text
        text = re.sub(r"\s*Z$", " +0000", text)
        problem = None
        for fmt in _DATE_FORMATS:
            for candidate in (text, text.replace(" +", "+").replace(" -", "-")):
                try:
                    result = dt.datetime.strptime(candidate, fmt)
                    break
                except ValueError as exc:
                    if "does not match format" not in str(exc) and "unconverted data" not in str(exc):
                        problem = str(exc)
                    continue
            else:
                continue
            break
        else:
            raise ValueError(f"{value!r}: {problem}" if problem else f"cannot read {value!r} as a date")
    else:
        raise ValueError(f"cannot read {value!r} as a date")
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    return result


def _words(value: Any) -> tuple[str, ...]:
    """Tags/categories: a YAML list, or a space- or comma-separated string (Jekyll)."""
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[,\s]+", value) if "," in value else value.split()
        return tuple(p.strip() for p in parts if p.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if v is not None and str(v).strip())
    return (str(value),)


def _first_heading(body: str) -> tuple[str | None, str]:
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


def _tzinfo(name: str) -> dt.tzinfo:
    if name.upper() in ("UTC", "Z", ""):
        return dt.timezone.utc
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception:
        raise BuildError(f"unknown timezone {name!r}", path="config.yml",
                         hint="use an IANA name such as Europe/Paris or UTC") from None


def load_document(path: Path, rel: str, kind: str, config: SiteConfig,
                  tz: dt.tzinfo, warnings: list[Diagnostic], bundle: Path | None = None) -> Document:
    text, data = read_text(path, rel)
    meta, body, body_line = split_front_matter(text, rel)

    def bad(key: str, message: str, hint: str | None = None) -> BuildError:
        return BuildError(message, path=rel, line=front_matter_line(text, key), hint=hint)

    stem = bundle.name if bundle is not None else path.stem
    jekyll = JEKYLL_NAME.match(stem)
    slug = meta.get("slug")
    if slug is not None:
        slug = str(slug)
        if "/" in slug or slug in (".", "..") or not slug.strip():
            raise bad("slug", f"slug {slug!r} must be one path segment without '/'")
    else:
        slug = slugify(jekyll.group(4) if jekyll else stem)

    date_value = meta.get("date")
    undated = False
    if date_value is not None:
        try:
            date = parse_date(date_value, tz)
        except ValueError as exc:
            raise bad("date", f"bad date: {exc}", "write dates as 2024-03-01 or 2024-03-01 14:30:00") from None
    elif jekyll:
        try:
            date = dt.datetime(int(jekyll.group(1)), int(jekyll.group(2)), int(jekyll.group(3)), tzinfo=tz)
        except ValueError as exc:
            raise BuildError(f"bad date in file name: {exc}", path=rel) from None
    else:
        date = FALLBACK_DATE.replace(tzinfo=tz)
        undated = True
        if kind == "post":
            warnings.append(Diagnostic(rel, None, "post has no date; it sorts last with date 1970-01-01",
                                       "add 'date: YYYY-MM-DD' to the front matter or name the file YYYY-MM-DD-slug.md"))
    updated = None
    if meta.get("updated") is not None or meta.get("last_modified_at") is not None:
        key = "updated" if meta.get("updated") is not None else "last_modified_at"
        try:
            updated = parse_date(meta[key], tz)
        except ValueError as exc:
            raise bad(key, f"bad date: {exc}") from None

    title = meta.get("title")
    if title is None:
        title, body = _first_heading(body)
        if title is None:
            title = (jekyll.group(4) if jekyll else stem).replace("-", " ").replace("_", " ").strip().capitalize()
    elif not isinstance(title, (str, int, float)):
        raise bad("title", "title must be text")
    title = str(title)

    summary = None
    for key in ("summary", "description", "excerpt"):
        if meta.get(key) is not None:
            summary = str(meta[key])
            break

    draft = meta.get("draft", False) is True or meta.get("published", True) is False
    permalink = meta.get("permalink")
    if permalink is not None:
        permalink = str(permalink)
        if not permalink.startswith("/"):
            permalink = "/" + permalink

    return Document(
        kind=kind, rel=rel, path=path, digest=hashlib.sha1(data).hexdigest(),
        meta=meta, body=body, body_line=body_line, title=title, date=date, updated=updated,
        slug=slug, tags=_words(meta.get("tags", meta.get("tag"))),
        categories=_words(meta.get("categories", meta.get("category"))),
        summary=summary, draft=draft, permalink=permalink, bundle=bundle, undated=undated,
    )


# --------------------------------------------------------------------------
# URLs

def expand_permalink(pattern: str, doc: Document) -> str:
    d = doc.date
    values = {
        "year": f"{d.year:04d}", "month": f"{d.month:02d}", "day": f"{d.day:02d}",
        "i_month": str(d.month), "i_day": str(d.day), "short_year": f"{d.year % 100:02d}",
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


# --------------------------------------------------------------------------
# the whole site

def _excluded(rel_to_content: str, patterns: tuple) -> bool:
    hidden = rel_to_content.replace(".well-known/", "well-known/")  # published on purpose
    if hidden.startswith(".") or "/." in hidden:
        return True
    if not patterns:
        return False
    name = rel_to_content.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel_to_content, p) or fnmatch.fnmatch(name, p) for p in patterns)


def discover(root: Path, config: SiteConfig):
    """Find posts and pages as (path string, kind, bundle) and the static files under content/."""
    content = root / "content"
    posts: list[tuple[Path, str, Path | None]] = []
    pages: list[tuple[Path, str, Path | None]] = []
    static: list[StaticFile] = []
    if not content.is_dir():
        return posts, pages, static
    base = str(content)
    cut = len(base) + 1
    bundle_of: dict[str, str] = {}  # folder (relative to content/) -> bundle folder
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d == ".well-known")
        rel_dir = dirpath[cut:]
        parent_bundle = bundle_of.get(rel_dir.rsplit("/", 1)[0]) if "/" in rel_dir else None
        if parent_bundle is None and rel_dir.startswith("posts/") and "index.md" in filenames:
            parent_bundle = rel_dir
        if parent_bundle is not None:
            bundle_of[rel_dir] = parent_bundle
        for name in sorted(filenames):
            rel_c = f"{rel_dir}/{name}" if rel_dir else name
            if _excluded(rel_c, config.exclude):
                continue
            path = os.path.join(dirpath, name)  # a string: most files are unchanged and need no Path
            if parent_bundle is not None:
                if rel_c == parent_bundle + "/index.md":
                    posts.append((path, "post", content / parent_bundle))
                continue  # other bundle files travel with their post
            is_md = name.lower().endswith(MARKDOWN_SUFFIXES)
            if is_md and rel_c.startswith("posts/"):
                posts.append((path, "post", None))
            elif is_md and (rel_c.startswith("pages/") or not rel_dir):
                pages.append((path, "page", None))
            else:
                static.append(StaticFile(Path(path), rel_c, "content/" + rel_c))
    return posts, pages, static


def assign_urls(docs: list[Document], config: SiteConfig, root: Path) -> None:
    for doc in docs:
        if doc.permalink:
            url = expand_permalink(doc.permalink, doc) if ":" in doc.permalink else doc.permalink
        elif doc.kind == "post":
            url = expand_permalink(config.permalink, doc)
        else:
            rel = doc.rel[len("content/"):]
            rel = rel[len("pages/"):] if rel.startswith("pages/") else rel
            stem = rel.rsplit(".", 1)[0]
            if stem == "index":
                url = "/"
            else:
                parent = stem.rsplit("/", 1)[0] if "/" in stem else ""
                slug = f"{parent}/{doc.slug}" if parent else doc.slug
                url = config.page_permalink.replace(":slug", slug).replace(":title", slug)
        doc.url, doc.out_path = url_to_output(url, doc.rel)


def check_collisions(site: Site, reserved: dict[str, str]) -> None:
    """Two sources writing the same output file is an error naming both."""
    owners: dict[str, str] = dict(reserved)
    problems: list[Diagnostic] = []
    for doc in site.posts + site.pages:
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


def load_site(root: Path, config: SiteConfig, *, drafts: bool,
              reuse: dict[str, Document] | None = None) -> Site:
    """Read every source.  ``reuse`` maps rel -> Document from the last build:
    a file whose size and mtime are unchanged is not read again."""
    tz = _tzinfo(config.timezone)
    posts_found, pages_found, static = discover(root, config)
    warnings: list[Diagnostic] = []
    errors: list[Diagnostic] = []
    posts: list[Document] = []
    pages: list[Document] = []
    cut = len(str(root / "content")) + 1
    for path, kind, bundle in posts_found + pages_found:
        rel = "content/" + path[cut:].replace(os.sep, "/")
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        doc = reuse.get(rel) if reuse else None
        if doc is None or doc.stamp != stamp:
            doc_warnings: list[Diagnostic] = []
            try:
                doc = load_document(Path(path), rel, kind, config, tz, doc_warnings, bundle)
            except BuildError as exc:
                errors.extend(exc.errors)
                continue
            doc.stamp, doc.load_warnings = stamp, doc_warnings
        warnings.extend(doc.load_warnings)
        if doc.draft and not drafts:
            continue
        (posts if kind == "post" else pages).append(doc)
    if errors:
        raise BuildError.many(errors)
    posts.sort(key=lambda d: (d.date, d.rel), reverse=True)
    pages.sort(key=lambda d: d.rel)
    assign_urls(posts + pages, config, root)
    return Site(config=config, root=root, posts=posts, pages=pages, static=static, warnings=warnings)
