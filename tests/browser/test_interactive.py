"""Interactive figures in headless Chromium, at / and under /blog/ (tests/sites/interactive).

Moving a slider with the keyboard must show the right frame: the visible
image, the caption's values and the inline values of the prose, with no
console error and no failed request; a select and the play button too, and the
controls follow the dark theme.
"""

from __future__ import annotations

import json
import shutil

import pytest

from generator import BuildOptions, build
from tests.browser.harness import close_context, new_context, page_problems, serve, visit
from tests.helpers import PROJECT

pytestmark = pytest.mark.browser

BASES = ("/", "/blog/")


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Output folder per base path; the second build takes every cell from the cache."""
    root = tmp_path_factory.mktemp("interactive-browser") / "site"
    shutil.copytree(PROJECT / "tests" / "sites" / "interactive", root)
    return {base: build(BuildOptions(source=root, jobs=2, base_url=base, out=root / f"_site{len(base)}")).out_dir
            for base in BASES}


_STATE = """root => {
  const cell = root.getAttribute("data-interactive-cell");
  return {
    src: root.querySelector("figure img").getAttribute("src"),
    complete: root.querySelector("figure img").complete && root.querySelector("figure img").naturalWidth > 0,
    alt: root.querySelector("figure img").getAttribute("alt"),
    caption: root.querySelector("figcaption").textContent,
    printed: root.querySelector(".interactive-outputs").textContent,
    inline: Array.from(document.querySelectorAll(`.interactive-value[data-interactive-for="${cell}"]`),
                       span => span.textContent),
    shown: Array.from(root.querySelectorAll(".interactive-control output"), out => out.textContent),
  };
}"""


def state(page):
    root = page.query_selector(".cell-interactive")
    page.wait_for_function("root => { const img = root.querySelector('figure img');"
                           " return img.complete && img.naturalWidth > 0; }", arg=root)
    return root.evaluate(_STATE)


def frames(page) -> dict:
    return json.loads(page.get_attribute(".cell-interactive", "data-interactive"))


@pytest.mark.parametrize("base", BASES)
def test_the_keyboard_moves_a_slider_to_the_right_frame(sites, browser, base):
    out = sites[base]
    context = new_context(browser)
    try:
        with serve(out, base) as root, visit(context, root + "posts/two-parameters/") as v:
            page = v.page
            data = frames(page)
            before = state(page)
            default = data["frames"][data["default"]]
            assert before["src"] == default["img"][0] == "fig-path-1.svg"
            assert before["caption"] == "Figure\u00a01: Loss after 0 steps with learning rate 0.3"
            assert before["shown"] == ["0.3", "0"]
            assert before["inline"] == [default["v"]["0"], default["v"]["1"]]
            # lr: ArrowRight from 0.3 to 0.9; frame = lr index 2 x 4 steps + steps index 0
            page.focus("#interactive-2-lr")
            page.keyboard.press("ArrowRight")
            after = state(page)
            frame = data["frames"][8]
            assert after["src"] == frame["img"][0] != before["src"]
            assert after["caption"] == "Figure\u00a01: Loss after 0 steps with learning rate 0.9"
            assert after["inline"] == [frame["v"]["0"], frame["v"]["1"]] == [frame["v"]["0"], "0"]
            assert after["shown"] == ["0.9", "0"]
            assert after["complete"]
            # steps: End jumps to the last value (6): frame 11
            page.focus("#interactive-2-steps")
            page.keyboard.press("End")
            last = state(page)
            frame = data["frames"][11]
            assert last["src"] == frame["img"][0]
            assert last["caption"] == "Figure\u00a01: Loss after 6 steps with learning rate 0.9"
            assert last["inline"] == [frame["v"]["0"], "6"]
            assert page.get_attribute("#interactive-2-steps", "aria-valuetext") == "steps = 6"
            problems = page_problems(v, (out / "posts" / "two-parameters" / "index.html").read_text())
            assert problems == [], problems
    finally:
        close_context(context)


def test_printed_output_alt_text_and_play(sites, browser):
    out = sites["/"]
    context = new_context(browser)
    try:
        with serve(out) as root, visit(context, root + "posts/one-parameter/") as v:
            page = v.page
            page.focus("#interactive-1-slope")
            page.keyboard.press("ArrowRight")
            now = state(page)
            assert now["alt"] == "A straight line of slope 1.0"
            assert now["printed"].strip() == "slope 1.0: y(0.5) = 0.5"
            assert now["inline"] == ["0.5"]
            assert v.console_errors == [] and v.failed_requests == []
        with serve(out) as root, visit(context, root + "posts/two-parameters/") as v:
            page = v.page
            page.click(".interactive-play")
            assert page.get_attribute(".interactive-play", "aria-pressed") == "true"
            page.wait_for_function("() => document.querySelector('.interactive-play')"
                                   ".getAttribute('aria-pressed') === 'false'", timeout=10_000)
            assert state(page)["shown"] == ["0.3", "6"]   # played through to the last step
            assert v.console_errors == [] and v.failed_requests == []
    finally:
        close_context(context)


def test_a_select_for_text_values_in_the_dark(sites, browser):
    out = sites["/"]
    context = new_context(browser, color_scheme="dark")
    try:
        with serve(out) as root, visit(context, root + "posts/choices/") as v:
            page = v.page
            data = frames(page)
            # the figure has a dark variant: the visible image is the dark twin, which shows
            # each frame's own dark variant
            seen = "Array.from(document.querySelectorAll('.cell-interactive figure img'))" \
                   ".filter(img => getComputedStyle(img).display !== 'none').map(img => img.getAttribute('src'))"
            dark_default = page.evaluate(seen)
            assert len(dark_default) == 1 and dark_default[0].endswith("-dark.svg")
            page.select_option("#interactive-1-marker", "2")
            assert state(page)["src"] == data["frames"][2]["img"][0]
            assert data["frames"][2]["dark"][0] != data["frames"][2]["img"][0]
            assert page.evaluate(seen) == [data["frames"][2]["dark"][0]]
            assert state(page)["caption"] == "Markers: triangle"
            page.select_option("#interactive-1-marker", str(data["default"]))
            assert page.evaluate(seen) == dark_default == [data["frames"][data["default"]]["dark"][0]]
            background = page.evaluate("getComputedStyle(document.querySelector('.interactive-controls'))"
                                       ".backgroundColor")
            assert background == "rgb(30, 33, 38)"   # the dark theme's --code-bg
            assert v.console_errors == [] and v.failed_requests == []
    finally:
        close_context(context)
