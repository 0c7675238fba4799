"""Interactive cells on the build side: plan their frames, run the missing ones, assemble the result.

An interactive cell (``#| interactive:``, see :mod:`generator.markdown.cells.params`)
runs like any cell -- with its default values, so that what the page shows
without JavaScript, and what the cells below it see, is one ordinary run --
and, besides, once per combination of its parameters: a *frame*.  The frames
run in the post's worker, after the cells above the interactive cell, each on
its own copy of the namespace (``_worker/sweep.py``).  A frame also evaluates
the inline expressions of the prose between the cell and the next one, so the
numbers in that prose follow the slider.

Each frame is cached on its own: its key hashes the state before the cell,
the cell's source and execution options, and the frame's values.  So editing
the caption runs nothing, adding a value to a list runs only the new frames,
and changing the default re-runs the cell (and the cells below it) while its
frames stay cached.  Frame entries live in the cache like cell entries and in
the post's record, so a cached post still costs one file read.

The hooks: :func:`plan_sweeps` (end of ``plan.plan_post``),
:func:`run_frames` (the session, before an interactive cell runs or when a
cached one lacks frames), :func:`default_values` (the values of the cell's own
run), :func:`record_frames`/:func:`record_stale` (the post record),
:func:`attach` and :func:`fingerprint_parts` (the results).  This module never
imports ``plan``, ``session`` or ``results``: they import it.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic
from generator.kernel.hashing import digest
from generator.kernel.model import Cell, CellResult, Frame, InlineExpr, Output, Sweep
from generator.markdown.cells import params as sweep_params
from generator.markdown.cells.options import BUILTIN, figure_size, run_options

_TIMEOUT_HINT = ("make it faster, or raise the limit with '#| timeout: N' in the cell "
                 "or 'exec: {timeout: N}' in the front matter")


@dataclass
class FrameStep:
    number: int                  # position in row-major order of the parameters
    values: dict
    key: str | None = None
    entry: dict | None = None


@dataclass
class SweepPlan:
    cell: Cell
    params: list
    default: int                           # frame number of the default frame
    inline: list[InlineExpr]               # the expressions every frame evaluates
    frames: list[FrameStep]
    stale: Callable[[dict], str | None]    # why a cached entry can no longer be used (plan._stale)
    refresh: bool = False
    state: str | None = None               # the state before the cell that the keys were made from
    ran: int = 0
    note: str = ""                         # how the worker ran them (fork, or one at a time)

    def complete(self, frame: FrameStep) -> bool:
        entry = frame.entry
        return entry is not None and all(_expr_id(e) in entry.get("inline", {}) for e in self.inline)

    def missing(self) -> list[FrameStep]:
        return [f for f in self.frames if not self.complete(f)]

    @property
    def done(self) -> bool:
        return not self.missing()


def _expr_id(expr: InlineExpr) -> str:
    return digest(expr.expr.strip())


def default_values(cell: Cell) -> dict | None:
    """The variables of an interactive cell's own run (its default frame); None for other cells."""
    found = sweep_params.of_options(cell.options) if cell.options.get("interactive") else None
    return sweep_params.assignment(*found) if found else None


def frame_key(state: str, cell: Cell, values: dict) -> str:
    """The cache key of one frame: the state before the cell, its source, the options that
    change what it makes (``renderings`` too: frames get dark variants as the cell's figures
    do) and the frame's values.  "frame-2": frames cached before they had dark variants are
    made again, so a cached build equals a clean one."""
    options = run_options(cell.options)
    return digest("frame-2", state, cell.source, json.dumps(options, sort_keys=True),
                  json.dumps(values, sort_keys=True))


# -- planning ---------------------------------------------------------------------

def plan_sweeps(plan: Any, *, cache: Any, stale: Callable[[dict], str | None]) -> None:
    """Add a :class:`SweepPlan` to ``plan.sweeps`` for each interactive cell that shows something,
    with the frames the cache has when the state before the cell is already known."""
    cells = plan.request.cells
    for step in plan.cells:
        cell = step.cell
        opts = cell.options
        if step.action == "skip" or not opts.get("output", True) or not opts.get("include", True):
            continue
        found = sweep_params.of_options(opts) if opts.get("interactive") else None
        if found is None:
            continue
        params, default = found
        frames = [FrameStep(n, sweep_params.assignment(params, indices))
                  for n, indices in enumerate(sweep_params.combinations(params))]
        swept = SweepPlan(cell, params, sweep_params.frame_number(params, default),
                          _frame_inline(cells, plan.request.inline, cell.index), frames, stale, plan.refresh)
        plan.sweeps[cell.index] = swept
        state = plan.states[cell.index]
        if state is not None:
            _look_up(swept, state, (plan.record or {}).get("frames", {}), cache)


def _frame_inline(cells: tuple, inline: tuple, index: int) -> list[InlineExpr]:
    """The inline expressions in the prose after cell ``index``, up to the next cell that runs."""
    following = [c.index for c in cells[index + 1:] if c.options.get("eval", True)]
    last = following[0] if following else len(cells)
    return [e for e in inline if index + 1 <= e.cells_before <= last]


def _look_up(swept: SweepPlan, state: str, known: dict, cache: Any) -> None:
    swept.state = state
    for frame in swept.frames:
        frame.key = frame_key(state, swept.cell, frame.values)
        frame.entry = None
        if swept.refresh:
            continue
        entry = known.get(frame.key) or cache.entry(frame.key)
        if entry is not None and swept.stale(entry) is None:
            frame.entry = entry


# -- running ----------------------------------------------------------------------

def run_frames(session: Any, step: Any, p: int) -> bool:
    """Run the frames cell ``p`` lacks, with the worker's namespace brought to position ``p``.

    ``session`` is the post's ``session._Session``: its plan, context, worker and
    error list.  Returns False (with the errors added) when a frame fails.
    """
    swept = session.plan.sweeps.get(step.cell.index)
    if swept is None:
        return True
    state = session.plan.states[p]
    if swept.state != state:   # the cells above ran in this session: the keys are known only now
        _look_up(swept, state, (session.plan.record or {}).get("frames", {}), session.ctx.cache)
    missing = swept.missing()
    if not missing:
        return _check_shapes(session, swept)
    if not session._reach(p, step):
        return False
    cell = swept.cell
    opts = cell.options
    timeout = float(opts.get("timeout", BUILTIN["timeout"]))
    parallel = max(1, min(len(missing), session.ctx.jobs or os.cpu_count() or 1))
    msg = {"op": "sweep", "source": cell.source, "line": cell.line, "timeout": timeout,
           "fig_format": opts.get("fig-format", "svg"), "warnings": opts.get("warning", True),
           "figsize": figure_size(opts), "parallel": parallel, "renderings": opts.get("renderings"),
           "frames": [{"id": f.number, "values": f.values} for f in missing],
           "inline": [{"index": e.index, "expr": e.expr, "line": e.line} for e in swept.inline]}
    # Each frame is stopped by the worker after `timeout`; this only guards against a stuck worker.
    reply = session._ask(msg, timeout=timeout * (math.ceil(len(missing) / parallel) + 1), cell=cell.index)
    if reply is None:
        return False
    swept.note = reply.message.get("mode", "")
    by_number = {f.number: f for f in swept.frames}
    failures = [problem for result in reply.message["frames"]
                if (problem := _take(session, swept, by_number[result["id"]], result)) is not None]
    if failures:
        first = failures[0]
        if len(failures) > 1:
            first = Diagnostic(first.path, first.line,
                               f"{first.message} (and {len(failures) - 1} more of its values)", first.hint)
        session.errors.append(first)
        return False
    return _check_shapes(session, swept)


def _take(session: Any, swept: SweepPlan, frame: FrameStep, result: dict) -> Diagnostic | None:
    """Store one frame's result; the diagnostic of its failure, if it failed."""
    cell, path = swept.cell, session.req.display_path
    where = sweep_params.describe(frame.values)
    error = result["error"]
    if error and (error.get("fatal") or not cell.options.get("error", False)):
        return _frame_error(path, cell, where, error)
    for value in result["inline"]:
        if value["error"]:
            expr = next(e for e in swept.inline if e.index == value["index"])
            err = value["error"]
            summary = err["message"] if err.get("fatal") else f"raised {_summary(err)}"
            return Diagnostic(path, expr.line, f"inline expression {expr.index + 1} {summary} for {where}",
                              (err.get("traceback") or "").rstrip() or None)
    outputs = list(result["outputs"])
    if error:
        outputs.append({"kind": "error", "text": error["traceback"]})
    entry = {"outputs": outputs, "files": {p: stamp[0] for p, stamp in result["files_read"].items()},
             "written": result["files_written"],
             # a frame that raised (error: true) evaluates no inline expression: None, shown as a dash
             "inline": {_expr_id(e): v["value"] for e, v in zip(swept.inline, result["inline"], strict=True)}
             if not error else {_expr_id(e): None for e in swept.inline},
             "seconds": result["seconds"], "cpu": result["cpu"], "savefig": result["savefig"],
             "savefig_cpu": result["savefig_cpu"]}
    session._learn(result["files_read"])
    session.ctx.cache.put_entry(frame.key, entry)
    frame.entry = entry
    swept.ran += 1
    return None


def _frame_error(path: str, cell: Cell, where: str, error: dict) -> Diagnostic:
    number = cell.index + 1
    kind = error.get("fatal")
    if kind == "timeout":
        return Diagnostic(path, cell.line, f"cell {number} {error['message']}, for {where}", _TIMEOUT_HINT)
    if kind == "output":
        return Diagnostic(path, cell.line, f"cell {number} {error['message']} and was stopped, for {where}",
                          "print less (the page shows at most the first 1 MB of a cell's output)")
    if kind:
        return Diagnostic(path, cell.line, f"cell {number} {error['message']}, for {where}",
                          "the run of this frame ended without a result (os._exit, a crash in C code, "
                          "running out of memory...)")
    if error.get("syntax"):
        message = f"cell {number} has a syntax error: {error['message']}"
    else:
        message = f"cell {number} raised {_summary(error)} for {where}"
    hint = (error["traceback"].rstrip()
            + "\n(add '#| error: true' to the cell to show the error in that frame instead)")
    return Diagnostic(path, error.get("line") or cell.line, message, hint)


def _summary(error: dict) -> str:
    return f"{error['type']}: {error['message']}" if error.get("message") else error.get("type", "an error")


def _images(entry: dict | None) -> int:
    return sum(1 for out in (entry or {}).get("outputs", []) if out["kind"] == "image")


def _failed_shown(entry: dict | None) -> bool:
    """A frame that raised with ``error: true``: it shows its error, and what it drew before."""
    return any(out["kind"] == "error" for out in (entry or {}).get("outputs", []))


def _check_shapes(session: Any, swept: SweepPlan) -> bool:
    """Every frame must draw as many figures as the default frame: the page swaps them one for one
    (a frame that shows its error may have drawn fewer)."""
    default = swept.frames[swept.default]
    expected = _images(default.entry)
    for frame in swept.frames:
        count = _images(frame.entry)
        if count != expected and not (count < expected and _failed_shown(frame.entry)):
            session.errors.append(Diagnostic(
                session.req.display_path, swept.cell.line,
                f"cell {swept.cell.index + 1} draws {count} figure(s) for {sweep_params.describe(frame.values)} "
                f"but {expected} for the default frame ({sweep_params.describe(default.values)})",
                "an interactive figure swaps its images one for one: draw the same figures for every value"))
            return False
    return True


# -- the post record and the results ---------------------------------------------------

def record_frames(plan: Any) -> dict:
    """Frame entries for the post record (``frames`` beside ``entries``)."""
    return {f.key: f.entry for s in plan.sweeps.values() for f in s.frames if f.key and f.entry is not None}


def record_stale(plan: Any) -> bool:
    """Whether the post record lacks frame entries found in the cache (rewrite it for speed)."""
    known = (plan.record or {}).get("frames", {})
    return any(f.key not in known for s in plan.sweeps.values() for f in s.frames if f.key and f.entry is not None)


def fingerprint_parts(plan: Any) -> list[str]:
    """What the page shows of the frames: each frame's key and the outputs it had."""
    parts = []
    for index, swept in sorted(plan.sweeps.items()):
        for frame in swept.frames:
            if swept.complete(frame):
                parts.append(f"frame:{frame.key}:{digest(json.dumps(frame.entry['outputs'], sort_keys=True))}:"
                             + digest(json.dumps(frame.entry.get("inline", {}), sort_keys=True)))
            else:
                parts.append(f"missing-frame:{index}:{frame.number}")
    return parts


def attach(plan: Any, cells: list[CellResult], convert: Callable[[dict, Cell], list[Output]]) -> None:
    """Give each interactive cell that has its own outputs its :class:`Sweep`.

    ``convert`` turns a cached entry's outputs into Outputs as for a cell
    (``results._outputs``); frame images are then renamed beside the default
    frame's: ``fig-lr-1.svg`` has frames ``fig-lr-1.<content hash>.svg``, names
    unique in the post and stable from one build to the next.
    """
    for index, swept in plan.sweeps.items():
        result = cells[index]
        if result.status not in ("ran", "cached"):
            continue
        base = [out for out in result.outputs if out.kind == "image"]
        frames = []
        for frame in swept.frames:
            if not swept.complete(frame):
                frames.append(Frame(frame.values, [], []))
                continue
            outputs = convert(frame.entry, swept.cell)
            images = [_frame_image(out, base[k] if k < len(base) else None)
                      for k, out in enumerate(o for o in outputs if o.kind == "image")]
            values = frame.entry.get("inline", {})
            inline = {e.index: values[_expr_id(e)] for e in swept.inline if values.get(_expr_id(e)) is not None}
            frames.append(Frame(frame.values, images, [o for o in outputs if o.kind != "image"], inline))
        complete = all(swept.complete(f) for f in swept.frames)
        result.sweep = Sweep(swept.params, swept.default, frames, complete)
        ran = f"{swept.ran} ran ({swept.note}), " if swept.ran else ""
        result.reason += (f"; frames: {ran}{len(frames) - swept.ran} cached" if complete
                          else f"; {sum(not swept.complete(f) for f in swept.frames)} of {len(frames)} "
                               "frames not executed")


def _frame_image(out: Output, base: Output | None) -> Output:
    """Name a frame's image (and its dark variant) beside the default frame's, by content."""
    if base is not None and base.file is not None and out.file is not None \
            and Path(base.file).name == Path(out.file).name:
        out.filename = base.filename   # the same picture as the page's own figure: one file
        out.dark_filename = base.dark_filename if out.dark_file is not None else ""
        return out
    stem = base.filename.rsplit(".", 1)[0] if base is not None else out.filename.rsplit(".", 1)[0]
    ext = out.filename.rsplit(".", 1)[-1]
    out.filename = f"{stem}.{_blob_name(out.file)}.{ext}"
    if out.dark_file is not None:
        out.dark_filename = f"{stem}.{_blob_name(out.dark_file)}.{ext}"
    return out


def _blob_name(file: Path | None) -> str:
    return Path(file).stem[:16] if file is not None else "missing"


def frame_files(sweep: Sweep | None) -> list[tuple[str, Path]]:
    """(file name beside the page, cached file) of every frame image of a sweep, once each."""
    if sweep is None or not sweep.complete:
        return []
    files: dict[str, Path] = {}
    for frame in sweep.frames:
        for out in frame.images:
            if out.file is not None:
                files.setdefault(out.filename, Path(out.file))
            if out.dark_file is not None and out.dark_filename:
                files.setdefault(out.dark_filename, Path(out.dark_file))
    return sorted(files.items())


__all__ = ["FrameStep", "SweepPlan", "attach", "default_values", "fingerprint_parts", "frame_files",
           "frame_key", "plan_sweeps", "record_frames", "record_stale", "run_frames"]
