import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_import_is_light_and_plots_are_lazy():
    code = ("import sys, gdcore; print('matplotlib' in sys.modules); "
            "gdcore.gradient_descent([0.0, 1.0], [1.0, 3.0], lr=0.1, epochs=5); print('matplotlib' in sys.modules); "
            "gdcore.plots; print('matplotlib' in sys.modules, gdcore.__version__)")
    assert _run(code).split("\n") == ["False", "False", "True 0.1.0"]


def test_public_api_exists():
    import gdcore

    for name in ("gradient_descent", "mse", "predict", "errors", "gradients", "step", "init_params",
                 "least_squares", "StandardScaler", "loss_grid", "curvature", "hessian", "check_gradients",
                 "classify", "compare_learning_rates", "Momentum", "Adam", "SGD", "StepDecay",
                 "ExponentialDecay", "Constant", "nn", "datasets", "surface"):
        assert hasattr(gdcore, name), name
    result = gdcore.gradient_descent([0.0, 1.0, 2.0], [1.0, 3.0, 5.0], lr=0.1, epochs=2, init=(0.0, 0.0),
                                     batch_size=None, seed=None)
    assert {"b", "w", "loss", "history", "diverged", "initial_loss"} <= set(dir(result))
