"""A notebook post in headless Chromium: its images load, its table shows, its Plotly and
Vega-Lite charts are drawn (the libraries served locally), its math is typeset."""

from __future__ import annotations

import pytest
from nbformat import v4

from generator import BuildOptions, build
from tests import notebook_fixtures as nbf
from tests.browser.harness import page_problems, serve, tex_inputs, visit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def notebook_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("nbsite")
    nb = nbf.notebook([
        v4.new_raw_cell("---\ntitle: Charts and tables\ndate: 2024-06-01\n---"),
        v4.new_markdown_cell("The step is $\\eta \\nabla L(w)$, and\n\n$$\nw_{t+1} = w_t - \\eta g_t\n$$"),
        nbf.code("plot()", [nbf.display({"image/png": nbf.b64(nbf.png(40, 20)), "text/plain": "<Figure>"})]),
        nbf.code("df", [nbf.display({"text/html": nbf.DATAFRAME_HTML, "text/plain": "df"}, result=True)]),
        nbf.code("fig", [nbf.display({"application/vnd.plotly.v1+json": nbf.PLOTLY, "text/plain": "Figure"})]),
        nbf.code("chart", [nbf.display({"application/vnd.vegalite.v5+json": nbf.VEGALITE, "text/plain": "chart"})]),
        nbf.code("Latex", [nbf.display({"text/latex": "$$\\sum_i w_i^2$$", "text/plain": "<Latex>"})]),
    ])
    nbf.write(root / "content/posts/2024-06-01-charts.ipynb", nb)
    build(BuildOptions(source=root, base_url="/blog/", jobs=1))
    return root / "_site"


def test_notebook_page_renders_in_the_browser(browser_context, notebook_site):
    source = (notebook_site / "posts/charts/index.html").read_text(encoding="utf-8")
    with serve(notebook_site, "/blog/") as root, visit(browser_context, root + "posts/charts/") as v:
        assert page_problems(v, source) == []
        found = v.page.evaluate("""() => {
          const img = document.querySelector(".nb-cell figure img");
          const table = document.querySelector("table.dataframe");
          const plot = document.querySelector(".nb-plotly");
          const vega = document.querySelector(".nb-vega");
          return {
            image: [img.naturalWidth, img.naturalHeight],
            tableRows: table.querySelectorAll("tbody tr").length,
            tableHeight: table.getBoundingClientRect().height,
            plotlyTraces: plot.querySelectorAll(".scatterlayer .trace").length,
            plotlyWidth: plot.getBoundingClientRect().width,
            vegaDrawn: !!vega.querySelector("canvas, svg") &&
                       vega.querySelector("canvas, svg").getBoundingClientRect().height > 50,
          };
        }""")
        assert found["image"] == [40, 20]
        assert found["tableRows"] == 2 and found["tableHeight"] > 20
        assert found["plotlyTraces"] == 1 and found["plotlyWidth"] > 100
        assert found["vegaDrawn"]
        assert [m.tex for m in tex_inputs(v.page)] == ["\\eta \\nabla L(w)", "w_{t+1} = w_t - \\eta g_t",
                                                       "\\sum_i w_i^2"]
