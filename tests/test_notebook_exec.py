"""Notebooks run by our kernel (execute: true), and rich values shown by {python} cells."""

from __future__ import annotations

import importlib.util
import json
import shutil

import pytest
from nbformat import v4

from generator import BuildError, BuildOptions, build
from generator.errors import Diagnostic
from generator.kernel import worker_starts
from generator.markdown.cells.options import ExecDefaults
from generator.markdown.notebook import program as nbprogram
from tests import notebook_fixtures as nbf
from tests.helpers import html, write_files

pytestmark = pytest.mark.slow

FIGURE_CELL = ("%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n"
               "import numpy as np\nimport matplotlib.pyplot as plt\n"
               "x = np.linspace(0, 1, 50)\nplt.plot(x, x ** 2 + 0.01 * np.random.randn(50))\nprint('drawn', len(x))")


def run_build(root, **options):
    return build(BuildOptions(source=root, jobs=options.pop("jobs", 1), **options))


def executed_notebook(front: str = "execute: true\n") -> object:
    return nbf.notebook([
        v4.new_raw_cell(f"---\ntitle: Executed\ndate: 2024-07-01\n{front}---"),
        v4.new_markdown_cell("A curve, drawn again at every build."),
        nbf.code(FIGURE_CELL, [nbf.stream("STORED OUTPUT\n"),
                               nbf.display({"image/png": nbf.b64(nbf.png(5, 5)), "text/plain": "<Figure>"})]),
        nbf.code("#| label: total\ntotal = float(np.sum(x))\ntotal"),
    ])


@pytest.fixture
def exec_site(tmp_path):
    nbf.write(tmp_path / "content/posts/2024-07-01-curve.ipynb", executed_notebook())
    return tmp_path


def page(root):
    return html(root / "_site/posts/curve/index.html")


def test_execute_true_redraws_figures_and_a_second_build_takes_them_from_the_cache(exec_site):
    starts = worker_starts()
    run_build(exec_site)
    assert worker_starts() == starts + 1
    tree = page(exec_site)
    outputs = [o.text() for o in tree.css(".nb-cell pre.cell-output")]
    assert outputs == ["drawn 50\n", "25.0"]
    assert "STORED OUTPUT" not in tree.text()
    img = tree.css_first(".nb-cell figure img")
    folder = exec_site / "_site/posts/curve"
    assert (folder / img.attributes["src"]).read_bytes().startswith(b"<?xml")
    assert not (folder / "cell3-1.png").exists(), "stored images are not published when the notebook runs"
    assert "%matplotlib inline" in tree.css_first(".nb-cell pre").text(), "the code is shown as written"
    assert tree.css_first(".exec-repro") is not None

    report = run_build(exec_site)
    assert worker_starts() == starts + 1, "an unchanged notebook starts no worker"
    assert report.rendered == 0


def test_figures_are_byte_identical_across_two_cold_builds(exec_site, tmp_path_factory):
    run_build(exec_site)
    other = tmp_path_factory.mktemp("cold")
    shutil.copytree(exec_site / "content", other / "content")
    run_build(other)
    folder = "_site/posts/curve"
    names = sorted(p.name for p in (exec_site / folder).iterdir() if p.suffix == ".svg")
    assert names and all((exec_site / folder / n).read_bytes() == (other / folder / n).read_bytes() for n in names)


@pytest.mark.parametrize("front, config", [
    ("execute:\n  enabled: true\n", ""),
    ("", "notebooks:\n  execute: true\n"),
])
def test_quarto_execute_and_the_site_setting_run_notebooks(tmp_path, front, config):
    nbf.write(tmp_path / "content/posts/2024-07-01-curve.ipynb", executed_notebook(front))
    if config:
        write_files(tmp_path, {"config.yml": config})
    run_build(tmp_path)
    assert "drawn 50\n" in [o.text() for o in page(tmp_path).css("pre.cell-output")]


def test_stored_outputs_are_shown_without_execute(tmp_path):
    nbf.write(tmp_path / "content/posts/2024-07-01-curve.ipynb", executed_notebook(""))
    starts = worker_starts()
    run_build(tmp_path)
    assert worker_starts() == starts
    tree = page(tmp_path)
    assert tree.css_first("pre.cell-output").text() == "STORED OUTPUT\n"
    assert tree.css_first("figure img").attributes["src"] == "cell3-1.png"


def test_a_failing_cell_names_the_notebook_and_its_cell(exec_site):
    nb = executed_notebook()
    nb.cells.append(v4.new_markdown_cell("Then it breaks."))
    nb.cells.append(nbf.code("def check(v):\n    raise ValueError(f'bad {v}')\n"))
    nb.cells.append(nbf.code("y = 1\ncheck(y)"))
    nbf.write(exec_site / "content/posts/2024-07-01-curve.ipynb", nb)
    with pytest.raises(BuildError) as caught:
        run_build(exec_site)
    message = str(caught.value)
    assert "content/posts/2024-07-01-curve.ipynb: cell 7 raised ValueError: bad 1 (cell 6, line 2)" in message
    assert 'File "content/posts/2024-07-01-curve.ipynb", cell 7, line 2, in <module>' in message
    assert "    check(y)" in message, "the traceback quotes the cell's code"


def test_other_magics_need_ipython(monkeypatch):
    payload = {"language": "python", "cells": [
        {"n": 2, "source": "%matplotlib inline\nx = 1", "option_lines": 0, "options": {}},
        {"n": 4, "source": "#| echo: false\nfiles = !ls\n%timeit x + 1", "option_lines": 1, "options": {}}]}
    monkeypatch.setattr(nbprogram.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BuildError) as caught:
        nbprogram.notebook_program(payload, {}, ExecDefaults({}), "content/posts/m.ipynb")
    assert [str(e) for e in caught.value.errors][0].startswith(
        "content/posts/m.ipynb: cell 4, line 2: 'files = !ls' is an IPython magic or shell command")
    monkeypatch.undo()
    program = nbprogram.notebook_program({"language": "python", "cells": payload["cells"][:1]}, {},
                                         ExecDefaults({}), "content/posts/m.ipynb")
    assert program.cells[0].source == "pass  # %matplotlib inline\nx = 1"
    relocated = program.relocate(Diagnostic("content/posts/m.ipynb", 2, "cell 1 raised NameError: y"))
    assert relocated == Diagnostic("content/posts/m.ipynb", None, "cell 2 raised NameError: y (line 2)")


@pytest.mark.skipif(importlib.util.find_spec("IPython") is None, reason="IPython is not installed")
def test_magics_and_shell_lines_run_with_ipython(tmp_path):
    nb = nbf.notebook([nbf.code("values = [3, 1, 2]\nlines = !printf 'a\\nb\\n'\nprint(len(lines))\n"
                                "%time total = sum(values)\nprint(total)")],
                      title="Magics", date="2024-01-01", execute=True)
    nbf.write(tmp_path / "content/posts/magics.ipynb", nb)
    run_build(tmp_path)
    outputs = "".join(o.text() for o in html(tmp_path / "_site/posts/magics/index.html").css("pre.cell-output"))
    assert "2\n" in outputs and "6\n" in outputs and "Wall time" in outputs


RICH_POST = """---
title: Rich values
date: 2024-01-01
---
```{python}
import pandas as pd
frame = pd.DataFrame({"lr": [0.1, 0.01], "loss": [0.25, 0.125]})
frame
```

```{python}
import plotly.graph_objects as go
go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2]))
```

```{python}
import altair as alt
alt.Chart(frame).mark_point().encode(x="lr", y="loss")
```

```{python}
from IPython.display import display, Markdown, Latex, HTML, Image
display(Markdown("Some **bold** text and $\\\\alpha_1$"))
display(Latex(r"$$\\int_0^1 x\\,dx$$"))
display(HTML("<em>emphasis</em>"))
Image(data=bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201e3a1d8d90000000049454e44ae426082"), width=40)
```
"""


@pytest.mark.skipif(any(importlib.util.find_spec(m) is None for m in ("pandas", "plotly", "altair", "IPython")),
                    reason="the notebooks extra (pandas, plotly, altair, IPython) is not installed")
def test_rich_values_of_python_cells(tmp_path):
    write_files(tmp_path, {"content/posts/rich.md": RICH_POST})
    run_build(tmp_path)
    tree = html(tmp_path / "_site/posts/rich/index.html")
    cells = tree.css(".content .cell")
    assert [td.text() for td in cells[0].css("table.dataframe tbody td")] == ["0.10", "0.250", "0.01", "0.125"]
    plotly = json.loads(cells[1].css_first("script.nb-plotly-spec").text())
    assert plotly["data"][0]["type"] == "scatter"
    vega = json.loads(cells[2].css_first("script.nb-vega-spec").text())
    assert vega["mark"]["type"] == "point" and vega["encoding"]["x"]["field"] == "lr"
    assert cells[3].css_first(".cell-output-markdown strong").text() == "bold"
    assert cells[3].css_first(".cell-output-markdown .math").text() == "\\(\\alpha_1\\)"
    assert cells[3].css_first(".cell-output-latex .math.display") is not None
    assert cells[3].css_first(".cell-output-html em").text() == "emphasis"
    img = cells[3].css_first("figure img").attributes
    assert (img["src"], img["width"], img["height"]) == ("cell4-1.png", "40", "40")
    assert (tmp_path / "_site/posts/rich/cell4-1.png").read_bytes().startswith(b"\x89PNG")
    assert tree.css_first("script#MathJax-script") is not None


def test_a_missing_ipython_is_named_clearly(tmp_path):
    write_files(tmp_path, {"content/posts/no-ipython.md": (
        "---\ntitle: x\ndate: 2024-01-01\n---\n```{python}\n"
        "raise ModuleNotFoundError(\"No module named 'IPython'\", name='IPython')\n```\n")})
    with pytest.raises(BuildError) as caught:
        run_build(tmp_path)
    assert "IPython.display (display, HTML, Markdown, Latex, Image) needs IPython" in str(caught.value)
    assert "pip install ipython" in str(caught.value)
