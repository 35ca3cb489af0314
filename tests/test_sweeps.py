"""Many runs at once (issue 9.3-9.5): array hyperparameters, maps, basins and noisy clouds."""
import numpy as np
import pytest

from nncore.functions import get_function, quadratic
from nncore.maps import (DIVERGED, UNCONVERGED, basin_map, basins_csv, cell_centres, declared,
                         default_axis, hyperparameter_map, map_csv)
from nncore.optimizers import OPTIMIZERS, create, path_defaults
from nncore.paths import trace_path
from nncore.sweeps import GradientNoise, noisy_cloud, noisy_function, run_many
from nncore.theory import heavy_ball_lr_max
from run_helpers import rosenbrock_map_inputs, single_path


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_cell_of_a_map_is_the_single_path_bit_for_bit(name):
    fn, base, x_axis, y_axis = rosenbrock_map_inputs(name, 4, 3)
    result = hyperparameter_map(fn, name, base, fn.start, 25, x_axis, y_axis)
    for i, lr in enumerate(x_axis.values):
        for j in range(1 if y_axis is None else 3):
            values = {**base, "lr": lr}
            if y_axis is not None:
                values[y_axis.name] = y_axis.values[j]
            single, diverged = single_path(fn, name, values, fn.start, 25)
            index = (i,) if y_axis is None else (i, j)
            assert result.diverged[index] == diverged
            if not diverged:
                assert result.final_f[index] == fn.f(*single.points[-1])  # exactly equal
    assert not result.diverged.all()


UNADAPTED = ("SGD", "Momentum", "Nesterov", "Nesterov2016", "RAdam")
"""Rules whose path learning rate (tuned on the book's bowl) diverges from every start on
Himmelblau, whose gradients are about 100 times larger: their basin test takes lr 0.01."""


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_start_of_a_basin_map_is_the_single_path_to_the_last_bits(name):
    """Each start ends where its single path ends. The single path moves one (2,) array and the
    basin map one (cells,) array per coordinate: NumPy's vector loops (e.g. power of an array of
    betas) may round differently from its scalar ones, so 30 steps may differ by a few ulp."""
    fn = get_function("himmelblau")
    values = path_defaults(name)
    if name in UNADAPTED:
        values["lr"] = 0.01
    result = basin_map(fn, name, values, 30, 4)
    starts = np.stack(np.meshgrid(result.xs, result.ys, indexing="ij"), axis=-1)
    runs = run_many(fn, name, values, starts, 30)
    for index in np.ndindex(4, 4):
        single, diverged = single_path(fn, name, values, starts[index], 30)
        assert (result.outcome[index] == DIVERGED) == diverged
        if not diverged:
            np.testing.assert_array_max_ulp(runs.final[index], single.points[-1], maxulp=8)
            near = [k for k, m in enumerate(fn.minima)
                    if np.linalg.norm(single.points[-1] - np.asarray(m)) < result.tolerance]
            assert result.outcome[index] == (near[0] if near else UNCONVERGED)
    assert not (result.outcome == DIVERGED).all()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_run_of_a_noisy_cloud_is_its_single_noisy_path(name):
    fn = get_function("book")
    values = path_defaults(name)
    cloud = noisy_cloud(fn, name, values, fn.start, 20, 0.5, 7, 3)
    for k in range(3):
        single, diverged = single_path(fn, name, values, fn.start, 20, sigma=0.5, seed=7 + k)
        np.testing.assert_array_equal(cloud.points[k, :len(single.points)], single.points)
        assert (cloud.diverged_at[k] > 0) == diverged
    assert not np.array_equal(cloud.points[0], cloud.points[1])


def test_array_hyperparameters_are_validated_element_by_element():
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.0 \(1 of 3 values\)"):
        create("Momentum", lr=0.1, momentum=np.array([0.5, 0.9, 1.0]))
    with pytest.raises(ValueError, match=r"lr must be in \(0, 100\]"):
        create("Adam", lr=np.array([0.1, -1.0]))
    assert "lr=<array (2,)>" in repr(create("SGD", lr=np.array([0.1, 0.2])))


def test_map_grid_is_cell_centred_and_the_csv_holds_every_cell():
    np.testing.assert_allclose(cell_centres(0.0, 1.0, 4), [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(cell_centres(0.01, 100.0, 4, log=True),
                               [10 ** -1.5, 10 ** -0.5, 10 ** 0.5, 10 ** 1.5])
    fn = get_function("book")
    x_axis = default_axis(declared("Momentum", "lr"), 0.1, 6)
    y_axis = default_axis(declared("Momentum", "momentum"), 0.9, 5)
    assert (x_axis.low, x_axis.high, y_axis.low, y_axis.high) == (0.001, 10.0, 0.0, 1.0)
    result = hyperparameter_map(fn, "Momentum", {"lr": 0.1, "momentum": 0.9}, fn.start, 50,
                                x_axis, y_axis)
    lines = map_csv(result).splitlines()
    assert lines[0] == "x,y,final_f,diverged"
    assert len(lines) == 1 + 30
    x, y, final_f, diverged = lines[1].split(",")
    assert (float(x), float(y)) == (x_axis.values[0], y_axis.values[0])
    assert float(final_f) == result.final_f[0, 0] and diverged == "0"
    assert {line.split(",")[3] for line in lines[1:]} == {"0", "1"}
    curve = hyperparameter_map(fn, "SGD", {"lr": 0.95}, fn.start, 50,
                               default_axis(declared("SGD", "lr"), 0.95, 8), None)
    assert curve.final_f.shape == (8,)
    assert map_csv(curve).splitlines()[1].split(",")[1] == ""


def test_map_cells_agree_with_the_heavy_balls_stability_boundary():
    fn = quadratic(0.1, 2.0, 30.0)
    x_axis = default_axis(declared("Momentum", "lr"), 0.1, 40)
    y_axis = default_axis(declared("Momentum", "momentum"), 0.9, 20)
    result = hyperparameter_map(fn, "Momentum", {"lr": 0.1, "momentum": 0.9}, fn.start, 2000,
                                x_axis, y_axis)
    lr, beta = np.meshgrid(x_axis.values, y_axis.values, indexing="ij")
    ratio = lr / heavy_ball_lr_max(beta, (0.1, 2.0))
    clear = np.abs(ratio - 1) > 0.02
    np.testing.assert_array_equal(result.diverged[clear], (ratio > 1)[clear])


def test_small_step_gradient_descent_splits_himmelblau_into_its_four_basins():
    fn = get_function("himmelblau")
    result = basin_map(fn, "SGD", {"lr": 0.01}, 200, 64)
    shares = result.shares()
    assert sum(shares[index] for index in range(4)) > 0.99
    assert all(shares[index] > 0.15 for index in range(4))
    # Cells near each minimum end in that minimum's basin.
    for index, (mx, my) in enumerate(fn.minima):
        i, j = np.argmin(np.abs(result.xs - mx)), np.argmin(np.abs(result.ys - my))
        assert result.outcome[i, j] == index
    lines = basins_csv(result).splitlines()
    assert lines[0] == "x,y,outcome" and len(lines) == 1 + 64 * 64
    assert {line.split(",")[2] for line in lines[1:]} <= {"0", "1", "2", "3", "diverged", "unconverged"}


def test_basin_outcomes_include_diverged_and_unconverged():
    fn = get_function("himmelblau")
    assert (basin_map(fn, "SGD", {"lr": 0.2}, 50, 8).outcome == DIVERGED).mean() > 0.5
    assert (basin_map(fn, "SGD", {"lr": 1e-6}, 5, 8).outcome == UNCONVERGED).all()
    assert basins_csv(basin_map(fn, "SGD", {"lr": 0.2}, 50, 4)).count("diverged") > 0


def test_noisy_path_is_run_zero_of_its_cloud():
    fn = get_function("book")
    single = trace_path(noisy_function(fn, 0.5, 7), create("Adam", lr=0.3), fn.start, 300)
    cloud = noisy_cloud(fn, "Adam", {"lr": 0.3}, fn.start, 300, 0.5, 7, 5)
    assert cloud.points.shape == (5, 301, 2)
    np.testing.assert_array_equal(cloud.points[0], single.points)
    assert not np.array_equal(cloud.points[1], single.points)
    np.testing.assert_allclose(cloud.mean, cloud.points.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(cloud.covariance[100], np.cov(cloud.points[:, 100].T), rtol=1e-10)
    np.testing.assert_array_equal(cloud.points[:, 0], np.broadcast_to(fn.start, (5, 2)))


def test_noise_is_drawn_in_chunks_as_the_same_stream():
    noise = GradientNoise(2.0, 11, count=2)
    draws = np.stack([noise.draw() for _ in range(GradientNoise.CHUNK + 3)])
    expected = 2.0 * np.random.default_rng(12).standard_normal((GradientNoise.CHUNK + 3, 2))
    np.testing.assert_array_equal(draws[:, :, 1], expected)


@pytest.mark.parametrize("beta, expected", [(0.9, 0.2639), (0.0, 0.0278)])
def test_heavy_ball_stationary_variance(beta, expected):
    """Var = lr sigma^2 (1 + beta) / (lambda (1 - beta) (2 (1 + beta) - lr lambda)) per direction."""
    lam, sigma, lr = 2.0, 1.0, 0.1
    formula = lr * sigma ** 2 * (1 + beta) / (lam * (1 - beta) * (2 * (1 + beta) - lr * lam))
    assert formula == pytest.approx(expected, abs=5e-5)
    fn = quadratic(lam, lam, 0.0)
    cloud = noisy_cloud(fn, "Momentum", {"lr": lr, "momentum": beta}, (0.0, 0.0), 2200,
                        sigma, 3, 200)
    settled = cloud.points[:, 200:]  # past the burn-in
    measured = settled.var(axis=(0, 1))  # per direction, over steps and seeds
    np.testing.assert_allclose(measured, formula, rtol=0.05)


def test_run_many_broadcasts_starts_against_hyperparameters():
    fn = get_function("book")
    runs = run_many(fn, "SGD", {"lr": np.array([[0.1], [0.5]])}, np.array([[-7.0, 2.0], [3.0, 1.0]]), 3)
    assert runs.final.shape == (2, 2, 2)
    single = trace_path(fn, create("SGD", lr=0.5), (3.0, 1.0), 3)
    np.testing.assert_array_equal(runs.final[1, 1], single.points[-1])


def test_recorded_runs_find_the_same_first_divergence_as_step_by_step_checks():
    fn = get_function("book")
    starts = np.broadcast_to(np.array(fn.start), (6, 2))
    lrs = np.array([0.5, 0.9, 1.02, 1.05, 1.1, 2.0])
    checked = run_many(fn, "SGD", {"lr": lrs}, starts, 400, GradientNoise(0.1, 5, 6))
    recorded = run_many(fn, "SGD", {"lr": lrs}, starts, 400, GradientNoise(0.1, 5, 6), record=True)
    np.testing.assert_array_equal(recorded.diverged_at, checked.diverged_at)
    assert list(checked.diverged) == [False, False, True, True, True, True]
    assert checked.diverged_at[5] < checked.diverged_at[2]


def test_a_prodigy_cell_with_zero_gradients_stays_put_while_its_neighbours_step():
    """Prodigy takes no step while all of a run's gradients are 0; in a grid only that cell waits
    (its weight decay too), each cell equal to its single path."""
    fn = get_function("himmelblau")
    starts = np.array([[3.0, 2.0], [-1.0, 1.0]])  # a minimum (gradient exactly 0) and a slope
    values = {"lr": 1.0, "weight_decay": 0.5}
    runs = run_many(fn, "Prodigy", values, starts, 15)
    for k, start in enumerate(starts):
        single = trace_path(fn, create("Prodigy", **values), start, 15)
        np.testing.assert_array_equal(runs.final[k], single.points[-1])
    np.testing.assert_array_equal(runs.final[0], [3.0, 2.0])
    assert not np.array_equal(runs.final[1], starts[1])
