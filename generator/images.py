"""Every ``<img>`` a page shows, finished: its size, lazy loading, and a warning when it is missing.

Runs on a document's rendered HTML (body and excerpt), whatever wrote the
``<img>``: Markdown, raw HTML, a Liquid include or a cell's figure.  For each
image with a site-local ``src`` the source file is found (a cell's figure, a
file of the post's bundle, ``content/`` or ``assets/``) and

* ``width`` and ``height`` are added from the file's header (or the missing
  one from the other and the file's aspect ratio), so the browser reserves
  the space and the text does not jump when the image arrives;
* ``loading="lazy"`` and ``decoding="async"`` are added (the first image of a
  page is made ``eager`` by :func:`eager_first_image`: it is usually in view);
* a file that does not exist is reported, so a typo is found by the build and
  not only by ``check``.

Attributes the writer gave are kept.  Remote images (``https://...``) get the
loading attributes only: their size is not known without fetching them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .imagesize import image_size

_IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.I)
_ATTR = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_LAZY = re.compile(r'\s+loading="lazy"', re.I)


@dataclass
class ImageSources:
    """Where the files behind a page's site-local image URLs live."""

    site_root: Path
    base_path: str                     # "/" or "/repo/"
    page_url: str                      # the page's site-relative URL, "/posts/x/"
    page_folder: str                   # output folder of the page, "posts/x/" ("" at the root)
    bundle: Path | None = None         # the post's bundle folder, whose files sit beside the page
    figures: dict[str, Path] = field(default_factory=dict)  # output path -> cached figure file
    theme_assets: Path | None = None   # the built-in theme's assets (under assets/theme/)

    def output_path(self, src: str) -> str | None:
        """The output file a site-local ``src`` refers to, or None for a remote or data URL."""
        try:
            parts = urlsplit(src.strip())
        except ValueError:
            return None
        if parts.scheme or parts.netloc or not parts.path:
            return None
        page = self.base_path + self.page_url.lstrip("/")
        path = unquote(urlsplit(urljoin("http://site" + page, parts.path)).path)
        if not path.startswith(self.base_path):
            return path  # outside the base path: no file of ours, reported as missing
        return path[len(self.base_path):]

    def find(self, out: str) -> Path | None:
        """The source file of output path ``out``, or None."""
        if out in self.figures:
            return self.figures[out]
        return next((c for c in self.candidates(out) if c.is_file()), None)

    def candidates(self, out: str) -> list[Path]:
        """The files that would be copied to output path ``out``, first match wins."""
        candidates = []
        if self.bundle is not None and out.startswith(self.page_folder):
            candidates.append(self.bundle / out[len(self.page_folder):])
        candidates.append(self.site_root / "content" / out)
        if out.startswith("assets/"):
            candidates.append(self.site_root / out)
            if self.theme_assets is not None and out.startswith("assets/theme/"):
                candidates.append(self.theme_assets / out[len("assets/theme/"):])
        return candidates


@dataclass
class ImageReport:
    """What :func:`finish_images` found: missing images (their ``src``) and files read."""

    missing: list[str] = field(default_factory=list)
    files: set[str] = field(default_factory=set)


def _attributes(tag: str) -> list[tuple[str, str | None]]:
    inner = tag[4:-1].rstrip("/")
    found = []
    for match in _ATTR.finditer(inner):
        value = next((g for g in match.group(2, 3, 4) if g is not None), None)
        found.append((match.group(1).lower(), value))
    return found


def _dimensions(attrs: dict[str, str | None], size: tuple[int, int]) -> dict[str, str]:
    """width/height to add: both from the file, or the missing one from the given one and the ratio."""
    width, height = attrs.get("width"), attrs.get("height")
    w, h = size
    if width is None and height is None:
        return {"width": str(w), "height": str(h)}
    try:
        if width is None and height is not None:
            return {"width": str(round(float(height) * w / h))}
        if height is None and width is not None:
            return {"height": str(round(float(width) * h / w))}
    except ValueError:
        pass  # "50%" and the like: leave the writer's choice alone
    return {}


def finish_images(html: str, sources: ImageSources, report: ImageReport,
                  size_of: Callable[[str], tuple[int, int] | None] = image_size) -> str:
    """``html`` with every ``<img>`` finished as the module docstring says."""
    if "<img" not in html and "<IMG" not in html:
        return html

    def finish(match: re.Match) -> str:
        tag = match.group(0)
        attrs = dict(_attributes(tag))
        added: dict[str, str] = {}
        src = attrs.get("src") or ""
        out = sources.output_path(src) if src else None
        if out is not None:
            outside = out.startswith("/")  # a root-relative URL outside the base path
            path = None if outside else sources.find(out)
            if path is None:
                report.missing.append(src)
                if not outside:  # the page depends on their absence: adding the file renders it again
                    report.files.update(str(c) for c in sources.candidates(out))
            else:
                if out not in sources.figures:
                    report.files.add(str(path))
                size = size_of(str(path))
                if size is not None:
                    added.update(_dimensions(attrs, size))
        if "loading" not in attrs:
            added["loading"] = "lazy"
        if "decoding" not in attrs:
            added["decoding"] = "async"
        if not added:
            return tag
        end = -2 if tag.endswith("/>") else -1
        extra = "".join(f' {name}="{value}"' for name, value in added.items())
        return tag[:end].rstrip() + extra + tag[end:]

    return _IMG.sub(finish, html)


def eager_first_image(html: str) -> str:
    """The first ``<img>`` of a page loads at once (it is usually in view): ``loading="eager"``."""
    match = _IMG.search(html)
    if match is None or 'loading="lazy"' not in match.group(0):
        return html
    tag = _LAZY.sub(' loading="eager"', match.group(0), count=1)
    return html[: match.start()] + tag + html[match.end():]
