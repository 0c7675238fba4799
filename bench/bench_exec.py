"""Execution benchmark: worker start-up, cold and cached execution, one-cell edits.

    python bench/bench_exec.py [--posts 20] [--runs 5] [--jobs N]

Prints the median of --runs for: starting a worker until it is ready; a cold
execution of --posts synthetic posts (numpy cells, one figure each); the same
posts fully cached (no worker may start); cache_fingerprint per post; and
re-executing one post after editing its last cell (checkpoint restore).
Figures, not assertions: timing on shared machines is noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from generator.kernel import (ExecRequest, cache_fingerprint, execute_posts,  # noqa: E402
                               worker_starts)
from generator.kernel.runner import WorkerProcess  # noqa: E402
from generator.markdown.cells import cells_plugin, extract_program  # noqa: E402

POST = """# Post {i}

```{{python}}
import numpy as np
x = np.linspace(0, 1, 200)
y = {i} + 2 * x + np.random.normal(0, 0.1, x.size)
```

We fit a line by gradient descent.

```{{python}}
b, w = 0.0, 0.0
for _ in range(500):
    err = b + w * x - y
    b -= 0.5 * err.mean()
    w -= 0.5 * (err * x).mean()
print(round(b, 3), round(w, 3))
```

```{{python}}
#| fig-cap: The fit
import matplotlib.pyplot as plt
plt.plot(x, y, ".")
plt.plot(x, b + w * x){tail}
```

The intercept is `{{python}} f"{{b:.3f}}"`.
"""


def requests_for(site: Path, n: int) -> list[ExecRequest]:
    md = MarkdownIt("commonmark").use(cells_plugin)
    out = []
    for i in range(n):
        path = site / "content" / "posts" / f"p{i}" / "index.md"
        cells, inline = extract_program(md.parse(path.read_text()), path=str(path))
        rel = str(path.relative_to(site))
        out.append(ExecRequest(rel, rel, path, path.parent, cells, inline, 0))
    return out


def write_posts(site: Path, n: int, tail: str = "") -> None:
    for i in range(n):
        path = site / "content" / "posts" / f"p{i}" / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(POST.format(i=i, tail=tail if i == 0 else ""))


def time_worker_start(runs: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            start = time.perf_counter()
            worker = WorkerProcess(cwd=Path(tmp), project_root=ROOT, display_cap=1 << 20, hard_cap=16 << 20)
            reply = worker.request({
                "op": "init", "display_path": "x.md", "source_path": os.path.join(tmp, "x.md"),
                "seed": 0, "cwd": tmp, "site_root": tmp, "project_root": str(ROOT),
                "exec_dir": str(ROOT / "generator" / "execute"), "gdcore_dir": str(ROOT / "gdcore"),
                "generator_dir": str(ROOT / "generator"), "cache_dir": tmp, "blob_dir": tmp,
                "marker": worker.marker, "display_cap": 1 << 20, "hard_cap": 16 << 20,
                "checkpoint_cap": 1 << 28}, timeout=60)
            times.append(time.perf_counter() - start)
            assert reply.message is not None, reply
            worker.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    n = args.posts

    print(f"worker start (spawn -> ready, numpy pre-imported): {time_worker_start(args.runs) * 1000:.0f} ms")
    cold, cached, prints, edit = [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            cache = site / ".cache" / "exec"
            write_posts(site, n)
            reqs = requests_for(site, n)
            common = dict(cache_dir=cache, site_root=site, project_root=ROOT, gdcore_hash="bench",
                          jobs=args.jobs)
            start = time.perf_counter()
            execute_posts(reqs, **common)
            cold.append(time.perf_counter() - start)

            reqs = requests_for(site, n)
            before = worker_starts()
            start = time.perf_counter()
            execute_posts(reqs, **common)
            cached.append(time.perf_counter() - start)
            assert worker_starts() == before, "a cached rebuild started a worker"

            start = time.perf_counter()
            for r in reqs:
                assert cache_fingerprint(r, cache_dir=cache, site_root=site, gdcore_hash="bench")
            prints.append(time.perf_counter() - start)

            write_posts(site, 1, tail="\nplt.title('edited')")
            reqs = requests_for(site, n)
            start = time.perf_counter()
            result = execute_posts(reqs, **common)
            edit.append(time.perf_counter() - start)
            statuses = [c.status for c in result[reqs[0].key].cells]
            assert statuses == ["cached", "cached", "ran"], statuses

    med = statistics.median
    print(f"cold execution of {n} posts (jobs={args.jobs or os.cpu_count()}): {med(cold):.2f} s "
          f"({med(cold) / n * 1000:.0f} ms/post)")
    print(f"fully cached re-execution: {med(cached) * 1000:.1f} ms ({med(cached) / n * 1000:.2f} ms/post, "
          "no worker started)")
    print(f"cache_fingerprint: {med(prints) / n * 1000:.2f} ms/post")
    print(f"one post, last cell edited (restore checkpoint, run 1 cell): {med(edit):.2f} s")


if __name__ == "__main__":
    main()
