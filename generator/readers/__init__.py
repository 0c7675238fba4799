"""Readers: one per source format, chosen by the file's suffix from one table.

A reader turns one source file into a :class:`~generator.document.Document`:
front matter (with the line of each key), the body the Markdown parser reads,
and any reader-specific ``payload`` the renderer needs.  Everything after the
load stage works on Documents and never asks which format a file was in.

To add a format, write ``read(source, context) -> Document`` (most readers
split their own front matter and then call :func:`generator.readers.fields.make_document`,
which applies the shared rules for titles, dates, slugs and tags) and add a
:class:`Reader` to :data:`READERS`.  A file whose suffix no reader takes is
copied to the output as a static file; one that looks like a document (see
:data:`DOCUMENT_LIKE`) also gets a warning.
"""

from __future__ import annotations

from .base import ReadContext, Reader, Source
from .markdown import read_markdown
from .notebook import read_notebook
from .quarto import read_quarto


__all__ = ["DOCUMENT_LIKE", "READERS", "ReadContext", "Reader", "Source", "bundle_index", "looks_like_document",
           "reader_for"]

#: Every reader, first match wins.
READERS: list[Reader] = [
    Reader("markdown", (".md", ".markdown"), read_markdown),
    Reader("quarto", (".qmd",), read_quarto),
    Reader("notebook", (".ipynb",), read_notebook),
]

#: Suffixes of document formats that a writer may drop into content/ expecting a post.
#: Without a reader for them, such a file is copied as it is, with a warning.
DOCUMENT_LIKE = (".rmd", ".rst", ".org", ".adoc", ".asciidoc", ".textile", ".mdx")


def reader_for(name: str) -> Reader | None:
    """The reader of a file name, by its suffix (case-insensitive), or None."""
    lower = name.lower()
    for reader in READERS:
        if lower.endswith(reader.suffixes):
            return reader
    return None


def looks_like_document(name: str) -> bool:
    return name.lower().endswith(DOCUMENT_LIKE)


def bundle_index(filenames: list[str]) -> str | None:
    """The file that makes a folder a page bundle: ``index`` with a suffix some reader takes."""
    for name in sorted(filenames):
        if name.rsplit(".", 1)[0] == "index" and reader_for(name) is not None:
            return name
    return None
