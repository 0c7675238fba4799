"""The machinery behind descent.gradient_descent: loss-and-gradient kernels,
the batches of an epoch, and the preallocated history.

Kept apart so that descent.py reads as the algorithm; everything here is about
doing the same arithmetic without waste (no N-sized temporaries per update,
no per-batch fancy indexing, no Python loop over rows).
"""

import numpy as np

from .linear import design_matrix


class Residuals:
    """L and ∇L on all the data, straight from the residuals e = b + Xw − y.

    One N-sized scratch vector is allocated up front and reused, so an epoch
    makes no fresh N-sized temporaries.
    """

    def __init__(self, X, y):
        self.X, self.y = X, y
        self.scratch = np.empty(len(y))

    def loss_and_gradient(self, theta, grad):
        """Write ∇L(θ) into grad and return L(θ):

            L = 1/N Σ e_i²,   ∂L/∂b = 2/N Σ e_i,   ∂L/∂w = 2/N Σ e_i x_i
        """
        e = self.errors(theta)
        grad[0] = e.sum()
        np.dot(e, self.X, out=grad[1:])
        grad *= 2.0 / len(e)
        return np.dot(e, e) / len(e)

    def loss(self, theta):
        e = self.errors(theta)
        return np.dot(e, e) / len(e)

    def errors(self, theta):
        e = self.scratch
        if self.X.shape[1] == 1:  # one column: an elementwise product beats a BLAS matrix-vector call
            np.multiply(self.X[:, 0], theta[1], out=e)
        else:
            np.dot(self.X, theta[1:], out=e)
        e += theta[0]
        e -= self.y
        return e


def minibatch_gradient(theta, Z, y, scratch, grad):
    """∇L on one mini-batch of rows Z = [1, X]:  e = Zθ − y,  ∇L = 2/n Zᵀe.

    A mini-batch is small, so its cost is the number of numpy calls, not the
    arithmetic: the intercept rides in Z's column of ones, and the batch loss
    is not computed at all (histories get the full-data loss from Moments).
    """
    n = len(y)
    e = scratch[:n]
    np.dot(Z, theta, out=e)
    e -= y
    np.dot(e, Z, out=grad)
    grad *= 2.0 / n


class Moments:
    """The MSE and its gradient from centred moments of the data, O(d²) per call.

    Write the residual as e_i = ē + (w·(x_i − x̄) − (y_i − ȳ)) with the mean
    residual ē = b + w·x̄ − ȳ. With S = 1/N Σ (x_i − x̄)(x_i − x̄)ᵀ and w*, r*
    the slope and mean squared residual of the best centred fit (one pass at
    the start), completing the square gives

        L = ē² + (w − w*)ᵀ S (w − w*) + r*
        ∂L/∂b = 2ē,   ∂L/∂w = 2(ē x̄ + S (w − w*))

    Every term of L is ≥ 0, so nothing cancels: the expanded form
    wᵀSw − 2wᵀs + s_yy would lose the digits of a small loss to a large var(y).
    """

    def __init__(self, X, y):
        n = len(y)
        self.x_mean, self.y_mean = X.mean(axis=0), y.mean()
        Xc, yc = X - self.x_mean, y - self.y_mean
        self.S = Xc.T @ Xc / n
        self.w_best = np.linalg.lstsq(Xc, yc, rcond=None)[0]
        r = yc - Xc @ self.w_best
        self.r_best = r @ r / n

    def loss_and_gradient(self, theta, grad):
        b, w = theta[0], theta[1:]
        mean_error = b + w @ self.x_mean - self.y_mean
        S_dw = self.S @ (w - self.w_best)
        grad[0] = 2 * mean_error
        grad[1:] = 2 * (mean_error * self.x_mean + S_dw)
        return mean_error**2 + (w - self.w_best) @ S_dw + self.r_best

    def loss(self, theta):
        return self.losses(theta[None, :])[0]

    def losses(self, thetas):
        """L for many parameter rows at once (thetas of shape (R, d + 1))."""
        b, W = thetas[:, 0], thetas[:, 1:]
        mean_error = b + W @ self.x_mean - self.y_mean
        dW = W - self.w_best
        return mean_error**2 + np.einsum("rj,rj->r", dW @ self.S, dW) + self.r_best


# ----------------------------------------------------------------- plumbing


class Batches:
    """The row blocks of one epoch.

    Batch mode yields a single (None, None): every update uses all the data.
    Mini-batch mode draws one permutation per epoch, gathers the rows of
    Z = [1, X] and y once into preallocated buffers, then yields contiguous
    slices of them: views, so no per-batch fancy indexing and no copies.
    """

    def __init__(self, X, y, batch_size, seed):
        self.size = batch_size
        self.full = batch_size is None
        self.per_epoch = 1 if self.full else -(-len(y) // batch_size)
        if not self.full:
            self.Z, self.y = design_matrix(X), y
            self.rng = np.random.RandomState(seed)
            self.Z_shuffled, self.y_shuffled = np.empty_like(self.Z), np.empty_like(y)
            self.scratch = np.empty(min(batch_size, len(y)))

    def epoch(self):
        if self.full:
            yield None, None
            return
        order = self.rng.permutation(len(self.y))
        # mode="clip": the indices are valid, and it spares take() a bounds-checking buffer
        np.take(self.Z, order, axis=0, out=self.Z_shuffled, mode="clip")
        np.take(self.y, order, out=self.y_shuffled, mode="clip")
        for start in range(0, len(self.y), self.size):
            stop = start + self.size
            yield self.Z_shuffled[start:stop], self.y_shuffled[start:stop]


class Trace:
    """Preallocated history rows. Losses are filled in afterwards: in batch
    mode by the next gradient evaluation (which computes them anyway), for
    mini-batches from the moments once the run is over."""

    def __init__(self, rows, size):
        self.theta = np.empty((rows, size))
        self.loss = np.full(rows, np.nan)
        self.epoch = np.zeros(rows, dtype=int)
        self.count = 0

    def add(self, theta, epoch):
        i = self.count
        self.theta[i], self.epoch[i] = theta, epoch
        self.count = i + 1

    def drop_last(self):
        self.count -= 1

    def set_last_loss(self, loss):
        self.loss[self.count - 1] = loss

    def columns(self, one_feature):
        """(b, w, loss, epoch) of the recorded rows, as fresh arrays."""
        theta = self.theta[: self.count]
        w = theta[:, 1] if one_feature else theta[:, 1:]
        return theta[:, 0].copy(), w.copy(), self.loss[: self.count].copy(), self.epoch[: self.count].copy()
