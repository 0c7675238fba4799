"""The cases the red-team run found already sound, kept as tests so they stay that way.

Fuzzed Markdown; cells that segfault, call ``os._exit``, print 200 MB or loop
forever under a timeout; edits during a build; XSS through front matter and
config; path traversal against ``serve``.
"""

from __future__ import annotations

import http.client
import random
import time

import pytest

from generator import BuildOptions
from generator.serve import Server
from tests.reliability.conftest import BASE
from tests.reliability.harness import Case, tree_files

PIECES = ["$", "$$", "\\(", "\\)", "\\[", "\\]", "\\begin{aligned}", "\\end{aligned}", "{%", "%}", "{{", "}}",
          "```", "~~~", "```{python}", "|", "|--|", "<div>", "</div>", "<iframe>", "[", "](", ")", "*", "_",
          "{:", "}", "#", "> ", "- ", "1. ", "\n", "\n\n", "\t", "<!--", "-->", "&", "\\", "`", "^[", "[^1]",
          "{% raw %}", "{% endraw %}", "{% include x.html %}", "\x00", "\ufeff", "é", "\u202e", "---\n"]


@pytest.mark.parametrize("seed", range(6))
def test_fuzzed_markdown_builds_or_fails_with_a_location(base: Case, seed: int):
    rng = random.Random(seed)
    for n in range(5):
        body = "".join(rng.choice(PIECES) + rng.choice(["", " ", "x", "word "]) for _ in range(400))
        base.write({f"content/posts/2024-03-0{n + 1}-fuzz{n}.md": f"---\ntitle: Fuzz {n}\n---\n" + body})
    run = base.build()
    assert "Traceback" not in run.err and "internal error" not in run.err, run.text[-3000:]
    if run.code == 0:
        base.leftovers()
    else:
        base.check_failure(run, base.before, "error: content/posts/")
    for n in range(5):
        (base.root / f"content/posts/2024-03-0{n + 1}-fuzz{n}.md").unlink()
    base.check_next_build()


@pytest.mark.parametrize(("code", "message"), [
    ("import ctypes\nctypes.string_at(0)", "killed its worker process"),
    ("import os\nos._exit(3)", "killed its worker process"),
    ("import sys\nsys.stdout.write('x' * (200 << 20))", "more than 16 MB of output"),
    ("#| timeout: 1\nwhile True:\n    pass", "timed out after 1 s"),
], ids=["segfault", "os-exit", "print-200-MB", "endless-loop"])
def test_a_failing_cell_is_reported_and_harmless(base: Case, code: str, message: str):
    base.write({"content/posts/bad.md": f"---\ntitle: Bad\n---\n```{{python}}\n{code}\n```\n"})
    run = base.build()
    base.check_failure(run, base.before, "error: content/posts/bad.md:", message)
    (base.root / "content/posts/bad.md").unlink()
    base.check_next_build()


def test_an_edit_during_a_build_is_picked_up_by_the_next(base: Case):
    post = base.root / "content/posts/slow.md"
    post.write_text("---\ntitle: Slow\n---\n```{python}\nimport time\ntime.sleep(1)\nprint('one')\n```\n")
    proc = base.start()
    time.sleep(0.5)
    post.write_text("---\ntitle: Slow\n---\n```{python}\nprint('two')\n```\n")
    proc.communicate(timeout=120)
    base.good()
    assert "two" in (base.site_out / "posts/slow/index.html").read_text()
    base.check_next_build()


XSS = '<script>alert("x")</script>'


def test_markup_in_front_matter_and_config_is_escaped(base: Case):
    base.write({
        "config.yml": f"title: '{XSS}'\ndescription: '\"><img src=x onerror=alert(1)>'\nauthor: '{XSS}'\n",
        "content/posts/2024-03-01-x.md": f"---\ntitle: '{XSS}'\nsummary: '{XSS}'\ntags: ['{XSS}', '\"><b>']\n"
                                         f"description: '\"><img src=x onerror=alert(2)>'\n---\nBody.\n",
    })
    run = base.build()
    base.check_success(run)
    from selectolax.lexbor import LexborHTMLParser

    for name in tree_files(base.site_out):
        text = (base.site_out / name).read_text(errors="replace")
        assert "<script>alert" not in text, name
        if name.endswith(".html"):
            tree = LexborHTMLParser(text)
            assert not [n for n in tree.css("script") if "alert" in (n.text() or "")], name
            assert not tree.css("[onerror]"), name
            assert not tree.css("b"), name
    base.check_next_build()


TRAVERSALS = [
    "/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd",
    "/posts/../../../etc/passwd", "/..\\..\\etc\\passwd", "/%5c..%5c..%5cetc%5cpasswd", "/etc/passwd%00.html",
    "/%00", "/.%2e/.%2e/etc/passwd", "/....//....//etc/passwd", "/%252e%252e/etc/passwd",
    "/posts/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/./../etc/passwd", "/%c0%ae%c0%ae/etc/passwd",
    "/..;/etc/passwd", "/../_site.staging/", "/../config.yml",
]


def test_serve_never_answers_outside_the_output(base: Case):
    with Server(BuildOptions(source=base.root, jobs=1), port=0, watch=None, quiet=True) as server:
        for path in TRAVERSALS:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.putrequest("GET", path, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            body = response.read()
            assert b"root:x:0:0" not in body and b"title: Reliable" not in body, path
            assert response.status in (200, 302, 400, 404), (path, response.status)
    assert BASE


def test_thousands_of_warnings_of_one_kind_are_counted(case: Case):
    """A file with thousands of unclosed formulas gets ten warnings and a count, not thousands of lines."""
    case.write({"config.yml": "title: Many\nurl: https://example.org\n",
                "content/posts/2024-01-01-many.md": "---\ntitle: Many\n---\n" + "\\begin{aligned} x\n\n" * 500})
    run = case.build()
    case.check_success(run, "content/posts/2024-01-01-many.md: 490 more like")
    assert run.err.count("warning:") == 11, run.err[-2000:]
