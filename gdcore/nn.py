"""A neural network from scratch: layers, activations, losses, backpropagation.

Every layer knows two things: its forward pass, and how to send a gradient
backwards through itself. backward(∂L/∂out) stores ∂L/∂(its parameters) and
returns ∂L/∂(its input) — the chain rule, applied one layer at a time.

Shapes are batch-first. A Dense layer maps rows x of shape (N, n_in) to rows
of shape (N, n_out); per sample that is h = W x + b with W of shape
(n_out, n_in). Images are (N, channels, height, width).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import _checks, optimizers
from .gradcheck import numerical_gradient, relative_error

# ---------------------------------------------------------------- functions


def softplus(x):
    """softplus(x) = log(1 + eˣ), computed as logaddexp(0, x) so large |x| neither overflows nor loses digits."""
    return np.logaddexp(0.0, x)


def sigmoid(x):
    """σ(x) = 1 / (1 + e⁻ˣ), never exponentiating a positive number (no overflow at any x)."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def relu(x):
    """relu(x) = max(0, x)."""
    return np.maximum(x, 0.0)


def softmax(z):
    """softmax(z)_k = e^{z_k} / Σ_j e^{z_j} along the last axis.

    Subtracting max z first changes nothing mathematically and keeps exp() from overflowing.
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(z):
    """log softmax(z) = z − logsumexp(z), stable for any z."""
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------- layers


class Layer:
    """A layer without parameters. Subclasses override forward and backward."""

    def __init__(self, name=None):
        self.name = name or type(self).__name__.lower()

    def params(self):
        return {}

    def grads(self):
        return {}

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


class Dense(Layer):
    """Fully connected layer: h = W x + b for every sample (rows: H = X Wᵀ + b).

    Backward, with G = ∂L/∂H:  ∂L/∂W = Gᵀ X,  ∂L/∂b = Σ_n G_n,  ∂L/∂X = G W.
    Weights start as N(0, 1/n_in), which keeps the output variance of order one.
    """

    def __init__(self, n_in, n_out, seed=None, name=None):
        super().__init__(name or "dense")
        self.n_in = _checks.count(n_in, "n_in")
        self.n_out = _checks.count(n_out, "n_out")
        rng = np.random.RandomState(seed)
        self.W = rng.randn(self.n_out, self.n_in) / np.sqrt(self.n_in)
        self.b = np.zeros(self.n_out)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def params(self):
        return {"W": self.W, "b": self.b}

    def grads(self):
        return {"W": self.dW, "b": self.db}

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"x for Dense({self.n_in}, {self.n_out}) must have shape (N, {self.n_in}), got {x.shape}")
        self._x = x
        return x @ self.W.T + self.b

    def backward(self, grad):
        self.dW[...] = grad.T @ self._x
        self.db[...] = grad.sum(axis=0)
        return grad @ self.W


class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library):

        out[n, f, i, j] = b_f + Σ_{c, u, v} W[f, c, u, v] · x_pad[n, c, s·i + u, s·j + v]

    Vectorized with im2col: the k×k patches under every output pixel are
    gathered (through a strided view) into the rows of a matrix, so the whole
    convolution is one matrix product. Backward is two more products plus
    col2im, which adds the patch gradients back in one slice per kernel tap —
    k² passes, never a loop over pixels.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, seed=None, name=None):
        super().__init__(name or "conv2d")
        self.in_channels = _checks.count(in_channels, "in_channels")
        self.out_channels = _checks.count(out_channels, "out_channels")
        self.k = _checks.count(kernel_size, "kernel_size")
        self.stride = _checks.count(stride, "stride")
        self.padding = _checks.count(padding, "padding", minimum=0)
        rng = np.random.RandomState(seed)
        fan_in = self.in_channels * self.k * self.k
        self.W = rng.randn(self.out_channels, self.in_channels, self.k, self.k) / np.sqrt(fan_in)
        self.b = np.zeros(self.out_channels)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def params(self):
        return {"W": self.W, "b": self.b}

    def grads(self):
        return {"W": self.dW, "b": self.db}

    def forward(self, x):
        x = self._check_input(x)
        n, c, height, width = x.shape
        k, s, p = self.k, self.stride, self.padding
        x_pad = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        windows = sliding_window_view(x_pad, (k, k), axis=(2, 3))[:, :, ::s, ::s]  # (N, C, H', W', k, k)
        out_h, out_w = windows.shape[2], windows.shape[3]
        cols = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * out_h * out_w, c * k * k)
        out = cols @ self.W.reshape(self.out_channels, -1).T + self.b
        self._cache = (x_pad.shape, cols, out_h, out_w, height, width)
        return out.reshape(n, out_h, out_w, self.out_channels).transpose(0, 3, 1, 2)

    def backward(self, grad):
        pad_shape, cols, out_h, out_w, height, width = self._cache
        n, c = pad_shape[0], pad_shape[1]
        k, s, p = self.k, self.stride, self.padding
        g = grad.transpose(0, 2, 3, 1).reshape(-1, self.out_channels)  # one row per output pixel
        self.dW[...] = (g.T @ cols).reshape(self.W.shape)
        self.db[...] = g.sum(axis=0)
        dcols = (g @ self.W.reshape(self.out_channels, -1)).reshape(n, out_h, out_w, c, k, k)
        dx_pad = np.zeros(pad_shape)
        for u in range(k):
            for v in range(k):
                dx_pad[:, :, u:u + s * out_h:s, v:v + s * out_w:s] += dcols[..., u, v].transpose(0, 3, 1, 2)
        return dx_pad[:, :, p:p + height, p:p + width]

    def _check_input(self, x):
        x = np.asarray(x, dtype=float)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"x for Conv2D must have shape (N, {self.in_channels}, H, W), got {x.shape}")
        if min(x.shape[2:]) + 2 * self.padding < self.k:
            raise ValueError(f"x images of size {x.shape[2:]} (padding {self.padding}) are smaller than "
                             f"the {self.k}×{self.k} kernel")
        return x


class Flatten(Layer):
    """(N, …) → (N, features): joins a convolution to a Dense layer."""

    def forward(self, x):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._shape)


class Softplus(Layer):
    """h = softplus(a) = log(1 + eᵃ);  dh/da = σ(a)."""

    def forward(self, x):
        self._x = x
        return softplus(x)

    def backward(self, grad):
        return grad * sigmoid(self._x)


class Sigmoid(Layer):
    """h = σ(a);  dh/da = σ(a)(1 − σ(a))."""

    def forward(self, x):
        self._out = sigmoid(x)
        return self._out

    def backward(self, grad):
        return grad * self._out * (1.0 - self._out)


class Tanh(Layer):
    """h = tanh(a);  dh/da = 1 − tanh²(a)."""

    def forward(self, x):
        self._out = np.tanh(x)
        return self._out

    def backward(self, grad):
        return grad * (1.0 - self._out**2)


class ReLU(Layer):
    """h = max(0, a);  dh/da = 1 where a > 0, else 0."""

    def forward(self, x):
        self._mask = x > 0
        return np.where(self._mask, x, 0.0)

    def backward(self, grad):
        return grad * self._mask


# ------------------------------------------------------------------- losses


def mse_loss(pred, target):
    """L = 1/M Σ (p − t)² over all M entries;  ∂L/∂p = 2(p − t)/M. Returns (L, ∂L/∂p)."""
    pred, target = np.asarray(pred, dtype=float), np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"target must have the prediction's shape {pred.shape}, got {target.shape}")
    diff = pred - target
    return float(np.mean(diff**2)), 2.0 * diff / diff.size


def softmax_cross_entropy(logits, labels):
    """L = −1/N Σ_n log softmax(z_n)[y_n];  ∂L/∂z = (softmax(z) − onehot(y)) / N. Returns (L, ∂L/∂z)."""
    logits = np.asarray(logits, dtype=float)
    labels = np.asarray(labels)
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, classes), got {logits.shape}")
    if labels.shape != (logits.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {logits.shape[0]} integers, got shape {labels.shape} "
                         f"and dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= logits.shape[1]):
        raise ValueError(f"labels must lie in 0..{logits.shape[1] - 1}")
    n = logits.shape[0]
    rows = np.arange(n)
    loss = -np.mean(log_softmax(logits)[rows, labels])
    grad = softmax(logits)
    grad[rows, labels] -= 1.0
    return float(loss), grad / n


# ------------------------------------------------------------------ network


class Network:
    """Layers applied in order. After forward(), outputs[name] holds each layer's output."""

    def __init__(self, layers):
        self.layers = list(layers)
        seen = {}
        for layer in self.layers:  # a repeated name gets a suffix: dense, dense_2, …
            if not isinstance(layer, Layer):
                raise ValueError(f"layers must be Layer objects, got {layer!r}")
            seen[layer.name] = seen.get(layer.name, 0) + 1
            if seen[layer.name] > 1:
                layer.name = f"{layer.name}_{seen[layer.name]}"
        self.outputs = {}

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
            self.outputs[layer.name] = x
        return x

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def params(self):
        """{"layer.param": array} for every trainable array (the arrays themselves, not copies)."""
        return {f"{layer.name}.{key}": arr for layer in self.layers for key, arr in layer.params().items()}

    def grads(self):
        return {f"{layer.name}.{key}": arr for layer in self.layers for key, arr in layer.grads().items()}

    def loss_and_backward(self, x, target, loss=mse_loss):
        """Forward pass, loss, then backpropagation; returns (L, ∂L/∂x) with parameter gradients stored."""
        value, grad = loss(self.forward(x), target)
        return value, self.backward(grad)

    __call__ = forward


def showcase_network(n_in=1, n_hidden=3, n_out=1, seed=0):
    """The network of the showcase post:

        hᵃ = W₁ x + b₁,   hˢ = softplus(hᵃ),   oᵃ = W₂ hˢ + b₂

    Layer names are "h^a", "h^s" and "o^a", so after net.forward(x) the
    intermediate values are net.outputs["h^a"], net.outputs["h^s"], ….
    """
    rng = np.random.RandomState(seed)
    return Network([
        Dense(n_in, n_hidden, seed=rng.randint(2**31), name="h^a"),
        Softplus(name="h^s"),
        Dense(n_hidden, n_out, seed=rng.randint(2**31), name="o^a"),
    ])


def train(net, x, target, loss=mse_loss, lr=0.1, epochs=100, batch_size=None, seed=None, optimizer="sgd"):
    """Fit the network by (mini-batch) gradient descent; returns the mean training loss of each epoch."""
    x, target = np.asarray(x, dtype=float), np.asarray(target)
    if len(x) != len(target):
        raise ValueError(f"target has {len(target)} rows but x has {len(x)}: lengths must match")
    schedule = optimizers.as_schedule(lr)
    epochs = _checks.count(epochs, "epochs", minimum=0)
    size = len(x) if batch_size is None else _checks.count(batch_size, "batch_size")
    opt = optimizers.make_optimizer(optimizer)
    rng = np.random.RandomState(seed)
    params, grads = list(net.params().values()), list(net.grads().values())
    history = np.empty(epochs)
    for epoch in range(epochs):
        order = np.arange(len(x)) if batch_size is None else rng.permutation(len(x))
        rate = schedule(epoch)
        total = 0.0
        for start in range(0, len(x), size):
            rows = order[start:start + size]
            value, _ = net.loss_and_backward(x[rows], target[rows], loss)
            opt.update(params, grads, rate)
            total += value * len(rows)
        history[epoch] = total / len(x)
    return history


def gradient_check(net, x, target, loss=mse_loss, h=1e-6):
    """Relative error between backprop and central differences, per parameter array and for the input.

    Returns {"layer.param": error, …, "input": error}; below ~1e-6 in float64
    means the backward passes are right.
    """
    x = np.array(x, dtype=float)

    def objective():
        return loss(net.forward(x), target)[0]

    _, dx = net.loss_and_backward(x, target, loss)
    analytic = {key: g.copy() for key, g in net.grads().items()}
    analytic["input"] = dx
    errors = {key: relative_error(analytic[key], numerical_gradient(objective, arr, h))
              for key, arr in net.params().items()}
    errors["input"] = relative_error(dx, numerical_gradient(objective, x, h))
    return errors
