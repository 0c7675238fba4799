"""Render jobs in forked worker processes, and the per-process state they use.

Workers are forked once per build, after the parser and templates exist, so
they share them copy-on-write; a small batch of jobs runs in this process
instead, where forking would cost more than it saves.  A job writes its page
straight into the staging folder and returns a small record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from .document import RenderedDoc
from .errors import BuildError
from .render import RenderTask, SiteContext, render_document
from .staging import write_atomic

#: Below this many jobs, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 24


@dataclass
class WorkerContext:
    """What every render job of a build needs: set in the parent before the pool forks."""

    md: Any                 # the MarkdownIt parser (None when no document is rendered)
    theme: Any              # generator.theme.Theme
    ctx: SiteContext
    staging: Path


_WORKER: dict[str, WorkerContext] = {}


def setup_worker(context: WorkerContext) -> None:
    _WORKER["context"] = context


def render_document_job(task: RenderTask) -> RenderedDoc:
    """Render one document into the staging folder."""
    context = _WORKER["context"]
    html, record = render_document(task, context.md, context.theme, context.ctx)
    record.out_stat = write_atomic(context.staging, task.out_path, html)
    return record


def render_list_job(item) -> tuple[str, str, tuple]:
    """Render one list page (a ``(ListPage, key)`` pair); returns (out_path, key, stat)."""
    from .listing import render_list_page

    context = _WORKER["context"]
    page, key = item
    html = render_list_page(page, context.theme, context.ctx.site)
    return page.out_path, key, write_atomic(context.staging, page.out_path, html)


def _run_chunk(function: Callable, items: list) -> list:
    results = []
    for item in items:
        try:
            results.append(function(item))
        except BuildError as exc:
            results.append(exc)
    return results


def _import_worker_modules() -> None:
    """Import what render jobs import lazily, before forking: a child that imports while
    another thread of the parent (``serve``'s HTTP threads) held the import lock at fork
    time would wait for it forever."""
    import markupsafe  # noqa: F401
    from markdown_it import token  # noqa: F401

    from . import listing  # noqa: F401
    from .markdown import cells, highlight, html, jekyll  # noqa: F401


class RenderPool:
    """Runs render jobs in forked worker processes when there is enough work."""

    def __init__(self, jobs: int, threshold: int = PARALLEL_THRESHOLD):
        self.jobs, self.threshold = jobs, threshold
        self._pool: Any = None

    def map(self, function: Callable, items: list) -> list:
        """``function`` over ``items``; raises one BuildError listing every failure."""
        if len(items) >= self.threshold and self.jobs > 1:
            if self._pool is None:
                import multiprocessing

                _import_worker_modules()
                self._pool = multiprocessing.get_context("fork").Pool(self.jobs, initializer=_quiet_signals)
            size = max(1, len(items) // (self.jobs * 8))
            chunks = [items[i: i + size] for i in range(0, len(items), size)]
            done = [r for part in self._pool.imap(partial(_run_chunk, function), chunks) for r in part]
        else:
            done = _run_chunk(function, items)
        errors = [e for r in done if isinstance(r, BuildError) for e in r.errors]
        if errors:
            raise BuildError.many(errors)
        return done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def terminate(self) -> None:
        """Stop the workers now (the build was interrupted: their pages are not wanted)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def _quiet_signals() -> None:
    """In a render worker: Ctrl-C (sent to the whole process group) is the parent's to handle,
    and SIGTERM/SIGHUP end the worker without a traceback (the parent reports the interruption)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
