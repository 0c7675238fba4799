import numpy as np

import gdcore
from gdcore import datasets, surface
from gdcore.scaling import StandardScaler, unscale_params
from gdcore_testutils import close


def test_loss_grid_matches_mse_everywhere():
    data = datasets.synthetic_line(n=30, seed=1)
    b_range, w_range = np.linspace(-1, 3, 9), np.linspace(0, 4, 7)
    grid = surface.loss_grid(data.x, data.y, b_range, w_range)
    assert grid.loss.shape == (7, 9)
    expected = [[gdcore.mse(b, w, data.x, data.y) for b in b_range] for w in w_range]
    close(grid.loss, expected, rel=1e-13)
    bs, ws = grid.mesh
    assert bs.shape == ws.shape == (7, 9) and np.all(bs[0] == b_range) and np.all(ws[:, 0] == w_range)


def test_loss_grid_chunks_large_data(monkeypatch):
    data = datasets.synthetic_line(n=1000, seed=2)
    args = (data.x, data.y, np.linspace(0, 2, 5), np.linspace(1, 3, 4))
    whole = surface.loss_grid(*args)
    monkeypatch.setattr(surface, "_GRID_CHUNK", 20 * 7)  # 7 samples per chunk
    close(surface.loss_grid(*args).loss, whole.loss, rel=1e-13)


def test_curvature_helpers():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    H = gdcore.hessian(x)
    close(H, 2 / 4 * np.array([[4.0, 6.0], [6.0, 14.0]]), rel=1e-15)
    curv = gdcore.curvature(x)
    close(curv.eigenvalues, np.linalg.eigvalsh(H), rel=1e-14)
    close(curv.critical_lr, 2 / curv.eigenvalues[-1], rel=1e-15)
    assert surface.lr_regime(0.99 / curv.eigenvalues[-1], curv) == "converging"
    assert surface.lr_regime(1.5 / curv.eigenvalues[-1], curv) == "oscillating"
    assert surface.lr_regime(2.01 / curv.eigenvalues[-1], curv) == "diverging"


def test_descent_is_stable_exactly_below_the_critical_rate():
    data = datasets.synthetic_line()
    eta = gdcore.curvature(data.x_train).critical_lr
    below = gdcore.gradient_descent(data.x_train, data.y_train, lr=0.99 * eta, epochs=2000)
    above = gdcore.gradient_descent(data.x_train, data.y_train, lr=1.01 * eta, epochs=2000)
    assert below.loss < below.initial_loss and gdcore.classify(below) == "oscillating"
    assert gdcore.classify(above) == "diverging"


def test_standard_scaler_round_trip_and_population_std():
    X, _ = datasets.linear_data(n=40, w=(1.0, 2.0), seed=4)
    X = X * [3.0, 0.5] + [10.0, -2.0]
    scaler = StandardScaler().fit(X)
    close(scaler.mean_, X.mean(axis=0), rel=1e-15)
    close(scaler.scale_, X.std(axis=0, ddof=0), rel=1e-15)
    Z = scaler.transform(X)
    close(Z.mean(axis=0), [0.0, 0.0], abs=1e-14)
    close(Z.std(axis=0), [1.0, 1.0], rel=1e-14)
    close(scaler.inverse_transform(Z), X, rel=1e-14)
    flat = StandardScaler().fit_transform(X[:, 0])
    assert flat.shape == (40,)
    const = StandardScaler().fit(np.ones(5))
    assert np.all(const.transform(np.ones(5)) == 0.0)


def test_standardizing_makes_the_bowl_round_and_params_map_back():
    data = datasets.synthetic_line(w=0.2, x_scale=10.0)
    scaler = StandardScaler().fit(data.x_train)
    z = scaler.transform(data.x_train)
    assert gdcore.curvature(data.x_train).condition_number > 100
    close(gdcore.curvature(z).condition_number, 1.0, rel=1e-12)
    fit = gdcore.gradient_descent(z, data.y_train, lr=0.5, epochs=60)  # η = 1/λ: converges fast
    b, w = unscale_params(fit.b, fit.w, scaler)
    close([b, w], gdcore.least_squares(data.x_train, data.y_train), rel=1e-9)


def test_gradient_check_helpers():
    from gdcore.gradcheck import numerical_gradient, relative_error

    theta = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda: float(np.sum(theta**3)), theta)
    close(grad, 3 * theta**2, rel=1e-8)
    assert theta.tolist() == [1.0, -2.0, 0.5]  # restored after perturbation
    assert relative_error([0.0], [0.0]) == 0.0
    close(relative_error([1.0, 0.0], [1.0, 1e-3]), 1e-3 / (1 + np.hypot(1, 1e-3)), rel=1e-12)
