"""Citations in Pandoc's syntax, formatted by citeproc-py with CSL styles; also the shared ``@`` syntax."""

from .index import DEFAULT_STYLE, citations_plugin
from .syntax import CiteItem, cite_syntax, is_xref_key

__all__ = ["DEFAULT_STYLE", "CiteItem", "cite_syntax", "citations_plugin", "is_xref_key"]
