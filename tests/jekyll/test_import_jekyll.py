"""``gdblog import jekyll``: the small Jekyll site in tests/jekyll/import_site, imported and built.

The site has what math blogs on GitHub Pages have: a ``_config.yml`` with a
baseurl and the ``pretty`` permalink style, MathJax 2 configured in
``_includes/head.html`` with ``$`` inline and macros, a hidden ``\\newcommand``
block in another include, posts (one in a subfolder), a draft, a Markdown
page with a permalink, an HTML page, an image folder, a ``post_url``, an
include with parameters, layouts, Sass, a Liquid home page and feed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator import BuildOptions, build
from generator.check import check_site
from generator.errors import BuildError
from generator.importers import format_report, import_jekyll
from tests.helpers import html, math_texts, snapshot

SITE = Path(__file__).resolve().parent / "import_site"
#: Folders a Jekyll checkout has that must not come over (made here: git ignores some of them).
JUNK = ("_site/index.html", ".jekyll-cache/x", "vendor/bundle/x.rb", "node_modules/x/index.js", ".git/HEAD")


def jekyll_copy(root: Path) -> Path:
    src = root / "src"
    shutil.copytree(SITE, src)
    for rel in JUNK:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("not part of the site\n", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("import")
    src = jekyll_copy(root)
    before = snapshot(src)
    report = import_jekyll(src, root / "site")
    return src, root / "site", report, before


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_the_source_is_never_modified(imported):
    src, _, _, before = imported
    assert snapshot(src) == before


def test_posts_come_over_byte_for_byte_and_drafts_become_drafts(imported):
    src, dest, report, _ = imported
    for rel in ("2019-12-01-first-steps.md", "2020-01-05-linear-maps.md", "2021/2021-03-01-conditional.md"):
        assert (dest / "content/posts" / rel).read_bytes() == (src / "_posts" / rel).read_bytes()
    draft = (dest / "content/posts/drafts/eigen-ideas.md").read_text(encoding="utf-8")
    assert draft.startswith("---\ndraft: true\ndate: ")
    assert draft.endswith((src / "_drafts/eigen-ideas.md").read_text(encoding="utf-8").split("---\n", 1)[1])
    assert report.counts == {"posts": 3, "drafts": 1, "pages": 2, "static files": 2, "includes": 3, "macros": 5}


def test_pages_static_files_and_support_folders(imported):
    _, dest, _, _ = imported
    assert files(dest) == {
        "config.yml", "CNAME", "content/images/plot.png",
        "content/posts/2019-12-01-first-steps.md", "content/posts/2020-01-05-linear-maps.md",
        "content/posts/2021/2021-03-01-conditional.md", "content/posts/drafts/eigen-ideas.md",
        "content/pages/about.md", "content/pages/research.md",
        "_includes/head.html", "_includes/macros.html", "_includes/figure.html",
    }
    research = (dest / "content/pages/research.md").read_text(encoding="utf-8")
    assert research.startswith("---\nlayout: page\ntitle: Research\n---\n{::nomarkdown}\n<h2>Projects</h2>")
    assert research.endswith("</p>\n{:/nomarkdown}\n")


def test_config_is_translated(imported):
    _, dest, report, _ = imported
    import yaml

    config = yaml.safe_load((dest / "config.yml").read_text(encoding="utf-8"))
    assert config == {
        "title": "Notes on linear algebra", "description": "Small proofs, worked by hand.",
        "author": "Ada Example", "url": "https://ada.example.org", "base_url": "/blog/",
        "timezone": "Europe/Paris", "permalink": "/:categories/:year/:month/:day/:title/",
        "page_permalink": "/:slug/", "posts_per_page": 5, "markdown": "kramdown", "math_inline": ["$", "\\("],
        "math_macros": {"RR": "{\\mathbb{R}}", "vect": ["{\\mathbf{#1}}", 1],
                        "norm": ["\\left\\lVert #1 \\right\\rVert", 1], "rank": "\\operatorname{rank}",
                        "T": "^{\\top}"},
    }
    assert report.config == config


def test_report_lists_what_was_not_carried_with_file_and_line(imported):
    _, _, report, _ = imported
    located = {(d.path, d.line, d.message.split(":")[0]) for d in report.not_carried}
    assert located == {
        ("_config.yml", 3, "author's email (only the name is carried)"),
        ("_config.yml", 15, "plugin jekyll-scholar"),
        ("_config.yml", 18, "site variable 'twitter_username'"),
        ("_layouts/default.html", 1, "layout 'default'"),
        ("_layouts/post.html", 1, "layout 'post'"),
        ("_sass/", None, "1 file of Sass"),
        ("assets/css/style.scss", 1, "Sass"),
        ("feed.xml", 1, "gdblog writes feed.xml"),
        ("index.html", 1, "page at /"),
    }
    lines = format_report(report)
    assert lines[0].startswith("Imported the Jekyll site ")
    assert lines[1] == "  3 posts, 1 draft, 2 pages, 2 static files, 3 includes, 5 macros."
    assert "  _config.yml:15: plugin jekyll-scholar: gdblog runs no Jekyll plugins" in lines
    assert any(line.startswith("Not carried (9):") for line in lines)


def test_imported_site_builds_and_has_no_broken_link(imported):
    _, dest, _, _ = imported
    result = check_site(dest, BuildOptions(source=dest, jobs=1))
    assert [p.describe() for p in result.problems] == []
    assert result.links > 20
    assert not [w for w in result.warnings if "no date" in w.message]


def test_urls_and_formulas_as_on_the_jekyll_blog(imported, tmp_path):
    _, dest, _, _ = imported
    site = tmp_path / "built"
    build(BuildOptions(source=dest, out=site, jobs=1, use_cache=False))
    page = html(site / "2020/01/05/linear-maps/index.html")
    assert math_texts(page) == [
        r"\( F: V \to U \)", r"\(F(\vect{x} + \vect{y}) = F(\vect{x}) + F(\vect{y})\)",
        r"\(\{ x \in V : F(x) = 0 \}\)", r"\(x_1, x_2\)",
        r"\begin{align} f &= \exp\left\{ -x^2 \right\} \label{eq:f} \end{align}", r"\(\eqref{eq:f}\)",
        r"\(\begin{pmatrix} a & b \\ c & d \end{pmatrix}\)", r"\(ad - bc\)"]
    assert [a.attributes["href"] for a in page.css(".content a")] == ["/blog/2019/12/01/first-steps/", "/blog/about/"]
    assert page.css_first(".content figure img").attributes["src"] == "/blog/images/plot.png"
    table = html(site / "2021/03/01/conditional/index.html")
    assert math_texts(table)[:3] == [r"\(p(x | \theta)\)", r"\(\frac{1}{2}\)", r"\(p(x | \theta)\)"]
    assert "it costs $5 to print" in table.css_first(".content").text()
    first = math_texts(html(site / "2019/12/01/first-steps/index.html"))
    assert first[3] == "\\[\\begin{aligned}\n\\norm{u + v} &\\le \\norm{u} + \\norm{v}\n\n" \
                       "\\norm{\\lambda v} &= |\\lambda| \\, \\norm{v}\n\\end{aligned}\\]"
    about = html(site / "about/index.html")
    assert math_texts(about) == [r"\(\RR^n\)", r"\(\eqref{eq:f}\)", r"\(\norm{x}\)"]
    assert math_texts(html(site / "research/index.html")) == [r"\(\min_{\rank B \le k} \norm{A - B}\)"]
    source = (site / "2020/01/05/linear-maps/index.html").read_text(encoding="utf-8")
    macros = json.loads(re.search(r"macros: (\{.*\})\n", source).group(1))
    assert macros["vect"] == ["{\\mathbf{#1}}", 1] and macros["T"] == "^{\\top}"


def test_missing_post_url_targets_and_liquid_control_flow_are_reported(tmp_path):
    src = jekyll_copy(tmp_path)
    (src / "_posts/2022-02-02-loose-ends.md").write_text(
        "---\ntitle: Loose ends\n---\nSee [this]({% post_url 2018-01-01-missing %}).\n\n"
        "{% for post in site.posts %}\n* {{ post.title }}\n{% endfor %}\n\n{% include missing.html %}\n"
        "{% gist 12345 %}\n\nBy {{ site.data.authors.ada.name }}.\n", encoding="utf-8")
    report = import_jekyll(src, tmp_path / "site")
    found = sorted((d.path, d.line, d.message) for d in report.not_carried
                   if d.path == "_posts/2022-02-02-loose-ends.md")
    assert found == [
        ("_posts/2022-02-02-loose-ends.md", 4, "{% post_url 2018-01-01-missing %}: there is no post "
                                               "'2018-01-01-missing'"),
        ("_posts/2022-02-02-loose-ends.md", 6, "Liquid {% for %}: gdblog runs no Liquid control flow "
                                               "(it is left as text, with a warning)"),
        ("_posts/2022-02-02-loose-ends.md", 10, "{% include missing.html %}: there is no _includes/missing.html"),
        ("_posts/2022-02-02-loose-ends.md", 11, "Liquid tag {% gist %}: a Jekyll or plugin tag gdblog does not have"),
        ("_posts/2022-02-02-loose-ends.md", 13, "Liquid {{ site.data.authors.ada.name }}: Jekyll's site data and "
                                                "post lists are not there in gdblog"),
    ]


def test_destination_must_be_empty_and_not_hold_the_source(tmp_path):
    src = jekyll_copy(tmp_path)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(BuildError, match="is not empty"):
        import_jekyll(src, tmp_path / "full")
    assert files(tmp_path / "full") == {"keep.txt"}
    with pytest.raises(BuildError, match="contains the Jekyll site"):
        import_jekyll(src, tmp_path)
    with pytest.raises(BuildError, match="does not look like a Jekyll site"):
        import_jekyll(tmp_path / "full", tmp_path / "new")
    (tmp_path / "empty").mkdir()
    import_jekyll(src, tmp_path / "empty")          # an existing empty folder is fine
    assert (tmp_path / "empty" / "config.yml").is_file()
    assert not [p for p in tmp_path.iterdir() if ".importing-" in p.name]


def test_a_destination_inside_the_source_is_left_out_of_the_walk(tmp_path):
    src = jekyll_copy(tmp_path)
    report = import_jekyll(src, src / "gdblog")
    assert report.counts["static files"] == 2
    assert not (src / "gdblog" / "content" / "gdblog").exists()


def test_the_command_line(tmp_path):
    """``gdblog import jekyll SRC DEST`` prints the report; a DEST that is not empty is refused."""
    from tests.helpers import run_cli

    src = jekyll_copy(tmp_path)
    run = run_cli("import", "jekyll", str(src), str(tmp_path / "blog"))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and (tmp_path / "blog" / "config.yml").is_file()
    expected = format_report(import_jekyll(src, tmp_path / "again"))
    assert run.stdout.strip().splitlines() == [line.replace(str(tmp_path / "again"), str(tmp_path / "blog"))
                                               for line in expected]
    again = run_cli("import", "jekyll", str(src), str(tmp_path / "blog"))
    assert again.returncode == 1 and again.stderr.startswith("error: ") and "Traceback" not in again.stderr
