import warnings

import numpy as np
import pytest

import gdcore
from gdcore import datasets
from gdcore.optimizers import ExponentialDecay, StepDecay
from gdcore_testutils import close


@pytest.fixture(scope="module")
def line():
    data = datasets.synthetic_line()
    return data.x_train, data.y_train


@pytest.fixture(scope="module")
def plane():
    return datasets.linear_data(n=200, seed=0)


def test_history_layout_batch(line):
    x, y = line
    r = gdcore.gradient_descent(x, y, lr=0.1, epochs=7, init=(0.5, -0.1))
    h = r.history
    assert len(h) == 8 and h.w.shape == (8,) and r.updates == 7 and r.epochs_run == 7
    assert (h.b[0], h.w[0]) == (0.5, -0.1) and h.loss[0] == r.initial_loss
    assert (h.b[-1], h.w[-1], h.loss[-1]) == (r.b, r.w, r.loss)
    assert h.epoch.tolist() == list(range(8))
    for k in range(8):  # every row's loss is the full-data MSE at that row
        close(h.loss[k], gdcore.mse(h.b[k], h.w[k], x, y), rel=1e-14)


def test_history_layout_minibatch_and_stochastic(line):
    x, y = line  # 80 rows
    r = gdcore.gradient_descent(x, y, lr=0.05, epochs=3, batch_size=32, seed=0)
    assert r.updates == 9 and len(r.history) == 10  # ⌈80/32⌉ = 3 updates per epoch
    assert r.history.epoch.tolist() == [0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    losses = [gdcore.mse(b, w, x, y) for b, w in zip(r.history.b, r.history.w)]
    close(r.history.loss, losses, rel=1e-12)  # mini-batch rows: the full-data loss, from the moments
    assert (r.history.loss[0], r.history.loss[-1]) == (r.initial_loss, r.loss)
    per_epoch = gdcore.gradient_descent(x, y, lr=0.05, epochs=3, batch_size=32, seed=0, record="epoch")
    assert len(per_epoch.history) == 4
    close(per_epoch.history.b, r.history.b[[0, 3, 6, 9]], rel=0)
    sgd = gdcore.gradient_descent(x, y, lr=0.05, epochs=2, batch_size=1, seed=0)
    assert sgd.updates == 160


def test_many_features_give_array_w(plane):
    X, y = plane
    r = gdcore.gradient_descent(X, y, lr=0.2, epochs=5, init=(0.0, [0.0, 0.0, 0.0]))
    assert r.w.shape == (3,) and r.history.w.shape == (6, 3) and isinstance(r.b, float)


def test_minibatch_runs_are_reproducible(line):
    x, y = line
    runs = [gdcore.gradient_descent(x, y, lr=0.1, epochs=5, batch_size=8, seed=s) for s in (3, 3, 4)]
    assert np.array_equal(runs[0].history.b, runs[1].history.b)
    assert np.array_equal(runs[0].history.w, runs[1].history.w)
    assert not np.array_equal(runs[0].history.b, runs[2].history.b)


def test_minibatches_follow_one_seeded_permutation_per_epoch(line):
    x, y = line
    r = gdcore.gradient_descent(x, y, lr=0.1, epochs=2, batch_size=32, seed=7, init=(0.0, 0.0))
    rng = np.random.RandomState(7)
    b, w = 0.0, 0.0
    for _ in range(2):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 32):
            rows = order[start:start + 32]
            b, w = gdcore.step(b, w, *gdcore.gradients(b, w, x[rows], y[rows]), lr=0.1)
    close([r.b, r.w], [b, w], rel=1e-13)


def test_batch_size_at_least_n_is_batch_descent(line):
    x, y = line
    batch = gdcore.gradient_descent(x, y, lr=0.1, epochs=20)
    big = gdcore.gradient_descent(x, y, lr=0.1, epochs=20, batch_size=1000, seed=0)
    close([big.b, big.w], [batch.b, batch.w], rel=1e-12)


OPTIMIZERS = [
    ("batch sgd", dict(lr=0.2, epochs=300), 1e-9),
    ("batch momentum", dict(lr=0.05, epochs=300, optimizer="momentum"), 1e-6),
    ("batch adam", dict(lr=StepDecay(0.1, 0.5, 200), epochs=2000, optimizer="adam"), 1e-9),
    ("mini-batch sgd", dict(lr=ExponentialDecay(0.1, 0.97), epochs=300, batch_size=20, seed=1), 1e-4),
    ("mini-batch momentum", dict(lr=ExponentialDecay(0.02, 0.97), epochs=300, batch_size=20, seed=1,
                                 optimizer="momentum"), 1e-4),
    ("mini-batch adam", dict(lr=ExponentialDecay(0.05, 0.97), epochs=300, batch_size=20, seed=1,
                             optimizer="adam"), 1e-4),
    ("stochastic sgd", dict(lr=ExponentialDecay(0.05, 0.93), epochs=100, batch_size=1, seed=1), 1e-4),
    ("stochastic momentum", dict(lr=ExponentialDecay(0.005, 0.93), epochs=100, batch_size=1, seed=1,
                                 optimizer="momentum"), 1e-4),
    ("stochastic adam", dict(lr=ExponentialDecay(0.02, 0.93), epochs=100, batch_size=1, seed=1,
                             optimizer="adam"), 1e-4),
]


@pytest.mark.parametrize("name, settings, atol", OPTIMIZERS, ids=[case[0] for case in OPTIMIZERS])
def test_every_optimizer_reaches_least_squares(plane, name, settings, atol):
    X, y = plane
    b_opt, w_opt = gdcore.least_squares(X, y)
    r = gdcore.gradient_descent(X, y, init=(0.0, 0.0), record="epoch", **settings)
    assert not r.diverged
    close(np.r_[r.b, r.w], np.r_[b_opt, w_opt], abs=atol)


def test_fast_path_agrees_with_the_plain_one(plane, line):
    X, y = plane
    shifted = X * [1.0, 10.0, 0.1] + [5.0, -3.0, 100.0]  # uncentred, unequal scales
    for data in ((X, y), (shifted, y), line):
        lr = 0.5 * gdcore.curvature(data[0]).critical_lr
        for optimizer in ("sgd", "momentum", "adam"):
            plain = gdcore.gradient_descent(*data, lr=lr, epochs=300, init=(0.3, 0.1), optimizer=optimizer)
            fast = gdcore.gradient_descent(*data, lr=lr, epochs=300, init=(0.3, 0.1), optimizer=optimizer, fast=True)
            close(np.r_[fast.b, fast.w], np.r_[plain.b, plain.w], rel=1e-12)
            close([fast.loss, fast.initial_loss], [plain.loss, plain.initial_loss], rel=1e-12)
            close(fast.history.loss, plain.history.loss, rel=1e-12)


def test_divergence_stops_cleanly_without_warnings(line):
    x, y = line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow/invalid RuntimeWarning fails the test
        for batch_size in (None, 4):
            r = gdcore.gradient_descent(x, y, lr=5.0, epochs=10_000, batch_size=batch_size, seed=0)
            assert r.diverged and r.epochs_run < 10_000
            assert np.isfinite([r.b, r.w]).all()
            assert np.isfinite(r.history.b).all() and np.isfinite(r.history.w).all()
            assert not r.loss < r.initial_loss
            assert gdcore.classify(r) == "diverging"


def test_divergent_run_keeps_its_last_finite_point(line):
    x, y = line
    r = gdcore.gradient_descent(x, y, lr=1.1, epochs=10_000, init=(0.5, -0.1))
    assert r.diverged
    assert (r.history.b[-1], r.history.w[-1]) == (r.b, r.w)
    assert r.updates == len(r.history) - 1


def test_schedule_is_applied_per_epoch(line):
    x, y = line
    seen = []

    def schedule(epoch):
        seen.append(epoch)
        return 0.1

    gdcore.gradient_descent(x, y, lr=schedule, epochs=4, batch_size=16, seed=0)
    assert seen == [0, 1, 2, 3]


def test_epochs_zero_just_evaluates(line):
    x, y = line
    r = gdcore.gradient_descent(x, y, epochs=0, init=(1.0, 2.0))
    assert r.updates == 0 and r.loss == r.initial_loss and len(r.history) == 1
    close(r.loss, gdcore.mse(1.0, 2.0, x, y), rel=1e-14)


def test_compare_learning_rates(line):
    x, y = line
    runs = gdcore.compare_learning_rates(x, y, [0.2, 0.8, 1.1], epochs=100, init=(0.5, -0.1))
    assert [run.verdict for run in runs] == ["converging", "oscillating", "diverging"]
    assert [run.lr for run in runs] == [0.2, 0.8, 1.1]


@pytest.mark.parametrize("batch_size, record", [(None, "update"), (4, "update"), (4, "epoch"), (1, "epoch")])
def test_divergent_histories_stay_finite(line, batch_size, record):
    x, y = line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = gdcore.gradient_descent(x * 1e3, y, lr=10.0, epochs=500, batch_size=batch_size, seed=0, record=record)
    assert r.diverged
    assert np.isfinite(r.history.b).all() and np.isfinite(r.history.w).all()
    assert (r.history.b[-1], r.history.w[-1]) == (r.b, r.w)


# ---- cheap sweeps: one run, cut at every epoch count (interactive figures)

def _same_run(cut, fresh):
    assert (cut.b, cut.epochs_run, cut.updates, cut.diverged) == (fresh.b, fresh.epochs_run, fresh.updates,
                                                                   fresh.diverged)
    assert np.array_equal(cut.w, fresh.w) and cut.loss == pytest.approx(fresh.loss, rel=1e-12)
    for column in ("b", "w", "epoch"):
        assert np.array_equal(getattr(cut.history, column), getattr(fresh.history, column))
    assert np.allclose(cut.history.loss, fresh.history.loss, rtol=1e-12)


@pytest.mark.parametrize("lr, batch_size, record", [
    (0.1, None, "update"), (0.1, 16, "update"), (0.1, 1, "epoch"), (0.1, 8, "epoch"),
    (1.5, None, "update"), (3.0, 1, "update"), (3.0, 1, "epoch"),   # these blow up on the way
], ids=["batch", "minibatch", "stochastic-per-epoch", "minibatch-per-epoch", "batch-diverging",
        "stochastic-diverging", "stochastic-diverging-per-epoch"])
def test_after_is_the_run_of_that_many_epochs(line, lr, batch_size, record):
    x, y = line
    settings = dict(lr=lr, init=(0.5, -0.1), batch_size=batch_size, seed=3, record=record)
    full = gdcore.gradient_descent(x, y, epochs=30, **settings)
    for epochs in range(31):
        _same_run(full.after(epochs), gdcore.gradient_descent(x, y, epochs=epochs, **settings))
    assert full.after(30) is full
    if full.diverged:
        assert full.after(full.epochs_run + 1) is full


def test_after_refuses_epochs_the_run_never_had(line):
    x, y = line
    run = gdcore.gradient_descent(x, y, lr=0.1, epochs=5)
    with pytest.raises(ValueError, match="the run has 5 epochs"):
        run.after(6)
    with pytest.raises(ValueError):
        run.after(-1)


def test_sweep_runs_each_combination_once(line):
    x, y = line
    runs = gdcore.sweep(x, y, epochs=12, lr=[0.05, 0.3], init=(0.0, 0.0))
    assert list(runs) == [0.05, 0.3]
    _same_run(runs[0.3], gdcore.gradient_descent(x, y, lr=0.3, epochs=12, init=(0.0, 0.0)))
    grid = gdcore.sweep(x, y, epochs=4, lr=[0.05, 0.3], batch_size=[1, None], seed=7)
    assert list(grid) == [(0.05, 1), (0.05, None), (0.3, 1), (0.3, None)]
    _same_run(grid[0.3, 1], gdcore.gradient_descent(x, y, lr=0.3, epochs=4, batch_size=1, seed=7))
    with pytest.raises(ValueError, match="as a list"):
        gdcore.sweep(x, y, epochs=3, lr=0.1)
    with pytest.raises(ValueError, match="twice"):
        gdcore.sweep(x, y, epochs=3, lr=[0.1, 0.1])
