"""Quarto front matter in gdblog's terms, and folder defaults from ``_metadata.yml``.

Pure functions for the readers (see :mod:`generator.readers.defaults` for the
folder defaults and :mod:`generator.readers.quarto` for ``.qmd`` files).

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


def parse_metadata_file(path: Path, data: bytes, site_root: Path) -> dict:
    """The mapping in one ``_metadata.yml``; a BuildError with its file and line when it is not one."""
    import yaml

    from ..errors import BuildError

    try:
        shown = path.relative_to(site_root).as_posix()
    except ValueError:
        shown = str(path)
    try:
        loaded = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BuildError("not valid UTF-8 text", path=shown, hint="save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BuildError(f"invalid YAML: {getattr(exc, 'problem', None) or exc}", path=shown,
                         line=mark.line + 1 if mark else None) from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise BuildError("_metadata.yml must be a mapping of key: value lines", path=shown, line=1)
    return loaded
