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
#: Chart libraries of notebook outputs, loaded only by pages with such a chart.
PLOTLY_URL = "https://cdn.jsdelivr.net/npm/plotly.js-dist-min@4.1.2/plotly.min.js"
VEGA_URL = "https://cdn.jsdelivr.net/npm/vega@6.4.0/build/vega.min.js"
VEGA_LITE_URL = "https://cdn.jsdelivr.net/npm/vega-lite@6.5.0/build/vega-lite.min.js"
VEGA_EMBED_URL = "https://cdn.jsdelivr.net/npm/vega-embed@7.3.0/build/vega-embed.min.js"
#: Settings of ``notebooks:`` and their types (see the README's "Notebooks").
NOTEBOOK_KEYS = {"execute": bool, "scripts": bool, "repository": str, "branch": str, "path": str}


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
    #: How posts are read: ``gdblog`` (our Markdown and math rules) or ``kramdown``
    #: (as Jekyll's kramdown and the blog's MathJax read them; see ``gdblog import jekyll``).
    markdown: str = "gdblog"
    #: ``markdown: kramdown`` only: the inline math delimiters the blog's MathJax read,
    #: ``$`` and/or ``\\(`` (its default).  With ``$``, single dollars pair as MathJax pairs them.
    math_inline: tuple = ("\\(",)
    mathjax_url: str = MATHJAX_URL
    #: TeX macros available in every post: ``{RR: "\\mathbb{R}", norm: ["\\lVert #1 \\rVert", 1]}``.
    math_macros: dict = field(default_factory=dict)
    mermaid_url: str = MERMAID_URL
    plantuml_server: str = PLANTUML_SERVER
    #: Default options of executable cells (``timeout``, ``echo``, ``seed``, ...).
    exec: dict = field(default_factory=dict)
    #: Jupyter notebooks: ``execute`` (run them), ``scripts`` (keep scripts of HTML outputs),
    #: ``repository``/``branch``/``path`` (Colab and Binder links).
    notebooks: dict = field(default_factory=dict)
    plotly_url: str = PLOTLY_URL
    vega_url: str = VEGA_URL
    vega_lite_url: str = VEGA_LITE_URL
    vega_embed_url: str = VEGA_EMBED_URL
    #: Defaults meet WCAG AA (4.5:1) for every token on their own background.
    highlight_light: str = "xcode"
    highlight_dark: str = "monokai"
    #: Glob patterns (relative to ``content/``) of files to leave out.
    exclude: tuple = ()
    #: Values for Quarto's ``{{< var key >}}`` shortcode (nested mappings reached with dotted keys).
    vars: dict = field(default_factory=dict)
    #: Bibliography file(s) for citations in every post (.bib or CSL-JSON, relative to the site).
    bibliography: tuple = ()
    #: Citation style for every post: a .csl file (relative to the site) or a style name such as ``apa``.
    csl: str = ""
    #: Full-text search with Pagefind (header box, index built after the site).
    search: bool = True
    #: ``scroll`` (default) or ``wrap``: what long code lines do (a post's ``code-overflow`` wins).
    code_overflow: str = "scroll"
    #: Make a PNG card (title, date, site name) for posts without an image of their own.
    social_cards: bool = False
    #: ``{giscus: {...}}`` or ``{utterances: {...}}`` (see generator/integrations.py); empty: none.
    comments: dict = field(default_factory=dict)
    #: ``{plausible: domain}``, ``{goatcounter: code}`` or ``{google: id}``; empty: none.
    analytics: dict = field(default_factory=dict)
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
        """A stable text that changes whenever a setting that affects pages changes.

        Left out: where and how the build runs, and the highlight styles (they only
        change ``pygments.css``, whose own key holds them).
        """
        data = dataclasses.asdict(self)
        for key in ("output", "jobs", "drafts", "highlight_light", "highlight_dark"):
            data.pop(key)
        return repr(sorted(data.items()))


_FIELDS = {f.name: f for f in dataclasses.fields(SiteConfig)}
_INT_KEYS = {"posts_per_page": 1, "feed_limit": 0, "toc_min_headings": 0, "jobs": 1}
_DICT_KEYS = {"math_macros", "exec", "vars", "notebooks"}
_BOOL_KEYS = {"drafts", "search", "social_cards", "follow_symlinks"}
#: Keys also accepted with a hyphen, as Quarto spells them.
_ALIASES = {"code-overflow": "code_overflow", "social-cards": "social_cards"}
#: Keys whose value may be null in the file (meaning: the default).
_NULLABLE = {"jobs"}
_CHOICES = {"heading_ids": ("gfm", "kramdown"), "markdown": ("gdblog", "kramdown")}
#: Jekyll's named permalink styles (Jekyll::Configuration STYLE_TO_PERMALINK), ``:output_ext`` as ``.html``.
PERMALINK_STYLES = {
    "date": "/:categories/:year/:month/:day/:title.html",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title.html",
    "none": "/:categories/:title.html",
}
#: Placeholders a permalink may use.
PERMALINK_TOKENS = ("year", "month", "day", "i_month", "i_day", "short_year", "y_day", "hour", "minute", "second",
                    "slug", "title", "categories")
#: Openers of the inline math delimiters ``math_inline`` may list, with their closers.
MATH_INLINE = {"$": "$", "\\(": "\\)"}


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


def _check_mapping(key: str, value: dict, fail) -> None:
    """Mappings whose keys are known: ``notebooks``."""
    problem = _notebooks_problem(value) if key == "notebooks" else None
    if problem:
        raise fail(key, problem, "keys: " + ", ".join(NOTEBOOK_KEYS))


def _notebooks_problem(value: dict) -> str | None:
    for name, setting in value.items():
        wanted = NOTEBOOK_KEYS.get(str(name))
        if wanted is None:
            return f"unknown notebooks setting {name!r}"
        if not isinstance(setting, wanted):
            return f"notebooks.{name} must be {'true or false' if wanted is bool else 'text'}, got {setting!r}"
    return None


def _validate(raw: dict[str, Any], path: str, text: str) -> dict[str, Any]:
    lines: dict[str, int] | None = None

    def fail(key: str, message: str, hint: str | None = None) -> BuildError:
        nonlocal lines
        if lines is None:
            lines = _key_lines(text)
        return BuildError(message, path=path, line=lines.get(key), hint=hint)

    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = _ALIASES.get(str(key), str(key))
        if key not in _FIELDS:
            close = difflib.get_close_matches(key, _FIELDS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(sorted(_FIELDS))
            raise fail(key, f"unknown configuration key {key!r}", hint)
        if value is None and key in _NULLABLE:
            continue
        value = _typed(key, value, fail)
        values[key] = _checked_text(key, value, fail) if isinstance(value, str) else value
    if "math_inline" in values and values.get("markdown") != "kramdown":
        raise fail("math_inline", "math_inline only applies with 'markdown: kramdown'",
                   "add 'markdown: kramdown' (posts moved from Jekyll), or remove math_inline")
    return values


def _typed(key: str, value: Any, fail) -> Any:
    """``value`` of the type ``key`` takes (a text for the text keys), or a BuildError from ``fail``."""
    if key in _INT_KEYS:
        if isinstance(value, bool) or not isinstance(value, int) or value < _INT_KEYS[key]:
            raise fail(key, f"{key} must be a whole number >= {_INT_KEYS[key]}, got {value!r}")
        return value
    if key in _DICT_KEYS:
        if not isinstance(value, dict):
            raise fail(key, f"{key} must be a mapping (key: value lines), got {type(value).__name__}")
        _check_mapping(key, value, fail)
        return value
    if key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise fail(key, f"{key} must be true or false, got {value!r}")
        return value
    if key in ("comments", "analytics"):
        return _integration(key, value, fail)
    if key == "math_inline":
        return _math_inline(value, lambda message, hint=None, key=key: fail(key, message, hint))
    if key in ("exclude", "bibliography"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, f"{key} must be a path or a list of paths" if key == "bibliography"
                       else "exclude must be a list of glob patterns")
        return tuple(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise fail(key, f"{key} must be text, got {type(value).__name__}")
    return str(value)


def _checked_text(key: str, value: str, fail) -> str:
    """A text setting, normalised (base_url, url, permalinks) and checked against its choices."""
    if key == "base_url":
        try:
            value = normalize_base_url(value)
        except ValueError as exc:
            raise fail(key, str(exc)) from None
    if key == "code_overflow" and value not in ("scroll", "wrap"):
        raise fail(key, f"code_overflow must be scroll or wrap, got {value!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        close = difflib.get_close_matches(value, _CHOICES[key], n=1)
        raise fail(key, f"{key} must be {' or '.join(_CHOICES[key])}, got {value!r}",
                   f"did you mean {close[0]!r}?" if close else None)
    if key in ("permalink", "page_permalink"):
        value = _permalink(key, value, lambda message, hint=None, key=key: fail(key, message, hint))
    if key == "url":
        value = value.rstrip("/")
        if value and not re.match(r"^https?://[^/\s]+$", value):
            raise fail(key, f"url must be scheme and host only, like https://user.github.io, got {value!r}",
                       "put a path prefix such as /repo/ in base_url")
    return value


def _permalink(key: str, value: str, fail) -> str:
    """A permalink pattern: Jekyll's named styles become their patterns, ``:output_ext`` is ``.html``."""
    if key == "permalink" and value in PERMALINK_STYLES:
        return PERMALINK_STYLES[value]
    if value == "weekdate":
        raise fail("the permalink style weekdate is not supported (it needs :week and :short_day)",
                   "write a pattern, e.g. /:categories/:year/:month/:day/:title.html")
    if not value.startswith("/"):
        close = difflib.get_close_matches(value, PERMALINK_STYLES, n=1) if key == "permalink" else []
        raise fail(f"{key} must start with '/'" + (" or be date, pretty, ordinal or none" if key == "permalink"
                                                 else "") + f", got {value!r}",
                   f"did you mean {close[0]!r}?" if close else None)
    value = value.replace(":output_ext", ".html")
    for token in re.findall(r":([a-z_]+)", value):
        if token not in PERMALINK_TOKENS:
            close = difflib.get_close_matches(token, PERMALINK_TOKENS, n=1)
            raise fail(f"{key}: unknown placeholder :{token}",
                       f"did you mean :{close[0]}?" if close else "placeholders: :" + " :".join(PERMALINK_TOKENS))
    return value


def _math_inline(value: Any, fail) -> tuple[str, ...]:
    """``["$", "\\("]``; MathJax's own pairs (``[["$", "$"], ["\\(", "\\)"]]``) are accepted too."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise fail('math_inline must be a list such as ["$", "\\\\("]')
    openers: list[str] = []
    for item in items:
        if isinstance(item, list) and len(item) == 2 and item[0] in MATH_INLINE and MATH_INLINE[item[0]] == item[1]:
            item = item[0]
        if not isinstance(item, str) or item not in MATH_INLINE:
            raise fail(f"math_inline: {item!r} is not an inline delimiter gdblog reads",
                       'use "$" and/or "\\(" (in YAML: "$" and "\\\\(")')
        if item not in openers:
            openers.append(item)
    return tuple(openers)


def _integration(key: str, value: Any, fail) -> dict:
    """The checked settings of ``comments`` or ``analytics`` (empty or null: off)."""
    from .integrations import check_analytics, check_comments

    if value is None or value == {}:
        return {}
    checked, problem = (check_comments if key == "comments" else check_analytics)(value)
    if problem:
        raise fail(key, problem)
    return checked


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
