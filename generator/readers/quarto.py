"""The Quarto reader: ``.qmd`` files, read as Markdown with Quarto's front matter keys mapped.

A ``.qmd`` document is Markdown with YAML front matter, and every syntax of the
scholarly layer is available in ``.md`` files too; what differs is the meaning
of some keys (``categories`` are tags, ``description`` is the summary,
``execute`` holds cell options): see :mod:`generator.readers.quarto_meta`.
"""

from __future__ import annotations

from ..document import Document
from .base import ReadContext, Source
from .markdown import read_markdown
from .quarto_meta import normalize_quarto_meta


def read_quarto(source: Source, context: ReadContext) -> Document:
    return read_markdown(source, context, normalize=normalize_quarto_meta, format="quarto")
