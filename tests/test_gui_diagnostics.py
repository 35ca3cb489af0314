"""The Diagnostics tab: layer statistics, first-layer weights and errors drawn from a real run."""
import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gui import style
from gui.diagnostics_panel import EXPORT_SCALE, REFERENCE_RATIO, DiagnosticsPanel, weight_tiles
from nncore.data import load_mnist
from nncore.experiment import run_mnist
from nncore.files import ExportError
from run_helpers import result
from shown_widgets import shown


@pytest.fixture(scope="module")
def history():
    """A real 40-iteration run of SGD and Muon (hidden 16, 16), evaluated every 20 iterations."""
    from nncore.settings import MnistSettings, Settings
    settings = Settings(task="mnist", optimizers=("SGD", "Muon"),
                        mnist=MnistSettings(iterations=40, batch_size=32, hidden_sizes=(16, 16),
                                            eval_interval=20))
    return result(run_mnist(settings, load_mnist()))


@pytest.fixture
def panel(qtbot):
    widget = shown(qtbot, DiagnosticsPanel(), (600, 500))
    return widget


def test_weight_tiles_centre_the_diverging_map_on_zero():
    weights = np.zeros((784, 3))
    weights[0, 1], weights[1, 1], weights[2, 2] = 1.0, -1.0, 0.5
    mosaic, limit = weight_tiles(weights)
    side = 28
    assert mosaic.shape == (2 * side + 1, 2 * side + 1, 4)  # 3 units: 2 x 2 tiles, 1 px gaps
    zero = mosaic[5, 5, :3].astype(int)  # a zero weight of unit 0
    assert np.all(zero > 200)  # white
    red, blue = mosaic[0, side + 1, :3].astype(int), mosaic[0, side + 2, :3].astype(int)
    assert red[0] > red[2] + 100 and blue[2] > blue[0] + 100
    assert limit > 0


def test_layer_page_plots_each_optimizer_per_layer(panel, history, qtbot):
    panel.set_history(history)
    assert [panel.layer_combo.itemText(i) for i in range(panel.layer_combo.count())] == ["W1", "W2", "W3"]
    assert panel.legend_labels() == ["SGD", "Muon"]
    assert panel.reference_line.value() == pytest.approx(math.log10(REFERENCE_RATIO))
    panel.layer_combo.setCurrentIndex(1)
    rows = history.layers["Muon"].rows()
    x, y = panel.layer_items["ratio"]["Muon"].getOriginalDataset()
    np.testing.assert_array_equal(x, rows.iterations)
    np.testing.assert_allclose(y, rows.update_ratio[:, 1])
    x, y = panel.layer_items["weight"]["SGD"].getOriginalDataset()
    np.testing.assert_allclose(y, history.layers["SGD"].rows().weight_norm[:, 1])
    assert set(panel.layer_items["ratio"]) == {"SGD", "Muon"}  # items only for the run's labels
    panel.set_history(None)  # nothing to show: the curves drawn before are hidden
    assert not any(item.isVisible() for items in panel.layer_items.values() for item in items.values())


def test_first_layer_and_errors_follow_the_selected_optimizer(panel, history, tmp_path):
    panel.set_history(history)
    assert panel.selected() == "SGD"
    panel.select("Muon")
    evaluation = history.evaluations["Muon"]
    assert evaluation.iteration == 40
    expected, _ = weight_tiles(evaluation.first_layer)
    np.testing.assert_array_equal(panel.first_layer_mosaic, expected)
    assert "Muon, iteration 40: 16 units" in panel.first_layer_label.text()
    assert panel.gallery.count() == len(evaluation.predicted) == 32
    first = panel.gallery.item(0).text()
    assert first == f"{evaluation.predicted[0]} \u2192 {evaluation.true[0]}"
    assert len(panel.confusion_texts) == np.count_nonzero(evaluation.confusion)
    wrong = int(evaluation.confusion.sum() - np.trace(evaluation.confusion))
    assert panel.errors_label.text().startswith(f"{wrong} of 10000 test digits wrong at iteration 40")

    path = panel.export_first_layer_png(tmp_path / "first.png")
    image = QImage(str(path))
    assert (image.width(), image.height()) == (expected.shape[1] * EXPORT_SCALE,
                                               expected.shape[0] * EXPORT_SCALE)


def test_an_empty_panel_refuses_to_export_and_says_why(panel, tmp_path):
    panel.set_history(None)
    assert not panel.export_button.isEnabled()
    with pytest.raises(ExportError, match="no first-layer weights yet"):
        panel.export_first_layer_png(tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()


def test_window_has_a_diagnostics_tab_filled_by_a_run(window, qtbot, small_settings):
    tabs = window.curve_tabs
    index = tabs.indexOf(window.diagnostics_panel)
    assert tabs.tabText(index) == "Diagnostics" and window.diagnostics_panel.objectName() == "diagnosticsPanel"
    tabs.setCurrentIndex(index)
    settings = dataclasses.replace(small_settings, task="mnist", optimizers=("SGD", "Adam"))
    window.controls.set_settings(settings)
    with qtbot.waitSignal(window.runFinished, timeout=60_000):
        assert window.start()
    qtbot.waitUntil(lambda: window.diagnostics_panel.legend_labels() == ["SGD", "Adam"], timeout=10_000)
    assert window.diagnostics_panel.history.evaluations["Adam"].iteration == 30
    assert style.display_name("Nesterov2016") == "Nesterov (book 2016)"
