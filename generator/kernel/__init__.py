"""Executable cells: run a post's ``{python}`` cells at build time, with a cache.

Public API (everything else in this package is private)::

    execute_posts(requests, *, cache_dir, site_root, project_root, gdcore_hash,
                  jobs=None, refresh=False, no_exec=False, progress=None, limits=None)
        -> dict[str, PostResult]          # raises BuildError.many on failures
    cache_fingerprint(request, *, cache_dir, site_root, gdcore_hash) -> str | None
    gdcore_source_hash(directory, *, memo=None) -> str
    resolve_defaults(site_exec, post_exec, ...) -> ExecDefaults   # 'exec:' settings
    terminal_progress(stream=None) -> progress sink
    worker_starts() -> int                # workers started by this process

How the pipeline uses it::

    defaults = resolve_defaults(config.get("exec"), front_matter.get("exec"),
                                site_path="config.yml", post_path=display_path)
    tokens = md.parse(body)                       # md uses generator.markdown.cells
    cells, inline = extract_program(tokens, line_offset=body_line - 1,
                                    defaults=defaults.options, path=display_path)
    request = ExecRequest(key, display_path, source_path, source_path.parent,
                          cells, inline, defaults.seed)
    results = execute_posts([...requests], cache_dir=site / ".cache/exec", ...)
    env["exec"] = results[key]                    # then render the tokens
    # copy every Output with .file to the post's folder as .filename

All cells of a post run in order in one fresh worker process (shared
namespace, like a notebook).  See ``engine.py`` for the flow, ``plan.py`` for
the cache keys, ``session.py`` for checkpoints and ``_worker/`` for the
process that runs user code.
"""

from generator.kernel.engine import cache_fingerprint, execute_posts
from generator.kernel.hashing import StampMemo, gdcore_source_hash
from generator.kernel.model import (Cell, CellResult, ExecRequest, InlineExpr, Output, PostResult,
                                     ProgressEvent)
from generator.markdown.cells.options import (BUILTIN as DEFAULT_OPTIONS, ExecDefaults, OptionProblem,
                                       check_options, merge_options, resolve_defaults)
from generator.kernel.progress import terminal_progress
from generator.kernel.runner import worker_starts
from generator.kernel.session import Limits

__all__ = [
    "Cell", "CellResult", "DEFAULT_OPTIONS", "ExecDefaults", "ExecRequest", "InlineExpr", "Limits",
    "OptionProblem", "Output", "PostResult", "ProgressEvent", "StampMemo", "cache_fingerprint",
    "check_options", "execute_posts", "gdcore_source_hash", "merge_options", "resolve_defaults",
    "terminal_progress", "worker_starts",
]
