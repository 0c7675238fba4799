"""HTML for a cell's outputs and for the reproducibility note."""

from __future__ import annotations

from markdown_it.common.utils import escapeHtml


def outputs_html(outputs, *, options: dict, cell_number: int, render_caption, target=None) -> str:
    """The outputs of one cell in display order.

    ``target``: the cell's cross-reference number (``xref.Target``) when its
    label is ``fig-...`` or ``tbl-...``: its figures then form one numbered
    ``<figure id=label>`` (several figures are subfigures (a), (b), ...), and
    its other rich output a numbered table.  ``layout-ncol`` puts the figures
    side by side.
    """
    parts: list[str] = []
    images = [out for out in outputs if out.kind == "image"]
    grouped = ((target is not None and target.kind == "fig")
               or (len(images) > 1 and options.get("layout-ncol") is not None))
    for out in outputs:
        if out.kind in ("stream", "text"):
            extra = " cell-stderr" if out.kind == "stream" and out.name == "stderr" else ""
            parts.append(f'<pre class="cell-output{extra}">{escapeHtml(out.text)}</pre>\n')
        elif out.kind == "html":
            parts.append(f'<div class="cell-output-html">\n{out.text}\n</div>\n')
        elif out.kind == "error":
            parts.append(f'<pre class="cell-error">{escapeHtml(out.text)}</pre>\n')
        elif out.kind == "image" and not grouped:
            parts.append(_figure(out, images.index(out), options, cell_number, render_caption))
        elif out.kind == "image" and out is images[0]:
            parts.append(_figure_group(images, options, cell_number, render_caption, target))
    html = "".join(parts)
    if target is not None and target.kind == "tbl":
        caption = options.get("tbl-cap")
        text = f"Table\u00a0{target.number}:" + (f" {render_caption(caption)}" if caption else "")
        html = (f'<figure id="{escapeHtml(target.label)}" class="quarto-float quarto-float-tbl">\n'
                f"<figcaption>{text}</figcaption>\n{html}</figure>\n")
    return html


def _figure(out, index: int, options: dict, cell_number: int, render_caption, caption: str | None = None,
            attrs: str = ' class="cell-figure"') -> str:
    caption = _nth(options.get("fig-cap"), index) if caption is None else caption
    alt = _nth(options.get("fig-alt"), index) or caption or f"Figure {index + 1} of cell {cell_number}"
    html = f'<figure{attrs}><img src="{escapeHtml(out.filename)}" alt="{escapeHtml(alt)}">'
    if caption:
        html += f"<figcaption>{render_caption(caption)}</figcaption>"
    return html + "</figure>\n"


def _figure_group(images, options: dict, cell_number: int, render_caption, target) -> str:
    """Several figures side by side (``layout-ncol``), numbered as one when the cell has a ``fig-`` label."""
    ncol = options.get("layout-ncol")
    ncol = ncol if isinstance(ncol, int) and not isinstance(ncol, bool) and ncol > 0 else 1
    subcaps = options.get("fig-subcap")
    main = options.get("fig-cap") if not isinstance(options.get("fig-cap"), list) else None
    if target is None:
        inner = "".join(_figure(out, i, options, cell_number, render_caption) for i, out in enumerate(images))
        return f'<div class="quarto-layout-panel" style="--layout-ncol: {ncol}">\n{inner}</div>\n'
    label = escapeHtml(target.label)
    if len(images) == 1:
        caption = f"Figure\u00a0{target.number}:" + (f" {render_caption(main)}" if main else "")
        alt = _nth(options.get("fig-alt"), 0) or main or f"Figure {target.number}"
        return (f'<figure id="{label}" class="quarto-float quarto-float-fig cell-figure">'
                f'<img src="{escapeHtml(images[0].filename)}" alt="{escapeHtml(alt)}">'
                f"<figcaption>{caption}</figcaption></figure>\n")
    subs = []
    for i, out in enumerate(images):
        sub = _nth(subcaps if isinstance(subcaps, list) else options.get("fig-cap"), i) or ""
        letter = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        subs.append(_figure(out, i, options, cell_number, lambda text: text,
                            caption=f"({letter}) {render_caption(sub)}".strip(),
                            attrs=f' id="{label}-{i + 1}" class="quarto-float quarto-subfloat cell-figure"'))
    caption = f"Figure\u00a0{target.number}:" + (f" {render_caption(main)}" if main else "")
    return (f'<figure id="{label}" class="quarto-float quarto-float-fig">\n'
            f'<div class="quarto-layout-panel" style="--layout-ncol: {ncol}">\n{"".join(subs)}</div>\n'
            f"<figcaption>{caption}</figcaption>\n</figure>\n")


def _nth(value, i: int) -> str | None:
    """A single caption belongs to the first figure; a list gives one per figure."""
    if isinstance(value, list):
        return value[i] if i < len(value) else None
    return value if i == 0 else None


def repro_note_html(repro: dict) -> str:
    """A small note for the end of an executed post (nothing time-dependent)."""
    if not repro:
        return ""
    return ('<p class="exec-repro">Executed with gdcore '
            f'<code>{escapeHtml(str(repro.get("gdcore", "")))}</code>, '
            f'Python {escapeHtml(str(repro.get("python", "")))}, '
            f'numpy {escapeHtml(str(repro.get("numpy", "")))}, '
            f'matplotlib {escapeHtml(str(repro.get("matplotlib", "")))}, '
            f'seed {escapeHtml(str(repro.get("seed", "")))}.</p>\n')
