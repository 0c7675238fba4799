"""Input checks shared by the public functions.

Every failure is a ValueError that names the offending argument and says what
was expected, so a broken post cell points at its own mistake rather than at a
numpy traceback three calls deep.
"""

import math
import numbers

import numpy as np


def features(x, name="x"):
    """Return x as a float64 matrix of shape (N, d); a 1-D x is a single feature."""
    arr = _float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (N,) or (N, d), got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: expected at least one sample")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has no columns: expected shape (N, d) with d >= 1")
    finite(arr, name)
    return arr


def targets(y, n, name="y"):
    """Return y as a float64 vector of length n; a column (n, 1) is flattened."""
    arr = _float_array(y, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must have shape (N,) or (N, 1), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty: expected at least one target")
    if arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values but x has {n} rows: lengths must match")
    finite(arr, name)
    return arr


def one_feature(x, y):
    """x as a 1-D array (it must be a single feature) and y as a matching vector."""
    X = features(x)
    if X.shape[1] != 1:
        raise ValueError(f"x must have a single feature here, got {X.shape[1]} features")
    return X[:, 0], targets(y, X.shape[0])


def weights(w, d, name="w"):
    """Return w as a float64 vector of length d; a scalar is repeated for every feature."""
    arr = _float_array(w, name)
    if arr.ndim == 0:
        arr = np.full(d, float(arr))
    arr = arr.reshape(-1) if arr.size == d else arr
    if arr.shape != (d,):
        raise ValueError(f"{name} must be a number or have {d} entries (one per feature), got shape {arr.shape}")
    finite(arr, name)
    return arr


def scalar(value, name):
    """Return value as a finite Python float; a one-element array counts as a number."""
    arr = _float_array(value, name)
    if isinstance(value, bool) or arr.size != 1:
        raise ValueError(f"{name} must be a single number, got {value!r}")
    value = float(arr.reshape(()))
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def finite(arr, name):
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or inf: expected finite numbers only")


def positive(value, name):
    """A positive finite real number (learning rates, scales)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def in_range(value, name, low, high, *, low_open=False, high_open=True):
    """A real number in [low, high) by default (decay factors, betas)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number in {_interval(low, high, low_open, high_open)}, got {value!r}")
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        raise ValueError(f"{name} must be in {_interval(low, high, low_open, high_open)}, got {value!r}")
    return float(value)


def count(value, name, *, minimum=1):
    """An integer >= minimum (epochs, batch sizes, layer widths)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def _float_array(value, name):
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric array-like: {exc}") from None


def _interval(low, high, low_open, high_open):
    return f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
