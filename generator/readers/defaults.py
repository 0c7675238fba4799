"""Folder defaults: a ``_metadata.yml`` gives front matter defaults to every document below it.

This is Quarto's convention; gdblog applies it to every format.  The files
are looked for in the document's folder and each folder above it up to the
site folder; an inner one overrides an outer one, and the document's own
front matter overrides them all (mappings such as ``exec`` merge one level).
A document records every place a file was looked for, found or not, in
``Document.also_read``, so adding, editing or removing one re-reads exactly
the documents below it.
"""

from __future__ import annotations

import os
from pathlib import Path

from .base import ReadContext
from .quarto_meta import METADATA_FILE, merge_meta, parse_metadata_file


def stamp(path: str) -> tuple[str, int, int]:
    """(path, mtime_ns, size), or (path, -1, -1) when there is no such file."""
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, st.st_mtime_ns, st.st_size)


def candidates(folder: Path, site_root: Path) -> list[str]:
    """Where a ``_metadata.yml`` for a document in ``folder`` may be, outermost first."""
    chain = []
    current, root = str(folder), str(site_root)
    while True:
        chain.append(os.path.join(current, METADATA_FILE))
        if current == root or not current.startswith(root + os.sep):
            break
        current = os.path.dirname(current)
    return chain[::-1]


def folder_defaults(folder: Path, context: ReadContext) -> tuple[dict, tuple, bytes]:
    """(defaults, stamps of every candidate file, bytes of the files found) for ``folder``."""
    memo = context.memo.setdefault("defaults", {})
    if folder not in memo:
        merged: dict = {}
        stamps = []
        found = b""
        for path in candidates(folder, context.site_root):
            stamps.append(stamp(path))
            if stamps[-1][1] < 0:
                continue
            data = Path(path).read_bytes()
            found += path.encode() + b"\0" + data
            merged = merge_meta(merged, parse_metadata_file(Path(path), data, context.site_root))
        memo[folder] = (merged, tuple(stamps), found)
    return memo[folder]


def unchanged(also_read: tuple, memo: dict) -> bool:
    """Each file in ``also_read`` is as it was (or still absent); ``memo`` caches stats per build."""
    for path, mtime, size in also_read:
        if path not in memo:
            memo[path] = stamp(path)
        if memo[path][1:] != (mtime, size):
            return False
    return True
