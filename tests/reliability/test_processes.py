"""The build owns its processes: signals, escaping cells, timeouts, and two builds at once.

Every build runs with a tag in its environment; workers, the fork server and
whatever cells start inherit it, so ``/proc`` tells whether anything was left
behind.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.reliability.harness import Case, tagged_processes

BUSY = """---
title: Busy {n}
date: 2024-03-0{n}
---
```{{python}}
#| timeout: 120
import time
print("started", flush=True)
while True:
    pass
```
"""


def _wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _workers(case: Case, build_pid: int) -> list[int]:
    return [p for p in tagged_processes(case.tag) if p != build_pid]


@pytest.mark.parametrize(("sig", "posts"), [
    (signal.SIGTERM, 3), (signal.SIGHUP, 1), (signal.SIGINT, 3), (signal.SIGKILL, 3), (signal.SIGKILL, 1),
], ids=["SIGTERM-zygote", "SIGHUP-plain", "SIGINT-zygote", "SIGKILL-zygote", "SIGKILL-plain"])
def test_a_signal_during_cells_leaves_nothing_running(base: Case, sig: signal.Signals, posts: int):
    base.write({f"content/posts/busy{n}.md": BUSY.format(n=n) for n in range(1, posts + 1)})
    proc = base.start("--jobs", "2")
    # two busy workers (plus the fork server when there are more posts than slots)
    _wait_for(lambda: len(_workers(base, proc.pid)) >= min(posts, 2) + (posts > 2), "the workers to start")
    time.sleep(0.5)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert "Traceback" not in err, err
    if sig != signal.SIGKILL:
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        assert "interrupted" in err and sig.name in err, err
        assert not (base.root / "._site.staging").exists(), "an interrupted build removes its staging folder"
    base.leftovers(grace=10)
    assert base.out_hash() == base.before
    for n in range(1, posts + 1):
        (base.root / f"content/posts/busy{n}.md").unlink()
    base.check_next_build()


ESCAPE = """---
title: Escape
date: 2024-03-01
---
```{python}
import os, subprocess
subprocess.Popen(["setsid", "sleep", "300"])
subprocess.Popen(["nohup", "sleep", "301"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:             # a classic daemon: fork, setsid, fork again
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "302"])
    os._exit(0)
print("started them")
```
"""


@pytest.mark.parametrize("zygote", [False, True], ids=["plain", "zygote"])
def test_processes_a_cell_starts_die_with_its_post(base: Case, zygote: bool):
    files = {"content/posts/escape.md": ESCAPE}
    if zygote:  # more posts than parallel slots: workers fork from the fork server
        files.update({f"content/posts/quick{n}.md": f"---\ntitle: Q{n}\n---\n```{{python}}\nprint({n})\n```\n"
                      for n in range(3)})
    base.write(files)
    run = base.build()
    base.check_success(run)
    assert "started them" in (base.site_out / "posts/escape/index.html").read_text()


def test_a_cell_that_times_out_leaves_nothing(base: Case):
    base.write({"content/posts/slow.md": "---\ntitle: Slow\n---\n```{python}\n#| timeout: 1\n"
                "import subprocess\nsubprocess.Popen(['setsid', 'sleep', '300'])\nwhile True:\n    pass\n```\n"})
    run = base.build()
    base.check_failure(run, base.before, "content/posts/slow.md:", "timed out after 1 s")
    (base.root / "content/posts/slow.md").unlink()
    base.check_next_build()


def test_two_builds_of_one_output_folder_take_turns(base: Case):
    slow = "---\ntitle: Slow\ndate: 2024-03-01\n---\n```{python}\nimport time\ntime.sleep(1)\nprint('v{v}')\n```\n"
    for v in range(2):
        base.write({"content/posts/slow.md": slow.replace("{v}", str(v))})
        first = base.start()
        _wait_for(lambda first=first: _workers(base, first.pid) or first.poll() is not None, "the first build's cell")
        second = base.start()
        out2, err2 = second.communicate(timeout=120)
        out1, err1 = first.communicate(timeout=120)
        for code, err in ((first.returncode, err1), (second.returncode, err2)):
            assert code == 0 and "Traceback" not in err, err
        assert "another build" in err1 + err2, "the second build says whom it waits for"
        assert f"v{v}" in (base.site_out / "posts/slow/index.html").read_text(), f"round {v}: stale page"
    base.leftovers()
    base.check_next_build()


def test_the_lock_of_a_dead_build_does_not_block(base: Case):
    base.write({"content/posts/busy1.md": BUSY.format(n=1)})
    proc = base.start()
    _wait_for(lambda: len(_workers(base, proc.pid)) >= 1, "the worker")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    base.leftovers(grace=10)
    (base.root / "content/posts/busy1.md").unlink()
    run = base.build(subprocess_=True, timeout=60)
    base.check_success(run)
    base.check_next_build()


@pytest.mark.parametrize("seed", range(4))
def test_kill_9_at_a_random_moment_then_a_build_equals_a_clean_one(base: Case, seed: int):
    import random

    rng = random.Random(seed)
    base.write({f"content/posts/2022-{n // 28 + 1:02d}-{n % 28 + 1:02d}-p{n}.md":
                f"---\ntitle: P{n}\ntags: [t{n % 3}]\n---\n" + f"Words and $x_{{{n}}}$. " * 50 for n in range(40)})
    base.write({"content/posts/cell.md": "---\ntitle: Cell\n---\n```{python}\nprint(1)\n```\n"})
    proc = base.start("--refresh")
    time.sleep(rng.uniform(0.2, 1.5))
    proc.kill()
    proc.communicate(timeout=30)
    base.leftovers(grace=10)
    assert base.out_hash() == base.before or proc.returncode == 0
    base.check_next_build()
