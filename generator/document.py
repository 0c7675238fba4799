"""The data a build passes between its stages: documents, static files, the site, rendered records.

A :class:`Document` is what a reader makes of one source file (a post or a
page), whatever its format.  A :class:`RenderedDoc` is what the render stage
keeps of a rendered document for the list pages and the next build.  Both are
plain data: they travel to worker processes and are stored, as JSON, in the
build manifest (see :mod:`generator.manifest`), so they hold only JSON-able
values and know how to turn into and back from a dict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import SiteConfig
from .errors import Diagnostic


@dataclass
class Document:
    """A post or a page: where it lives, its front matter and its body text."""

    kind: str                      # "post" or "page"
    rel: str                       # path shown in messages: "content/posts/x.md"
    path: Path
    digest: str                    # sha1 of the file's bytes
    meta: dict                     # front matter, as the reader normalised it
    #: Markdown text the parser reads (a reader may have converted it); None for a document taken
    #: from the manifest, until :func:`generator.readers.body.ensure_body` reads it again.
    body: str | None
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
    #: Name of the reader that made it ("markdown", ...): see :mod:`generator.readers`.
    format: str = "markdown"
    #: Line of each top-level front matter key, for messages about a key.
    meta_lines: dict = field(default_factory=dict)
    #: Reader-specific data the renderer needs besides the body (JSON-able), or None.
    payload: Any = None
    #: What the body uses that cache keys and stages ask about without reading it (see body_signals).
    signals: frozenset = frozenset()
    #: Other files the reader looked at (``_metadata.yml`` defaults), as (path, mtime_ns, size), with
    #: (path, -1, -1) for one that did not exist: the document is read again when any of them changes.
    also_read: tuple = ()

    @property
    def folder(self) -> Path:
        return self.path.parent

    def to_json(self) -> dict:
        """The document without its body (the manifest stays small; the body is read again if needed)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["body"] = None
        data["signals"] = sorted(self.signals)
        data["also_read"] = [list(a) for a in self.also_read]
        data["path"] = str(self.path)
        data["bundle"] = str(self.bundle) if self.bundle is not None else None
        data["date"] = self.date.isoformat()
        data["updated"] = self.updated.isoformat() if self.updated else None
        data["load_warnings"] = [_diagnostic_row(w) for w in self.load_warnings]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Document:
        """The inverse of :meth:`to_json`; raises KeyError/TypeError/ValueError on a bad shape."""
        values = dict(data)
        values["path"] = Path(values["path"])
        values["bundle"] = Path(values["bundle"]) if values["bundle"] is not None else None
        values["date"] = dt.datetime.fromisoformat(values["date"])
        values["updated"] = dt.datetime.fromisoformat(values["updated"]) if values["updated"] else None
        values["tags"] = tuple(values["tags"])
        values["categories"] = tuple(values["categories"])
        values["stamp"] = tuple(values["stamp"])
        values["load_warnings"] = [Diagnostic(*w) for w in values["load_warnings"]]
        values["signals"] = frozenset(values["signals"])
        values["also_read"] = tuple(tuple(a) for a in values["also_read"])
        return cls(**values)


def _diagnostic_row(d: Diagnostic) -> tuple:
    """A Diagnostic as stored in the manifest (dataclasses.astuple deep-copies: 20x slower,
    and a pathological post may carry tens of thousands of warnings)."""
    return (d.path, d.line, d.message, d.hint)


def body_signals(body: str) -> frozenset[str]:
    """Cheap substring tests on a body, done once when it is read:

    ``cells``    executable fences or inline expressions (the execute stage runs it);
    ``post_url`` a ``{% post_url %}`` or ``{% link %}`` (its page depends on other posts' URLs);
    ``include``  a ``{% include %}`` (its page depends on the included files);
    ``diagram``  maybe a PlantUML diagram (its page depends on the PlantUML in use).
    """
    found = set()
    if "{python}" in body or "{exec}" in body:
        found.add("cells")
    if "{%" in body:
        if "post_url" in body or "link" in body:
            found.add("post_url")
        if "include" in body:
            found.add("include")
    if "@start" in body or "uml" in body:
        found.add("diagram")
    return frozenset(found)


@dataclass
class StaticFile:
    path: Path
    out_path: str                  # relative to the output folder
    rel: str
    link: str | None = None        # a symlink published as itself (follow_symlinks: false): its target


@dataclass
class Site:
    config: SiteConfig
    root: Path
    posts: list[Document]          # newest first
    pages: list[Document]
    static: list[StaticFile]
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Posts dated in the future, left out of this build (see BuildOptions.future).
    scheduled: list[Document] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        return self.posts + self.pages


@dataclass
class RenderedDoc:
    """What the build keeps of a rendered document: what list pages show, and what it used."""

    rel: str
    key: str
    out_path: str
    excerpt_html: str
    summary_text: str
    has_math: bool
    excerpt_has_math: bool
    excerpt_has_mermaid: bool
    words: int
    diagnostics: list[Diagnostic] = field(default_factory=list)
    body_html: str | None = None    # for the feed (URLs absolute), when asked for
    out_stat: tuple = ()
    highlight_keys: tuple = ()      # the highlighted code blocks the page uses (memo keys)
    new_highlights: dict = field(default_factory=dict)  # ones computed for it (merged, then dropped)
    features: frozenset = frozenset()  # e.g. "mermaid", "plantuml-fallback": set by plugins in env["features"]
    #: Files the page was made from besides its source (a .bib, an include): (path, content hash).
    dependencies: tuple = ()
    #: Absolute URL of the image shown when the page is shared and in the feed ("" for none).
    image: str = ""

    def to_json(self) -> dict:
        """The record as stored in the manifest (without the transient body and highlights)."""
        return {
            "rel": self.rel, "key": self.key, "out_path": self.out_path, "excerpt_html": self.excerpt_html,
            "summary_text": self.summary_text, "has_math": self.has_math,
            "excerpt_has_math": self.excerpt_has_math, "excerpt_has_mermaid": self.excerpt_has_mermaid,
            "words": self.words, "diagnostics": [_diagnostic_row(d) for d in self.diagnostics],
            "out_stat": list(self.out_stat), "highlight_keys": list(self.highlight_keys),
            "features": sorted(self.features), "dependencies": [list(d) for d in self.dependencies],
            "image": self.image,
        }

    @classmethod
    def from_json(cls, data: dict) -> RenderedDoc:
        values = dict(data)
        values["diagnostics"] = [Diagnostic(*d) for d in values["diagnostics"]]
        values["out_stat"] = tuple(values["out_stat"])
        values["highlight_keys"] = tuple(values["highlight_keys"])
        values["features"] = frozenset(values["features"])
        values["dependencies"] = tuple(tuple(d) for d in values["dependencies"])
        values["image"] = str(values.get("image", ""))
        return cls(**values)


#: Words read per minute for the "N min read" of a post.
WORDS_PER_MINUTE = 200


def reading_minutes(words: int) -> int:
    """Minutes to read ``words`` words at :data:`WORDS_PER_MINUTE`, at least one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))
