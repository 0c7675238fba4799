"""Figures for the posts.

Every function returns a matplotlib Figure, drawn in the gdcore style
(style.py) and created through pyplot so the post runner can find and save
it; nothing here calls plt.show() or changes global settings. Figures are
deterministic: no timestamps, no unseeded randomness (save with save_figure
for byte-identical SVGs).

Anything that draws a path accepts a DescentResult, a History, or a pair of
arrays (b values, w values).
"""

from collections.abc import Mapping
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.ticker import FuncFormatter, NullFormatter

from . import _checks, linear, surface
from .descent import DescentResult, History, losses_of, path_of
from .scaling import StandardScaler
from .style import COLORS, CYCLE, SVG_HASHSALT, styled

# ------------------------------------------------------------------ the fit


@styled
def fitted_line(x, y, b, w, title=None, ax=None):
    """The data as points and the line ŷ = b + w x through them."""
    x, y = _checks.one_feature(x, y)
    fig, ax = _figure(ax)
    ax.scatter(x, y, s=18, color=COLORS["data"], alpha=0.8, label="data")
    xs = np.linspace(x.min(), x.max(), 2)
    ax.plot(xs, b + w * xs, color=COLORS["model"], label=f"ŷ = {b:.3g} + {w:.3g}·x")
    ax.set(xlabel="x", ylabel="y", title=title or "Data and fitted line")
    ax.legend(loc="best")
    return fig


@styled
def residuals(x, y, b, w):
    """Left: each residual e_i = ŷ_i − y_i as a segment from the point to the line. Right: e_i against x_i."""
    x, y = _checks.one_feature(x, y)
    e = b + w * x - y
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    xs = np.linspace(x.min(), x.max(), 2)
    segments = np.stack([np.column_stack([x, y]), np.column_stack([x, y + e])], axis=1)
    left.add_collection(LineCollection(segments, colors=COLORS["residual"], linewidths=1))
    left.scatter(x, y, s=18, color=COLORS["data"], zorder=3)
    left.plot(xs, b + w * xs, color=COLORS["model"])
    left.set(xlabel="x", ylabel="y", title="Residuals to the line")
    right.axhline(0.0, color=COLORS["model"], linewidth=1)
    right.scatter(x, e, s=18, color=COLORS["residual"])
    right.set(xlabel="x", ylabel="e = ŷ − y", title=f"Residuals (MSE {np.mean(e**2):.4g})")
    return fig


# ---------------------------------------------------------------- the loss


@styled
def loss_curve(runs, log=True, title=None, ax=None, xlabel="update", ylabel="MSE"):
    """Loss against update number; one line per run (pass a mapping label → run to compare several)."""
    runs = runs if isinstance(runs, Mapping) else {"loss": runs}
    fig, ax = _figure(ax)
    for label, run in runs.items():
        losses = losses_of(run)
        ax.plot(np.arange(len(losses)), losses, label=str(label))
    if log and all(np.nanmin(losses_of(run)) > 0 for run in runs.values()):
        ax.set_yscale("log")
        # Plain "0.01" labels instead of mathtext 10⁻²: typesetting those is most of the save time.
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "Loss during training")
    if len(runs) > 1:
        ax.legend(loc="best")
    return fig


@styled
def contour(grid, paths=None, optimum=None, levels=20, title=None, ax=None, names=("b", "w")):
    """Contour lines of L(b, w) with optional descent paths (a run, or a mapping label → run) and optimum.

    names: what to call the two parameters on the axes, e.g. ("b", "m").
    """
    fig, ax = _figure(ax)
    _draw_contour(ax, grid, levels, names)
    paths = {} if paths is None else paths if isinstance(paths, Mapping) else {"path": paths}
    for label, run in paths.items():
        _draw_path(ax, run, label=str(label) if len(paths) > 1 else None)
    if optimum is not None:
        ax.plot(*optimum, marker="*", markersize=12, color=COLORS["optimum"], linestyle="none")
    if len(paths) > 1:
        ax.legend(loc="best")
    ax.set_title(title or "Loss surface")
    return fig


@styled
def surface3d(grid, path=None, title=None, names=("b", "w")):
    """The loss surface in 3-D, with the descent path riding on it."""
    fig = plt.figure(figsize=(7, 5.5))
    ax = fig.add_subplot(projection="3d")
    bs, ws = grid.mesh
    ax.plot_surface(bs, ws, grid.loss, cmap=mpl.rcParams["image.cmap"], alpha=0.6, linewidth=0, antialiased=True)
    if path is not None:
        b, w = path_of(path)
        if isinstance(path, (DescentResult, History)):
            z = losses_of(path)
        else:  # a bare (b, w) path: read its heights off the grid
            z = np.array([grid.loss[j, i] for i, j in (grid.nearest(bk, wk) for bk, wk in zip(b, w))])
        inside = _inside(grid, b, w)  # a diverging path would stretch the axes to infinity
        ax.plot(b[inside], w[inside], z[inside], color=COLORS["path"], marker=".", markersize=3)
    ax.set(xlabel=names[0], ylabel=names[1], zlabel="MSE", title=title or "Loss surface")
    ax.zaxis.labelpad = 12  # clear of the tick labels
    ax.view_init(elev=40, azim=-100)
    return fig


@styled
def cross_sections(grid, b, w, names=("b", "w")):
    """L along b with w fixed, and along w with b fixed, through the grid point nearest (b, w)."""
    i, j = grid.nearest(b, w)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
    left.plot(grid.b_range, grid.along_b(j), color=COLORS["model"])
    left.plot([grid.b_range[i]], [grid.loss[j, i]], "o", color=COLORS["start"])
    left.set(xlabel=names[0], ylabel="MSE", title=f"{names[1]} fixed at {grid.w_range[j]:.2f}")
    right.plot(grid.w_range, grid.along_w(i), color=COLORS["data"])
    right.plot([grid.w_range[j]], [grid.loss[j, i]], "o", color=COLORS["start"])
    right.set(xlabel=names[1], title=f"{names[0]} fixed at {grid.b_range[i]:.2f}")
    return fig


# -------------------------------------------------------------- comparisons


@styled
def learning_rates(runs, grid, levels=20, ncols=None, names=("b", "w")):
    """One panel per learning rate: the path on the loss contours, titled with η and the verdict.

    runs: the list returned by learning_rates.compare_learning_rates.
    ncols: panels per row (default: all in one row up to three, else two per row).
    """
    axes = _panels(len(runs), ncols)
    for ax, run in zip(axes, runs):
        _draw_contour(ax, grid, levels, names)
        _draw_path(ax, run.result)
        ax.set_title(f"η = {_format_lr(run.lr)}: {run.verdict}")
    return axes[0].figure


@styled
def descent_paths(results, grid, levels=20, ncols=None, names=("b", "w")):
    """Side-by-side paths, e.g. {"batch": r1, "mini-batch": r2, "stochastic": r3}."""
    axes = _panels(len(results), ncols)
    for ax, (label, run) in zip(axes, results.items()):
        _draw_contour(ax, grid, levels, names)
        _draw_path(ax, run)
        ax.set_title(str(label))
    return axes[0].figure


@styled
def standardization(x_train, y_train, span=3.0, points=101, paths=None):
    """The loss surface before and after standardizing x, each centred on its own optimum.

    Equal axis scales make the change visible: a narrow tilted valley becomes
    a round bowl. Titles give the condition number κ of each surface.
    paths: optional (raw run, scaled run) pair to draw on the two panels.
    """
    scaled = StandardScaler().fit_transform(_checks.features(x_train))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    for k, (ax, x, name) in enumerate(zip(axes, (x_train, scaled), ("original x", "standardized x"))):
        b0, w0 = linear.least_squares(x, y_train)
        grid = surface.loss_grid(x, y_train, *surface.grid_around(b0, w0, span, points))
        _draw_contour(ax, grid, 20)
        ax.plot(b0, w0, marker="*", markersize=12, color=COLORS["optimum"], linestyle="none")
        if paths is not None:
            _draw_path(ax, paths[k])
        ax.set_aspect("equal")
        ax.set_title(f"{name} (κ = {surface.curvature(x).condition_number:.3g})")
    return fig


# ---------------------------------------------------------- neural networks


@styled
def decision_boundary(predict, X, labels, resolution=200, title=None, ax=None):
    """Predicted class over the plane, with the points coloured by their true label.

    predict maps points of shape (M, 2) to labels (M,) or class scores (M, K)
    — a Network works directly.
    """
    X = _checks.features(X, "X")
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns to draw a decision boundary, got {X.shape[1]}")
    fig, ax = _figure(ax)
    pad = 0.5
    gx, gy = np.meshgrid(np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution),
                         np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution))
    out = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])))
    if out.ndim == 2 and out.shape[1] > 1:
        classes = out.argmax(axis=1)  # class scores or probabilities
    elif out.dtype.kind == "f":
        classes = (out.reshape(-1) > 0.5).astype(int)  # one probability, of class 1
    else:
        classes = out.reshape(-1)  # labels already
    n_classes = int(max(np.max(labels), np.max(classes))) + 1
    colors = mpl.colors.ListedColormap(CYCLE[:n_classes])
    ax.contourf(gx, gy, np.asarray(classes, dtype=float).reshape(gx.shape), levels=np.arange(n_classes + 1) - 0.5,
                cmap=colors, alpha=0.25)
    ax.scatter(X[:, 0], X[:, 1], c=np.asarray(labels), cmap=colors, vmin=-0.5, vmax=n_classes - 0.5,
               s=16, edgecolors="white", linewidths=0.4)
    ax.set(xlabel="x₁", ylabel="x₂", title=title or "Decision regions")
    return fig


@styled
def image_grid(images, labels=None, ncols=8, title=None):
    """Small grayscale images (N, H, W) or (N, 1, H, W) in a grid, labels as titles."""
    images = np.asarray(images, dtype=float)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H, W) or (N, 1, H, W), got {images.shape}")
    ncols = min(_checks.count(ncols, "ncols"), len(images))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.2 * ncols, 1.3 * nrows), squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k < len(images):
            ax.imshow(images[k], cmap="gray_r", interpolation="nearest")
            if labels is not None:
                ax.set_title(str(labels[k]), fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


# ------------------------------------------------------------------ saving


def save_figure(fig, path, **kwargs):
    """Save without a timestamp and with fixed SVG ids, so the same figure gives the same bytes."""
    path = Path(path)
    metadata = {"Date": None} if path.suffix.lower() in (".svg", ".pdf") else {}
    kwargs.setdefault("bbox_inches", "tight")  # single-panel figures have no layout engine to fit labels
    with mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        fig.savefig(path, metadata=metadata, **kwargs)
    return path


# ----------------------------------------------------------------- helpers


def _figure(ax):
    if ax is not None:
        return ax.figure, ax
    return plt.subplots()


def _inside(grid, b, w):
    return ((b >= grid.b_range.min()) & (b <= grid.b_range.max())
            & (w >= grid.w_range.min()) & (w <= grid.w_range.max()))


def _panels(count, ncols):
    """Axes for ``count`` panels, ``ncols`` per row (default: one row up to three)."""
    ncols = count if ncols is None and count <= 3 else (ncols or 2)
    ncols = max(1, min(_checks.count(ncols, "ncols"), count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 4 * nrows), squeeze=False, layout="constrained")
    for ax in axes.flat[count:]:
        ax.remove()
    return list(axes.flat[:count])


def _draw_contour(ax, grid, levels, names=("b", "w")):
    bs, ws = grid.mesh
    low, high = grid.loss.min(), grid.loss.max()
    if np.isscalar(levels) and low > 0 and high > low:
        levels = np.geomspace(low, high, int(levels) + 2)[1:-1]  # the valley floor gets as many lines as the walls
    ax.contour(bs, ws, grid.loss, levels=levels, cmap=mpl.rcParams["image.cmap"], linewidths=0.9)
    ax.set(xlabel=names[0], ylabel=names[1], xlim=(grid.b_range[0], grid.b_range[-1]),
           ylim=(grid.w_range[0], grid.w_range[-1]))


def _draw_path(ax, run, label=None):
    b, w = path_of(run)
    marker = "." if len(b) <= 200 else None  # long stochastic paths read better as a line
    ax.plot(b, w, color=COLORS["path"], marker=marker, markersize=3, linewidth=1.0, label=label)
    ax.plot(b[0], w[0], "o", color=COLORS["start"], markersize=6)
    ax.plot(b[-1], w[-1], "s", color=COLORS["model"], markersize=5)


def _format_lr(lr):
    return f"{lr:g}" if isinstance(lr, (int, float)) else repr(lr)
