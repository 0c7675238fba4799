"""The Markdown reader: ``.md`` and ``.markdown`` files with optional YAML front matter.

Jekyll's conventions are part of it: a ``YYYY-MM-DD-slug`` file name gives the
date and slug (see :mod:`generator.readers.fields`), and ``.markdown`` is read
exactly like ``.md``.  Front matter defaults come from ``_metadata.yml`` files
(see :mod:`generator.readers.defaults`).
"""

from __future__ import annotations

from collections.abc import Callable

from ..document import Document
from .base import ReadContext, Source
from .defaults import folder_defaults
from .fields import make_document
from .frontmatter import read_front_matter
from .quarto_meta import merge_meta
from .text import read_text


def read_markdown(source: Source, context: ReadContext, *, normalize: Callable[[dict], dict] | None = None,
                  format: str = "markdown") -> Document:
    """A Markdown document; ``normalize`` maps the merged front matter (a dialect's keys) first."""
    text, data = read_text(source.path, source.rel)
    front = read_front_matter(text, source.rel)
    defaults, stamps, defaults_bytes = folder_defaults(source.path.parent, context)
    meta = merge_meta(defaults, front.meta) if defaults else front.meta
    if normalize is not None:
        meta = normalize(meta)
    doc = make_document(source, context, data=data + defaults_bytes, meta=meta, body=front.body,
                        body_line=front.body_line, meta_lines=front.lines, format=format)
    doc.also_read = stamps
    return doc
