"""The Markdown reader: ``.md`` and ``.markdown`` files with optional YAML front matter.

Jekyll's conventions are part of it: a ``YYYY-MM-DD-slug`` file name gives the
date and slug (see :mod:`generator.readers.fields`), and ``.markdown`` is read
exactly like ``.md``.
"""

from __future__ import annotations

from ..document import Document
from .base import ReadContext, Source
from .fields import make_document
from .frontmatter import read_front_matter
from .text import read_text


def read_markdown(source: Source, context: ReadContext) -> Document:
    text, data = read_text(source.path, source.rel)
    front = read_front_matter(text, source.rel)
    return make_document(source, context, data=data, meta=front.meta, body=front.body,
                         body_line=front.body_line, meta_lines=front.lines)
