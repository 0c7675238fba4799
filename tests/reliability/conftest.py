"""Fixtures of the reliability suite: a fresh site folder per case, cleaned up even when a case fails."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.reliability.harness import NOBODY, Case, can_run_as_nobody, chown_tree, kill_tagged

#: A small site most cases start from: two posts (two tags, two years), a page, an image.
BASE = {
    # search off: these sites test the build's promises (and small disks), not the search index
    "config.yml": "title: Reliable\nposts_per_page: 1\nurl: https://example.org\nsearch: false\n",
    "content/posts/2023-05-01-first.md": "---\ntitle: First\ntags: [alpha]\n---\nHello $x^2$.\n",
    "content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nWorld.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout this site.\n",
    "content/images/dot.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
}


@pytest.fixture
def case(tmp_path: Path):
    """A site folder for one case (``case.write(files)``, ``case.build()``, ``case.check_*``)."""
    made = Case(tmp_path / "site")
    made.root.mkdir()
    yield made
    kill_tagged(made.tag)


@pytest.fixture
def base(case: Case) -> Case:
    """The base site, built once: ``base.before`` is the hash of its output."""
    case.write(BASE)
    case.before = case.good()
    return case


@functools.cache
def project_unreachable_by_nobody() -> str | None:
    """Why the unprivileged user cannot run this checkout's build.py (None when it can): a
    checkout under a private folder (a 0700 home or mktemp folder) is out of its reach, and
    no test may change the permissions of folders it does not own."""
    import sys

    from tests.helpers import PROJECT

    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, str(PROJECT / "build.py"), "--version"], capture_output=True)
    if probe.returncode == 0:
        return None
    return (f"the unprivileged user cannot run {PROJECT / 'build.py'} (a folder above it is private): "
            "clone the project where every user can read it to run these cases")


def python_runs_as_nobody() -> bool:
    """Whether the unprivileged user can start this Python (cell workers are started by path;
    an interpreter under a private home folder is out of its reach)."""
    import sys

    probe = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            "/usr/bin/env", sys.executable, "-c", "pass"], capture_output=True)
    return probe.returncode == 0


@pytest.fixture
def nobody_case():
    """A site folder an unprivileged user owns (outside pytest's root-only temp folder).

    Cases about unreadable files must not run as root, which reads anything:
    they build with ``case.build(..., user=NOBODY)`` after ``case.own()``.
    """
    why = can_run_as_nobody()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"cannot test permissions as an unprivileged user: {why}")
        pytest.skip(why)
    unreachable = project_unreachable_by_nobody()
    if unreachable:   # where the checkout lives, not a missing tool: a skip that says so, in CI too
        pytest.skip(unreachable)
    folder = Path(tempfile.mkdtemp(prefix="gdblog-nobody-"))
    os.chmod(folder, 0o755)
    made = Case(folder / "site")
    made.root.mkdir()
    made.own = lambda: chown_tree(folder, NOBODY)
    yield made
    kill_tagged(made.tag)
    subprocess.run(["chmod", "-R", "u+rwX", str(folder)], check=False)
    shutil.rmtree(folder, ignore_errors=True)
