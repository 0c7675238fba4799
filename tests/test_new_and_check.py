"""``build.py new`` (a dated draft with one runnable cell) and ``build.py check`` (broken links)."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from generator import BuildOptions, build
from generator.check import SiteChecker
from generator.cli import main
from generator.config import SiteConfig
from generator.readers.frontmatter import split_front_matter
from generator.errors import BuildError
from generator.scaffold import new_post
from tests.helpers import PROJECT, run_cli, snapshot, write_files


def _cells(path: Path):
    from markdown_it import MarkdownIt

    from generator.kernel import resolve_defaults
    from generator.markdown.cells import cells_plugin, extract_program

    md = MarkdownIt("commonmark").use(cells_plugin)
    return extract_program(md.parse(path.read_text(encoding="utf-8")),
                           defaults=resolve_defaults(None, None), path=path.name)


# ------------------------------------------------------------------ new

def test_new_creates_a_dated_draft_and_refuses_to_overwrite(tmp_path):
    (tmp_path / "content").mkdir()
    result = run_cli("new", "Gradient descent: a first look", "--source", str(tmp_path))
    assert result.returncode == 0, result.stderr
    [path] = (tmp_path / "content" / "posts").iterdir()
    assert result.stdout.startswith(f"Created {path}")
    name = re.fullmatch(r"(\d{4}-\d{2}-\d{2})-gradient-descent-a-first-look\.md", path.name)
    assert name, path.name
    assert abs(dt.date.fromisoformat(name.group(1)) - dt.date.today()) <= dt.timedelta(days=1)

    text = path.read_text(encoding="utf-8")
    meta, body, _ = split_front_matter(text, path.name)
    assert meta == {"title": "Gradient descent: a first look", "date": name.group(1), "tags": [],
                    "summary": None, "draft": True}
    assert body.count("```{python}") == 1
    assert re.search(r"```\{python\}\n#\| fig-cap: .+\nimport gdcore\n", body)
    cells, _ = _cells(path)
    assert len(cells) == 1 and cells[0].options["fig-cap"]

    again = run_cli("new", "Gradient descent: a first look", "--source", str(tmp_path))
    assert again.returncode == 1
    assert "already exists" in again.stderr and "hint:" in again.stderr
    assert path.read_text(encoding="utf-8") == text


def test_new_uses_the_sites_own_template(tmp_path):
    write_files(tmp_path, {"config.yml": "title: Mine\n",
                           "templates/new_post.md": "---\ntitle: {{ title | yaml }}\n---\n{{ slug }} on {{ date }}\n"})
    path = new_post(tmp_path, "  Why: 'quotes' #1 ", today=dt.date(2024, 3, 1))
    assert path == tmp_path / "content" / "posts" / "2024-03-01-why-quotes-1.md"
    meta, body, _ = split_front_matter(path.read_text(encoding="utf-8"), path.name)
    assert meta == {"title": "Why: 'quotes' #1"} and body == "why-quotes-1 on 2024-03-01\n"
    with pytest.raises(BuildError, match="needs a title"):
        new_post(tmp_path, "   ")


def test_the_new_posts_cell_runs_as_is(tmp_path):
    """A new user's first build must work: the template's cell runs and draws one figure."""
    from generator.kernel import ExecRequest, execute_posts

    (tmp_path / "content").mkdir()
    path = new_post(tmp_path, "First", today=dt.date(2024, 3, 1))
    cells, inline = _cells(path)
    rel = "content/posts/2024-03-01-first.md"
    results = execute_posts([ExecRequest(key=rel, display_path=rel, source_path=path, cwd=path.parent,
                                         cells=cells, inline=inline)],
                            cache_dir=tmp_path / ".cache" / "exec", site_root=tmp_path,
                            project_root=PROJECT, gdcore_hash="test", jobs=1)
    [cell] = results[rel].cells
    kinds = [o.kind for o in cell.outputs]
    assert kinds == ["stream", "image"], cell.outputs
    assert re.match(r"b = 1\.0\d\d, w = 1\.9\d\d", cell.outputs[0].text)


# ---------------------------------------------------------------- check

BROKEN = {
    "config.yml": "title: Checked\nurl: https://me.github.io\n",
    "content/images/plot.png": b"\x89PNG fake",
    "content/posts/2024-01-01-first.md": """
        ---
        title: First
        summary: The first post.
        ---
        ## Setup

        Fine: [second](/posts/second/), [its part](/posts/second/#part-two), [here](#setup),
        [home](https://me.github.io/), ![plot](/images/plot.png), [mail](mailto:me@example.org),
        [elsewhere](https://example.org/nothing/).

        A [broken link](/posts/no-such-post/) and a [bad anchor](/posts/second/#part-three).

        ![missing](/images/missing.png)
        """,
    "content/posts/2024-01-02-second.md": "---\ntitle: Second\n---\n## Part two\n\nNo summary here.\n",
}


@pytest.fixture
def broken_site(tmp_path) -> Path:
    write_files(tmp_path, {k: textwrap.dedent(v).lstrip("\n") if isinstance(v, str) else v
                           for k, v in BROKEN.items()})
    build(BuildOptions(source=tmp_path, jobs=1))
    return tmp_path


def test_check_reports_each_problem_and_leaves_the_site_alone(broken_site):
    site, cache = snapshot(broken_site / "_site"), snapshot(broken_site / ".cache")
    entries = sorted(p.name for p in broken_site.iterdir())
    result = run_cli("check", "--source", str(broken_site))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    src = "content/posts/2024-01-01-first.md"
    assert f"posts/first/index.html: broken link to /posts/no-such-post/ (from {src}:11)" in lines
    assert ('posts/first/index.html: missing anchor to /posts/second/#part-three '
            f'(no id="part-three" on posts/second/index.html) (from {src}:11)') in lines
    assert f"posts/first/index.html: missing image /images/missing.png (from {src}:13)" in lines
    assert ("note: content/posts/2024-01-02-second.md: no summary; the index and feed use its first "
            "paragraph (add 'summary: ...' to its front matter)") in lines
    assert lines[-1].endswith(": 1 broken link, 1 missing image, 1 missing anchor; 1 post without a summary.")
    assert len([line for line in lines if not line.startswith("note:")]) == 4, result.stdout
    # It built elsewhere: the site's output, its caches and its folder are as they were.
    assert snapshot(broken_site / "_site") == site
    assert snapshot(broken_site / ".cache") == cache
    assert sorted(p.name for p in broken_site.iterdir()) == entries


def test_check_passes_a_clean_site(tmp_path, capsys):
    write_files(tmp_path, {
        "config.yml": "title: Clean\nurl: https://me.github.io\n",
        "content/posts/2024-01-01-one.md": ("---\ntitle: One\nsummary: One.\n---\n## A heading\n\n"
                                            "[two](/posts/two/) [up](../two/#b-heading) [top](#top) "
                                            "[abs](https://me.github.io/repo/posts/two/) [^1]\n\n"
                                            "![beside the other](../two/fig.png)\n\n[^1]: A footnote.\n"),
        "content/posts/two/index.md": "---\ntitle: Two\nsummary: Two.\n---\n## B heading\n\n![beside](fig.png)\n",
        "content/posts/two/fig.png": b"png",
    })
    assert main(["check", "--source", str(tmp_path), "--base-url", "/repo/"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].endswith("internal links: no problems."), out
    assert not (tmp_path / "_site").exists() and not (tmp_path / ".cache").exists()


def test_url_rules(tmp_path):
    """What counts as internal, and how URLs map to files (as GitHub Pages serves them)."""
    write_files(tmp_path, {
        "index.html": "home",
        "a/index.html": '<p id="x">a</p>',
        "page.html": "<a name='old-style'></a>",
        "img x.png": b"",
        "b/index.html": """
            <a href="/repo/a/">ok</a> <a href="/repo/a">dir without slash</a> <a href="/repo/page">page.html</a>
            <a href="../a/#x">relative</a> <a href="/repo/page#old-style">a name</a>
            <a href="https://me.github.io/repo/a/#x">absolute</a> <a href="http://ME.github.io/repo/">http</a>
            <a href="https://me.github.io/other/">another site on the host</a> <a href="mailto:x@y">mail</a>
            <a href="https://example.org/">external</a> <a href="?page=2">query</a> <a href="">empty</a>
            <img src="../img%20x.png" srcset="../img%20x.png 1x, /repo/nope.png 2x">
            <a href="/a/">forgot the base path</a> <a href="//me.github.io/repo/gone/">gone</a>
            <a href="#y">no y here</a> <a href="/repo/a/#z">no z there</a>
            <pre><code>&lt;a href="/repo/in-code/"&gt;</code></pre>
            """,
    })
    config = SiteConfig(url="https://me.github.io", base_url="/repo/")
    result = SiteChecker(tmp_path, config).run()
    found = [(p.page, p.kind, p.url, p.detail) for p in result.problems]
    assert found == [
        ("b/index.html", "image", "/repo/nope.png", ""),
        ("b/index.html", "link", "/a/", "outside the site's base path /repo/"),
        ("b/index.html", "link", "//me.github.io/repo/gone/", ""),
        ("b/index.html", "anchor", "#y", 'no id="y" on this page'),
        ("b/index.html", "anchor", "/repo/a/#z", 'no id="z" on a/index.html'),
    ]
