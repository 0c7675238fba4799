"""Drive one post through one fresh worker, following its plan.

The namespace of the worker is at some *position* p: it holds the effects of
cells[:p].  Running cell k needs position k; evaluating an inline expression
needs its ``cells_before``.  When the cells before a target come from the
cache, the namespace is rebuilt by restoring the newest usable checkpoint
and silently re-running whatever cells lie between it and the target.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from generator.errors import Diagnostic
from generator.kernel import sweep
from generator.kernel.cache import ExecCache
from generator.kernel.hashing import StampMemo, digest
from generator.kernel.model import ProgressEvent
from generator.markdown.cells.options import BUILTIN, figure_size
from generator.kernel.plan import (CellStep, InlineStep, PostPlan, cell_components, cell_key,
                                    declared_values, inline_key, state_after)
from generator.kernel.runner import Reply, WorkerProcess, Zygote

_GRACE = 0.5  # seconds between the worker's stack dump and the kill


@dataclass(frozen=True)
class Limits:
    """Resource limits of a worker (bytes and seconds)."""

    display_cap: int = 1 << 20        # output shown per cell; the rest is cut with a note
    hard_cap: int = 16 << 20          # output that stops a cell
    checkpoint_cap: int = 64 << 20    # bigger namespaces are not checkpointed (re-run instead)
    startup_timeout: float = 120.0


@dataclass
class Context:
    """What every post's execution shares."""

    cache: ExecCache
    memo: StampMemo
    site_root: Path
    project_root: Path
    limits: Limits
    zygote: Zygote | None = None   # the build's fork server (None: plain worker processes)
    jobs: int | None = None        # processes at once (--jobs); an interactive cell's frames use as many


def run_session(plan: PostPlan, ctx: Context, report: Callable[[ProgressEvent], None]) -> list[Diagnostic]:
    """Execute what ``plan`` marks to run; fill in its steps; return the errors."""
    session = _Session(plan, ctx, report)
    try:
        return session.drive()
    finally:
        session.close()
        write_record(plan, ctx.cache, ctx.memo)


def write_record(plan: PostPlan, cache: ExecCache, memo: StampMemo | None = None) -> None:
    """Remember this run's key components and entries (fast path + explanations).

    Also deletes the post's checkpoints that no current cell state refers to:
    they can be large, and only the latest chain is worth resuming from.
    """
    states = [s.state for s in plan.cells if s.state and s.action in ("cached", "ran")]
    kept = [state for state in dict.fromkeys(states) if cache.has_checkpoint(state)]
    record = {
        "env": plan.env,
        "cells": [cell_components(s.cell, declared_values(s.cell, plan.request.cwd, memo))
                  for s in plan.cells] if memo is not None else [cell_components(s.cell) for s in plan.cells],
        "entries": {s.key: s.entry for s in plan.cells if s.key and s.entry is not None},
        "inline": {s.key: s.value for s in plan.inline if s.key and s.value is not None},
        "inline_exprs": [digest(s.expr.expr.strip()) for s in plan.inline],
        "checkpoints": kept,
        "frames": sweep.record_frames(plan),
    }
    for old in set((plan.record or {}).get("checkpoints", [])) - set(kept):
        cache.remove_checkpoint(old)
    cache.put_record(plan.request.key, record)


class _Session:
    def __init__(self, plan: PostPlan, ctx: Context, report):
        self.plan, self.ctx, self.report = plan, ctx, report
        self.req = plan.request
        self.errors: list[Diagnostic] = []
        self.worker: WorkerProcess | None = None
        self.pos = 0
        self.started = time.monotonic()
        self.ran = 0

    # -- top level -------------------------------------------------------------
    def drive(self) -> list[Diagnostic]:
        self._progress("running")
        if not self._start():
            self._progress("failed")
            return self.errors
        cells, n = self.plan.cells, len(self.plan.cells)
        ok = True
        for p in range(n + 1):
            for inline_step in (s for s in self.plan.inline if s.expr.cells_before == p):
                if not self._inline(inline_step, p):
                    ok = False
                    break
            if not ok or p == n:
                break
            step = cells[p]
            if step.action == "skip":
                self.plan.states[p + 1] = self.plan.states[p]
                step.state = self.plan.states[p]
                if self.pos == p:
                    self.pos = p + 1
            elif not self._step(step, p):
                ok = False
                break
        self._progress("done" if ok else "failed")
        return self.errors

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()

    def _progress(self, state: str) -> None:
        runnable = [s for s in self.plan.cells if s.action != "skip"]
        cached = sum(1 for s in runnable if s.action == "cached")
        self.report(ProgressEvent(self.req.key, self.req.display_path, state, len(runnable),
                                  self.ran, cached, time.monotonic() - self.started))

    def _start(self) -> bool:
        ctx, req = self.ctx, self.req
        limits = ctx.limits
        cwd = Path(req.cwd).resolve()
        try:
            self.worker = WorkerProcess(cwd=cwd,
                                        display_cap=limits.display_cap, hard_cap=limits.hard_cap,
                                        zygote=ctx.zygote)
        except OSError as exc:
            self.errors.append(Diagnostic(req.display_path, None,
                                          f"could not start a worker to execute this post: {exc}"))
            return False
        init = {
            "op": "init", "display_path": req.display_path,
            "source_path": str(Path(req.source_path).resolve()), "source_text": req.source_text,
            "seed": req.seed, "cwd": str(cwd), "site_root": str(ctx.site_root),
            "project_root": str(ctx.project_root), "exec_dir": str(Path(__file__).resolve().parent),
            "gdcore_dir": str(ctx.project_root / "gdcore"),
            "generator_dir": str(ctx.project_root / "generator"),
            "cache_dir": str(ctx.cache.root), "blob_dir": str(ctx.cache.blob_dir),
            "marker": self.worker.marker, "display_cap": limits.display_cap,
            "hard_cap": limits.hard_cap, "checkpoint_cap": limits.checkpoint_cap,
        }
        reply = self.worker.request(init, timeout=limits.startup_timeout)
        if reply.message is None:
            self.errors.append(Diagnostic(req.display_path, None,
                                          f"could not start a worker to execute this post ({reply.detail})",
                                          _tail(reply.stderr) or None))
            return False
        return True

    # -- reaching a position ---------------------------------------------------------
    def _reach(self, p: int, step: CellStep | InlineStep) -> bool:
        """Bring the namespace to position ``p`` (cells[:p] applied)."""
        cells = self.plan.cells
        if all(s.action == "skip" for s in cells[self.pos:p]):
            self.pos = max(self.pos, p)
            return True
        restored = None
        for j in range(p, self.pos, -1):
            state = self.plan.states[j]
            if cells[j - 1].action == "skip" or state is None or not self.ctx.cache.has_checkpoint(state):
                continue
            # Only a checkpoint signed on this machine is unpickled, from a private copy.
            copy = self.ctx.cache.verified_checkpoint(state)
            if copy is None:
                continue
            try:
                reply = self._ask({"op": "restore", "path": str(copy)}, timeout=self.ctx.limits.startup_timeout)
            finally:
                copy.unlink(missing_ok=True)
            if reply is None:
                return False
            assert reply.message is not None, "_ask returns only answered requests"
            if reply.message.get("ok"):
                self.pos, restored = j, j
                break
        rerun = [s for s in cells[self.pos:p] if s.action != "skip"]
        if rerun:
            first, last = rerun[0].cell.index + 1, rerun[-1].cell.index + 1
            span = f"cell {first}" if first == last else f"cells {first}..{last}"
            if restored:
                note = f"restored the checkpoint after cell {restored}, then re-ran {span} for state"
            else:
                note = f"checkpoint unavailable so {span} {'was' if first == last else 'were'} re-run for state"
            step.reason = f"{step.reason}; {note}"
            for s in rerun:
                s.reason = f"cached (re-run without output to rebuild state for cell {p + 1})" \
                    if isinstance(step, CellStep) else "cached (re-run without output for an inline expression)"
                if not self._run(s, s.cell.index, silent=True):
                    return False
        self.pos = p
        return True

    # -- cells ---------------------------------------------------------------------
    def _step(self, step: CellStep, p: int) -> bool:
        """Run a cell marked to run; an interactive cell's missing frames first, even when it is cached
        (they run from position ``p``: see ``kernel/sweep.py``)."""
        if step.action == "run":
            return self._reach(p, step) and sweep.run_frames(self, step, p) and self._run(step, p)
        return sweep.run_frames(self, step, p)

    def _run(self, step: CellStep, p: int, *, silent: bool = False) -> bool:
        cell = step.cell
        opts = cell.options
        key, tmp = "", None   # a silent run stores nothing: it needs neither
        if not silent:
            key = cell_key(self._state(p), cell, declared_values(cell, self.req.cwd, self.ctx.memo))
            tmp = str(self.ctx.cache.scratch_dir() / f"{key}.{os.getpid()}.pkl")
        timeout = float(opts.get("timeout", BUILTIN["timeout"]))
        msg = {"op": "run", "source": cell.source, "line": cell.line, "silent": silent,
               "fig_format": opts.get("fig-format", "svg"), "checkpoint": tmp, "timeout": timeout,
               "warnings": opts.get("warning", True), "figsize": figure_size(opts),
               "renderings": opts.get("renderings"),
               "params": sweep.default_values(cell)}
        reply = self._ask(msg, timeout=timeout, cell=cell.index)
        if reply is None:
            return False
        result = reply.message
        assert result is not None, "_ask returns only answered requests"
        error = result["error"]
        if error and (error.get("fatal") or not opts.get("error", False)):
            if result["checkpoint"]:
                os.unlink(result["checkpoint"])  # the state of a failed cell is never resumed
            self._cell_error(cell.index, error, cell.line)
            return False
        files = {path: stamp[0] for path, stamp in result["files_read"].items()}
        self._learn(result["files_read"])
        self.pos = p + 1
        if silent:
            return True
        new_state = state_after(key, files)
        if result["checkpoint"]:
            self.ctx.cache.adopt_checkpoint(result["checkpoint"], new_state)
        entry = {
            "outputs": _merge_fd_output(result, reply, error),
            "files": files,
            "written": result["files_written"],
            "lines": [[s.cell.line, s.cell.source.count("\n") + 1] for s in self.plan.cells[:p + 1]],
            "seconds": result["seconds"],
            "checkpoint": bool(result["checkpoint"]),
            "checkpoint_note": result["checkpoint_note"],
        }
        self.ctx.cache.put_entry(key, entry)
        step.action, step.key, step.entry, step.state = "ran", key, entry, new_state
        self.plan.states[p + 1] = new_state
        self.ran += 1
        self._progress("running")
        return True

    def _inline(self, step: InlineStep, p: int) -> bool:
        if step.action == "cached":
            return True
        if step.key is None:  # the cells before it ran in this session: key known only now
            step.key = inline_key(self._state(p), step.expr)
            value = None if self.plan.refresh else self.ctx.cache.inline(step.key)
            if value is not None:  # the cells re-ran but ended in a state seen before
                step.action, step.value, step.reason = "cached", value, "cached"
                return True
        if not self._reach(p, step):
            return False
        expr = step.expr
        # An inline expression has no options of its own: it gets the limit of the cell before it.
        before = self.plan.cells[:p]
        timeout = float(before[-1].cell.options.get("timeout", BUILTIN["timeout"]) if before else BUILTIN["timeout"])
        reply = self._ask({"op": "inline", "expr": expr.expr, "line": expr.line}, timeout=timeout, inline=expr.index)
        if reply is None:
            return False
        message = reply.message
        assert message is not None, "_ask returns only answered requests"
        error = message["error"]
        if error:
            self._inline_error(expr, error)
            return False
        step.action, step.value = "ran", message["value"]
        self.ctx.cache.put_inline(step.key, step.value)
        return True

    def _state(self, p: int) -> str:
        """The state at position ``p``, known once drive() has come to ``p``: every cell before
        it was cached (state from the plan), ran in this session (state set) or is skipped (copied)."""
        state = self.plan.states[p]
        assert state is not None, f"state at position {p} unknown"
        return state

    # -- talking to the worker -----------------------------------------------------------
    def _ask(self, msg: dict, *, timeout: float, cell: int | None = None, inline: int | None = None) -> Reply | None:
        """The worker's reply (``message`` not None), or None after recording why there is none."""
        assert self.worker is not None, "asked only after _start() made the worker"
        # A moment of grace lets the worker dump its stack when the time is up.
        reply = self.worker.request(msg, timeout=timeout + _GRACE)
        if reply.message is not None:
            return reply
        if reply.failure == "timeout":
            reply.detail = f"timed out after {timeout:g} s"
        if cell is not None:
            what, line = f"cell {cell + 1}", self.req.cells[cell].line
        elif inline is not None:
            what, line = f"inline expression {inline + 1}", self.req.inline[inline].line
        else:
            what, line = "restoring a checkpoint", None
        stack = _user_stack(reply.stderr)
        if reply.failure == "timeout":
            message = f"{what} timed out after {timeout:g} s and was stopped"
            hint = ("make it faster, or raise the limit with '#| timeout: N' in the cell "
                    "or 'exec: {timeout: N}' in the front matter")
        elif reply.failure == "output":
            message = f"{what} {reply.detail} and was stopped"
            hint = "print less (the page shows at most the first 1 MB of a cell's output)"
            stack = ""
        else:
            message = f"{what} killed its worker process ({reply.detail})"
            hint = "the cell crashed the Python process (os._exit, a segfault in C code, running out of memory...)"
        if stack:
            hint += "\n" + stack
        line = _innermost_line(stack, self.req.display_path) or line
        self.errors.append(Diagnostic(self.req.display_path, line, message, hint))
        return None

    def _cell_error(self, index: int, error: dict, line: int) -> None:
        if error.get("fatal"):
            self.errors.append(Diagnostic(self.req.display_path, line,
                                          f"cell {index + 1} {error['message']} and was stopped",
                                          "print less (the page shows at most the first 1 MB of a cell's output)"))
            return
        if error.get("syntax"):
            message = f"cell {index + 1} has a syntax error: {error['message']}"
        else:
            message = f"cell {index + 1} raised {_exc_summary(error)}"
        hint = (error["traceback"].rstrip()
                + "\n(add '#| error: true' to the cell to show the error in the page instead)")
        self.errors.append(Diagnostic(self.req.display_path, error.get("line") or line, message, hint))

    def _inline_error(self, expr, error: dict) -> None:
        if error.get("fatal"):
            message = f"inline expression {expr.index + 1} {error['message']}"
            hint = None
        else:
            message = f"inline expression {expr.index + 1} raised {_exc_summary(error)}"
            hint = error["traceback"].rstrip()
        self.errors.append(Diagnostic(self.req.display_path, expr.line, message, hint))

    def _learn(self, files_read: dict) -> None:
        for path, (content_hash, mtime_ns, size) in files_read.items():
            if path.endswith("/"):
                continue
            full = path if os.path.isabs(path) else os.path.join(self.ctx.site_root, path)
            self.ctx.memo.learn(full, content_hash, mtime_ns, size)


def _exc_summary(error: dict) -> str:
    return f"{error['type']}: {error['message']}" if error["message"] else error["type"]


def _merge_fd_output(result: dict, reply: Reply, error: dict | None) -> list[dict]:
    """The worker's outputs with fd-level output (os.write, C code) and the error inserted."""
    outputs = list(result["outputs"])
    fd_outputs = []
    for name, text, dropped in (("stdout", reply.stdout, reply.stdout_dropped),
                                ("stderr", reply.stderr, reply.stderr_dropped)):
        if dropped:
            text += f"\n[output truncated: {dropped} more bytes not shown]\n"
        if text:
            fd_outputs.append({"kind": "stream", "name": name, "text": text})
    slot = result.get("fd_slot", len(outputs))
    outputs[slot:slot] = fd_outputs
    if error:
        outputs.append({"kind": "error", "text": error["traceback"]})
    return outputs


def _user_stack(stderr: str) -> str:
    """The end of what the worker wrote to fd 2, without the worker's own frames."""
    keep = []
    for line in stderr.strip().splitlines()[-40:]:
        if "/_worker/" in line or 'File "<string>"' in line or line.startswith("Extension modules:"):
            continue
        keep.append(line)
    return "\n".join(keep).strip()[-3000:]


def _innermost_line(stack: str, display_path: str) -> int | None:
    """The first (most recent) frame in the post of a faulthandler dump."""
    match = re.search(rf'File "{re.escape(display_path)}", line (\d+)', stack)
    return int(match.group(1)) if match else None


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
