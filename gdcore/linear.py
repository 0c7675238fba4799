"""Linear regression, one formula per function.

The model is a line (one feature) or a plane (d features):

    ŷ_i = b + w·x_i

with intercept b, weights w ∈ R^d and N samples x_i. The loss is the mean
squared error and everything else (gradients, the update, the closed-form
optimum) follows from it.

Shapes: x may be (N,) or (N, 1) for one feature, (N, d) for many. For one
feature w is a plain float, for many it is an array of shape (d,).
"""

import numpy as np

from . import _checks


def init_params(n_features=1, seed=None):
    """Random start: b ~ N(0, 1) drawn first, then w ~ N(0, 1)^d.

    Drawn from np.random.RandomState(seed), the legacy stream, so seed=42 with
    one feature gives the classic start b = 0.4967…, w = −0.1383… (the same
    numbers as `np.random.seed(42); randn(1); randn(1)`) without touching
    numpy's global random state.
    """
    n_features = _checks.count(n_features, "n_features")
    rng = np.random.RandomState(seed)
    b = float(rng.randn())
    return b, public_w(rng.randn(n_features))


def predict(b, w, x):
    """Forward pass: ŷ_i = b + w·x_i."""
    X = _checks.features(x)
    w = _checks.weights(w, X.shape[1])
    return _checks.scalar(b, "b") + X @ w


def errors(b, w, x, y):
    """Residuals e_i = ŷ_i − y_i = b + w·x_i − y_i (prediction minus target)."""
    X = _checks.features(x)
    y = _checks.targets(y, X.shape[0])
    return predict(b, w, X) - y


def mse(b, w, x, y):
    """Mean squared error L(b, w) = 1/N Σ (b + w·x_i − y_i)²."""
    e = errors(b, w, x, y)
    return float(np.mean(e**2))


def gradients(b, w, x, y):
    """Analytic gradient of the MSE.

        ∂L/∂b = 2/N Σ e_i
        ∂L/∂w = 2/N Σ e_i x_i     (= 2/N Xᵀe)

    Returns (db, dw); dw is a float for one feature, an array for many.
    """
    X = _checks.features(x)
    e = errors(b, w, X, y)
    n = X.shape[0]
    return float(2 * e.mean()), public_w(2 * (X.T @ e) / n)


def step(b, w, db, dw, lr):
    """One plain gradient-descent update: b ← b − η ∂L/∂b,  w ← w − η ∂L/∂w."""
    lr = _checks.positive(lr, "lr")
    w_new = np.asarray(w, dtype=float) - lr * np.asarray(dw, dtype=float)
    return _checks.scalar(b, "b") - lr * _checks.scalar(db, "db"), public_w(w_new)


def least_squares(x, y):
    """Closed-form minimiser of the MSE: solve min ‖Z θ − y‖² with Z = [1, X].

    Uses np.linalg.lstsq (an SVD), which stays accurate when the normal
    equations ZᵀZ θ = Zᵀy would be badly conditioned.
    """
    X = _checks.features(x)
    y = _checks.targets(y, X.shape[0])
    Z = design_matrix(X)
    theta = np.linalg.lstsq(Z, y, rcond=None)[0]
    return float(theta[0]), public_w(theta[1:])


def design_matrix(X):
    """Z = [1, X]: the column of ones carries the intercept, so ŷ = Z θ with θ = (b, w)."""
    return np.column_stack([np.ones(X.shape[0]), X])


def public_w(w):
    """The public face of w: a float for one feature, a (d,) array for many."""
    w = np.asarray(w, dtype=float).reshape(-1)
    return float(w[0]) if w.size == 1 else w.copy()
