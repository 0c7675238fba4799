"""HTML of an interactive cell: its default frame as an ordinary figure, its frames as data.

What a reader without JavaScript sees -- and the feed, the search index and
whatever picks "the first figure" of a page -- is the cell's own outputs, the
default frame, rendered exactly as any cell's.  Around them a
``<div class="cell-interactive" data-interactive="{...}">`` carries the frames
for ``assets/theme/interactive.js``, which adds a slider (or a select) per
parameter and swaps, per frame:

- the figures (``<img>`` in document order, one for one),
- the printed output (the cell's non-figure outputs, shown above its figures
  in a ``<div class="interactive-outputs">``, whose HTML each frame carries),
- the ``{name}`` placeholders of the caption (``<span class="interactive-param">``)
  and of the alt text,
- the inline values that follow the cell and differ between frames
  (``<span class="interactive-value" data-interactive-for=N>``, see :func:`inline_html`).

Reads the kernel's ``Sweep``/``Frame`` by attribute (``markdown/`` never imports the kernel).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, MutableMapping
from typing import Any

from markdown_it.common.utils import escapeHtml

from generator.markdown.cells.render import outputs_html
from generator.markdown.diagnostics import warn

_OPEN, _CLOSE = "\ue000", "\ue001"   # private-use marks around a placeholder while the caption renders
_MARKED = re.compile(f"{_OPEN}([A-Za-z_][A-Za-z0-9_]*){_CLOSE}")
_MATH = re.compile(r'<span class="math[^"]*">.*?</span>|<div class="math[^"]*">.*?</div>', re.S)
_ALT = re.compile(r'(alt=")([^"]*)(")')
CAPTION_KEYS = ("fig-cap", "fig-subcap", "fig-alt")


def interactive_html(cell: Any, *, options: dict, cell_number: int, render_caption: Callable[[str], str],
                     target: Any, env: MutableMapping, line: int) -> str:
    """The outputs of an interactive cell (``cell.sweep`` set), ready for the script.

    ``line``: 1-based line of the cell in the parsed text, for warnings.
    """
    sweep = cell.sweep
    if not sweep.complete:
        missing = sum(1 for f in sweep.frames if not f.images and not f.outputs)
        return (outputs_html(cell.outputs, options=options, cell_number=cell_number,
                             render_caption=render_caption, target=target)
                + f'<p class="cell-note cell-missing">interactive figure: {missing} of {len(sweep.frames)} '
                  "frames not executed; the page shows the default frame only</p>\n")
    env.setdefault("features", set()).add("interactive")
    names = [p.name for p in sweep.params]
    defaults = {p.name: p.labels[p.values.index(sweep.frames[sweep.default].values[p.name])]
                for p in sweep.params}
    marked = {k: _mark(options.get(k), names) for k in CAPTION_KEYS}
    view = {**options, **marked}
    images = [out for out in cell.outputs if out.kind == "image"]
    others = [out for out in cell.outputs if out.kind != "image"]
    figure_target = target if target is not None and target.kind == "fig" else None
    figures = outputs_html(images, options=view, cell_number=cell_number, render_caption=render_caption,
                           target=figure_target) if images else ""
    figures = _placeholders(figures, defaults, env, line)
    shown = outputs_html(others, options=options, cell_number=cell_number, render_caption=render_caption,
                         target=target if figure_target is None else None)
    data = _frame_data(sweep, options, cell_number, render_caption, len(images))
    return (f'<div class="cell-interactive" data-interactive-cell="{cell_number}" '
            f'data-interactive="{escapeHtml(json.dumps(data, ensure_ascii=False, separators=(",", ":")))}">\n'
            f'<div class="interactive-outputs">{shown}</div>\n{figures}</div>\n')


def _mark(value: Any, names: list[str]) -> Any:
    """``{lr}`` -> a marked placeholder that survives Markdown rendering, for each parameter name."""
    if isinstance(value, list):
        return [_mark(v, names) for v in value]
    if not isinstance(value, str):
        return value
    return re.sub(r"\{(" + "|".join(map(re.escape, names)) + r")\}", lambda m: f"{_OPEN}{m.group(1)}{_CLOSE}", value)


def _placeholders(html: str, defaults: dict, env: MutableMapping, line: int) -> str:
    """Marked placeholders -> the default value, live (a span) where the script can change it.

    Inside an ``alt`` attribute the script rewrites the whole text from its
    template; inside math (typeset once by MathJax) the value stays the
    default, and the writer is told.
    """
    html = _ALT.sub(lambda m: m.group(1) + _MARKED.sub(lambda p: escapeHtml(defaults[p.group(1)]), m.group(2))
                    + m.group(3), html)

    def in_math(match: re.Match) -> str:
        text = match.group(0)
        for name in dict.fromkeys(_MARKED.findall(text)):
            warn(env, line - 1, f"the placeholder {{{name}}} is inside math, where it cannot follow the "
                                f"slider: it shows the default value {defaults[name]}",
                 f"write {{{name}}} outside the $...$ of the caption")
        return _MARKED.sub(lambda p: escapeHtml(defaults[p.group(1)]), text)

    html = _MATH.sub(in_math, html)
    return _MARKED.sub(lambda m: f'<span class="interactive-param" data-param="{m.group(1)}">'
                                 f"{escapeHtml(defaults[m.group(1)])}</span>", html)


def _frame_data(sweep: Any, options: dict, cell_number: int, render_caption: Callable[[str], str],
                image_count: int) -> dict:
    """What the script needs: parameters, default frame, per frame its images, output and values."""
    texts: dict[str, int] = {}
    frames = []
    varying = varying_inline(sweep)
    for frame in sweep.frames:
        shown = outputs_html(frame.outputs, options=options, cell_number=cell_number,
                             render_caption=render_caption) if frame.outputs else ""
        item: dict = {"img": [out.filename for out in frame.images], "out": texts.setdefault(shown, len(texts))}
        if any(getattr(out, "dark_filename", "") for out in frame.images):   # for dark pages
            item["dark"] = [getattr(out, "dark_filename", "") or out.filename for out in frame.images]
        values = {str(k): v for k, v in frame.inline.items() if k in varying}
        if values:
            item["v"] = values
        frames.append(item)
    alts = options.get("fig-alt")
    caps = options.get("fig-cap")
    alt = [_nth(alts, i) or _nth(caps, i) for i in range(image_count)]
    return {"params": [{"name": p.name, "labels": list(p.labels), "range": p.is_range, "numeric": p.numeric}
                       for p in sweep.params],
            "default": sweep.default, "frames": frames, "out": list(texts), "alt": alt}


def _nth(value: Any, i: int) -> str | None:
    if isinstance(value, list):
        return value[i] if i < len(value) and isinstance(value[i], str) else None
    return value if i == 0 and isinstance(value, str) else None


def varying_inline(sweep: Any) -> set[int]:
    """Inline expressions whose value differs between frames: the ones the page updates."""
    seen: dict[int, set] = {}
    for frame in sweep.frames:
        for index, value in frame.inline.items():
            seen.setdefault(index, set()).add(value)
    return {index for index, values in seen.items() if len(values) > 1}


def inline_owner(result: Any, index: int) -> int | None:
    """The number of the interactive cell whose frames change inline expression ``index``, if any."""
    for cell in getattr(result, "cells", ()):
        sweep = getattr(cell, "sweep", None)
        if sweep is not None and sweep.complete and index in varying_inline(sweep):
            return cell.index + 1
    return None


def inline_html(value_html: str, owner: int, index: int) -> str:
    return (f'<span class="interactive-value" data-interactive-for="{owner}" data-inline="{index}">'
            f"{value_html}</span>")
