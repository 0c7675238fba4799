"""Every component of every output's cache key, one test each.

Each test builds a small site, changes exactly one thing a key is made of,
builds again and compares the set of output files made anew
(``BuildReport.written``) with the set that must change: the right outputs,
and only those.  Dropping a component from its key leaves an output stale
and fails the test for that component; putting too much in a key rebuilds too
much and fails it too.
"""

from __future__ import annotations

import pytest

from generator import BuildOptions, build
from tests.helpers import require_plantuml, write_files

LISTS = {"index.html", "feed.xml", "sitemap.xml", "archive/index.html", "archive/2024/index.html",
         "tags/index.html", "robots.txt", "404.html"}

SITE = {
    # the search index has its own test (test_search_index); here it would only add files to every set
    "config.yml": "title: Keys\nurl: https://example.org\nsearch: false\n",
    "content/posts/2024-01-01-first.md": "---\ntags: [alpha]\n---\nThe first post.\n\nMore of it.\n",
    "content/posts/2024-01-02-second.md": "---\ntags: [beta]\n---\nThe second post.\n",
    "content/posts/2024-01-03-third.md": "---\ntags: [beta]\n---\nThe third post.\n\n```python\nx = 1\n```\n",
    "content/posts/2024-01-04-includes.md": "The newest post.\n\nIt includes {% include note.html %} here.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout this site.\n",
    "_includes/note.html": "<em>a note</em>",
}
POSTS = {"posts/first/index.html", "posts/second/index.html", "posts/third/index.html",
         "posts/includes/index.html"}
PAGES = POSTS | {"about/index.html"}
TAG_PAGES = {"tags/alpha/index.html", "tags/beta/index.html"}


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    write_files(root, SITE)
    return root


def rebuild(root, **options) -> set[str]:
    """The files made anew by a build (after a first build that made everything)."""
    return build(BuildOptions(source=root, jobs=1, **options)).written


def first_build(root, **options) -> None:
    assert build(BuildOptions(source=root, jobs=1, **options)).written
    assert rebuild(root, **options) == set(), "a build with nothing changed makes nothing"


def test_previous_and_next_posts(site):
    """A new newest post: the old newest post's page gains a "next" link; no other post changes."""
    first_build(site)
    write_files(site, {"content/posts/2024-01-05-fifth.md": "The fifth post.\n"})
    written = rebuild(site)
    assert written & PAGES == {"posts/includes/index.html"}
    assert "posts/fifth/index.html" in written
    assert "fifth" in (site / "_site/posts/includes/index.html").read_text()


def test_a_deleted_neighbour(site):
    """A deleted post: its two neighbours' links change."""
    first_build(site)
    (site / "content/posts/2024-01-02-second.md").unlink()
    written = rebuild(site)
    assert written & PAGES == {"posts/first/index.html", "posts/third/index.html"}


def test_include_texts(site):
    """An included file changed: the page that includes it, and the feed that carries its body."""
    first_build(site)
    write_files(site, {"_includes/note.html": "<em>another note</em>"})
    assert rebuild(site) == {"posts/includes/index.html", "feed.xml"}
    assert "another note" in (site / "_site/posts/includes/index.html").read_text()


def test_post_url_targets(site):
    """A {% post_url %} target moved: the page that links to it (and the lists its move touches)."""
    write_files(site, {"content/pages/links.md": "See [the first]({% post_url 2024-01-01-first %}).\n"})
    first_build(site)
    write_files(site, {"content/posts/2024-01-01-first.md":
                       "---\ntags: [alpha]\npermalink: /moved/\n---\nThe first post.\n\nMore of it.\n"})
    written = rebuild(site)
    assert written & (PAGES | {"links/index.html"}) == {"links/index.html", "posts/second/index.html"}
    assert "moved/index.html" in written
    assert 'href="/moved/"' in (site / "_site/links/index.html").read_text()


def test_templates(site):
    """A template override: exactly the pages made from it."""
    first_build(site)
    write_files(site, {"templates/page.html":
                       '{% extends "base.html" %}{% block content %}PAGE {{ page.body }}{% endblock %}'})
    assert rebuild(site) == {"about/index.html"}
    write_files(site, {"templates/tag.html":
                       '{% extends "base.html" %}{% block content %}TAG {{ page.tag }}{% endblock %}'})
    assert rebuild(site) == TAG_PAGES


def test_a_template_another_one_extends(site):
    first_build(site)
    write_files(site, {"templates/base.html": "<!doctype html><title>{{ page.title }}</title>"
                                              "{% block content %}{{ page.body }}{% endblock %}"})
    written = rebuild(site)
    assert PAGES | {"index.html", "archive/index.html", "tags/index.html", "404.html"} | TAG_PAGES <= written
    assert "feed.xml" not in written and "sitemap.xml" not in written, "those do not extend base.html"


def test_config(site):
    """The site title is on every page (and in the feed); copied files do not change."""
    first_build(site)
    write_files(site, {"config.yml": "title: Other\nurl: https://example.org\nsearch: false\n"})
    written = rebuild(site)
    assert written == PAGES | LISTS | TAG_PAGES
    assert "Other" in (site / "_site/about/index.html").read_text()


def test_highlight_style(site):
    """A highlight style is only in pygments.css: no page changes."""
    first_build(site)
    write_files(site, {"config.yml": "title: Keys\nurl: https://example.org\nsearch: false\nhighlight_light: vs\n"})
    assert rebuild(site) == {"assets/theme/pygments.css"}


def test_base_url(site):
    """Every page links under the base URL; copied files and pygments.css stay."""
    first_build(site)
    written = rebuild(site, base_url="/repo/")
    assert written == PAGES | LISTS | TAG_PAGES
    assert 'href="/repo/' in (site / "_site/about/index.html").read_text()


def test_the_plantuml_in_use(site, monkeypatch):
    """Local PlantUML (inline SVG) or none (server images): only pages with diagrams change."""
    require_plantuml("two PlantUML modes are needed")
    write_files(site, {"content/pages/diagram.md": "```plantuml\nBob -> Alice : hi\n```\n"})
    monkeypatch.delenv("GDBLOG_PLANTUML", raising=False)
    first_build(site)
    assert "<svg" in (site / "_site/diagram/index.html").read_text()
    monkeypatch.setenv("GDBLOG_PLANTUML", "none")
    assert rebuild(site) == {"diagram/index.html"}
    assert "<img" in (site / "_site/diagram/index.html").read_text()


def test_files_read_while_rendering(site, monkeypatch):
    """A file a plugin read (recorded in env["dependencies"]) changed: only that page."""
    from markdown_it import MarkdownIt

    from generator.markdown import create_parser

    data = site / "content/pages/data.txt"
    data.write_text("one")

    def reading_parser(options):
        md: MarkdownIt = create_parser(options)

        def read_data(state):
            if state.env.get("path", "").endswith("about.md"):
                state.env.setdefault("dependencies", set()).add(str(data))
        md.core.ruler.push("read_data", read_data)
        return md

    monkeypatch.setattr("generator.markdown.create_parser", reading_parser)
    first_build(site)
    data.write_text("two")
    assert rebuild(site) == {"about/index.html", "pages/data.txt"}


def test_cell_results(site):
    """A data file a cell reads changed: the cell runs again, its post's page and the feed change."""
    write_files(site, {
        "content/posts/2024-01-04-includes.md": "The newest post.\n\nA value:\n\n"
                                                "```{python}\nprint(open('n.txt').read())\n```\n",
        "content/posts/n.txt": "41",
    })
    first_build(site)
    write_files(site, {"content/posts/n.txt": "42"})
    assert rebuild(site) == {"posts/includes/index.html", "feed.xml", "posts/n.txt"}
    assert "42" in (site / "_site/posts/includes/index.html").read_text()


def test_the_generators_own_code(site, monkeypatch):
    """Other generator code: the last build's manifest is not trusted, every file is made anew."""
    first_build(site)
    monkeypatch.setattr("generator.manifest.code_version", lambda: "another version")
    from generator.theme import builtin_assets

    builtin = {f"assets/{name}/" + p.relative_to(folder).as_posix()
               for name, folder in builtin_assets().items() for p in folder.rglob("*") if p.is_file()}
    assert rebuild(site) == PAGES | LISTS | TAG_PAGES | builtin | {".nojekyll", "assets/theme/pygments.css"}


def test_the_source_file(site):
    """An edited post: its page, the feed (its body) and the lists that show its excerpt."""
    first_build(site)
    write_files(site, {"content/posts/2024-01-02-second.md": "---\ntags: [beta]\n---\nThe second post, edited.\n"})
    assert rebuild(site) == {"posts/second/index.html", "feed.xml", "index.html", "tags/beta/index.html"}
    write_files(site, {"content/posts/2024-01-01-first.md": "---\ntags: [alpha]\n---\nThe first post.\n\nMore!\n"})
    assert rebuild(site) == {"posts/first/index.html", "feed.xml"}, "the excerpt (first paragraph) is the same"


def test_folder_defaults(site):
    """A _metadata.yml added above some posts: exactly those are read again and their pages change."""
    first_build(site)
    write_files(site, {"content/posts/_metadata.yml": "author: Ada\n"})
    written = rebuild(site)
    assert written & PAGES == POSTS
    assert "Ada" in (site / "_site/posts/first/index.html").read_text()
    (site / "content/posts/_metadata.yml").unlink()
    assert rebuild(site) & PAGES == POSTS
