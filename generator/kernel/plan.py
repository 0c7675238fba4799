"""Decide, without starting a worker, which cells of a post must run and why.

Cache keys form a chain.  The state before the first cell is a hash of the
environment (gdcore, versions, seed, post).  A cell's key hashes the state
before it with its source and execution options; the state after it hashes
that key with the content hashes of the files the cell read.  So editing
cell k, or a file cell k read, changes the keys of cells k..n and nothing
before -- and a prose edit changes no key at all.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.kernel import environment, sweep
from generator.kernel.cache import ExecCache, valid_entry
from generator.kernel.hashing import ABSENT, StampMemo, digest, listing_hash
from generator.kernel.model import Cell, ExecRequest, InlineExpr
from generator.markdown.cells.options import exec_options


def root_state(env: dict) -> str:
    return digest("root", *(f"{k}={env[k]}" for k in sorted(env)))


def cell_key(state: str, cell: Cell, declared: str = "") -> str:
    """A cell's key; ``declared``: the current values of its ``#| depends:`` (see :func:`declared_values`)."""
    parts = ("cell", state, cell.source, json.dumps(exec_options(cell.options), sort_keys=True))
    return digest(*parts, declared) if declared else digest(*parts)


def declared_values(cell: Cell, cwd: Path, memo: StampMemo) -> str:
    """One hash of what a cell's ``#| depends:`` names, as it is now ("" without any).

    The build sees the files a cell opens itself, but not what it reads through
    the environment or a subprocess: ``env:NAME`` stands for an environment
    variable's value, anything else for a file (or a folder's listing, with a
    trailing ``/``) relative to the post's folder.
    """
    depends = cell.options.get("depends")
    if not depends:
        return ""
    parts = []
    for item in [depends] if isinstance(depends, str) else depends:
        if item.startswith("env:"):
            value = os.environ.get(item[4:])
            parts.append(f"{item}={'(unset)' if value is None else value}")
        else:
            full = os.path.join(cwd, item.rstrip("/"))
            parts.append(f"{item}={listing_hash(full) if item.endswith('/') else memo.file_hash(full)}")
    return digest("declared", *parts)


def state_after(key: str, files: dict[str, str]) -> str:
    return digest("state", key, *(f"{p}\0{h}" for p, h in sorted(files.items())))


def inline_key(state: str, expr: InlineExpr) -> str:
    return digest("inline", state, expr.expr.strip())


def cell_components(cell: Cell, declared: str = "") -> dict:
    """What the post record keeps of a cell to explain a later cache miss."""
    parts = {"src": digest(cell.source), "opts": digest(json.dumps(exec_options(cell.options), sort_keys=True)),
             "eval": bool(cell.options.get("eval", True))}
    if declared:
        parts["deps"] = declared
    return parts


@dataclass
class CellStep:
    cell: Cell
    action: str                  # "cached" | "run" | "skip"
    reason: str
    key: str | None = None
    entry: dict | None = None
    state: str | None = None     # state after this cell, once known


@dataclass
class InlineStep:
    expr: InlineExpr
    action: str                  # "cached" | "eval"
    reason: str
    key: str | None = None
    value: str | None = None


@dataclass
class PostPlan:
    request: ExecRequest
    env: dict
    record: dict | None                      # the post's previous run, if any
    cells: list[CellStep] = field(default_factory=list)
    inline: list[InlineStep] = field(default_factory=list)
    states: list[str | None] = field(default_factory=list)  # states[p]: after cells[:p]
    first_run: int | None = None
    refresh: bool = False
    sweeps: dict = field(default_factory=dict)  # cell index -> sweep.SweepPlan (interactive cells)

    @property
    def complete(self) -> bool:
        """True when every output is cached: nothing to run, no worker needed."""
        return (self.first_run is None and all(s.action == "cached" for s in self.inline)
                and all(s.done for s in self.sweeps.values()))


def plan_post(request: ExecRequest, *, cache: ExecCache, memo: StampMemo, site_root: Path,
              gdcore_hash: str, refresh: bool = False) -> PostPlan:
    """Walk the key chain of ``request`` against the cache."""
    env = environment.components(post_key=request.key, gdcore_hash=gdcore_hash, seed=request.seed)
    record = cache.record(request.key)
    plan = PostPlan(request, env, record, refresh=refresh)
    known = (record or {}).get("entries", {})
    state = root_state(env)   # before the next cell, while no cell must run
    plan.states.append(state)
    root_reason = ""          # why the first cell to run runs (set with plan.first_run)
    for cell in request.cells:
        if not cell.options.get("eval", True):
            # Never run: the state after it is the state before it (unknown
            # when an earlier cell must run).
            plan.cells.append(CellStep(cell, "skip", "eval: false", state=plan.states[-1]))
            plan.states.append(plan.states[-1])
            continue
        if plan.first_run is not None:
            plan.cells.append(CellStep(cell, "run", _later_reason(plan, cell, root_reason)))
            plan.states.append(None)
            continue
        key = cell_key(state, cell, declared_values(cell, request.cwd, memo))
        entry = None if refresh else _known_entry(known, key, cache, request.key)
        problem: str | None
        if refresh:
            problem = "refresh requested"
        elif entry is None:
            problem = _why_missing(plan, cell)
        else:
            problem = _stale(entry, cache=cache, memo=memo, site_root=site_root)
        if problem:
            plan.first_run, root_reason = cell.index, problem
            plan.cells.append(CellStep(cell, "run", problem, key=key))
            plan.states.append(None)
            continue
        assert entry is not None, "a missing entry is a problem (_why_missing always says why)"
        state = state_after(key, entry.get("files", {}))
        plan.cells.append(CellStep(cell, "cached", "cached", key=key, entry=entry, state=state))
        plan.states.append(state)
    known_inline = (record or {}).get("inline", {})
    old_exprs = (record or {}).get("inline_exprs", [])
    for expr in request.inline:
        before = plan.states[min(expr.cells_before, len(request.cells))]
        if before is None:
            plan.inline.append(InlineStep(expr, "eval", "refresh requested" if refresh
                                          else "cells before it re-ran"))
            continue
        key = inline_key(before, expr)
        value = None if refresh else known_inline.get(key)
        if value is None and not refresh:
            value = cache.inline(key)
        if value is not None:
            plan.inline.append(InlineStep(expr, "cached", "cached", key=key, value=value))
            continue
        if refresh:
            reason = "refresh requested"
        elif expr.index < len(old_exprs) and old_exprs[expr.index] != digest(expr.expr.strip()):
            reason = "expression changed"
        else:
            reason = "no cache entry"
        plan.inline.append(InlineStep(expr, "eval", reason, key=key))
    sweep.plan_sweeps(plan, cache=cache, stale=lambda entry: _stale(entry, cache=cache, memo=memo, site_root=site_root))
    return plan


def _known_entry(known: dict, key: str, cache: ExecCache, post_key: str) -> dict | None:
    """The entry of ``key`` from the post record (checked: records come from the cache too),
    else from its own file."""
    entry = known.get(key)
    if entry is not None and not valid_entry(entry):
        cache.report_damage(cache.record_path(post_key))
        entry = None
    return entry or cache.entry(key)


def _why_missing(plan: PostPlan, cell: Cell) -> str:
    record = plan.record
    if record is None:
        return "no cache entry"
    env_change = environment.describe_changes(record.get("env", {}), plan.env)
    if env_change:
        return env_change
    old = [{k: v for k, v in c.items() if k != "deps"} for c in record.get("cells", [])]
    new = [cell_components(c) for c in plan.request.cells]
    i = cell.index
    if i >= len(old):
        return "new cell"
    if old[i]["src"] != new[i]["src"]:
        return "cell source changed"
    if old[i]["opts"] != new[i]["opts"]:
        return "cell options changed"
    if cell.options.get("depends"):
        return "a dependency declared with '#| depends:' changed"
    if old[:i] != new[:i]:
        return "an earlier cell was added, removed or changed"
    return "no cache entry"


def _later_reason(plan: PostPlan, cell: Cell, root_reason: str) -> str:
    first = plan.first_run
    assert first is not None, "asked only for the cells after the first one that runs"
    if plan.record is None or root_reason == "refresh requested" or (
            plan.record and environment.describe_changes(plan.record.get("env", {}), plan.env)):
        return root_reason
    old = (plan.record or {}).get("cells", [])
    if cell.index < len(old):
        now = cell_components(cell)
        if old[cell.index]["src"] != now["src"]:
            return "cell source changed"
        if old[cell.index]["opts"] != now["opts"]:
            return "cell options changed"
    if root_reason in ("cell source changed", "cell options changed", "new cell"):
        return f"an earlier cell changed (cell {first + 1})"
    return f"an earlier cell re-ran (cell {first + 1}: {root_reason})"


def _stale(entry: dict, *, cache: ExecCache, memo: StampMemo, site_root: Path) -> str | None:
    """Why a cached entry can no longer be used (a read file changed), or None."""
    changes = []
    for path, old in sorted(entry.get("files", {}).items()):
        now = current_hash(path, memo=memo, site_root=site_root)
        if now == old:
            continue
        if path.endswith("/"):
            changes.append(f"folder {path} contents changed")
        elif now == ABSENT:
            changes.append(f"file {path} was deleted")
        elif old == ABSENT:
            changes.append(f"file {path} was created")
        else:
            changes.append(f"file {path} changed")
    if changes:
        return "; ".join(changes)
    for out in entry.get("outputs", []):
        if out.get("kind") != "image":
            continue
        blob = cache.blob_path(out["blob"], out["ext"])
        if not blob.is_file():
            return "a cached figure is missing from the cache"
        # The blob's name is the hash of its bytes (memoized by size and mtime, so an
        # unchanged figure is hashed once): a truncated or garbled one is never published.
        if memo.file_hash(str(blob)) != out["blob"]:
            cache.report_damage(blob)
            return DAMAGED
        if out.get("dark") and not cache.blob_path(out["dark"], out["ext"]).is_file():
            return "a cached figure is missing from the cache"
    return None


#: Why a cell re-runs when a figure it made was found damaged in the cache.
DAMAGED = "a cached figure was damaged"


def current_hash(path: str, *, memo: StampMemo, site_root: Path) -> str:
    """Hash of a recorded path now (site-relative or absolute; "x/" is a folder listing)."""
    full = os.path.join(site_root, path.rstrip("/")) if not os.path.isabs(path) else path.rstrip("/")
    if path.endswith("/"):
        return listing_hash(full)
    return memo.file_hash(full)
