"""Learning rates: run several, and say what each one did.

For batch descent on the MSE the answer is known in advance (surface.lr_regime);
classify reads it off an actual run, so the two can be compared on a page.
"""

from dataclasses import dataclass

import numpy as np

from .descent import DescentResult, gradient_descent


@dataclass(frozen=True)
class LearningRateRun:
    lr: object
    result: DescentResult
    verdict: str


def classify(result):
    """Label a run 'diverging', 'oscillating' or 'converging'.

    diverging    the run overflowed, or ended with a higher loss than it began;
    oscillating  over the second half of the run most consecutive steps point
                 against each other (Δθ_k · Δθ_{k−1} < 0): the iterate hops
                 from one wall of the valley to the other;
    converging   otherwise.
    This describes what the run looked like, not the theory of its start:
    surface.lr_regime calls η "oscillating" as soon as the steepest direction
    flips sign (η λ_max > 1), but that direction also shrinks by |1 − η λ_max|
    per step; when it shrinks faster than the gentle direction (η below
    2 / (λ_min + λ_max)) the late steps follow the gentle one and do not
    reverse, so a run can oscillate at first and still be classified converging.
    """
    if result.diverged or not result.loss <= result.initial_loss:
        return "diverging"
    path = np.column_stack([result.history.b, result.history.w])
    steps = np.diff(path, axis=0)[(len(path) - 1) // 2:]
    turns = np.einsum("ij,ij->i", steps[1:], steps[:-1])
    if turns.size and np.mean(turns < 0) > 0.5:
        return "oscillating"
    return "converging"


def compare_learning_rates(x, y, lrs, **kwargs):
    """Run gradient_descent once per learning rate (other settings shared) and classify each run."""
    runs = []
    for lr in lrs:
        result = gradient_descent(x, y, lr=lr, **kwargs)
        runs.append(LearningRateRun(lr=lr, result=result, verdict=classify(result)))
    return runs
