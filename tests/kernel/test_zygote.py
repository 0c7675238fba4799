"""The zygote: workers forked from one pre-imported process, isolated, reaped, and a fallback."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from exec_testutils import PROJECT_ROOT, fence

from generator.errors import BuildError
from generator.kernel import engine, runner, worker_starts
from generator.kernel.runner import Zygote, zygote_pays

REAL_RULE = zygote_pays   # taken before conftest's fixture replaces it
pytestmark = pytest.mark.usefixtures("zygote_for_every_build")

PROBE = fence("""
    import json, os, sys, threading
    preloaded = {name: name in sys.modules for name in ("numpy", "matplotlib.pyplot", "gdcore")}
    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "sid": os.getsid(0),
                      "pgid": os.getpgid(0), "preloaded": preloaded, "fds": fds,
                      "threads": threading.active_count(), "cwd": os.getcwd()}))
    """)


def probe(result) -> dict:
    return json.loads(result.cells[0].outputs[0].text)


@pytest.fixture
def zygotes(monkeypatch) -> list[Zygote]:
    """The Zygote objects that builds create, in order."""
    made = []

    class Recorded(Zygote):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(engine, "Zygote", Recorded)
    return made


def posts(site, n: int, body: str = PROBE) -> list[str]:
    rels = [f"content/posts/p{i}/index.md" for i in range(n)]
    for rel in rels:
        site.write(rel, f"# {rel}\n\n" + body)
    return rels


def test_workers_are_forked_from_one_zygote_that_preloaded_pyplot_but_not_gdcore(site, zygotes):
    rels = posts(site, 3)
    before = worker_starts()
    results = site.execute(*rels, jobs=2)
    assert worker_starts() - before == 3          # each forked child is one worker start
    [zygote] = zygotes
    assert zygote.info["threads"] == 1            # forking a threaded process would be unsafe
    seen = [probe(results[rel]) for rel in rels]
    for rel, info in zip(rels, seen):
        assert info["ppid"] == zygote.pid != os.getpid()
        assert info["preloaded"] == {"numpy": True, "matplotlib.pyplot": True, "gdcore": False}
        # Its own session and process group, so killpg reaches all it starts.
        assert info["sid"] == info["pgid"] == info["pid"]
        # Nothing leaks in from the zygote or from the other posts' spawns.
        assert info["fds"][:4] == [0, 1, 2, 3] and len(info["fds"]) == 5   # + listdir's own fd
        assert info["threads"] == 1
        assert info["cwd"] == str((site.root / rel).parent)
    assert len({info["pid"] for info in seen}) == 3
    # The build closed it.
    assert zygote.state == "closed" and zygote.proc.returncode == 0


def test_two_posts_of_one_build_share_no_state(site, zygotes):
    leak = fence("""
        import builtins, os, random, sys
        import numpy as np
        import matplotlib
        import matplotlib.pyplot as plt
        before = (random.random(), float(np.random.rand()), matplotlib.rcParams["lines.linewidth"])
        print(before)
        builtins.LEAKED = "a"
        np.LEAKED = "a"
        os.environ["GDBLOG_LEAKED"] = "a"
        sys.path.append("/leaked")
        matplotlib.rcParams["lines.linewidth"] = 9.0
        plt.figure()
        random.random(), np.random.rand()
        """)
    check = fence("""
        import builtins, os, random, sys
        import numpy as np
        import matplotlib
        import matplotlib.pyplot as plt
        print((random.random(), float(np.random.rand()), matplotlib.rcParams["lines.linewidth"]))
        print(hasattr(builtins, "LEAKED"), hasattr(np, "LEAKED"), "GDBLOG_LEAKED" in os.environ,
              "/leaked" in sys.path, plt.get_fignums())
        """)
    a = site.write("content/posts/a/index.md", "# A\n\n" + leak)
    b = site.write("content/posts/b/index.md", "# B\n\n" + check)
    a, b = (str(p.relative_to(site.root)) for p in (a, b))
    results = site.execute(a, b, jobs=1)       # one after the other, from the same zygote
    assert len(zygotes) == 1 and zygotes[0].state == "closed"
    first = results[a].cells[0].outputs[0].text
    second, flags = results[b].cells[0].outputs[0].text.splitlines()
    assert first.strip() == second             # same seed, same rcParams: a fresh start
    assert flags == "False False False False []"


def test_figures_are_identical_from_zygote_and_plain_workers(site, monkeypatch):
    site.write("content/posts/g/index.md", "# G\n\n" + fence("""
        import numpy as np
        import gdcore
        from gdcore import plots
        data = gdcore.datasets.synthetic_line(n=40, seed=1)
        run = gdcore.gradient_descent(data.x_train, data.y_train, lr=0.1, epochs=50, init=(0.0, 0.0))
        plots.loss_curve(run)
        """) + "\n" + fence("""
        import matplotlib.pyplot as plt
        plt.plot([1, 2, 3], [3, 1, 2], label="$x^2$")
        plt.legend();
        """, "fig-format: png"))
    rel = "content/posts/g/index.md"

    def figures(result):
        return [o.file.read_bytes() for c in result.cells for o in c.outputs if o.file]

    forked = figures(site.execute(rel)[rel])
    monkeypatch.setenv(runner.NO_ZYGOTE_VAR, "1")
    plain = figures(site.execute(rel, refresh=True)[rel])
    assert len(forked) == 2 and forked == plain


@pytest.mark.parametrize("mode", ["zygote", "plain"])
def test_crashes_are_reported_the_same_way_on_both_paths(site, monkeypatch, mode):
    if mode == "plain":
        monkeypatch.setenv(runner.NO_ZYGOTE_VAR, "1")
    intro = "# Post\n\n"
    a = site.write("content/posts/a/index.md", intro + fence("import os\nos._exit(3)"))
    b = site.write("content/posts/b/index.md", intro + fence("import ctypes\nctypes.string_at(0)"))
    c = site.write("content/posts/c/index.md", intro + fence("import time\ntime.sleep(60)", "timeout: 1"))
    d = site.write("content/posts/d/index.md", intro + fence("import os\nos.kill(os.getpid(), 15)"))
    rels = [str(p.relative_to(site.root)) for p in (a, b, c, d)]
    with pytest.raises(BuildError) as info:
        site.execute(*rels, jobs=2)
    messages = [str(e).split("\n")[0] for e in info.value.errors]
    assert messages == [
        f"{rels[0]}:4: cell 1 killed its worker process (exited with status 3)",
        f"{rels[1]}:5: cell 1 killed its worker process (killed by SIGSEGV)",
        f"{rels[2]}:6: cell 1 timed out after 1 s and was stopped",
        f"{rels[3]}:4: cell 1 killed its worker process (killed by SIGTERM)",
    ]
    # faulthandler's dump names the line
    assert f'File "{rels[1]}", line 5 in <module>' in info.value.errors[1].hint


def test_plain_workers_when_disabled(site, monkeypatch, zygotes):
    monkeypatch.setenv(runner.NO_ZYGOTE_VAR, "1")
    rels = posts(site, 2)
    before = worker_starts()
    results = site.execute(*rels)
    assert worker_starts() - before == 2
    for rel in rels:
        info = probe(results[rel])
        assert info["ppid"] == os.getpid()
        assert info["preloaded"]["matplotlib.pyplot"] is False
    assert zygotes[0].state == "failed" and runner.NO_ZYGOTE_VAR in zygotes[0].reason


@pytest.mark.parametrize("boot, reason", [
    ("import sys; sys.exit(5)", "exited with 5"),
    ("raise ImportError('matplotlib is broken')", "ImportError: matplotlib is broken"),
])
def test_plain_workers_when_the_zygote_cannot_start(site, monkeypatch, zygotes, boot, reason):
    monkeypatch.setattr(runner, "_ZYGOTE_BOOT", boot)
    rels = posts(site, 2)
    results = site.execute(*rels)
    assert [probe(results[rel])["ppid"] for rel in rels] == [os.getpid()] * 2
    [zygote] = zygotes
    assert zygote.state == "failed" and reason in zygote.reason


def test_a_zygote_that_dies_mid_build_leaves_plain_workers(site, zygotes):
    # The first post kills the zygote; it still finishes (its socket is its
    # own), its exit is noticed without the zygote's report, later posts fall back.
    killer = "# K\n\n" + fence("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('still here')")
    site.write("content/posts/a/index.md", killer)
    rels = ["content/posts/a/index.md"] + posts(site, 2)
    started = time.monotonic()
    results = site.execute(*rels, jobs=1)
    assert results[rels[0]].cells[0].outputs[0].text == "still here\n"
    assert [probe(results[rel])["ppid"] for rel in rels[1:]] == [os.getpid()] * 2
    assert zygotes[0].state == "closed" and zygotes[0].proc.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 30


def test_the_zygote_serves_threads_at_once_and_reports_each_exit(tmp_path):
    zygote = Zygote()
    children = []
    lock = threading.Lock()

    def spawn(i: int) -> None:
        (tmp_path / str(i)).mkdir()
        parent, child = socket.socketpair()
        proc = zygote.spawn(tmp_path / str(i), child.fileno())
        child.close()
        with lock:
            children.append((i, proc, parent))

    threads = [threading.Thread(target=spawn, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a spawn never returned"
    try:
        assert len({proc.pid for _, proc, _ in children}) == 8
        # A worker whose socket closes before "init" exits with 0; one that is
        # killed reports the signal, as Popen would.
        for i, proc, parent in children:
            if i % 2:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                parent.close()
        for i, proc, parent in children:
            assert proc.wait(timeout=10) == (-signal.SIGKILL if i % 2 else 0)
            assert proc.poll() == proc.returncode
            # EOF: neither the zygote nor a sibling holds a copy of the write end.
            assert select.select([proc.stdout], [], [], 10)[0] and proc.stdout.read() == b""
            proc.stdout.close()
            proc.stderr.close()
            parent.close()
    finally:
        zygote.close()
    assert zygote.proc.returncode == 0


def test_the_zygote_exits_when_the_build_process_dies(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(PROJECT_ROOT)!r})
        from generator.kernel.runner import Zygote
        zygote = Zygote()
        assert zygote._ensure(), zygote.reason
        print(zygote.pid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    pid = int(proc.stdout)
    deadline = time.monotonic() + 10
    while not runner._gone(pid):
        assert time.monotonic() < deadline, "the zygote outlived its build"
        time.sleep(0.05)


def test_only_builds_with_more_posts_than_slots_use_a_zygote(site, monkeypatch, zygotes):
    assert not REAL_RULE(1, 1) and not REAL_RULE(2, 2) and REAL_RULE(3, 2)
    monkeypatch.setattr(runner, "zygote_pays", REAL_RULE)
    rels = posts(site, 3)
    results = site.execute(*rels[:2], jobs=2)
    assert zygotes == [] and probe(results[rels[0]])["ppid"] == os.getpid()
    results = site.execute(*rels, jobs=2, refresh=True)
    assert len(zygotes) == 1 and probe(results[rels[2]])["ppid"] == zygotes[0].pid


def test_a_post_with_its_own_matplotlibrc_gets_a_plain_worker(site, zygotes):
    rels = posts(site, 1, PROBE + "\n" + fence("import matplotlib\nmatplotlib.rcParams['lines.linewidth']"))
    (site.root / "content/posts/p0/matplotlibrc").write_text("lines.linewidth: 7\n")
    result = site.execute(*rels)[rels[0]]
    assert probe(result)["ppid"] == os.getpid()
    assert result.cells[1].outputs[0].text == "7.0"


def test_closing_a_zygote_that_is_still_starting_does_not_wait_for_it(monkeypatch):
    monkeypatch.setattr(runner, "_ZYGOTE_BOOT", "import time; time.sleep(60)")
    zygote = Zygote(startup_timeout=60)
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(zygote.spawn(PROJECT_ROOT, 0)))
    thread.start()
    deadline = time.monotonic() + 30
    while zygote.proc is None:
        assert time.monotonic() < deadline, "the zygote never started"
        time.sleep(0.01)
    started = time.monotonic()
    zygote.close()
    thread.join(10)
    assert outcome == [None] and time.monotonic() - started < 5
    assert zygote.state == "closed" and zygote.proc.returncode is not None
