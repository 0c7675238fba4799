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

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .document import Document, RenderedDoc

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

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "version": self.version, "out_dir": self.out_dir,
            "docs": {rel: doc.to_json() for rel, doc in self.docs.items() if _storable(doc.meta)},
            "outputs": {path: [e.key, e.size, e.mtime_ns] for path, e in self.outputs.items()},
            "rendered": {rel: r.to_json() for rel, r in self.rendered.items()},
            "bodies": {rel: list(pair) for rel, pair in self.bodies.items()},
            "programs": {rel: list(pair) for rel, pair in self.programs.items()},
            "staged": self.staged,
        }

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """Raises KeyError, TypeError or ValueError when ``data`` is not a manifest's shape."""
        if data["format"] != FORMAT:
            raise ValueError("another format")
        staged = data["staged"]
        return cls(
            version=str(data["version"]), out_dir=str(data["out_dir"]),
            docs={str(rel): Document.from_json(d) for rel, d in data["docs"].items()},
            outputs={str(p): OutputEntry(str(k), int(s), int(m)) for p, (k, s, m) in data["outputs"].items()},
            rendered={str(rel): RenderedDoc.from_json(r) for rel, r in data["rendered"].items()},
            bodies={str(rel): (str(k), str(b)) for rel, (k, b) in data["bodies"].items()},
            programs={str(rel): (str(k), dict(p)) for rel, (k, p) in data["programs"].items()},
            staged=None if staged is None else [str(s) for s in staged],
        )


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


def key(*parts) -> str:
    """A cache key: the SHA-1 of the parts' reprs (parts are plain data, so reprs are stable)."""
    digest = hashlib.sha1()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()
