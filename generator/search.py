"""Full-text search: the Pagefind index of the finished site (a post-build step).

Pagefind reads the built pages and writes a static index into ``pagefind/``
that ``assets/theme/search.js`` queries in the reader's browser: no server.
Only posts and pages are indexed (their ``<article data-pagefind-body>``; a
document with ``search: false`` is left out); list pages are not.

Incremental: the index's key is the Pagefind binary and the key of every
indexed page's output entry (what Pagefind reads), so a rebuild where no
indexed page changed re-runs nothing and reuses every index file.  Pagefind
writes a folder of content-hashed files; it runs into a temporary folder and
each file it wrote goes through the outputs ledger.  Its output is
byte-identical for the same pages (tested), which the ledger relies on.

Where the binary is missing or cannot run, the build warns once and the site
is built without search (the box is left out of the pages when the binary is
missing; when it fails to run, the box says search is unavailable).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

from .errors import Diagnostic
from .manifest import key
from .state import BuildState

#: The index's folder in the output.
FOLDER = "pagefind/"
ENTRY = FOLDER + "pagefind-entry.json"
OWNER = "(search index)"
#: Pagefind's own user interfaces, which the theme does not use (it has its own box).
_UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")
#: Seconds Pagefind may take (it indexes a thousand pages in about one).
TIMEOUT = 300


def find_pagefind() -> Path | None:
    """The Pagefind binary: ``$GDBLOG_PAGEFIND`` (empty: none), else the ``pagefind_bin``
    package's (``pip install 'gdblog[search]'``), else ``pagefind`` on the PATH."""
    chosen = os.environ.get("GDBLOG_PAGEFIND")
    if chosen is not None:
        path = Path(chosen) if chosen else None
        return path if path is not None and path.is_file() and os.access(path, os.X_OK) else None
    spec = importlib.util.find_spec("pagefind_bin")  # finds it without importing it
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent
        for name in ("pagefind_extended", "pagefind", "pagefind_extended.exe", "pagefind.exe"):
            if (folder / name).is_file():
                return folder / name
    found = shutil.which("pagefind")
    return Path(found) if found else None


def _unavailable(state: BuildState, why: str) -> None:
    state.report.warnings.append(Diagnostic(
        None, None, f"search is off: {why}",
        "install Pagefind with pip install 'gdblog[search]', or set 'search: false' in config.yml"))


def indexed_pages(state: BuildState) -> list[str]:
    """Output paths of the pages Pagefind reads: every post and page without ``search: false``."""
    return sorted(doc.out_path for doc in state.site.documents if doc.meta.get("search", True) is not False)


def build_index(state: BuildState) -> None:
    """The post-build step: reuse the last index when no indexed page changed, else run Pagefind."""
    binary = find_pagefind()
    if binary is None:
        _unavailable(state, "Pagefind is not installed")
        return
    outputs = state.outputs
    pages = indexed_pages(state)
    st = binary.stat()
    k = key("pagefind", str(binary), st.st_size, st.st_mtime_ns, [(p, outputs.entries[p].key) for p in pages])
    entry = outputs.previous.get(ENTRY)
    if entry is not None and entry.key == k and _reuse_last_index(state):
        return
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=state.out_dir.parent) as tmp:
        index = Path(tmp) / "index"
        site, glob = _site_for(state, pages, Path(tmp))
        try:
            done = subprocess.run([str(binary), "--site", str(site), "--glob", glob, "--output-path", str(index),
                                   "--silent"], capture_output=True, text=True, timeout=TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            _unavailable(state, f"Pagefind ({binary}) could not run: {exc}")
            return
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip().splitlines()
            _unavailable(state, f"Pagefind failed (exit {done.returncode}): {said[-1] if said else 'no message'}")
            return
        canonical_filters(index)
        for path in sorted(index.rglob("*")):
            rel = path.relative_to(index).as_posix()
            if path.is_file() and not rel.startswith(_UNUSED):
                # pagefind-entry.json, which changes with any other file, carries the index's key;
                # the others their own content's, so a file Pagefind wrote as before is not copied again
                own = k if FOLDER + rel == ENTRY else key("pagefind-file", hashlib.sha1(path.read_bytes()).hexdigest())
                outputs.reuse_or_make(FOLDER + rel, own, partial(Path, path), owner=OWNER)


def _reuse_last_index(state: BuildState) -> bool:
    """Keep every file of the last build's index; False as soon as one changed since (then Pagefind
    runs again, and the files it writes as before are taken as they are: see build_index)."""
    previous = state.outputs.previous
    return all(state.outputs.reuse(p, previous[p].key, owner=OWNER) for p in previous if p.startswith(FOLDER))


# ---------------------------------------------------------------- byte-identical output
#
# Pagefind (1.5) writes each filter's values in hash-map order, which changes from run to
# run: the same pages give a different filter file, and so a different metadata file and
# pagefind-entry.json, which name it by content hash.  canonical_filters sorts the values
# (and their page lists), names the files by the hash of the sorted content, and puts the
# new names where Pagefind put the old ones.  The files are gzipped CBOR behind a
# "pagefind_dcd" signature; only arrays, text and unsigned integers occur in them.

_SIGNATURE = b"pagefind_dcd"


def _cbor_read(data: bytes, i: int) -> tuple[object, int]:
    major, info = data[i] >> 5, data[i] & 31
    i += 1
    if info < 24:
        n = info
    else:
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        n, i = int.from_bytes(data[i: i + size], "big"), i + size
    if major == 0:
        return n, i
    if major in (2, 3):
        raw = data[i: i + n]
        return (raw.decode("utf-8") if major == 3 else raw), i + n
    if major == 4:
        items = []
        for _ in range(n):
            item, i = _cbor_read(data, i)
            items.append(item)
        return items, i
    raise ValueError(f"unexpected CBOR major type {major} in a Pagefind filter file")


def _cbor_head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")
    raise ValueError("number too large")


def _cbor_write(item: object) -> bytes:
    if isinstance(item, int):
        return _cbor_head(0, item)
    if isinstance(item, str):
        raw = item.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(item, bytes):
        return _cbor_head(2, len(item)) + item
    if isinstance(item, list):
        return _cbor_head(4, len(item)) + b"".join(_cbor_write(x) for x in item)
    raise TypeError(type(item))


def _sorted_filter(item: object) -> object:
    """[name, [[value, [pages]], ...]] with the values and each page list in order."""
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], list)):
        raise ValueError("not a Pagefind filter")
    values = [[v[0], sorted(v[1]) if isinstance(v[1], list) else v[1]] for v in item[1]]
    return [item[0], sorted(values, key=lambda v: str(v[0]))]


def _content_name(old: str, content: bytes) -> str:
    """``en_1a2b3c4`` -> the same language prefix and length, digits from ``content``'s hash."""
    prefix, digits = old.split("_", 1)
    return prefix + "_" + hashlib.sha256(content).hexdigest()[: len(digits)]


def canonical_filters(index: Path) -> None:
    """Rewrite Pagefind's filter files (and the files naming them) in a stable order."""
    import gzip

    renamed: dict[str, str] = {}
    for path in sorted((index / "filter").glob("*.pf_filter")):
        raw = gzip.decompress(path.read_bytes())
        if not raw.startswith(_SIGNATURE):
            return  # another format: leave Pagefind's output as it is
        item, _ = _cbor_read(raw, len(_SIGNATURE))
        canonical = _SIGNATURE + _cbor_write(_sorted_filter(item))
        new = _content_name(path.stem, canonical)
        path.unlink()
        (index / "filter" / f"{new}.pf_filter").write_bytes(gzip.compress(canonical, mtime=0))
        renamed[path.stem] = new
    if not renamed:
        return
    entry = index / "pagefind-entry.json"
    text = entry.read_text(encoding="utf-8")
    for meta in sorted(index.glob("pagefind.*.pf_meta")):
        raw = gzip.decompress(meta.read_bytes())
        for old, new in renamed.items():  # same length: the CBOR stays valid
            raw = raw.replace(old.encode(), new.encode())
        old_hash = meta.name[len("pagefind."): -len(".pf_meta")]
        new_hash = _content_name(old_hash, raw)
        meta.unlink()
        (index / f"pagefind.{new_hash}.pf_meta").write_bytes(gzip.compress(raw, mtime=0))
        text = text.replace(f'"{old_hash}"', f'"{new_hash}"')
    entry.write_text(text, encoding="utf-8")


#: Longest --glob naming each page (one argument may hold 128 KiB on Linux); beyond it, a copy.
_GLOB_LIMIT = 100_000
_GLOB_SPECIAL = re.compile(r"[*?\[\]{},\\]")


def _site_for(state: BuildState, pages: list[str], tmp: Path) -> tuple[Path, str]:
    """(folder, glob) for Pagefind to read exactly ``pages`` of the new site.

    The staging folder, with the reused pages linked in now (the links the swap makes anyway),
    and a glob naming each page: the staging folder may still hold pages of the build before
    last.  For a glob too long for one argument (or a path with a glob character in it), the
    pages are linked into a folder of their own.
    """
    staging = state.outputs.staging
    glob = "{" + ",".join(pages) + "}"
    if len(glob) <= _GLOB_LIMIT and not any(_GLOB_SPECIAL.search(page) for page in pages):
        for page in pages:
            staging.materialize(page)
        return staging.path, glob
    site = tmp / "site"
    for page in pages:
        target = site / page
        target.parent.mkdir(parents=True, exist_ok=True)
        source = staging.materialize(page)
        try:
            os.link(source, target)
        except OSError:  # another file system
            shutil.copyfile(source, target)
    return site, "**/*.html"
