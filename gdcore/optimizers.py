"""Learning-rate schedules and optimizers.

A schedule maps the epoch number t = 0, 1, 2, … to a learning rate η_t.
An optimizer turns a gradient g into an update of the parameters θ; some keep
state between updates (a velocity, moment estimates).

Optimizers work in place on a list of arrays, so the same objects drive the
two-parameter line (θ = (b, w) in one vector) and every weight matrix of a
neural network.
"""

from dataclasses import dataclass, field

import numpy as np

from . import _checks


# ---------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Constant:
    """η_t = η_0."""

    lr: float

    def __post_init__(self):
        _checks.positive(self.lr, "lr")

    def __call__(self, epoch):
        return self.lr


@dataclass(frozen=True)
class StepDecay:
    """η_t = η_0 · factor^⌊t / every⌋: the rate drops by `factor` every `every` epochs."""

    lr: float
    factor: float = 0.5
    every: int = 10

    def __post_init__(self):
        _checks.positive(self.lr, "lr")
        _checks.in_range(self.factor, "factor", 0, 1, low_open=True, high_open=False)
        _checks.count(self.every, "every")

    def __call__(self, epoch):
        return self.lr * self.factor ** (epoch // self.every)


@dataclass(frozen=True)
class ExponentialDecay:
    """η_t = η_0 · γ^t: a smooth version of step decay."""

    lr: float
    gamma: float = 0.99

    def __post_init__(self):
        _checks.positive(self.lr, "lr")
        _checks.in_range(self.gamma, "gamma", 0, 1, low_open=True, high_open=False)

    def __call__(self, epoch):
        return self.lr * self.gamma**epoch


def as_schedule(lr):
    """A number becomes a constant schedule; a callable epoch → η is kept as is."""
    if callable(lr):
        return lr
    return Constant(_checks.positive(lr, "lr"))


# --------------------------------------------------------------- optimizers


@dataclass
class SGD:
    """Plain gradient descent: θ ← θ − η g."""

    name = "sgd"

    def reset(self):
        pass

    def update(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= lr * g


@dataclass
class Momentum:
    """Heavy-ball momentum: v ← β v + g,  θ ← θ − η v.

    The velocity v is a running sum of past gradients, so steps grow along
    directions where the gradient keeps its sign and cancel where it flips.
    β = 0 is plain SGD.
    """

    beta: float = 0.9
    name = "momentum"
    _velocity: list = field(default=None, init=False, repr=False)

    def __post_init__(self):
        _checks.in_range(self.beta, "beta", 0, 1)

    def reset(self):
        self._velocity = None

    def update(self, params, grads, lr):
        if self._velocity is None:
            self._velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self._velocity):
            v *= self.beta
            v += g
            p -= lr * v


@dataclass
class Adam:
    """Adam (Kingma & Ba, 2015):

        m ← β₁ m + (1 − β₁) g          first moment (mean of g)
        s ← β₂ s + (1 − β₂) g²         second moment (mean of g²)
        m̂ = m / (1 − β₁^t),  ŝ = s / (1 − β₂^t)     bias correction, t = update count
        θ ← θ − η m̂ / (√ŝ + ε)

    Each coordinate gets its own step size, roughly η, whatever the scale of
    its gradient — which is why Adam copes with unscaled features.
    """

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    name = "adam"
    _state: list = field(default=None, init=False, repr=False)
    _t: int = field(default=0, init=False, repr=False)

    def __post_init__(self):
        _checks.in_range(self.beta1, "beta1", 0, 1)
        _checks.in_range(self.beta2, "beta2", 0, 1)
        _checks.positive(self.eps, "eps")

    def reset(self):
        self._state, self._t = None, 0

    def update(self, params, grads, lr):
        if self._state is None:
            self._state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self._t += 1
        correct1 = 1 - self.beta1**self._t
        correct2 = 1 - self.beta2**self._t
        for p, g, (m, s) in zip(params, grads, self._state):
            m *= self.beta1
            m += (1 - self.beta1) * g
            s *= self.beta2
            s += (1 - self.beta2) * g * g
            p -= lr * (m / correct1) / (np.sqrt(s / correct2) + self.eps)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(spec):
    """"sgd", "momentum", "adam" or an optimizer instance, returned with fresh state."""
    if isinstance(spec, str):
        if spec not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an optimizer object, got {spec!r}")
        spec = OPTIMIZERS[spec]()
    if not (hasattr(spec, "update") and hasattr(spec, "reset")):
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or have update() and reset(), got {spec!r}")
    spec.reset()
    return spec
