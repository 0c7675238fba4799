"""``_config.yml`` -> ``config.yml``: what a Jekyll site's settings become here.

Carried: ``title``, ``description``, ``author`` (its ``name`` when it is a
mapping), ``url`` (scheme and host), ``baseurl``, ``permalink`` (Jekyll's
named styles and ``:output_ext`` written out as patterns; Jekyll's default is
``date``), ``timezone``, ``paginate`` (as ``posts_per_page``),
``excerpt_separator``, ``lang``, ``markdown: kramdown`` (Jekyll's default: the
kramdown dialect) and the kramdown options that matter (``input: kramdown``
gives kramdown's heading ids).  Pages get the URL suffix Jekyll gave them
(``page_permalink``).  ``exclude``/``include`` steer the walk.  Everything else
is reported, with its line: plugins, the theme, collections, front matter
defaults, Sass, and site variables only the theme's layouts read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..config import PERMALINK_STYLES, PERMALINK_TOKENS, normalize_base_url
from .report import ImportReport

CONFIG = "_config.yml"

#: Plugins whose work gdblog does itself.
BUILT_IN_PLUGINS = {
    "jekyll-feed": "gdblog writes feed.xml", "jekyll-sitemap": "gdblog writes sitemap.xml",
    "jekyll-seo-tag": "gdblog's pages carry their own meta tags", "jekyll-paginate": "gdblog paginates the index",
    "jekyll-paginate-v2": "gdblog paginates the index", "jekyll-relative-links": "links are resolved as written",
    "jekyll-optional-front-matter": "", "jekyll-readme-index": "", "jekyll-titles-from-headings":
    "gdblog takes a missing title from the first heading", "jekyll-default-layout": "", "jekyll-github-metadata": "",
}
#: Jekyll's own build settings: they mean nothing to a gdblog site.
BUILD_SETTINGS = {
    "source", "destination", "safe", "incremental", "keep_files", "encoding", "markdown_ext", "strict_front_matter",
    "show_drafts", "future", "unpublished", "lsi", "limit_posts", "port", "host", "livereload", "quiet", "verbose",
    "profile", "liquid", "webrick", "detach", "show_dir_listing", "highlighter", "disable_disk_cache", "data_dir",
    "layouts_dir", "includes_dir", "plugins_dir", "cache_dir", "collections_dir", "baseurl", "exclude", "include",
    "whitelist", "gems", "plugins", "theme", "remote_theme", "collections", "defaults", "sass", "kramdown",
    "markdown", "permalink", "paginate", "paginate_path", "title", "description", "author", "url", "timezone",
    "excerpt_separator", "lang", "rdiscount", "redcarpet", "commonmark", "mathjax", "katex",
}
#: Front matter defaults that mean nothing here (MathJax loads on every page with math anyway).
HARMLESS_DEFAULTS = {"layout", "comments", "mathjax", "math", "katex", "share", "related", "read_time"}
#: Jekyll's default excludes (Jekyll::Configuration::DEFAULT_EXCLUDES) and what the import never copies.
DEFAULT_EXCLUDES = [".sass-cache", ".jekyll-cache", ".jekyll-metadata", "gemfiles", "Gemfile", "Gemfile.lock",
                    "Gemfile*", "node_modules", "vendor", "_site"]


@dataclass
class JekyllSettings:
    """What the import needs from ``_config.yml`` beyond config.yml itself."""

    config: dict[str, Any] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    kramdown: bool = True
    #: Jekyll's permalink setting as written (a style name or a pattern), for page URLs.
    permalink_style: str = "date"
    permalink: str = PERMALINK_STYLES["date"]


def key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key of a YAML mapping."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


def translate_config(raw: dict[str, Any], text: str, report: ImportReport) -> JekyllSettings:
    """Translate ``_config.yml`` (``raw``, read from ``text``); record what is not carried in ``report``."""
    lines = key_lines(text)
    settings = JekyllSettings()
    out = settings.config

    def skip(key: str, message: str, hint: str | None = None) -> None:
        report.skip(CONFIG, lines.get(key), message, hint)

    for key in ("title", "description"):
        if isinstance(raw.get(key), (str, int, float)) and not isinstance(raw.get(key), bool):
            out[key] = str(raw[key]).strip()
    author = raw.get("author")
    if isinstance(author, dict) and isinstance(author.get("name"), str):
        out["author"] = author["name"]
        if set(author) - {"name"}:
            skip("author", f"author's {', '.join(sorted(set(author) - {'name'}))} (only the name is carried)")
    elif isinstance(author, str):
        out["author"] = author
    _urls(raw, out, skip)
    if isinstance(raw.get("lang"), str):
        out["language"] = raw["lang"]
    if raw.get("timezone") is not None:
        out["timezone"] = str(raw["timezone"])
    _permalinks(raw, settings, skip, lambda message: report.note(CONFIG, lines.get("permalink"), message))
    paginate = raw.get("paginate")
    if isinstance(paginate, int) and not isinstance(paginate, bool) and paginate >= 1:
        out["posts_per_page"] = paginate
        report.note(CONFIG, lines.get("paginate"), f"paginate: {paginate} is posts_per_page: {paginate}")
    if raw.get("paginate_path") is not None:
        skip("paginate_path", f"paginate_path {raw['paginate_path']!r}: index pages after the first are "
                              "/page/2/, /page/3/ ... here")
    if isinstance(raw.get("excerpt_separator"), str):
        out["excerpt_separator"] = raw["excerpt_separator"]
    _markdown(raw, settings, skip)
    _walk_settings(raw, settings, skip)
    _theme_and_plugins(raw, skip, report, lines)
    _defaults(raw.get("defaults"), skip)
    for key in raw:
        if str(key) not in BUILD_SETTINGS:
            skip(str(key), f"site variable {key!r}: only the theme's layouts read it",
                 "gdblog's templates do not; posts can use {{ site.title }}, {{ site.url }}, {{ site.baseurl }}")
    return settings


def _urls(raw: dict, out: dict, skip) -> None:
    url = raw.get("url")
    base = raw.get("baseurl")
    if isinstance(url, str) and url.strip():
        match = re.match(r"^(https?://[^/\s]+)(/[^\s]*)?$", url.strip())
        if match:
            out["url"] = match.group(1)
            if match.group(2) and match.group(2).strip("/"):
                if not base:
                    base = match.group(2)
                else:
                    skip("url", f"the path of url {url!r} (baseurl is {base!r})")
        else:
            skip("url", f"url {url!r} is not https://host", "set url in config.yml to scheme and host")
    if isinstance(base, str) and base.strip("/ "):
        try:
            out["base_url"] = normalize_base_url(base)
        except ValueError as exc:
            skip("baseurl", str(exc))


def _permalinks(raw: dict, settings: JekyllSettings, skip, note) -> None:
    value = raw.get("permalink", "date")
    value = str(value).strip() if value is not None else "date"
    settings.permalink_style = value
    if value in PERMALINK_STYLES:
        pattern = PERMALINK_STYLES[value]
    elif value == "weekdate":
        pattern = PERMALINK_STYLES["date"]
        skip("permalink", "permalink: weekdate (gdblog has no :week and :short_day); posts use the date style",
             "their URLs change: /:categories/:year/:month/:day/:title.html")
    else:
        pattern = ("/" + value.lstrip("/")).replace(":output_ext", ".html")
        unknown = [t for t in re.findall(r":([a-z_]+)", pattern) if t not in PERMALINK_TOKENS]
        if unknown:
            skip("permalink", f"permalink {value!r} uses :{', :'.join(unknown)}, which gdblog does not have; "
                              "posts use the date style", "their URLs change")
            pattern = PERMALINK_STYLES["date"]
    settings.permalink = pattern
    settings.config["permalink"] = pattern
    if pattern != value:
        note(f"permalink: {value}{'' if 'permalink' in raw else ' (Jekyll default)'} is written out as {pattern}")
    pretty = value == "pretty" or (value not in PERMALINK_STYLES and value.endswith("/"))
    settings.config["page_permalink"] = "/:slug/" if pretty else "/:slug.html"


def _markdown(raw: dict, settings: JekyllSettings, skip) -> None:
    engine = str(raw.get("markdown", "kramdown"))
    if engine.lower() != "kramdown":
        settings.kramdown = False
        skip("markdown", f"markdown: {engine}: posts are read with gdblog's own Markdown rules",
             "check the math in a few posts")
        return
    settings.config["markdown"] = "kramdown"
    options = raw.get("kramdown") or {}
    if not isinstance(options, dict):
        return
    if str(options.get("input", "GFM")).lower() == "kramdown":
        settings.config["heading_ids"] = "kramdown"
    elif str(options.get("input", "GFM")).lower() != "gfm":
        skip("kramdown", f"kramdown input {options.get('input')!r}: read as GFM")
    changes = {"hard_wrap": (True, "line breaks inside paragraphs are not <br> here"),
               "auto_ids": (False, "headings get ids here"),
               "parse_block_html": (True, "Markdown inside HTML blocks stays raw here"),
               "parse_span_html": (False, "Markdown inside inline HTML is read here")}
    for key, (value, consequence) in changes.items():
        if options.get(key) == value:
            skip("kramdown", f"kramdown option {key}: {str(value).lower()} ({consequence})")
    if options.get("math_engine") not in (None, "mathjax"):
        skip("kramdown", f"kramdown math_engine {options.get('math_engine')!r}: formulas are typeset by MathJax here")
    for key in ("auto_id_prefix", "toc_levels", "footnote_prefix", "abbreviations"):
        if key in options:
            skip("kramdown", f"kramdown option {key}")


def _walk_settings(raw: dict, settings: JekyllSettings, skip) -> None:
    for key in ("exclude", "include"):
        value = raw.get(key) or []
        value = [value] if isinstance(value, str) else value
        if isinstance(value, list):
            getattr(settings, key).extend(str(v) for v in value)
    collections = raw.get("collections") or {}
    names = list(collections) if isinstance(collections, (dict, list)) else []
    for name in names:
        name = str(name)
        if name != "posts":
            settings.collections.append(name)
            skip("collections", f"collection {name!r} (_{name}/): gdblog has posts and pages only",
                 f"move its documents into content/pages/{name}/ if they should be pages")


def _theme_and_plugins(raw: dict, skip, report: ImportReport, lines: dict[str, int]) -> None:
    for key in ("theme", "remote_theme"):
        if raw.get(key):
            skip(key, f"{key} {raw[key]}: gdblog's theme replaces it",
                 'if it loaded MathJax with $...$ as inline math, set math_inline: ["$", "\\\\("] in config.yml')
    for key in ("plugins", "gems", "whitelist"):
        value = raw.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            continue
        for plugin in value:
            plugin = str(plugin)
            if plugin in BUILT_IN_PLUGINS and key != "whitelist":
                why = BUILT_IN_PLUGINS[plugin]
                report.note(CONFIG, lines.get(key), f"plugin {plugin}: not needed" + (f" ({why})" if why else ""))
            elif key != "whitelist":
                skip(key, f"plugin {plugin}: gdblog runs no Jekyll plugins",
                     "what it added to pages is missing; Liquid tags it defined are left as text")
    if raw.get("sass"):
        skip("sass", "Sass settings: gdblog's theme has its own CSS (override it in assets/theme/)")


def _defaults(defaults: Any, skip) -> None:
    if not isinstance(defaults, list):
        return
    for item in defaults:
        if not isinstance(item, dict) or not isinstance(item.get("values"), dict):
            continue
        values = {k: v for k, v in item["values"].items() if k not in HARMLESS_DEFAULTS}
        if not values:
            continue
        scope = item.get("scope") or {}
        where = ", ".join(f"{k} {v!r}" for k, v in scope.items()) if isinstance(scope, dict) else ""
        shown = ", ".join(f"{k}: {v}" for k, v in values.items())
        skip("defaults", f"front matter defaults ({shown}) for {where or 'every file'}",
             "gdblog has no front matter defaults: add the keys to the files that need them")
