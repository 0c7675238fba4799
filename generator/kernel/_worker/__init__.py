"""The worker process that runs one post's cells (stdlib only at import time).

This package is loaded in the worker as the top-level package ``_worker``
(see :mod:`generator.kernel.runner`), not through ``generator``, so that a
worker never pays for importing the build pipeline.  Nothing here may import
from ``generator``.
"""
