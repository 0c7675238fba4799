"""The per-document ``env`` entries the scholarly plugins read, in one place.

The render pipeline calls this once per document and merges the result into
the ``env`` it passes to ``md.parse``:

    env.update(document_env(doc.meta, doc.path, site_root, config))

``meta`` is the front matter after :func:`quarto_meta.normalize_quarto_meta`
and the ``_metadata.yml`` defaults.  After rendering, ``env["dependencies"]``
holds the absolute paths of the files the plugins read (bibliographies, CSL
styles, included files), whose contents belong in the page's cache key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def document_env(meta: dict, source: Path, site_root: Path, config: Any = None) -> dict:
    """``meta``, ``source_dir``, ``site_root`` and config.yml's ``vars`` / ``bibliography`` / ``csl``."""
    return {
        "meta": meta,
        "source_dir": str(Path(source).resolve().parent),
        "site_root": str(Path(site_root).resolve()),
        "site_vars": dict(getattr(config, "vars", None) or {}),
        "bibliography": list(getattr(config, "bibliography", None) or ()),
        "csl": getattr(config, "csl", "") or "",
    }
