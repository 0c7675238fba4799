"""Files that are not regular files, and files the build may not read.

Symlinks inside the site are followed only when they resolve inside the site
folder; others are refused with a warning naming the link (or copied as links
under ``follow_symlinks: false``), never their target's contents.  FIFOs,
sockets and devices are skipped with a warning; loops are detected.  A file
the build cannot read stops it with "permission denied" and the file's name.
"""

from __future__ import annotations

import os
import socket

import pytest

from tests.reliability.conftest import BASE
from tests.reliability.harness import NOBODY, Case, tree_files

SECRET = "/etc/passwd"


def _everything(case: Case) -> str:
    out = case.site_out
    return "".join((out / f).read_text(errors="replace") for f in tree_files(out)
                   if (out / f).is_file() and not (out / f).is_symlink())


@pytest.mark.parametrize("link", [
    "content/images/notes.txt", "content/posts/2024-03-01-leak.md", "assets/leak.txt",
    "content/posts/bundle/leak.txt", "_includes/leak.html",
], ids=["static", "post", "asset", "bundle-file", "include"])
def test_symlink_outside_the_site_is_refused(base: Case, link: str):
    if "bundle" in link:
        base.write({"content/posts/bundle/index.md": "---\ntitle: Bundle\ndate: 2024-03-02\n---\nB.\n"})
    path = base.root / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(SECRET)
    run = base.build()
    base.check_success(run, link, "outside the site")
    assert "root:x:0:0" not in _everything(base), "the target's contents must never be published"
    assert not any(f.endswith("leak.txt") or f.endswith("notes.txt") for f in tree_files(base.site_out))
    base.check_next_build()


def test_symlink_to_dev_zero_does_not_hang(base: Case):
    link = base.root / "content/posts/2024-03-01-zero.md"
    link.symlink_to("/dev/zero")
    (base.root / "content/images/zero.bin").symlink_to("/dev/zero")
    run = base.build(subprocess_=True, timeout=60)
    base.check_success(run, "content/posts/2024-03-01-zero.md", "content/images/zero.bin")
    base.check_next_build()


def test_symlink_inside_the_site_is_followed(base: Case):
    (base.root / "assets").mkdir()
    (base.root / "assets" / "real.txt").write_text("real text\n")
    (base.root / "content/images/alias.txt").symlink_to("../../assets/real.txt")
    (base.root / "content/posts/2024-03-01-alias.md").symlink_to("../../notes/alias.md")
    base.write({"notes/alias.md": "---\ntitle: Alias\n---\nThrough a link.\n"})
    run = base.build()
    base.check_success(run)
    assert (base.site_out / "images/alias.txt").read_text() == "real text\n"
    assert not (base.site_out / "images/alias.txt").is_symlink()
    assert "Through a link." in (base.site_out / "posts/alias/index.html").read_text()
    base.check_next_build()


def test_follow_symlinks_false_copies_the_link_itself(base: Case):
    base.write({"config.yml": BASE["config.yml"] + "follow_symlinks: false\n"})
    (base.root / "content/images/notes.txt").symlink_to(SECRET)
    (base.root / "content/images/same.svg").symlink_to("dot.svg")
    run = base.build()
    base.check_success(run)
    for name, target in (("images/notes.txt", SECRET), ("images/same.svg", "dot.svg")):
        link = base.site_out / name
        assert link.is_symlink() and os.readlink(link) == target
    assert "root:x:0:0" not in _everything(base)
    base.check_next_build()


@pytest.mark.parametrize("where", ["content/posts/2024-03-01-loop.md", "content/images/loop.png",
                                   "assets/loop.css", "content/images/folder"],
                         ids=["post", "static", "asset", "folder"])
def test_symlink_loops_are_skipped_with_a_warning(base: Case, where: str):
    path = base.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(path.name)                      # a link to itself
    pair_a, pair_b = path.with_name("pair-a" + path.suffix), path.with_name("pair-b" + path.suffix)
    pair_a.symlink_to(pair_b.name)
    pair_b.symlink_to(pair_a.name)
    run = base.build()
    base.check_success(run, where, "symlink loop")
    base.check_next_build()


def test_folder_symlink_cycle_is_walked_once(base: Case):
    (base.root / "content/images/deeper").mkdir()
    (base.root / "content/images/deeper/up").symlink_to("..")
    run = base.build()
    base.check_success(run, "content/images/deeper/up")
    assert (base.site_out / "images/dot.svg").is_file()
    base.check_next_build()


@pytest.mark.parametrize("where", ["content/posts/2024-03-01-dangling.md", "content/images/gone.png",
                                   "assets/gone.css"], ids=["post", "static", "asset"])
def test_dangling_symlink_is_skipped_with_a_warning(base: Case, where: str):
    path = base.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to("does-not-exist")
    run = base.build()
    base.check_success(run, where, "points to nothing")
    base.check_next_build()


@pytest.mark.parametrize("where", ["content/posts/2024-03-01-fifo.md", "content/images/pipe",
                                   "assets/pipe.css"], ids=["post", "static", "asset"])
def test_fifo_is_skipped_and_never_read(base: Case, where: str):
    path = base.root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    run = base.build(subprocess_=True, timeout=60)
    base.check_success(run, where, "not a regular file")
    base.check_next_build(subprocess_=True, timeout=60)


def test_socket_in_content_is_skipped(base: Case, tmp_path):
    path = base.root / "content/images/sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        run = base.build()
        base.check_success(run, "content/images/sock", "not a regular file")
        base.check_next_build()
    finally:
        server.close()


def test_device_in_content_is_skipped(base: Case):
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    path = base.root / "content/images/null"
    os.mknod(path, 0o600 | 0o020000, os.makedev(1, 3))   # a character device: /dev/null
    run = base.build()
    base.check_success(run, "content/images/null", "not a regular file")
    base.check_next_build()


# --------------------------------------------------------------- permissions

@pytest.mark.parametrize(("rel", "shown"), [
    ("config.yml", "config.yml"),
    ("content/posts/2024-02-01-second.md", "content/posts/2024-02-01-second.md"),
    ("content/images/dot.svg", "content/images/dot.svg"),
    ("assets/site.css", "assets/site.css"),
    ("templates/post.html", "templates/post.html"),
], ids=["config", "post", "static", "asset", "template"])
def test_unreadable_file_is_a_located_error(nobody_case: Case, rel: str, shown: str):
    case = nobody_case
    case.write({**BASE, "assets/site.css": "body {}\n", "templates/post.html": "{% extends 'base.html' %}\n"})
    case.own()
    before = case.good(user=NOBODY)
    (case.root / rel).chmod(0o000)
    run = case.build(user=NOBODY)
    case.check_failure(run, before, shown, "permission denied")
    (case.root / rel).chmod(0o644)
    case.check_next_build(user=NOBODY)


def test_unwritable_parent_of_the_output_is_a_located_error(nobody_case: Case):
    case = nobody_case
    case.write(BASE)
    case.out = case.root / "public" / "_site"
    case.own()
    before = case.good(user=NOBODY)
    (case.root / "public").chmod(0o555)
    case.write({"content/posts/2024-03-01-new.md": "---\ntitle: New\n---\nNew.\n"})
    os.chown(case.root / "content/posts/2024-03-01-new.md", NOBODY, NOBODY)
    run = case.build(user=NOBODY)
    case.check_failure(run, before, "public", "permission denied")
    (case.root / "public").chmod(0o755)
    case.check_next_build(user=NOBODY)


def test_output_in_a_folder_that_cannot_be_created(nobody_case: Case):
    case = nobody_case
    case.write(BASE)
    case.own()
    (case.root / "locked").mkdir()
    (case.root / "locked").chmod(0o555)
    case.out = case.root / "locked" / "deep" / "_site"
    run = case.build(user=NOBODY)
    case.check_failure(run, "missing", "locked", "permission denied")


def test_a_site_folder_that_links_out_of_the_site_is_refused(base: Case, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.css").write_text("body { color: red }\n")
    (base.root / "assets").symlink_to(elsewhere)
    run = base.build()
    base.check_success(run, "assets", "outside the site")
    assert not (base.site_out / "assets" / "secret.css").exists()
    base.check_next_build()
