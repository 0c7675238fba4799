"""The loss surface of a line and its geometry.

With one feature the MSE is a function of two numbers, L(b, w), so it can be
evaluated on a grid and drawn. Because L is quadratic in (b, w) its shape is
fixed by one constant matrix, the Hessian H = 2/N ZᵀZ with Z = [1, X]: the
eigenvalues of H are the curvatures along the valley's axes, and they decide
which learning rates work.
"""

from dataclasses import dataclass

import numpy as np

from . import _checks
from .gradcheck import numerical_gradient, relative_error
from .linear import design_matrix, gradients, mse

_GRID_CHUNK = 2**22  # bound the (w, b, sample) block to ~32 MB of float64


# --------------------------------------------------------------------- grids


@dataclass(frozen=True)
class LossGrid:
    """L on a grid: loss[j, i] = L(b_range[i], w_range[j]) — rows index w, as np.meshgrid does."""

    b_range: np.ndarray
    w_range: np.ndarray
    loss: np.ndarray

    @property
    def mesh(self):
        """(bs, ws) = np.meshgrid(b_range, w_range), for contour and surface plots."""
        return np.meshgrid(self.b_range, self.w_range)

    def nearest(self, b, w):
        """Indices (i, j) of the grid point closest to (b, w)."""
        return int(np.argmin(np.abs(self.b_range - b))), int(np.argmin(np.abs(self.w_range - w)))

    def along_b(self, j):
        """Cross-section L(b, w_j): the loss as b varies with w fixed at w_range[j]."""
        return self.loss[j, :]

    def along_w(self, i):
        """Cross-section L(b_i, w): the loss as w varies with b fixed at b_range[i]."""
        return self.loss[:, i]

    def minimum(self):
        """(b, w, L) at the lowest grid point."""
        j, i = np.unravel_index(np.argmin(self.loss), self.loss.shape)
        return float(self.b_range[i]), float(self.w_range[j]), float(self.loss[j, i])


def loss_grid(x, y, b_range, w_range):
    """Evaluate L(b, w) = 1/N Σ (b + w x_n − y_n)² at every (b, w) of the grid.

    Broadcasting builds the residuals as an array of shape (len w, len b, N),
    so there is no Python loop over grid points; samples are processed in
    chunks only to bound memory on large data.
    """
    X = _checks.features(x)
    if X.shape[1] != 1:
        raise ValueError(f"x must have a single feature to draw L(b, w), got {X.shape[1]} features")
    x = X[:, 0]
    y = _checks.targets(y, len(x))
    b_range, w_range = _grid_axis(b_range, "b_range"), _grid_axis(w_range, "w_range")
    bs, ws = np.meshgrid(b_range, w_range)
    total = np.zeros(bs.shape)
    chunk = max(1, _GRID_CHUNK // bs.size)
    for start in range(0, len(x), chunk):
        xc, yc = x[start:start + chunk], y[start:start + chunk]
        residuals = bs[..., None] + ws[..., None] * xc - yc
        total += (residuals**2).sum(axis=-1)
    return LossGrid(b_range, w_range, total / len(x))


def grid_around(b, w, span=3.0, points=101):
    """Axes centred on (b, w): linspace(b − span, b + span, points), and the same for w."""
    span = _checks.positive(span, "span")
    points = _checks.count(points, "points", minimum=2)
    return np.linspace(b - span, b + span, points), np.linspace(w - span, w + span, points)


def loss_along_b(x, y, w, b_range):
    """L(b, w) for every b in b_range, w fixed: a vertical slice of the bowl."""
    return loss_grid(x, y, b_range, [w]).loss[0]


def loss_along_w(x, y, b, w_range):
    """L(b, w) for every w in w_range, b fixed."""
    return loss_grid(x, y, [b], w_range).loss[:, 0]


# ------------------------------------------------------ reading the grid off


@dataclass(frozen=True)
class GridMove:
    """One parameter moved between two grid points, the other held fixed."""

    param: str
    before: float
    after: float
    loss_before: float
    loss_after: float

    @property
    def delta(self):
        return self.after - self.before

    @property
    def delta_loss(self):
        return self.loss_after - self.loss_before

    @property
    def slope(self):
        """ΔL/Δparam: a finite-difference estimate of the partial derivative."""
        return self.delta_loss / self.delta


def grid_slopes(grid, b, w, delta):
    """Partial derivatives estimated by hand from the grid (forward differences).

    (b, w) and (b + δ, w + δ) are snapped to their nearest grid points, then

        ∂L/∂b ≈ [L(b⁺, w) − L(b, w)] / (b⁺ − b),   ∂L/∂w ≈ [L(b, w⁺) − L(b, w)] / (w⁺ − w)

    with every loss read from the grid. Returns (move_b, move_w).
    """
    i, j = grid.nearest(b, w)
    i_after, j_after = grid.nearest(b + delta, w + delta)
    return _moves(grid, i, j, i_after, j_after)


def grid_step(grid, b, w, grad_b, grad_w, lr):
    """One gradient step on the grid, each parameter moved on its own.

    Start from the grid point nearest (b, w), step to (b − η ∂L/∂b, w − η ∂L/∂w)
    and snap that to the grid; move_b keeps w fixed and move_w keeps b fixed,
    so each shows the step along one cross-section. Returns (move_b, move_w).
    """
    lr = _checks.positive(lr, "lr")
    i, j = grid.nearest(b, w)
    i_after, j_after = grid.nearest(grid.b_range[i] - lr * grad_b, grid.w_range[j] - lr * grad_w)
    return _moves(grid, i, j, i_after, j_after)


def _moves(grid, i, j, i_after, j_after):
    L = grid.loss
    move_b = GridMove("b", float(grid.b_range[i]), float(grid.b_range[i_after]), float(L[j, i]), float(L[j, i_after]))
    move_w = GridMove("w", float(grid.w_range[j]), float(grid.w_range[j_after]), float(L[j, i]), float(L[j_after, i]))
    return move_b, move_w


# ------------------------------------------------------------------ geometry


def hessian(x):
    """H = 2/N ZᵀZ with Z = [1, X]: the (constant) second derivative of the MSE in θ = (b, w).

    It depends on the features only, not on y.
    """
    X = _checks.features(x)
    Z = design_matrix(X)
    return 2.0 / len(X) * (Z.T @ Z)


@dataclass(frozen=True)
class Curvature:
    """The eigenvalues λ of the Hessian (ascending) and what they imply for plain gradient descent."""

    eigenvalues: np.ndarray

    @property
    def condition_number(self):
        """κ = λ_max / λ_min: how stretched the valley is (1 = a round bowl)."""
        return float(self.eigenvalues[-1] / self.eigenvalues[0])

    @property
    def critical_lr(self):
        """η* = 2 / λ_max: full-batch descent diverges for any larger learning rate."""
        return float(2.0 / self.eigenvalues[-1])

    def time_constant(self, lr):
        """≈ 1 / (η λ_min): updates needed to shrink the slowest direction's error by e (for small η λ)."""
        return float(1.0 / (_checks.positive(lr, "lr") * self.eigenvalues[0]))


def curvature(x):
    """Curvature of the MSE surface for the features x (see Curvature)."""
    return Curvature(np.linalg.eigvalsh(hessian(x)))


def lr_regime(lr, curv):
    """What full-batch descent does at learning rate η, from theory.

    Along an eigen-direction with curvature λ the error is multiplied by
    (1 − η λ) at every step: it shrinks monotonically if η λ ≤ 1, flips sign
    and shrinks (oscillates) if 1 < η λ ≤ 2, and grows if η λ > 2.  The verdict
    is that of the steepest direction, λ_max (see learning_rates.classify for
    what a finished run looked like).
    """
    top = _checks.positive(lr, "lr") * curv.eigenvalues[-1]
    return "converging" if top <= 1 else "oscillating" if top <= 2 else "diverging"


@dataclass(frozen=True)
class GradientCheck:
    analytic: np.ndarray
    numerical: np.ndarray
    relative_error: float


def check_gradients(b, w, x, y, h=1e-6):
    """Compare gradients() with central differences of mse() at (b, w)."""
    X = _checks.features(x)
    theta = np.concatenate([[_checks.scalar(b, "b")], _checks.weights(w, X.shape[1])])
    db, dw = gradients(theta[0], theta[1:], X, y)
    analytic = np.concatenate([[db], np.atleast_1d(dw)])
    numerical = numerical_gradient(lambda: mse(theta[0], theta[1:], X, y), theta, h)
    return GradientCheck(analytic, numerical, relative_error(analytic, numerical))


def _grid_axis(values, name):
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} is empty: expected at least one grid value")
    _checks.finite(arr, name)
    return arr
