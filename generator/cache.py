"""The build manifest: what the last build read and wrote, for incremental rebuilds.

Stored as one pickle in ``.cache/build/``.  It is only an accelerator: if it
is missing, unreadable or written by another version of the generator, the
build starts from scratch and produces the same site.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORMAT = 1


@dataclass
class Manifest:
    version: str = ""
    out_dir: str = ""
    docs: dict = field(default_factory=dict)       # rel -> (stamp, Document, warnings)
    outputs: dict = field(default_factory=dict)    # out_path -> (key, stat)
    rendered: dict = field(default_factory=dict)   # rel -> RenderedDoc (no body)
    bodies: dict = field(default_factory=dict)     # rel -> (key, body html), posts in the feed
    extra: dict = field(default_factory=dict)      # stage name -> anything


def code_version() -> str:
    """Changes whenever the generator's own code or the Python version changes."""
    digest = hashlib.sha1(f"{FORMAT}|{sys.version}".encode())
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load(path: Path, version: str, out_dir: Path) -> Manifest:
    try:
        with open(path, "rb") as fh:
            manifest = pickle.load(fh)
    except Exception:
        return Manifest(version=version, out_dir=str(out_dir))
    if not isinstance(manifest, Manifest) or manifest.version != version or manifest.out_dir != str(out_dir):
        return Manifest(version=version, out_dir=str(out_dir))
    return manifest


def save(path: Path, manifest: Manifest) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(manifest, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def key(*parts) -> str:
    digest = hashlib.sha1()
    for part in parts:
        digest.update(repr(part).encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()
