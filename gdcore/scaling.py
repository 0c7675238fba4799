"""Feature standardization.

    z = (x − μ) / σ

with μ and σ the mean and the population standard deviation (ddof = 0) of
each feature, estimated on the training split only — the validation split
must be transformed with the training statistics, or information about it
leaks into the fit.

Why bother: gradient descent moves every parameter with the same learning
rate, but the curvature of the loss along w grows with the scale of x. On raw
features the loss surface is a long narrow valley (large condition number,
see surface.curvature); after standardizing, the MSE Hessian of a single
feature becomes exactly 2·I and the valley turns into a round bowl.
"""

from dataclasses import dataclass, field

import numpy as np

from . import _checks


@dataclass
class StandardScaler:
    """Learns μ and σ with fit(), applies z = (x − μ)/σ with transform(), undoes it with inverse_transform().

    A constant feature (σ = 0) keeps σ = 1, so it maps to zeros instead of NaN.
    One-feature input of shape (N,) comes back with shape (N,).
    """

    mean_: np.ndarray = field(default=None, init=False)
    scale_: np.ndarray = field(default=None, init=False)

    def fit(self, x):
        X = _checks.features(x)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)  # ddof=0: the population standard deviation
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, x):
        X, flat = self._prepare(x)
        Z = (X - self.mean_) / self.scale_
        return Z[:, 0] if flat else Z

    def inverse_transform(self, z):
        Z, flat = self._prepare(z, name="z")
        X = Z * self.scale_ + self.mean_
        return X[:, 0] if flat else X

    def fit_transform(self, x):
        return self.fit(x).transform(x)

    def _prepare(self, x, name="x"):
        if self.mean_ is None:
            raise ValueError("StandardScaler is not fitted: call fit(x_train) first")
        flat = np.ndim(x) == 1
        X = _checks.features(x, name)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"{name} has {X.shape[1]} features but the scaler was fitted on {self.mean_.shape[0]}")
        return X, flat


def unscale_params(b, w, scaler):
    """Map a line fitted on standardized features back to the original units.

        b + w·(x − μ)/σ = (b − Σ_j w_j μ_j/σ_j) + Σ_j (w_j/σ_j) x_j
    """
    w = np.atleast_1d(np.asarray(w, dtype=float))
    w_raw = w / scaler.scale_
    b_raw = float(b - w_raw @ scaler.mean_)
    return b_raw, (float(w_raw[0]) if w_raw.size == 1 else w_raw)
