"""The window's instruments of issue 9: Theory, Map and Basins tabs, quadratic and noise
controls, noisy clouds, and their exports."""
import multiprocessing

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nncore.functions import quadratic
from nncore.settings import PathSettings, Settings

RUN_TIMEOUT = 60_000


@pytest.fixture
def paths_window(open_window):
    """A window for 2D runs only (no MNIST child process), closed at the end."""
    opened = []

    def open_(**paths):
        window = open_window(Settings(task="paths", paths=PathSettings(**paths)))
        opened.append(window)
        return window

    yield open_
    for window in opened:
        window.close()
        assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []


def run_to_end(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        assert window.start()
    window.finish_animation()


def select(window, name):
    window.controls.optimizer_list.setCurrentRow(
        window.controls.optimizer_list.row(window.controls.optimizer_list.findItems(name, Qt.MatchFlag.MatchExactly)[0]))


def click_plot(qtbot, plot_widget, x, y):
    """Left-click the plot at data coordinates (x, y)."""
    view = plot_widget.getPlotItem().getViewBox()
    scene = view.mapViewToScene(QPointF(x, y))
    qtbot.mouseClick(plot_widget.viewport(), Qt.MouseButton.LeftButton,
                     pos=plot_widget.mapFromScene(scene))


def test_instrument_tabs_sit_beside_the_paths(paths_window):
    window = paths_window()
    tabs = window.path_tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["Paths", "Theory", "Map", "Basins"]
    for name in ("theoryPanel", "mapPanel", "basinPanel", "mapComputeButton", "theorySnapButton",
                 "quadraticLambda1Spin", "noiseSpin", "cloudSpin"):
        assert window.findChild(object, name) is not None, name


def test_theory_tab_shows_predicted_and_measured_rates_and_snaps(qtbot, paths_window):
    window = paths_window(steps=30)
    run_to_end(qtbot, window)
    text = window.theory_panel.readout.text()
    assert "\u03ba = \u03bbmax/\u03bbmin = 20" in text
    assert "0.9050" in text and "0.9047" in text  # SGD at 0.95: predicted and measured
    assert "settle on the predicted rate only over more steps" in text
    select(window, "Momentum")
    assert window.theory_panel.snap_button.isEnabled()
    qtbot.mouseClick(window.theory_panel.snap_button, Qt.MouseButton.LeftButton)
    values = window.controls.settings().hyperparameters("paths", "Momentum")
    assert values["lr"] == pytest.approx(1.3358, abs=1e-4)
    assert values["momentum"] == pytest.approx(0.4026, abs=1e-4)
    select(window, "Adam")
    assert not window.theory_panel.snap_button.isEnabled()


def test_map_click_sets_the_cell_values_and_the_marker_follows(qtbot, paths_window):
    window = paths_window()
    select(window, "Momentum")
    window.path_tabs.setCurrentWidget(window.map_panel)
    panel = window.map_panel
    panel.size_spin.setValue(20)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.final_f.shape == (20, 20),
                    timeout=10_000)
    result = panel.result
    assert (result.x.name, result.y.name) == ("lr", "momentum")
    target_lr, target_beta = result.x.values[7], result.y.values[12]
    click_plot(qtbot, panel.plot_widget, np.log10(target_lr), target_beta)
    values = window.controls.settings().hyperparameters("paths", "Momentum")
    assert values["lr"] == pytest.approx(target_lr, rel=1e-5)
    assert values["momentum"] == pytest.approx(target_beta, abs=1e-4)
    marker_x, marker_y = panel.current.getData()
    assert marker_x[0] == pytest.approx(np.log10(values["lr"]))
    assert marker_y[0] == pytest.approx(values["momentum"])
    assert panel.result is result  # the axes did not move under the click
    # The theory's boundary is drawn on the book function.
    assert len(panel.boundary.getData()[0]) > 0 and len(panel.optimum.getData()[0]) == 1


def test_basins_tab_colours_starts_and_hover_draws_a_path(qtbot, paths_window):
    window = paths_window(function="himmelblau", start=(0.0, -0.5), steps=200)
    window.controls.set_path_hyperparameters("SGD", {"lr": 0.01})
    select(window, "SGD")
    window.path_tabs.setCurrentWidget(window.basin_panel)
    panel = window.basin_panel
    panel.size_spin.setValue(32)
    qtbot.waitUntil(lambda: panel.result is not None and panel.result.outcome.shape == (32, 32),
                    timeout=10_000)
    shares = panel.result.shares()
    assert sum(shares[i] for i in range(4)) > 0.99
    assert any("minimum 0 (3, 2)" in label.text for _, label in panel.legend.items)
    view = panel.plot_item.getViewBox()
    scene = view.mapViewToScene(QPointF(3.5, 3.5))
    qtbot.mouseMove(panel.plot_widget.viewport(), panel.plot_widget.mapFromScene(scene))
    qtbot.waitUntil(lambda: panel.hover_start is not None, timeout=5_000)
    xs, ys = panel.hover_path.getData()
    assert len(xs) == 201 and abs(xs[0] - 3.5) < 0.2 and abs(ys[0] - 3.5) < 0.2
    assert np.hypot(xs[-1] - 3.0, ys[-1] - 2.0) < 0.1


def test_quadratic_controls_turn_the_bowl_and_its_start(qtbot, paths_window):
    window = paths_window()
    controls = window.controls
    assert not controls.quadratic_controls.isVisible()
    controls.function_combo.setCurrentIndex(controls.function_combo.findData("quadratic"))
    assert controls.quadratic_controls.isVisible()
    controls.quadratic_controls.angle_spin.setValue(45.0)
    settings = controls.settings()
    assert settings.paths.function_key() == "quadratic:0.1,2,45"
    expected = quadratic(0.1, 2.0, 45.0).start
    assert settings.paths.start == pytest.approx(expected, abs=1e-3)
    assert window.path_panel.function_key == "quadratic:0.1,2,45"


def test_noise_draws_a_cloud_with_mean_and_ellipse(qtbot, paths_window):
    window = paths_window(noise=0.5, cloud=12, steps=20)
    run_to_end(qtbot, window)
    overlay = window.cloud_overlay
    assert set(overlay.clouds) == set(window.run_settings.optimizers)
    members, mean, outline = overlay._items["SGD"]
    assert len(mean.getData()[0]) == 21
    assert len(outline.getData()[0]) > 10
    assert overlay.clouds["SGD"].points.shape == (12, 21, 2)
    # The path shown is run 0 of its cloud.
    np.testing.assert_array_equal(window.paths["SGD"].points, overlay.clouds["SGD"].points[0])


def test_new_panels_export_png_svg_and_csv(qtbot, paths_window, tmp_path):
    window = paths_window(steps=30)
    run_to_end(qtbot, window)
    for panel in (window.map_panel, window.basin_panel):
        window.path_tabs.setCurrentWidget(panel)
        panel.size_spin.setValue(10)
        panel.compute()
    for key in ("theory", "map", "basins"):
        assert window.export_plot(key, tmp_path / f"{key}.png", "png", 800).stat().st_size > 1000
        assert "<svg" in window.export_plot(key, tmp_path / f"{key}.svg", "svg").read_text()[:2000]
    written = {path.name for path in window.export_data(tmp_path / "data")}
    assert {"map.csv", "basins.csv", "theory.csv", "run.json", "paths.csv"} <= written
    assert (tmp_path / "data" / "map.csv").read_text().startswith("x,y,final_f,diverged\n")
    assert (tmp_path / "data" / "basins.csv").read_text().startswith("x,y,outcome\n")
    assert "optimizers.SGD.rho_measured," in (tmp_path / "data" / "theory.csv").read_text()


def test_cloud_ellipse_is_the_one_sigma_contour():
    from gui.cloud_overlay import ellipse
    mean = np.array([1.0, -2.0])
    covariance = np.array([[0.5, 0.2], [0.2, 0.3]])
    ring = ellipse(mean, covariance)
    offsets = ring - mean
    mahalanobis = np.einsum("ni,ij,nj->n", offsets, np.linalg.inv(covariance), offsets)
    np.testing.assert_allclose(mahalanobis, 1.0, rtol=1e-12)
    assert ellipse(mean, np.full((2, 2), np.nan)).shape == (0, 2)


def test_map_basins_and_clouds_work_for_every_optimizer(qtbot, open_window):
    """Every registered optimizer (Muon and Prodigy mix coordinates, Schedule-Free draws x) gets
    its noisy cloud, whose run 0 is the path shown, and its map and basin grids in the tabs."""
    from nncore.optimizers import OPTIMIZERS

    window = open_window(Settings(task="paths", optimizers=tuple(OPTIMIZERS),
                                  paths=PathSettings(noise=0.5, cloud=4, steps=10)))
    try:
        run_to_end(qtbot, window)
        clouds = window.cloud_overlay.clouds
        assert set(clouds) == set(OPTIMIZERS)
        for name in OPTIMIZERS:
            shown = window.paths[name].points
            np.testing.assert_array_equal(shown, clouds[name].points[0, :len(shown)])
        for panel, size in ((window.map_panel, 6), (window.basin_panel, 6)):
            window.path_tabs.setCurrentWidget(panel)
            panel.size_spin.setValue(size)
            for name in OPTIMIZERS:
                panel.optimizer_combo.setCurrentText(name)
                qtbot.waitUntil(lambda: panel.result is not None and panel.result.optimizer == name,
                                timeout=10_000)
                grid = getattr(panel.result, "final_f", getattr(panel.result, "outcome", None))
                assert grid.shape[0] == size, name
    finally:
        window.close()
        assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []
