"""Quarto front matter in gdblog's terms, and folder defaults from ``_metadata.yml``.

Pure functions for the content reader (no Markdown involved):

    meta = merge_meta(folder_defaults(path, site_root), raw_front_matter)
    meta = normalize_quarto_meta(meta)

``normalize_quarto_meta`` maps Quarto's keys onto ours and keeps the rest:

=================  ==========================================================
Quarto             gdblog
=================  ==========================================================
``categories``     also ``tags`` (merged; ``categories`` stays for Jekyll permalinks)
``description``    ``summary`` (unless the post has one)
``execute``        ``exec`` (``exec`` keys win where both are given)
``author``         kept; ``authors``: the list of names (strings or ``{name: ...}``)
``format``,        dropped: output formats and the Jupyter kernel are Quarto's
``jupyter``, ...   business, not ours
=================  ==========================================================

``title``, ``subtitle``, ``date``, ``image``, ``draft``, ``bibliography``,
``csl``, ``number-sections`` and ``reference-location`` pass through; the
Markdown plugins read them from ``env["meta"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Front matter keys Quarto understands and a static blog has no use for.
IGNORED_KEYS = ("format", "jupyter", "engine", "editor", "knitr", "filters", "execute-dir", "freeze",
                "keep-ipynb", "keep-md", "code-tools")
METADATA_FILE = "_metadata.yml"


def _names(author: Any) -> list[str]:
    items = author if isinstance(author, list) else [author]
    names = []
    for item in items:
        if isinstance(item, dict):
            name = item.get("name")
            if isinstance(name, dict):  # Quarto's {given, family}
                name = " ".join(str(name[k]) for k in ("given", "family") if name.get(k))
            if name:
                names.append(str(name))
        elif item:
            names.append(str(item))
    return names


def _as_tags(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return []


def normalize_quarto_meta(meta: dict) -> dict:
    """A copy of ``meta`` with Quarto's keys mapped onto gdblog's (see the module doc)."""
    out = {k: v for k, v in meta.items() if k not in IGNORED_KEYS}
    if "categories" in meta:
        tags = _as_tags(meta.get("tags"))
        tags += [t for t in _as_tags(meta["categories"]) if t not in tags]
        out["tags"] = tags
    if meta.get("description") and not meta.get("summary"):
        out["summary"] = meta["description"]
    execute = meta.get("execute")
    if isinstance(execute, dict):
        own = meta.get("exec")
        out["exec"] = {**execute, **(own if isinstance(own, dict) else {})}
        out.pop("execute", None)
    if meta.get("author"):
        out["authors"] = _names(meta["author"])
    return out


def merge_meta(defaults: dict, meta: dict) -> dict:
    """The document's front matter over folder defaults; mappings (``exec``, ``execute``) merge one level."""
    merged = dict(defaults)
    for key, value in meta.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def metadata_files(path: Path, site_root: Path) -> list[Path]:
    """The ``_metadata.yml`` files that apply to the document at ``path``, outermost first."""
    folder = path.parent.resolve()
    root = site_root.resolve()
    chain = []
    while True:
        chain.append(folder / METADATA_FILE)
        if folder == root or root not in folder.parents:
            break
        folder = folder.parent
    return [p for p in reversed(chain) if p.is_file()]


def folder_defaults(path: Path, site_root: Path) -> dict:
    """Defaults for the document at ``path`` from every ``_metadata.yml`` between the site and its folder.

    An inner folder's file overrides an outer one's.  Raises ``BuildError`` with
    the file and line for a file that is not a YAML mapping.
    """
    import yaml

    from ..errors import BuildError

    merged: dict = {}
    for file in metadata_files(path, site_root):
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise BuildError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=str(file),
                             line=mark.line + 1 if mark else None) from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise BuildError("_metadata.yml must be a mapping of key: value lines", path=str(file), line=1)
        merged = merge_meta(merged, data)
    return merged
