"""``gdblog import jekyll SRC DEST``: make a gdblog site of a Jekyll site folder.

What goes where (SRC is only ever read):

===========================  ==============================================
Jekyll (SRC)                 gdblog (DEST)
===========================  ==============================================
``_posts/**``                ``content/posts/**``, byte for byte
``<category>/_posts/**``     ``content/posts/<category>/**``
``_drafts/**``               ``content/posts/drafts/**`` with ``draft: true``
pages (front matter)         ``content/pages/**`` (HTML ones as ``.md`` in
                             ``{::nomarkdown}``; a ``permalink:`` added where
                             our URL would differ from Jekyll's)
``assets/**``                ``assets/**``
other static files           ``content/**`` (served at the same URLs)
``CNAME``                    ``CNAME``
``_includes/``, ``_data/``   ``_includes/``, ``_data/``
``_config.yml``              ``config.yml`` (:mod:`.jekyll_config`), with
                             ``math_macros`` and ``math_inline`` from the
                             MathJax set-up of ``_includes/`` and ``_layouts/``
===========================  ==============================================

The result is written into a staging folder beside DEST and moved into
place only when everything succeeded; a DEST that exists and is not empty is
refused.  Everything that does not come over is in the returned report.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import BuildError
from .jekyll_config import CONFIG, JekyllSettings, translate_config
from .jekyll_liquid import LiquidTargets, scan_includes, scan_liquid
from .jekyll_site import (HTML_EXTENSIONS, MARKDOWN_EXTENSIONS, Entry, SiteFiles, jekyll_page_url, jekyll_slugify,
                          walk_site)
from .mathsetup import MathSetup, read_math_setup
from .report import ImportReport, plural

_FRONT = re.compile(r"(?:\ufeff)?---[ \t]*\r?\n")
_FRONT_END = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
_TEMPLATE_WHY = {"feed.xml": "gdblog writes feed.xml", "atom.xml": "gdblog writes feed.xml",
                 "sitemap.xml": "gdblog writes sitemap.xml", "robots.txt": "gdblog writes robots.txt"}


def import_jekyll(src: Path, dest: Path) -> ImportReport:
    """Import the Jekyll site at ``src`` into the new gdblog site ``dest``; returns what happened.

    Raises :class:`BuildError` when ``src`` is not a Jekyll site, ``dest`` is
    not empty, or ``_config.yml`` cannot be read."""
    src, dest = src.resolve(), dest.resolve()
    _check_folders(src, dest)
    report = ImportReport(source=src, dest=dest)
    raw, text = _read_config(src)
    settings = translate_config(raw, text, report)
    files = walk_site(src, settings, skip=dest if src in dest.parents else None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.importing-", dir=dest.parent))
    try:
        _carry_posts(src, staging, files, settings, report)
        _carry_pages(src, staging, files, settings, report)
        _carry_files(src, staging, files, report)
        _report_unsupported(files, report)
        setup = read_math_setup(_setup_files(src, files))
        report.config = _site_config(settings, setup, report)
        _write_config(staging, report.config)
        _scan_liquid(src, files, report)
        _move_into_place(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _check_folders(src: Path, dest: Path) -> None:
    if not src.is_dir():
        raise BuildError(f"{src} is not a folder", hint="give the folder of the Jekyll site (with _config.yml)")
    if not (src / CONFIG).is_file() and not (src / "_posts").is_dir():
        raise BuildError(f"{src} does not look like a Jekyll site: it has no _config.yml and no _posts/")
    if dest == src or dest in src.parents:
        raise BuildError(f"{dest} contains the Jekyll site", hint="import into a new, empty folder")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BuildError(f"{dest} is not empty", hint="import into a new folder, or empty this one first")


def _read_config(src: Path) -> tuple[dict[str, Any], str]:
    import yaml

    path = src / CONFIG
    if not path.is_file():
        return {}, ""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BuildError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=path,
                         line=mark.line + 1 if mark else None) from None
    if raw is None:
        return {}, text
    if not isinstance(raw, dict):
        raise BuildError("_config.yml must be a mapping of key: value lines", path=path, line=1)
    return raw, text


def _move_into_place(staging: Path, dest: Path) -> None:
    if dest.exists():
        dest.rmdir()                    # checked empty at the start
    os.replace(staging, dest)


# --------------------------------------------------------------------------
# posts and pages

def _copy(src: Path, rel: str, out: Path, out_rel: str) -> None:
    target = out / out_rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / rel, target)


def _read(path: Path) -> str:
    """A file's text; bytes that are not UTF-8 survive a round trip through :func:`_write`."""
    return path.read_bytes().decode("utf-8", errors="surrogateescape")


def _write(out: Path, out_rel: str, text: str) -> None:
    target = out / out_rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8", errors="surrogateescape"))


def _add_front_matter(text: str, line: str) -> str:
    """``text`` with ``line`` added as the first front matter entry (a front matter is made if needed)."""
    newline = "\r\n" if "\r\n" in text[:400] else "\n"
    match = _FRONT.match(text)
    if match:
        return text[: match.end()] + line + newline + text[match.end():]
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return bom + "---" + newline + line + newline + "---" + newline + text[len(bom):]


def _front_matter(text: str) -> tuple[dict, int] | None:
    """(front matter, offset of the body) or None when there is none or it is not valid YAML."""
    import yaml

    match = _FRONT.match(text)
    if not match:
        return None
    end = _FRONT_END.search(text, match.end())
    if end is None:
        return None
    try:
        meta = yaml.safe_load(text[match.end(): end.start()]) or {}
    except yaml.YAMLError:
        return None
    body = text.find("\n", end.start())
    return (meta if isinstance(meta, dict) else {}), (len(text) if body < 0 else body + 1)


def _carry_posts(src: Path, out: Path, files: SiteFiles, settings: JekyllSettings, report: ImportReport) -> None:
    categories: dict[str, int] = {}
    for entry in files.of("post"):
        inside = entry.rel.split("_posts/", 1)[1]
        folder = entry.category + "/" if entry.category else ""
        data = (src / entry.rel).read_bytes()
        target = out / f"content/posts/{folder}{inside}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        report.count("posts")
        if entry.category:
            categories[entry.category] = categories.get(entry.category, 0) + 1
        _check_post_url(entry, data[:4000], settings, report)
    for folder, n in categories.items():
        message = (f"{n} post{'s' * (n > 1)} in {folder}/_posts/: Jekyll added the category "
                   f"{folder.split('/')[-1]!r} from the folder; here only front matter categories count")
        if ":categories" in settings.permalink:
            report.skip(f"{folder}/_posts", None, message, "add 'categories: ...' to them to keep their URLs")
        else:
            report.note(f"{folder}/_posts", None, message)
    for entry in files.of("draft"):
        inside = entry.rel.split("_drafts/", 1)[1]
        if not entry.rel.lower().endswith(MARKDOWN_EXTENSIONS):
            report.skip(entry.rel, None, "a draft that is not Markdown", "gdblog reads Markdown posts only")
            continue
        text = _read(src / entry.rel)
        if not re.search(r"^date\s*:", text[:2000], re.MULTILINE):
            # Jekyll dates a draft by its file's modification time
            stamp = dt.datetime.fromtimestamp((src / entry.rel).stat().st_mtime, dt.timezone.utc)
            text = _add_front_matter(text, f"date: {stamp:%Y-%m-%d %H:%M:%S} +0000")
        if not re.search(r"^draft\s*:", text[:2000], re.MULTILINE):
            text = _add_front_matter(text, "draft: true")
        _write(out, f"content/posts/drafts/{inside}", text)
        report.count("drafts")
    if report.counts.get("drafts"):
        report.note("_drafts", None, "drafts are in content/posts/drafts/ with 'draft: true' and the date of their "
                                     f"file (see them with --drafts): {report.counts['drafts']}")


def _check_post_url(entry: Entry, head: bytes, settings: JekyllSettings, report: ImportReport) -> None:
    """Report a post whose URL changes: Jekyll's :title keeps case and some punctuation."""
    from ..urls import slugify

    if ":title" not in settings.permalink and ":slug" not in settings.permalink:
        return
    name = os.path.splitext(entry.rel.rsplit("/", 1)[-1])[0].split("-", 3)[3]
    if b"slug:" in head or b"permalink:" in head:
        return                          # their own slug or URL: same rule here (gdblog uses it as written)
    jekyll = jekyll_slugify(name, "pretty", cased=True) if ":title" in settings.permalink else jekyll_slugify(name)
    if jekyll != slugify(name):
        report.skip(entry.rel, None, f"its URL changes: Jekyll's :title was {jekyll!r}, here {slugify(name)!r}",
                    f"add 'slug: {jekyll}' to its front matter to keep the old URL")


def _carry_pages(src: Path, out: Path, files: SiteFiles, settings: JekyllSettings, report: ImportReport) -> None:
    from ..urls import slugify, url_to_output

    from ..config import SiteConfig
    from ..listing import reserved_outputs

    reserved = reserved_outputs(SiteConfig())
    for entry in files.of("page"):
        text = _read(src / entry.rel)
        parsed = _front_matter(text)
        if parsed is None:
            report.skip(entry.rel, 1, "its front matter is not valid YAML (or never closed): the build stops here",
                        "fix the front matter in content/pages/")
        meta = parsed[0] if parsed else {}
        permalink = meta.get("permalink")
        url = str(permalink) if permalink else jekyll_page_url(entry.rel, settings.permalink_style)
        url = url if url.startswith("/") else "/" + url
        try:
            url, out_path = url_to_output(url, entry.rel)
        except BuildError as exc:
            report.skip(entry.rel, None, exc.errors[0].message)
            entry.kind = "skipped"
            continue
        if out_path in reserved:
            report.skip(entry.rel, 1, f"page at {url}: gdblog makes that page itself (home, tags, archive, 404, feed)")
            entry.kind = "skipped"
            continue
        stem, ext = os.path.splitext(entry.rel)
        folder, _, name = stem.rpartition("/")
        slug = str(meta["slug"]) if meta.get("slug") is not None else slugify(name)
        ours = settings.config["page_permalink"].replace(":slug", f"{folder}/{slug}" if folder else slug)
        if not permalink and url_to_output(ours, entry.rel)[0] != url:
            text = _add_front_matter(text, "permalink: " + json.dumps(url, ensure_ascii=False))
            report.count("pages given their Jekyll URL")
        if ext.lower() in HTML_EXTENSIONS:
            text = _wrap_html(text, parsed[1] if parsed else 0)
            report.count("HTML pages")
        _write(out, f"content/pages/{entry.rel}" if ext.lower() in (".md", ".markdown") else
               f"content/pages/{stem}.md", text)
        report.count("pages")
    if report.counts.get("HTML pages"):
        report.note(None, None, "HTML pages are .md files, the body wrapped in {::nomarkdown} ... {:/nomarkdown} "
                                f"so it stays raw HTML: {report.counts.pop('HTML pages')}")
    if report.counts.get("pages given their Jekyll URL"):
        report.note(None, None, "pages given a 'permalink:' line with the URL Jekyll gave them: "
                                f"{report.counts.pop('pages given their Jekyll URL')}")


def _wrap_html(text: str, body_at: int) -> str:
    body = text[body_at:]
    body = body if body.endswith("\n") or not body else body + "\n"
    return text[:body_at] + "{::nomarkdown}\n" + body + "{:/nomarkdown}\n"


# --------------------------------------------------------------------------
# everything else

def _carry_files(src: Path, out: Path, files: SiteFiles, report: ImportReport) -> None:
    """Static files, includes and data; static files keep their URLs."""
    from ..config import SiteConfig
    from ..listing import reserved_outputs

    reserved = reserved_outputs(SiteConfig())
    for entry in files.of("include", "data"):
        _copy(src, entry.rel, out, entry.rel)
        report.count("includes" if entry.kind == "include" else "data files")
    for entry in files.of("static"):
        rel = entry.rel
        if rel == "CNAME" or rel.startswith("assets/"):
            _copy(src, rel, out, rel)
        elif rel in reserved or rel == ".nojekyll":
            report.skip(rel, None, f"{rel}: gdblog writes its own")
            continue
        elif rel.lower().endswith(MARKDOWN_EXTENSIONS) and ("/" not in rel or rel.startswith(("posts/", "pages/"))):
            report.skip(rel, None, "a Markdown file without front matter: Jekyll published it as a plain file, "
                                   "here it would become a page", "add a front matter to make it a page")
            continue
        else:
            _copy(src, rel, out, f"content/{rel}")
        report.count("static files")
    if any(e.rel.startswith("assets/theme/") for e in files.of("static")):
        report.note("assets/theme", None, "assets/theme/ replaces files of gdblog's own theme of the same names")


def _report_unsupported(files: SiteFiles, report: ImportReport) -> None:
    for entry in files.of("layout"):
        name = os.path.splitext(entry.rel.split("/", 1)[1])[0]
        report.skip(entry.rel, 1, f"layout {name!r}: the theme replaces it",
                    "to change how pages look, override the theme's templates in templates/ (post.html, ...)")
    for entry in files.of("plugin"):
        report.skip(entry.rel, 1, "a Jekyll plugin: gdblog runs none", "what it added to pages is missing")
    for kind, folder, why in (("sass", "_sass", "Sass: gdblog's theme has its own CSS (override it in "
                                                "assets/theme/style.css)"),
                              ("collection", None, "a collection's documents: gdblog has posts and pages only")):
        counted: dict[str, int] = {}
        for entry in files.of(kind):
            top = folder or entry.rel.split("/", 1)[0]
            counted[top] = counted.get(top, 0) + 1
        for top, n in counted.items():
            report.skip(f"{top}/", None, f"{plural(n, 'files')} of {why}")
    for entry in files.of("template"):
        name = entry.rel.rsplit("/", 1)[-1]
        why = _TEMPLATE_WHY.get(name) or ("Sass: gdblog's theme has its own CSS" if name.endswith((".scss", ".sass"))
                                          else "a file with front matter that only Jekyll's Liquid can fill in")
        report.skip(entry.rel, 1, why)
    for entry in files.of("not-a-post"):
        stem, ext = os.path.splitext(entry.rel.rsplit("/", 1)[-1])
        if ext.lower() in MARKDOWN_EXTENSIONS:
            report.skip(entry.rel, None, "not a post name (YYYY-MM-DD-title.md): Jekyll did not publish it")
        else:
            report.skip(entry.rel, None, f"a {ext or 'plain'} post: gdblog reads Markdown posts only",
                        "convert it to Markdown")


def _setup_files(src: Path, files: SiteFiles) -> list[tuple[str, str]]:
    """Layouts, includes and small scripts that may configure MathJax, with their text."""
    found = []
    for entry in files.of("layout", "include", "static"):
        if entry.kind == "static":
            if not entry.rel.endswith(".js") or entry.rel.endswith(".min.js"):
                continue
            path = src / entry.rel
            if path.stat().st_size > 200_000:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if "MathJax" not in text and "renderMathInElement" not in text:
                continue
        else:
            text = (src / entry.rel).read_text(encoding="utf-8", errors="replace")
        found.append((entry.rel, text))
    return found


def _site_config(settings: JekyllSettings, setup: MathSetup, report: ImportReport) -> dict[str, Any]:
    config = dict(settings.config)
    if settings.kramdown:
        config["math_inline"] = setup.inline or ["\\("]
        if setup.inline:
            where = "; ".join(s for s in setup.sources if "configuration" in s)
            report.note(None, None, f"inline math delimiters {', '.join(setup.inline)} from the {where}")
        elif setup.loads_math:
            report.note(None, None, "MathJax is loaded without inline delimiters set: single dollars are text "
                                    "(MathJax's default), \\(...\\) is math")
        else:
            report.note(None, None, "no MathJax set-up found in _includes/ or _layouts/: single dollars are text",
                        'if the theme loaded MathJax with $...$, set math_inline: ["$", "\\\\("] in config.yml')
        if setup.escapes_off:
            report.note(None, None, "MathJax 2 had processEscapes off: \\$ did not make a literal dollar there; "
                                    "here it does, as in MathJax 3")
    if setup.macros:
        config["math_macros"] = setup.macros
        report.count("macros", len(setup.macros))
        report.note(None, None, f"math_macros: {len(setup.macros)} from " + "; ".join(setup.sources))
    report.not_carried.extend(setup.problems)
    report.notes.extend(setup.notes)
    return config


def _write_config(out: Path, config: dict[str, Any]) -> None:
    """config.yml, one key per line; values as JSON, which YAML reads as written."""
    from ..config import load_config

    lines = ["# Imported from a Jekyll site's _config.yml by 'gdblog import jekyll'.",
             "# Every key is described in the README (Configuration)."]
    for key, value in config.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                      for k, v in value.items()]
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    (out / "config.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_config(out)
    except BuildError as exc:  # a value _config.yml had that gdblog refuses: say which
        raise BuildError(f"the translated config.yml is not valid: {exc.errors[0].message}", path=CONFIG,
                         hint="fix that setting in _config.yml (a copy) and import again") from None


def _scan_liquid(src: Path, files: SiteFiles, report: ImportReport) -> None:
    posts = files.of("post")
    targets = LiquidTargets(
        posts={os.path.splitext(e.rel.split("_posts/", 1)[1])[0] for e in posts}
        | {os.path.splitext(e.rel.rsplit("/", 1)[-1])[0] for e in posts},
        includes={e.rel.split("/", 1)[1] for e in files.of("include")},
        files={e.rel for e in posts + files.of("page")})
    used: list[str] = []
    for entry in files.of("post", "draft", "page"):
        scan_liquid(entry.rel, _read(src / entry.rel), targets, report, include_used=used.append)
    scan_includes(used, lambda name: _read(src / "_includes" / name), targets, report)
