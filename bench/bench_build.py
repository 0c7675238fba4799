"""Build-speed benchmark: a synthetic corpus of math posts, built cold, unchanged and after one edit.

    python bench/bench_build.py [--sizes 100 1000] [--runs 5] [--no-hugo] [--search]

For each N it prints the median wall time of: a cold build (no cache, no
output), a no-change rebuild, and a rebuild after editing one post; ms per
post for the cold build; and the peak memory (max RSS) of the build process.
Where ``hugo`` is installed it builds the same posts with Hugo in the same run
and prints the ratio.  Figures, not assertions: timing on shared machines is
noisy, so this never runs in the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
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
WORDS = ["gradient", "descent", "loss", "surface", "learning", "rate", "parameter", "update", "batch", "stochastic", "minimum", "convex", "function", "derivative", "slope", "curvature", "step", "epoch", "model", "data", "point", "error", "residual", "matrix", "vector", "norm", "estimate", "converge", "diverge", "oscillate", "scale", "feature", "weight", "bias"]
TAGS = ["optimization", "linear-algebra", "statistics", "neural-networks", "calculus", "probability"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def _code(rng: random.Random, n: int) -> str:
    name = rng.choice(["fit", "train", "descend", "solve", "update"]) + str(n)
    lr = rng.choice([0.1, 0.01, 0.05])
    return f'''import numpy as np

def {name}(x, y, lr={lr}, epochs={rng.randint(10, 500)}):
    """Fit y = b + w x by gradient descent."""
    b, w = 0.0, 0.0
    for epoch in range(epochs):
        yhat = b + w * x
        error = yhat - y
        b_grad = 2 * error.mean()
        w_grad = 2 * (x * error).mean()
        b -= lr * b_grad
        w -= lr * w_grad
        if epoch % {rng.randint(10, 100)} == 0:
            print(f"epoch {{epoch}}: loss={{(error ** 2).mean():.4f}}")
    return b, w
'''


def make_post(i: int) -> str:
    rng = random.Random(i)
    tags = rng.sample(TAGS, 2)
    paras = []
    for _ in range(3):
        paras.append(" ".join(_sentence(rng) for _ in range(4))
                     + f" With $\\eta = {rng.choice([0.1, 0.01])}$ and $L(w) = \\frac{{1}}{{N}}\\sum_i (y_i - w x_i)^2$ we get $w_{{t+1}} = w_t - \\eta \\nabla L$.")
    return f"""---
title: "Note {i}: {rng.choice(WORDS)} and {rng.choice(WORDS)}"
date: 20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}
tags: [{", ".join(tags)}]
---

{paras[0]}

## The update rule

$$
\\nabla_w L = -\\frac{{2}}{{N}} \\sum_{{i=1}}^N x_i (y_i - w x_i), \\qquad \\|\\nabla L\\|_2 < \\epsilon
$$

{paras[1]}

| step | $w$ | loss |
|------|-----|------|
| 0 | 0.00 | {rng.uniform(5, 20):.2f} |
| 1 | {rng.uniform(0, 1):.2f} | {rng.uniform(1, 5):.2f} |
| 2 | {rng.uniform(1, 2):.2f} | {rng.uniform(0, 1):.2f} |

```python
{_code(rng, i)}```

## Results

\\begin{{aligned}}
a_{i} &= b + c \\\\
d &= e + f_{i}
\\end{{aligned}}

{paras[2]}

```python
{_code(rng, i + 7)}```
"""


def make_corpus(folder: Path, n: int, search: bool = False) -> None:
    posts = folder / "content" / "posts"
    posts.mkdir(parents=True)
    for i in range(n):
        (posts / f"post-{i:04d}.md").write_text(make_post(i))
    # search off unless asked: the figures stay comparable with earlier ones (--search adds the Pagefind index)
    (folder / "config.yml").write_text(f"title: Bench\nurl: https://example.org\nsearch: {'true' if search else 'false'}\n")


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=USER_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


def ours(folder: Path) -> list[str]:
    return [sys.executable, str(ROOT / "build.py"), "--source", str(folder), "--quiet"]


def bench_ours(n: int, runs: int, work: Path, search: bool = False) -> dict:
    folder = work / f"ours-{n}"
    make_corpus(folder, n, search)
    cold, cold_mem, nochange, edit = [], [], [], []
    target = folder / "content" / "posts" / "post-0003.md"
    original = target.read_text()
    for run in range(runs):
        shutil.rmtree(folder / "_site", ignore_errors=True)
        shutil.rmtree(folder / ".cache", ignore_errors=True)
        t, mem = timed(ours(folder))
        cold.append(t)
        cold_mem.append(mem)
        nochange.append(timed(ours(folder))[0])
        target.write_text(original.replace("## Results", f"## Results\n\nEdited in run {run}."))
        edit.append(timed(ours(folder))[0])
        target.write_text(original)
        timed(ours(folder))
    return {"cold": cold, "nochange": nochange, "edit": edit, "mem": max(cold_mem)}


HUGO_CONFIG = 'baseURL = "https://example.org/"\ntitle = "Bench"\ndisableKinds = ["taxonomy", "term"]\n'
HUGO_SINGLE = "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n"
HUGO_LIST = "<!DOCTYPE html><html><body>{{ range .Paginator.Pages }}<h2>{{ .Title }}</h2>{{ .Summary }}{{ end }}</body></html>\n"


def bench_hugo(n: int, runs: int, work: Path) -> dict | None:
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    folder = work / f"hugo-{n}"
    make_corpus(folder, n)
    (folder / "config.yml").unlink()
    (folder / "hugo.toml").write_text(HUGO_CONFIG)
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE)
    (layouts / "list.html").write_text(HUGO_LIST)
    cold = []
    for _ in range(runs):
        shutil.rmtree(folder / "public", ignore_errors=True)
        shutil.rmtree(folder / "resources", ignore_errors=True)
        cold.append(timed([hugo, "--quiet", "--source", str(folder)])[0])
    return {"cold": cold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-hugo", action="store_true")
    parser.add_argument("--search", action="store_true", help="build the search index too (Pagefind)")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench",
                        help="where to build (default .cache/bench; on some machines /tmp is much slower)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each, medians")
    args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        for n in args.sizes:
            result = bench_ours(n, args.runs, work, args.search)
            cold = statistics.median(result["cold"])
            print(f"N={n:5d}  cold {cold:6.2f} s ({1000 * cold / n:5.2f} ms/post)   "
                  f"no-change {statistics.median(result['nochange']):5.2f} s   "
                  f"one-post edit {statistics.median(result['edit']):5.2f} s   "
                  f"peak RSS {result['mem']:.0f} MiB")
            hugo = None if args.no_hugo else bench_hugo(n, args.runs, work)
            if hugo:
                h = statistics.median(hugo["cold"])
                print(f"         hugo cold {h:6.2f} s   ours/hugo {cold / h:5.2f}x")


if __name__ == "__main__":
    main()
