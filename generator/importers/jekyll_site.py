"""Walk a Jekyll site folder and sort every file into what it becomes in a gdblog site.

Jekyll's reading rules, as the import follows them:

* ``_posts/`` (also ``<category>/_posts/``) holds posts named
  ``YYYY-MM-DD-slug.md`` (or ``.markdown``...); other names are not posts;
  ``_drafts/`` holds drafts; ``_includes/``, ``_data/``, ``_layouts/``,
  ``_sass/`` and ``_plugins/`` are support folders; ``_<name>/`` of a
  collection holds its documents; other ``_*`` folders are not published;
* elsewhere, names starting with ``.``, ``_`` or ``#`` or ending in ``~``
  are skipped unless ``include:`` lists them, and ``exclude:`` (plus Jekyll's
  defaults, ``_site``, ``vendor``, ``node_modules``, ``Gemfile*``) is skipped;
* a Markdown or HTML file that starts with a front matter line ``---`` is a
  page; any other file with front matter is a Liquid template; a file
  without front matter is copied as it is (a static file).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .jekyll_config import DEFAULT_EXCLUDES, JekyllSettings

MARKDOWN_EXTENSIONS = (".md", ".markdown", ".mkdown", ".mkdn", ".mkd", ".mdown")
HTML_EXTENSIONS = (".html", ".htm")
POST_NAME = re.compile(r"^\d{2,4}-\d{1,2}-\d{1,2}-.+$")
SUPPORT = {"_posts": "post", "_drafts": "draft", "_includes": "include", "_data": "data",
           "_layouts": "layout", "_sass": "sass", "_plugins": "plugin", "_site": None, "_config.yml": None}
_FRONT_MATTER = re.compile(rb"\A(?:\xef\xbb\xbf)?---[ \t]*\r?\n")


@dataclass
class Entry:
    """One file of the Jekyll site and what it is there."""

    rel: str                 # path relative to the site folder, with /
    kind: str                # post, draft, page, static, include, data, layout, sass, plugin, collection,
    #                          template (a non-page file with front matter), not-a-post
    front_matter: bool = False
    category: str = ""       # for posts under <category>/_posts/: the folder above


@dataclass
class SiteFiles:
    entries: list[Entry] = field(default_factory=list)

    def of(self, *kinds: str) -> list[Entry]:
        return [e for e in self.entries if e.kind in kinds]


def has_front_matter(path: Path) -> bool:
    """Jekyll's test: the file's first line is ``---`` (and white space)."""
    try:
        with open(path, "rb") as handle:
            return _FRONT_MATTER.match(handle.read(64)) is not None
    except OSError:
        return False


class _Filter:
    """Jekyll's EntryFilter: special names, ``exclude`` and ``include``."""

    def __init__(self, settings: JekyllSettings):
        self.exclude = [p.strip("/") for p in DEFAULT_EXCLUDES + settings.exclude if p.strip("/")]
        self.include = [p.strip("/") for p in settings.include if p.strip("/")]

    @staticmethod
    def _matches(rel: str, patterns: list[str]) -> bool:
        name = rel.rsplit("/", 1)[-1]
        return any(rel == p or rel.startswith(p + "/") or fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p)
                   for p in patterns)

    def keep(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        special = name.startswith((".", "_", "#")) or name.endswith("~")
        if self._matches(rel, self.include):
            return True
        return not special and not self._matches(rel, self.exclude)


def _files(root: Path, rel_dir: str, skip: Path | None) -> Iterator[str]:
    """Every file under ``root/rel_dir`` (sorted, symlinks and hidden files left out), relative to root."""
    base = root / rel_dir
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (here / d).is_symlink()
                             and (skip is None or (here / d).resolve() != skip))
        for name in sorted(filenames):
            path = here / name
            if not name.startswith(".") and not path.is_symlink():
                yield path.relative_to(root).as_posix()


def walk_site(src: Path, settings: JekyllSettings, skip: Path | None = None) -> SiteFiles:
    """Sort every file of the site at ``src``; ``skip`` is a folder to leave out (the destination)."""
    found = SiteFiles()
    keep = _Filter(settings)
    top = sorted(os.listdir(src))
    for name in top:
        path = src / name
        if path.is_symlink() or (skip is not None and path.resolve() == skip):
            continue
        if path.is_dir() and name.startswith("_"):
            _support_folder(src, name, settings, found, skip)
        elif path.is_dir():
            if keep.keep(name):
                _regular_folder(src, name, keep, found, skip)
        elif path.is_file() and keep.keep(name) and name not in SUPPORT:
            found.entries.append(_regular_file(src, name))
    return found


def _support_folder(src: Path, name: str, settings: JekyllSettings, found: SiteFiles, skip: Path | None) -> None:
    kind = SUPPORT.get(name, "collection" if name[1:] in settings.collections else None)
    if kind is None:
        return                          # _site, or a folder Jekyll does not publish
    for rel in _files(src, name, skip):
        if kind == "post":
            found.entries.append(_post(rel))
        else:
            found.entries.append(Entry(rel, kind))


def _post(rel: str, category: str = "") -> Entry:
    stem, ext = os.path.splitext(rel.rsplit("/", 1)[-1])
    kind = "post" if POST_NAME.match(stem) and ext.lower() in MARKDOWN_EXTENSIONS else "not-a-post"
    return Entry(rel, kind, category=category)


def _regular_folder(src: Path, name: str, keep: _Filter, found: SiteFiles, skip: Path | None) -> None:
    base = src / name
    for dirpath, dirnames, filenames in os.walk(base):
        here = Path(dirpath)
        rel_dir = here.relative_to(src).as_posix()
        has_posts = "_posts" in dirnames
        dirnames[:] = sorted(d for d in dirnames if keep.keep(f"{rel_dir}/{d}") and not (here / d).is_symlink()
                             and (skip is None or (here / d).resolve() != skip))
        if has_posts:                   # <category>/_posts/: posts with the category of the folders above
            for rel in _files(src, f"{rel_dir}/_posts", skip):
                found.entries.append(_post(rel, category=rel_dir))
        for file in sorted(filenames):
            rel = f"{rel_dir}/{file}"
            if keep.keep(rel) and not (here / file).is_symlink():
                found.entries.append(_regular_file(src, rel))


def _regular_file(src: Path, rel: str) -> Entry:
    path = src / rel
    front = has_front_matter(path)
    ext = os.path.splitext(rel)[1].lower()
    if front and ext in MARKDOWN_EXTENSIONS + HTML_EXTENSIONS:
        return Entry(rel, "page", front_matter=True)
    if front:
        return Entry(rel, "template", front_matter=True)
    return Entry(rel, "static")


# --------------------------------------------------------------------------
# URLs

def jekyll_slugify(text: str, mode: str = "default", cased: bool = False) -> str:
    """Jekyll's Utils.slugify in the ``default`` and ``pretty`` modes."""
    pattern = r"(?:[^\w.~!$&'()+,;=@]|_)+" if mode == "pretty" else r"[\W_]+"
    text = re.sub(pattern, "-", text).strip("-")
    return text if cased else text.lower()


def jekyll_page_url(rel: str, permalink_style: str) -> str:
    """The URL Jekyll gave a page at ``rel`` (no permalink in its front matter): Jekyll::Page#template."""
    folder, _, name = rel.rpartition("/")
    stem = os.path.splitext(name)[0]
    prefix = "/" + folder if folder else ""
    if stem == "index":
        return prefix + "/"
    if permalink_style == "pretty" or (permalink_style not in ("date", "ordinal", "none", "weekdate")
                                       and permalink_style.endswith("/")):
        return f"{prefix}/{stem}/"
    return f"{prefix}/{stem}.html"
