"""Content hashes of files, memoized by (mtime, size) so unchanged files aren't re-read."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path

ABSENT = "absent"


def digest(*parts: str) -> str:
    """sha256 hex of a sequence of strings (length-prefixed: no ambiguous joins)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape")
        h.update(b"%d:" % len(data))
        h.update(data)
    return h.hexdigest()


class StampMemo:
    """Remembers each file's content hash together with its mtime and size.

    Persisted as one JSON file (``path``) so that a rebuild can tell that a
    large data file is unchanged with one ``stat``.  Thread-safe: posts are
    planned and executed from several threads.
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self._lock = threading.Lock()
        self._dirty = False
        self._memo: dict[str, list] = {}
        if path is not None:
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                stored = {}
            # Only an accelerator, read from a cache that may come from anywhere: keep the
            # entries of the right shape (a wrong one would only make a file be hashed again).
            self._memo = {k: v for k, v in stored.items() if _valid_stamp(k, v)} if isinstance(stored, dict) else {}

    def file_hash(self, full: str) -> str:
        """sha256 hex of the file's bytes, or ABSENT if it is not a regular file."""
        try:
            st = os.stat(full)
        except OSError:
            return ABSENT
        if not os.path.isfile(full):
            return ABSENT
        with self._lock:
            known = self._memo.get(full)
        if known and known[0] == st.st_mtime_ns and known[1] == st.st_size:
            return known[2]
        h = hashlib.sha256()
        try:
            with open(full, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        except OSError:
            return ABSENT
        self.learn(full, h.hexdigest(), st.st_mtime_ns, st.st_size)
        return h.hexdigest()

    def learn(self, full: str, content_hash: str, mtime_ns: int, size: int) -> None:
        """Record a hash computed elsewhere (the worker hashes what cells read)."""
        if size < 0 or content_hash == ABSENT:
            return  # the file changed while it was hashed: do not trust a stamp
        with self._lock:
            if self._memo.get(full) != [mtime_ns, size, content_hash]:
                self._memo[full] = [mtime_ns, size, content_hash]
                self._dirty = True

    @property
    def dirty(self) -> bool:
        """Whether it learned hashes not yet saved."""
        return self._dirty

    def save(self) -> None:
        """Write the memo (only an accelerator: when the cache cannot be written, it is not)."""
        if self.path is None or not self._dirty:
            return
        with self._lock:
            text = json.dumps(self._memo, sort_keys=True)
            self._dirty = False
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _valid_stamp(path, stamp) -> bool:
    return (isinstance(path, str) and isinstance(stamp, list) and len(stamp) == 3
            and type(stamp[0]) is int and type(stamp[1]) is int and isinstance(stamp[2], str))


def listing_hash(full: str) -> str:
    """Hash of a folder's sorted entry names (what ``glob`` in a cell depends on)."""
    try:
        names = sorted(os.listdir(full))
    except OSError:
        return ABSENT
    return hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def gdcore_source_hash(directory: Path, *, memo: StampMemo | None = None) -> str:
    """One hash of every ``*.py`` under ``directory`` (relative path + content).

    Pass a :class:`StampMemo` (e.g. ``StampMemo(cache_dir / "stamps.json")``)
    to avoid re-reading unchanged files.  Returns ``"absent"`` when the
    folder does not exist, so posts cached before gdcore existed re-run once.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return ABSENT
    memo = memo or StampMemo()
    parts = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                full = os.path.join(root, name)
                rel = os.path.relpath(full, directory).replace(os.sep, "/")
                parts += [rel, memo.file_hash(full)]
    return digest("gdcore", *parts)
