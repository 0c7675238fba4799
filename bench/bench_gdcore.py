"""How fast is gdcore.gradient_descent?

Compares it with a straightforward per-point Python loop — the way the
linear_regression_live demo computes its gradients,

    for i in range(N):
        b_grad += -(2/N) * (y - (m*x + b))
        m_grad += -(2/N) * x * (y - (m*x + b))

— for batch, mini-batch (32) and stochastic descent on N = 100, 10,000 and
1,000,000 points, and relates one batch epoch to the floor of a single
x @ y over the same arrays (every epoch has to read the data at least once).

    python bench/bench_gdcore.py            # well under a minute
    python bench/bench_gdcore.py --quick    # N = 100 and 10,000 only

Times are medians over repeats, per epoch. The Python loop at N = 1,000,000
runs only on a prefix of each epoch and is extrapolated (said in the output).
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gdcore  # noqa: E402

MODES = {"batch": None, "mini-batch 32": 32, "stochastic": 1}
LR = {"batch": 0.5, "mini-batch 32": 0.1, "stochastic": 0.01}
LOOP_PREFIX = 20_000  # points of an epoch the Python loop runs when N is large


def make_data(n, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(n)
    return x, 1.0 + 2.0 * x + 0.1 * rng.randn(n)


def times(run, repeats):
    """Wall-clock seconds of `repeats` calls of run()."""
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
    return np.array(out)


def median_time(run, repeats):
    return float(np.median(times(run, repeats)))


# ------------------------------------------------------------ the Python loop


def loop_epoch(b, m, points, order, batch_size, lr, limit=None):
    """One epoch, per point in Python, updating after every batch_size points of `order`."""
    for start in range(0, len(order) if limit is None else limit, batch_size):
        rows = order[start:start + batch_size]
        n = float(len(rows))
        b_grad = m_grad = 0.0
        for i in rows:
            x = points[i, 0]
            y = points[i, 1]
            b_grad += -(2 / n) * (y - (m * x + b))
            m_grad += -(2 / n) * x * (y - (m * x + b))
        b -= lr * b_grad
        m -= lr * m_grad
    return b, m


def time_loop(x, y, mode, repeats):
    """Seconds per epoch of the Python loop, and whether it was extrapolated from a prefix."""
    n = len(x)
    points = np.column_stack([x, y])
    size = n if MODES[mode] is None else MODES[mode]
    rng = np.random.RandomState(0)
    order = np.arange(n) if MODES[mode] is None else rng.permutation(n)
    limit = None if n <= 2 * LOOP_PREFIX else LOOP_PREFIX
    if limit is not None and size > limit:  # a batch epoch is one update over all points: time a prefix of its sum
        size = limit
    seconds = median_time(lambda: loop_epoch(0.0, 0.0, points, order, size, LR[mode], limit), repeats)
    return (seconds * n / limit, True) if limit else (seconds, False)


# ---------------------------------------------------------------- gdcore


def time_gdcore(x, y, mode, epochs, repeats, **options):
    """Median seconds per epoch of gdcore.gradient_descent, and its one-off setup.

    Per epoch = (run of `epochs` epochs − run of 0 epochs) / epochs, the 0-epoch
    run being the setup: input checks, buffers, initial loss.
    """
    def run(n_epochs):
        def go():
            result = gdcore.gradient_descent(x, y, lr=LR[mode], epochs=n_epochs, batch_size=MODES[mode], seed=0,
                                             **options)
            assert not result.diverged
        return go

    setup, total = median_time(run(0), repeats), median_time(run(epochs), repeats)
    return max(total - setup, 0.0) / epochs, setup


def updates_per_epoch(n, mode):
    return 1 if MODES[mode] is None else -(-n // MODES[mode])


def floor_ratios(x, y, epochs, repeats):
    """Batch epoch / single x @ y, measured back to back in each repeat so that load drift on a
    shared machine hits both alike. Returns per-repeat (epoch seconds, floor seconds) pairs."""
    pairs = []
    for _ in range(repeats):
        setup = times(lambda: gdcore.gradient_descent(x, y, lr=LR["batch"], epochs=0), 1)[0]
        total = times(lambda: gdcore.gradient_descent(x, y, lr=LR["batch"], epochs=epochs), 1)[0]
        floor = times(lambda: [x @ y for _ in range(epochs)], 1)[0] / epochs
        pairs.append((max(total - setup, 0.0) / epochs, floor))
    return np.array(pairs)


def plan(n):
    """(epochs per run, repeats) for gdcore by mode, and repeats for the loop: about a minute in all."""
    if n <= 100:
        return {"batch": (500, 7), "mini-batch 32": (200, 7), "stochastic": (50, 7)}, 7
    if n <= 10_000:
        return {"batch": (500, 7), "mini-batch 32": (20, 5), "stochastic": (2, 3)}, 3
    return {"batch": (50, 7), "mini-batch 32": (2, 3), "stochastic": (1, 1)}, 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip N = 1,000,000")
    args = parser.parse_args()
    sizes = [100, 10_000] if args.quick else [100, 10_000, 1_000_000]

    print(f"gdcore {gdcore.__version__}, numpy {np.__version__}, Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print("median seconds per epoch (gdcore: setup excluded, shown apart); speedup = loop / gdcore\n")
    header = (f"{'N':>9}  {'mode':<14}{'gdcore/epoch':>14}{'setup':>11}{'loop/epoch':>14}{'speedup':>10}"
              f"{'updates/s':>14}")
    print(header)
    print("-" * len(header))
    floors = []
    for n in sizes:
        x, y = make_data(n)
        runs, loop_repeats = plan(n)
        for mode, (epochs, repeats) in runs.items():
            ours, setup = time_gdcore(x, y, mode, epochs, repeats)
            theirs, extrapolated = time_loop(x, y, mode, loop_repeats)
            rate = updates_per_epoch(n, mode) / ours if ours > 0 else float("inf")
            mark = "*" if extrapolated else " "
            print(f"{n:>9,}  {mode:<14}{ours:>14.3e}{setup:>11.2e}{theirs:>13.3e}{mark}{theirs / ours:>10.1f}"
                  f"{rate:>14,.0f}")
        epochs, repeats = runs["batch"]
        fast, fast_setup = time_gdcore(x, y, "batch", epochs * 10, repeats, fast=True)
        print(f"{n:>9,}  {'batch, fast':<14}{fast:>14.3e}{fast_setup:>11.2e}")
        floors.append((n, floor_ratios(x, y, epochs, repeats), fast, fast_setup))
    print(f"\n* the loop ran on the first {LOOP_PREFIX:,} points of the epoch (for batch: of its one gradient sum)"
          " and was extrapolated linearly to the whole epoch")
    print("fast: fast=True, the batch gradient from the data's centred moments: O(d^2) per epoch after a"
          " one-pass setup")

    print("\nbatch epoch against the floor, a single x @ y over the same arrays, timed back to back"
          " (medians over repeats; best repeat in brackets)")
    print(f"{'N':>9}  {'x @ y':>11}{'batch epoch':>13}{'ratio':>7}{'(best)':>8}{'fast: setup':>13}{'ratio':>7}"
          f"{'+ 1 epoch':>11}{'ratio':>7}")
    for n, pairs, fast, fast_setup in floors:
        epoch, floor = np.median(pairs, axis=0)
        ratios = pairs[:, 0] / pairs[:, 1]
        print(f"{n:>9,}  {floor:>11.2e}{epoch:>13.2e}{np.median(ratios):>7.1f}{f'({ratios.min():.1f})':>8}"
              f"{fast_setup:>13.2e}{fast_setup / floor:>7.1f}{fast:>11.2e}{fast / floor:>7.2f}")


if __name__ == "__main__":
    main()
