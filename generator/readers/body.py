"""Read a document's body again: the manifest keeps documents without their bodies."""

from __future__ import annotations

from pathlib import Path

from ..config import SiteConfig
from ..document import Document
from . import ReadContext, Source, reader_for
from .fields import tzinfo


def ensure_body(doc: Document, config: SiteConfig, site_root: Path) -> None:
    """Give a document taken from the manifest (stored without its body) its body again.

    The file is unchanged (its stamp matched), so reading it again gives the same document;
    only the body is taken, so the Document object (and what the build knows of it) stays.
    """
    if doc.body is not None:
        return
    reader = reader_for(doc.path.name)
    assert reader is not None, doc.rel
    context = ReadContext(config=config, tz=tzinfo(config.timezone), site_root=site_root)
    doc.body = reader.read(Source(doc.path, doc.rel, doc.kind, doc.bundle), context).body
