import gc

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

import gdcore
from gdcore import animation, datasets, nn, plots, surface


@pytest.fixture(scope="module")
def setup():
    data = datasets.synthetic_line()
    x, y = data.x_train, data.y_train
    start = gdcore.init_params(1, seed=42)
    grid = surface.loss_grid(x, y, *surface.grid_around(1.0, 2.0, points=41))
    batch = gdcore.gradient_descent(x, y, lr=0.1, epochs=50, init=start)
    return x, y, start, grid, batch


@pytest.fixture(autouse=True)
def _no_show(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("gdcore must never call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)


def _shape(fig):
    assert isinstance(fig, Figure)
    return len(fig.axes), [len(ax.lines) for ax in fig.axes]


def test_fit_residuals_and_loss(setup):
    x, y, _, _, batch = setup
    assert _shape(plots.fitted_line(x, y, batch.b, batch.w)) == (1, [1])
    assert _shape(plots.residuals(x, y, batch.b, batch.w)) == (2, [1, 1])
    assert _shape(plots.loss_curve(batch)) == (1, [1])
    assert _shape(plots.loss_curve({"a": batch, "b": batch.history, "c": batch.history.loss})) == (1, [3])
    fig, ax = plt.subplots()
    assert plots.fitted_line(x, y, 1.0, 2.0, ax=ax) is fig  # draws into a given axes


def test_surfaces_and_paths(setup):
    x, y, start, grid, batch = setup
    # path line + start marker + end marker, plus the optimum star
    assert _shape(plots.contour(grid, batch, optimum=gdcore.least_squares(x, y))) == (1, [4])
    assert _shape(plots.contour(grid, {"one": batch, "two": (batch.history.b, batch.history.w)})) == (1, [6])
    fig = plots.surface3d(grid, batch)
    assert len(fig.axes) == 1 and fig.axes[0].name == "3d" and len(fig.axes[0].lines) == 1
    assert len(plots.surface3d(grid, (batch.history.b, batch.history.w)).axes[0].lines) == 1
    assert _shape(plots.cross_sections(grid, *start)) == (2, [2, 2])


def test_comparison_panels(setup):
    x, y, start, grid, _ = setup
    runs = gdcore.compare_learning_rates(x, y, [0.2, 0.8, 1.1], epochs=30, init=start)
    fig = plots.learning_rates(runs, grid)
    assert _shape(fig) == (3, [3, 3, 3])
    assert [ax.get_title() for ax in fig.axes] == ["η = 0.2: converging", "η = 0.8: oscillating", "η = 1.1: diverging"]
    paths = {name: gdcore.gradient_descent(x, y, lr=0.1, epochs=5, batch_size=size, seed=0, init=start)
             for name, size in (("batch", None), ("mini-batch", 16), ("stochastic", 1))}
    assert _shape(plots.descent_paths(paths, grid)) == (3, [3, 3, 3])
    bad = datasets.synthetic_line(w=0.2, x_scale=10.0)
    assert _shape(plots.standardization(bad.x_train, bad.y_train, points=31)) == (2, [1, 1])


def test_network_plots():
    X, labels = datasets.blobs(n=60, seed=0)
    net = nn.Network([nn.Dense(2, 3, seed=0)])
    fig = plots.decision_boundary(net, X, labels, resolution=30)
    assert len(fig.axes) == 1 and len(fig.axes[0].collections) >= 2
    images, labels = datasets.tiny_digits(n_per_class=3, seed=0)
    assert len(plots.image_grid(images, labels, ncols=4).axes) == 12


def test_plots_leave_global_style_alone(setup):
    x, y, _, grid, batch = setup
    before = dict(matplotlib.rcParams)
    plots.contour(grid, batch)
    plots.fitted_line(x, y, batch.b, batch.w)
    assert dict(matplotlib.rcParams) == before


def test_svg_is_byte_identical(setup, tmp_path):
    x, y, _, grid, batch = setup
    paths = []
    for k in range(2):  # two independent builds of the same figure
        fig = plots.contour(grid, batch)
        paths.append(plots.save_figure(fig, tmp_path / f"contour{k}.svg"))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    # the same figure saved twice by hand, as the post runner does
    fig = plots.residuals(x, y, batch.b, batch.w)
    with matplotlib.rc_context({"svg.hashsalt": "post"}):
        fig.savefig(tmp_path / "a.svg", metadata={"Date": None})
        fig.savefig(tmp_path / "b.svg", metadata={"Date": None})
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_gif_animation(setup, tmp_path):
    x, y, _, _, batch = setup
    anim = animation.animate_fit(x, y, batch, frames=6)
    path = animation.save_gif(anim, tmp_path / "fit.gif", fps=5, dpi=40)
    assert path.read_bytes()[:6] == b"GIF89a"
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(animation.frame_rows(len(batch.history), 6))
    again = animation.save_gif(animation.animate_fit(x, y, batch, frames=6), tmp_path / "again.gif", fps=5, dpi=40)
    assert again.read_bytes() == path.read_bytes()


def test_frame_rows():
    rows = animation.frame_rows(1001, 20)
    assert rows[0] == 0 and rows[-1] == 1000 and np.all(np.diff(rows) > 0) and len(rows) <= 21
    assert animation.frame_rows(5, 20).tolist() == [0, 1, 2, 3, 4]


@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_axis_names_and_labels_can_be_given(setup):
    x, y, start, grid, batch = setup
    assert plots.contour(grid, batch, names=("b", "m")).axes[0].get_ylabel() == "m"
    assert plots.surface3d(grid, batch, names=("b", "m")).axes[0].get_ylabel() == "m"
    left, right = plots.cross_sections(grid, *start, names=("b", "m")).axes
    assert right.get_xlabel() == "m" and "m fixed" in left.get_title()
    ax = plots.loss_curve(batch, xlabel="epoch", ylabel="cross-entropy").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "cross-entropy")
    frames = animation.animate_fit(x, y, batch, frames=3, names=("b", "m"))
    assert "m =" in frames._fig.axes[0].texts[0].get_text()
    del frames
    gc.collect()  # matplotlib warns when an unsaved animation is collected: do it under this test's filter


def test_log_loss_axis_needs_no_mathtext(setup):
    *_, batch = setup
    fig = plots.loss_curve(batch)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert labels and not any("$" in text for text in labels)


def test_panels_wrap_into_rows(setup):
    x, y, start, grid, _ = setup
    runs = gdcore.compare_learning_rates(x, y, [0.05, 0.2, 0.8, 1.1], epochs=10, init=start)
    fig = plots.learning_rates(runs, grid, ncols=2)
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(fig.axes) == 4 and len(rows) == 2


def test_single_panel_figures_skip_the_layout_solver(setup):
    x, y, _, grid, batch = setup
    assert plots.fitted_line(x, y, batch.b, batch.w).get_layout_engine() is None
    assert plots.residuals(x, y, batch.b, batch.w).get_layout_engine() is not None
