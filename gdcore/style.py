"""One look for every gdcore figure.

The style is applied with matplotlib.rc_context around each plotting call, so
drawing a gdcore figure never changes the global rcParams a post may rely on.
Colours have names from the story they tell (data, model, path…) rather than
from the palette.
"""

import functools

import matplotlib as mpl
from cycler import cycler

COLORS = {
    "data": "#4C72B0",
    "model": "#C44E52",
    "residual": "#DD8452",
    "path": "#222222",
    "start": "#55A868",
    "optimum": "#8172B3",
    "grid": "#DDDDDD",
}

CYCLE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]

SURFACE_CMAP = "viridis"

RC = {
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    # Single-panel figures are trimmed when saved (bbox_inches="tight"); only figures
    # with several panels ask for constrained layout, which is costly to solve.
    "figure.constrained_layout.use": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=CYCLE),
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    "legend.frameon": False,
    "image.cmap": SURFACE_CMAP,
}

# Read when a figure is saved, not when it is drawn: see plots.save_figure.
SVG_HASHSALT = "gdcore"


#: Set on every figure gdcore draws: its colours read on a light page and, with neutrals
#: turned around, on a dark one, so a blog may show it in both (as Quarto's
#: ``renderings: [light, dark]`` option says of a cell's figures).
RENDERINGS = ("light", "dark")


def styled(func):
    """Run a plotting function inside the gdcore style."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with mpl.rc_context(RC):
            result = func(*args, **kwargs)
        figure = getattr(result, "figure", None) if not hasattr(result, "savefig") else result
        if figure is not None and hasattr(figure, "savefig"):
            figure.renderings = RENDERINGS
        return result

    return wrapper
