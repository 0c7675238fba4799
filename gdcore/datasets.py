"""Small data sets made in code, nothing downloaded.

Every generator takes a seed and draws from np.random.RandomState(seed), the
legacy generator: its stream is frozen across numpy versions (so pages rebuild
byte-identically) and seed 42 reproduces notebooks written with
np.random.seed(42) — without touching numpy's global random state.
"""

from dataclasses import dataclass

import numpy as np

from . import _checks


@dataclass(frozen=True)
class Split:
    """A data set and its train/validation split (x, y plus the row indices of each part)."""

    x: np.ndarray
    y: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray

    @property
    def x_train(self):
        return self.x[self.train_idx]

    @property
    def y_train(self):
        return self.y[self.train_idx]

    @property
    def x_val(self):
        return self.x[self.val_idx]

    @property
    def y_val(self):
        return self.y[self.val_idx]


def synthetic_line(n=100, b=1.0, w=2.0, noise=0.1, seed=42, train_fraction=0.8, x_scale=1.0):
    """The synthetic line y = b + w x + ε with x ~ U[0, x_scale) and ε ~ N(0, noise²).

    Draw order (it fixes the numbers): x = x_scale·rand(n), then
    ε = noise·randn(n), then one shuffle of the indices 0..n−1 whose first
    ⌊train_fraction·n⌋ entries are the training rows. With the defaults this
    is exactly the data of the "visualizing gradient descent" chapter
    (np.random.seed(42); x = rand(100, 1); …): x_train[0] = 0.77127…
    x_scale=10, w=0.2 gives its "bad feature" variant with the same noise.
    x and y come back as 1-D arrays.
    """
    n = _checks.count(n, "n", minimum=2)
    _checks.in_range(train_fraction, "train_fraction", 0, 1, low_open=True, high_open=False)
    rng = np.random.RandomState(seed)
    x = rng.rand(n) * _checks.positive(x_scale, "x_scale")
    epsilon = noise * rng.randn(n)
    y = b + w * x + epsilon
    idx = np.arange(n)
    rng.shuffle(idx)
    cut = int(n * train_fraction)
    return Split(x, y, idx[:cut], idx[cut:])


def linear_data(n=200, b=1.0, w=(2.0, -3.0, 0.5), noise=0.1, seed=0):
    """Several features: X ~ N(0, 1)^(n×d), y = b + X w + ε. Returns (X, y)."""
    n = _checks.count(n, "n")
    w = np.atleast_1d(np.asarray(w, dtype=float))
    rng = np.random.RandomState(seed)
    X = rng.randn(n, w.size)
    return X, b + X @ w + noise * rng.randn(n)


def hours_vs_score(n=100, seed=0):
    """Hours studied (x) against test score (y), a synthetic stand-in for the classic demo.

    Hours are roughly N(50, 10²) clipped to [20, 80]; the score is
    8 + 1.32·hours + N(0, 10.5²), clipped to [0, 130] — the same ranges,
    slope and scatter as the demo's published data (hours ≈ 25–70,
    scores ≈ 30–120, best line ≈ 8 + 1.32 x).
    """
    n = _checks.count(n, "n")
    rng = np.random.RandomState(seed)
    hours = np.clip(rng.normal(50.0, 10.0, n), 20.0, 80.0)
    score = np.clip(8.0 + 1.32 * hours + rng.normal(0.0, 10.5, n), 0.0, 130.0)
    return hours, score


def two_moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D, labels 0 and 1. Returns (X (n, 2), labels (n,))."""
    n = _checks.count(n, "n", minimum=2)
    rng = np.random.RandomState(seed)
    n_top = n // 2
    t_top, t_bottom = np.linspace(0, np.pi, n_top), np.linspace(0, np.pi, n - n_top)
    top = np.column_stack([np.cos(t_top), np.sin(t_top)])
    bottom = np.column_stack([1 - np.cos(t_bottom), 0.5 - np.sin(t_bottom)])
    X = np.vstack([top, bottom]) + noise * rng.randn(n, 2)
    labels = np.r_[np.zeros(n_top, dtype=int), np.ones(n - n_top, dtype=int)]
    order = rng.permutation(n)
    return X[order], labels[order]


def blobs(n=300, centers=((-2.0, 0.0), (2.0, 0.0), (0.0, 2.5)), std=0.6, seed=0):
    """Gaussian clusters around the given centres, one label per centre. Returns (X, labels)."""
    n = _checks.count(n, "n")
    centers = np.asarray(centers, dtype=float)
    rng = np.random.RandomState(seed)
    labels = np.arange(n) % len(centers)
    X = centers[labels] + _checks.positive(std, "std") * rng.randn(n, centers.shape[1])
    order = rng.permutation(n)
    return X[order], labels[order]


_GLYPHS = {
    0: ["..####..",
        ".##..##.",
        ".#....#.",
        ".#....#.",
        ".#....#.",
        ".#....#.",
        ".##..##.",
        "..####.."],
    1: ["...##...",
        "..###...",
        ".#.##...",
        "...##...",
        "...##...",
        "...##...",
        "...##...",
        ".######."],
    2: ["..####..",
        ".#....#.",
        "......#.",
        ".....#..",
        "....#...",
        "...#....",
        "..#.....",
        ".######."],
    3: [".#####..",
        "......#.",
        "......#.",
        "..####..",
        "......#.",
        "......#.",
        "......#.",
        ".#####.."],
}


def digit_glyphs():
    """The clean 8×8 templates of tiny_digits, as an array of shape (4, 8, 8) in {0, 1}."""
    return np.array([[[ch == "#" for ch in row] for row in _GLYPHS[k]] for k in sorted(_GLYPHS)], dtype=float)


def tiny_digits(n_per_class=50, noise=0.2, max_shift=1, seed=0):
    """Noisy 8×8 images of the digits 0–3, for the convolution layer.

    Each image is a template shifted by up to max_shift pixels (np.roll, so
    nothing is cropped) plus Gaussian pixel noise. Returns
    (images of shape (n, 1, 8, 8), labels of shape (n,)), shuffled.
    """
    n_per_class = _checks.count(n_per_class, "n_per_class")
    max_shift = _checks.count(max_shift, "max_shift", minimum=0)
    rng = np.random.RandomState(seed)
    glyphs = digit_glyphs()
    labels = np.repeat(np.arange(len(glyphs)), n_per_class)
    shifts = rng.randint(-max_shift, max_shift + 1, size=(labels.size, 2))
    images = np.stack([np.roll(glyphs[k], tuple(s), axis=(0, 1)) for k, s in zip(labels, shifts)])
    images += noise * rng.randn(*images.shape)
    order = rng.permutation(labels.size)
    return images[order, None, :, :], labels[order]
