"""Execute many posts: plan all, run the ones that need it in parallel, report once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from collections.abc import Callable, Iterable

from generator.errors import BuildError, Diagnostic
from generator.kernel import runner, sweep
from generator.kernel.cache import ExecCache, damage_warnings
from generator.kernel.hashing import StampMemo
from generator.kernel.model import ExecRequest, PostResult, ProgressEvent
from generator.kernel.plan import PostPlan, plan_post
from generator.kernel.results import assemble, fingerprint
from generator.kernel.runner import Zygote, kill_all
from generator.kernel.session import Context, Limits, run_session, write_record

_memos: dict[Path, tuple[int, StampMemo]] = {}
_memos_lock = threading.Lock()


def execute_posts(requests: Iterable[ExecRequest], *, cache_dir: Path, site_root: Path,
                  project_root: Path, gdcore_hash: str, jobs: int | None = None,
                  refresh: bool = False, no_exec: bool = False,
                  progress: Callable[[ProgressEvent], None] | None = None,
                  limits: Limits | None = None) -> dict[str, PostResult]:
    """Execute the cells of every post that needs it; return results keyed by request.key.

    :param cache_dir: where outputs, figures and checkpoints are kept (the site's ``.cache/exec``)
    :param site_root: the site's folder; recorded file paths are relative to it
    :param project_root: the folder containing ``generator/`` (and ``gdcore/``)
    :param gdcore_hash: the source hash of gdcore (see :func:`gdcore_source_hash`)
    :param jobs: posts executed at once (one worker process each); default ``os.cpu_count()``
    :param refresh: ignore cached outputs and run every cell
    :param no_exec: never start a worker: cells without valid cached output are marked missing
    :param progress: called with a :class:`ProgressEvent` as executing posts advance
        (calls are serialized); see :func:`terminal_progress`
    :param limits: output/checkpoint caps (defaults: 1 MB shown, 16 MB stops a cell)

    Raises :class:`BuildError` with one diagnostic per failed post after every
    post has finished executing; the results are attached as ``error.results``.
    """
    requests = list(requests)
    ctx = _context(cache_dir, site_root, project_root, limits)
    runner.own_processes()
    ctx.jobs = jobs
    _check_unique(requests)
    plans = [plan_post(r, cache=ctx.cache, memo=ctx.memo, site_root=ctx.site_root,
                       gdcore_hash=gdcore_hash, refresh=refresh) for r in requests]
    results: dict[str, PostResult] = {}
    todo: list[PostPlan] = []
    for plan in plans:
        if plan.complete or no_exec:
            if plan.complete and _record_stale(plan):
                write_record(plan, ctx.cache, ctx.memo)
            results[plan.request.key] = assemble(plan, ctx.cache)
        else:
            todo.append(plan)
    errors: dict[str, list[Diagnostic]] = {}
    if todo:
        report = _serialized(progress)
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        # One fork server per call when posts outnumber the parallel slots
        # (runner.zygote_pays), started by the first post that needs a worker:
        # posts fork from it instead of importing numpy/matplotlib again.
        if runner.zygote_pays(len(todo), workers):
            ctx.zygote = Zygote(startup_timeout=ctx.limits.startup_timeout)
        try:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="exec") as pool:
                futures = [(plan, pool.submit(run_session, plan, ctx, report)) for plan in todo]
                try:
                    for plan, future in futures:
                        errors[plan.request.key] = future.result()
                except BaseException:  # Ctrl-C or a bug: stop the workers instead of waiting on them
                    for _, future in futures:
                        future.cancel()
                    kill_all()
                    raise
        finally:
            if ctx.zygote is not None:
                ctx.zygote.close()
            runner.sweep()   # whatever the cells started and left behind
        for plan in todo:
            failed = bool(errors[plan.request.key])
            results[plan.request.key] = assemble(plan, ctx.cache, started_worker=True, failed=failed)
    ctx.memo.save()
    ordered = {r.key: results[r.key] for r in requests}
    if ctx.cache.damaged and ordered:   # one warning per damaged file, with the first post's results
        next(iter(ordered.values())).warnings[:0] = damage_warnings(ctx.cache)
    problems = [d for r in requests for d in errors.get(r.key, [])]
    if problems:
        error = BuildError.many(problems)
        # the executed posts' results ride on the error for callers that show what did run
        error.results = ordered
        raise error
    return ordered


def cache_fingerprint(request: ExecRequest, *, cache_dir: Path, site_root: Path,
                      gdcore_hash: str) -> str | None:
    """The post's fingerprint if all its outputs are validly cached, else None.

    Starts no worker: it walks the key chain and re-checks the files cells
    read (one stat each, thanks to the stamp memo).
    """
    ctx = _context(cache_dir, site_root, Path("."), None)
    plan = plan_post(request, cache=ctx.cache, memo=ctx.memo, site_root=ctx.site_root,
                     gdcore_hash=gdcore_hash)
    ctx.memo.save()
    return fingerprint(plan) if plan.complete else None


def _context(cache_dir, site_root, project_root, limits) -> Context:
    cache_dir = Path(cache_dir).resolve()
    return Context(cache=ExecCache(cache_dir, site_root=Path(site_root).resolve()),
                   memo=_memo(cache_dir / "stamps.json"),
                   site_root=Path(site_root).resolve(), project_root=Path(project_root).resolve(),
                   limits=limits or Limits())


def _memo(path: Path) -> StampMemo:
    """One StampMemo per cache, reloaded only when another process rewrote it."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    with _memos_lock:
        known = _memos.get(path)
        if known is None or (known[0] != mtime and not known[1].dirty):
            known = (mtime, StampMemo(path))
            _memos[path] = known
        return known[1]


def _check_unique(requests: list[ExecRequest]) -> None:
    seen = set()
    for r in requests:
        if r.key in seen:
            raise ValueError(f"two execution requests share the key {r.key!r}")
        seen.add(r.key)


def _record_stale(plan: PostPlan) -> bool:
    """Whether the post record lacks entries the plan found elsewhere (rewrite it for speed)."""
    if not plan.request.cells and not plan.request.inline:
        return False
    if plan.record is None:
        return True
    entries, inline = plan.record.get("entries", {}), plan.record.get("inline", {})
    return (any(s.key not in entries for s in plan.cells if s.key)
            or any(s.key not in inline for s in plan.inline) or sweep.record_stale(plan))


def _serialized(progress):
    if progress is None:
        return lambda event: None
    lock = threading.Lock()

    def report(event: ProgressEvent) -> None:
        with lock:
            progress(event)

    return report
