"""Interactive-figure benchmark: one post whose cell sweeps 2 parameters over 60 frames of a simple plot.

    python bench/bench_interactive.py [--runs 3] [--format svg|png] [--frames-only]

Builds the post as a writer would (``build.py`` in a fresh process): cold
(no cache, no output) and warm (nothing changed), and prints for each the
median wall time and the CPU time of the build and every process it started
(worker and forked frames).  Then the cost of one frame as the frames measured
it themselves (stored with each frame in the execution cache): CPU and wall
time, from the copy of the namespace to the inline values, and the part spent
in ``savefig``.  Also prints the machine's load
average before and after: the machine may be shared, and wall times on a busy
machine say more about the others than about the build.  Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

POST = """---
title: "Sweep"
date: 2024-01-01
---

A line $y = a x^n$ for six slopes and ten powers.

```{{python}}
#| label: fig-sweep
#| fig-cap: "y = {{a}} x^{{n}}"
#| fig-format: {fmt}
#| interactive:
#|   a: [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
#|   n: {{from: 1, to: 10, by: 1}}
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 1, 50)
fig, ax = plt.subplots()
ax.plot(x, a * x ** n)
ax.set(xlabel="x", ylabel="y", ylim=(0, 3), title=f"a = {{a}}, n = {{n}}")
```

At $x = 0.5$ the curve is at `{{python}} f"{{a * 0.5 ** n:.3f}}"`.
"""


def make_site(folder: Path, fmt: str) -> None:
    post = folder / "content" / "posts" / "sweep.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(POST.format(fmt=fmt))
    (folder / "config.yml").write_text("title: Interactive bench\nurl: https://example.org\n")


def timed(folder: Path) -> tuple[float, float]:
    """(wall, CPU of the build and all its processes) of one build in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "--source", str(folder), "--quiet"],
                          capture_output=True, text=True, env=USER_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def frame_costs(folder: Path) -> list[dict]:
    """What each frame measured of itself (``seconds``, ``cpu``, ``savefig``), from the post's cache record."""
    frames = []
    for record in (folder / ".cache" / "exec" / "posts").glob("*.json"):
        frames += json.loads(record.read_text()).get("frames", {}).values()
    return frames


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("svg", "png"), default="svg")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to build (default: a temporary folder under .cache/bench)")
    args = parser.parse_args()
    base = args.workdir or ROOT / ".cache" / "bench"
    base.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {load()}  ({os.cpu_count()} cores)")
    results: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
    frames: list[dict] = []
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        folder = Path(tmp) / "site"
        make_site(folder, args.format)
        for _ in range(args.runs):
            shutil.rmtree(folder / "_site", ignore_errors=True)
            shutil.rmtree(folder / ".cache", ignore_errors=True)
            results["cold"].append(timed(folder))
            frames += frame_costs(folder)
            results["warm"].append(timed(folder))
        count = len(list((folder / "_site" / "posts" / "sweep").glob("fig-sweep-1*")))
    print(f"one post, 60 frames ({args.format}), {count} distinct frame files, median of {args.runs} runs:")
    for name, values in results.items():
        walls, cpus = [v[0] for v in values], [v[1] for v in values]
        print(f"  {name:5s} wall {statistics.median(walls):5.2f} s  (runs: {', '.join(f'{w:.2f}' for w in walls)})"
              f"   CPU {statistics.median(cpus):5.2f} s")
    if frames:
        wall = statistics.mean(f["seconds"] for f in frames)
        cpu = statistics.mean(f["cpu"] for f in frames)
        save = statistics.mean(f["savefig"] for f in frames)
        save_cpu = statistics.mean(f.get("savefig_cpu", 0.0) for f in frames)
        print(f"  per frame ({len(frames)} frames): CPU {cpu * 1000:.1f} ms, of which savefig {save_cpu * 1000:.1f} ms "
              f"({save_cpu / cpu:.0%}); wall {wall * 1000:.1f} ms, of which savefig {save * 1000:.1f} ms")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
