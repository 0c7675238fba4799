"""The fitted line converging, as an animation.

animate_fit returns a matplotlib FuncAnimation; save_gif writes it with
matplotlib's PillowWriter (Pillow ships with matplotlib). Frames are picked
deterministically from the run's history, so the GIF is the same on every
build.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from . import _checks
from .descent import losses_of, path_of
from .style import COLORS, styled


def frame_rows(n_rows, frames):
    """History rows to show: geometrically spaced, because a run changes fastest at the start."""
    frames = _checks.count(frames, "frames")
    if n_rows <= frames:
        return np.arange(n_rows)
    rows = np.unique(np.round(np.geomspace(1, n_rows, frames)).astype(int) - 1)
    return np.union1d(rows, [0, n_rows - 1])


@styled
def animate_fit(x, y, run, frames=40, interval=120, names=("b", "w")):
    """The data and the line b_k + w_k x for a selection of updates k of a run (DescentResult or History).

    names: what to call the intercept and slope in the caption of each frame, e.g. ("b", "m").

    Keep a reference to the returned animation until it is saved or shown;
    matplotlib stops an animation that is garbage-collected.
    """
    x, y = _checks.one_feature(x, y)
    b, w = path_of(run)
    losses = losses_of(run)
    rows = frame_rows(len(b), frames)
    fig, ax = plt.subplots(layout="none")  # fixed margins: no layout solve on every frame
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.91)
    ax.scatter(x, y, s=18, color=COLORS["data"], alpha=0.8)
    xs = np.linspace(x.min(), x.max(), 2)
    (line,) = ax.plot(xs, b[0] + w[0] * xs, color=COLORS["model"])
    label = ax.text(0.02, 0.95, "", transform=ax.transAxes, va="top")
    pad = 0.1 * (y.max() - y.min() or 1.0)
    ax.set(xlabel="x", ylabel="y", ylim=(y.min() - pad, y.max() + pad), title="Gradient descent fitting the line")

    def draw(frame):
        k = rows[frame]
        line.set_ydata(b[k] + w[k] * xs)
        label.set_text(f"update {k}: {names[0]} = {b[k]:.3f}, {names[1]} = {w[k]:.3f}, MSE = {losses[k]:.4g}")
        return line, label

    draw(0)
    return FuncAnimation(fig, draw, frames=len(rows), interval=interval, blit=False, repeat=True,
                         cache_frame_data=False)


def save_gif(animation, path, fps=8, dpi=80):
    """Write the animation as a looping GIF with PillowWriter; returns the path."""
    path = Path(path)
    animation.save(path, writer=PillowWriter(fps=_checks.count(fps, "fps")), dpi=_checks.count(dpi, "dpi"))
    return path
