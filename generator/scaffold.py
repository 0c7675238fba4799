"""``python build.py new "Title"``: start a post from a template.

The template is the built-in ``templates/new_post.md`` (package data, see
:mod:`generator.resources`); a site overrides it with its own
``templates/new_post.md``, like every other template.  It is rendered with
Jinja (the templates' language) and gets ``title``, ``date`` (YYYY-MM-DD) and
``slug``, plus a ``yaml`` filter that quotes a value for front matter (a title
may contain ``:`` or ``#``, which plain YAML would misread).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .errors import BuildError
from .resources import builtin
from .state import require_site_folder
from .urls import slugify

TEMPLATE = "new_post.md"


def _template(root: Path) -> Path:
    for folder in (root / "templates", builtin("templates")):
        if (folder / TEMPLATE).is_file():
            return folder / TEMPLATE
    raise BuildError(f"no {TEMPLATE} template in {root / 'templates'} or {builtin('templates')}")


def _yaml(value) -> str:
    # A JSON string is a valid YAML double-quoted scalar, with every special
    # character escaped.
    return json.dumps(str(value), ensure_ascii=False)


def render_new_post(template: Path, *, title: str, date: dt.date, slug: str) -> str:
    import jinja2

    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                             autoescape=False)
    env.filters["yaml"] = _yaml
    try:
        return env.from_string(template.read_text(encoding="utf-8")).render(
            title=title, date=date.isoformat(), slug=slug)
    except jinja2.TemplateSyntaxError as exc:
        raise BuildError(f"template error: {exc.message}", path=template, line=exc.lineno) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"template error: {exc.message}", path=template,
                         hint="new_post.md can use title, date and slug") from None


#: Longest slug ``new`` makes, in bytes: file names are limited to 255, and URLs read better short.
MAX_SLUG = 80


def short_slug(slug: str, limit: int = MAX_SLUG) -> str:
    """``slug`` cut to at most ``limit`` bytes, at a word boundary when there is one."""
    if len(slug.encode()) <= limit:
        return slug
    cut = slug.encode()[:limit].decode("utf-8", "ignore")
    return cut.rsplit("-", 1)[0] if "-" in cut else cut


def new_post(root: Path, title: str, today: dt.date | None = None) -> Path:
    """Write ``content/posts/YYYY-MM-DD-slug.md`` under the site ``root``; return its path.

    ``root`` must be a site (see :func:`~generator.state.require_site_folder`):
    a post is never written into a folder that is not one.  ``today`` is for
    tests: the date of a new post is the one place the build tool reads the clock.
    """
    title = " ".join(title.split())
    if not title:
        raise BuildError("a new post needs a title", hint='gdblog new "My first post"')
    root = Path(root).resolve()
    require_site_folder(root)
    date = today or dt.date.today()
    slug = short_slug(slugify(title))
    posts = root / "content" / "posts"
    path = posts / f"{date.isoformat()}-{slug}.md"
    rel = path.relative_to(root).as_posix()
    text = render_new_post(_template(root), title=title, date=date, slug=slug)
    try:
        posts.mkdir(parents=True, exist_ok=True)
        # "x" mode: the check and the creation are one step, so nothing is ever overwritten.
        with open(path, "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise BuildError("a post with this title and date already exists", path=rel,
                         hint="edit that file, or choose another title for a new post") from None
    except OSError as exc:
        from .fileio import os_error

        raise os_error(exc, "create the post", path, root) from None
    return path
