"""Caches heal and cannot run code.

``.cache/`` may come from anywhere (a restored CI cache): every read is
validated, anything invalid is a cache miss with one warning and never a
crash or a wrong page, and nothing in it is loaded in a format that runs code
(pickle, marshal) unless it carries this machine's signature.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

from tests.reliability.conftest import BASE
from tests.reliability.harness import Case

TWO_CELLS = """---
title: Cells
date: 2024-03-01
---
```{python}
import matplotlib.pyplot as plt
values = [1, 2, 3]
_ = plt.plot(values)
```

```{python}
print(sum(values))
```
"""


@pytest.fixture
def cells(case: Case) -> Case:
    case.write({**BASE, "content/posts/cells.md": TWO_CELLS})
    case.before = case.good()
    return case


def _json_files(case: Case, kind: str) -> list[Path]:
    return sorted((case.root / ".cache" / "exec" / kind).rglob("*.json"))


@pytest.mark.parametrize("damage", [
    ("posts", []), ("posts", {"entries": 5, "cells": "x"}), ("posts", {"entries": {"k": []}}),
    ("entries", {"outputs": "x"}), ("entries", {"outputs": [{"kind": "image"}], "files": {}}),
    ("entries", {"outputs": [], "files": [1, 2]}), ("entries", "text"),
    ("inline", {"value": 3}),
], ids=["record-list", "record-fields", "record-entry", "entry-outputs", "entry-image",
        "entry-files", "entry-text", "inline-value"])
def test_exec_cache_of_the_wrong_shape_is_a_miss(cells: Case, damage):
    kind, value = damage
    if kind == "inline":
        cells.write({"content/posts/cells.md": TWO_CELLS + "\nTotal: `{python} sum(values)`.\n"})
        cells.good()
    if kind != "posts":   # the post's record holds its entries too: make the build read the files
        for path in _json_files(cells, "posts"):
            path.unlink()
    for path in _json_files(cells, kind):
        path.write_text(json.dumps(value))
    run = cells.build()
    cells.check_success(run, "was damaged")
    assert "6" in (cells.site_out / "posts/cells/index.html").read_text()
    cells.check_next_build()


def test_stamp_memo_of_the_wrong_shape(cells: Case):
    (cells.root / ".cache/exec/stamps.json").write_text("[1, 2, 3]")
    run = cells.build()
    cells.check_success(run)
    cells.check_next_build()


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_damaged_figure_blob_is_noticed_and_rewritten(cells: Case, damage: str):
    blobs = list((cells.root / ".cache/exec/blobs").rglob("*.svg"))
    assert len(blobs) == 1
    good = blobs[0].read_bytes()
    blobs[0].write_bytes(good[: len(good) // 2] if damage == "truncate" else good.replace(b"<path", b"<pxth"))
    os.utime(blobs[0], ns=(1, 1))
    cells.write({"content/pages/about.md": "---\ntitle: About\n---\nAbout, edited.\n"})
    run = cells.build()
    cells.check_success(run, "was damaged")
    assert blobs[0].read_bytes() == good
    figure = next((cells.site_out / "posts/cells").glob("*.svg"))
    assert figure.read_bytes() == good
    cells.check_next_build()


def test_refresh_rewrites_blobs_and_live_files(cells: Case):
    blob = next((cells.root / ".cache/exec/blobs").rglob("*.svg"))
    good = blob.read_bytes()
    stat = blob.stat()
    blob.write_bytes(good.replace(b"<path", b"<pxth"))
    os.utime(blob, ns=(stat.st_atime_ns, stat.st_mtime_ns))   # same size, same mtime: only --refresh sees it
    page = cells.site_out / "posts/cells/index.html"
    page.write_text(page.read_text().replace("Cells", "Tampered"))
    run = cells.build("--refresh")
    cells.check_success(run)
    assert blob.read_bytes() == good
    assert "Tampered" not in page.read_text()
    cells.check_next_build()


def test_manifest_pickle_is_never_loaded(base: Case, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (base.root / ".cache/build").mkdir(parents=True, exist_ok=True)
    (base.root / ".cache/build/manifest.pickle").write_bytes(pickle.dumps(Exploit()))
    run = base.build("--no-exec")
    base.check_success(run)
    assert not marker.exists()


def test_a_poisoned_checkpoint_is_never_unpickled(cells: Case, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    checkpoints = sorted((cells.root / ".cache/exec/ckpt").rglob("*.pkl"))
    assert checkpoints, "the first build writes namespace checkpoints"
    for path in checkpoints:
        path.write_bytes(pickle.dumps(Exploit()))
    cells.write({"content/posts/cells.md": TWO_CELLS.replace("print(sum(values))", "print(max(values))")})
    run = cells.build()
    cells.check_success(run)
    assert not marker.exists(), "a checkpoint from an untrusted cache was unpickled"
    assert "3" in (cells.site_out / "posts/cells/index.html").read_text()
    cells.check_next_build()


def test_a_damaged_checkpoint_is_a_miss(cells: Case):
    for path in (cells.root / ".cache/exec/ckpt").rglob("*.pkl"):
        path.write_bytes(path.read_bytes()[:20])
    cells.write({"content/posts/cells.md": TWO_CELLS.replace("print(sum(values))", "print(len(values))")})
    run = cells.build()
    cells.check_success(run)
    cells.check_next_build()


def _jinja_buckets(case: Case) -> list[Path]:
    return sorted(p for p in (case.root / ".cache/jinja").iterdir() if p.is_file())


@pytest.mark.parametrize("damage", ["garbled", "checksum", "truncated"])
def test_garbled_jinja_bytecode_is_recompiled(base: Case, damage: str):
    import jinja2

    buckets = _jinja_buckets(base)
    assert buckets, "the first build caches compiled templates"
    for path in buckets:
        data = path.read_bytes()
        if damage == "garbled":
            data = data[:10] + b"\xff" * 50 + data[60:]
        elif damage == "checksum":   # Jinja's own layout: magic, pickled checksum, marshalled code
            at = data.find(jinja2.bccache.bc_magic) + len(jinja2.bccache.bc_magic) if jinja2.bccache.bc_magic in data \
                else 32 + len(jinja2.bccache.bc_magic)
            data = data[:at] + b"\x80\x04\xff\xff\xff" + data[at + 5:]
        else:
            data = data[: len(data) * 2 // 3]
        path.write_bytes(data)
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nEdited.\n"})
    run = base.build()
    base.check_success(run)
    base.check_next_build()


def test_poisoned_jinja_bytecode_never_runs(base: Case, tmp_path):
    """Jinja's own bucket format starts with a pickle: a restored cache could run code through it."""
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import jinja2

    for path in _jinja_buckets(base):
        path.write_bytes(jinja2.bccache.bc_magic + pickle.dumps(Exploit(), 2))
    base.write({"content/posts/2024-02-01-second.md": "---\ntitle: Second\ntags: [beta]\n---\nEdited.\n"})
    run = base.build()
    base.check_success(run)
    assert not marker.exists(), "compiled templates from an untrusted cache were loaded"
    base.check_next_build()


@pytest.mark.parametrize("damage", [
    {"format": 2, "docs": []},
    "MANIFEST-DOCS-META",
    "MANIFEST-OUTPUTS",
], ids=["shape", "document-fields", "output-entries"])
def test_build_manifest_of_the_wrong_shape(base: Case, damage):
    path = base.root / ".cache/build/manifest.json"
    data = json.loads(path.read_text())
    if damage == "MANIFEST-DOCS-META":
        for doc in data["docs"].values():
            doc["meta"], doc["tags"], doc["title"] = [], 7, None
    elif damage == "MANIFEST-OUTPUTS":
        data["outputs"] = {k: ["key", "big", None] for k in data["outputs"]}
    else:
        data = damage
    path.write_text(json.dumps(data))
    run = base.build()
    base.check_success(run)
    assert base.out_hash() == base.before
    base.check_next_build()


def test_highlight_memo_of_the_wrong_shape(base: Case):
    base.write({"content/posts/code.md": "---\ntitle: Code\ndate: 2024-03-01\n---\n```python\nx = 1\n```\n"})
    base.good()
    path = base.root / ".cache/build/highlight.json"
    data = json.loads(path.read_text())
    data["entries"] = {k: 5 for k in data["entries"]}
    path.write_text(json.dumps(data))
    base.write({"content/posts/code.md": "---\ntitle: Code\ndate: 2024-03-01\n---\nEdited.\n\n```python\nx = 1\n```\n"})
    run = base.build()
    base.check_success(run)
    base.check_next_build()


UNTRACKED = """---
title: Untracked
date: 2024-03-01
---
```{python}
{options}import os, subprocess
print("env", os.environ.get("GDBLOG_TEST_VALUE"))
print("file", subprocess.run(["cat", "data.txt"], capture_output=True, text=True).stdout.strip())
```
"""


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_declared_dependencies_make_a_cell_run_again(case: Case, monkeypatch, declared: bool):
    """What a cell reads through the environment or a subprocess is invisible to the build
    (README: untracked); ``#| depends:`` declares it."""
    options = "#| depends: [env:GDBLOG_TEST_VALUE, data.txt]\n" if declared else ""
    case.write({**BASE, "content/posts/untracked/index.md": UNTRACKED.replace("{options}", options),
                "content/posts/untracked/data.txt": "one\n"})
    page = case.site_out / "posts/untracked/index.html"
    monkeypatch.setenv("GDBLOG_TEST_VALUE", "1")
    case.good()
    assert "env 1" in page.read_text() and "file one" in page.read_text()
    monkeypatch.setenv("GDBLOG_TEST_VALUE", "2")
    case.good()
    assert ("env 2" in page.read_text()) == declared
    case.write({"content/posts/untracked/data.txt": "two\n"})
    case.good()
    assert ("file two" in page.read_text()) == declared
