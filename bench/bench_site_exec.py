"""Executable-site benchmark: 20 posts whose cells draw gdcore figures, built as a writer would.

    python bench/bench_site_exec.py [--posts 20] [--runs 3] [--jobs N]

Each post has prose and math, three cells drawing matplotlib figures through
gdcore (data with the fitted line, the loss curve, the loss contour with the
descent path) and one cell printing a value.  Prints the median wall time of:
a cold build (no cache, no output), a no-change rebuild, a rebuild after a
prose edit in one post, and a rebuild after editing one cell of one post.
Figures, not assertions: timing on shared machines is noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Measure what a writer's machine does: Python caches compiled modules (.pyc) unless told
# not to, and some sandboxes export PYTHONDONTWRITEBYTECODE, which would add ~0.2 s to every build.
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

POST = """---
title: "Descent {i}"
date: 2024-01-{day:02d}
tags: [bench]
---

We fit $y = b + w x$ to {n} points by minimising
$L(b, w) = \\frac{{1}}{{N}}\\sum_i (b + w x_i - y_i)^2$ with step size $\\eta = {lr}$.

```{{python}}
#| fig-cap: "Data and fitted line"
import numpy as np
import gdcore
from gdcore import plots
data = gdcore.datasets.synthetic_line(n={n}, seed={i})
x, y = data.x_train, data.y_train
run = gdcore.gradient_descent(x, y, lr={lr}, epochs={epochs}, init=(0.0, 0.0))
plots.fitted_line(x, y, run.b, run.w, title="Fit {i}")
```

The loss falls like this:

```{{python}}
#| fig-cap: "Loss per epoch"
plots.loss_curve(run)
```

$$
\\nabla L = \\frac{{2}}{{N}} \\begin{{bmatrix}} \\sum_i r_i \\\\ \\sum_i x_i r_i \\end{{bmatrix}}
$$

```{{python}}
#| fig-cap: "Loss surface and the path of descent"
b_range, w_range = gdcore.surface.grid_around(1.0, 2.0, span=3.0, points=61)
grid = gdcore.loss_grid(x, y, b_range, w_range)
plots.contour(grid, paths=run, title="Path {i}")
```

```{{python}}
print(f"b = {{run.b:.4f}}, w = {{run.w:.4f}}, loss = {{run.loss:.6f}}")
```
"""


def make_site(folder: Path, posts: int) -> None:
    for i in range(posts):
        path = folder / "content" / "posts" / f"descent-{i:02d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(POST.format(i=i, day=1 + i % 28, n=80 + i, lr=0.1, epochs=200 + 10 * i))
    (folder / "config.yml").write_text("title: Exec bench\n")


def timed(folder: Path, jobs: int | None) -> float:
    cmd = [sys.executable, str(ROOT / "build.py"), "--source", str(folder), "--quiet"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=USER_ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where to build (default: a temporary folder under .cache/bench)")
    args = parser.parse_args()
    base = args.workdir or ROOT / ".cache" / "bench"
    base.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[float]] = {"cold": [], "no change": [], "prose edit": [], "cell edit": []}
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        folder = Path(tmp) / "site"
        make_site(folder, args.posts)
        target = folder / "content" / "posts" / "descent-05.md"
        original = target.read_text()
        for run in range(args.runs):
            shutil.rmtree(folder / "_site", ignore_errors=True)
            shutil.rmtree(folder / ".cache", ignore_errors=True)
            results["cold"].append(timed(folder, args.jobs))
            results["no change"].append(timed(folder, args.jobs))
            target.write_text(original.replace("The loss falls", f"The loss (run {run}) falls"))
            results["prose edit"].append(timed(folder, args.jobs))
            target.write_text(original.replace('title="Path 5"', f'title="Path 5, run {run}"'))
            results["cell edit"].append(timed(folder, args.jobs))
            target.write_text(original)
            timed(folder, args.jobs)
    print(f"{args.posts} executable posts, {os.cpu_count()} cores, jobs={args.jobs or 'all'}, "
          f"median of {args.runs} runs:")
    for name, values in results.items():
        print(f"  {name:11s} {statistics.median(values):6.2f} s   (runs: {', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
