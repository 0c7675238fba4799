"""Importers: make a gdblog site of a site written for another generator.

``import_jekyll(src, dest)`` (:mod:`.jekyll`) returns an :class:`ImportReport`;
``format_report(report)`` turns it into lines for the terminal.
"""

from .jekyll import import_jekyll
from .report import ImportReport, format_report

__all__ = ["ImportReport", "format_report", "import_jekyll"]
