"""Failures are loud (file:line, Markdown-mapped tracebacks), precise and harmless."""

from __future__ import annotations

import pytest

from exec_testutils import fence
from generator.errors import BuildError
from generator.kernel import Limits, worker_starts

POST = "content/posts/x/index.md"

# Every worker here is forked by a zygote (see conftest); test_zygote.py runs
# crashes through plain workers too.
pytestmark = pytest.mark.usefixtures("zygote_for_every_build")


def failing(site, *posts, **options) -> BuildError:
    with pytest.raises(BuildError) as info:
        site.execute(*posts, **options)
    return info.value


def post(site, rel, *cells, intro="# Post\n\nSome prose.\n\n"):
    site.write(rel, intro + "\n".join(cells))
    return rel


def test_exception_points_at_the_markdown_line(site):
    post(site, POST, fence("a = 1"), fence("""
        def check(v):
            if v > 0:
                raise ValueError(f"bad value {v}")
        check(a)
        """))
    error = failing(site, POST)
    [diag] = error.errors
    # Lines: 1-4 intro, 5-7 first cell, 8 blank, 9 fence, 10 'def check', 12 'raise', 13 'check(a)'.
    assert str(diag).startswith(f"{POST}:12: cell 2 raised ValueError: bad value 1\n")
    assert (diag.path, diag.line) == (POST, 12)
    assert f'File "{POST}", line 13, in <module>\n    check(a)' in diag.hint
    assert f'File "{POST}", line 12, in check\n    raise ValueError(f"bad value {{v}}")' in diag.hint
    assert "_worker" not in diag.hint and "<string>" not in diag.hint
    assert [c.status for c in error.results[POST].cells] == ["ran", "missing"]


def test_syntax_error_points_at_its_line(site):
    post(site, POST, fence("x = 1\ny = (2 +\n"))
    [diag] = failing(site, POST).errors
    assert diag.message == "cell 1 has a syntax error: '(' was never closed"
    assert diag.line == 7


def test_error_true_renders_the_traceback_and_continues(site):
    post(site, POST, fence("print('before')\n1 / 0", "error: true"), fence("print('after')"))
    result = site.execute(POST)[POST]
    first = result.cells[0].outputs
    assert [o.kind for o in first] == ["stream", "error"]
    assert first[1].text.endswith("ZeroDivisionError: division by zero\n")
    assert f'File "{POST}", line 8, in <module>\n    1 / 0' in first[1].text
    assert result.cells[1].outputs[0].text == "after\n"


def test_timeout_stops_the_cell(site):
    post(site, POST, fence("import time\ntime.sleep(60)", "timeout: 2"))
    [diag] = failing(site, POST).errors
    # The worker dumps its stack when the time is up: the line it was stuck on.
    assert str(diag).startswith(f"{POST}:8: cell 1 timed out after 2 s and was stopped")
    assert "timeout" in diag.hint
    assert f'File "{POST}", line 8 in <module>' in diag.hint


def test_os_exit_is_reported(site):
    post(site, POST, fence("x = 1"), fence("import os\nos._exit(3)"))
    [diag] = failing(site, POST).errors
    assert str(diag).startswith(f"{POST}:10: cell 2 killed its worker process (exited with status 3)")


def test_segfault_is_reported_with_the_cell_line(site):
    post(site, POST, fence("import ctypes\nctypes.string_at(0)"))
    [diag] = failing(site, POST).errors
    assert str(diag).startswith(f"{POST}:7: cell 1 killed its worker process (killed by SIGSEGV)")
    assert f'File "{POST}", line 7 in <module>' in diag.hint   # faulthandler's dump
    assert "_worker" not in diag.hint


def test_sys_exit_is_an_error_not_a_silent_end(site):
    post(site, POST, fence("import sys\nprint('bye')\nsys.exit(2)"), fence("print('never')"))
    [diag] = failing(site, POST).errors
    assert str(diag).startswith(f"{POST}:8: cell 1 raised SystemExit: 2")


def test_unbounded_print_is_stopped(site):
    post(site, POST, fence("while True:\n    print('spam' * 1000)"))
    [diag] = failing(site, POST).errors
    assert diag.message == "cell 1 printed more than 16 MB of output and was stopped"
    assert diag.line == 6


def test_unbounded_fd_output_is_stopped(site):
    post(site, POST, fence("import os\nwhile True:\n    os.write(1, b'x' * 65536)"))
    [diag] = failing(site, POST, limits=Limits(hard_cap=4 << 20)).errors
    assert diag.message == "cell 1 printed more than 4 MB of output and was stopped"


def test_every_failing_post_is_reported_in_one_run(site):
    a = post(site, "content/posts/a/index.md", fence("raise KeyError('a')"))
    b = post(site, "content/posts/b/index.md", fence("import os\nos._exit(1)"))
    c = post(site, "content/posts/c/index.md", fence("print('fine')"))
    d = post(site, "content/posts/d/index.md", fence("x = 1"), "Inline `{python} y`.\n")
    before = worker_starts()
    error = failing(site, a, b, c, d, jobs=2)
    assert worker_starts() - before == 4
    assert [str(e).split("\n")[0] for e in error.errors] == [
        f"{a}:6: cell 1 raised KeyError: 'a'",
        f"{b}:6: cell 1 killed its worker process (exited with status 1)",
        f"{d}:9: inline expression 1 raised NameError: name 'y' is not defined",
    ]
    assert error.results[c].cells[0].outputs[0].text == "fine\n"
    # The good post is cached: the next run only retries the failed ones.
    before = worker_starts()
    failing(site, a, b, c, d)
    assert worker_starts() - before == 3


def test_writing_into_content_is_warned(site):
    post(site, POST, fence("open('generated.txt', 'w').write('x')\nopen('../../../notes.txt', 'w').write('y')"))
    result = site.execute(POST)[POST]
    [warning] = result.warnings
    assert (warning.path, warning.line) == (POST, 6)
    assert warning.message == "cell 1 wrote into content/: content/posts/x/generated.txt"
    again = site.execute(POST)[POST]      # cached: the warning stays until it is fixed
    assert again.warnings == [warning]


def test_failures_are_not_cached(site):
    post(site, POST, fence("import os\nif not os.path.exists('flag'):\n    raise RuntimeError('no flag')"))
    failing(site, POST)
    (site.root / "content/posts/x/flag").write_text("")
    result = site.execute(POST)[POST]
    assert result.cells[0].status == "ran"
    assert result.cells[0].reason == "no cache entry"


def test_closing_or_redirecting_stdout_does_not_hang_the_worker(site):
    post(site, POST, fence("import os\nos.close(1)\nprint('python-level still captured')"),
         fence("import os, sys\nfd = os.open('out.log', os.O_WRONLY | os.O_CREAT)\nos.dup2(fd, 2)\n'ok'"),
         fence("'still running'"))
    result = site.execute(POST)[POST]
    assert [o.text for c in result.cells for o in c.outputs] == [
        "python-level still captured\n", "'ok'", "'still running'"]


def test_kill_all_stops_running_workers_at_once(site):
    import threading
    import time

    from generator.kernel.runner import kill_all
    post(site, POST, fence("import time\ntime.sleep(60)"))
    outcome = {}

    def build():
        try:
            site.execute(POST)
        except BuildError as exc:
            outcome["error"] = exc

    before = worker_starts()
    thread = threading.Thread(target=build)
    thread.start()
    deadline = time.monotonic() + 60
    while worker_starts() == before:
        assert time.monotonic() < deadline, "the build never started its worker"
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.monotonic()
    kill_all()
    thread.join(10)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert "killed its worker process (killed by SIGKILL)" in str(outcome["error"])
