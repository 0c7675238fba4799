"""Notebook benchmark: one notebook of 50 cells with 20 stored images (and a table, streams, math).

    python bench/bench_notebook.py [--runs 5] [--cells 50] [--images 20]

Prints the median wall time of: reading the notebook (JSON, nbformat validation,
conversion; the first read in a process includes importing nbformat), rendering
its page (Markdown of every cell, outputs), and whole builds of a site holding
only it: cold (no cache, no output), no change, and after editing one Markdown
cell.  Figures, not assertions: this never runs in the test suite.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def png(width: int, height: int, seed: int) -> bytes:
    rows = b"".join(b"\0" + b"".join(bytes(((x * 7 + y * 3 + seed) % 256, (seed * 40) % 256, (x + y) % 256))
                                     for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def make_notebook(cells: int, images: int) -> dict:
    """A notebook like a writer's: prose with math, code, printed losses, a table, figures."""
    out = [{"cell_type": "raw", "metadata": {}, "source": "---\ntitle: Benchmark notebook\ndate: 2024-01-01\n---"}]
    figure_every = max(1, (cells // 2) // max(images, 1))
    drawn = 0
    for i in range(cells):
        if i % 2 == 0:
            out.append({"cell_type": "markdown", "metadata": {}, "source": (
                f"## Step {i}\n\nThe update $w_{{t+1}} = w_t - \\eta \\nabla L(w_t)$ with $\\eta = 0.{i % 9 + 1}$ "
                "moves the weights down the slope of the loss, one epoch after another.\n")})
            continue
        outputs = [{"output_type": "stream", "name": "stdout",
                    "text": [f"epoch {e}: loss={1 / (e + 1):.4f}\n" for e in range(20)]}]
        if drawn < images and (i // 2) % figure_every == 0:
            outputs.append({"output_type": "display_data", "metadata": {},
                            "data": {"image/png": base64.b64encode(png(400, 300, i)).decode(),
                                     "text/plain": "<Figure size 640x480 with 1 Axes>"}})
            drawn += 1
        elif i % 5 == 0:
            table = "".join(f"<tr><th>{r}</th><td>{r * 0.1:.2f}</td><td>{1 / (r + 1):.3f}</td></tr>" for r in range(10))
            outputs.append({"output_type": "execute_result", "execution_count": i, "metadata": {},
                            "data": {"text/html": f'<table border="1" class="dataframe"><tbody>{table}</tbody></table>',
                                     "text/plain": "frame"}})
        out.append({"cell_type": "code", "execution_count": i, "metadata": {}, "outputs": outputs,
                    "source": f"losses = train(x, y, lr=0.{i % 9 + 1})\nplt.plot(losses)\nprint(losses[-1])\n"})
    return {"nbformat": 4, "nbformat_minor": 4, "cells": out,
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}}


IN_PROCESS = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
site = Path(sys.argv[2])
from generator.config import load_config
from generator.readers import ReadContext, Source
from generator.readers.fields import tzinfo
from generator.readers.notebook import read_notebook
path = next((site / "content/posts").glob("*.ipynb"))
config = load_config(site)
t0 = time.perf_counter()
doc = read_notebook(Source(path, "content/posts/" + path.name, "post"), ReadContext(config, tzinfo("UTC"), site))
first = time.perf_counter() - t0
t0 = time.perf_counter()
doc = read_notebook(Source(path, "content/posts/" + path.name, "post"), ReadContext(config, tzinfo("UTC"), site))
again = time.perf_counter() - t0
from generator.markdown import MarkdownOptions, create_parser
from generator.render import SiteContext, render_body
md = create_parser(MarkdownOptions())
ctx = SiteContext(site={"notebooks": {}}, base_path="/", absolute_base="", toc_min_headings=4,
                  excerpt_separator="<!--more-->", post_urls={}, site_root=str(site))
t0 = time.perf_counter()
render_body(doc, md, ctx)  # the first page of a build also loads Pygments' lexer
render_first = time.perf_counter() - t0
from generator.markdown.highlight import current_memo
current_memo().begin()
t0 = time.perf_counter()
html, toc, info = render_body(doc, md, ctx)
render = time.perf_counter() - t0
print(json.dumps({"read_first": first, "read": again, "render_first": render_first, "render": render, "bytes": path.stat().st_size,
                  "html": len(html), "images": len(doc.payload["images"])}))
"""


def build(site: Path, *extra: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--source", str(site), "--jobs", "1", *extra],
                   check=True, env=USER_ENV, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cells", type=int, default=50)
    parser.add_argument("--images", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        posts = site / "content/posts"
        posts.mkdir(parents=True)
        notebook = posts / "2024-01-01-bench.ipynb"
        notebook.write_text(json.dumps(make_notebook(args.cells, args.images), indent=1))
        parts: dict[str, list[float]] = {"read_first": [], "read": [], "render_first": [], "render": []}
        info = {}
        for _ in range(args.runs):
            found = json.loads(subprocess.run([sys.executable, "-c", IN_PROCESS, str(ROOT), str(site)], check=True,
                                              env=USER_ENV, capture_output=True, text=True).stdout)
            for k in parts:
                parts[k].append(found[k])
            info = found
        cold, nochange, edit = [], [], []
        for _ in range(args.runs):
            shutil.rmtree(site / "_site", ignore_errors=True)
            shutil.rmtree(site / ".cache", ignore_errors=True)
            cold.append(build(site))
            nochange.append(build(site))
            data = json.loads(notebook.read_text())
            data["cells"][1]["source"] += f"\nEdit {time.perf_counter()}.\n"
            notebook.write_text(json.dumps(data, indent=1))
            edit.append(build(site))
        med = statistics.median
        print(f"notebook: {args.cells} cells, {info['images']} stored PNG images (400x300), "
              f"{info['bytes'] / 1e6:.1f} MB on disk; page HTML {info['html'] / 1e3:.0f} kB; medians of {args.runs}")
        print(f"  read (first in a process, with nbformat import): {med(parts['read_first']) * 1000:6.0f} ms")
        print(f"  read (again)                                  : {med(parts['read']) * 1000:6.0f} ms")
        print(f"  render the page (first in a process)          : {med(parts['render_first']) * 1000:6.0f} ms")
        print(f"  render the page (again)                       : {med(parts['render']) * 1000:6.0f} ms")
        total = med(parts['read_first']) + med(parts['render_first'])
        print(f"  read + render, first in a process             : {total * 1000:6.0f} ms")
        print(f"  build.py, cold     : {med(cold):.2f} s  (whole process, interpreter start-up included)")
        print(f"  build.py, no change: {med(nochange):.2f} s")
        print(f"  build.py, one Markdown cell edited: {med(edit):.2f} s")


if __name__ == "__main__":
    main()
