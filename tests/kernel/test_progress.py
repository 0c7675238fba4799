"""Progress: one line per executing post, in place on a terminal, plain otherwise."""

from __future__ import annotations

import io

from exec_testutils import fence
from generator.kernel import ProgressEvent, terminal_progress


def test_execute_posts_reports_each_running_post(site):
    site.write("content/posts/a/index.md", fence("x = 1") + fence("y = 2"))
    site.write("content/posts/b/index.md", fence("z = 3"))
    events: list[ProgressEvent] = []
    site.execute("content/posts/a/index.md", "content/posts/b/index.md", progress=events.append)
    finals = {e.key: e for e in events if e.state != "running"}
    assert {k: (e.state, e.total, e.ran, e.cached) for k, e in finals.items()} == {
        "content/posts/a/index.md": ("done", 2, 2, 0), "content/posts/b/index.md": ("done", 1, 1, 0)}
    events.clear()
    site.execute("content/posts/a/index.md", "content/posts/b/index.md", progress=events.append)
    assert events == []   # fully cached posts start no worker and print nothing


def test_plain_stream_gets_one_line_per_finished_post():
    out = io.StringIO()
    sink = terminal_progress(out, tty=False)
    sink(ProgressEvent("a", "content/a.md", "running", 3, 1, 0, 0.5))
    sink(ProgressEvent("a", "content/a.md", "done", 3, 2, 1, 1.25))
    sink(ProgressEvent("b", "content/b.md", "failed", 1, 0, 0, 2.0))
    assert out.getvalue() == ("content/a.md: 3/3 cells (2 ran, 1 cached) 1.2 s done\n"
                              "content/b.md: 0/1 cells (0 ran, 0 cached) 2.0 s FAILED\n")


def test_terminal_lines_are_rewritten_in_place():
    out = io.StringIO()
    sink = terminal_progress(out, tty=True)
    sink(ProgressEvent("a", "a.md", "running", 2, 0, 0, 0.0))
    sink(ProgressEvent("b", "b.md", "running", 1, 0, 0, 0.0))
    sink(ProgressEvent("a", "a.md", "running", 2, 1, 0, 0.5))
    sink(ProgressEvent("a", "a.md", "done", 2, 2, 0, 1.0))
    assert out.getvalue().split("\x1b[") == [
        "a.md: 0/2 cells (0 ran, 0 cached) 0.0 s\n",
        "1F", "Ja.md: 0/2 cells (0 ran, 0 cached) 0.0 s\nb.md: 0/1 cells (0 ran, 0 cached) 0.0 s\n",
        "2F", "Ja.md: 1/2 cells (1 ran, 0 cached) 0.5 s\nb.md: 0/1 cells (0 ran, 0 cached) 0.0 s\n",
        # a finished: its final line stays, the block below holds only b
        "2F", "Ja.md: 2/2 cells (2 ran, 0 cached) 1.0 s done\nb.md: 0/1 cells (0 ran, 0 cached) 0.0 s\n"]
