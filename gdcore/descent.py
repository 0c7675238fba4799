"""Gradient descent for linear regression: batch, mini-batch and stochastic.

One runner covers the three flavours; they differ only in how many rows feed
each update:

    batch_size=None   every update sees all N rows                  (batch)
    batch_size=k      rows are shuffled each epoch and cut into
                      consecutive slices of k rows                   (mini-batch)
    batch_size=1      one row per update                             (stochastic)

Inside the runner the parameters live in one vector θ = (b, w₁, …, w_d), so an
optimizer never needs to know which entry is the intercept.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import _checks, optimizers
from .linear import design_matrix, public_w

RECORD_MODES = ("update", "epoch")


@dataclass(frozen=True)
class History:
    """The path of a run, one row per recorded point; row 0 is the start.

    loss[k] is the MSE on the full data at (b[k], w[k]); epoch[k] is the epoch
    that produced the row (0 for the start).
    """

    b: np.ndarray
    w: np.ndarray
    loss: np.ndarray
    epoch: np.ndarray

    def __len__(self):
        return len(self.b)


@dataclass(frozen=True)
class DescentResult:
    """What a run ended with, how it got there, and whether it blew up."""

    b: float
    w: "float | np.ndarray"
    loss: float
    initial_loss: float
    history: History
    diverged: bool
    epochs_run: int
    updates: int
    lr: object
    batch_size: "int | None"
    optimizer: str

    @property
    def params(self):
        return self.b, self.w


def gradient_descent(x, y, lr=1e-4, epochs=1000, init=(0.0, 0.0), batch_size=None, seed=None,
                     optimizer="sgd", record="update", fast=False):
    """Fit ŷ = b + w·x by minimising L(b, w) = 1/N Σ (b + w·x_i − y_i)².

    Parameters
    ----------
    x, y        data: x of shape (N,), (N, 1) or (N, d); y of shape (N,).
    lr          learning rate η > 0, or a schedule epoch → η (see optimizers).
    epochs      passes over the data (0 just evaluates the start).
    init        starting (b, w); w may be a number (used for every feature).
    batch_size  None for batch, k for mini-batches of k rows, 1 for stochastic.
    seed        seeds the per-epoch shuffle, so mini-batch runs are reproducible.
    optimizer   "sgd", "momentum", "adam" or an optimizer object.
    record      "update": a history row after every update; "epoch": one per
                epoch (for mini-batch runs this avoids a full-data loss per update).
    fast        batch only: compute losses and gradients from the data's
                centred moments, so each epoch costs O(d²) after one pass.

    A run that overflows stops at the last finite parameters with
    `diverged=True`; no floating-point warnings are emitted.
    """
    X = _checks.features(x)
    y = np.ascontiguousarray(_checks.targets(y, X.shape[0]))
    n, d = X.shape
    schedule = optimizers.as_schedule(lr)
    epochs = _checks.count(epochs, "epochs", minimum=0)
    if batch_size is not None:
        batch_size = _checks.count(batch_size, "batch_size")
    if record not in RECORD_MODES:
        raise ValueError(f"record must be one of {RECORD_MODES}, got {record!r}")
    if fast and batch_size is not None:
        raise ValueError("fast=True needs batch_size=None: the moment shortcut only gives full-batch gradients")
    opt = optimizers.make_optimizer(optimizer)
    theta = _initial_theta(init, d)

    Z = design_matrix(X)  # ŷ = Zθ: the intercept is just the weight of a column of ones
    moments = _Moments(X, y) if fast or batch_size is not None else None
    objective = moments if fast else _Residuals(Z, y)
    batches = _Batches(Z, y, batch_size, seed)
    per_update = record == "update" or batches.full  # in batch mode the two coincide
    trace = _Trace(1 + epochs * (batches.per_epoch if per_update else 1), d + 1)
    grad, previous = np.empty(d + 1), np.empty(d + 1)
    diverged, updates, epochs_run = False, 0, 0

    # Blow-ups are detected below and reported in the result instead of
    # flooding the cell output with overflow warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        initial_loss = float(objective.loss(theta))
        trace.add(theta, 0, initial_loss)
        for epoch in range(1, epochs + 1):
            rate = _checks.positive(schedule(epoch - 1), "lr(epoch)")
            for Z_batch, y_batch in batches.epoch():
                batch_loss = objective.loss_and_gradient(theta, Z_batch, y_batch, grad)
                if batches.full:
                    trace.set_last_loss(batch_loss)  # the full-data loss of the last row, for free
                if not math.isfinite(batch_loss):
                    diverged = True
                    break
                np.copyto(previous, theta)
                opt.update([theta], [grad], rate)
                updates += 1
                if per_update:
                    trace.add(theta, epoch)
            if diverged:
                break
            epochs_run = epoch
            if not per_update:
                trace.add(theta, epoch)
        if not np.isfinite(theta).all():  # the last update overflowed: step back to the last finite point
            np.copyto(theta, previous)
            updates -= 1
            diverged = True
            if per_update:
                trace.drop_last()
        final_loss = float(objective.loss(theta))
        if diverged and not per_update:
            trace.add(theta, epochs_run + 1)
        if moments is not None:  # mini-batch rows never saw the full data: O(d²) per row from the moments
            trace.loss[: trace.count] = moments.losses(trace.theta[: trace.count])
        trace.set_last_loss(final_loss)

    return DescentResult(
        b=float(theta[0]), w=public_w(theta[1:]), loss=final_loss, initial_loss=initial_loss,
        history=trace.history(one_feature=d == 1), diverged=diverged, epochs_run=epochs_run,
        updates=updates, lr=lr, batch_size=batch_size, optimizer=getattr(opt, "name", type(opt).__name__),
    )


def path_of(run):
    """(b, w) arrays of a one-feature path from a DescentResult, a History or a pair of sequences."""
    if isinstance(run, DescentResult):
        run = run.history
    if isinstance(run, History):
        if np.ndim(run.w) != 1:
            raise ValueError("run must be a one-feature run to give a (b, w) path, got w of shape "
                             f"{np.shape(run.w)}")
        return run.b, run.w
    b, w = run
    return np.asarray(b, dtype=float), np.asarray(w, dtype=float)


def losses_of(run):
    """The loss history of a DescentResult or History (or the array itself)."""
    if isinstance(run, DescentResult):
        return run.history.loss
    if isinstance(run, History):
        return run.loss
    return np.asarray(run, dtype=float)


# ------------------------------------------------------------------ kernels


class _Residuals:
    """The MSE and its gradient straight from the residuals, on the design Z = [1, X].

    One N-sized scratch vector is allocated up front and reused, so an epoch
    makes no fresh N-sized temporaries.
    """

    def __init__(self, Z, y):
        self.Z, self.y = Z, y
        self.scratch = np.empty(len(y))

    def loss_and_gradient(self, theta, Z, y, grad):
        """Write ∇L(θ) on the rows (Z, y) into grad and return L(θ) there:

            e = Zθ − y,   L = eᵀe / n,   ∇L = 2/n Zᵀe   (= 2/n (Σ e_i, Σ e_i x_i))
        """
        e = self.scratch[: len(y)]
        np.dot(Z, theta, out=e)
        e -= y
        np.dot(e, Z, out=grad)
        grad *= 2.0 / len(y)
        return np.dot(e, e) / len(y)

    def loss(self, theta):
        e = self.scratch
        np.dot(self.Z, theta, out=e)
        e -= self.y
        return np.dot(e, e) / len(e)


class _Moments:
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

    def loss_and_gradient(self, theta, Z, y, grad):
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


class _Batches:
    """The row blocks of one epoch.

    Batch mode yields the data itself, unshuffled. Mini-batch mode draws one
    permutation per epoch, gathers the rows once into preallocated buffers and
    then yields contiguous slices of them: views, so no per-batch fancy
    indexing and no copies.
    """

    def __init__(self, Z, y, batch_size, seed):
        self.Z, self.y, self.size = Z, y, batch_size
        self.full = batch_size is None
        self.per_epoch = 1 if self.full else -(-len(y) // batch_size)
        if not self.full:
            self.rng = np.random.RandomState(seed)
            self.Z_shuffled, self.y_shuffled = np.empty_like(Z), np.empty_like(y)

    def epoch(self):
        if self.full:
            yield self.Z, self.y
            return
        order = self.rng.permutation(len(self.y))
        np.take(self.Z, order, axis=0, out=self.Z_shuffled, mode="clip")  # "clip": indices are valid, skip the bounds buffer
        np.take(self.y, order, out=self.y_shuffled, mode="clip")
        for start in range(0, len(self.y), self.size):
            stop = start + self.size
            yield self.Z_shuffled[start:stop], self.y_shuffled[start:stop]


class _Trace:
    """Preallocated history rows. A row's loss may arrive one step late: in
    batch mode the next gradient evaluation computes it anyway."""

    def __init__(self, rows, size):
        self.theta = np.empty((rows, size))
        self.loss = np.full(rows, np.nan)
        self.epoch = np.zeros(rows, dtype=int)
        self.count = 0

    def add(self, theta, epoch, loss=np.nan):
        i = self.count
        self.theta[i], self.loss[i], self.epoch[i] = theta, loss, epoch
        self.count = i + 1

    def drop_last(self):
        self.count -= 1

    def set_last_loss(self, loss):
        self.loss[self.count - 1] = loss

    def history(self, one_feature):
        theta = self.theta[: self.count]
        w = theta[:, 1] if one_feature else theta[:, 1:]
        return History(b=theta[:, 0].copy(), w=w.copy(), loss=self.loss[: self.count].copy(),
                       epoch=self.epoch[: self.count].copy())


def _initial_theta(init, d):
    if init is None:
        return np.zeros(d + 1)
    try:
        b, w = init
    except (TypeError, ValueError):
        raise ValueError(f"init must be a pair (b, w), got {init!r}") from None
    theta = np.empty(d + 1)
    theta[0] = _checks.scalar(b, "init b")
    theta[1:] = _checks.weights(w, d, "init w")
    return theta


# ------------------------------------------------------ learning-rate study


@dataclass(frozen=True)
class LearningRateRun:
    lr: object
    result: DescentResult
    verdict: str


def classify(result):
    """Label a run 'diverging', 'oscillating' or 'converging'.

    diverging    the run overflowed, or ended with a higher loss than it began;
    oscillating  over the second half of the run most consecutive steps point
                 against each other (Δθ_k · Δθ_{k−1} < 0): the iterate hops
                 from one wall of the valley to the other;
    converging   otherwise.
    For batch descent on the MSE this matches the theory exactly
    (see surface.lr_regime): steps reverse precisely when η λ_max > 1.
    """
    if result.diverged or not result.loss <= result.initial_loss:
        return "diverging"
    path = np.column_stack([result.history.b, result.history.w])
    steps = np.diff(path, axis=0)[(len(path) - 1) // 2:]
    turns = np.einsum("ij,ij->i", steps[1:], steps[:-1])
    if turns.size and np.mean(turns < 0) > 0.5:
        return "oscillating"
    return "converging"


def compare_learning_rates(x, y, lrs, **kwargs):
    """Run gradient_descent once per learning rate (other settings shared) and classify each run."""
    runs = []
    for lr in lrs:
        result = gradient_descent(x, y, lr=lr, **kwargs)
        runs.append(LearningRateRun(lr=lr, result=result, verdict=classify(result)))
    return runs
