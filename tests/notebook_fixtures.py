"""Fixture notebooks, written with nbformat's own API (so they are what Jupyter would save).

``every_output()`` has one cell per output type a page shows; ``png(w, h)`` makes a
real PNG of that size; ``write(path, nb)`` saves a notebook (validated by nbformat).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import nbformat
from nbformat import v4

KERNEL = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
          "language_info": {"name": "python"}}

DATAFRAME_HTML = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type {
        vertical-align: middle;
    }
</style>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th><th>loss</th><th>lr</th></tr>
  </thead>
  <tbody>
    <tr><th>0</th><td>0.25</td><td>0.1</td></tr>
    <tr><th>1</th><td>0.125</td><td>0.01</td></tr>
  </tbody>
</table>
</div>"""

PLOTLY = {"data": [{"type": "scatter", "x": [1, 2, 3], "y": [3, 1, 2], "name": "loss"}],
          "layout": {"title": {"text": "Loss"}, "width": 500, "height": 320}}
VEGALITE = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "data": {"values": [{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.5}, {"epoch": 3, "loss": 0.3}]},
            "mark": "line", "encoding": {"x": {"field": "epoch", "type": "quantitative"},
                                         "y": {"field": "loss", "type": "quantitative"}},
            "width": 300, "height": 200}
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="120pt" height="60pt" viewBox="0 0 160 80">'
       '<rect width="160" height="80" fill="#1a5fb4"/></svg>')
TRACEBACK = ["\x1b[0;31m---------------------------------------------------------------------------\x1b[0m",
             "\x1b[0;31mZeroDivisionError\x1b[0m                         Traceback (most recent call last)",
             "Cell \x1b[0;32mIn[9], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m \x1b[38;5;241m1\x1b[39m\x1b[38;5;241m/\x1b[39m\x1b[38;5;241m0\x1b[39m",
             "\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"]


def png(width: int, height: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A real PNG image of ``width`` x ``height`` pixels in one colour."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def jpeg() -> bytes:
    """A tiny valid baseline JPEG (2x3 pixels), built by hand: SOI, a quantisation table, SOF0, EOI.

    Only its header matters to the build (the size is read from SOF0); browsers are not asked to show it."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 3, 2, 1) + b"\x01\x11\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    return b"\xff\xd8" + dqt + sof + b"\xff\xd9"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def notebook(cells: list, **metadata) -> nbformat.NotebookNode:
    nb = v4.new_notebook()
    nb.metadata.update(KERNEL)
    nb.metadata.update(metadata)
    nb.cells = cells
    return nb


def code(source: str, outputs: list | None = None, **metadata) -> nbformat.NotebookNode:
    cell = v4.new_code_cell(source, outputs=outputs or [])
    cell.metadata.update(metadata)
    return cell


def display(data: dict, metadata: dict | None = None, result: bool = False):
    if result:
        return v4.new_output("execute_result", data=data, metadata=metadata or {}, execution_count=1)
    return v4.new_output("display_data", data=data, metadata=metadata or {})


def stream(text: str, name: str = "stdout"):
    return v4.new_output("stream", name=name, text=text)


def every_output() -> nbformat.NotebookNode:
    """One code cell per output type (cells 3..15), under a Quarto front matter cell."""
    return notebook([
        v4.new_raw_cell("---\ntitle: Every output\ndate: 2024-06-01\ntags: [notebooks]\n---"),
        v4.new_markdown_cell("Outputs of every kind, with $\\alpha^2$ in the prose."),
        code("print('out'); import sys; print('err', file=sys.stderr)",
             [stream("out\n"), stream("err\n", "stderr")]),
        code("41 + 1", [display({"text/plain": "42"}, result=True)]),
        code("df", [display({"text/html": DATAFRAME_HTML, "text/plain": "   loss  lr"}, result=True)]),
        code("Markdown('**bold** and $x_1$')", [display({"text/markdown": "**bold** and $x_1$",
                                                          "text/plain": "<Markdown>"}, result=True)]),
        code("Latex(...)", [display({"text/latex": "$$\\sum_{i=1}^n w_i$$", "text/plain": "<Latex>"}, result=True)]),
        code("#| fig-alt: A red rectangle\n#| fig-cap: The PNG figure\nplot()",
             [display({"image/png": b64(png(40, 20)), "text/plain": "<Figure>"})]),
        code("Image('photo.jpg')", [display({"image/jpeg": b64(jpeg()), "text/plain": "<Image>"},
                                            {"image/jpeg": {"width": 60}})]),
        code("SVG(...)", [display({"image/svg+xml": SVG, "text/plain": "<SVG>"})]),
        code("fig.show()", [display({"application/vnd.plotly.v1+json": PLOTLY, "text/html": "<div>plotly</div>",
                                     "text/plain": "Figure"})]),
        code("chart", [display({"application/vnd.vegalite.v5+json": VEGALITE, "text/plain": "<VegaLite 5 object>"},
                               result=True)]),
        code("slider", [display({"application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2,
                                                                               "version_minor": 0},
                                 "text/plain": "IntSlider(value=3)"})]),
        code("1/0", [v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
                                   traceback=TRACEBACK)]),
        code("HTML('<b>x</b><script>alert(1)</script>')",
             [display({"text/html": "<b>bold html</b><script>document.title='hacked'</script>",
                       "text/plain": "<HTML>"}, result=True)]),
    ])


def write(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
