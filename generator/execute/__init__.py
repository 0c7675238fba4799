"""Executable cells: run a post's ``{python}`` cells at build time, with a cache.

Public API (everything else in this package is private)::

    execute_posts(requests, *, cache_dir, site_root, project_root, gdcore_hash, ...)
        -> dict[str, PostResult]          # raises BuildError.many on failures
    cache_fingerprint(request, *, cache_dir, site_root, gdcore_hash) -> str | None
    gdcore_source_hash(directory, *, memo=None) -> str
    resolve_defaults(site, post, ...) -> ExecDefaults   # front matter / config 'exec:'
    terminal_progress(stream=None) -> progress sink

All cells of a post run in order in one fresh worker process (shared
namespace, like a notebook).  See ``engine.py`` for the flow, ``plan.py`` for
the cache keys, ``session.py`` for checkpoints and ``_worker/`` for the
process that runs user code.
"""

from generator.execute.engine import cache_fingerprint, execute_posts
from generator.execute.hashing import StampMemo, gdcore_source_hash
from generator.execute.model import (Cell, CellResult, ExecRequest, InlineExpr, Output, PostResult,
                                     ProgressEvent)
from generator.execute.options import (BUILTIN as DEFAULT_OPTIONS, ExecDefaults, OptionProblem,
                                       check_options, merge_options, resolve_defaults)
from generator.execute.progress import terminal_progress
from generator.execute.runner import worker_starts
from generator.execute.session import Limits

__all__ = [
    "Cell", "CellResult", "DEFAULT_OPTIONS", "ExecDefaults", "ExecRequest", "InlineExpr", "Limits",
    "OptionProblem", "Output", "PostResult", "ProgressEvent", "StampMemo", "cache_fingerprint",
    "check_options", "execute_posts", "gdcore_source_hash", "merge_options", "resolve_defaults",
    "terminal_progress", "worker_starts",
]
