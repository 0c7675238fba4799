"""Finite-difference gradients, to check analytic ones.

The central difference

    ∂f/∂θ_j ≈ (f(θ + h e_j) − f(θ − h e_j)) / 2h

has error O(h²) (the O(h) terms cancel), against O(h) for the one-sided
difference. h ≈ 1e-6 balances that truncation error against the rounding
error of subtracting two nearly equal numbers in float64.
"""

import numpy as np


def numerical_gradient(f, theta, h=1e-6):
    """Central-difference gradient of the scalar function f at the array theta.

    theta is perturbed in place one entry at a time and restored, so f may
    close over it (as a network closes over its weight arrays).
    """
    grad = np.zeros_like(theta, dtype=float)
    flat, flat_grad = theta.reshape(-1), grad.reshape(-1)
    for j in range(flat.size):
        saved = flat[j]
        flat[j] = saved + h
        f_plus = f()
        flat[j] = saved - h
        f_minus = f()
        flat[j] = saved
        flat_grad[j] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """‖a − b‖ / max(‖a‖ + ‖b‖, tiny): scale-free, and 0 when both are zero."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / max(denom, np.finfo(float).tiny))
