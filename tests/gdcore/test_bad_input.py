"""Bad input fails early with a ValueError that names the argument."""

import numpy as np
import pytest

import gdcore
from gdcore import nn, surface

x = np.linspace(0.0, 1.0, 10)
y = 2 * x + 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=x, y=y[:-1]), r"y has 9 values but x has 10 rows"),
    (dict(x=np.r_[x[:-1], np.nan], y=y), r"x contains NaN or inf"),
    (dict(x=x, y=np.r_[y[:-1], np.inf]), r"y contains NaN or inf"),
    (dict(x=[], y=[]), r"x is empty"),
    (dict(x=np.zeros((10, 0)), y=y), r"x has no columns"),
    (dict(x=np.zeros((10, 2, 2)), y=y), r"x must have shape"),
    (dict(x=x, y=np.zeros((10, 2))), r"y must have shape"),
    (dict(x=["a"] * 10, y=y), r"x must be numeric"),
    (dict(x=x, y=y, lr=0.0), r"lr must be a positive"),
    (dict(x=x, y=y, lr=-0.1), r"lr must be a positive"),
    (dict(x=x, y=y, lr=np.nan), r"lr must be a positive"),
    (dict(x=x, y=y, lr=lambda t: -1.0), r"lr\(epoch\) must be a positive"),
    (dict(x=x, y=y, batch_size=0), r"batch_size must be a positive integer"),
    (dict(x=x, y=y, batch_size=-4), r"batch_size must be a positive integer"),
    (dict(x=x, y=y, batch_size=2.5), r"batch_size must be a positive integer"),
    (dict(x=x, y=y, epochs=-1), r"epochs must be an integer >= 0"),
    (dict(x=x, y=y, init=(0.0,)), r"init must be a pair"),
    (dict(x=x, y=y, init=(0.0, [1.0, 2.0])), r"init w must be a number or have 1 entries"),
    (dict(x=x, y=y, init=(np.nan, 0.0)), r"init b must be finite"),
    (dict(x=x, y=y, record="never"), r"record must be one of"),
    (dict(x=x, y=y, batch_size=4, fast=True), r"fast=True needs batch_size=None"),
    (dict(x=x, y=y, optimizer="newton"), r"optimizer must be one of"),
])
def test_gradient_descent_rejects(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gdcore.gradient_descent(**kwargs)


def test_small_functions_reject():
    with pytest.raises(ValueError, match="y has 9 values"):
        gdcore.mse(0.0, 1.0, x, y[:-1])
    with pytest.raises(ValueError, match="w must be a number or have 1 entries"):
        gdcore.predict(0.0, [1.0, 2.0], x)
    with pytest.raises(ValueError, match="lr must be a positive"):
        gdcore.step(0.0, 0.0, 1.0, 1.0, lr=0)
    with pytest.raises(ValueError, match="n_features must be a positive integer"):
        gdcore.init_params(0)


def test_scaler_rejects():
    scaler = gdcore.StandardScaler()
    with pytest.raises(ValueError, match="not fitted"):
        scaler.transform(x)
    scaler.fit(np.c_[x, x**2])
    with pytest.raises(ValueError, match="x has 1 features but the scaler was fitted on 2"):
        scaler.transform(x)
    with pytest.raises(ValueError, match="x contains NaN"):
        gdcore.StandardScaler().fit([1.0, np.nan])


def test_surface_rejects():
    with pytest.raises(ValueError, match="single feature"):
        surface.loss_grid(np.c_[x, x], y, [0.0], [0.0])
    with pytest.raises(ValueError, match="b_range is empty"):
        surface.loss_grid(x, y, [], [0.0])
    with pytest.raises(ValueError, match="w_range contains NaN"):
        surface.loss_grid(x, y, [0.0], [np.nan])
    with pytest.raises(ValueError, match="span must be a positive"):
        surface.grid_around(0.0, 0.0, span=0)


def test_layers_reject_wrong_shapes():
    dense = nn.Dense(3, 2, seed=0)
    with pytest.raises(ValueError, match=r"x for Dense\(3, 2\) must have shape \(N, 3\), got \(4, 2\)"):
        dense.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"x for Dense"):
        dense.forward(np.zeros(3))
    conv = nn.Conv2D(1, 2, 3)
    with pytest.raises(ValueError, match=r"x for Conv2D must have shape \(N, 1, H, W\)"):
        conv.forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"x for Conv2D"):
        conv.forward(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="smaller than the 3×3 kernel"):
        conv.forward(np.zeros((1, 1, 2, 2)))
    for bad in (dict(n_in=0, n_out=2), dict(n_in=2, n_out=-1), dict(n_in=1.5, n_out=2)):
        with pytest.raises(ValueError, match="n_in|n_out"):
            nn.Dense(**bad)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2D(1, 1, 0)
    with pytest.raises(ValueError, match="stride"):
        nn.Conv2D(1, 1, 3, stride=0)
    with pytest.raises(ValueError, match="padding"):
        nn.Conv2D(1, 1, 3, padding=-1)


def test_losses_reject_wrong_shapes():
    with pytest.raises(ValueError, match="target must have the prediction's shape"):
        nn.mse_loss(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="labels must be 3 integers"):
        nn.softmax_cross_entropy(np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.1"):
        nn.softmax_cross_entropy(np.zeros((3, 2)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="logits must have shape"):
        nn.softmax_cross_entropy(np.zeros(3), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="target has 2 rows but x has 3"):
        nn.train(nn.showcase_network(), np.zeros((3, 1)), np.zeros((2, 1)))
