import json
import os

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot

import numpy as np
import pytest
from gdcore_testutils import REFERENCE


def _require(path):
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"public reference data not found at {path.resolve()}; CI must provide ../shared")
        pytest.skip(f"public reference data not found at {path.resolve()} (expected next to the repository)")
    return path


@pytest.fixture(scope="session")
def reference_json():
    with open(_require(REFERENCE / "gradient_descent.json"), encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="session")
def demo_data():
    """x (hours studied) and y (test score) of the linear_regression_live demo."""
    data = np.loadtxt(_require(REFERENCE / "linear_regression_live" / "data.csv"), delimiter=",")
    return data[:, 0], data[:, 1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in __import__("sys").modules:
        import matplotlib.pyplot as plt

        plt.close("all")
