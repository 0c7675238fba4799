"""Turn a post's plan (after execution) into the PostResult the pipeline renders."""

from __future__ import annotations

import re
from pathlib import Path

from generator.errors import Diagnostic
from generator.kernel import environment, sweep
from generator.kernel.cache import ExecCache
from generator.kernel.hashing import digest
from generator.kernel.model import CellResult, Output, PostResult
from generator.kernel.plan import PostPlan

_STATUS = {"ran": "ran", "cached": "cached", "skip": "skipped", "run": "missing"}


def assemble(plan: PostPlan, cache: ExecCache, *, started_worker: bool = False, failed: bool = False) -> PostResult:
    req = plan.request
    cells: list[CellResult] = []
    warnings: list[Diagnostic] = []
    files_read: dict[str, str] = {}
    for step in plan.cells:
        status = _STATUS[step.action]
        reason = step.reason
        if status == "missing":
            if failed:
                reason = "not run: the post failed before this cell"
            else:
                reason = f"not executed (no-exec mode) and no valid cached output: {step.reason}"
        outputs = []
        seconds = 0.0
        if step.entry is not None:
            problems: list[str] = []
            outputs = _outputs(step.entry, step.cell, plan, cache, problems)
            warnings.extend(Diagnostic(req.display_path, step.cell.line, f"cell {step.cell.index + 1}: {problem}")
                            for problem in problems)
            seconds = step.entry.get("seconds", 0.0)
            files_read.update(step.entry.get("files", {}))
            written = [p for p in step.entry.get("written", []) if p.startswith("content/")]
            if written:
                warnings.append(Diagnostic(
                    req.display_path, step.cell.line,
                    f"cell {step.cell.index + 1} wrote into content/: {', '.join(written)}",
                    "content/ holds sources; write generated files elsewhere (figures are "
                    "collected automatically), or they may be picked up as pages or assets"))
        cells.append(CellResult(step.cell.index, status, reason, outputs, dict(step.cell.options), seconds))
    frame_problems: list[tuple[int, int, str]] = []

    def frame_outputs(entry: dict, cell) -> list[Output]:
        found: list[str] = []
        outputs = _outputs(entry, cell, plan, cache, found)
        frame_problems.extend((cell.line, cell.index, problem) for problem in found)
        return outputs

    sweep.attach(plan, cells, frame_outputs)
    warnings.extend(Diagnostic(req.display_path, line, f"cell {index + 1} (a frame): {problem}")
                    for line, index, problem in dict.fromkeys(frame_problems))
    inline_values = [s.value for s in plan.inline]
    inline_reasons = [s.reason if s.value is not None else
                      (f"not evaluated (no-exec mode): {s.reason}" if not failed else "not evaluated: the post failed")
                      for s in plan.inline]
    return PostResult(cells=cells, inline_values=inline_values, repro=environment.repro(plan.env),
                      warnings=warnings, files_read=dict(sorted(files_read.items())),
                      fingerprint=fingerprint(plan), started_worker=started_worker,
                      inline_reasons=inline_reasons)


def fingerprint(plan: PostPlan) -> str:
    """One hash of every cell state and inline key: equal iff the outputs are equal."""
    parts = []
    for step in plan.cells:
        parts.append(step.state if step.state and step.action != "run" else f"missing:{step.cell.index}")
    for inline_step in plan.inline:
        parts.append(f"{inline_step.key}={inline_step.value}" if inline_step.value is not None
                     else f"missing:{inline_step.expr.index}")
    parts += sweep.fingerprint_parts(plan)
    return digest("fingerprint", *parts)


def _outputs(entry: dict, cell, plan: PostPlan, cache: ExecCache, problems: list[str]) -> list[Output]:
    fix = _line_fixer(entry.get("lines", []), plan, plan.request.display_path)
    prefix = cell.options.get("label") or f"cell{cell.index + 1}"
    outputs: list[Output] = []
    images = 0
    for out in entry.get("outputs", []):
        if out["kind"] == "bundle":
            shown = _bundle(out, prefix, images, cache, problems)
            if shown is not None:
                images += shown.kind == "image"
                outputs.append(shown)
        elif out["kind"] == "image":
            images += 1
            dark = out.get("dark")
            outputs.append(Output("image", file=cache.blob_path(out["blob"], out["ext"]),
                                  filename=f"{prefix}-{images}.{out['ext']}", mime=out["mime"],
                                  dark_file=cache.blob_path(dark, out["ext"]) if dark else None,
                                  dark_filename=f"{prefix}-{images}-dark.{out['ext']}" if dark else ""))
        else:
            text = out.get("text", "")
            if out["kind"] != "html":
                text = fix(text)
            outputs.append(Output(out["kind"], text=text, name=out.get("name", "")))
    return outputs


def _bundle(out: dict, prefix: str, images: int, cache: ExecCache, problems: list[str]) -> Output | None:
    """A displayed rich value (a MIME bundle) as the one output a page shows: the same choice
    as for a notebook's stored outputs (generator.markdown.cells.mime)."""
    from generator.markdown.cells.mime import Shown, image_size, normalize

    def image(mime: str, value, meta: dict) -> Shown:
        path = cache.blob_path(value["blob"], value["ext"])
        try:
            width, height = image_size(path.read_bytes(), mime)
        except OSError:
            width = height = None
        given = meta.get("width") if isinstance(meta.get("width"), int) else None
        if given and width and height:
            width, height = given, round(height * given / width)
        return Shown("image", filename=f"{prefix}-{images + 1}.{value['ext']}", mime=mime, width=width,
                     height=height, text=str(path))

    shown = normalize(out.get("data") or {}, out.get("metadata"), image=image, problems=problems)
    if shown is None:
        return None
    if shown.kind == "image":
        return Output("image", file=Path(shown.text), filename=shown.filename, mime=shown.mime,
                      width=shown.width, height=shown.height)
    return Output(shown.kind, text=shown.text, mime=shown.mime)


def _line_fixer(old_lines: list, plan: PostPlan, display_path: str):
    """Shift Markdown line numbers in cached text after prose above the cells moved.

    A cached traceback says ``File "x.md", line 59``; if prose edits moved the
    cells since, each number is mapped through the cell that contained it.
    """
    new = [(c.line, c.source.count("\n") + 1) for c in plan.request.cells]
    moves = [(o[0], o[1], n[0]) for o, n in zip(old_lines, new, strict=False) if o[0] != n[0]]
    if not moves:
        return lambda text: text
    path = re.escape(display_path)
    pattern = re.compile(rf'(File "{path}", line |{path}:)(\d+)')

    def shift(match):
        line = int(match.group(2))
        for start, count, now in moves:
            if start <= line < start + count:
                return f"{match.group(1)}{line - start + now}"
        return match.group(0)

    return lambda text: pattern.sub(shift, text) if display_path in text else text
