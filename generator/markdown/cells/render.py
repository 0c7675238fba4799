"""HTML for a cell's outputs and for the reproducibility note."""

from __future__ import annotations

from markdown_it.common.utils import escapeHtml


def outputs_html(outputs, *, options: dict, cell_number: int, render_caption) -> str:
    """The outputs of one cell in display order."""
    parts = []
    figure = 0
    for out in outputs:
        if out.kind in ("stream", "text"):
            extra = " cell-stderr" if out.kind == "stream" and out.name == "stderr" else ""
            parts.append(f'<pre class="cell-output{extra}">{escapeHtml(out.text)}</pre>\n')
        elif out.kind == "html":
            parts.append(f'<div class="cell-output-html">\n{out.text}\n</div>\n')
        elif out.kind == "error":
            parts.append(f'<pre class="cell-error">{escapeHtml(out.text)}</pre>\n')
        elif out.kind == "image":
            caption = _nth(options.get("fig-cap"), figure)
            alt = _nth(options.get("fig-alt"), figure) or caption or f"Figure {figure + 1} of cell {cell_number}"
            figure += 1
            html = f'<figure class="cell-figure"><img src="{escapeHtml(out.filename)}" alt="{escapeHtml(alt)}"'
            dark = getattr(out, "dark_filename", "")
            if dark:  # the page shows the variant of its colour scheme (reader.css)
                html += f' class="only-light"><img class="only-dark" src="{escapeHtml(dark)}" alt="{escapeHtml(alt)}"'
            html += ">"
            if caption:
                html += f"<figcaption>{render_caption(caption)}</figcaption>"
            parts.append(html + "</figure>\n")
    return "".join(parts)


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
