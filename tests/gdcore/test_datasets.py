import numpy as np

from gdcore import datasets


def test_synthetic_line_split_and_determinism():
    a, b = datasets.synthetic_line(seed=5), datasets.synthetic_line(seed=5)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.train_idx, b.train_idx)
    assert sorted(np.r_[a.train_idx, a.val_idx].tolist()) == list(range(100))
    assert a.x.shape == a.y.shape == (100,) and len(a.x_train) == 80 and len(a.y_val) == 20
    assert not np.array_equal(a.x, datasets.synthetic_line(seed=6).x)


def test_hours_vs_score_looks_like_the_demo():
    hours, score = datasets.hours_vs_score(seed=0)
    assert hours.shape == score.shape == (100,)
    assert hours.min() >= 20 and hours.max() <= 80
    assert score.min() >= 20 and score.max() <= 130
    slope = np.polyfit(hours, score, 1)[0]
    assert 1.0 < slope < 1.7
    assert np.array_equal(hours, datasets.hours_vs_score(seed=0)[0])


def test_classification_sets():
    X, labels = datasets.two_moons(n=101, seed=1)
    assert X.shape == (101, 2) and set(labels.tolist()) == {0, 1}
    X, labels = datasets.blobs(n=90, seed=1)
    assert X.shape == (90, 2) and np.bincount(labels).tolist() == [30, 30, 30]
    centres = np.array([X[labels == k].mean(axis=0) for k in range(3)])
    assert np.allclose(centres, [(-2, 0), (2, 0), (0, 2.5)], atol=0.4)


def test_tiny_digits():
    images, labels = datasets.tiny_digits(n_per_class=10, noise=0.0, max_shift=0, seed=0)
    assert images.shape == (40, 1, 8, 8) and np.bincount(labels).tolist() == [10] * 4
    glyphs = datasets.digit_glyphs()
    for image, label in zip(images, labels):
        assert np.array_equal(image[0], glyphs[label])
    noisy, _ = datasets.tiny_digits(n_per_class=10, seed=3)
    assert not np.array_equal(noisy, datasets.tiny_digits(n_per_class=10, seed=4)[0])
