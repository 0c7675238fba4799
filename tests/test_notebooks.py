"""Jupyter notebooks as posts: front matter, stored outputs, hiding, links, bad notebooks."""

from __future__ import annotations

import hashlib
import json

import pytest
from nbformat import v4

from generator import BuildError, BuildOptions, build
from generator.markdown.cells.ansi import ansi_to_html
from generator.markdown.cells.mime import choose, image_size
from tests import notebook_fixtures as nbf
from tests.helpers import html, snapshot, write_files


def run_build(root, **options):
    return build(BuildOptions(source=root, jobs=options.pop("jobs", 1), **options))


@pytest.fixture
def site(tmp_path):
    nbf.write(tmp_path / "content/posts/2024-06-01-every-output.ipynb", nbf.every_output())
    return tmp_path


def page(root, slug):
    return html(root / "_site" / "posts" / slug / "index.html")


def cells(tree):
    return tree.css(".content .nb-cell")


def test_every_stored_output_type_is_shown(site):
    report = run_build(site)
    tree = page(site, "every-output")
    assert tree.css_first("h1").text() == "Every output"
    c = cells(tree)
    assert len(c) == 13
    streams = c[0].css("pre.cell-output")
    assert [s.text() for s in streams] == ["out\n", "err\n"]
    assert "cell-stderr" in streams[1].attributes["class"]
    assert c[1].css_first("pre.cell-output").text() == "42"
    table = c[2].css_first(".cell-output-html table.dataframe")
    assert table is not None and "border" not in table.attributes
    assert [td.text() for td in table.css("tbody td")] == ["0.25", "0.1", "0.125", "0.01"]
    assert c[2].css_first("style") is None, "pandas' own style block is dropped: the theme styles tables"
    markdown = c[3].css_first(".cell-output-markdown")
    assert markdown.css_first("strong").text() == "bold"
    assert markdown.css_first(".math.inline").text() == "\\(x_1\\)"
    assert c[4].css_first(".cell-output-latex .math.display").text() == "\\[\\sum_{i=1}^n w_i\\]"
    png = c[5].css_first("figure img").attributes
    assert png == {"src": "cell8-1.png", "alt": "A red rectangle", "width": "40", "height": "20",
                   "loading": "eager", "decoding": "async"}  # the first image of the page loads at once
    assert c[5].css_first("figcaption").text() == "The PNG figure"
    assert c[6].css_first("img").attributes == {"src": "cell9-1.jpg", "alt": "Figure 1 of cell 9", "width": "60",
                                                "height": "90", "loading": "lazy", "decoding": "async"}
    assert c[7].css_first("img").attributes["src"] == "cell10-1.svg"
    assert (c[7].css_first("img").attributes["width"], c[7].css_first("img").attributes["height"]) == ("160", "80")
    plotly = json.loads(c[8].css_first("script.nb-plotly-spec").text())
    assert plotly == nbf.PLOTLY and c[8].css_first(".nb-chart.nb-plotly") is not None
    assert json.loads(c[9].css_first("script.nb-vega-spec").text()) == nbf.VEGALITE
    assert c[10].css_first("pre.nb-widget").text() == "IntSlider(value=3)"
    error = c[11].css_first("pre.cell-error")
    assert "\x1b" not in error.text() and "ZeroDivisionError: division by zero" in error.text()
    assert [s.text() for s in error.css("span.ansi-red-fg")][1:] == ["ZeroDivisionError", "ZeroDivisionError"]
    assert "bold html" in c[12].text() and c[12].css_first("script") is None
    body = (site / "_site/posts/every-output/index.html").read_text()
    assert "base64" not in body and "data:image" not in body
    warnings = [str(w) for w in report.warnings]
    assert any("cell 15: 1 <script> element(s)" in w for w in warnings), warnings
    assert any("1 interactive widget output(s)" in w for w in warnings), warnings


def test_images_are_files_beside_the_page_and_libraries_load_only_where_used(site):
    run_build(site)
    folder = site / "_site/posts/every-output"
    assert (folder / "cell8-1.png").read_bytes() == nbf.png(40, 20)
    assert (folder / "cell9-1.jpg").read_bytes() == nbf.jpeg()
    assert (folder / "cell10-1.svg").read_text() == nbf.SVG
    tree = page(site, "every-output")
    scripts = [s.attributes.get("src", "") for s in tree.css("script[src]")]
    assert any("plotly.js-dist-min@" in s for s in scripts)
    assert any("/vega-embed@" in s for s in scripts) and any("/vega-lite@" in s for s in scripts)
    assert tree.css_first('link[href="/assets/theme/notebook.css"]') is not None
    assert (site / "_site/assets/theme/notebook.js").is_file()
    write_files(site, {"content/posts/plain.md": "---\ntitle: Plain\ndate: 2024-01-01\n---\nText.\n"})
    run_build(site)
    plain = page(site, "plain")
    assert not any("plotly" in (s.attributes.get("src") or "") for s in plain.css("script[src]"))
    assert plain.css_first('link[href="/assets/theme/notebook.css"]') is None


def test_download_link_publishes_the_notebook_and_badges_need_a_repository(site):
    run_build(site)
    tree = page(site, "every-output")
    link = tree.css_first(".nb-links a.nb-download")
    assert link.attributes["href"] == "2024-06-01-every-output.ipynb"
    published = site / "_site/posts/every-output/2024-06-01-every-output.ipynb"
    assert published.read_bytes() == (site / "content/posts/2024-06-01-every-output.ipynb").read_bytes()
    assert tree.css_first(".nb-colab") is None
    write_files(site, {"config.yml": "notebooks:\n  repository: https://github.com/ada/blog\n  branch: pages\n"})
    run_build(site)
    tree = page(site, "every-output")
    assert tree.css_first(".nb-colab").attributes["href"] == (
        "https://colab.research.google.com/github/ada/blog/blob/pages/content/posts/2024-06-01-every-output.ipynb")
    assert tree.css_first(".nb-binder").attributes["href"] == (
        "https://mybinder.org/v2/gh/ada/blog/pages?labpath=content%2Fposts%2F2024-06-01-every-output.ipynb")
    assert tree.css_first(".nb-links").text().startswith("Download notebook")


def test_front_matter_from_quarto_raw_cell(site):
    run_build(site)
    tree = page(site, "every-output")
    assert "title: Every output" not in tree.css_first(".content").text()
    assert tree.css_first('meta[property="article:published_time"]').attributes["content"].startswith("2024-06-01")
    assert (site / "_site/tags/notebooks/index.html").is_file()


def test_front_matter_in_fastpages_form_is_not_body_text(tmp_path):
    nb = nbf.notebook([
        v4.new_markdown_cell("# Training a tiny net\n> How the loss falls.\n\n- toc: true\n- badges: false\n"
                             "- categories: [deep-learning, jupyter]"),
        v4.new_markdown_cell("## Setup\n\nWe start."),
        nbf.code("1", [nbf.display({"text/plain": "1"}, result=True)]),
    ])
    nbf.write(tmp_path / "content/posts/2020-03-04-tiny-net.ipynb", nb)
    write_files(tmp_path, {"config.yml": "notebooks: {repository: 'https://github.com/ada/blog'}\n"})
    run_build(tmp_path)
    tree = page(tmp_path, "tiny-net")
    assert tree.css_first("h1").text() == "Training a tiny net"
    content = tree.css_first(".content").text()
    assert "How the loss falls" not in content and "toc: true" not in content
    assert tree.css_first('meta[name="description"]').attributes["content"] == "How the loss falls."
    assert tree.css_first('meta[property="article:published_time"]').attributes["content"].startswith("2020-03-04")
    assert tree.css_first(".nb-colab") is None, "badges: false hides the Colab and Binder links"


def test_front_matter_from_notebook_metadata(tmp_path):
    nb = nbf.notebook([v4.new_markdown_cell("# Heading in the body\n\nText.")],
                      title="From metadata", date="2023-02-03", gdblog={"slug": "meta-post", "tags": ["x"]})
    nbf.write(tmp_path / "content/posts/whatever.ipynb", nb)
    run_build(tmp_path)
    tree = page(tmp_path, "meta-post")
    assert tree.css_first("h1").text() == "From metadata"
    assert tree.css_first(".content h1").text().startswith("Heading in the body")


HIDING = [
    # (cell, what is shown: code, output, folded code)
    (nbf.code("secret = 1", [nbf.stream("shown\n")], tags=["remove-cell"]), (False, False, None)),
    (nbf.code("secret = 1", [nbf.stream("shown\n")], tags=["remove-input"]), (False, True, None)),
    (nbf.code("secret = 1", [nbf.stream("shown\n")], tags=["remove-output"]), (True, False, None)),
    (nbf.code("secret = 1", [nbf.stream("shown\n")], tags=["hide-input"]), (True, True, "closed")),
    (nbf.code("#| echo: false\nsecret = 1", [nbf.stream("shown\n")]), (False, True, None)),
    (nbf.code("#| output: false\nsecret = 1", [nbf.stream("shown\n")]), (True, False, None)),
    (nbf.code("#| include: false\nsecret = 1", [nbf.stream("shown\n")]), (False, False, None)),
    (nbf.code("#hide\nsecret = 1", [nbf.stream("shown\n")]), (False, False, None)),
    (nbf.code("#hide_input\nsecret = 1", [nbf.stream("shown\n")]), (False, True, None)),
    (nbf.code("#collapse\nsecret = 1", [nbf.stream("shown\n")]), (True, True, "closed")),
    (nbf.code("#collapse-hide\nsecret = 1", [nbf.stream("shown\n")]), (True, True, "closed")),
    (nbf.code("#collapse-show\nsecret = 1", [nbf.stream("shown\n")]), (True, True, "open")),
]


@pytest.mark.parametrize("cell, shown", HIDING, ids=[
    "remove-cell", "remove-input", "remove-output", "hide-input", "quarto-echo", "quarto-output", "quarto-include",
    "fastpages-hide", "fastpages-hide_input", "fastpages-collapse", "fastpages-collapse-hide",
    "fastpages-collapse-show"])
def test_hiding_cells(tmp_path, cell, shown):
    removed = v4.new_markdown_cell("A removed note.")
    removed.metadata["tags"] = ["remove-cell"]
    nbf.write(tmp_path / "content/posts/2024-01-01-hide.ipynb",
              nbf.notebook([v4.new_markdown_cell("Before."), cell, removed, v4.new_markdown_cell("After.")]))
    run_build(tmp_path)
    content = page(tmp_path, "hide").css_first(".content")
    code, output, fold = shown
    assert ("secret" in content.text()) is code
    assert ("shown" in content.text()) is output
    assert "#hide" not in content.text() and "#collapse" not in content.text() and "#|" not in content.text()
    assert "A removed note" not in content.text() and "After." in content.text()
    details = content.css_first("details.code-fold")
    if fold is None:
        assert details is None
    else:
        assert "secret" in details.text() and ("open" in details.attributes) is (fold == "open")
    assert content.text().strip().startswith("Download notebook")


def test_markdown_cells_get_math_tables_and_diagrams(tmp_path):
    nb = nbf.notebook([
        v4.new_markdown_cell("The loss $L(w) = \\frac{1}{n}\\sum_i (y_i - w x_i)^2$ falls.\n\n"
                             "$$\n\\nabla L = 0\n$$\n\n| lr | loss |\n|---|---|\n| 0.1 | 0.3 |"),
        v4.new_markdown_cell("```mermaid\ngraph LR; data --> model\n```"),
        v4.new_markdown_cell("An unclosed fence:\n\n```python\nx = 1"),
        nbf.code("y = {{ 2 }}", [nbf.stream("{{ not liquid }}\n")]),
    ])
    nbf.write(tmp_path / "content/posts/2024-01-01-prose.ipynb", nb)
    run_build(tmp_path)
    tree = page(tmp_path, "prose")
    maths = [m.text() for m in tree.css(".content .math")]
    assert maths[0] == "\\(L(w) = \\frac{1}{n}\\sum_i (y_i - w x_i)^2\\)"
    assert len(maths) == 2 and "\\nabla L = 0" in maths[1] and maths[1].startswith("\\[")
    assert tree.css_first(".content table td").text() == "0.1"
    assert tree.css_first("pre.mermaid") is not None
    cell = tree.css_first(".nb-cell")
    assert cell is not None, "an unclosed fence in a Markdown cell does not swallow the next cell"
    assert "y = {{ 2 }}" in cell.text() and "{{ not liquid }}" in cell.text()
    assert tree.css_first("script#MathJax-script") is not None


def test_malformed_json_names_line_and_column_and_keeps_the_site(site):
    run_build(site)
    before = snapshot(site / "_site")
    (site / "content/posts/broken.ipynb").write_text('{\n "cells": [\n  {"cell_type": "code",, }\n ]\n}\n')
    with pytest.raises(BuildError) as caught:
        run_build(site)
    message = str(caught.value)
    assert "content/posts/broken.ipynb:3: not valid notebook JSON" in message and "column 24" in message
    assert snapshot(site / "_site") == before


def test_schema_problems_are_warnings_naming_the_cell(tmp_path):
    nb = nbf.notebook([v4.new_markdown_cell("Text."), nbf.code("print(1)", [nbf.stream("1\n")])])
    data = json.loads(json.dumps(nb))
    data["cells"][1]["outputs"][0]["name"] = "stdlog"  # not stdout or stderr
    data["cells"][1]["execution_count"] = "one"
    (tmp_path / "content/posts").mkdir(parents=True)
    (tmp_path / "content/posts/2024-01-01-odd.ipynb").write_text(json.dumps(data))
    report = run_build(tmp_path)
    problems = [str(w) for w in report.warnings if "notebook format problem" in w.message]
    assert problems and all(p.startswith("content/posts/2024-01-01-odd.ipynb: cell 2: ") for p in problems)
    assert "1\n" in [p.text() for p in page(tmp_path, "odd").css(".cell-output")]


def test_an_output_over_5_mb_is_left_out_with_a_warning(tmp_path):
    big = "x" * (5 * 1024 * 1024 + 10)
    nb = nbf.notebook([nbf.code("big", [nbf.display({"text/html": big, "text/plain": "big"}, result=True)]),
                       nbf.code("small", [nbf.stream("fine\n")])])
    nbf.write(tmp_path / "content/posts/2024-01-01-big.ipynb", nb)
    report = run_build(tmp_path)
    assert any("cell 1: a text/html output of 5.0 MB is larger than 5.0 MB; left out of the page" in str(w)
               for w in report.warnings)
    tree = page(tmp_path, "big")
    assert "left out of the page" in tree.css_first(".cell-omitted").text()
    assert (tmp_path / "_site/posts/big/index.html").stat().st_size < 100_000


def test_unchanged_notebooks_are_not_read_again(site, monkeypatch):
    run_build(site)
    from generator.readers import notebook

    def fail(*args, **kwargs):
        raise AssertionError("an unchanged notebook was read again")

    monkeypatch.setattr(notebook, "parse_notebook", fail)
    report = run_build(site)
    assert report.rendered == 0


def test_the_same_notebook_builds_the_same_bytes(site, tmp_path_factory):
    run_build(site)
    first = snapshot(site / "_site")
    other = tmp_path_factory.mktemp("again")
    source = "content/posts/2024-06-01-every-output.ipynb"
    write_files(other, {source: (site / source).read_bytes()})
    run_build(other)
    assert snapshot(other / "_site") == first


def test_attachments_become_files(tmp_path):
    cell = v4.new_markdown_cell("Look: ![a dot](attachment:dot.png)")
    cell["attachments"] = {"dot.png": {"image/png": nbf.b64(nbf.png(3, 3))}}
    nbf.write(tmp_path / "content/posts/2024-01-01-att.ipynb", nbf.notebook([cell]))
    run_build(tmp_path)
    img = page(tmp_path, "att").css_first(".content img")
    assert img.attributes["src"] == "cell1-dot.png"
    assert (tmp_path / "_site/posts/att/cell1-dot.png").read_bytes() == nbf.png(3, 3)


# -- units --------------------------------------------------------------------------

def test_ansi_colours_become_spans():
    assert ansi_to_html("plain <b>") == "plain &lt;b&gt;"
    assert ansi_to_html("\x1b[1;31mError\x1b[0m: x") == '<span class="ansi-red-fg ansi-bold">Error</span>: x'
    assert ansi_to_html("\x1b[38;5;241m1\x1b[39m") == '<span style="color:#626262">1</span>'
    assert ansi_to_html("\x1b[38;2;10;20;30mrgb\x1b[0m") == '<span style="color:#0a141e">rgb</span>'
    assert ansi_to_html("\x1b]0;title\x07\x1b[2Kdone") == "done"


def test_mime_choice_prefers_rich_types():
    assert choose({"text/plain": "x", "text/html": "<b>"}) == "text/html"
    assert choose({"text/plain": "x", "application/vnd.vegalite.v4+json": {}}) == "application/vnd.vegalite.v4+json"
    assert choose({"image/png": "", "text/latex": "$x$", "text/plain": ""}) == "text/latex"
    assert choose({"application/x-unknown": 1}) is None


def test_image_sizes_from_headers():
    assert image_size(nbf.png(7, 5), "image/png") == (7, 5)
    assert image_size(nbf.jpeg(), "image/jpeg") == (2, 3)
    assert image_size(nbf.SVG.encode(), "image/svg+xml") == (160, 80)
    assert image_size(b'<svg viewBox="0 0 30 10"></svg>', "image/svg+xml") == (30, 10)
    assert image_size(b"junk", "image/png") == (None, None)


def test_stored_image_keys_are_content_hashes(site):
    run_build(site)
    manifest = json.loads((site / ".cache/build/manifest.json").read_text())
    doc = manifest["docs"]["content/posts/2024-06-01-every-output.ipynb"]
    shas = {i["file"]: i["sha"] for i in doc["payload"]["images"]}
    assert shas["cell8-1.png"] == hashlib.sha256(nbf.png(40, 20)).hexdigest()
    assert "base64" not in json.dumps(doc["payload"]) and len(json.dumps(doc)) < 20_000


def test_a_damaged_notebook_is_shown_as_far_as_it_can_be(tmp_path):
    """Shapes nbformat's schema forbids, each in its own cell: warnings, never a crash."""
    data = {"nbformat": 4, "nbformat_minor": 4, "metadata": None, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Damaged\n", "\n", "Still readable."]},
        {"cell_type": "code", "metadata": {"tags": "remove-input"}, "outputs": "none", "source": None},
        {"cell_type": "code", "metadata": None, "source": "x = 1", "outputs": [
            {"output_type": "display_data", "data": None},
            {"output_type": "display_data", "data": {"image/png": "not base64!!", "text/plain": "img"}},
            {"output_type": "stream", "name": "stdout", "text": ["a", "\r", "b\n"]},
            {"output_type": "mystery"}, "not an output"]},
        "not a cell",
        {"cell_type": "heading", "source": "old"},
        {"cell_type": "raw", "metadata": {"format": "text/latex"}, "source": "\\LaTeX"},
    ]}
    (tmp_path / "content/posts").mkdir(parents=True)
    (tmp_path / "content/posts/2024-01-01-damaged.ipynb").write_text(json.dumps(data))
    report = run_build(tmp_path)
    tree = page(tmp_path, "damaged")
    assert tree.css_first("h1").text() == "Damaged"
    assert "Still readable." in tree.css_first(".content").text()
    assert [o.text() for o in tree.css(".cell-output")] == ["b\n"]
    warnings = [str(w) for w in report.warnings if "damaged" in (w.path or "")]
    assert any("cell 3: a image/png output is not valid base64" in w for w in warnings), warnings
    assert any("cell 3: output of unknown type 'mystery'" in w for w in warnings), warnings
    assert any("cell 5: unknown cell type 'heading'" in w for w in warnings), warnings
    assert any("cell 6: raw cell (text/latex) left out" in w for w in warnings), warnings
    assert any("notebook format problem" in w for w in warnings), warnings


def test_an_nbformat_3_notebook_is_converted(tmp_path):
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"}, "worksheets": [{"metadata": {}, "cells": [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["An old notebook"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["Old prose with $x$."]},
        {"cell_type": "code", "collapsed": False, "input": ["print(1)"], "language": "python", "metadata": {},
         "outputs": [{"output_type": "stream", "stream": "stdout", "text": ["1\n"]}], "prompt_number": 1}]}]}
    write_files(tmp_path, {"content/posts/2015-01-01-old.ipynb": json.dumps(old)})
    run_build(tmp_path)
    tree = page(tmp_path, "old")
    assert tree.css_first("h1").text() == "An old notebook"
    assert tree.css_first(".cell-output").text() == "1\n"
    assert tree.css_first(".content .math").text() == "\\(x\\)"


def test_the_notebooks_setting_is_checked(tmp_path):
    write_files(tmp_path, {"config.yml": "title: x\nnotebooks:\n  excute: true\n"})
    with pytest.raises(BuildError) as caught:
        run_build(tmp_path)
    assert str(caught.value).startswith("config.yml:2: unknown notebooks setting 'excute'")
