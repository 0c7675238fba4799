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

import itertools
import math
from dataclasses import dataclass, replace

import numpy as np

from . import _checks, optimizers
from ._engine import Batches, Moments, Residuals, Trace, minibatch_gradient
from .linear import public_w

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
    updates_per_epoch: int = 1
    epochs: "int | None" = None      # the epochs asked for (epochs_run is fewer when the run blew up)

    @property
    def params(self):
        return self.b, self.w

    def after(self, epochs):
        """The run as it stood after its first `epochs` epochs: a prefix of this one, not a new run.

        A descent is deterministic, so the run that stops after k epochs is the
        first k epochs of a longer run with the same settings.  Sweeping the number
        of steps (an interactive figure with `steps: {from: 0, to: 50}`) therefore
        needs one run of 50 epochs, cut with `run.after(steps)`, not 50 runs:

            run = gradient_descent(x, y, lr=0.1, epochs=50)
            run.after(12)       # b, w, loss, history and verdict after 12 epochs

        The result is a DescentResult like any other (plots and classify take it).
        A run that stopped because it blew up is itself from that epoch on; asking
        for more epochs than the run was given is a ValueError.  The result agrees
        with a fresh run of that many epochs, except that at the edge of overflow
        (a loss near 1e308) the two may disagree on whether the loss overflowed.
        `updates` is exact for histories recorded per update (the default); for
        record="epoch" it is whole epochs times the updates of one.
        """
        epochs = _checks.count(epochs, "epochs", minimum=0)
        asked = self.epochs_run if self.epochs is None else self.epochs
        if epochs > asked:
            raise ValueError(f"the run has {asked} epochs, so it cannot say where it was after {epochs}: "
                             f"run it for at least {epochs} epochs")
        if epochs > self.epochs_run or (epochs == self.epochs_run and not self.diverged):
            return self  # a run that stopped when it blew up stays what it was from there on
        history = self.history
        rows = int(np.searchsorted(history.epoch, epochs, side="right"))
        cut = History(history.b[:rows], history.w[:rows], history.loss[:rows], history.epoch[:rows])
        per_update = len(history) - 1 == self.updates
        updates = rows - 1 if per_update else epochs * self.updates_per_epoch
        loss = float(cut.loss[-1])
        return replace(self, b=float(cut.b[-1]), w=public_w(np.asarray(cut.w[-1])), loss=loss, history=cut,
                       diverged=not math.isfinite(loss), epochs_run=epochs, updates=updates)


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
    record      "update": a history row after every update; "epoch": one row
                per epoch (a smaller history for long stochastic runs).
    fast        batch only: compute losses and gradients from the data's
                centred moments, so each epoch costs O(d²) after one pass
                (agrees with the residual-based path to ~1e-14).

    A run that overflows stops at the last finite parameters with
    `diverged=True`; no floating-point warnings are emitted.
    """
    X = np.ascontiguousarray(_checks.features(x))
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

    moments = Moments(X, y) if fast or batch_size is not None else None
    objective = moments if fast else Residuals(X, y)  # L and ∇L on all the data
    batches = Batches(X, y, batch_size, seed)
    per_update = record == "update" or batches.full  # in batch mode the two coincide
    trace = Trace(1 + epochs * (batches.per_epoch if per_update else 1), d + 1)
    grad, previous = np.empty(d + 1), np.empty(d + 1)
    diverged, updates, epochs_run = False, 0, 0

    # Blow-ups are detected below and reported in the result instead of
    # flooding the cell output with overflow warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        initial_loss = float(objective.loss(theta))
        trace.add(theta, 0)
        for epoch in range(1, epochs + 1):
            rate = _checks.positive(schedule(epoch - 1), "lr(epoch)")
            for Z_batch, y_batch in batches.epoch():
                if batches.full:
                    batch_loss = objective.loss_and_gradient(theta, grad)
                    trace.set_last_loss(batch_loss)  # the full-data loss of the last row, for free
                    blown_up = not math.isfinite(batch_loss)
                else:
                    minibatch_gradient(theta, Z_batch, y_batch, batches.scratch, grad)
                    blown_up = not math.isfinite(grad[0])  # ∂L/∂b = 2/n Σe is NaN or ±inf as soon as any e_i is
                if blown_up:
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
            if not np.isfinite(trace.theta[trace.count - 1]).all():
                trace.drop_last()
        if diverged and not per_update:  # stopped mid-epoch: record where
            trace.add(theta, epochs_run + 1)
        final_loss = float(objective.loss(theta))
        diverged = diverged or not math.isfinite(final_loss)
        if moments is not None:  # mini-batch rows never saw the full data: O(d²) per row from the moments
            trace.loss[: trace.count] = moments.losses(trace.theta[: trace.count])
        trace.loss[0] = initial_loss
        trace.set_last_loss(final_loss)

    return DescentResult(
        b=float(theta[0]), w=public_w(theta[1:]), loss=final_loss, initial_loss=initial_loss,
        history=History(*trace.columns(one_feature=d == 1)), diverged=diverged, epochs_run=epochs_run,
        updates=updates, lr=lr, batch_size=batch_size, optimizer=getattr(opt, "name", type(opt).__name__),
        updates_per_epoch=batches.per_epoch, epochs=epochs,
    )


def sweep(x, y, *, epochs, **settings):
    """Run gradient_descent once per combination of the settings given as lists; the rest is shared.

        runs = sweep(x, y, epochs=50, lr=[0.01, 0.1, 0.5], init=(0, 0))
        runs[0.1].after(12)                    # lr = 0.1, after 12 epochs

        runs = sweep(x, y, epochs=40, lr=[0.05, 0.2], batch_size=[1, 16, None], seed=42)
        runs[0.2, 16]                          # two lists: keys are tuples, in keyword order

    Made for interactive figures: compute every run in the cell above the
    interactive one (each frame starts from a copy of that cell's variables, so
    the runs are computed once), then pick and cut them in the interactive cell
    with `.after(steps)`.  Only lists are swept: `init=(0, 0)` is one setting.
    Returns a dict whose keys are the swept values (a tuple of them for several lists).
    """
    swept = {k: v for k, v in settings.items() if isinstance(v, list)}
    if not swept:
        raise ValueError("sweep needs at least one setting given as a list of values, e.g. lr=[0.01, 0.1]")
    fixed = {k: v for k, v in settings.items() if k not in swept}
    runs = {}
    for values in itertools.product(*swept.values()):
        key = values[0] if len(values) == 1 else values
        if key in runs:
            raise ValueError(f"sweep lists the value {key!r} twice")
        runs[key] = gradient_descent(x, y, epochs=epochs, **fixed, **dict(zip(swept, values, strict=True)))
    return runs


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
