"""The note at the end of an executed post: gdcore's hash only where the cells import gdcore,
and no note at all with ``exec: {repro_note: false}`` (site or post)."""

from __future__ import annotations

import re

import pytest

from generator import BuildError, BuildOptions, build
from generator.markdown.cells.imports import imports_module
from tests.helpers import html, write_files


def _post(title: str, cell: str, front: str = "") -> str:
    return f"---\ntitle: {title}\ndate: 2024-01-01\n{front}---\nText.\n\n```{{python}}\n{cell}\n```\n"


POSTS = {
    "content/posts/with-gdcore.md": _post("With gdcore", "from gdcore import datasets\nprint(len(datasets.__name__))"),
    "content/posts/numpy-only.md": _post("Numpy only", "import numpy as np\nprint(np.arange(3).sum())"),
    "content/posts/inline-only.md": "---\ntitle: Inline\ndate: 2024-01-01\n---\nTwo is `{python} 1 + 1`.\n",
    "content/posts/quiet.md": _post("Quiet", "import gdcore\nprint(1)", front="exec: {repro_note: false}\n"),
    "content/posts/plain.md": "---\ntitle: Plain\ndate: 2024-01-01\n---\nNo code at all.\n",
}


def _note(root, slug: str) -> str | None:
    node = html(root / "_site" / "posts" / slug / "index.html").css_first("footer.repro .exec-repro")
    return node.text() if node is not None else None


def test_the_note_names_gdcore_only_where_cells_import_it(tmp_path):
    write_files(tmp_path, {**POSTS, "config.yml": "url: https://me.github.io\nexec: {seed: 5}\n"})
    build(BuildOptions(source=tmp_path, jobs=1))
    versions = r"Python \d+\.\d+\.\d+\S*, numpy \S+, matplotlib \S+, seed 5\."
    assert re.fullmatch(r"Executed with gdcore [0-9a-f]{12}, " + versions, _note(tmp_path, "with-gdcore"))
    assert re.fullmatch(r"Executed with " + versions, _note(tmp_path, "numpy-only"))
    assert re.fullmatch(r"Executed with " + versions, _note(tmp_path, "inline-only"))
    assert _note(tmp_path, "quiet") is None
    assert _note(tmp_path, "plain") is None
    # the same from the cache, where no cell runs
    build(BuildOptions(source=tmp_path, jobs=1, refresh=True, no_exec=True))
    assert _note(tmp_path, "with-gdcore").startswith("Executed with gdcore ")
    assert _note(tmp_path, "numpy-only").startswith("Executed with Python ")


def test_the_site_can_turn_the_note_off_and_a_post_back_on(tmp_path):
    write_files(tmp_path, {
        "config.yml": "url: https://me.github.io\nexec: {repro_note: false}\n",
        "content/posts/a.md": POSTS["content/posts/with-gdcore.md"],
        "content/posts/b.md": _post("B", "import gdcore", front="exec: {repro_note: true}\n"),
    })
    build(BuildOptions(source=tmp_path, jobs=1))
    assert _note(tmp_path, "a") is None
    assert _note(tmp_path, "b").startswith("Executed with gdcore ")
    # turning it on for the whole site re-renders the pages (the config is part of every page's key)
    (tmp_path / "config.yml").write_text("url: https://me.github.io\n")
    build(BuildOptions(source=tmp_path, jobs=1))
    assert _note(tmp_path, "a").startswith("Executed with gdcore ")


def test_repro_note_must_be_true_or_false(tmp_path):
    write_files(tmp_path, {"content/posts/a.md": _post("A", "x = 1", front="exec: {repro_note: maybe}\n")})
    with pytest.raises(BuildError, match=r"content/posts/a.md: option 'repro_note' must be true or false"):
        build(BuildOptions(source=tmp_path, jobs=1))


@pytest.mark.parametrize("source, expected", [
    ("import gdcore", True),
    ("import numpy as np, gdcore.plots as p", True),
    ("from gdcore import plots", True),
    ("from gdcore.datasets import synthetic_line", True),
    ("def f():\n    import gdcore\n    return gdcore", True),
    ("import importlib\nm = importlib.import_module('gdcore.plots')", True),
    ("m = __import__('gdcore')", True),
    ("import gdcore_extra", False),
    ("import numpy\n# import gdcore\ns = 'import gdcore'", False),
    ("from . import gdcore", False),
    ("import gdcore\nthis is not python", True),      # does not parse: the import line still counts
    ("x = (\nfrom gdcore import plots", True),
    ("x = (\n'import gdcore'", False),
])
def test_imports_module_reads_the_cells_source(source, expected):
    assert imports_module([source], "gdcore") is expected
