import numpy as np
import pytest

from gdcore import datasets, nn
from gdcore_testutils import close

RNG = np.random.RandomState(1234)


def _single(layer, x, target, loss=nn.mse_loss):
    return nn.gradient_check(nn.Network([layer]), x, target, loss)


def _assert_small(errors):
    assert all(err < 1e-6 for err in errors.values()), errors


@pytest.mark.parametrize("layer", [nn.Softplus(), nn.Sigmoid(), nn.Tanh(), nn.ReLU()], ids=repr)
def test_activation_gradients(layer):
    x = RNG.randn(5, 4) * 3
    x[np.abs(x) < 1e-3] = 0.5  # keep ReLU away from its kink
    _assert_small(_single(layer, x, RNG.randn(5, 4)))


def test_dense_gradients():
    layer = nn.Dense(4, 3, seed=0)
    layer.b[:] = RNG.randn(3)
    _assert_small(_single(layer, RNG.randn(6, 4), RNG.randn(6, 3)))


@pytest.mark.parametrize("stride, padding", [(1, 0), (1, 1), (2, 1), (2, 0)])
def test_conv2d_gradients(stride, padding):
    layer = nn.Conv2D(2, 3, 3, stride=stride, padding=padding, seed=0)
    layer.b[:] = RNG.randn(3)
    x = RNG.randn(2, 2, 7, 6)
    target = RNG.randn(*layer.forward(x).shape)
    _assert_small(_single(layer, x, target))


def test_flatten_and_losses_gradients():
    x = RNG.randn(3, 2, 2, 2)
    _assert_small(_single(nn.Flatten(), x, RNG.randn(3, 8)))
    logits, labels = RNG.randn(5, 4), np.array([0, 3, 1, 1, 2])
    for loss, target in ((nn.mse_loss, RNG.randn(5, 4)), (nn.softmax_cross_entropy, labels)):
        value, grad = loss(logits, target)
        numerical = np.zeros_like(logits)
        for idx in np.ndindex(logits.shape):
            plus, minus = logits.copy(), logits.copy()
            plus[idx] += 1e-6
            minus[idx] -= 1e-6
            numerical[idx] = (loss(plus, target)[0] - loss(minus, target)[0]) / 2e-6
        assert np.linalg.norm(grad - numerical) / (np.linalg.norm(grad) + np.linalg.norm(numerical)) < 1e-6


def test_whole_conv_network_gradients():
    net = nn.Network([nn.Conv2D(1, 3, 3, padding=1, seed=1), nn.Tanh(), nn.Conv2D(3, 2, 3, stride=2, seed=2),
                      nn.Softplus(), nn.Flatten(), nn.Dense(18, 4, seed=3)])
    images, labels = datasets.tiny_digits(n_per_class=1, seed=0)
    _assert_small(nn.gradient_check(net, images, labels, nn.softmax_cross_entropy))
    assert [layer.name for layer in net.layers][2] == "conv2d_2"


def test_conv2d_matches_a_direct_loop():
    layer = nn.Conv2D(2, 3, 3, stride=2, padding=1, seed=5)
    layer.b[:] = [0.1, -0.2, 0.3]
    x = RNG.randn(2, 2, 6, 5)
    out = layer.forward(x)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.zeros((2, 3, 3, 3))
    for n in range(2):
        for f in range(3):
            for i in range(3):
                for j in range(3):
                    patch = xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
                    expected[n, f, i, j] = np.sum(patch * layer.W[f]) + layer.b[f]
    close(out, expected, rel=1e-12)


def test_stable_functions_at_extremes():
    x = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is the right answer
        close(nn.softplus(x), [0.0, np.exp(-40.0), np.log(2.0), 40.0, 1000.0], rel=1e-15)
        close(nn.sigmoid(x), [0.0, np.exp(-40.0) / (1 + np.exp(-40.0)), 0.5, 1 / (1 + np.exp(-40.0)), 1.0], rel=1e-15)
        p = nn.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
        close(p, [[0.5, 0.5, 0.0]], abs=1e-300)
        close(nn.log_softmax(np.array([[1000.0, 0.0]])), [[0.0, -1000.0]], rel=1e-15)
        value, _ = nn.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))
        close(value, 2000.0, rel=1e-15)


def test_showcase_network_names_its_values():
    net = nn.showcase_network(n_in=1, n_hidden=3, n_out=1, seed=0)
    x = np.linspace(-1, 1, 5)[:, None]
    out = net.forward(x)
    h_a, h_s = net.outputs["h^a"], net.outputs["h^s"]
    W1, b1 = net.layers[0].W, net.layers[0].b
    W2, b2 = net.layers[2].W, net.layers[2].b
    close(h_a, x @ W1.T + b1, rel=1e-15)           # hᵃ = W₁x + b₁
    close(h_s, np.log1p(np.exp(h_a)), rel=1e-14)   # hˢ = softplus(hᵃ)
    close(out, h_s @ W2.T + b2, rel=1e-15)         # oᵃ = W₂hˢ + b₂
    assert out is net.outputs["o^a"]
    _assert_small(nn.gradient_check(net, x, np.sin(3 * x)))


def test_training_fits_and_is_reproducible():
    x = np.linspace(-2, 2, 40)[:, None]
    target = np.sin(x)
    runs = []
    for _ in range(2):
        net = nn.showcase_network(n_hidden=8, seed=1)
        runs.append(nn.train(net, x, target, lr=0.05, epochs=300, batch_size=8, seed=0, optimizer="adam"))
    assert np.array_equal(runs[0], runs[1])
    assert runs[0][-1] < 0.05 * runs[0][0]

    X, labels = datasets.two_moons(n=120, seed=0)
    net = nn.Network([nn.Dense(2, 12, seed=0), nn.Tanh(), nn.Dense(12, 2, seed=1)])
    nn.train(net, X, labels, loss=nn.softmax_cross_entropy, lr=0.5, epochs=300)
    assert np.mean(net(X).argmax(axis=1) == labels) > 0.95


def test_conv_network_learns_tiny_digits():
    images, labels = datasets.tiny_digits(n_per_class=20, seed=0)
    net = nn.Network([nn.Conv2D(1, 4, 3, padding=1, seed=0), nn.ReLU(), nn.Flatten(), nn.Dense(256, 4, seed=1)])
    history = nn.train(net, images, labels, loss=nn.softmax_cross_entropy, lr=0.01, epochs=15,
                       batch_size=16, seed=0, optimizer="adam")
    assert history[-1] < history[0]
    test_images, test_labels = datasets.tiny_digits(n_per_class=10, seed=99)
    assert np.mean(net(test_images).argmax(axis=1) == test_labels) > 0.9
