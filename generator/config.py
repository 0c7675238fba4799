"""Site configuration: one YAML file at the site root, validated with line numbers.

The file is ``config.yml``.  Every key is optional; an unknown key or a value of
the wrong type stops the build with ``config.yml:LINE: ...`` so a typo never
silently does nothing.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BuildError
from .limits import TOO_LARGE_HINT, describe, too_large

CONFIG_NAME = "config.yml"

MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml-full.js"
MERMAID_URL = "https://cdn.jsdelivr.net/npm/mermaid@11.12.2/dist/mermaid.min.js"
PLANTUML_SERVER = "https://www.plantuml.com/plantuml"


@dataclass(frozen=True)
class SiteConfig:
    """Everything a build needs to know about the site, after validation."""

    title: str = "A math blog"
    description: str = ""
    author: str = ""
    #: Scheme and host, no path: ``https://user.github.io``.  Used for the feed,
    #: the sitemap and canonical links.
    url: str = ""
    #: Path prefix the site is served under: ``/`` for a user site,
    #: ``/repo/`` for a GitHub project site.  Always starts and ends with ``/``.
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    #: Post URL pattern; tokens ``:year :month :day :i_month :i_day :short_year
    #: :slug :title :categories``.  A trailing ``/`` writes ``index.html``.
    permalink: str = "/posts/:slug/"
    page_permalink: str = "/:slug/"
    posts_per_page: int = 10
    feed_limit: int = 20
    #: Posts with at least this many ``##``/``###`` headings get a table of contents.
    toc_min_headings: int = 4
    excerpt_separator: str = "<!--more-->"
    #: How heading ids are made: ``gfm`` (GitHub and Jekyll's default) or ``kramdown``
    #: (Jekyll with ``kramdown: {input: kramdown}``).
    heading_ids: str = "gfm"
    mathjax_url: str = MATHJAX_URL
    #: TeX macros available in every post: ``{RR: "\\mathbb{R}", norm: ["\\lVert #1 \\rVert", 1]}``.
    math_macros: dict = field(default_factory=dict)
    mermaid_url: str = MERMAID_URL
    plantuml_server: str = PLANTUML_SERVER
    #: Default options of executable cells (``timeout``, ``echo``, ``seed``, ...).
    exec: dict = field(default_factory=dict)
    highlight_light: str = "friendly"
    highlight_dark: str = "monokai"
    #: Glob patterns (relative to ``content/``) of files to leave out.
    exclude: tuple = ()
    #: Symlinks inside the site that resolve inside it are followed; with false, every
    #: symlink is published as the link itself (see generator/fileio.py).
    follow_symlinks: bool = True
    #: Settings below are usually given on the command line.
    output: str = "_site"
    drafts: bool = False
    jobs: int | None = None

    @property
    def base_path(self) -> str:
        return self.base_url

    @property
    def absolute_base(self) -> str:
        """``url`` + ``base_url`` without the trailing slash: the site's absolute root."""
        return self.url.rstrip("/") + self.base_url.rstrip("/")

    def fingerprint(self) -> str:
        """A stable text that changes whenever a setting that affects pages changes."""
        data = dataclasses.asdict(self)
        for key in ("output", "jobs", "drafts"):
            data.pop(key)
        return repr(sorted(data.items()))


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig)}
_INT_KEYS = {"posts_per_page": 1, "feed_limit": 0, "toc_min_headings": 0, "jobs": 1}
_DICT_KEYS = {"math_macros", "exec"}
#: Keys whose value may be null in the file (meaning: the default).
_NULLABLE = {"jobs"}


def normalize_base_url(value: str) -> str:
    """``repo`` / ``/repo`` / ``/repo/`` / ``https://x.io/repo`` all become ``/repo/``."""
    value = value.strip()
    value = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", value)
    parts = [p for p in value.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ValueError(f"base_url {value!r} must not contain '.' or '..' segments")
    return "/" + "".join(p + "/" for p in parts)


def _key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key, for error messages."""
    import yaml

    lines: dict[str, int] = {}
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
    return lines


def _validate(raw: dict[str, Any], path: str, text: str) -> dict[str, Any]:
    lines: dict[str, int] | None = None

    def fail(key: str, message: str, hint: str | None = None) -> BuildError:
        nonlocal lines
        if lines is None:
            lines = _key_lines(text)
        return BuildError(message, path=path, line=lines.get(key), hint=hint)

    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key not in _FIELDS:
            close = difflib.get_close_matches(key, _FIELDS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(sorted(_FIELDS))
            raise fail(key, f"unknown configuration key {key!r}", hint)
        if value is None and key in _NULLABLE:
            continue
        if key in _INT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or value < _INT_KEYS[key]:
                raise fail(key, f"{key} must be a whole number >= {_INT_KEYS[key]}, got {value!r}")
        elif key in _DICT_KEYS:
            if not isinstance(value, dict):
                raise fail(key, f"{key} must be a mapping (key: value lines), got {type(value).__name__}")
        elif key in ("drafts", "follow_symlinks"):
            if not isinstance(value, bool):
                raise fail(key, f"{key} must be true or false, got {value!r}")
        elif key == "exclude":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise fail(key, "exclude must be a list of glob patterns")
            value = tuple(value)
        else:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise fail(key, f"{key} must be text, got {type(value).__name__}")
            value = str(value)
        if key == "base_url":
            try:
                value = normalize_base_url(value)
            except ValueError as exc:
                raise fail(key, str(exc)) from None
        if key == "heading_ids" and value not in ("gfm", "kramdown"):
            raise fail(key, f"heading_ids must be gfm or kramdown, got {value!r}")
        if key in ("permalink", "page_permalink") and not value.startswith("/"):
            raise fail(key, f"{key} must start with '/', got {value!r}")
        if key == "url":
            value = value.rstrip("/")
            if value and not re.match(r"^https?://[^/\s]+$", value):
                raise fail(key, f"url must be scheme and host only, like https://user.github.io, got {value!r}",
                           "put a path prefix such as /repo/ in base_url")
        values[key] = value
    return values


def load_config(site_root: Path, overrides: dict[str, Any] | None = None) -> SiteConfig:
    """Read ``config.yml`` (if any) under ``site_root`` and apply command-line overrides."""
    import yaml

    path = site_root / CONFIG_NAME
    raw: dict[str, Any] = {}
    text = ""
    if os.path.lexists(path):
        from .fileio import read_bytes

        try:
            text = read_bytes(path, CONFIG_NAME).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BuildError(f"not valid UTF-8 text ({exc.reason} at byte {exc.start})",
                             path=CONFIG_NAME, hint="save the file as UTF-8") from None
        try:
            loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            raise BuildError(f"invalid YAML: {problem}", path=CONFIG_NAME,
                             line=mark.line + 1 if mark else None) from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise BuildError("the configuration must be a mapping of key: value lines",
                             path=CONFIG_NAME, line=1)
        if "*" in text and too_large(loaded):   # YAML aliases: checking it would take exponential time
            key = next((k for k in loaded if too_large(loaded[k])), None)
            raise BuildError(describe("the configuration"), path=CONFIG_NAME,
                             line=_key_lines(text).get(str(key), 1), hint=TOO_LARGE_HINT)
        raw = loaded
    values = _validate(raw, CONFIG_NAME, text)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key == "base_url":
            try:
                value = normalize_base_url(value)
            except ValueError as exc:
                raise BuildError(f"--base-url: {exc}") from None
        if key == "url":
            value = value.rstrip("/")
            if value and not re.match(r"^https?://[^/\s]+$", value):
                raise BuildError(f"--url must be scheme and host only, like https://user.github.io, got {value!r}")
        values[key] = value
    return SiteConfig(**values)


def config_line(site_root: Path, key: str) -> int | None:
    """Line of a top-level key in the site's config.yml (for a message about its value), or None."""
    try:
        text = (site_root / CONFIG_NAME).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return _key_lines(text).get(key)
