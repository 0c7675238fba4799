"""Interactive cells in the kernel: one run per frame, on a copy of the namespace, each frame cached."""

from __future__ import annotations

import pytest
from exec_testutils import fence

from generator.errors import BuildError
from generator.kernel import worker_starts
NO_FORK_VAR = "GDBLOG_SWEEP_NO_FORK"   # generator/kernel/_worker/sweep.py (a worker module, not importable here)

POST = "content/posts/a/index.md"
LOG = "runs.log"   # frames and cells append here (outside content/), so tests see what really ran


def interactive(values: str = "[1, 2, 3]", *, extra: tuple[str, ...] = (), code: str = "",
                cap: str = "k is {k}") -> str:
    body = code or ("import matplotlib.pyplot as plt\n"
                    f"open({LOG!r}, 'a').write(f'{{k}}\\n')\n"
                    "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([0, 1], [0, k])\n"
                    "square = k * k\nprint('k squared', square)")
    return fence(body, f'fig-cap: "{cap}"', "interactive:", f"  k: {values}", *extra)


def runs(site) -> list[str]:
    path = site.root / "content/posts/a" / LOG
    return path.read_text().split() if path.exists() else []


def forget_runs(site) -> None:
    (site.root / "content/posts/a" / LOG).unlink(missing_ok=True)


def one_post(site, cell: str, before: str = "", after: str = "") -> None:
    site.write(POST, f"# T\n\n{before}\n{cell}\nThe square is `{{python}} square`.\n\n{after}")


def texts(outputs) -> list[str]:
    return [o.text for o in outputs if o.kind != "image"]


def test_every_frame_runs_once_and_the_default_is_the_cells_own_output(site):
    one_post(site, interactive(), after=fence("print('after', k, square)"))
    result = site.execute(POST)[POST]
    cell = result.cells[0]
    sweep = cell.sweep
    assert [f.values for f in sweep.frames] == [{"k": 1}, {"k": 2}, {"k": 3}]
    assert sweep.default == 0 and sweep.complete
    assert [texts(f.outputs) for f in sweep.frames] == [["k squared 1\n"], ["k squared 4\n"], ["k squared 9\n"]]
    # the inline value after the cell, evaluated in every frame
    assert [f.inline for f in sweep.frames] == [{0: "1"}, {0: "4"}, {0: "9"}]
    assert result.inline_values == ["1"]
    # the page's own figure is the default frame; the others sit beside it under names of their own
    [image] = [o for o in cell.outputs if o.kind == "image"]
    assert sweep.frames[0].images[0].filename == image.filename == "cell1-1.svg"
    names = [f.images[0].filename for f in sweep.frames[1:]]
    assert all(n.startswith("cell1-1.") and n.endswith(".svg") for n in names) and len(set(names)) == 2
    # the cell below sees the default frame; every value ran once, plus the cell's own run
    assert texts(result.cells[1].outputs) == ["after 1 1\n"]
    assert sorted(runs(site)) == ["1", "1", "2", "3"]
    assert "frames: 3 ran (forked x" in cell.reason


def test_a_range_and_a_list_give_every_combination_in_row_major_order(site):
    cell = fence("import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 2))\n"
                 "ax.plot([0, 1], [a, b])\nsquare = round(a * b, 6)\nprint(repr(a), repr(b))",
                 "interactive:", "  a: {from: 0.1, to: 0.3, by: 0.1}", "  b: [1, 10]", "interactive-default: {a: 0.2}")
    one_post(site, cell)
    sweep = site.execute(POST)[POST].cells[0].sweep
    assert [f.values for f in sweep.frames] == [{"a": 0.1, "b": 1}, {"a": 0.1, "b": 10}, {"a": 0.2, "b": 1},
                                                {"a": 0.2, "b": 10}, {"a": 0.3, "b": 1}, {"a": 0.3, "b": 10}]
    # decimal steps: the cell sees 0.3, not 0.30000000000000004
    assert texts(sweep.frames[4].outputs) == ["0.3 1\n"]
    assert sweep.default == 2
    assert [p.labels for p in sweep.params] == [("0.1", "0.2", "0.3"), ("1", "10")]


def test_frames_cannot_leak_into_each_other_or_into_the_post(site):
    before = fence("seen = []\nimport matplotlib\nmatplotlib.rcParams['lines.linewidth'] = 1.5")
    cell = interactive(code="import matplotlib\nseen.append(k)\n"
                            "print(len(seen), matplotlib.rcParams['lines.linewidth'])\n"
                            "matplotlib.rcParams['lines.linewidth'] = 9\nsquare = k * k")
    one_post(site, cell, before=before, after=fence("print(seen, matplotlib.rcParams['lines.linewidth'])"))
    result = site.execute(POST)[POST]
    assert [texts(f.outputs) for f in result.cells[1].sweep.frames] == [["1 1.5\n"]] * 3
    assert texts(result.cells[2].outputs) == ["[1] 9.0\n"]   # only the cell's own run (the default frame)


def test_a_namespace_that_cannot_be_copied_gets_a_fork_per_frame(site):
    before = fence("class Box:\n    pass\n\nbox = Box()\nbox.seen = []")   # a class from a cell: no pickle
    one_post(site, interactive(code="box.seen.append(k)\nprint(len(box.seen))\nsquare = k * k"), before=before,
             after=fence("print(box.seen)"))
    result = site.execute(POST)[POST]
    assert [texts(f.outputs) for f in result.cells[1].sweep.frames] == [["1\n"]] * 3
    assert texts(result.cells[2].outputs) == ["[1]\n"]
    assert "a fork per frame x2: the namespace cannot be copied (class Box is defined in a cell)" \
        in result.cells[1].reason


def test_without_fork_each_frame_starts_from_a_copy(site, monkeypatch):
    monkeypatch.setenv(NO_FORK_VAR, "1")
    before = fence("seen = []")
    one_post(site, interactive(code="seen.append(k)\nprint(len(seen))\nsquare = k * k"), before=before,
             after=fence("print(seen)"))
    result = site.execute(POST)[POST]
    assert [texts(f.outputs) for f in result.cells[1].sweep.frames] == [["1\n"]] * 3
    assert texts(result.cells[2].outputs) == ["[1]\n"]
    assert "one at a time: disabled by GDBLOG_SWEEP_NO_FORK" in result.cells[1].reason


def test_editing_the_caption_runs_nothing(site):
    one_post(site, interactive())
    first = site.execute(POST)[POST]
    forget_runs(site)
    one_post(site, interactive(cap="Another caption for {k}"))
    starts = worker_starts()
    second = site.execute(POST)[POST]
    assert worker_starts() == starts and runs(site) == []
    assert second.fingerprint == first.fingerprint
    assert second.cells[0].reason == "cached; frames: 3 cached"


def test_frames_follow_renderings_and_asking_for_dark_variants_reruns_them(site):
    one_post(site, interactive())
    light = site.execute(POST)[POST].cells[0].sweep
    assert all(image.dark_file is None for frame in light.frames for image in frame.images)
    forget_runs(site)
    one_post(site, interactive(extra=("renderings: [light, dark]",)))
    sweep = site.execute(POST)[POST].cells[0].sweep
    assert sorted(runs(site)) == ["1", "1", "2", "3"]   # the cell and every frame ran again
    for frame in sweep.frames:
        [image] = frame.images
        assert image.dark_file is not None and image.dark_filename.endswith(".svg")
        assert image.dark_filename not in (image.filename, "")
    # the default frame's pictures are the cell's own, dark variant included
    [own] = [o for o in site.execute(POST)[POST].cells[0].outputs if o.kind == "image"]
    assert (sweep.frames[0].images[0].filename, sweep.frames[0].images[0].dark_filename) == \
        (own.filename, own.dark_filename)


def test_adding_a_value_runs_only_the_new_frames(site):
    one_post(site, interactive("[1, 2, 3]"), after=fence("print('after', k)"))
    first = site.execute(POST)[POST]
    forget_runs(site)
    one_post(site, interactive("[1, 2, 5, 3]"), after=fence("print('after', k)"))
    result = site.execute(POST)[POST]
    assert runs(site) == ["5"]
    assert [(c.status, c.reason.split(";")[0]) for c in result.cells] == [("cached", "cached"), ("cached", "cached")]
    assert [texts(f.outputs) for f in result.cells[0].sweep.frames][2] == ["k squared 25\n"]
    assert result.fingerprint != first.fingerprint   # the page shows one more frame


def test_changing_the_default_reruns_the_cell_not_its_frames(site):
    one_post(site, interactive("[1, 2, 3]"), after=fence("print('after', k)"))
    site.execute(POST)
    forget_runs(site)
    one_post(site, interactive("[1, 2, 3]", extra=("interactive-default: {k: 3}",)), after=fence("print('after', k)"))
    result = site.execute(POST)[POST]
    assert runs(site) == ["3"]   # the cell's own run, with its new default; every frame was cached
    assert result.cells[0].sweep.default == 2
    assert texts(result.cells[1].outputs) == ["after 3\n"]


def test_a_cell_that_fails_for_one_value_names_it(site):
    code = "if k == 2:\n    raise ValueError('two is not allowed')\nsquare = k"
    one_post(site, interactive(code=code))
    with pytest.raises(BuildError) as caught:
        site.execute(POST)
    message = str(caught.value)
    assert f"{POST}:9: cell 1 raised ValueError: two is not allowed for k=2" in message
    assert 'File "content/posts/a/index.md", line 9' in message


def test_a_frame_that_crashes_or_hangs_is_stopped_and_named(site):
    code = "import os, time\nif k == 2:\n    os._exit(3)\nif k == 3:\n    time.sleep(60)\nsquare = k"
    one_post(site, interactive(code=code, extra=("timeout: 3",)))
    with pytest.raises(BuildError) as caught:
        site.execute(POST)
    message = str(caught.value)
    assert "cell 1 killed its process (exited with status 3), for k=2 (and 1 more of its values)" in message


def test_each_frame_must_draw_as_many_figures_as_the_default(site):
    code = ("import matplotlib.pyplot as plt\nfor _ in range(1 if k == 1 else 2):\n    plt.figure()\nsquare = k")
    one_post(site, interactive(code=code))
    with pytest.raises(BuildError, match=r"cell 1 draws 2 figure\(s\) for k=2 but 1 for the default frame \(k=1\)"):
        site.execute(POST)


def test_output_written_to_file_descriptors_belongs_to_its_frame(site):
    one_post(site, interactive(code="import os\nos.write(1, f'fd {k}\\n'.encode())\nsquare = k"))
    sweep = site.execute(POST)[POST].cells[0].sweep
    assert [texts(f.outputs) for f in sweep.frames] == [["fd 1\n"], ["fd 2\n"], ["fd 3\n"]]


def test_no_exec_without_cached_frames_shows_the_default_frame_only(site):
    one_post(site, interactive("[1, 2]"))
    site.execute(POST)
    one_post(site, interactive("[1, 2, 3]"))
    result = site.execute(POST, no_exec=True)[POST]
    sweep = result.cells[0].sweep
    assert not sweep.complete and not result.started_worker
    assert "1 of 3 frames not executed" in result.cells[0].reason


def test_a_data_file_read_by_the_frames_reruns_them_when_it_changes(site):
    site.write("content/posts/a/scale.txt", "10")
    code = "scale = float(open('scale.txt').read())\nsquare = k * scale"
    one_post(site, interactive(code=code, cap="{k}"))
    site.execute(POST)
    site.write("content/posts/a/scale.txt", "100")
    sweep = site.execute(POST)[POST].cells[0].sweep
    assert [f.inline for f in sweep.frames] == [{0: "100.0"}, {0: "200.0"}, {0: "300.0"}]


def test_too_many_frames_fail_with_the_line_and_the_count(site):
    one_post(site, interactive("{from: 1, to: 500}"))
    with pytest.raises(BuildError) as caught:
        site.request(POST)
    assert str(caught.value).startswith(f"{POST}:6: interactive figure has 500 frames (500 k), more than the "
                                        "limit of 400")
    assert "'#| interactive-max-frames: 500'" in str(caught.value)
    # the limit can be raised on the cell, or for the post
    one_post(site, interactive("{from: 1, to: 500}", extra=("interactive-max-frames: 500",)))
    assert site.request(POST).cells[0].options["interactive-max-frames"] == 500
    one_post(site, interactive("{from: 1, to: 500}"))
    assert site.request(POST, exec_settings={"interactive-max-frames": 600}).cells


@pytest.mark.parametrize("options, line, message", [
    (("interactive:", "  k: []"), 4, "option 'interactive' parameter 'k' has no values"),
    (("interactive:", "  class: [1, 2]"), 4, "option 'interactive' parameter 'class' must be a Python name"),
    (("interactive:", "  k: {from: 3, to: 1}"), 4,
     "option 'interactive' parameter 'k': range goes from 3 to 1: 'to' must not be below 'from'"),
    (("interactive:", "  k: [1, 2]", "interactive-default: {k: 7}"), 6,
     "option 'interactive-default' gives k = 7, which is not one of its values (1, 2)"),
    (("interactive-default: {k: 1}",), 4, "option 'interactive-default' needs 'interactive'"),
], ids=["empty", "keyword", "backwards-range", "default-not-a-value", "default-alone"])
def test_bad_interactive_options_name_their_line(site, options, line, message):
    site.write(POST, "# T\n\n" + fence("x = 1", *options))
    with pytest.raises(BuildError) as caught:
        site.request(POST)
    assert str(caught.value).startswith(f"{POST}:{line}: {message}")


def test_interactive_belongs_on_a_cell_not_in_front_matter(site):
    site.write(POST, "# T\n\n" + fence("x = 1"))
    with pytest.raises(BuildError, match="option 'interactive' belongs on a cell"):
        site.request(POST, exec_settings={"interactive": {"k": [1, 2]}})


def test_with_error_true_a_failing_frame_shows_its_error(site):
    code = ("import matplotlib.pyplot as plt\nif k == 2:\n    raise ValueError('no figure for two')\n"
            "plt.figure(figsize=(1, 1))\nsquare = k")
    one_post(site, interactive(code=code, extra=("error: true",)))
    sweep = site.execute(POST)[POST].cells[0].sweep
    failed = sweep.frames[1]
    assert failed.images == [] and "ValueError: no figure for two" in texts(failed.outputs)[-1]
    assert [len(f.images) for f in sweep.frames] == [1, 0, 1]
    assert failed.inline == {}   # the inline values of a frame that raised are not evaluated


def test_frames_run_as_many_at_once_as_the_build_allows(site):
    one_post(site, interactive("[1, 2, 3, 4]"))
    assert "frames: 4 ran (forked x1)" in site.execute(POST, jobs=1)[POST].cells[0].reason
    one_post(site, interactive("[1, 2, 3, 4, 5]"))
    assert "frames: 5 ran (forked x2)" in site.execute(POST, jobs=2, refresh=True)[POST].cells[0].reason
