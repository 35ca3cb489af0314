"""Maps, basins and noisy clouds of a scheduled entry: every cell, start and cloud run is the
entry's single path with its learning-rate schedule applied per step (as run_paths applies it)."""
import numpy as np
import pytest

from nncore.entries import make_entry
from nncore.experiment import run_clouds, run_paths
from nncore.functions import get_function
from nncore.maps import DIVERGED, basin_map, hyperparameter_map
from nncore.optimizers import OPTIMIZERS, path_defaults
from nncore.schedules import ScheduleSpec
from nncore.settings import PathSettings, Settings
from nncore.sweeps import noisy_cloud, run_many
from run_helpers import rosenbrock_map_inputs, single_path

SCHEDULES = {"cosine": ScheduleSpec("cosine", {"min": 1e-4}),
             "onecycle+warmup": ScheduleSpec("onecycle", warmup=5)}


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_cell_of_a_scheduled_map_is_the_scheduled_single_path_bit_for_bit(name, schedule):
    fn, base, x_axis, y_axis = rosenbrock_map_inputs(name, 3, 2)
    result = hyperparameter_map(fn, name, base, fn.start, 25, x_axis, y_axis, schedule)
    plain = hyperparameter_map(fn, name, base, fn.start, 25, x_axis, y_axis)
    assert result.schedule == schedule
    grid = {**base, "lr": x_axis.values}
    if y_axis is not None:
        grid["lr"], grid[y_axis.name] = np.meshgrid(x_axis.values, y_axis.values, indexing="ij")
    runs = run_many(fn, name, grid, np.asarray(fn.start), 25, schedule=schedule)
    np.testing.assert_array_equal(result.final_f, runs.final_f)  # the map's cells are these runs
    for i, lr in enumerate(x_axis.values):
        for j in range(1 if y_axis is None else 2):
            values = {**base, "lr": lr}
            if y_axis is not None:
                values[y_axis.name] = y_axis.values[j]
            single, diverged = single_path(fn, name, values, fn.start, 25, schedule)
            index = (i,) if y_axis is None else (i, j)
            assert result.diverged[index] == diverged
            if not diverged:  # the same position, to the bit (f of an array and of a
                # scalar may round apart, so positions are compared)
                np.testing.assert_array_equal(runs.final[index], single.points[-1])
    assert not result.diverged.all()
    assert not np.array_equal(result.final_f, plain.final_f)  # the schedule changed the cells


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_start_of_a_scheduled_basin_map_is_the_scheduled_single_path(name, schedule):
    """To the last bits, as the unscheduled basin test (NumPy's vector and scalar loops may
    round a few ulp apart)."""
    fn = get_function("himmelblau")
    values = path_defaults(name)
    values["lr"] = min(values["lr"], 0.01)
    result = basin_map(fn, name, values, 30, 3, schedule)
    assert result.schedule == schedule
    starts = np.stack(np.meshgrid(result.xs, result.ys, indexing="ij"), axis=-1)
    runs = run_many(fn, name, values, starts, 30, schedule=schedule)
    for index in np.ndindex(3, 3):
        single, diverged = single_path(fn, name, values, starts[index], 30, schedule)
        assert (result.outcome[index] == DIVERGED) == diverged
        if not diverged:
            np.testing.assert_array_max_ulp(runs.final[index], single.points[-1], maxulp=8)


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_run_of_a_scheduled_noisy_cloud_is_its_scheduled_single_noisy_path(name, schedule):
    fn = get_function("book")
    values = path_defaults(name)
    cloud = noisy_cloud(fn, name, values, fn.start, 20, 0.5, 7, 3, schedule)
    unscheduled = noisy_cloud(fn, name, values, fn.start, 20, 0.5, 7, 3)
    for k in range(3):
        single, diverged = single_path(fn, name, values, fn.start, 20, schedule, sigma=0.5, seed=7 + k)
        np.testing.assert_array_equal(cloud.points[k, :len(single.points)], single.points)
        assert (cloud.diverged_at[k] > 0) == diverged
    assert not np.array_equal(cloud.points, unscheduled.points)


def test_run_clouds_follow_each_entrys_schedule_and_run_0_is_its_path():
    settings = Settings(entries=(make_entry("Momentum", paths={"lr": 0.1}, schedule=SCHEDULES["cosine"]),
                                 make_entry("Adam", paths={"lr": 0.3}, schedule=SCHEDULES["onecycle+warmup"]),
                                 make_entry("SGD", paths={"lr": 0.9})),
                        paths=PathSettings(steps=40, noise=0.3, noise_seed=4, cloud=3)).validate()
    clouds, paths = run_clouds(settings), run_paths(settings)
    assert list(clouds) == list(paths) == ["Momentum", "Adam", "SGD"]
    for label, path in paths.items():
        np.testing.assert_array_equal(clouds[label].points[0, :len(path.points)], path.points)
