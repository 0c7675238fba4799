import numpy as np
import pytest

import gdcore
from gdcore import datasets
from gdcore_testutils import close


@pytest.fixture
def plane():
    return datasets.linear_data(n=50, b=0.5, w=(1.0, -2.0, 3.0), noise=0.2, seed=3)


def test_one_feature_shapes_give_float_w():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
    for xs in (x, x[:, None]):
        assert gdcore.predict(1.0, 2.0, xs).shape == (3,)
        db, dw = gdcore.gradients(0.0, 0.0, xs, y)
        assert isinstance(db, float) and isinstance(dw, float)
        assert gdcore.mse(1.0, 2.0, xs, y) == 0.0
    b, w = gdcore.least_squares(x, y[:, None])
    assert isinstance(w, float)
    close([b, w], [1.0, 2.0], rel=1e-12)


def test_formulas_by_hand():
    x, y = np.array([1.0, 2.0]), np.array([2.0, 1.0])
    b, w = 0.5, 1.5
    # ŷ = (2, 3.5); e = (0, 2.5); L = (0 + 6.25)/2
    close(gdcore.predict(b, w, x), [2.0, 3.5], rel=0)
    close(gdcore.errors(b, w, x, y), [0.0, 2.5], rel=0)
    assert gdcore.mse(b, w, x, y) == 3.125
    db, dw = gdcore.gradients(b, w, x, y)
    assert (db, dw) == (2.5, 5.0)  # 2/N Σe = 2.5, 2/N Σ e x = 2.5·2 = 5
    assert gdcore.step(b, w, db, dw, lr=0.1) == (0.25, 1.0)


def test_many_features(plane):
    X, y = plane
    w = np.array([0.1, 0.2, 0.3])
    close(gdcore.predict(0.5, w, X), 0.5 + X @ w, rel=1e-14)
    db, dw = gdcore.gradients(0.5, w, X, y)
    assert dw.shape == (3,)
    check = gdcore.check_gradients(0.5, w, X, y)
    assert check.relative_error < 1e-8
    b, w_opt = gdcore.least_squares(X, y)
    db, dw = gdcore.gradients(b, w_opt, X, y)
    close(np.r_[db, dw], np.zeros(4), abs=1e-13)  # the gradient vanishes at the optimum


def test_scalar_w_broadcasts_to_every_feature(plane):
    X, y = plane
    close(gdcore.predict(0.0, 2.0, X), 2.0 * X.sum(axis=1), rel=1e-14)


def test_init_params_is_seeded_and_local():
    assert gdcore.init_params(1, seed=42) == gdcore.init_params(1, seed=42)
    b, w = gdcore.init_params(3, seed=0)
    assert isinstance(b, float) and w.shape == (3,)
    assert gdcore.init_params(1, seed=1) != gdcore.init_params(1, seed=2)


def test_gradient_check_one_feature():
    data = datasets.synthetic_line()
    result = gdcore.check_gradients(0.3, -1.2, data.x_train, data.y_train)
    assert result.relative_error < 1e-8
    assert result.analytic.shape == result.numerical.shape == (2,)


def test_notebook_style_arrays_are_accepted():
    # b = np.random.randn(1); x_train of shape (N, 1): the shapes a notebook hands over
    data = datasets.synthetic_line()
    x, y = data.x_train[:, None], data.y_train[:, None]
    b, w = np.array([0.5]), np.array([-0.1])
    assert gdcore.mse(b, w, x, y) == gdcore.mse(0.5, -0.1, data.x_train, data.y_train)
    b1, w1 = gdcore.step(b, w, *gdcore.gradients(b, w, x, y), lr=0.1)
    assert isinstance(b1, float) and isinstance(w1, float)
    result = gdcore.gradient_descent(x, y, lr=0.1, epochs=3, init=(b, w))
    assert isinstance(result.w, float)
