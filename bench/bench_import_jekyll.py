"""Import-and-build benchmark: a synthetic Jekyll math blog, imported and built as a writer would.

    python bench/bench_import_jekyll.py [--posts 300] [--runs 5]

Generates a Jekyll site (``_config.yml`` with a baseurl and ``pretty``
permalinks, MathJax 2 configured with ``$`` inline and macros in
``_includes/head.html``, a hidden ``\\newcommand`` block, layouts, an image
folder, and N posts written for kramdown: ``$...$`` with kramdown escapes,
``$$`` blocks, bare environments, a table, code, a ``post_url``), then times,
each in a fresh process as on the command line, ``import_jekyll`` into a new
folder and a cold ``build.py`` of the result (no cache, no output; the posts
have no executable cells).  Prints the medians of the wall times, of the CPU
time (user + system of all processes, less sensitive to other load on a shared
machine) and the fastest run.  Figures, not assertions: never run by the tests.
"""

from __future__ import annotations

import argparse
import os
import random
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
WORDS = ["gradient", "descent", "loss", "surface", "rate", "parameter", "update", "batch", "minimum", "convex",
         "function", "derivative", "slope", "curvature", "step", "model", "error", "matrix", "vector", "norm",
         "kernel", "space", "basis", "rank", "eigenvalue", "projection", "estimate", "converge"]
TAGS = ["optimization", "linear-algebra", "statistics", "probability", "calculus"]

CONFIG = """title: A Jekyll math blog
description: Synthetic posts for the import benchmark.
author: Bench
url: "https://bench.example.org"
baseurl: "/blog"
permalink: pretty
paginate: 10
markdown: kramdown
plugins: [jekyll-feed]
"""
HEAD = """<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: { inlineMath: [['$','$'], ['\\\\(','\\\\)']], processEscapes: true },
  TeX: { Macros: { RR: "\\\\mathbb{R}", norm: ["\\\\left\\\\lVert #1 \\\\right\\\\rVert", 1] } }
});
</script>
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/MathJax.js?config=TeX-AMS_CHTML"></script>
<div style="display:none">$$\\newcommand{\\E}{\\mathbb{E}} \\DeclareMathOperator*{\\argmin}{arg\\,min}$$</div>
"""
LAYOUT = "<!DOCTYPE html><html><head>{% include head.html %}</head><body>{{ content }}</body></html>\n"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def make_post(i: int, date: str, previous: str | None) -> str:
    rng = random.Random(i)
    para = " ".join(_sentence(rng) for _ in range(4))
    link = f"\nThe previous note is [here]({{{{ site.baseurl }}}}{{% post_url {previous} %}}).\n" if previous else ""
    return f"""---
layout: post
title: "Note {i}: {rng.choice(WORDS)} and {rng.choice(WORDS)}"
tags: [{", ".join(rng.sample(TAGS, 2))}]
---
{para} A map $ F: \\RR^n \\to \\RR^m $ is linear, its kernel is $\\\\{{ x : F(x) = 0 \\\\}}$ and
the step is $w\\_{{t+1}} = w\\_t - \\eta \\nabla L(w\\_t)$ with $\\eta = {rng.choice([0.1, 0.01])}$.
{link}
$$
\\begin{{aligned}}
\\argmin_w \\E[L(w)] &= \\argmin_w \\frac{{1}}{{N}} \\sum_{{i=1}}^N (y_i - w^\\top x_i)^2 \\\\
\\norm{{\\nabla L}} &< \\epsilon
\\end{{aligned}}
$$

{" ".join(_sentence(rng) for _ in range(3))} It is \\begin{{equation}} p(x \\| \\theta) = \\frac{{1}}{{Z}} e^{{-E(x)}} \\end{{equation}} in prose.

| step | $w$ | loss |
|------|-----|------|
| 0 | 0.00 | {rng.uniform(5, 20):.2f} |
| 1 | {rng.uniform(0, 1):.2f} | {rng.uniform(1, 5):.2f} |

```python
def step(w, grad, lr={rng.choice([0.1, 0.01])}):
    return w - lr * grad
```

![the loss]({{{{ site.baseurl }}}}/images/loss.png)

{" ".join(_sentence(rng) for _ in range(5))} The prime $f'(x)$ and $\\\\| w \\\\|_2$ close the note.
"""


def make_site(folder: Path, n: int) -> None:
    for sub in ("_posts", "_includes", "_layouts", "images"):
        (folder / sub).mkdir(parents=True)
    (folder / "_config.yml").write_text(CONFIG, encoding="utf-8")
    (folder / "_includes" / "head.html").write_text(HEAD, encoding="utf-8")
    (folder / "_layouts" / "default.html").write_text(LAYOUT, encoding="utf-8")
    (folder / "_layouts" / "post.html").write_text("---\nlayout: default\n---\n{{ content }}\n", encoding="utf-8")
    (folder / "images" / "loss.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "about.md").write_text("---\ntitle: About\npermalink: /about/\n---\nMath notes on $\\RR^n$.\n")
    previous = None
    for i in range(n):
        date = f"20{10 + i // 36:02d}-{1 + (i // 3) % 12:02d}-{1 + i % 3 * 9:02d}"
        name = f"{date}-note-{i:04d}"
        (folder / "_posts" / f"{name}.md").write_text(make_post(i, date, previous), encoding="utf-8")
        previous = name


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system, the command's processes together)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=USER_ENV, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return elapsed, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def import_command(src: Path, dest: Path) -> list[str]:
    code = ("import sys; from pathlib import Path; from generator.importers import import_jekyll; "
            "import_jekyll(Path(sys.argv[1]), Path(sys.argv[2]))")
    return [sys.executable, "-c", code, str(src), str(dest)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".cache" / "bench",
                        help="where to work (default .cache/bench; on some machines /tmp is much slower)")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.posts} posts, "
          f"{args.runs} runs, medians")
    imports, builds, totals, cpu = [], [], [], []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        src = Path(tmp) / "jekyll"
        make_site(src, args.posts)
        for run in range(args.runs):
            dest = Path(tmp) / f"site-{run}"
            t_import, c_import = timed(import_command(src, dest))
            t_build, c_build = timed([sys.executable, str(ROOT / "build.py"), "--source", str(dest), "--quiet"])
            imports.append(t_import)
            builds.append(t_build)
            totals.append(t_import + t_build)
            cpu.append(c_import + c_build)
            shutil.rmtree(dest)
    print(f"import {statistics.median(imports):5.2f} s   build (cold) {statistics.median(builds):5.2f} s   "
          f"import + build {statistics.median(totals):5.2f} s   "
          f"({1000 * statistics.median(totals) / args.posts:.1f} ms/post)   CPU {statistics.median(cpu):5.2f} s "
          f"(min {min(totals):.2f} s wall)")


if __name__ == "__main__":
    main()
