"""Bad input stops the build with ``path:line: what is wrong``, exit code 1, and the old site intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, snapshot, write_files

GOOD = {
    "config.yml": "title: Good\nposts_per_page: 5\n",
    "content/posts/2024-01-01-first.md": "---\ntitle: First\n---\nHello $x$.\n",
}


@pytest.fixture
def good_site(tmp_path: Path) -> Path:
    write_files(tmp_path, GOOD)
    result = run_cli("--source", str(tmp_path), "--quiet")
    assert result.returncode == 0, result.stderr
    return tmp_path


def fails_cleanly(root: Path, files: dict, *expected: str) -> str:
    """Apply ``files``, build, and check the failure; returns stderr."""
    before = snapshot(root / "_site")
    write_files(root, files)
    sources = {p: p.read_bytes() for p in (root / "content").rglob("*") if p.is_file()}
    result = run_cli("--source", str(root))
    assert result.returncode == 1, result.stdout + result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(root / "_site") == before, "the previous site must survive a failed build"
    assert {p: p.read_bytes() for p in (root / "content").rglob("*") if p.is_file()} == sources
    return result.stderr


def test_malformed_yaml(good_site):
    err = fails_cleanly(good_site, {"content/posts/bad.md": "---\ntitle: ok\ntags: [a, b\ndate: 2024-01-01\n---\nx\n"},
                        "error: content/posts/bad.md:4: invalid YAML in front matter")
    assert "hint:" in err


def test_front_matter_never_closed(good_site):
    fails_cleanly(good_site, {"content/posts/open.md": "---\ntitle: open\n\nbody\n"},
                  "error: content/posts/open.md:1: front matter opened with '---' on line 1 is never closed")


def test_not_utf8(good_site):
    fails_cleanly(good_site, {"content/posts/latin1.md": b"---\ntitle: x\n---\n" + "caf\xe9\n".encode("latin-1")},
                  "error: content/posts/latin1.md:4: not valid UTF-8 text (byte 0xe9", "save the file as UTF-8")


def test_unknown_config_key(good_site):
    fails_cleanly(good_site, {"config.yml": "title: Good\ntitel: Typo\n"},
                  "error: config.yml:2: unknown configuration key 'titel'", "did you mean 'title'?")


def test_config_value_of_wrong_type(good_site):
    fails_cleanly(good_site, {"config.yml": "title: Good\nposts_per_page: many\n"},
                  "error: config.yml:2: posts_per_page must be a whole number >= 1, got 'many'")


def test_bad_date(good_site):
    fails_cleanly(good_site, {"content/posts/when.md": "---\ntitle: When\ndate: next tuesday\n---\nx\n"},
                  "error: content/posts/when.md:3: bad date: cannot read 'next tuesday' as a date")


def test_impossible_date(good_site):
    fails_cleanly(good_site, {"content/posts/feb.md": "---\ntitle: Feb\ndate: 2024-02-30\n---\nx\n"},
                  "error: content/posts/feb.md:3: bad date")


def test_two_posts_one_url(good_site):
    err = fails_cleanly(good_site, {"content/posts/2023-05-05-first.md": "---\ntitle: Again\n---\nx\n"},
                        "maps to the same URL /posts/first/ as")
    assert "content/posts/2024-01-01-first.md" in err and "content/posts/2023-05-05-first.md" in err


def test_permalink_outside_output(good_site):
    fails_cleanly(good_site, {"content/pages/evil.md": "---\ntitle: Evil\npermalink: /../../outside/\n---\nx\n"},
                  "error: content/pages/evil.md: permalink '/../../outside/' would write outside the output folder")


def test_slug_with_a_slash(good_site):
    fails_cleanly(good_site, {"content/posts/s.md": "---\ntitle: S\nslug: a/b\n---\nx\n"},
                  "error: content/posts/s.md:3: slug 'a/b' must be one path segment")


def test_every_bad_file_is_reported_in_one_run(good_site):
    err = fails_cleanly(good_site, {
        "content/posts/one.md": "---\ndate: nope\n---\nx\n",
        "content/posts/two.md": "---\ntitle: [unclosed\n---\nx\n",
    }, "content/posts/one.md:2: bad date", "content/posts/two.md:")
    assert err.count("error:") == 2


def test_output_folder_that_holds_sources_is_refused(good_site):
    result = run_cli("--source", str(good_site), "--out", str(good_site))
    assert result.returncode == 1
    assert "contains the site's sources" in result.stderr
    assert (good_site / "content" / "posts" / "2024-01-01-first.md").exists()


def test_foreign_output_folder_is_refused(good_site, tmp_path_factory):
    foreign = tmp_path_factory.mktemp("mine")
    (foreign / "thesis.tex").write_text("precious")
    result = run_cli("--source", str(good_site), "--out", str(foreign))
    assert result.returncode == 1 and "was not built by this tool" in result.stderr
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_missing_source_folder(tmp_path):
    result = run_cli("--source", str(tmp_path / "nope"))
    assert result.returncode == 1 and "does not exist" in result.stderr
