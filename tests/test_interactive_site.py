"""Interactive figures through the whole build: the fixture posts in tests/sites/interactive.

The pages are parsed as published: the default frame as an ordinary figure,
the frames as data for the script, the frame images beside the page, the
caption placeholders and inline values marked for the script, the script and
its stylesheet on these pages only.
"""

from __future__ import annotations

import json
import shutil
import xml.dom.minidom
from pathlib import Path

import pytest

from generator import BuildError, BuildOptions, build
from generator.kernel import worker_starts
from tests.helpers import PROJECT, html, snapshot, write_files

SITE = PROJECT / "tests" / "sites" / "interactive"
BROKEN = PROJECT / "tests" / "sites" / "interactive_broken"


@pytest.fixture(scope="module")
def interactive(tmp_path_factory):
    """(source folder, build report) of the fixture site, built once with execution."""
    root = tmp_path_factory.mktemp("interactive") / "site"
    shutil.copytree(SITE, root)
    return root, build(BuildOptions(source=root, jobs=2))


def page(root: Path, slug: str, out: str = "_site") -> Path:
    return root / out / "posts" / slug / "index.html"


def frames_of(node) -> dict:
    return json.loads(node.attributes["data-interactive"])


def test_the_default_frame_is_an_ordinary_figure(interactive):
    root, report = interactive
    assert report.warnings == []
    tree = html(page(root, "one-parameter"))
    figure = tree.css_first("div.cell-interactive figure#fig-slope")
    img = figure.css_first("img")
    assert (img.attributes["src"], img.attributes["alt"]) == ("fig-slope-1.svg", "A straight line of slope 0.5")
    assert int(img.attributes["width"]) > 0 and int(img.attributes["height"]) > 0   # no layout shift
    assert figure.css_first("figcaption").text() == "Figure\u00a01: The line y = 0.5 x"
    assert [(s.attributes["data-param"], s.text()) for s in figure.css("span.interactive-param")] == [("slope", "0.5")]
    assert tree.css_first(".interactive-outputs pre.cell-output").text() == "slope 0.5: y(0.5) = 0.25\n"
    assert (page(root, "one-parameter").parent / "fig-slope-1.svg").read_bytes().startswith(b"<?xml")


def test_every_frame_is_data_for_the_script_and_a_file_beside_the_page(interactive):
    root, _ = interactive
    tree = html(page(root, "one-parameter"))
    data = frames_of(tree.css_first("div.cell-interactive"))
    assert data["params"] == [{"name": "slope", "labels": ["0.5", "1.0", "2.0", "4.0"], "range": False,
                               "numeric": True}]
    assert data["default"] == 0 and len(data["frames"]) == 4
    assert data["alt"] == ["A straight line of slope {slope}"]
    folder = page(root, "one-parameter").parent
    images = [frame["img"][0] for frame in data["frames"]]
    assert images[0] == "fig-slope-1.svg" and len(set(images)) == 4
    assert all((folder / name).is_file() for name in images)
    assert "slope 4.0: y(0.5) = 2.0" in data["out"][data["frames"][3]["out"]]
    # the inline value that depends on the frame follows it; the one that does not stays plain text
    assert [frame["v"] for frame in data["frames"]] == [{"0": "0.25"}, {"0": "0.5"}, {"0": "1.0"}, {"0": "2.0"}]
    spans = tree.css("span.interactive-value")
    assert [(s.attributes["data-interactive-for"], s.attributes["data-inline"], s.text()) for s in spans] == \
        [("1", "0", "0.25")]
    assert "the number of slopes is 4." in " ".join(tree.css_first(".content").text().split())


def test_two_parameters_a_range_and_a_list(interactive):
    root, _ = interactive
    tree = html(page(root, "two-parameters"))
    data = frames_of(tree.css_first("div.cell-interactive"))
    assert [(p["name"], p["labels"], p["range"]) for p in data["params"]] == [
        ("lr", ["0.1", "0.3", "0.9"], False), ("steps", ["0", "2", "4", "6"], True)]
    assert data["default"] == 4 and len(data["frames"]) == 12   # lr = 0.3 (the default), steps = 0
    caption = tree.css_first("figure#fig-path figcaption")
    assert caption.text() == "Figure\u00a01: Loss after 0 steps with learning rate 0.3"
    assert [s.attributes["data-param"] for s in caption.css("span.interactive-param")] == ["steps", "lr"]
    # lr = 0.9, steps = 6: the run cut from the one of 6 epochs
    last = data["frames"][11]
    assert last["v"]["1"] == "6" and float(last["v"]["0"]) > 0
    assert {s.attributes["data-inline"] for s in tree.css("span.interactive-value")} == {"0", "1"}
    text = " ".join(tree.css_first(".content").text().split())
    # below the next cell the post goes on from the default frame
    assert "The cell above saw the default frame: 0 steps." in text
    assert tree.css(".cell")[2].css_first("pre.cell-output").text() == "0.3 0 0\n"


def test_text_values_get_a_select(interactive):
    root, _ = interactive
    data = frames_of(html(page(root, "choices")).css_first("div.cell-interactive"))
    assert data["params"] == [{"name": "marker", "labels": ["circle", "square", "triangle"], "range": False,
                               "numeric": False}]


def test_the_script_loads_only_on_pages_with_interactive_figures(interactive):
    root, _ = interactive
    for slug in ("one-parameter", "two-parameters", "choices"):
        tree = html(page(root, slug))
        assert tree.css_first('script[src="/assets/theme/interactive.js"]') is not None
        assert tree.css_first('link[href="/assets/theme/interactive.css"]') is not None
    plain = html(page(root, "plain"))
    assert plain.css_first('script[src*="interactive"]') is None and plain.css_first('link[href*="interactive"]') is None
    assert (root / "_site" / "assets" / "theme" / "interactive.js").is_file()


def test_the_feed_shows_the_default_frame(interactive):
    root, _ = interactive
    feed = xml.dom.minidom.parse(str(root / "_site" / "feed.xml"))
    bodies = {e.getElementsByTagName("title")[0].firstChild.data: e.getElementsByTagName("content")[0].firstChild.data
              for e in feed.getElementsByTagName("entry")}
    body = bodies["One parameter"]
    assert 'src="https://example.org/posts/one-parameter/fig-slope-1.svg"' in body
    assert "interactive.js" not in body and "<script" not in body
    assert "data-interactive=" not in body   # the frames, by relative names, are for the page's script only


def test_rebuilds_are_byte_identical_and_start_no_worker(interactive):
    root, _ = interactive
    before = snapshot(root / "_site")
    starts = worker_starts()
    build(BuildOptions(source=root, jobs=2))
    assert worker_starts() == starts
    assert snapshot(root / "_site") == before
    build(BuildOptions(source=root, jobs=2, refresh=True))   # every cell and frame runs again
    assert snapshot(root / "_site") == before


def test_under_a_base_url(interactive):
    root, _ = interactive
    starts = worker_starts()
    out = build(BuildOptions(source=root, jobs=2, base_url="/blog/", out=root / "_site_blog")).out_dir
    assert worker_starts() == starts
    tree = html(out / "posts" / "one-parameter" / "index.html")
    assert tree.css_first('script[src="/blog/assets/theme/interactive.js"]') is not None
    assert tree.css_first("figure#fig-slope img").attributes["src"] == "fig-slope-1.svg"   # beside the page


def test_a_cell_that_fails_for_one_value_stops_the_build(tmp_path):
    root = tmp_path / "site"
    shutil.copytree(BROKEN, root)
    with pytest.raises(BuildError) as caught:
        build(BuildOptions(source=root, jobs=1))
    message = str(caught.value)
    assert "content/posts/fails.md:12: cell 1 raised ValueError: rate 2.5 is too large for rate=2.5" in message
    assert not (root / "_site").exists()


def test_a_placeholder_in_math_is_a_warning(tmp_path):
    write_files(tmp_path, {"content/posts/m.md": (
        "---\ntitle: M\ndate: 2024-01-01\n---\n\n```{python}\n"
        '#| fig-cap: "Rate $\\\\eta = {lr}$ and {lr}"\n'
        "#| interactive:\n#|   lr: [0.1, 0.2]\n"
        "import matplotlib.pyplot as plt\nplt.figure(figsize=(1, 1))\n```\n")})
    report = build(BuildOptions(source=tmp_path, jobs=1))
    [warning] = [w for w in report.warnings if "placeholder" in w.message]
    assert (warning.path, warning.line) == ("content/posts/m.md", 7)
    assert "inside math" in warning.message
    caption = html(tmp_path / "_site/posts/m/index.html").css_first("figcaption")
    assert caption.css_first(".math").text() == "\\(\\eta = 0.1\\)"
    assert caption.css_first("span.interactive-param").text() == "0.1"


def test_frames_of_a_page_named_by_its_permalink_carry_its_name(interactive):
    """notes/swept.html shares its folder with any other notes/*.html: its figure and every
    frame are named swept-..., and each file the frames name is beside the page."""
    root, _ = interactive
    notes = root / "_site" / "notes"
    node = html(notes / "swept.html").css_first("div.cell-interactive")
    data = frames_of(node)
    names = [name for frame in data["frames"] for name in frame["img"]]
    assert len(set(names)) == 3
    assert all(name.startswith("swept-fig-power-1") for name in names), names
    assert all((notes / name).is_file() for name in names)
    assert node.css_first("figure img").attributes["src"] == data["frames"][data["default"]]["img"][0]
    assert not list(notes.glob("fig-power*"))
