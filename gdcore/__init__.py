"""gdcore — gradient descent from scratch, with numpy (and matplotlib for the pictures).

The computing core of the blog's executable math posts:

    linear          the line ŷ = b + w·x: predict, errors, mse, gradients, step
    descent         gradient_descent: batch, mini-batch and stochastic, one runner;
                    sweep: one run per setting, cut with DescentResult.after (cheap sweeps)
    learning_rates  compare learning rates, classify runs
    optimizers      SGD, Momentum, Adam and learning-rate schedules
    scaling         StandardScaler
    surface         loss grids, cross-sections, curvature, gradient checks
    nn              Dense and Conv2D layers, activations, losses, backpropagation
    datasets        small synthetic data sets
    plots           matplotlib figures (imported on first use: `gdcore.plots`)
    animation       the fitted line converging, as an animation or GIF

Importing gdcore does not import matplotlib; `gdcore.plots`,
`gdcore.animation` and `gdcore.style` load it on first access.
"""

import importlib

from . import datasets, learning_rates, nn, optimizers, scaling, surface
from .descent import DescentResult, History, gradient_descent, sweep
from .learning_rates import classify, compare_learning_rates
from .linear import errors, gradients, init_params, least_squares, mse, predict, step
from .optimizers import SGD, Adam, Constant, ExponentialDecay, Momentum, StepDecay
from .scaling import StandardScaler
from .surface import check_gradients, curvature, hessian, loss_grid

__version__ = "0.1.0"

_LAZY = ("plots", "animation", "style")

__all__ = [
    "DescentResult", "History", "classify", "compare_learning_rates", "gradient_descent", "sweep",
    "errors", "gradients", "init_params", "least_squares", "mse", "predict", "step",
    "SGD", "Adam", "Constant", "ExponentialDecay", "Momentum", "StepDecay",
    "StandardScaler", "check_gradients", "curvature", "hessian", "loss_grid",
    "datasets", "learning_rates", "nn", "optimizers", "scaling", "surface", *_LAZY,
]


def __getattr__(name):
    # Plotting pulls in matplotlib (~0.3 s); posts that only compute never pay for it.
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
