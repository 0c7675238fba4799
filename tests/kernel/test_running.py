"""Cells run in one fresh worker per post, share state, and show what they print and draw."""

from __future__ import annotations

import re

import numpy as np
import pytest

from exec_testutils import fence
from generator.kernel import Limits

POST = "content/posts/a/index.md"

# Every worker here is forked by a zygote (see conftest); test_zygote.py runs
# crashes through plain workers too.
pytestmark = pytest.mark.usefixtures("zygote_for_every_build")


def outputs(result, index):
    return [(o.kind, o.name, o.text) for o in result.cells[index].outputs if o.kind != "image"]


def test_cells_share_one_namespace_in_order(site):
    site.write(POST, "# Shared\n\n" + fence("total = 1\nprint('first', total)") + "\nProse.\n\n"
               + fence("total += 41\nprint('second', total)\ntotal"))
    result = site.execute(POST)[POST]
    assert [c.status for c in result.cells] == ["ran", "ran"]
    assert outputs(result, 0) == [("stream", "stdout", "first 1\n")]
    assert outputs(result, 1) == [("stream", "stdout", "second 42\n"), ("text", "", "42")]
    assert result.started_worker


def test_trailing_values_are_displayed_like_a_notebook(site):
    site.write(POST, fence("""
        class Html:
            def _repr_html_(self):
                return "<b>bold</b>"
        print("before")
        display(Html(), [1, 2])
        import sys
        print("to stderr", file=sys.stderr)
        None
        """) + "\n" + fence("'hidden';") + "\n" + fence("{'a': 1}"))
    result = site.execute(POST)[POST]
    assert outputs(result, 0) == [("stream", "stdout", "before\n"), ("html", "", "<b>bold</b>"),
                                  ("text", "", "[1, 2]"), ("stream", "stderr", "to stderr\n")]
    assert outputs(result, 1) == []           # a trailing ';' hides the value
    assert outputs(result, 2) == [("text", "", "{'a': 1}")]


def test_output_written_to_file_descriptors_is_captured(site):
    site.write(POST, fence("""
        import os, subprocess, sys
        print("python-level")
        os.write(1, b"fd one\\n")
        os.write(2, b"fd two\\n")
        subprocess.run([sys.executable, "-c", "print('child process')"], check=True)
        "value"
        """) + "\n" + fence("print('next cell still works')"))
    result = site.execute(POST)[POST]
    assert outputs(result, 0) == [("stream", "stdout", "python-level\n"),
                                  ("stream", "stdout", "fd one\nchild process\n"),
                                  ("stream", "stderr", "fd two\n"), ("text", "", "'value'")]
    assert outputs(result, 1) == [("stream", "stdout", "next cell still works\n")]


def test_worker_environment_is_deterministic_and_single_threaded(site):
    site.write("content/posts/a/helper.py", "ANSWER = 42\n")
    site.write(POST, fence("""
        import os, sys, random
        import numpy as np
        import helper
        print(os.getcwd() == os.path.dirname(os.path.abspath(helper.__file__)))
        print(os.environ["OMP_NUM_THREADS"], os.environ["OPENBLAS_NUM_THREADS"],
              os.environ["MKL_NUM_THREADS"], os.environ["MPLBACKEND"], os.environ["PYTHONHASHSEED"])
        print(np.random.rand(), random.random())
        """))
    result = site.execute(POST)[POST]
    lines = result.cells[0].outputs[0].text.splitlines()
    assert lines[0] == "True"
    assert lines[1] == "1 1 1 Agg 0"
    np.random.seed(0)
    import random
    random.seed(0)
    assert lines[2] == f"{np.random.rand()} {random.random()}"
    assert not (site.root / "content/posts/a/__pycache__").exists()


def test_seed_comes_from_post_settings(site):
    site.write(POST, fence("import numpy as np\nnp.random.randint(1000000)"))
    seeded = site.execute(site.request(POST, exec_settings={"seed": 7}))[POST]
    np.random.seed(7)
    assert outputs(seeded, 0) == [("text", "", str(np.random.randint(1000000)))]
    assert seeded.repro["seed"] == 7


def test_figures_are_saved_in_order_with_captions_and_identical_bytes(site):
    site.write(POST, fence("""
        import matplotlib.pyplot as plt
        first = plt.figure()
        plt.plot([1, 2, 3], [3, 1, 2])
        second, ax = plt.subplots()
        ax.bar(["a", "b"], [1, 2])
        shown = plt.figure()
        plt.plot([0, 1])
        display(shown)
        print("after display")
        shown
        """, "label: fig-demo", "fig-cap: [One, Two, Three]", "fig-alt: First figure")
        + "\n" + fence("import matplotlib.pyplot as plt\nplt.scatter([1], [1]);", "fig-format: png"))
    result = site.execute(POST)[POST]
    assert result.files_read == {}   # matplotlib's own files (fonts, rc, cache) are not data
    cell = result.cells[0]
    kinds = [(o.kind, o.filename) for o in cell.outputs]
    # display(shown) comes first, in order with prints; then the open figures by creation.
    assert kinds == [("image", "fig-demo-1.svg"), ("stream", ""), ("image", "fig-demo-2.svg"),
                     ("image", "fig-demo-3.svg")]
    images = [o for o in cell.outputs if o.kind == "image"]
    assert all(o.mime == "image/svg+xml" and o.file.is_file() for o in images)
    assert len({o.file for o in images}) == 3
    svg = images[0].file.read_bytes()
    assert b"<svg" in svg and b"<dc:date>" not in svg
    png = result.cells[1].outputs[0]
    assert (png.filename, png.mime) == ("cell2-1.png", "image/png")
    assert png.file.read_bytes().startswith(b"\x89PNG")
    before = {o.filename: o.file.read_bytes() for c in result.cells for o in c.outputs if o.file}
    again = site.execute(POST, refresh=True)[POST]
    assert [c.status for c in again.cells] == ["ran", "ran"]
    after = {o.filename: o.file.read_bytes() for c in again.cells for o in c.outputs if o.file}
    assert after == before


def test_animation_is_saved_as_gif(site):
    site.write(POST, fence("""
        import matplotlib.pyplot as plt
        from matplotlib.animation import FuncAnimation
        fig, ax = plt.subplots(figsize=(2, 2))
        line, = ax.plot([], [])
        ax.set_xlim(0, 3); ax.set_ylim(0, 3)
        def frame(i):
            line.set_data(range(i + 1), range(i + 1))
            return line,
        FuncAnimation(fig, frame, frames=3, interval=100)
        """))
    result = site.execute(POST)[POST]
    [gif] = result.cells[0].outputs   # the animation's figure is not saved again as a still
    assert (gif.kind, gif.mime, gif.filename) == ("image", "image/gif", "cell1-1.gif")
    assert gif.file.read_bytes().startswith(b"GIF8")
    again = site.execute(POST, refresh=True)[POST]
    assert again.cells[0].outputs[0].file.read_bytes() == gif.file.read_bytes()


def test_plt_show_is_quiet_and_figures_are_still_collected(site):
    site.write(POST, fence("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"))
    result = site.execute(POST)[POST]
    assert [o.kind for o in result.cells[0].outputs] == ["image"]


def test_output_past_the_display_cap_is_truncated(site):
    site.write(POST, fence("print('x' * 3000)\nimport os\nos.write(1, b'y' * 3000)"))
    result = site.execute(POST, limits=Limits(display_cap=1000, hard_cap=1 << 20))[POST]
    texts = [o.text for o in result.cells[0].outputs]
    assert texts[0].startswith("x" * 1000) and "x" * 1001 not in texts[0]
    assert any(re.search(r"output truncated: 2001 more characters", t) for t in texts)
    assert any(t.startswith("y" * 1000) and "2000 more bytes not shown" in t for t in texts)


def test_eval_false_cells_are_shown_but_never_run(site):
    site.write(POST, fence("raise RuntimeError('never')", "eval: false") + "\n" + fence("1 + 1"))
    result = site.execute(POST)[POST]
    assert [(c.status, c.reason) for c in result.cells] == [("skipped", "eval: false"),
                                                             ("ran", "no cache entry")]


def test_inline_expressions_see_the_cells_before_them(site):
    site.write(POST, "# Inline\n\n" + fence("b = 0.12345678") + "\nThe intercept is "
               "`{python} f\"{b:.4f}\"` and `{python} b * 2`.\n\n" + fence("b = 1"))
    result = site.execute(POST)[POST]
    assert result.inline_values == ["0.1235", str(0.12345678 * 2)]


@pytest.mark.skipif(not (__import__("exec_testutils").PROJECT_ROOT / "gdcore" / "__init__.py").exists(),
                    reason="gdcore is not written yet")
def test_cells_can_import_gdcore(site):
    site.write(POST, fence("""
        import numpy as np
        import gdcore
        x = np.linspace(0, 1, 20)
        y = 1.0 + 2.0 * x
        result = gdcore.gradient_descent(x, y, lr=0.5, epochs=2000, init=(0.0, 0.0))
        print(round(float(result.b), 2), round(float(result.w), 2))
        """) + "\nLoss: `{python} f\"{gdcore.mse(result.b, result.w, x, y):.1e}\"`\n")
    result = site.execute(POST)[POST]
    assert outputs(result, 0) == [("stream", "stdout", "1.0 2.0\n")]
    assert result.inline_values[0].endswith(tuple(f"e-{n:02d}" for n in range(3, 40)))
