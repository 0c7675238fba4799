"""Your own blog: ``init`` starts one, and every command works on the site it is pointed at, nothing else.

The wheel, installed as a user installs it, is tested in tests/test_install.py;
these tests run the checkout's command line (``python build.py``).
"""

from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from generator import BuildOptions, build
from generator.cli import site_root
from generator.config import load_config
from generator.installed import Requirement, from_direct_url, requirement
from generator.pipeline import NO_URL
from generator.resources import builtin
from generator.skeleton import init_site, title_for
from tests.helpers import PROJECT, html, run_cli, snapshot, write_files

NOT_A_SITE = ("error: {root} is not a gdblog site (no config.yml or content/); "
              "start one with: gdblog init {root}\n")


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _entries(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# ------------------------------------------------------------------ a site is the folder you point at

@pytest.mark.parametrize("command", [["build"], [], ["check"], ["new", "A post"], ["serve", "--port", "0"]],
                         ids=["build", "default", "check", "new", "serve"])
def test_commands_refuse_a_folder_that_is_not_a_site(tmp_path, command):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_cli(*command, cwd=empty)
    assert (result.returncode, result.stdout, result.stderr) == (1, "", NOT_A_SITE.format(root=empty))
    assert list(empty.iterdir()) == []
    # the same with --source, from anywhere
    result = run_cli(*(command or ["build"]), "--source", str(empty), cwd=tmp_path)
    assert (result.returncode, result.stderr) == (1, NOT_A_SITE.format(root=empty))
    assert list(empty.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_a_folder_inside_a_site_is_refused_with_a_hint(tmp_path):
    write_files(tmp_path, {"blog/config.yml": "title: B\n", "blog/content/posts/a.md": "# A\n"})
    posts = tmp_path / "blog" / "content" / "posts"
    result = run_cli("new", "Here", cwd=posts)
    assert result.returncode == 1
    assert result.stderr == (NOT_A_SITE.format(root=posts) + f"  hint: {posts} is inside the site {tmp_path / 'blog'}: "
                             f"run the command there, or pass --source {tmp_path / 'blog'}\n")
    assert [p.name for p in posts.iterdir()] == ["a.md"]


def test_a_folder_with_config_or_content_is_a_site(tmp_path, monkeypatch):
    write_files(tmp_path, {"a/config.yml": "title: A\n", "b/content/.keep": ""})
    for name in ("a", "b"):
        assert site_root(argparse.Namespace(source=tmp_path / name)) == tmp_path / name
    # this repository is the example blog: `python build.py` here builds it
    monkeypatch.chdir(PROJECT)
    assert site_root(argparse.Namespace(source=None)) == PROJECT


def test_version_is_the_packages():
    version = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    result = run_cli("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"gdblog {version}\n", "")


# ------------------------------------------------------------------ init

def test_init_makes_a_blog_that_needs_no_edits(tmp_path):
    result = run_cli("init", "descent-notes", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = tmp_path / "descent-notes"
    [post] = (root / "content" / "posts").iterdir()
    date = re.fullmatch(r"(\d{4}-\d{2}-\d{2})-welcome\.md", post.name).group(1)
    assert _files(root) == [".github/workflows/pages.yml", ".gitignore", "README.md", "config.yml",
                            "content/pages/about.md", f"content/posts/{date}-welcome.md", "requirements.txt"]

    # config.yml: a title from the folder's name, url only as a comment, every key explained
    text = (root / "config.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert config["title"] == "Descent Notes" and set(config) == {"title", "description", "author"}
    assert "\n# url: https://<user>.github.io\n" in text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"[a-z_]+:", line):
            assert lines[i - 1].startswith("#"), f"config.yml: {line!r} has no comment above it"
    assert load_config(root).title == "Descent Notes"

    assert {"_site/", ".cache/"} <= set((root / ".gitignore").read_text().splitlines())
    skeleton = builtin("init")
    assert (root / ".github/workflows/pages.yml").read_bytes() == \
        (skeleton / ".github/workflows/pages.yml").read_bytes()
    assert (root / "README.md").read_text().startswith("# Descent Notes\n")
    for command in ("gdblog serve", "gdblog build", "gdblog check", "pip install -r requirements.txt"):
        assert command in (root / "README.md").read_text(), command

    # this checkout is installed from a local folder: requirements.txt holds a placeholder, and init says so
    requirements = (root / "requirements.txt").read_text(encoding="utf-8")
    assert [line for line in requirements.splitlines() if not line.startswith("#")] == []
    assert "#   gdblog[search] @ git+https://github.com/<owner>/gdblog@<tag or commit>" in requirements
    # (from the editable install's record, not from the gdblog.egg-info the checkout also holds)
    assert re.match(r"warning: descent-notes/requirements\.txt: its gdblog line is a placeholder: "
                    r"(gdblog was installed from file://\S+, which GitHub's runners cannot reach"
                    r"|this gdblog runs from a source folder, not from an installed package)\n  hint: ", result.stderr)

    # it says what was made and what to type next
    out = result.stdout.splitlines()
    assert out[0] == "Created a blog in descent-notes/:"
    assert out[-5:] == ["Next:", "  cd descent-notes", "  gdblog serve", '  gdblog new "My first post"',
                        "Then push it to GitHub and turn on Pages: see README.md in the blog."]


def test_init_refuses_a_folder_that_is_not_empty_and_changes_nothing(tmp_path):
    mine = tmp_path / "mine"
    write_files(mine, {"notes.txt": "mine", "content/posts/draft.md": "# Draft\n"})
    before, entries = snapshot(mine), _entries(mine)
    result = run_cli("init", "mine", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"error: {mine} is not empty: content/, notes.txt\n  hint: ")
    assert "--force" in result.stderr
    assert snapshot(mine) == before and _entries(mine) == entries


def test_init_force_adds_only_the_missing_files(tmp_path):
    mine = tmp_path / "mine"
    write_files(mine, {"README.md": "My own words.\n", "config.yml": "title: Kept\n"})
    result = run_cli("init", "--force", str(mine), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (mine / "README.md").read_text() == "My own words.\n"
    assert (mine / "config.yml").read_text() == "title: Kept\n"
    assert "  README.md (already there: left as it is)" in result.stdout.splitlines()
    assert {".gitignore", "requirements.txt", "content/pages/about.md"} <= set(_files(mine))


def test_init_in_the_current_folder_and_beside_git(tmp_path):
    """A clone or `git init` first is common: a lone .git/ does not count, and is left alone."""
    write_files(tmp_path, {".git/HEAD": "ref: refs/heads/main\n"})
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (tmp_path / "config.yml").is_file()
    assert result.stdout.splitlines()[-4:-1] == ["  gdblog serve", '  gdblog new "My first post"', "  gdblog check"]


def test_init_refuses_a_file(tmp_path):
    (tmp_path / "blog").write_text("not a folder")
    result = run_cli("init", "blog", cwd=tmp_path)
    assert result.returncode == 1 and "is a file, not a folder" in result.stderr


def test_title_from_the_folder_name():
    assert [title_for(Path(n)) for n in ("descent-notes", "my_math blog", "blog", "x.y")] == \
        ["Descent Notes", "My Math Blog", "Blog", "X Y"]


def test_the_init_blog_builds_with_the_requirement_it_was_given(tmp_path):
    req = Requirement("gdblog==9.9.9\n")
    result = init_site(tmp_path / "b", req=req)
    assert (tmp_path / "b" / "requirements.txt").read_text().endswith("\ngdblog==9.9.9\n")
    assert result.requirement == req and result.kept == []
    report = build(BuildOptions(source=tmp_path / "b", jobs=1, url="https://me.github.io"))
    assert report.warnings == []
    page = html(tmp_path / "b" / "_site" / "posts" / "welcome" / "index.html")
    assert page.css_first("h1").text() == "Welcome to your new blog"


# ------------------------------------------------------------------ how gdblog was installed

@pytest.mark.parametrize("info, expected", [
    ({"url": "https://github.com/me/gdblog", "vcs_info": {"vcs": "git", "commit_id": "ab12" * 10,
                                                         "requested_revision": "main"}},
     f"gdblog[search] @ git+https://github.com/me/gdblog@{'ab12' * 10}"),
    ({"url": "https://github.com/me/gdblog", "vcs_info": {"vcs": "git", "commit_id": "cd34" * 10}},
     f"gdblog[search] @ git+https://github.com/me/gdblog@{'cd34' * 10}"),
    ({"url": "https://example.org/gdblog-0.1.0-py3-none-any.whl", "archive_info": {}},
     "gdblog[search] @ https://example.org/gdblog-0.1.0-py3-none-any.whl"),
    ({"url": "file:///home/me/gdblog", "dir_info": {"editable": True}}, None),
    ({"url": "file:///tmp/dist/gdblog-0.1.0-py3-none-any.whl", "archive_info": {}}, None),
    ({"url": "file:///home/me/gdblog", "vcs_info": {"vcs": "git", "commit_id": "ef56" * 10}}, None),
], ids=["git-branch", "git-commit", "https-archive", "local-folder", "local-wheel", "local-git"])
def test_requirement_from_direct_url(info, expected):
    req = from_direct_url(info, "0.1.0")
    lines = [line for line in req.text.splitlines() if not line.startswith("#")]
    if expected is None:
        assert lines == [] and req.placeholder_reason == \
            f"gdblog was installed from {info['url']}, which GitHub's runners cannot reach"
        assert "#   gdblog[search]==0.1.0" in req.text.splitlines()
    else:
        assert lines == [expected] and req.placeholder_reason is None
    if info.get("vcs_info", {}).get("requested_revision"):
        assert '(you asked for "main")' in req.text


def test_requirement_from_a_package_index(monkeypatch):
    """No direct_url.json: installed from an index, pinned to the installed version."""
    class Dist:
        version = "1.2.3"

        def read_text(self, name):
            assert name == "direct_url.json"
            return None

    monkeypatch.setattr("generator.installed.installation", lambda: Dist())
    assert requirement() == Requirement("gdblog[search]==1.2.3\n")


# ------------------------------------------------------------------ absolute URLs

POSTS = {f"content/posts/2024-01-0{i}-p{i}.md": f"---\ntitle: P{i}\n---\nText.\n" for i in (1, 2, 3)}


def test_without_url_the_build_warns_once_naming_config(site, tmp_path):
    root, report = site({**POSTS, "config.yml": "title: T\n"})
    assert [w for w in report.warnings if "url" in w.message] == [NO_URL]
    assert str(NO_URL).startswith("config.yml: url is not set, so feed.xml, sitemap.xml and robots.txt")
    assert 'href="/posts/p1/"' in (root / "_site" / "feed.xml").read_text()
    result = run_cli("build", "--source", str(root), "--jobs", "1")
    assert result.returncode == 0 and result.stderr.count("url is not set") == 1, result.stderr


def test_with_url_or_url_option_the_build_says_nothing(tmp_path):
    write_files(tmp_path, {**POSTS, "config.yml": "title: T\nurl: https://me.github.io\n"})
    assert build(BuildOptions(source=tmp_path, jobs=1)).warnings == []
    (tmp_path / "config.yml").write_text("title: T\n")
    report = build(BuildOptions(source=tmp_path, jobs=1, url="https://me.github.io"))
    assert report.warnings == []
    assert "https://me.github.io/posts/p1/" in (tmp_path / "_site" / "sitemap.xml").read_text()
