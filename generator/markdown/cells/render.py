"""HTML for a cell's outputs and for the reproducibility note.

The one place where outputs become HTML, whichever made them: our kernel
(``generator.kernel.Output``) or a notebook's stored outputs
(:class:`generator.markdown.cells.mime.Shown`); both have the same attributes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it.common.utils import escapeHtml

from generator.markdown.cells.ansi import ansi_to_html


@dataclass
class RichContext:
    """What rendering the rich kinds (Markdown, LaTeX, charts, HTML) needs from the page."""

    render_markdown: Callable[[str], str]           # Markdown text -> HTML, with the page's plugins
    features: set[str] = field(default_factory=set)  # the page's features: "notebook", "plotly", "vega"
    allow_scripts: bool = False                      # keep <script> in HTML outputs (config: notebooks.scripts)
    warn: Callable[[str, str | None], None] = lambda message, hint: None


def outputs_html(outputs, *, options: dict, cell_number: int, render_caption, target=None,
                 rich: RichContext | None = None) -> str:
    """The outputs of one cell in display order.

    ``target``: the cell's cross-reference number (``xref.Target``) when its
    label is ``fig-...`` or ``tbl-...``: its figures then form one numbered
    ``<figure id=label>`` (several figures are subfigures (a), (b), ...), and
    its other rich output a numbered table.  ``layout-ncol`` puts the figures
    side by side.  ``rich``: what the rich kinds of :mod:`generator.markdown.cells.mime`
    need (without it, they are not shown and HTML is kept as it is).
    """
    parts: list[str] = []
    images = [out for out in outputs if out.kind == "image"]
    grouped = ((target is not None and target.kind == "fig")
               or (len(images) > 1 and options.get("layout-ncol") is not None))
    for out in outputs:
        if out.kind in ("stream", "text"):
            extra = " cell-stderr" if out.kind == "stream" and out.name == "stderr" else ""
            parts.append(f'<pre class="cell-output{extra}">{ansi_to_html(out.text)}</pre>\n')
        elif out.kind == "html":
            text = out.text if rich is None else clean_html(out.text, rich)
            parts.append(f'<div class="cell-output-html">\n{text}\n</div>\n')
        elif out.kind == "error":
            parts.append(f'<pre class="cell-error">{ansi_to_html(out.text)}</pre>\n')
        elif out.kind == "image" and not grouped:
            parts.append(_figure(out, images.index(out), options, cell_number, render_caption))
        elif out.kind == "image" and out is images[0]:
            parts.append(_figure_group(images, options, cell_number, render_caption, target))
        elif out.kind != "image" and rich is not None:
            parts.append(rich_output_html(out, rich))
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
    html = f"<figure{attrs}>{_img(out, alt)}"
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
                f"{_img(images[0], alt)}"
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


def _img(out, alt: str) -> str:
    """The ``<img>`` of a figure; with a dark variant, two, and the page shows the one of its
    colour scheme (reader.css: ``only-light``/``only-dark``)."""
    src, alt, size = escapeHtml(out.filename), escapeHtml(alt), _size_attrs(out)
    dark = getattr(out, "dark_filename", "")
    if not dark:
        return f'<img src="{src}" alt="{alt}"{size}>'
    return (f'<img class="only-light" src="{src}" alt="{alt}"{size}>'
            f'<img class="only-dark" src="{escapeHtml(dark)}" alt="{alt}"{size}>')


def _size_attrs(out) -> str:
    """width/height of an image whose size is known (notebook images; lets the page keep its place)."""
    width, height = getattr(out, "width", None), getattr(out, "height", None)
    attrs = f' width="{int(width)}"' if width else ""
    return attrs + (f' height="{int(height)}"' if height else "")


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>|<script\b[^>]*/>", re.I | re.S)
_PANDAS_STYLE = re.compile(r"<style scoped>.*?</style>\s*(?=<table[^>]*class=\"dataframe)", re.S)
_PANDAS_TABLE = re.compile(r'<table border="1" class="dataframe')


def clean_html(text: str, rich: RichContext) -> str:
    """An HTML output as the page shows it: scripts left out (unless allowed), pandas
    tables without their own borders and styles (the theme styles every table)."""
    if "dataframe" in text:
        rich.features.add("notebook")
        text = _PANDAS_TABLE.sub('<table class="dataframe', _PANDAS_STYLE.sub("", text))
    if not rich.allow_scripts and "<script" in text.lower():
        text, count = _SCRIPT.subn("", text)
        if count:
            rich.warn(f"{count} <script> element(s) in an HTML output were left out",
                      "set 'notebooks: {scripts: true}' in config.yml to run scripts of outputs")
    return text


def _json_script(kind: str, text: str) -> str:
    """A chart's spec as inert JSON data next to its container (``<`` escaped: never ends the script)."""
    data = text.replace("<", "\\u003c")
    return (f'<div class="nb-chart nb-{kind}"></div>'
            f'<script type="application/json" class="nb-{kind}-spec">{data}</script>\n')


def _latex_source(text: str) -> str:
    """text/latex holds math with its delimiters ($$..$$, \\[..\\], an environment); bare TeX gets $$."""
    stripped = text.strip()
    if stripped.startswith(("$", "\\[", "\\(", "\\begin")):
        return stripped
    return f"$$\n{stripped}\n$$"


def rich_output_html(out, rich: RichContext) -> str:
    """HTML of the kinds a notebook (or IPython.display) adds to plain text, HTML and images."""
    kind = out.kind
    rich.features.add("notebook")
    if kind == "markdown":
        return f'<div class="cell-output-markdown">\n{rich.render_markdown(out.text)}</div>\n'
    if kind == "latex":
        return f'<div class="cell-output-latex">\n{rich.render_markdown(_latex_source(out.text))}</div>\n'
    if kind in ("plotly", "vegalite"):
        feature = "plotly" if kind == "plotly" else "vega"
        rich.features.add(feature)
        try:
            json.loads(out.text)
        except ValueError:
            rich.warn(f"a {out.mime or kind} output is not valid JSON; left out", None)
            return ""
        return _json_script(feature, out.text)
    if kind == "widget":
        return f'<pre class="cell-output nb-widget">{escapeHtml(out.text)}</pre>\n'
    if kind == "javascript":
        if rich.allow_scripts:
            return f"<script>\n{out.text}\n</script>\n"
        rich.warn("a JavaScript output was left out",
                  "set 'notebooks: {scripts: true}' in config.yml to run scripts of outputs")
        return ""
    if kind == "omitted":
        return f'<p class="cell-note cell-omitted">{escapeHtml(out.text)}</p>\n'
    return f'<pre class="cell-output">{escapeHtml(out.text)}</pre>\n'


def _nth(value, i: int) -> str | None:
    """A single caption belongs to the first figure; a list gives one per figure."""
    if isinstance(value, list):
        return value[i] if i < len(value) else None
    return value if i == 0 else None


def repro_note_html(repro: dict) -> str:
    """A small note for the end of an executed post (nothing time-dependent).

    It names gdcore's source hash only when ``repro`` has one (the execute stage
    leaves it out for posts whose cells do not import gdcore); an empty ``repro``
    (``exec: {repro_note: false}``) gives no note at all.
    """
    if not repro:
        return ""
    gdcore = f'gdcore <code>{escapeHtml(str(repro["gdcore"]))}</code>, ' if repro.get("gdcore") else ""
    return (f'<p class="exec-repro">Executed with {gdcore}'
            f'Python {escapeHtml(str(repro.get("python", "")))}, '
            f'numpy {escapeHtml(str(repro.get("numpy", "")))}, '
            f'matplotlib {escapeHtml(str(repro.get("matplotlib", "")))}, '
            f'seed {escapeHtml(str(repro.get("seed", "")))}.</p>\n')
