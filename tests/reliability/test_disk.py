"""Full disks, mount points, stale or tampered staging folders, read-only caches.

A build that cannot finish never changes the previous site, and the one after
it (once space is freed) succeeds and equals a clean build.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.reliability.conftest import BASE
from tests.reliability.harness import NOBODY, Case, can_mount, tmpfs, tree_files


@pytest.fixture
def mountable():
    why = can_mount()
    if why:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)


def _fill(folder, keep: int) -> None:
    """Fill the file system of ``folder`` until about ``keep`` bytes are left."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    if free > keep:
        with open(os.path.join(folder, "filler"), "wb") as fh:
            fh.write(b"\0" * (free - keep))


def test_output_on_a_full_disk(case: Case, mountable):
    case.write(BASE)
    with tmpfs(case.root.parent / "small", "512k") as small:
        case.out = small / "_site"
        before = case.good()
        case.write({"content/big.bin": os.urandom(600 * 1024)})
        run = case.build()
        case.check_failure(run, before, "disk full", "free space")
        assert not [p for p in small.iterdir() if p.name not in ("_site", "._site.staging", "._site.lock")]
        (case.root / "content/big.bin").unlink()
        case.check_next_build()


def test_site_on_a_full_disk(tmp_path, mountable):
    with tmpfs(tmp_path / "disk", "2m") as disk:
        case = Case(disk / "site")
        case.root.mkdir()
        case.write(BASE)
        before = case.good()
        case.write({"content/posts/2024-03-01-more.md": "---\ntitle: More\n---\n" + "More words. " * 2000})
        _fill(disk, 8 * 1024)
        run = case.build()
        case.check_failure(run, before, "disk full", "free space")
        (disk / "filler").unlink()
        case.check_next_build()


def test_output_folder_that_is_a_mount_point(case: Case, mountable):
    case.write(BASE)
    with tmpfs(case.root / "_site", "4m") as out:
        first = case.good()
        assert out.is_mount() and (out / "posts/first/index.html").is_file()
        case.write({"content/posts/2023-05-01-first.md": "---\ntitle: First\ntags: [alpha]\n---\nChanged.\n"})
        case.good()
        assert "Changed." in (out / "posts/first/index.html").read_text()
        assert case.out_hash() != first
        before = case.out_hash()
        case.write({"content/posts/bad.md": "---\ntitle: [unclosed\n---\nx\n"})
        run = case.build()
        case.check_failure(run, before, "content/posts/bad.md:3:")
        (case.root / "content/posts/bad.md").unlink()
        case.check_next_build()


def test_junk_in_the_staging_folder_is_never_published(base: Case):
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nEdit 1.\n"})
    base.good()                      # now the staging folder exists (the site before last)
    staging = base.root / "._site.staging"
    assert staging.is_dir()
    (staging / "JUNK.html").write_text("<p>junk</p>\n")
    (staging / "posts" / "junk").mkdir(parents=True)
    (staging / "posts" / "junk" / "index.html").write_text("<p>junk</p>\n")
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nEdit 2.\n"})
    base.good()
    files = tree_files(base.site_out)
    assert "JUNK.html" not in files and "posts/junk/index.html" not in files
    base.check_next_build()


@pytest.mark.parametrize("junk", ["JUNK.html", "posts/first/JUNK.html"])
def test_junk_in_the_live_folder_does_not_come_back(base: Case, junk: str):
    (base.site_out / junk).write_text("<p>junk</p>\n")
    for n in range(3):
        base.write({"content/posts/2024-02-01-second.md": f"---\ntitle: Second\ntags: [beta]\n---\nEdit {n}.\n"})
        base.good()
        assert junk not in tree_files(base.site_out), f"{junk} published again by build {n + 1}"
    base.check_next_build()


def test_stale_staging_folder_after_a_dead_build_is_rebuilt(base: Case):
    staging = base.root / "._site.staging"
    staging.mkdir(exist_ok=True)
    (staging / ".gdblog-unfinished").touch()
    (staging / "index.html").write_text("stale\n")
    (staging / "stale.html").write_text("stale\n")
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nNew.\n"})
    base.good()
    assert "stale.html" not in tree_files(base.site_out)
    assert (base.site_out / "index.html").read_text() != "stale\n"
    base.check_next_build()


def test_staging_path_taken_by_a_file(base: Case):
    (base.root / "._site.staging").write_text("not a folder\n")
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nNew.\n"})
    run = base.build()
    base.check_success(run)
    base.check_next_build()


# ---------------------------------------------------------------- read-only caches

def test_read_only_cache_still_publishes(nobody_case: Case):
    case = nobody_case
    case.write(BASE)
    case.own()
    case.good(user=NOBODY)
    case.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nEdited.\n"})
    os.chown(case.root / "content/posts/2024-02-01-second.md", NOBODY, NOBODY)
    for dirpath, _, _ in os.walk(case.root / ".cache"):
        os.chmod(dirpath, 0o555)
    run = case.build(user=NOBODY)
    case.check_success(run, ".cache", "permission denied")
    assert "Edited." in (case.site_out / "posts/second/index.html").read_text()
    for dirpath, _, _ in os.walk(case.root / ".cache"):
        os.chmod(dirpath, 0o755)
    case.check_next_build(user=NOBODY)


CELL_POST = "---\ntitle: Cells\ndate: 2024-03-01\n---\n```{python}\nprint(6 * 7)\n```\n"


def test_read_only_exec_cache_when_a_cell_must_run(nobody_case: Case):
    from tests.reliability.conftest import python_runs_as_nobody

    if not python_runs_as_nobody():
        pytest.skip("the unprivileged user cannot start this Python (it lives under a private folder): "
                    "cells cannot run as that user here")
    case = nobody_case
    case.write({**BASE, "content/posts/cells.md": CELL_POST})
    case.own()
    before = case.good(user=NOBODY)
    case.write({"content/posts/cells.md": CELL_POST.replace("6 * 7", "6 * 9")})
    os.chown(case.root / "content/posts/cells.md", NOBODY, NOBODY)
    for dirpath, _, _ in os.walk(case.root / ".cache"):
        os.chmod(dirpath, 0o555)
    run = case.build(user=NOBODY)
    case.check_failure(run, before, ".cache/exec", "permission denied")
    for dirpath, _, _ in os.walk(case.root / ".cache"):
        os.chmod(dirpath, 0o755)
    case.check_next_build(user=NOBODY)


@pytest.mark.parametrize("where", [".cache", ".cache/build", ".cache/exec/entries", ".cache/jinja",
                                   ".cache/exec/blobs"])
def test_cache_folder_replaced_by_a_file_heals(case: Case, where: str):
    case.write({**BASE, "content/posts/cells.md": CELL_POST})
    case.good()
    target = case.root / where
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("not a folder\n")
    case.write({"content/posts/cells.md": CELL_POST.replace("6 * 7", "6 * 8")})
    run = case.build()
    case.check_success(run, where)
    assert "48" in (case.site_out / "posts/cells/index.html").read_text()
    case.check_next_build()
