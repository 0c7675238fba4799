"""Executable cells through the whole build: real worker processes, real figures, real cache."""

from __future__ import annotations

import re

import pytest

from generator import BuildError, BuildOptions, build
from generator.kernel import worker_starts
from tests.helpers import html, run_cli, snapshot, write_files

POST = """---
title: Fitting a line
date: 2024-02-01
exec: {seed: 3}
---
We fit a line to noisy data.

```{python}
#| label: data
#| fig-cap: "Noisy points"
#| fig-alt: "Twenty points along a rising line"
import numpy as np
import matplotlib.pyplot as plt
x = np.linspace(0, 1, 20)
y = 2 * x + 1 + 0.1 * np.random.randn(20)
fig, ax = plt.subplots()
ax.plot(x, y, "o")
print("points:", len(x))
```

The fitted slope is `{python} f"{np.polyfit(x, y, 1)[0]:.3f}"`.

```{python}
values = np.loadtxt("values.csv")
print(values.sum())
```

Plain code is never run:

```python
raise SystemExit("never")
```
"""


@pytest.fixture
def exec_site(tmp_path):
    write_files(tmp_path, {
        "content/posts/fit/index.md": POST,
        "content/posts/fit/values.csv": "1\n2\n3\n",
        "content/posts/plain.md": "---\ntitle: Plain\ndate: 2024-01-01\n---\nNo cells.\n",
    })
    return tmp_path


def run_build(root, **options):
    return build(BuildOptions(source=root, jobs=options.pop("jobs", 1), **options))


def test_cells_run_and_their_figures_sit_beside_the_page(exec_site):
    run_build(exec_site)
    page = exec_site / "_site" / "posts" / "fit"
    tree = html(page / "index.html")
    figure = tree.css_first(".cell-figure")
    attributes = figure.css_first("img").attributes
    assert (attributes["src"], attributes["alt"]) == ("data-1.svg", "Twenty points along a rising line")
    assert attributes["width"].isdigit() and attributes["loading"] == "eager"  # the page's first image
    assert figure.css_first("figcaption").text() == "Noisy points"
    assert (page / "data-1.svg").read_bytes().startswith(b"<?xml")
    outputs = [o.text() for o in tree.css(".cell-output")]
    assert outputs == ["points: 20\n", "6.0\n"]
    slope = re.search(r"The fitted slope is (\d\.\d{3})\.", tree.css_first(".content").text())
    assert slope and abs(float(slope.group(1)) - 2) < 0.2
    assert "raise SystemExit" in tree.css("pre code")[-1].text()
    assert "seed 3" in tree.css_first(".exec-repro").text()


def test_rebuilds_start_workers_only_when_code_or_data_change(exec_site):
    run_build(exec_site)
    before = snapshot(exec_site / "_site")

    starts = worker_starts()
    report = run_build(exec_site)
    assert worker_starts() == starts, "an unchanged rebuild starts no worker"
    assert report.rendered == 0
    assert snapshot(exec_site / "_site") == before

    post = exec_site / "content" / "posts" / "fit" / "index.md"
    post.write_text(post.read_text().replace("We fit a line", "Here we fit a line"))
    report = run_build(exec_site, explain=True)
    assert worker_starts() == starts, "a prose edit re-runs no cell"
    assert "Here we fit a line" in (exec_site / "_site" / "posts" / "fit" / "index.html").read_text()

    (exec_site / "content" / "posts" / "fit" / "values.csv").write_text("1\n2\n3\n4\n")
    report = run_build(exec_site, explain=True)
    assert worker_starts() == starts + 1
    reasons = [line for line in report.explain if "cell 2" in line]
    assert reasons and "ran" in reasons[0] and "values.csv" in reasons[0]
    assert [o.text() for o in html(exec_site / "_site" / "posts" / "fit" / "index.html").css(".cell-output")][1] == "10.0\n"


def test_figures_are_byte_identical_when_everything_re_runs(exec_site):
    run_build(exec_site)
    first = snapshot(exec_site / "_site")
    run_build(exec_site, refresh=True)
    assert snapshot(exec_site / "_site") == first


def test_failing_cell_stops_the_build_with_its_line_and_keeps_the_old_site(exec_site):
    run_build(exec_site)
    before = snapshot(exec_site / "_site")
    write_files(exec_site, {"content/posts/broken.md": (
        "---\ntitle: Broken\ndate: 2024-03-01\n---\nText.\n\n```{python}\nx = 1\nraise ValueError('bad value')\n```\n")})
    with pytest.raises(BuildError) as caught:
        run_build(exec_site)
    message = str(caught.value)
    assert "content/posts/broken.md:9: cell 1 raised ValueError: bad value" in message
    assert snapshot(exec_site / "_site") == before


def test_no_exec_uses_the_cache_and_marks_what_is_missing(exec_site):
    run_build(exec_site)
    post = exec_site / "content" / "posts" / "fit" / "index.md"
    post.write_text(post.read_text().replace("print(values.sum())", "print(values.mean())"))
    starts = worker_starts()
    run_build(exec_site, no_exec=True)
    assert worker_starts() == starts
    tree = html(exec_site / "_site" / "posts" / "fit" / "index.html")
    assert tree.css_first(".cell-figure img").attributes["src"] == "data-1.svg"
    assert tree.css_first(".cell-missing") is not None


def test_cli_explain_and_progress(exec_site):
    result = run_cli("--source", str(exec_site), "--explain")
    assert result.returncode == 0, result.stderr
    assert "content/posts/fit/index.md:12: cell 1 ran: no cache entry" in result.stdout
    assert "content/posts/fit/index.md: 2/2 cells (2 ran, 0 cached)" in result.stderr
    again = run_cli("--source", str(exec_site), "--explain")
    assert "cell 1 cached" in again.stdout and "2 ran" not in again.stderr


def test_a_returned_figure_keeps_its_place_in_creation_order(tmp_path):
    write_files(tmp_path, {"content/posts/two.md": (
        "---\ntitle: Two\ndate: 2024-01-01\n---\n```{python}\n"
        '#| fig-cap: ["first", "second"]\n'
        "import matplotlib.pyplot as plt\n"
        "one = plt.figure(); one.suptitle('FIRST-FIGURE')\n"
        "two = plt.figure(); two.suptitle('SECOND-FIGURE')\n"
        "two\n```\n")})
    run_build(tmp_path)
    page = tmp_path / "_site" / "posts" / "two"
    figures = html(page / "index.html").css(".cell-figure")
    assert [f.css_first("figcaption").text() for f in figures] == ["first", "second"]
    titles = [(page / f.css_first("img").attributes["src"]).read_text() for f in figures]
    assert "FIRST-FIGURE" in titles[0] and "SECOND-FIGURE" in titles[1]


def test_quarto_options_change_what_a_cell_makes(tmp_path):
    """``warning: false`` drops the cell's warnings; ``fig-width``/``fig-height`` size its figures."""
    write_files(tmp_path, {"content/posts/q.md": (
        "---\ntitle: Q\ndate: 2024-01-01\n---\n"
        "```{python}\n#| warning: false\nimport warnings\nwarnings.warn('quiet, please')\nprint('done')\n```\n\n"
        "```{python}\nwarnings.warn('loud')\n```\n\n"
        "```{python}\n#| fig-width: 3\n#| fig-height: 2\nimport matplotlib.pyplot as plt\n"
        "fig = plt.figure()\nprint([float(v) for v in fig.get_size_inches()])\n```\n")})
    build(BuildOptions(source=tmp_path, jobs=1))
    outputs = [o.text() for o in html(tmp_path / "_site/posts/q/index.html").css(".cell-output")]
    assert outputs[0] == "done\n"
    assert "loud" in outputs[1] and not any("quiet" in o for o in outputs)
    assert outputs[2] == "[3.0, 2.0]\n"
