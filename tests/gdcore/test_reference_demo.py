"""llSourcell/linear_regression_live: the published run of demo.py on data.csv."""

import hashlib

import gdcore
from gdcore_testutils import REFERENCE, check, close


def _demo_run(demo_data, ref):
    settings = ref["settings"]["value"]
    x, y = demo_data
    return gdcore.gradient_descent(
        x, y, lr=settings["learning_rate"], epochs=settings["num_iterations"],
        init=(settings["initial_b"], settings["initial_m"]),
    )


def test_data_file_is_the_published_one(reference_json, demo_data):
    ref = reference_json["siraj_linear_regression_live"]["data"]
    digest = hashlib.sha256((REFERENCE / "linear_regression_live" / "data.csv").read_bytes()).hexdigest()
    assert digest == ref["sha256"]
    assert len(demo_data[0]) == ref["rows"]


def test_published_start_and_end(reference_json, demo_data):
    ref = reference_json["siraj_linear_regression_live"]
    result = _demo_run(demo_data, ref)
    check(ref["initial_error"], result.initial_loss)
    check(ref["final_b"], result.b)
    check(ref["final_m"], result.w)
    check(ref["final_error"], result.loss)
    assert not result.diverged and result.updates == 1000


def test_small_functions_agree_with_the_runner(reference_json, demo_data):
    ref = reference_json["siraj_linear_regression_live"]
    x, y = demo_data
    b, w = 0.0, 0.0
    for _ in range(ref["settings"]["value"]["num_iterations"]):
        b, w = gdcore.step(b, w, *gdcore.gradients(b, w, x, y), lr=ref["settings"]["value"]["learning_rate"])
    check(ref["final_b"], b)
    check(ref["final_m"], w)
    check(ref["final_error"], gdcore.mse(b, w, x, y))
    check(ref["initial_error"], gdcore.mse(0.0, 0.0, x, y))


def test_least_squares_and_curvature(reference_json, demo_data):
    ref = reference_json["siraj_linear_regression_live"]
    x, y = demo_data
    b, m = gdcore.least_squares(x, y)
    optimum = ref["lstsq_optimum"]
    check(optimum, {"b": b, "m": m, "error": gdcore.mse(b, m, x, y)})
    curv = gdcore.curvature(x)
    lr = ref["settings"]["value"]["learning_rate"]
    check(ref["curvature"], {
        "condition_number": curv.condition_number,
        "critical_lr_full_batch": curv.critical_lr,
        "slow_mode_time_constant_iterations_at_lr_1e-4": curv.time_constant(lr),
    })
    close(curv.eigenvalues, ref["curvature"]["value"]["hessian_eigenvalues"], rel=1e-9)
    # the published run is stable (η below 2/λmax) but far from converged in b
    assert lr < curv.critical_lr
    assert gdcore.surface.lr_regime(lr, curv) == "converging"


def test_fast_path_reproduces_the_demo(reference_json, demo_data):
    ref = reference_json["siraj_linear_regression_live"]
    plain = _demo_run(demo_data, ref)
    settings = ref["settings"]["value"]
    fast = gdcore.gradient_descent(*demo_data, lr=settings["learning_rate"], epochs=settings["num_iterations"],
                                   init=(0.0, 0.0), fast=True)
    close(fast.b, plain.b, rel=1e-12)
    close(fast.w, plain.w, rel=1e-12)
    close(fast.loss, plain.loss, rel=1e-12)
    close(fast.history.loss, plain.history.loss, rel=1e-12)
    close(fast.history.b[1:], plain.history.b[1:], rel=1e-12)  # row 0 is b = 0: no relative scale
    check(ref["final_b"], fast.b)
