"""gdblog: a static-site generator for executable math posts.

The public API is small: :func:`build` with :class:`BuildOptions`, and
:class:`BuildError` for problems in the sources.  Everything else is private.
"""

from .errors import BuildError, Diagnostic
from .pipeline import BuildOptions, BuildReport, build

__all__ = ["BuildError", "BuildOptions", "BuildReport", "Diagnostic", "build"]
