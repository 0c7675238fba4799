"""The build manifest: what the last build read and wrote, for incremental rebuilds.

Stored as one JSON file, ``.cache/build/manifest.json``: data only, so a
manifest from an untrusted source (a restored CI cache, say) can at worst make
a build slower, never run code.  It is only an accelerator: if it is missing,
unreadable, of the wrong shape or written by another version of the generator,
the build starts from scratch and produces the same site.

What it holds (see :class:`Manifest`): the documents as read (so an unchanged
file is not read again), one :class:`OutputEntry` per output file (the key it
was made from and its size and mtime), the rendered records list pages need,
the feed's bodies, the execute stage's programs and the staging folder's files.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import operator
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .document import Document, RenderedDoc
from .errors import Diagnostic

FORMAT = 3


@dataclass(frozen=True)
class OutputEntry:
    """One file of the output: the key it was made from, and its stat when written."""

    key: str
    size: int
    mtime_ns: int

    @property
    def stat(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


@dataclass
class Manifest:
    version: str = ""
    out_dir: str = ""
    docs: dict[str, Document] = field(default_factory=dict)
    outputs: dict[str, OutputEntry] = field(default_factory=dict)
    rendered: dict[str, RenderedDoc] = field(default_factory=dict)
    #: rel -> (key, body HTML) of the posts in the feed
    bodies: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: rel -> (key, program as JSON) of posts with cells (see generator.stages.execute)
    programs: dict[str, tuple[str, dict]] = field(default_factory=dict)
    #: the files the staging folder holds (the site before last), None when unknown
    staged: list[str] | None = None
    #: a hash of the mtimes of every folder of the live site when it was made, and of the
    #: staging folder's (the site before last): an added file changes its folder's mtime,
    #: so an equal hash proves the staging folder holds nothing but ``staged``
    live_dirs: str | None = None
    staged_dirs: str | None = None

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": self.version, "out_dir": self.out_dir,
            "docs": {rel: doc.to_json() for rel, doc in self.docs.items() if _storable(doc.meta)},
            "outputs": {path: [e.key, e.size, e.mtime_ns] for path, e in self.outputs.items()},
            "rendered": {rel: r.to_json() for rel, r in self.rendered.items()},
            "bodies": {rel: list(pair) for rel, pair in self.bodies.items()},
            "programs": {rel: list(pair) for rel, pair in self.programs.items()},
            "staged": self.staged, "live_dirs": self.live_dirs, "staged_dirs": self.staged_dirs,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """Raises KeyError, TypeError or ValueError when ``data`` is not a manifest's shape
        (every field of every record is checked: a wrong value would otherwise surface
        later as a crash or, worse, a wrong page)."""
        if data["format"] != FORMAT:
            raise ValueError("another format")
        staged = data["staged"]
        made = cls(
            version=str(data["version"]), out_dir=str(data["out_dir"]),
            docs={str(rel): Document.from_json(d) for rel, d in data["docs"].items()},
            outputs={str(p): OutputEntry(str(k), int(s), int(m)) for p, (k, s, m) in data["outputs"].items()},
            rendered={str(rel): RenderedDoc.from_json(r) for rel, r in data["rendered"].items()},
            bodies={str(rel): (str(k), str(b)) for rel, (k, b) in data["bodies"].items()},
            programs={str(rel): (str(k), dict(p)) for rel, (k, p) in data["programs"].items()},
            staged=None if staged is None else [str(s) for s in staged],
            live_dirs=_optional_str(data.get("live_dirs")), staged_dirs=_optional_str(data.get("staged_dirs")),
        )
        for doc in made.docs.values():
            _check(doc, _DOCUMENT_FIELDS)
            _check_items(doc.tags, str)
            _check_items(doc.categories, str)
            _check_items(doc.meta_lines.values(), int)
            if len(doc.stamp) != 2 or not _all_of(doc.stamp, int) or doc.load_warnings:
                _check_items(doc.stamp, int, 2)
                _check_diagnostics(doc.load_warnings)
        for record in made.rendered.values():
            _check(record, _RENDERED_FIELDS)
            _check_items(record.out_stat, int, 2)
            _check_items(record.highlight_keys, str)
            _check_items(record.features, str)
            for pair in record.dependencies:
                _check_items(pair, str, 2)
            _check_diagnostics(record.diagnostics)
        return made


_NONE = type(None)


def _optional_str(value) -> str | None:
    """A hash of folder times, or None when missing (then the staging folder is walked in full)."""
    if value is not None and not isinstance(value, str):
        raise TypeError("damaged folder times")
    return value


def _fields(types: dict) -> tuple:
    """(getter of the fields, their types): checking a record is then two C-level calls."""
    return operator.attrgetter(*types), tuple(types.values())


_DOCUMENT_FIELDS = _fields({
    "kind": str, "rel": str, "digest": str, "meta": dict, "body": (str, _NONE), "body_line": int, "title": str,
    "slug": str, "tags": tuple, "categories": tuple, "summary": (str, _NONE), "draft": bool,
    "permalink": (str, _NONE), "url": str, "out_path": str, "undated": bool, "stamp": tuple,
    "load_warnings": list, "format": str, "meta_lines": dict,
})
_RENDERED_FIELDS = _fields({
    "rel": str, "key": str, "out_path": str, "excerpt_html": str, "summary_text": str, "has_math": bool,
    "excerpt_has_math": bool, "excerpt_has_mermaid": bool, "words": int, "diagnostics": list,
    "out_stat": tuple, "highlight_keys": tuple, "features": frozenset, "dependencies": tuple,
})


def _check(record: object, fields: tuple) -> None:
    getter, types = fields
    if not all(map(isinstance, getter(record), types)):
        raise TypeError(f"a damaged {type(record).__name__}")


def _all_of(items, kind) -> bool:
    return all(map(kind.__instancecheck__, items))


def _check_items(items, kind, count: int | None = None) -> None:
    if items and not _all_of(items, kind) or (count is not None and len(items) != count):
        raise TypeError("wrong items")


def _check_diagnostics(items: list) -> None:
    for d in items:
        if not (isinstance(d.path, (str, _NONE)) and isinstance(d.line, (int, _NONE))
                and isinstance(d.message, str) and isinstance(d.hint, (str, _NONE))):
            raise TypeError("a damaged diagnostic")


def _storable(meta: dict) -> bool:
    """Front matter survives a JSON round trip unchanged (else the file is simply read again)."""
    try:
        return json.loads(json.dumps(meta)) == meta
    except (TypeError, ValueError):
        return False


def code_version() -> str:
    """Changes whenever the generator's own code or the Python version changes."""
    digest = hashlib.sha1(f"{FORMAT}|{sys.version}".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load(path: Path, version: str, out_dir: Path) -> Manifest:
    """The stored manifest, or an empty one when it is missing, damaged or from another build setup."""
    empty = Manifest(version=version, out_dir=str(out_dir))
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = Manifest.from_json(json.load(fh))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return empty
    if manifest.version != version or manifest.out_dir != str(out_dir):
        return empty
    return manifest


def save(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
    os.replace(tmp, path)


def prepare(path: Path, manifest: Manifest, warnings: list[Diagnostic], root: Path) -> Path | None:
    """Write the manifest under a temporary name, before the new site is swapped in.

    A cache that cannot be written (read-only, not ours) is a warning: the site is
    still published, the next build just does more work.  A full disk is an error
    (raised as the OSError): the build stops before the swap.
    """
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(manifest.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        warnings.append(cache_warning(exc, path, root))
        return None
    return tmp


def publish(tmp: Path, path: Path, warnings: list[Diagnostic], root: Path) -> None:
    """Put the manifest written by :func:`prepare` in place (after the swap)."""
    try:
        os.replace(tmp, path)
    except OSError as exc:
        warnings.append(cache_warning(exc, path, root))
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def cache_warning(exc: OSError, path: Path, root: Path) -> Diagnostic:
    """The warning for a cache file that could not be written (the build goes on without it)."""
    from .fileio import os_error

    error = os_error(exc, "save this cache file (the next build will redo more work)", path, root)
    return error.errors[0]


def key(*parts) -> str:
    """A cache key: the SHA-1 of the parts' reprs (parts are plain data, so reprs are stable)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()
