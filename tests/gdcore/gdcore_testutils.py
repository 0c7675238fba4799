"""Comparison helpers for the reference tests (a unique name: tests/ is shared with other packages)."""

from pathlib import Path

import numpy as np

# The public references live next to the repository, never inside it.
REFERENCE = Path(__file__).resolve().parents[2] / "../shared/reference"


def close(got, want, rel=None, abs=None):
    """assert |got − want| ≤ rel·|want| (or ≤ abs), elementwise, with a readable message."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.abs(got - want)
    bound = rel * np.abs(want) if rel is not None else abs
    assert np.all(err <= bound), f"got {got!r}, want {want!r} (error {err!r} > {bound!r})"


def check(entry, got, tolerance="tolerance"):
    """Compare what gdcore computed with one entry of gradient_descent.json.

    `got` is a number or a dict of numbers. Each number is compared with the
    entry's "recomputed" value at "tolerance_vs_recomputed" (when present) and
    with the published "value" at the entry's tolerance (when numeric). Every
    number in `got` must meet at least one of them, so nothing is skipped silently.
    """
    tol_value = entry.get(tolerance)
    if isinstance(tol_value, dict) and not ({"rel", "abs"} & tol_value.keys()):
        tol_value = None  # per-kind tolerances (handled by the caller)
    targets = []
    if "recomputed" in entry:
        targets.append((entry["recomputed"], entry["tolerance_vs_recomputed"]))
    if isinstance(tol_value, dict):
        targets.append((entry["value"], tol_value))
    items = got.items() if isinstance(got, dict) else [(None, got)]
    for key, number in items:
        compared = 0
        for want, tol in targets:
            want = want if key is None else want.get(key) if isinstance(want, dict) else None
            if want is None:
                continue
            close(number, want, rel=tol.get("rel"), abs=tol.get("abs"))
            compared += 1
        assert compared, f"nothing in the reference to compare {key!r} with"
