import numpy as np
import pytest

from gdcore import optimizers
from gdcore.optimizers import SGD, Adam, Constant, ExponentialDecay, Momentum, StepDecay
from gdcore_testutils import close


def test_schedules():
    assert [Constant(0.1)(t) for t in (0, 5, 99)] == [0.1, 0.1, 0.1]
    assert [StepDecay(0.8, factor=0.5, every=2)(t) for t in range(6)] == [0.8, 0.8, 0.4, 0.4, 0.2, 0.2]
    close([ExponentialDecay(1.0, gamma=0.9)(t) for t in range(4)], [1.0, 0.9, 0.81, 0.729], rel=1e-15)
    assert isinstance(optimizers.as_schedule(0.3), Constant)
    assert optimizers.as_schedule(np.exp) is np.exp


def _updates(opt, grads, lr):
    theta = np.zeros(2)
    opt.reset()
    path = []
    for g in grads:
        opt.update([theta], [np.asarray(g, dtype=float)], lr)
        path.append(theta.copy())
    return np.array(path)


def test_sgd_and_momentum_by_hand():
    grads = [[1.0, -2.0], [1.0, -2.0], [0.5, 0.0]]
    close(_updates(SGD(), grads, 0.1)[-1], [-0.25, 0.4], rel=1e-15)
    # v1 = g, v2 = βv1 + g = 1.5g, v3 = β·1.5g + g3
    path = _updates(Momentum(beta=0.5), grads, 0.1)
    v = np.array([1.0, -2.0])
    v3 = 0.5 * 1.5 * v + np.array([0.5, 0.0])
    close(path[-1], -0.1 * (v + 1.5 * v + v3), rel=1e-15)


def test_adam_by_hand():
    g1, g2 = np.array([2.0, -0.5]), np.array([1.0, 0.5])
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    path = _updates(Adam(b1, b2, eps), [g1, g2], lr)
    m1, s1 = (1 - b1) * g1, (1 - b2) * g1**2
    theta1 = -lr * (m1 / (1 - b1)) / (np.sqrt(s1 / (1 - b2)) + eps)
    close(path[0], theta1, rel=1e-14)
    close(path[0], -lr * np.sign(g1), rel=1e-6)  # the first Adam step has size η in every coordinate
    m2, s2 = b1 * m1 + (1 - b1) * g2, b2 * s1 + (1 - b2) * g2**2
    close(path[1], theta1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(s2 / (1 - b2**2)) + eps), rel=1e-14)


def test_make_optimizer_resets_state():
    opt = Momentum()
    _updates(opt, [[1.0, 1.0]], 0.1)
    assert optimizers.make_optimizer(opt) is opt and opt._velocity is None
    assert isinstance(optimizers.make_optimizer("adam"), Adam)


@pytest.mark.parametrize("make, match", [
    (lambda: Constant(0.0), "lr"),
    (lambda: StepDecay(0.1, factor=1.5), "factor"),
    (lambda: StepDecay(0.1, every=0), "every"),
    (lambda: ExponentialDecay(0.1, gamma=0.0), "gamma"),
    (lambda: Momentum(beta=1.0), "beta"),
    (lambda: Adam(beta2=-0.1), "beta2"),
    (lambda: Adam(eps=0), "eps"),
    (lambda: optimizers.make_optimizer("rmsprop"), "optimizer"),
    (lambda: optimizers.make_optimizer(42), "optimizer"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()
