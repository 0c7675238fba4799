"""The Jekyll-style fixture site in tests/jekyll/site, laid out for each generator.

The folder is a small Jekyll source tree (``_posts/``, ``_includes/``, a page
at the root, ``assets/``).  :func:`as_gdblog` copies it the way a writer moves
a blog over (posts into ``content/posts/``, pages into ``content/pages/``,
the rest unchanged); :func:`as_jekyll` adds the minimal ``_config.yml`` and
layouts Jekyll needs and builds it with the ``jekyll`` command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JEKYLL_SITE = Path(__file__).resolve().parent / "site"

#: What Jekyll's layouts print around a post: only the post, then MathJax 3 set
#: up as the comparison needs it (see test_compare_jekyll.py).  The config comes
#: after the body so that a post's own ``window.MathJax = ...`` cannot override it.
LAYOUT = "{{ content }}\n<!-- mathjax -->\n"


def as_gdblog(root: Path, *, base_url: str = "/blog/") -> Path:
    """A gdblog site made from the fixture, as a writer would copy it."""
    (root / "content" / "posts").mkdir(parents=True)
    (root / "content" / "pages").mkdir(parents=True)
    for post in (JEKYLL_SITE / "_posts").iterdir():
        shutil.copy(post, root / "content" / "posts" / post.name)
    for page in JEKYLL_SITE.glob("*.md"):
        shutil.copy(page, root / "content" / "pages" / page.name)
    shutil.copytree(JEKYLL_SITE / "_includes", root / "_includes")
    shutil.copytree(JEKYLL_SITE / "assets", root / "assets")
    (root / "config.yml").write_text(f"title: Test\nbase_url: {base_url}\n", encoding="utf-8")
    return root


def jekyll_command() -> str | None:
    """The ``jekyll`` command, or skip (CI must have it: .ci/run installs Debian's package)."""
    found = shutil.which("jekyll")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("jekyll is not installed; CI must install it (apt-get install jekyll)")
    pytest.skip("jekyll is not installed (apt-get install jekyll): the comparison with Jekyll is skipped")


def as_jekyll(root: Path, mathjax_head: str, *, base_url: str = "/blog") -> Path:
    """Build the fixture with Jekyll (offline, no plugins); return the output folder."""
    command = jekyll_command()
    source, out = root / "src", root / "out"
    shutil.copytree(JEKYLL_SITE, source)
    (source / "_layouts").mkdir()
    for layout in ("default", "post", "page"):
        (source / "_layouts" / f"{layout}.html").write_text(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n"
            + LAYOUT.replace("<!-- mathjax -->", mathjax_head) + "</body></html>\n", encoding="utf-8")
    # kramdown with Jekyll's defaults (GFM input, MathJax math engine); nothing
    # from the network, no plugins, so Debian's jekyll runs as installed.
    (source / "_config.yml").write_text(
        f'title: Test\nbaseurl: "{base_url}"\nurl: "http://127.0.0.1"\nmarkdown: kramdown\n'
        "plugins: []\nsafe: true\n", encoding="utf-8")
    return jekyll_build(command, source, out)


def jekyll_build(command: str, source: Path, out: Path) -> Path:
    """``jekyll build --safe`` of ``source`` (a copy: Jekyll writes its cache beside the sources) into ``out``."""
    proc = subprocess.run([command, "build", "--safe", "--disable-disk-cache", "--source", str(source),
                           "--destination", str(out)],
                          capture_output=True, text=True, timeout=300, check=False,
                          env={**os.environ, "JEKYLL_ENV": "production", "LANG": "C.UTF-8"})
    assert proc.returncode == 0, f"jekyll build failed:\n{proc.stdout}\n{proc.stderr}"
    return out
