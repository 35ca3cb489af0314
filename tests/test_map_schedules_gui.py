"""The Map and Basins tabs, in the window and headless, run the selected entry with its
learning-rate schedule (issue 10): each grid equals nncore's scheduled map of that entry."""
import csv
import multiprocessing

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

import main
from nncore.entries import make_entry
from nncore.functions import get_function
from nncore.maps import basin_map, declared, default_axis, hyperparameter_map, map_csv
from nncore.optimizers import create
from nncore.paths import trace_path
from nncore.schedules import ScheduleSpec, scheduled
from nncore.settings import PathSettings, Settings

COSINE = ScheduleSpec("cosine", {"min": 0.001})
ONE_CYCLE = ScheduleSpec("onecycle", warmup=10)


@pytest.fixture
def scheduled_window(open_window):
    window = open_window(Settings(
        task="paths", paths=PathSettings(function="himmelblau", start=(0.0, -0.5), steps=120),
        entries=(make_entry("SGD", paths={"lr": 0.01}),
                 make_entry("Momentum", paths={"lr": 0.005, "momentum": 0.8}, schedule=COSINE),
                 make_entry("Adam", paths={"lr": 0.3}, schedule=ONE_CYCLE))))
    yield window
    window.close()
    assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []


def select(window, label):
    entries = window.controls.optimizer_list
    entries.setCurrentRow(entries.row(entries.findItems(label, Qt.MatchFlag.MatchExactly)[0]))


def show_map_of(qtbot, window, panel, size, label, grid):
    """Show ``panel`` (the Map or Basins tab) at ``size`` x ``size`` cells for the entry
    ``label`` and wait until its result's array ``grid`` has that shape; returns the panel."""
    window.path_tabs.setCurrentWidget(panel)
    panel.size_spin.setValue(size)
    select(window, label)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.optimizer == label
                    and getattr(panel.result, grid).shape == (size, size), timeout=10_000)
    return panel


def test_the_map_runs_the_selected_entry_with_its_schedule(qtbot, scheduled_window):
    window = scheduled_window
    panel = show_map_of(qtbot, window, window.map_panel, 8, "Momentum", "final_f")
    result = panel.result
    assert result.schedule == COSINE
    expected = hyperparameter_map(get_function("himmelblau"), "Momentum", {"lr": 0.005, "momentum": 0.8},
                                  (0.0, -0.5), 120, result.x, result.y, COSINE)
    np.testing.assert_array_equal(result.final_f, expected.final_f)
    unscheduled = hyperparameter_map(get_function("himmelblau"), "Momentum", {"lr": 0.005, "momentum": 0.8},
                                     (0.0, -0.5), 120, result.x, result.y)
    assert not np.array_equal(result.final_f, unscheduled.final_f)
    assert "lr: cosine:min=0.001" in panel.plot_item.titleLabel.text
    select(window, "SGD")  # an entry without a schedule: a constant lr
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.optimizer == "SGD", timeout=10_000)
    assert panel.result.schedule is None and "lr:" not in panel.plot_item.titleLabel.text


def test_basins_and_their_hover_path_follow_the_selected_entrys_schedule(qtbot, scheduled_window):
    window = scheduled_window
    panel = show_map_of(qtbot, window, window.basin_panel, 12, "Adam", "outcome")
    assert panel.result.schedule == ONE_CYCLE
    fn = get_function("himmelblau")
    expected = basin_map(fn, "Adam", window.controls.settings().hyperparameters("paths", "Adam"), 120, 12,
                         ONE_CYCLE)
    np.testing.assert_array_equal(panel.result.outcome, expected.outcome)
    view = panel.plot_widget.getPlotItem().getViewBox()
    for x, y in ((3.5, 3.5), (-2.5, 2.5)):  # two points: the cursor may rest on the first already
        qtbot.mouseMove(panel.plot_widget.viewport(),
                        panel.plot_widget.mapFromScene(view.mapViewToScene(QPointF(x, y))))
    qtbot.waitUntil(lambda: panel.hover_start is not None and panel.hover_start[0] < 0, timeout=5_000)
    xs, ys = panel.hover_path.getData()
    single = trace_path(fn, scheduled(create("Adam", lr=0.3), ONE_CYCLE, 120), panel.hover_start, 120)
    np.testing.assert_array_equal(np.column_stack([xs, ys]), single.points)


def test_headless_map_of_a_scheduled_run_entry_uses_its_schedule(tmp_path, qapp):
    out = tmp_path / "map"
    assert main.main(["--headless", "--out", str(out), "--task", "map", "--run",
                      "Momentum path.lr=0.05 schedule=cosine:min=0.001", "--map-size", "6",
                      "--steps", "60"]) == 0
    with open(out / "map.csv", newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    book = get_function("book")
    plain = tmp_path / "plain"
    assert main.main(["--headless", "--out", str(plain), "--task", "map", "--run",
                      "Momentum path.lr=0.05", "--map-size", "6", "--steps", "60"]) == 0
    with open(plain / "map.csv", newline="") as stream:
        plain_rows = list(csv.reader(stream))[1:]
    x = default_axis(declared("Momentum", "lr"), 0.05, 6)
    y = default_axis(declared("Momentum", "momentum"), 0.9, 6)
    expected = hyperparameter_map(book, "Momentum", {"lr": 0.05, "momentum": 0.9}, book.start, 60, x, y,
                                  COSINE)
    assert [row[2] for row in rows] == [row[2] for row in _csv_rows(expected)]
    assert [row[2] for row in rows] != [row[2] for row in plain_rows]


def _csv_rows(result):
    return list(csv.reader(map_csv(result).splitlines()))[1:]
