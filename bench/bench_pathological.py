"""Pathological-input benchmark: a 1 MB post of unclosed math environments, delimiters and Liquid blocks.

    python bench/bench_pathological.py [--size 1000000] [--runs 3]

Each kind of trouble the red-team run found slow (unclosed ``\\begin{aligned}``
lines made math parsing cubic; 50,000 unclosed ``{% raw %}`` took minutes) is
written out to fill its share of one post, and the post is built cold (no
cache, no output) with ``python build.py``.  It prints the median wall time of
the whole post, then of a post of each kind alone at the same size, and the
goal: under 2 s for the whole post.  CPU time is printed too: on a shared
machine it says more than the wall time.  Figures, not assertions: the test suite
checks linear time with generous bounds (tests/reliability/test_pathological.py).
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
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

#: name -> one repeated unit of trouble (each unit closes nothing it opens).
KINDS = {
    "unclosed \\begin{aligned} lines": "\\begin{aligned} x &= y \\\\\n",
    "\\begin lines, ends after a blank": None,   # built by _aligned_after_blank
    "unclosed \\[ lines": "\\[ x + y\n",
    "unclosed $$ lines": "$$ x + y\n",
    "inline \\( without \\)": "text \\( x ",
    "inline \\begin{aligned} without end": "text \\begin{aligned} x ",
    "\\eqref{ without }": "see \\eqref{eq ",
    "prices $5": "costs $5 and ",
    "unclosed {% raw %}": "{% raw %} x\n",
    "unclosed {% comment %}": "{% comment %} x\n",
    "unclosed {% highlight %}": "{% highlight python %} x\n",
    "unknown Liquid tags": "{% if x %} y\n",
    "unclosed {% tags on one line": "{% if x ",
}


def _fill(unit: str, size: int) -> str:
    text = unit * max(1, size // len(unit))
    return text if text.endswith("\n") else text + "\n"


def _aligned_after_blank(size: int) -> str:
    half = _fill("\\begin{aligned} x\n", size // 2)
    return half + "\n" + _fill("\\end{aligned}\n", size // 2)


def body_of(kind: str, size: int) -> str:
    unit = KINDS[kind]
    return _aligned_after_blank(size) if unit is None else _fill(unit, size)


def mixed(size: int) -> str:
    """Every kind, each in its own paragraph, filling ``size`` characters together."""
    share = size // len(KINDS)
    return "\n\n".join(body_of(kind, share) for kind in KINDS)


def build_time(folder: Path, body: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the build and its workers) of a cold build of ``body``."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "content" / "posts").mkdir(parents=True)
    # search off: the figure is about reading and rendering (Pagefind's own time is bench_build --search)
    (folder / "config.yml").write_text("title: Pathological\nurl: https://example.org\nsearch: false\n")
    (folder / "content" / "posts" / "2024-01-01-slow.md").write_text("---\ntitle: Slow\n---\n" + body)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--source", str(folder), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=USER_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the build failed ({os.waitstatus_to_exitcode(status)})")
    return elapsed, usage.ru_utime + usage.ru_stime


def _medians(times: list[tuple[float, float]]) -> str:
    return (f"{statistics.median(w for w, _ in times):.2f} s wall, "
            f"{statistics.median(c for _, c in times):.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="characters of the post (default 1 MB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--each", action="store_true", help="also time each kind alone at the full size")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each, medians")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "site"
        body = mixed(args.size)
        whole = _medians([build_time(folder, body) for _ in range(args.runs)])
        print(f"{len(body.encode()) / 1e6:.2f} MB post of every kind: {whole} (goal: under 2 s)")
        if args.each:
            for kind in KINDS:
                times = [build_time(folder, body_of(kind, args.size)) for _ in range(args.runs)]
                print(f"  {kind:40s} {_medians(times)}")


if __name__ == "__main__":
    main()
