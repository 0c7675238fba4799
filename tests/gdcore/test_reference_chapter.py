"""dvgodoy/PyTorchStepByStep chapter 0: the synthetic line, step by step."""

import numpy as np
import pytest

import gdcore
from gdcore import datasets, surface
from gdcore_testutils import check, close


@pytest.fixture(scope="module")
def ref(reference_json):
    return reference_json["godoy_pytorchstepbystep_ch0"]


@pytest.fixture(scope="module")
def data(ref):
    spec = ref["data_generation"]["value"]
    return datasets.synthetic_line(n=spec["N"], b=spec["true_b"], w=spec["true_w"], noise=0.1, seed=42)


@pytest.fixture(scope="module")
def start():
    return gdcore.init_params(1, seed=42)


@pytest.fixture(scope="module")
def grid(data):
    # linspace(true_b − 3, true_b + 3, 101) × linspace(true_w − 3, true_w + 3, 101)
    return surface.loss_grid(data.x_train, data.y_train, *surface.grid_around(1.0, 2.0, span=3, points=101))


def test_data_fingerprint(ref, data):
    fp = ref["data_fingerprint"]
    check(fp, {
        "x_train_sum": data.x_train.sum(), "y_train_sum": data.y_train.sum(),
        "x_val_sum": data.x_val.sum(), "y_val_sum": data.y_val.sum(),
        "x_train_first3": data.x_train[:3], "y_train_first3": data.y_train[:3],
    })
    check(ref["x_train_0"], data.x_train[0])
    assert data.train_idx[:10].tolist() == ref["train_idx_first10"]["value"]
    assert (len(data.train_idx), len(data.val_idx)) == (80, 20)


def test_generating_does_not_touch_global_random_state(ref):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    datasets.synthetic_line(seed=42)
    gdcore.init_params(1, seed=42)
    assert np.random.rand() == expected


def test_initial_parameters_loss_and_gradients(ref, data, start):
    b, w = start
    check(ref["init"], {"b": b, "w": w})
    check(ref["initial_loss"], gdcore.mse(b, w, data.x_train, data.y_train))
    db, dw = gdcore.gradients(b, w, data.x_train, data.y_train)
    check(ref["initial_grads"], {"b_grad": db, "w_grad": dw})


def test_one_step(ref, data, start):
    b, w = start
    db, dw = gdcore.gradients(b, w, data.x_train, data.y_train)
    b1, w1 = gdcore.step(b, w, db, dw, lr=0.1)
    check(ref["after_one_step_lr_0.1"], {"b": b1, "w": w1})
    run = gdcore.gradient_descent(data.x_train, data.y_train, lr=0.1, epochs=1, init=start)
    close([run.b, run.w], [b1, w1], rel=1e-12)


def test_batch_descent_and_closed_form(ref, data, start):
    final = ref["batch_gd_final"]["value"]
    result = gdcore.gradient_descent(data.x_train, data.y_train, lr=final["lr"], epochs=final["epochs"], init=start)
    check(ref["batch_gd_final"], {"b": result.b, "w": result.w, "loss": result.loss})
    check(ref["initial_loss"], result.initial_loss)

    b_opt, w_opt = gdcore.least_squares(data.x_train, data.y_train)
    check(ref["closed_form"], {"b": b_opt, "w": w_opt,
                               "min_train_mse": gdcore.mse(b_opt, w_opt, data.x_train, data.y_train)})
    check(ref["gd_minus_closed_form"], {"b": result.b - b_opt, "w": result.w - w_opt})


def test_float32_torch_run_matches_in_float64(ref, data):
    torch_run = ref["torch_autograd_final_4dp"]["value"]
    init = (torch_run["init"]["b"], torch_run["init"]["w"])  # torch.manual_seed(42) start, printed to 4 dp
    result = gdcore.gradient_descent(data.x_train, data.y_train, lr=0.1, epochs=1000, init=init)
    check(ref["torch_autograd_final_4dp"], {"b": result.b, "w": result.w})


def test_curvature_of_the_original_feature(ref, data):
    curv = gdcore.curvature(data.x_train)
    close(curv.eigenvalues, ref["curvature_original"]["value"]["hessian_eigenvalues"], rel=1e-9)
    check(ref["curvature_original"], {"condition_number": curv.condition_number,
                                      "critical_lr_full_batch": curv.critical_lr})


def test_loss_surface_grid(ref, data, grid, start):
    surf = ref["loss_surface"]["value"]
    assert grid.loss.shape == (101, 101)
    close([grid.b_range[0], grid.b_range[-1], grid.w_range[0], grid.w_range[-1]], [-2, 4, -1, 5], rel=1e-15)
    b_min, w_min, loss_min = grid.minimum()
    close([b_min, w_min, loss_min], [surf["grid_min"]["b"], surf["grid_min"]["w"], surf["grid_min"]["loss"]], rel=1e-9)
    close(grid.loss.max(), surf["grid_max_loss"], rel=1e-9)
    i, j = grid.nearest(*start)
    on_grid = surf["start_on_grid"]
    close([grid.b_range[i], grid.w_range[j], grid.loss[j, i]], [on_grid["b"], on_grid["w"], on_grid["loss"]], rel=1e-9)
    # the grid agrees with mse() point by point (checked on a few rows/columns)
    for jj, ii in [(0, 0), (17, 93), (50, 50), (100, 3)]:
        close(grid.loss[jj, ii], gdcore.mse(grid.b_range[ii], grid.w_range[jj], data.x_train, data.y_train), rel=1e-13)


def test_cross_sections_match_the_grid(data, grid):
    j, i = 14, 42
    close(surface.loss_along_b(data.x_train, data.y_train, grid.w_range[j], grid.b_range), grid.along_b(j), rel=1e-14)
    close(surface.loss_along_w(data.x_train, data.y_train, grid.b_range[i], grid.w_range), grid.along_w(i), rel=1e-14)


def test_finite_difference_gradients_on_the_grid(ref, grid, start):
    fd = ref["finite_difference_grads"]
    move_b, move_w = surface.grid_slopes(grid, *start, delta=fd["value"]["delta"])
    close([move_b.before, move_w.before], [fd["value"]["at"]["b"], fd["value"]["at"]["w"]], rel=1e-9)
    close([move_b.delta, move_w.delta], [0.12, 0.12], rel=1e-9)
    check(fd, {"manual_grad_b": move_b.slope, "manual_grad_w": move_w.slope,
               "dMSE_b": move_b.delta_loss, "dMSE_w": move_w.delta_loss})


@pytest.mark.parametrize("lr", ["0.2", "0.8", "1.1"])
def test_learning_rate_experiments(ref, data, grid, start, lr):
    entry = ref["learning_rate_experiments"]
    want = entry["value"][lr]
    tol = entry["tolerance"]
    eta = float(lr)
    slope_b, slope_w = surface.grid_slopes(grid, *start, delta=0.12)  # the hand-made gradient
    close([-eta * slope_b.slope, -eta * slope_w.slope],
          [want["one_step_displacement"]["b"], want["one_step_displacement"]["w"]], **tol["displacements"])

    move_b, move_w = surface.grid_step(grid, *start, slope_b.slope, slope_w.slope, eta)
    on_grid = want["one_step_on_grid"]
    close([move_b.after, move_w.after], [on_grid["b_after"], on_grid["w_after"]], rel=1e-9)
    close([move_b.loss_before, move_b.loss_after, move_w.loss_after],
          [on_grid["loss_fixed_w_before"], on_grid["loss_fixed_w_after"], on_grid["loss_fixed_b_after"]],
          **tol["losses"])
    # along b alone the MSE has curvature 2, so each step multiplies b's error by 1 − 2η
    close(1 - eta * gdcore.hessian(data.x_train)[0, 0], want["b_only_contraction_factor_1_minus_2lr"], rel=1e-12)

    result = gdcore.gradient_descent(data.x_train, data.y_train, lr=eta, epochs=100, init=start)
    close(result.loss, want["full_2d_gd_100_epochs_loss"], **tol["losses"])
    verdict = {"low": "converging", "high": "oscillating", "very_high": "diverging"}[want["label"]]
    assert gdcore.classify(result) == verdict
    assert surface.lr_regime(eta, gdcore.curvature(data.x_train)) == verdict


def test_bad_feature(ref, data):
    bad = ref["bad_feature"]["value"]
    bad_data = datasets.synthetic_line(b=1.0, w=0.2, x_scale=10.0, seed=42)
    close(np.max(np.abs(bad_data.y - data.y)), bad["y_max_abs_diff_vs_original"], rel=1e-9)
    assert np.array_equal(bad_data.train_idx, data.train_idx)
    b, w = gdcore.least_squares(bad_data.x_train, bad_data.y_train)
    close([b, w], [bad["lstsq"]["b"], bad["lstsq"]["w"]], rel=1e-9)
    curv = gdcore.curvature(bad_data.x_train)
    close(curv.eigenvalues, bad["curvature"]["hessian_eigenvalues"], rel=1e-9)
    close([curv.condition_number, curv.critical_lr],
          [bad["curvature"]["condition_number"], bad["curvature"]["critical_lr_full_batch"]], rel=1e-9)
    b_range, w_range = surface.grid_around(1.0, 0.2)  # the chapter's bad grid: true values ± 3
    close([b_range[0], b_range[-1], w_range[0], w_range[-1]], [-2, 4, -2.8, 3.2], rel=1e-12)


def test_standardized_feature(ref, data):
    std = ref["standardized_feature"]["value"]
    scaler = gdcore.StandardScaler().fit(data.x_train)
    close([scaler.mean_[0], scaler.scale_[0]], [std["x_train_mean"], std["x_train_std"]], rel=1e-9)
    x_scaled = scaler.transform(data.x_train)
    b, w = gdcore.least_squares(x_scaled, data.y_train)
    close([b, w], [std["lstsq"]["b"], std["lstsq"]["w"]], rel=1e-9)
    close(data.y_train.mean(), std["lstsq"]["b_equals_mean_y_train"], rel=1e-9)
    curv = gdcore.curvature(x_scaled)
    close(curv.eigenvalues, std["curvature"]["hessian_eigenvalues"], rel=1e-9)
    close([curv.condition_number, curv.critical_lr],
          [std["curvature"]["condition_number"], std["curvature"]["critical_lr_full_batch"]], rel=1e-9)
    close(gdcore.hessian(x_scaled), 2 * np.eye(2), abs=1e-12)  # circular contours
    b_range, w_range = surface.grid_around(round(b, 1), round(w, 1))  # the chapter's grid: optimum ± 3
    close([b_range[0], b_range[-1], w_range[0], w_range[-1]], [-1, 5, -2.4, 3.6], abs=1e-12)


def test_the_json_checks_list(reference_json, ref, data, grid, start):
    """The derived checks the reference script lists under "checks", recomputed with gdcore."""
    names = {c["name"] for c in reference_json["checks"]}
    assert reference_json["all_checks_pass"]
    # the figure-annotation roundings of the chapter
    i, j = grid.nearest(*start)
    assert round(grid.loss[j, i], 2) == 2.71
    move_b, move_w = surface.grid_slopes(grid, *start, delta=0.12)
    assert [round(v, 2) for v in (move_b.slope, move_w.slope, move_b.delta_loss, move_w.delta_loss)] == \
        [-2.9, -1.79, -0.35, -0.21]
    shown = [round(-float(lr) * slope, 2) for slope in (move_b.slope, move_w.slope) for lr in ("0.2", "0.8", "1.1")]
    assert shown == [0.58, 2.32, 3.19, 0.36, 1.43, 1.97]
    # η = 1.1 overshoots so far along b that the loss goes up; η = 0.8 stays below the critical rate
    b11, _ = surface.grid_step(grid, *start, move_b.slope, move_w.slope, 1.1)
    assert b11.loss_after > b11.loss_before
    assert gdcore.curvature(data.x_train).critical_lr > 0.8
    # gradient descent lands within 1e-6 of the closed form; the bad feature's slope is w / 10
    result = gdcore.gradient_descent(data.x_train, data.y_train, lr=0.1, epochs=1000, init=start)
    b_opt, w_opt = gdcore.least_squares(data.x_train, data.y_train)
    close([result.b, result.w], [b_opt, w_opt], abs=1e-6)
    bad = datasets.synthetic_line(b=1.0, w=0.2, x_scale=10.0, seed=42)
    b_bad, w_bad = gdcore.least_squares(bad.x_train, bad.y_train)
    close([b_bad, 10 * w_bad], [b_opt, w_opt], abs=1e-9)
    assert {"godoy.grid_start_loss_2dp", "godoy.manual_grads_2dp", "godoy.lr_displacements",
            "godoy.lr1.1_loss_goes_up", "godoy.lr0.8_below_critical", "godoy.bad_w_is_w_over_10"} <= names
